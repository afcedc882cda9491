"""autograder/checks.py: assertions whose failures name the misconception."""
import numpy as np
import pytest

from autograder.checks import CheckFailure, check_close, check_no_forbidden, check_true, check_unchanged


def test_check_close_names_the_hint_that_matches():
    """Does a transposed answer get the 'transposed' message, and a right one pass?"""
    a = np.arange(6.0).reshape(2, 3)
    check_close("dW", a, a)
    with pytest.raises(CheckFailure, match="dW: looks transposed"):
        check_close("dW", a.T, a, hints={"looks transposed": lambda e: e.T})
    with pytest.raises(CheckFailure, match="values differ"):
        check_close("dW", a + 1, a)
    with pytest.raises(CheckFailure, match="6 of 6 values are nan or inf"):
        check_close("dW", a * np.nan, a)
    with pytest.raises(CheckFailure, match="expected an array"):
        check_close("dW", "not an array", a)


def test_check_true_rejects_truthy_impostors():
    """Does a comparison that returns a truthy non-boolean object fail check_true?"""
    class Impostor:
        def __eq__(self, other):
            return self  # truthy, but not True

    check_true(bool(np.float64(1.0) == 1.0), "ok")
    check_true(np.float64(1.0) == 1.0, "numpy booleans are fine")
    with pytest.raises(CheckFailure, match="impostor"):
        check_true(Impostor() == 3, "impostor")


def _helper(v):
    import torch
    return torch.tensor(v)


def _uses_torch_via_helper(v):
    return _helper(v)


def _numpy_only(v):
    return np.tanh(v)


def test_check_unchanged_and_forbidden_modules():
    """Are in-place edits and torch use (even through a helper function) caught?"""
    x = np.ones(3)
    check_unchanged("x", x.copy(), x)
    with pytest.raises(CheckFailure, match="modified in place"):
        check_unchanged("x", x.copy(), x * 2)
    with pytest.raises(CheckFailure, match="_uses_torch_via_helper relies on `_helper`, which uses `torch` \\(numpy only\\)"):
        check_no_forbidden(_uses_torch_via_helper, why=" (numpy only)")
    check_no_forbidden(_numpy_only)


def test_check_close_says_what_it_compares_with_and_shows_small_arrays():
    """Does a mismatch name its reference and, for a small array, print expected and got?"""
    with pytest.raises(CheckFailure, match=r"values differ from torch autograd \(max abs error 1\); "
                                           r"expected \[1\., 2\.\], got \[1\., 3\.\]"):
        check_close("db", np.array([1.0, 3.0]), np.array([1.0, 2.0]), reference="torch autograd")
    with pytest.raises(CheckFailure) as failure:
        check_close("W", np.zeros(20), np.ones(20))
    assert "expected values" in str(failure.value) and "got" not in str(failure.value)


def test_nan_hint_replaces_the_guess():
    """Does a test that knows where a nan comes from say so instead of guessing?"""
    with pytest.raises(CheckFailure, match="1 of 2 values are nan or inf: a fully masked row"):
        check_close("out", np.array([np.nan, 1.0]), np.ones(2), nan_hint="a fully masked row")


def _linear(x):
    import torch
    return torch.as_tensor(x)


def _mlp(x):
    return _linear(x)


class _Handle:
    """What check_rule needs of the student handle: `uses`, here on live functions."""
    def uses(self, name, forbidden):
        from autograder.checks import forbidden_uses
        return forbidden_uses(globals()[name], forbidden)


def test_check_rule_blames_the_function_that_breaks_the_rule():
    """Is torch in a helper reported as the helper's, not as the task's own function's?"""
    from autograder.checks import check_rule
    check_rule(_Handle(), ["_numpy_only"], ("torch", "scipy"), ": numpy only")
    with pytest.raises(CheckFailure, match="^_mlp relies on `_linear`, which uses `torch`: numpy only$"):
        check_rule(_Handle(), ["_numpy_only", "_mlp"], ("torch", "scipy"), ": numpy only")


def _local_dotted_import(z):
    from scipy.special import log_softmax
    return log_softmax(z)


def test_a_dotted_import_inside_a_function_is_seen():
    """Is `from scipy.special import ...` inside a function caught by a rule forbidding scipy?"""
    from autograder.checks import forbidden_uses
    assert forbidden_uses(_local_dotted_import, ("scipy",)) == [("scipy.special", "_local_dotted_import")]


def scaled_dot_product_attention(q, k, v):
    """A student's own function, named like torch's, that calls torch's all the same."""
    import torch.nn.functional as F
    return F.scaled_dot_product_attention(q, k, v)


def test_an_attribute_named_like_an_own_function_is_flagged():
    """Is F.scaled_dot_product_attention caught inside the student's own scaled_dot_product_attention
    (the attribute is torch's, whatever the notebook's global of that name is)?"""
    from autograder.checks import forbidden_uses
    found = forbidden_uses(scaled_dot_product_attention, ("scaled_dot_product_attention",))
    assert found == [("scaled_dot_product_attention", "scaled_dot_product_attention")]
