"""The student handle: the only way a test cell reaches the student's code.

A test cell never touches the student's objects directly. It asks the handle:

    student = student_handle(globals())          # once, in the assignment's setup cell
    out, cache = student.linear_forward(x, W, b) # call a function the student defined
    model = student.MLP([2, 8, 3])               # an object that is not data comes back as a Ref
    loss, grads = student.call_method(model, "loss_and_grads", x, y)
    student.get(model, "params.W1")              # attribute / key path, returned as data

Everything that comes back is *data*, rebuilt from bytes: None, bool, int, float, str, plain
numpy arrays and scalars, plain torch tensors (detached), and tuples, lists and dicts of
these. Anything else (a module, an object with a custom `__eq__`, an array subclass that
cannot be saved as plain data) comes back as an opaque `Ref`, which compares equal only to
itself. So an always-equal object or a tensor subclass cannot fool a check.

The same handle has two sides, and test code is written once for both:
- in the student's own kernel (`nbgrader`, `python -m autograder check`), `LocalHandle`
  calls the functions directly and still launders every result through the same encoding;
- when grading, the test cell runs in the grader's process, where no student code ever ran,
  and `RemoteHandle` sends each request over a socket to the sandboxed kernel, which serves
  it with `serve` (see `autograder.trusted`).
"""
import base64
import io
import json
import math
import socket
import struct

import numpy as np

__all__ = ["Ref", "StudentError", "LocalHandle", "RemoteHandle", "student_handle", "serve"]

MAX_MESSAGE = 512 * 2**20          # bytes; a bigger reply is refused, not read
# JSON values in one message (counted by its separators before parsing): a list of a million
# one-digit numbers takes 2 MB to send and ~60 MB once parsed; arrays travel as one base64 string
MAX_ITEMS = 2_000_000
MAX_ELEMENTS = 2**24               # of one array from the other side (128 MB of float64)
_remote = None                     # set by the grader's process: then student_handle returns it


STUDENT_TEXT = 120   # characters of a student's exception message that feedback may show


class StudentError(Exception):
    """The student's code raised (or could not be reached); the message says what happened."""


class Ref:
    """An opaque reference to an object that lives with the student's code."""

    def __init__(self, ident, type_name):
        self.ident, self.type_name = ident, type_name

    def __repr__(self):
        return f"<student object of type {self.type_name}>"


def student_handle(namespace):
    """The handle for test cells: remote in the grader's process, local in a kernel."""
    return _remote if _remote is not None else LocalHandle(namespace)


# ---------------------------------------------------------------- encoding (data only, no pickle)

def _npy(array) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode()


def _from_npy(text):
    """An array from the other side, refused before its data is read unless it is a number or bool
    array of at most MAX_ELEMENTS: a zero-width dtype ('S0', 'V0') of a huge shape takes no bytes
    to send and gigabytes once a test broadcasts it."""
    buffer = io.BytesIO(base64.b64decode(text))
    version = np.lib.format.read_magic(buffer)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(buffer)
    if dtype.kind not in "biufc" or dtype.itemsize == 0:
        raise ValueError(f"an array of dtype {dtype} is not a number or bool array")
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(f"an array of shape {shape} has more than {MAX_ELEMENTS} elements")
    buffer.seek(0)
    return np.load(buffer, allow_pickle=False)


def encode(value, to_ref, depth=0):
    """Turn `value` into JSON-able data; `to_ref(obj)` names whatever is not data."""
    if depth > 20:
        raise ValueError("the value is nested more than 20 levels deep")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind in (int, float):
        return {"int": str(value)} if kind is int and abs(value) > 2**53 else value
    if isinstance(value, (tuple, list)):   # subclasses too (namedtuple, torch.Size), read as plain ones
        items = [encode(v, to_ref, depth + 1) for v in (tuple.__iter__ if isinstance(value, tuple) else list.__iter__)(value)]
        return {"tuple": items} if isinstance(value, tuple) else {"list": items}
    if isinstance(value, dict):            # OrderedDict (a state_dict) too, read as a plain dict
        return {"dict": [[encode(k, to_ref, depth + 1), encode(v, to_ref, depth + 1)] for k, v in dict.items(value)]}
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return {"np": _npy(np.asarray(value))}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return {"nd": _npy(np.asarray(value).view(np.ndarray))}
    tensor = _tensor_data(value)
    if tensor is not None:
        return tensor
    return to_ref(value)


