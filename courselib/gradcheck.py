r"""Checking a hand-written gradient against finite differences, one random direction at a time.

Defined for chapter 5.1 (calculus and the chain rule); chapter 5.2 uses it on backprop.

Why directions and not coordinates: for a unit vector v, the directional derivative
$D_v f(x) = \langle \nabla f(x), v \rangle$ needs two evaluations of f,
$\frac{f(x + h v) - f(x - h v)}{2h} = \langle \nabla f(x), v \rangle + O(h^2)$,
whatever the size of x. A random v mixes every coordinate, so a wrong entry anywhere in
the gradient shows up (with probability one) in a handful of directions.
"""
import numpy as np

TINY = 1e-12  # floor of the denominator of relative_error: 0 vs 0 counts as agreement


def relative_error(a, b) -> float:
    r"""$\max_i |a_i - b_i| \,/\, \max(\max_i (|a_i| + |b_i|), \text{tiny})$, a number in [0, 1].

    Normalised by the largest entry rather than entry by entry, so entries that are
    close to zero (where finite differences are mostly round-off) do not blow it up.
    0 means equal; 1 means opposite signs (or one side is zero). Defined for chapter 5.1.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a) + np.abs(b), initial=0.0)), TINY)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


def directional_gradcheck(f, x, grad, n_directions: int = 8, h: float = 1e-6,
                          seed: int = 0) -> float:
    r"""Max relative error of $\langle g, v \rangle$ vs $(f(x+hv) - f(x-hv))/2h$, v random unit.

    Args:
        f: scalar function of an array shaped like x.
        x: float64 array of any shape (left unchanged).
        grad: g, the claimed gradient at x, an array shaped like x (or a function of x giving it).
        n_directions: how many random unit directions v to try.
        h: step of the central difference; its error is $O(h^2)$ from curvature plus
            about $\epsilon_{mach} |f| / h$ from round-off, smallest near h = 1e-6 in float64.
        seed: seed of the directions, so a check repeats exactly.
    Returns:
        relative_error over the n_directions pairs: ~1e-8 for a right gradient,
        > 1e-2 for a wrong one.
        Near a stationary point (gradient ~ 0) both sides are round-off; check elsewhere.

    Defined for chapter 5.1.
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(f"x has dtype {x.dtype}; use float64 "
                        f"(float32 round-off swamps a step of {h})")
    grad = np.asarray(grad(x.copy()) if callable(grad) else grad, dtype=np.float64)
    if grad.shape != x.shape:
        raise ValueError(f"grad has shape {grad.shape} but x has shape {x.shape}")
    rng = np.random.default_rng(seed)
    numeric, analytic = [], []
    for _ in range(n_directions):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)                                   # unit direction, shaped like x
        numeric.append((float(f(x + h * v)) - float(f(x - h * v))) / (2 * h))
        analytic.append(float(np.sum(grad * v)))                 # <grad, v>
    return relative_error(numeric, analytic)
