"""Numbers in the prose come from the code: `glue("gpt_nats", loss)` in a cell, then
{glue:text}`gpt_nats:.2f` in the markdown renders the measured value in the book.

A thin layer over myst-nb's `glue`: it stores the value without displaying it, as a plain
Python number or string, because the `{glue:text}` role formats the stored `text/plain` and
cannot read numpy's or torch's scalar reprs (`np.float64(0.69)`). Re-gluing a key in one
notebook is a build warning (so a copy-pasted key cannot silently show the wrong number).
"""
import numbers


def plain(value):
    """A number or string as a built-in Python value: numpy/torch scalars and 0-d arrays unwrapped."""
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"glue a number or a string, not {type(value).__name__}")


def glue(name: str, value) -> None:
    """Store `value` under `name` for `{glue:text}` in this notebook's markdown; show nothing."""
    from myst_nb import glue as myst_glue   # here, not at import: courselib loads in every kernel
    myst_glue(name, plain(value), display=False)