def _tensor_data(value):
    torch = _torch_if_loaded()
    if torch is None or not isinstance(value, torch.Tensor):
        return None
    plain = torch.Tensor._make_subclass(torch.Tensor, value.detach()) if type(value) is not torch.Tensor else value.detach()
    dtype = str(plain.dtype).replace("torch.", "")
    array = plain.cpu().float().numpy() if dtype == "bfloat16" else plain.cpu().numpy()
    return {"pt": _npy(np.ascontiguousarray(array)), "dtype": dtype}


def _torch_if_loaded():
    import sys
    return sys.modules.get("torch")


def decode(data, from_ref, depth=0):
    """The inverse of `encode`: plain Python, numpy and torch values; `from_ref` for references."""
    if depth > 20:
        raise ValueError("the value is nested more than 20 levels deep")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) not in (1, 2, 3):
        raise ValueError(f"not an encoded value: {type(data).__name__}")
    if "int" in data:
        return int(data["int"])
    if "tuple" in data:
        return tuple(decode(v, from_ref, depth + 1) for v in data["tuple"])
    if "list" in data:
        return [decode(v, from_ref, depth + 1) for v in data["list"]]
    if "dict" in data:
        return {_key(decode(k, from_ref, depth + 1)): decode(v, from_ref, depth + 1) for k, v in data["dict"]}
    if "np" in data:
        return _from_npy(data["np"])[()]
    if "nd" in data:
        return _from_npy(data["nd"])
    if "pt" in data:
        import torch
        tensor = torch.from_numpy(np.array(_from_npy(data["pt"])))
        return tensor.to(getattr(torch, data["dtype"])) if data["dtype"] == "bfloat16" else tensor
    return from_ref(data)


def _key(key):
    if isinstance(key, (list, dict, np.ndarray)) or type(key).__module__ == "torch":
        raise ValueError("a dict key must be a number, a string or a tuple")
    return key


# ---------------------------------------------------------------- the student's side

