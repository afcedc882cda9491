"""Tests for courselib/gradcheck.py: does the check pass right gradients and catch wrong ones?"""
import numpy as np
import pytest

from courselib.gradcheck import directional_gradcheck, relative_error

RNG = np.random.default_rng(0)
A = RNG.standard_normal((5, 5))                      # not symmetric on purpose
B = RNG.standard_normal(5)
C = RNG.standard_normal((4, 4))


def quadratic(x):
    """f(x) = x^T A x / 2 + b^T x,  grad = (A + A^T) x / 2 + b."""
    return 0.5 * x @ A @ x + B @ x


def quadratic_grad(x):
    return 0.5 * (A + A.T) @ x + B


def tanh_sum(W):
    """f(W) = sum_ij tanh(W_ij),  grad = 1 - tanh(W)^2."""
    return np.tanh(W).sum()


def log_sum_exp(Z):
    """f(Z) = log sum_i exp(Z_i) over every entry,  grad = softmax of all entries (shape of Z)."""
    m = Z.max()
    return m + np.log(np.exp(Z - m).sum())


def softmax_all(Z):
    e = np.exp(Z - Z.max())
    return e / e.sum()


def weighted_sum(W):
    """f(W) = sum_ij C_ij W_ij,  grad = C (so C.T is the 'transposed' mistake)."""
    return np.sum(C * W)


X_QUAD, X_TANH = RNG.standard_normal(5), RNG.standard_normal((3, 4))
X_LSE, X_W = 3 * RNG.standard_normal((2, 3, 4)), RNG.standard_normal((4, 4))

CORRECT = {  # name -> (f, x, gradient function)
    "quadratic": (quadratic, X_QUAD, quadratic_grad),
    "tanh_sum": (tanh_sum, X_TANH, lambda W: 1 - np.tanh(W) ** 2),
    "log_sum_exp": (log_sum_exp, X_LSE, softmax_all),
    "weighted_sum": (weighted_sum, X_W, lambda W: C),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_gradient_passes(name):
    """Is the error ~0 (< 1e-6) for a right gradient, given as an array or as a function?"""
    f, x, grad = CORRECT[name]
    assert directional_gradcheck(f, x, grad(x)) < 1e-6
    assert directional_gradcheck(f, x, grad) < 1e-6


WRONG = {  # name -> (f, x, wrong gradient at x): the usual mistakes
    "transposed": (weighted_sum, X_W, C.T),
    "scaled_by_2": (tanh_sum, X_TANH, 2 * (1 - np.tanh(X_TANH) ** 2)),
    "sign_flipped": (quadratic, X_QUAD, -quadratic_grad(X_QUAD)),
    "forgot_symmetrisation": (quadratic, X_QUAD, A @ X_QUAD + B),
    "one_entry_off": (log_sum_exp, X_LSE, softmax_all(X_LSE) + 0.5 * (X_LSE == X_LSE.flat[5])),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_gradient_fails(name):
    """Is the error large (> 0.05) for a transposed, doubled, negated or partly wrong gradient?"""
    f, x, wrong = WRONG[name]
    assert directional_gradcheck(f, x, wrong) > 0.05


def test_x_is_not_modified():
    """Does the check leave x exactly as given (values, shape, dtype)?"""
    f, x, grad = CORRECT["log_sum_exp"]
    before = x.copy()
    directional_gradcheck(f, x, grad)
    assert x.dtype == before.dtype and np.array_equal(x, before)


def test_two_calls_of_f_per_direction_whatever_the_size():
    """Is it directional (2 calls of f per direction), not a coordinate-wise numerical gradient?"""
    calls = []

    def counting_tanh_sum(W):
        calls.append(W.shape)
        return tanh_sum(W)
    x = RNG.standard_normal((10, 30))                 # 300 coordinates
    directional_gradcheck(counting_tanh_sum, x, 1 - np.tanh(x) ** 2, n_directions=5)
    assert calls == [(10, 30)] * 10


def test_repeatable_for_a_seed():
    """Does the same seed give the same number (the directions are seeded)?"""
    f, x, grad = CORRECT["tanh_sum"]
    wrong = 1.1 * grad(x)
    assert directional_gradcheck(f, x, wrong, seed=3) == directional_gradcheck(f, x, wrong, seed=3)


def test_rejects_float32_and_wrong_shape():
    """Does it refuse float32 x (round-off swamps h) and a gradient of the wrong shape?"""
    f, x, grad = CORRECT["tanh_sum"]
    with pytest.raises(TypeError, match="float64"):
        directional_gradcheck(f, x.astype(np.float32), grad(x))
    with pytest.raises(ValueError, match="shape"):
        directional_gradcheck(f, x, grad(x).T)


def test_relative_error_values():
    """relative_error: max|a-b| / max(|a|+|b|): 0 when equal, 1 for opposite signs, 0 for 0 vs 0."""
    assert relative_error(2.0, 2.0) == 0.0
    assert relative_error(1.0, -1.0) == 1.0
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 4.0]) == pytest.approx(2.0 / 6.0)
    assert relative_error(np.ones((2, 3)), np.ones((2, 3))) == 0.0
    assert relative_error(3.0, 1.0) == pytest.approx(0.5)
