"""C1..C5: the corpus's RNN, LSTM, naive conv, batch norm, softmax loss (tests/corpus_programs_*).

The losses are written as the corpus writes them, in the style of a course's layers.py:
outputs preallocated and filled in loops (`h[:, t, :] = prev_h`, `out[n, f, i, j] = ...`), the
numerically stable sigmoid with masked writes, settings read from a dict with `.get`. The
reference is each layer's hand-written backward pass. autograd, JAX and PyTorch are left out:
the first two cannot write into an array, and these tasks compare srcad with the hand-written
backward pass.
"""

import numpy as np


def sigmoid(x):
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def rnn_loss(x, h0, Wx, Wh, b, dout):
    """C1: vanilla RNN over T steps into a preallocated h, then sum(h * dout)."""
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h = h0
    for t in range(T):
        prev_h = np.tanh(x[:, t, :].dot(Wx) + prev_h.dot(Wh) + b)
        h[:, t, :] = prev_h
    return np.sum(h * dout)


def lstm_loss(x, h0, Wx, Wh, b, dout):
    """C2: LSTM over T steps, gates from slices of one affine map, the stable sigmoid."""
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        a = x[:, t, :].dot(Wx) + prev_h.dot(Wh) + b
        i = sigmoid(a[:, :H])
        f = sigmoid(a[:, H:2 * H])
        o = sigmoid(a[:, 2 * H:3 * H])
        g = np.tanh(a[:, 3 * H:])
        prev_c = f * prev_c + i * g
        prev_h = o * np.tanh(prev_c)
        h[:, t, :] = prev_h
    return np.sum(h * dout)