class Executor:
    """Carries out requests on the student's objects (in the sandboxed kernel, or locally)."""

    def __init__(self, namespace, callback=None):
        self.namespace, self.objects, self.callback = namespace, {}, callback

    # references
    def to_ref(self, obj):
        ident = str(id(obj))
        self.objects[ident] = obj
        return {"ref": ident, "type": _type_name(obj)}

    def from_ref(self, data):
        if "ref" in data:
            return self.objects[data["ref"]]
        if "cb" in data and self.callback is not None:
            return self.callback(data["cb"])
        raise ValueError("unknown reference")

    def target(self, target):
        if isinstance(target, str):
            if target not in self.namespace:
                raise NameError(f"name '{target}' is not defined: did you run the cell that defines it?")
            return self.namespace[target]
        return self.from_ref(target)

    # requests
    last_error = None      # the student's exception, for a traceback in their own kernel

    def run(self, request):
        """One request -> one reply; the student's exceptions become {'error': [kind, text, where]}."""
        try:
            value = getattr(self, "op_" + request["op"])(**request.get("params", {}))
            return {"value": value}
        except Exception as err:  # the student's code (or a bad request) failed: report, go on
            self.last_error = err
            return {"error": [type(err).__name__, str(err)[:2000], _where_in_cells(err)]}

    def _args(self, args, kwargs):
        return decode(args, self.from_ref), decode(kwargs, self.from_ref)

    def op_call(self, target, args, kwargs, method=None, return_args=False):
        obj = self.target(target)
        fn = getattr(obj, method) if method else obj
        args, kwargs = self._args(args, kwargs)
        result = fn(*args, **kwargs)
        reply = {"result": encode(result, self.to_ref)}
        if return_args:
            reply["args"] = encode(list(args), self.to_ref)
            reply["kwargs"] = encode(kwargs, self.to_ref)
        return reply

    def op_get(self, target, path=""):
        return encode(_resolve(self.target(target), path), self.to_ref)

    def op_set(self, target, path, value):
        parent_path, _, last = path.rpartition(".")
        parent = _resolve(self.target(target), parent_path)
        value = decode(value, self.from_ref)
        if isinstance(parent, dict) or (isinstance(parent, list) and last.isdigit()):
            parent[int(last) if isinstance(parent, list) else last] = value
        else:
            setattr(parent, last, value)

    def op_has(self, name):
        return name in self.namespace

    def op_type(self, target):
        return _type_name(self.target(target))

    def op_isinstance(self, target, cls):
        return isinstance(self.target(target), _class(cls, self.namespace))

    def op_parameters(self, target, grads=False):
        """{name: tensor} of named_parameters (or their .grad), and {name: requires_grad}."""
        params = dict(self.target(target).named_parameters())
        values = {n: (p.grad if grads else p) for n, p in params.items()}
        return {"values": encode(values, self.to_ref), "requires_grad": {n: bool(p.requires_grad) for n, p in params.items()}}

    def op_load(self, target, values, strict=True):
        """Copy tensors into named parameters and buffers, in place (no autograd)."""
        import torch
        module = self.target(target)
        values = decode(values, self.from_ref)
        own = dict(module.named_parameters()) | dict(module.named_buffers())
        missing = sorted(set(values) - set(own))
        if missing and strict:
            raise KeyError(f"no parameter or buffer named {missing[0]!r}")
        with torch.no_grad():
            for name, value in values.items():
                if name in own:
                    own[name].copy_(value)

    def op_modules(self, target):
        return [[name, _type_name(m)] for name, m in self.target(target).named_modules()]

    def op_forward_backward(self, target, args, kwargs, grad_output, method=None, wrt=()):
        """Run `target(*args)`, then backward with `grad_output`; return the output and every gradient."""
        import torch
        obj = self.target(target)
        args, kwargs = self._args(args, kwargs)
        args = [a.clone().requires_grad_(True) if i in wrt else a for i, a in enumerate(args)]
        params = dict(obj.named_parameters()) if isinstance(obj, torch.nn.Module) else {}
        for p in params.values():
            p.grad = None
        out = (getattr(obj, method) if method else obj)(*args, **kwargs)
        outputs, grads = (out, decode(grad_output, self.from_ref))
        if not isinstance(outputs, tuple):
            outputs, grads = (outputs,), (grads,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
        torch.autograd.backward([o for o, _ in pairs], [g.to(o.dtype) for o, g in pairs])
        return {"output": encode(out, self.to_ref),
                "input_grads": encode([args[i].grad for i in wrt], self.to_ref),
                "param_grads": encode({n: p.grad for n, p in params.items()}, self.to_ref)}


def _where_in_cells(err) -> str:
    """Where the student's code raised: ' in fn, line N of its cell' for the deepest frame that
    belongs to a notebook cell (ipykernel names each cell's code after a temporary file)."""
    import traceback
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if "ipykernel_" in f.filename or f.filename.startswith("<ipython-input")]
    if not frames:
        return ""
    frame = frames[-1]
    return f" in {frame.name}, line {frame.lineno} of its cell" if frame.name != "<module>" else \
        f" at line {frame.lineno} of a cell"


def _type_name(obj):
    kind = type(obj)
    return kind.__qualname__ if kind.__module__ in ("__main__", "builtins") else f"{kind.__module__}.{kind.__qualname__}"


def _class(cls, namespace):
    if "." not in cls:
        return namespace[cls]
    import importlib
    module, _, name = cls.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _resolve(obj, path):
    """Follow 'a.b.0.c': attribute, or dict key, or list/ModuleList index."""
    for part in [p for p in path.split(".") if p]:
        if isinstance(obj, dict):
            obj = obj[part] if part in obj or not part.lstrip("-").isdigit() else obj[int(part)]
        elif part.lstrip("-").isdigit() and hasattr(obj, "__getitem__") and not hasattr(obj, part):
            obj = obj[int(part)]
        else:
            obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------- the tests' side

