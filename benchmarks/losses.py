"""The functions the benchmark differentiates, written the way a NumPy user writes them.

srcad reads these from source. autograd and JAX run the same source with `np` rebound to
`autograd.numpy` / `jax.numpy` (see `rebind`), so every tool differentiates the same text.
Only what the tools differentiate lives here: the hand-written gradients and the PyTorch
versions are in `tasks.py`.
"""

import types

import numpy as np


def seed(x1, x2):
    """T1: f(x1, x2) = ln x1 + x1 x2 - sin x2 on Python floats."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-z))


def mlp_sine_loss(params, x, y):
    """T2: MSE of a sigmoid MLP given as a list of (W, b) pairs, one per layer."""
    h = x
    for W, b in params:
        h = sigmoid(h @ W + b)
    return np.mean((h - y) ** 2)


def mlp_sine_loss_explicit(W1, b1, W2, b2, W3, b3, x, y):
    """T2x: the T2 loss with its six parameters as separate arguments (no loop)."""
    h1 = sigmoid(x @ W1 + b1)
    h2 = sigmoid(h1 @ W2 + b2)
    h3 = sigmoid(h2 @ W3 + b3)
    return np.mean((h3 - y) ** 2)


def mlp_softmax_loss(W1, b1, W2, b2, W3, b3, x, y):
    """T3: mean softmax cross-entropy of a tanh MLP; y is one-hot.

    No max-shift before exp: the logits of this initialisation stay within a few units, and
    the hand-written gradient does the same work.
    """
    h1 = np.tanh(x @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    z = h2 @ W3 + b3
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / x.shape[0]


def mlp_softmax_loss_loop(params, x, y):
    """T3L: the T3 loss with its layers as a list of (W, b) pairs, hidden layers in a loop."""
    h = x
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    z = h @ W + b
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / x.shape[0]


def recurrence(x0, a, b):
    """T4: x_{k+1} = a sin(x_k) + b x_k for 1000 steps from x0; returns x_1000."""
    x = x0
    for _ in range(1000):
        x = a * np.sin(x) + b * x
    return x


def logistic_bce(w, b, X, y):
    """T5: binary cross-entropy of logistic regression p = sigmoid(X w + b)."""
    p = sigmoid(X @ w + b)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def rebind(f, numpy_module):
    """f with `np` (and the helpers f calls from this module) bound to `numpy_module`.

    Gives autograd and JAX the exact source srcad sees, without a second copy of it.
    """
    namespace = dict(globals())
    namespace["np"] = numpy_module
    for name, value in globals().items():
        if isinstance(value, types.FunctionType) and value.__module__ == __name__:
            namespace[name] = types.FunctionType(value.__code__, namespace, name,
                                                 value.__defaults__, value.__closure__)
    return namespace[f.__name__]
