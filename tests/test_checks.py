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
    with pytest.raises(CheckFailure, match="nan or inf"):
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
    with pytest.raises(CheckFailure, match="_uses_torch_via_helper uses `torch` \\(numpy only\\)"):
        check_no_forbidden(_uses_torch_via_helper, why=" (numpy only)")
    check_no_forbidden(_numpy_only)