class _Handle:
    """What test cells call. Subclasses only say how a request travels."""

    def _request(self, op, **params):
        raise NotImplementedError

    def _value(self, op, what, **params):
        reply = self._request(op, **params)
        if "error" in reply:
            raise self._error(what, reply["error"])
        return reply["value"]

    @staticmethod
    def _error(what, error) -> StudentError:
        """StudentError('linear_forward raised ValueError in linear_forward, line 3 of its cell: ...').

        The student's own text is cut to the first line and STUDENT_TEXT characters: their code can
        put the test's hidden arguments into an exception, and this message reaches the feedback."""
        kind, message, where = (list(error) + ["", ""])[:3]
        kind = kind if isinstance(kind, str) and kind.isidentifier() else "an exception"
        message = str(message).strip().splitlines()[0] if str(message).strip() else ""
        message = message if len(message) <= STUDENT_TEXT else message[:STUDENT_TEXT - 1] + "…"
        where = where.splitlines()[0][:80] if isinstance(where, str) and where.strip() else ""
        if message:
            return StudentError(f"{what} raised {kind}{where}: {message}")
        stub = " (is it still the stub? replace `raise NotImplementedError()` with your code)" \
            if kind == "NotImplementedError" else ""
        return StudentError(f"{what} raised {kind}{where}{stub}")

    def _enc(self, value):
        return encode(value, self._outgoing_ref)

    def _dec(self, data):
        return decode(data, lambda d: Ref(d["ref"], d.get("type", "?")))

    def _outgoing_ref(self, obj):
        """A Ref goes back as itself; a test's own function as a callback the student's code may call."""
        if isinstance(obj, Ref):
            return {"ref": obj.ident}
        if callable(obj) and not isinstance(obj, type) and not hasattr(obj, "shape"):
            self._callables[str(id(obj))] = obj
            return {"cb": str(id(obj))}
        raise TypeError(f"cannot send a {type(obj).__name__} to the student's code")

    @staticmethod
    def _target(target):
        return target if isinstance(target, str) else {"ref": target.ident}

    @staticmethod
    def _what(target, method=None):
        name = target if isinstance(target, str) else target.type_name
        return f"{name}.{method}" if method else name

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def call(self, target, *args, **kwargs):
        """Call a student function or class (by name) or a Ref; the result comes back as data."""
        reply = self._value("call", self._what(target), target=self._target(target),
                            args=self._enc(list(args)), kwargs=self._enc(kwargs))
        return self._dec(reply["result"])

    def call_method(self, ref, method, *args, **kwargs):
        """`ref.method(*args, **kwargs)`, returned as data."""
        reply = self._value("call", self._what(ref, method), target=self._target(ref), method=method,
                            args=self._enc(list(args)), kwargs=self._enc(kwargs))
        return self._dec(reply["result"])

    def call_and_args(self, target, *args, method=None, **kwargs):
        """Like `call`, and also the arguments as they are after the call: (result, args, kwargs).

        Checks that a function leaves its inputs alone, or that it updates them in place.
        """
        reply = self._value("call", self._what(target, method), target=self._target(target), method=method,
                            args=self._enc(list(args)), kwargs=self._enc(kwargs), return_args=True)
        return self._dec(reply["result"]), self._dec(reply["args"]), self._dec(reply["kwargs"])

    def get(self, target, path=""):
        """A global (by name) or a Ref, then an attribute / key path ('params.W1'), as data or a Ref."""
        return self._dec(self._value("get", f"reading {self._what(target)}", target=self._target(target), path=path))

    def set(self, target, path, value):
        """Set an attribute or key ('params.W1') of a student object to `value`."""
        self._value("set", f"setting {path} of {self._what(target)}", target=self._target(target), path=path,
                    value=self._enc(value))

    def has(self, name):
        """Is `name` defined in the student's notebook?"""
        return self._value("has", "has", name=name)

    def type_name(self, target):
        return self._value("type", "type", target=self._target(target))

    def isinstance(self, target, cls):
        """isinstance with a class named in the notebook ('MLP') or by module path ('torch.nn.Linear')."""
        return self._value("isinstance", "isinstance", target=self._target(target), cls=cls) is True

    def parameters(self, module):
        """{name: tensor} of `module.named_parameters()`, and {name: requires_grad}."""
        reply = self._value("parameters", f"reading the parameters of {self._what(module)}", target=self._target(module))
        return self._dec(reply["values"]), dict(reply["requires_grad"])

    def load(self, module, values, strict=True):
        """Copy {name: tensor} into the module's parameters/buffers, in place."""
        self._value("load", f"loading weights into {self._what(module)}", target=self._target(module),
                    values=self._enc(dict(values)), strict=strict)

    def modules(self, module):
        """[(name, type name)] of `module.named_modules()`."""
        return [tuple(m) for m in self._value("modules", "modules", target=self._target(module))]

    def uses(self, name, forbidden):
        """The forbidden modules / attribute names that `name`'s definition (and the helpers it
        calls) refers to: [] when clean. Locally the live function is inspected; in the grader the
        submitted source is parsed, so the answer never comes from the student's process."""
        from autograder.source import forbidden_uses
        return forbidden_uses(self._source(), name, forbidden)

    def _source(self):
        raise NotImplementedError

    def forward_backward(self, target, *args, grad_output, wrt=(), method=None, **kwargs):
        """Run target(*args, **kwargs) and backpropagate `grad_output` (a tensor, or a tuple
        matching a tuple output, None for outputs to skip). Returns (output, grads of the
        arguments listed in `wrt` (indices), {parameter name: grad})."""
        reply = self._value("forward_backward", self._what(target, method), target=self._target(target),
                            args=self._enc(list(args)), kwargs=self._enc(kwargs),
                            grad_output=self._enc(grad_output), method=method, wrt=list(wrt))
        return self._dec(reply["output"]), self._dec(reply["input_grads"]), self._dec(reply["param_grads"])


