"""A small ReLU network as a function of numpy parameters, differentiated by torch's autograd.

Defined for chapter 5.1 (optimisers raced on a network) and the *optimizers* assignment: an
optimiser written in numpy trains it through `mlp_loss_and_grads`, without a backward pass of
its own (so this module answers nothing the *backprop* assignment asks for). Parameters are a
dict {"W1", "b1", ..., "WL", "bL"} of float64 arrays; W_l has shape (d_{l-1}, d_l).

    params = init_mlp([2, 64, 64, 3], rng)
    loss, grads = mlp_loss_and_grads(params, X, y)    # mean cross-entropy, grads like params
    labels = mlp_predict(params, X)
"""
import numpy as np


def init_mlp(sizes, rng) -> dict:
    """He-normal weights (variance 2 / fan_in) and zero biases for layer sizes [d_0, ..., d_L]."""
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        params[f"b{layer}"] = np.zeros(fan_out)
    return params


def _logits(tensors, X):
    """ReLU between layers, none after the last: the class scores (N, d_L)."""
    import torch
    h = torch.as_tensor(np.asarray(X, dtype=np.float64))
    depth = len(tensors) // 2
    for layer in range(1, depth + 1):
        h = h @ tensors[f"W{layer}"] + tensors[f"b{layer}"]
        if layer < depth:
            h = torch.relu(h)
    return h


def mlp_loss_and_grads(params, X, y):
    """Mean softmax cross-entropy of the network on (X, y), and its gradient for every parameter."""
    import torch
    import torch.nn.functional as F
    tensors = {name: torch.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)
               for name, value in params.items()}
    loss = F.cross_entropy(_logits(tensors, X), torch.as_tensor(np.asarray(y, dtype=np.int64)))
    loss.backward()
    return float(loss.detach()), {name: t.grad.numpy() for name, t in tensors.items()}


def mlp_predict(params, X):
    """The most likely class of each row of X: integer array (N,)."""
    import torch
    with torch.no_grad():
        tensors = {name: torch.as_tensor(np.asarray(value, dtype=np.float64)) for name, value in params.items()}
        return _logits(tensors, X).argmax(dim=1).numpy()
