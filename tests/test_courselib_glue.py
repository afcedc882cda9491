"""Tests for courselib/glue.py: are measured numbers stored so that {glue:text} can format them?"""
import numpy as np
import pytest
import torch
from myst_nb.core.variables import format_plain_text

from courselib.glue import plain


@pytest.mark.parametrize("value, expected", [
    (np.float64(0.6912), 0.6912), (np.float32(0.5), 0.5), (np.int64(7), 7), (torch.tensor(3), 3),
    (torch.tensor(2.5), 2.5), (np.array(1.25), 1.25), (True, True), ("BPE", "BPE"), (12, 12)])
def test_plain_unwraps_scalars(value, expected):
    """Do numpy and torch scalars become built-in numbers, whose repr the role can format?"""
    out = plain(value)
    assert out == expected and type(out) is type(expected)
    if isinstance(out, float):
        assert format_plain_text(repr(out), ".2f") == f"{expected:.2f}"


def test_numpy_repr_is_what_the_role_cannot_read():
    """Is the unwrapping needed at all (numpy 2's repr defeats the role's float format)?"""
    with pytest.raises(ValueError):
        format_plain_text(repr(np.float64(0.69)), ".2f")


def test_arrays_are_refused():
    """Does gluing an array (a figure's data, not a number) fail loudly instead of printing a repr?"""
    with pytest.raises(TypeError, match="glue a number or a string"):
        plain(np.arange(3))
