"""Tests for courselib/mlp.py: right shapes, gradients that match finite differences, and a
network that an optimiser can train."""
import numpy as np

from courselib.data import spirals
from courselib.gradcheck import relative_error
from courselib.mlp import init_mlp, mlp_loss_and_grads, mlp_predict


def test_init_shapes_and_scale():
    """Are W_l (d_{l-1}, d_l) with variance 2 / fan_in, and biases zero?"""
    params = init_mlp([300, 200, 3], np.random.default_rng(0))
    assert sorted(params) == ["W1", "W2", "b1", "b2"]
    assert params["W1"].shape == (300, 200) and params["b2"].shape == (3,) and not params["b1"].any()
    assert abs(params["W1"].var() / (2 / 300) - 1) < 0.05


def test_gradients_match_finite_differences():
    """Does every parameter's gradient agree with central differences of the loss?"""
    rng = np.random.default_rng(1)
    params = init_mlp([3, 5, 4], rng)
    params = {k: v + 0.3 * rng.normal(size=v.shape) for k, v in params.items()}   # biases non-zero too
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    loss, grads = mlp_loss_and_grads(params, X, y)
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            for sign in (1, -1):
                shifted = {**params, name: value.copy()}
                shifted[name][index] += sign * 1e-6
                numeric[index] += sign * mlp_loss_and_grads(shifted, X, y)[0] / 2e-6
        assert relative_error(grads[name], numeric) < 1e-7, name
    assert isinstance(loss, float) and loss > 0


def test_plain_gradient_descent_learns_spirals():
    """Can a plain optimiser loop over mlp_loss_and_grads fit the spirals (so the assignment's task is feasible)?"""
    X, y = spirals(n_per_class=100, noise=0.1, seed=0)
    params = init_mlp([2, 32, 32, 3], np.random.default_rng(0))
    for _ in range(400):
        _, grads = mlp_loss_and_grads(params, X, y)
        params = {k: v - 0.5 * grads[k] for k, v in params.items()}
    assert np.mean(mlp_predict(params, X) == y) > 0.9