class LocalHandle(_Handle):
    """In the student's kernel: requests run here, results still laundered through `encode`."""

    def __init__(self, namespace):
        self._callables = {}
        self._executor = Executor(namespace, callback=self._callables.__getitem__)

    def uses(self, name, forbidden):
        from autograder.checks import forbidden_uses
        if name not in self._executor.namespace:
            raise StudentError(f"{name} raised NameError: name '{name}' is not defined")
        return forbidden_uses(self._executor.namespace[name], forbidden)

    def _request(self, op, **params):
        return json.loads(json.dumps(self._executor.run({"op": op, "params": params})))

    def _value(self, op, what, **params):
        """As in the grader, but a failure is chained to the student's own exception, so the
        notebook's traceback shows their frames first."""
        self._executor.last_error = None
        try:
            return super()._value(op, what, **params)
        except StudentError as err:
            cause, self._executor.last_error = self._executor.last_error, None
            if cause is None:
                raise
            raise err.with_traceback(None) from cause


class RemoteHandle(_Handle):
    """In the grader's process: each request crosses a socket to the sandboxed kernel."""

    def __init__(self, timeout=120.0):
        self._sock, self._timeout, self._callables, self._code = None, timeout, {}, ""

    def attach_source(self, code):
        """The submission's code cells, read by the grader (for `uses`)."""
        self._code = code

    def _source(self):
        return self._code

    def attach(self, sock):
        self._sock = sock
        sock.settimeout(self._timeout)

    def _request(self, op, **params):
        if self._sock is None:
            raise StudentError("the student's kernel is not connected")
        try:
            send(self._sock, {"op": op, "params": params})
            while True:
                message = receive(self._sock)
                if "callback" not in message:
                    return message
                send(self._sock, self._run_callback(message))
        except socket.timeout:
            raise StudentError(f"the student's code did not answer within {self._timeout:g} s") from None
        except (OSError, EOFError, ValueError) as err:
            raise StudentError(f"the student's kernel stopped answering ({type(err).__name__})") from None

    def _run_callback(self, message):
        """The student's code called a function the test passed in: run it here, on data."""
        try:
            fn = self._callables[message["callback"]]
            args, kwargs = self._dec(message["args"]), self._dec(message["kwargs"])
            return {"return": self._enc(fn(*args, **kwargs))}
        except Exception as err:
            return {"raise": [type(err).__name__, str(err)[:2000]]}


# ---------------------------------------------------------------- transport

def send(sock, message):
    data = json.dumps(message).encode()
    sock.sendall(struct.pack("!Q", len(data)) + data)


def receive(sock):
    header = _exactly(sock, 8)
    (size,) = struct.unpack("!Q", header)
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes is over the limit")
    data = _exactly(sock, size)
    items = data.count(b",") + data.count(b"[") + data.count(b"{")
    if items > MAX_ITEMS:
        raise ValueError(f"message of {items} JSON values is over the limit of {MAX_ITEMS}")
    return json.loads(data)


def _exactly(sock, size):
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 2**20))
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


_executors = {}


def serve(namespace, path):
    """Run in the sandboxed kernel: answer the grader's requests until it says 'done'."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)

    def callback(ident):
        def call_grader(*args, **kwargs):
            send(sock, {"callback": ident, "args": encode(list(args), executor.to_ref),
                        "kwargs": encode(kwargs, executor.to_ref)})
            reply = receive(sock)
            if "raise" in reply:
                raise RuntimeError(f"{reply['raise'][0]}: {reply['raise'][1]}")
            return decode(reply["return"], executor.from_ref)
        return call_grader

    executor = _executors.setdefault(id(namespace), Executor(namespace))
    executor.callback = callback           # refs stay valid from one test cell to the next
    try:
        while True:
            request = receive(sock)
            if request.get("op") == "done":
                return
            send(sock, executor.run(request))
    finally:
        sock.close()