def conv_loss(x, w, b, dout):
    """C3: the naive convolution, four nested loops writing out[n, f, i, j] (stride 1, pad 1)."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
    out = np.zeros((N, F, H, W))
    for n in range(N):
        for f in range(F):
            for i in range(H):
                for j in range(W):
                    out[n, f, i, j] = np.sum(x_pad[n, :, i:i + HH, j:j + WW] * w[f]) + b[f]
    return np.sum(out * dout)


def batchnorm_loss(x, gamma, beta, dout, bn_param):
    """C4: batch normalisation in train mode, settings from bn_param."""
    eps = bn_param.get("eps", 1e-5)
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return np.sum((gamma * x_hat + beta) * dout)


def softmax_loss(x, y):
    """C5: the layers.py softmax loss (its value): max-shift, log-sum-exp, picked log-probs."""
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    N = x.shape[0]
    return -np.sum(log_probs[np.arange(N), y]) / N


# ----- data and hand-written backward passes -----------------------------------------------

def _rng(seed):
    return np.random.default_rng(seed)


def recurrent_args(dtype, gates=1, seed=6):
    g = _rng(seed)
    N, T, D, H = 16, 20, 32, 64
    return (g.standard_normal((N, T, D)), 0.1 * g.standard_normal((N, H)),
            g.standard_normal((D, gates * H)) / np.sqrt(D),
            g.standard_normal((H, gates * H)) / np.sqrt(H),
            0.1 * g.standard_normal(gates * H), g.standard_normal((N, T, H)))


def lstm_args(dtype):
    return recurrent_args(dtype, gates=4, seed=7)


def rnn_hand(x, h0, Wx, Wh, b, dout):
    N, T, D = x.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t, :].dot(Wx) + hs[-1].dot(Wh) + b))
    dx, dh = np.zeros_like(x), np.zeros_like(h0)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for t in reversed(range(T)):
        da = (dout[:, t, :] + dh) * (1 - hs[t + 1] ** 2)
        dx[:, t, :] = da.dot(Wx.T)
        dh = da.dot(Wh.T)
        dWx += x[:, t, :].T.dot(da)
        dWh += hs[t].T.dot(da)
        db += da.sum(axis=0)
    return dx, dh, dWx, dWh, db


def lstm_hand(x, h0, Wx, Wh, b, dout):
    N, T, D = x.shape
    H = h0.shape[1]
    hs, cs, gates = [h0], [np.zeros_like(h0)], []
    for t in range(T):
        a = x[:, t, :].dot(Wx) + hs[-1].dot(Wh) + b
        i, f, o = (sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
        g = np.tanh(a[:, 3 * H:])
        cs.append(f * cs[-1] + i * g)
        hs.append(o * np.tanh(cs[-1]))
        gates.append((i, f, o, g))
    dx, dh, dc = np.zeros_like(x), np.zeros_like(h0), np.zeros_like(h0)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for t in reversed(range(T)):
        i, f, o, g = gates[t]
        dh = dh + dout[:, t, :]
        tanh_c = np.tanh(cs[t + 1])
        dc = dc + dh * o * (1 - tanh_c ** 2)
        da = np.hstack((dc * g * i * (1 - i), dc * cs[t] * f * (1 - f),
                        dh * tanh_c * o * (1 - o), dc * i * (1 - g ** 2)))
        dc = dc * f
        dx[:, t, :] = da.dot(Wx.T)
        dh = da.dot(Wh.T)
        dWx += x[:, t, :].T.dot(da)
        dWh += hs[t].T.dot(da)
        db += da.sum(axis=0)
    return dx, dh, dWx, dWh, db


def conv_args(dtype):
    g = _rng(8)
    return (g.standard_normal((4, 3, 12, 12)), 0.3 * g.standard_normal((8, 3, 3, 3)),
            0.1 * g.standard_normal(8), g.standard_normal((4, 8, 12, 12)))


def conv_hand(x, w, b, dout):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(H):
                for j in range(W):
                    d = dout[n, f, i, j]
                    dw[f] += x_pad[n, :, i:i + HH, j:j + WW] * d
                    dx_pad[n, :, i:i + HH, j:j + WW] += w[f] * d
    return dx_pad[:, :, 1:-1, 1:-1].copy(), dw, dout.sum(axis=(0, 2, 3))


def batchnorm_args(dtype):
    g = _rng(9)
    N, D = 256, 128
    return (2 * g.standard_normal((N, D)) + 1, 1 + 0.1 * g.standard_normal(D),
            0.1 * g.standard_normal(D), g.standard_normal((N, D)), {"mode": "train"})


def batchnorm_hand(x, gamma, beta, dout, bn_param):
    eps = bn_param.get("eps", 1e-5)
    N = x.shape[0]
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) / std
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * std)
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def softmax_args(dtype):
    g = _rng(10)
    N, C = 256, 100
    return (3 * g.standard_normal((N, C)), g.integers(0, C, N))


def softmax_hand(x, y):
    """The layers.py backward: probs - 1 at the labels, over N (no copy: probs is its own)."""
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(np.sum(np.exp(shifted_logits), axis=1, keepdims=True))
    N = x.shape[0]
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
    return (dx,)


def corpus_tasks(Task):
    """The five tasks, built with tasks.Task (passed in: no import cycle)."""
    five = (0, 1, 2, 3, 4)
    peers = {t: "not compared on corpus tasks (see benchmarks/corpus_tasks.py)"
             for t in ("autograd", "jax", "jax_jit", "torch")}
    return [
        Task("C1", "corpus RNN, h[:, t, :] = prev_h, N=16 T=20 D=32 H=64", rnn_loss, five,
             recurrent_args, rnn_hand, skip=peers),
        Task("C2", "corpus LSTM, stable sigmoid with masked writes, N=16 T=20 D=32 H=64",
             lstm_loss, five, lstm_args, lstm_hand, skip=peers),
        Task("C3", "corpus naive conv, 4 loops, out[n, f, i, j] = ..., 4x3x12x12, 8 3x3",
             conv_loss, (0, 1, 2), conv_args, conv_hand, skip=peers),
        Task("C4", "corpus batchnorm (train), bn_param.get, N=256 D=128", batchnorm_loss,
             (0, 1, 2), batchnorm_args, batchnorm_hand, skip=peers),
        Task("C5", "corpus softmax loss (layers.py), max-shift, log_probs[arange(N), y], "
             "N=256 C=100", softmax_loss, (0,), softmax_args, softmax_hand, skip=peers),
    ]
