"""Corpus, part 8: programs that change what they were given, as layer libraries, course
solutions and small frameworks write them.

A layer that keeps what its backward pass needs in a cache dict its caller passes, a dropout
whose parameter dict receives the mask, a recurrent net that collects its hidden states in a
list for later inspection, a loss that records metrics in a dict, an unrolled optimiser whose
config dict gets its defaults and its last velocity, and layer objects that cache their inputs
and count their calls. Nothing is copied; it is written here in those styles.
"""

import numpy as np


# ----- layers keeping their cache in a dict the caller passes ------------------------------
def affine_forward_into(x, w, b, cache):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache["x"] = x
    cache["w"] = w
    return out


def relu_forward_into(x, cache):
    cache["relu_in"] = x
    return np.maximum(0, x)


def affine_relu_cache_loss(x, w, b, dout, cache):
    a = affine_forward_into(x, w, b, cache)
    out = relu_forward_into(a, cache)
    cache["calls"] = cache.get("calls", 0) + 1
    return np.sum(out * dout)


def affine_relu_cache_backward(x, w, b, dout, cache):
    a = x.reshape(x.shape[0], -1).dot(w) + b
    da = dout * (a > 0)
    dx = da.dot(w.T).reshape(x.shape)
    return dx, x.reshape(x.shape[0], -1).T.dot(da), da.sum(axis=0)


# ----- dropout writing its mask into dropout_param ------------------------------------------
def dropout_forward_param(x, dropout_param):
    p = dropout_param.setdefault("p", 0.5)
    mode = dropout_param.get("mode", "train")
    if mode == "train":
        mask = (dropout_param["u"] < p) / p
        out = x * mask
        dropout_param["mask"] = mask
    else:
        out = x
    return out


def dropout_param_loss(x, w, dout, dropout_param):
    h = dropout_forward_param(np.tanh(x.dot(w)), dropout_param)
    return np.sum(h * dout)


def dropout_param_backward(x, w, dout, dropout_param):
    p = dropout_param.get("p", 0.5)
    mask = (dropout_param["u"] < p) / p
    t = np.tanh(x.dot(w))
    da = dout * mask * (1 - t ** 2)
    return da.dot(w.T), x.T.dot(da)


# ----- a recurrent net that collects its hidden states in the caller's list -----------------
def rnn_forward_collecting(x, h0, Wx, Wh, b, states):
    N, T, D = x.shape
    h = h0
    for t in range(T):
        h = np.tanh(x[:, t, :].dot(Wx) + h.dot(Wh) + b)
        states.append(h)
    return h


def rnn_collecting_loss(x, h0, Wx, Wh, b, dh, states):
    h = rnn_forward_collecting(x, h0, Wx, Wh, b, states)
    return np.sum(h * dh)


def rnn_collecting_backward(x, h0, Wx, Wh, b, dh, states):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t, :].dot(Wx) + hs[-1].dot(Wh) + b))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dnext = dh
    for t in reversed(range(T)):
        da = dnext * (1 - hs[t + 1] ** 2)
        dWx += x[:, t, :].T.dot(da)
        dWh += hs[t].T.dot(da)
        db += da.sum(axis=0)
        dnext = da.dot(Wh.T)
    return dnext, dWx, dWh, db


# ----- a softmax loss that records its metrics in a dict -------------------------------------
def softmax_loss_with_metrics(W, X, y, reg, metrics):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    data_loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    reg_loss = reg * np.sum(W * W)
    metrics["data_loss"] = data_loss
    metrics["accuracy"] = np.mean(np.argmax(scores, axis=1) == y)
    metrics["steps"] = metrics.get("steps", 0) + 1
    metrics.setdefault("reg", reg)
    return data_loss + reg_loss


def softmax_loss_with_metrics_backward(W, X, y, reg, metrics):
    scores = X.dot(W)
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    probs[np.arange(X.shape[0]), y] -= 1
    return (X.T.dot(probs) / X.shape[0] + 2 * reg * W,)


# ----- an unrolled optimiser: the config dict gets its defaults and the last velocity -----
def unrolled_momentum_loss(w, A, c, config):
    """The loss after a few momentum steps from rest (meta-learning style): config carries the
    hyperparameters in and the last velocity out."""
    velocity = np.zeros_like(w)
    lr = config.setdefault("learning_rate", 0.05)
    mu = config.setdefault("momentum", 0.8)
    for _ in range(3):
        dw = A.T.dot(A.dot(w) - c)
        velocity = mu * velocity - lr * dw
        w = w + velocity
    config["velocity"] = velocity
    config["final_w"] = w
    return 0.5 * np.sum((A.dot(w) - c) ** 2)


# ----- layer objects that cache their inputs and count their calls --------------------------
class Linear:
    def __init__(self, W, b):
        self.params = {"W": W, "b": b}
        self.cache = None
        self.n_forward = 0

    def forward(self, X):
        self.cache = X
        self.n_forward += 1
        return X.dot(self.params["W"]) + self.params["b"]

    def backward(self, dout):
        return dout.dot(self.params["W"].T)


class Tanh:
    def __init__(self):
        self.cache = None

    def forward(self, z):
        out = np.tanh(z)
        self.cache = out
        return out

    def backward(self, dout):
        return dout * (1 - self.cache ** 2)


class Sequential:
    def __init__(self, layers):
        self.layers = layers
        self.stats = {"forward_calls": 0}

    def loss(self, X, y):
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        self.stats["forward_calls"] += 1
        self.stats["last_output_mean"] = out.mean()
        return 0.5 * np.sum((out - y) ** 2)

    def backward(self, X, y):
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        dout = out - y
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout


# ----- batch norm as a layer object, running statistics kept on it ---------------------------
class BatchNormLayer:
    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        self.gamma, self.beta = gamma, beta
        self.momentum, self.eps = momentum, eps
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)
        self.num_batches_tracked = 0
        self.training = True

    def forward(self, x):
        if self.training:
            mean = x.mean(axis=0)
            var = x.var(axis=0)
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mean
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
            self.num_batches_tracked += 1
        else:
            mean, var = self.running_mean, self.running_var
        self.x_hat = (x - mean) / np.sqrt(var + self.eps)
        return self.gamma * self.x_hat + self.beta
