"""Assertions that test cells use: each failure names the likely misconception.

Test cells (visible and hidden) call these instead of bare `assert`, so a student reads
"dW has the right shape but looks transposed" rather than `AssertionError`.
Works on numpy arrays and torch tensors alike (torch is imported only if given a tensor).
"""
import inspect
import types

import numpy as np

__all__ = ["CheckFailure", "as_numpy", "check_array", "check_close", "check_true",
           "check_unchanged", "check_no_forbidden", "check_rule", "describe_use", "forbidden_uses"]


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


def check_array(name, actual, shape=None, nan_hint=""):
    """`actual` is an array (or tensor) of the given shape with only finite values.

    nan_hint: what the test knows about where a nan comes from (said instead of a guess)."""
    arr = as_numpy(actual, name)
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise CheckFailure(f"{name}: expected shape {tuple(shape)}, got {tuple(arr.shape)}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise CheckFailure(f"{name}: {bad} of {arr.size} values are nan or inf" +
                           (f": {nan_hint}" if nan_hint else " (an overflow, a 0/0 or a log of 0?)"))
    return arr


def check_close(name, actual, expected, *, rtol=1e-6, atol=1e-8, hints=None, reference="the expected values",
                nan_hint=""):
    """`actual` matches `expected` elementwise within rtol/atol.

    hints: {message: transform}; when `actual` is close to `transform(expected)`, that
    message names the misconception, e.g. {"looks transposed": lambda e: e.T}.
    reference: where `expected` comes from, for the message ("torch autograd", "finite differences").
    Small arrays (up to 12 values) are shown in the message, expected and got.
    """
    expected = as_numpy(expected, "expected")
    arr = as_numpy(actual, name)
    if arr.shape != expected.shape:
        for message, transform in (hints or {}).items():
            if _close(arr, transform(expected), rtol, atol):
                raise CheckFailure(f"{name}: {message}")
        raise CheckFailure(f"{name}: expected shape {expected.shape}, got {arr.shape}")
    check_array(name, arr, nan_hint=nan_hint)
    if _close(arr, expected, rtol, atol):
        return
    for message, transform in (hints or {}).items():
        if _close(arr, transform(expected), rtol, atol):
            raise CheckFailure(f"{name}: {message}")
    err = np.max(np.abs(arr.astype(np.float64) - expected.astype(np.float64)))
    shown = f"; expected {_short(expected)}, got {_short(arr)}" if expected.size <= 12 else ""
    raise CheckFailure(f"{name}: values differ from {reference} (max abs error {err:.3g}){shown}")


def _short(arr) -> str:
    """A small array on one line, 4 significant digits."""
    text = np.array2string(np.asarray(arr, dtype=np.float64) if arr.dtype.kind != "b" else arr,
                           precision=4, separator=", ", suppress_small=True)
    return " ".join(text.split())


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


def describe_use(name, what, where, names=None) -> str:
    """'uses `torch`', or 'relies on `linear_forward`, which uses `torch`' when a helper is to blame.

    names: {forbidden attribute: how to call it in the message}, e.g. the full API path."""
    shown = (names or {}).get(what, what)
    return f"uses `{shown}`" if where == name else f"relies on `{where}`, which uses `{shown}`"


def check_rule(student, names, forbidden, rule, shown=None):
    """Fail the task when a function or class in `names` (or a helper of the notebook that it
    calls) refers to anything in `forbidden`; `rule` ends the message (": this assignment is
    numpy only, ..."). The same check runs in `check` and at grading."""
    for name in names:
        found = student.uses(name, tuple(forbidden))
        if found:
            raise CheckFailure(f"{name} {describe_use(name, *found[0], names=shown)}{rule}")


def check_no_forbidden(obj, forbidden=("torch",), why=""):
    """`obj` (a function or class) does not use any module whose name starts with `forbidden`."""
    found = forbidden_uses(obj, forbidden)
    if found:
        name = getattr(obj, "__name__", str(obj))
        raise CheckFailure(f"{name} {describe_use(name, *found[0])}{why}")


def forbidden_uses(obj, forbidden=("torch",)):
    """The forbidden modules or attribute names `obj` refers to, as (what, where) pairs ([] when
    clean); `where` names the function or class whose code refers to it.

    Follows every global name its code loads (nested functions, a class's methods, and the
    notebook's own helper functions and classes it calls), resolved in its globals. Attribute
    names (`F.scaled_dot_product_attention`) and imports are read from the bytecode as such, so
    an attribute that shares its name with one of the notebook's functions is still flagged.
    """
    seen, todo, found = set(), [obj], {}
    home = getattr(obj, "__module__", None)
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        where = getattr(current, "__name__", str(current))
        for code, globals_ in _code_objects(current):
            for kind, name in _names(code):
                named = name in forbidden or _matches(name, forbidden)   # `import scipy.special` names "scipy.special"
                if kind != "global":
                    if named:
                        found.setdefault(name, where)
                    continue
                value = globals_.get(name)
                module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
                own = (inspect.isfunction(value) or inspect.isclass(value)) and module == home
                for hit in (name if named and not own else None, module if _matches(module, forbidden) else None):
                    if hit:
                        found.setdefault(hit, where)
                if own:
                    todo.append(value)
    return list(found.items())


def _names(code):
    """("global" | "attribute" | "import", name) for each name a code object loads or imports."""
    import dis
    kinds = {"LOAD_GLOBAL": "global", "LOAD_NAME": "global", "LOAD_ATTR": "attribute",
             "LOAD_METHOD": "attribute", "IMPORT_NAME": "import", "IMPORT_FROM": "import"}
    for instruction in dis.get_instructions(code):
        kind = kinds.get(instruction.opname)
        if kind and isinstance(instruction.argval, str):
            yield kind, instruction.argval


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
