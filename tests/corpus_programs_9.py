"""Corpus, part 9: programs that write into the arrays they are given, as training scripts
and layer libraries do.

A loss that first takes one gradient step on its parameter dict in place (a look-ahead, as
meta-learning and "one step then evaluate" code is written), a dense layer object whose
forward keeps its input and mask on itself and updates a running statistic array in place,
and a small network that clips its input batch in place before using it. Written here in
those styles; nothing is copied.
"""

import numpy as np


# ----- one SGD step on the caller's parameter dict, then the loss there ------------------
def lookahead_loss(params, X, y, lr):
    residual = X @ params["w"] + params["b"] - y
    params["w"] -= lr * X.T @ residual / len(y)      # the caller's arrays change in place
    params["b"] -= lr * np.mean(residual)
    residual = X @ params["w"] + params["b"] - y
    return 0.5 * np.mean(residual ** 2)


def lookahead_backward(params, X, y, lr):
    """By hand, with respect to the parameters as passed (before the step)."""
    n = len(y)
    r0 = X @ params["w"] + params["b"] - y
    w1 = params["w"] - lr * X.T @ r0 / n
    b1 = params["b"] - lr * np.mean(r0)
    r1 = X @ w1 + b1 - y
    g_w1, g_b1 = X.T @ r1 / n, np.mean(r1) * np.ones_like(params["b"])
    g_r0 = -lr * (X @ g_w1 + np.sum(g_b1)) / n
    return ({"w": g_w1 + X.T @ g_r0, "b": g_b1 + np.sum(g_r0)},)


# ----- a dense layer keeping its cache and a running statistic on itself -----------------
class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.activity = np.zeros(W.shape[1])
        self.calls = 0

    def forward(self, x):
        self.x = x
        z = x @ self.W + self.b
        z[z < 0] = 0.0                                   # ReLU in place on its own array
        self.mask = z > 0
        self.activity *= 0.9                             # the layer's array, in place
        self.activity += 0.1 * z.mean(axis=0)
        self.calls += 1
        return z

    def backward(self, dout):
        dz = dout * self.mask
        return dz @ self.W.T


# ----- clipping the input batch in place ---------------------------------------------------
def clipped_input_mlp_loss(x, W1, W2, target):
    x[x < 0] = 0.0                                       # the caller's batch is clipped too
    h = x @ W1
    h[h < 0] *= 0.01                                     # leaky ReLU in place
    out = h @ W2
    return 0.5 * np.sum((out - target) ** 2)


def clipped_input_mlp_backward(x, W1, W2, target):
    xc = np.maximum(x, 0.0)
    a = xc @ W1
    h = np.where(a < 0, 0.01 * a, a)
    dout = h @ W2 - target
    dh = dout @ W2.T
    da = dh * np.where(a < 0, 0.01, 1.0)
    dx = (da @ W1.T) * (x > 0)
    return dx, xc.T @ da, h.T @ dout
