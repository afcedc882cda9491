"""Assertions that test cells use: each failure names the likely misconception.

Test cells (visible and hidden) call these instead of bare `assert`, so a student reads
"dW has the right shape but looks transposed" rather than `AssertionError`.
Works on numpy arrays and torch tensors alike (torch is imported only if given a tensor).
"""
import inspect
import types

import numpy as np

__all__ = ["CheckFailure", "as_numpy", "check_array", "check_close", "check_true",
           "check_unchanged", "check_no_forbidden", "forbidden_uses"]


class CheckFailure(AssertionError):
    """A failed check; its message is what the student sees in feedback."""


def as_numpy(value, name="value"):
    """Convert an ndarray, a tensor or a Python number to a float64-free copy; reject the rest."""
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if isinstance(value, (int, float, np.number)):
        return np.asarray(value)
    raise CheckFailure(f"{name}: expected an array, got {type(value).__name__}")


def check_array(name, actual, shape=None):
    """`actual` is an array (or tensor) of the given shape with only finite values."""
    arr = as_numpy(actual, name)
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise CheckFailure(f"{name}: expected shape {tuple(shape)}, got {tuple(arr.shape)}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise CheckFailure(f"{name}: contains nan or inf (numerically unstable?)")
    return arr


def check_close(name, actual, expected, *, rtol=1e-6, atol=1e-8, hints=None):
    """`actual` matches `expected` elementwise within rtol/atol.

    hints: {message: transform}; when `actual` is close to `transform(expected)`, that
    message names the misconception, e.g. {"looks transposed": lambda e: e.T}.
    """
    expected = as_numpy(expected, "expected")
    arr = as_numpy(actual, name)
    if arr.shape != expected.shape:
        for message, transform in (hints or {}).items():
            if _close(arr, transform(expected), rtol, atol):
                raise CheckFailure(f"{name}: {message}")
        raise CheckFailure(f"{name}: expected shape {expected.shape}, got {arr.shape}")
    check_array(name, arr)
    if _close(arr, expected, rtol, atol):
        return
    for message, transform in (hints or {}).items():
        if _close(arr, transform(expected), rtol, atol):
            raise CheckFailure(f"{name}: {message}")
    err = np.max(np.abs(arr.astype(np.float64) - expected.astype(np.float64)))
    raise CheckFailure(f"{name}: values differ from the reference (max abs error {err:.3g})")


def _close(arr, expected, rtol, atol):
    try:
        expected = as_numpy(expected)
        return arr.shape == expected.shape and bool(
            np.allclose(arr.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol))
    except (CheckFailure, TypeError, ValueError):
        return False


def check_true(condition, message):
    """Fail with `message` unless `condition` is exactly True (not merely truthy)."""
    if not (condition is True or (isinstance(condition, np.bool_) and bool(condition))):
        raise CheckFailure(message)


def check_unchanged(name, before, after):
    """An input array is left exactly as it was given (values, shape and dtype)."""
    a, b = as_numpy(before), as_numpy(after)
    if a.shape != b.shape or a.dtype != b.dtype or not np.array_equal(a, b):
        raise CheckFailure(f"{name} was modified in place; functions must not change their inputs")


def check_no_forbidden(obj, forbidden=("torch",), why=""):
    """`obj` (a function or class) does not use any module whose name starts with `forbidden`."""
    found = forbidden_uses(obj, forbidden)
    if found:
        raise CheckFailure(f"{getattr(obj, '__name__', obj)} uses `{found[0]}`{why}")


def forbidden_uses(obj, forbidden=("torch",)):
    """The forbidden modules or attribute names `obj` refers to ([] when clean).

    Follows every name its code refers to (nested functions, a class's methods, and the
    notebook's own helper functions and classes it calls), resolved in its globals.
    """
    seen, todo, found = set(), [obj], []
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for code, globals_ in _code_objects(current):
            for ref in code.co_names:
                value = globals_.get(ref)
                module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
                own = (inspect.isfunction(value) or inspect.isclass(value)) and module == getattr(obj, "__module__", None)
                for hit in (ref if ref in forbidden and not own else None, module if _matches(module, forbidden) else None):
                    if hit and hit not in found:
                        found.append(hit)
                if (inspect.isfunction(value) or inspect.isclass(value)) and module == getattr(obj, "__module__", None):
                    todo.append(value)
    return found


def _matches(module, forbidden):
    return isinstance(module, str) and any(module == f or module.startswith(f + ".") for f in forbidden)


def _code_objects(obj):
    """Yield (code, globals) for a function, its nested functions, or a class's methods."""
    if inspect.isclass(obj):
        for member in vars(obj).values():
            fn = getattr(member, "__func__", member)
            if inspect.isfunction(fn):
                yield from _code_objects(fn)
        return
    fn = inspect.unwrap(obj) if callable(obj) else obj
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    stack = [code]
    while stack:
        current = stack.pop()
        yield current, fn.__globals__
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
