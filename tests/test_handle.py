"""autograder/handle.py: only data crosses from the student's code to a test, in both modes."""
import json

import numpy as np
import pytest
import torch

from autograder.handle import LocalHandle, Ref, StudentError, decode, encode


class AlwaysEqual:
    def __eq__(self, other):
        return True


class ArrayLiar(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


class TensorLiar(torch.Tensor):
    def __eq__(self, other):
        return True


def _student():
    def add(a, b):
        return a + b

    def liar():
        return AlwaysEqual()

    def array_liar():
        return np.zeros(3).view(ArrayLiar)

    def tensor_liar():
        return torch.zeros(3).as_subclass(TensorLiar)

    def scale_in_place(params, factor):
        for key in params:
            params[key] *= factor

    def twice(f, x):
        return 2 * f(x)

    class Net(torch.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.lin = torch.nn.Linear(n, n)

        def forward(self, x):
            return torch.tanh(self.lin(x))

    return LocalHandle(dict(add=add, liar=liar, array_liar=array_liar, tensor_liar=tensor_liar,
                            scale_in_place=scale_in_place, twice=twice, Net=Net))


def test_round_trip_keeps_values_dtypes_and_structure():
    """Do numbers, arrays, tensors and containers come back equal, with their dtypes?"""
    value = {"a": (1, 2.5, None, True, "s"), 3: [np.arange(6, dtype=np.int32).reshape(2, 3), np.float32(1.5)],
             "t": torch.arange(4, dtype=torch.float64), "big": 2**70}
    back = decode(json.loads(json.dumps(encode(value, lambda o: 1 / 0))), lambda d: 1 / 0)
    assert back["a"] == value["a"] and back["big"] == 2**70
    assert back[3][0].dtype == np.int32 and np.array_equal(back[3][0], value[3][0])
    assert back[3][1] == np.float32(1.5) and back[3][1].dtype == np.float32
    assert back["t"].dtype == torch.float64 and torch.equal(back["t"], value["t"])


def test_objects_with_custom_equality_become_refs_or_plain_data():
    """Can an always-equal object, an ndarray subclass or a tensor subclass fool `==`?"""
    student = _student()
    ref = student.liar()
    assert isinstance(ref, Ref) and not (ref == 1)
    array = student.array_liar()
    assert type(array) is np.ndarray and not np.any(array == 1)
    tensor = student.tensor_liar()
    assert type(tensor) is torch.Tensor and not torch.any(tensor == 1)


def test_object_arrays_and_pickles_are_refused():
    """Is an object-dtype array kept out of the data path (no pickle ever)?"""
    data = encode(np.array([AlwaysEqual()], dtype=object), lambda o: {"ref": "1", "type": "x"})
    assert data == {"ref": "1", "type": "x"}
    with pytest.raises(ValueError):
        decode({"nd": "not base64 npy"}, lambda d: None)


def test_calls_args_after_call_and_callbacks():
    """Do call, call_and_args and a test-side callback behave like direct calls?"""
    student = _student()
    assert student.add(2, 3) == 5
    result, args, _ = student.call_and_args("scale_in_place", {"w": np.ones(2)}, 3.0)
    assert result is None and np.array_equal(args[0]["w"], [3.0, 3.0])
    assert student.twice(lambda v: v + 1, 4) == 10


def test_student_errors_name_the_function_and_exception():
    """Does an exception in student code reach the test as StudentError with a readable message?"""
    student = _student()
    with pytest.raises(StudentError, match="add raised TypeError"):
        student.add(1, "a")
    with pytest.raises(StudentError, match="not defined"):
        student.missing()


def test_modules_parameters_load_and_forward_backward_match_autograd():
    """Do parameters, load and forward_backward agree with torch autograd run directly?"""
    student = _student()
    net = student.Net(3)
    weights = {"lin.weight": torch.randn(3, 3, dtype=torch.float32), "lin.bias": torch.randn(3)}
    student.load(net, weights)
    params, trainable = student.parameters(net)
    assert torch.equal(params["lin.weight"], weights["lin.weight"]) and all(trainable.values())
    x, g = torch.randn(2, 3), torch.randn(2, 3)
    out, (grad_x,), grads = student.forward_backward(net, x, grad_output=g, wrt=(0,))
    ref = torch.nn.Linear(3, 3)
    with torch.no_grad():
        ref.weight.copy_(weights["lin.weight"]), ref.bias.copy_(weights["lin.bias"])
    xr = x.clone().requires_grad_(True)
    ref_out = torch.tanh(ref(xr))
    (ref_out * g).sum().backward()
    assert torch.allclose(out, ref_out) and torch.allclose(grad_x, xr.grad)
    assert torch.allclose(grads["lin.weight"], ref.weight.grad)
    assert student.isinstance(net, "torch.nn.Module") and ("lin", "torch.nn.modules.linear.Linear") in student.modules(net)


def test_a_students_exception_text_reaches_feedback_only_as_a_short_excerpt():
    """Does a student's exception carrying the test's hidden arguments (a long, many-line text, an odd
    type name, a forged location) come back as one line of at most 120 characters of theirs?"""
    from autograder.handle import STUDENT_TEXT, _Handle

    hidden = "\n".join(str(np.random.default_rng(0).normal(size=50)) for _ in range(20))
    err = _Handle._error("linear_forward", ["ValueError", "leak: " + hidden, " in f, line 3\n" + hidden])
    text = str(err)
    assert "\n" not in text and len(text) < len("linear_forward raised ValueError") + 80 + STUDENT_TEXT + 5, text
    assert text.startswith("linear_forward raised ValueError in f, line 3: leak: ")
    odd = str(_Handle._error("relu", ["<script>", "x", ""]))
    assert odd == "relu raised an exception: x"
    assert str(_Handle._error("relu", ["NotImplementedError", "", ""])).endswith("replace `raise NotImplementedError()` with your code)")


def test_arrays_that_grow_on_arrival_are_refused_before_their_data_is_read():
    """Is a zero-width array (dtype S0 of shape (2**23, 1), 128 bytes to send, 1.9 GB once a test
    broadcasts it), a string array, or a header promising more than MAX_ELEMENTS refused with a message?"""
    import base64
    import io

    from autograder.handle import MAX_ELEMENTS

    def npy(arr=None, header=None):
        buffer = io.BytesIO()
        if header is None:
            np.save(buffer, arr, allow_pickle=False)
        else:
            np.lib.format.write_array_header_1_0(buffer, header)
        return {"nd": base64.b64encode(buffer.getvalue()).decode()}

    for data, says in [(npy(np.zeros((2**23, 1), dtype="S0")), "not a number or bool array"),
                       (npy(np.array(["a", "b"])), "not a number or bool array"),
                       (npy(header={"descr": "<f8", "fortran_order": False, "shape": (MAX_ELEMENTS + 1,)}),
                        "more than")]:
        with pytest.raises(ValueError, match=says):
            decode(data, from_ref=None)
    assert decode(npy(np.arange(6.0).reshape(2, 3)), from_ref=None).shape == (2, 3)


def test_a_message_of_millions_of_tiny_values_is_refused_before_parsing():
    """Is a reply of 3 million one-digit numbers (6 MB on the wire, hundreds of MB parsed) refused,
    while one big array in base64 of the same size is read?"""
    import socket
    import threading

    from autograder.handle import receive, send

    def sent(sock, message):   # from another thread: a message larger than the socket buffer blocks its sender
        thread = threading.Thread(target=send, args=(sock, message), daemon=True)
        thread.start()
        return thread

    left, right = socket.socketpair()
    with left, right:
        sender = sent(left, {"value": {"list": [1] * 3_000_000}})
        with pytest.raises(ValueError, match="JSON values is over the limit"):
            receive(right)
        sender.join(timeout=60)
        sender = sent(left, {"value": "A" * 6_000_000})
        assert len(receive(right)["value"]) == 6_000_000
        sender.join(timeout=60)
