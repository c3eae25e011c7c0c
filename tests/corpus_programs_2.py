"""Corpus, part 2: layers in the style of a course assignment's layers.py.

Each layer is written the way such solutions are published: a `*_forward` returning
(out, cache), a hand-written `*_backward(dout, cache)`, settings read from a dict, outputs
preallocated with np.zeros and filled in loops, masks applied in place. The differentiated
function is the usual numerical-gradient check's scalar: np.sum(forward(...)[0] * dout).
Nothing is copied; it is written here in that style.
"""

import numpy as np


def affine_forward(x, w, b):
    out = None
    N = x.shape[0]
    x_row = x.reshape(N, -1)
    out = x_row.dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = x.copy()
    out[out < 0] = 0
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def leaky_relu_forward(x, alpha=0.01):
    out = x.copy()
    out[x < 0] *= alpha
    return out, (x, alpha)


def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dx = np.ones_like(x)
    dx[x < 0] = alpha
    return dx * dout


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


def sigmoid(x):
    """The numerically stable sigmoid of the RNN assignment: masks and element writes."""
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        cache = (x_hat, sample_var, gamma, eps)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = (x_hat, running_var, gamma, eps)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward_alt(dout, cache):
    x_hat, var, gamma, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat * N - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    dx /= N * np.sqrt(var + eps)
    return dx, dgamma, dbeta


def batchnorm_test_backward(dout, cache):
    x_hat, running_var, gamma, eps = cache
    return dout * gamma / np.sqrt(running_var + eps), np.sum(dout * x_hat, 0), dout.sum(0)


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    x_T = x.T
    mu = np.mean(x_T, axis=0)
    var = np.var(x_T, axis=0)
    x_hat_T = (x_T - mu) / np.sqrt(var + eps)
    x_hat = x_hat_T.T
    out = gamma * x_hat + beta
    cache = (x_hat, var, gamma, eps)
    return out, cache


def layernorm_backward(dout, cache):
    x_hat, var, gamma, eps = cache
    D = dout.shape[1]
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_hat = dout * gamma
    std = np.sqrt(var + eps)[:, None]
    dx = (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
          - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True)) / (D * std)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_flat, dgamma, dbeta = batchnorm_backward_alt(dout_flat, cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    x_group = x.reshape(N, G, C // G, H, W)
    mean = x_group.mean(axis=(2, 3, 4), keepdims=True)
    var = x_group.var(axis=(2, 3, 4), keepdims=True)
    x_hat = (x_group - mean) / np.sqrt(var + eps)
    x_hat = x_hat.reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (G, x_hat, var, gamma, eps)
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    G, x_hat, var, gamma, eps = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)
    M = C // G * H * W
    dx_hat = (dout * gamma).reshape(N, G, C // G, H, W)
    xh = x_hat.reshape(N, G, C // G, H, W)
    axes = (2, 3, 4)
    dx = (M * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
          - xh * np.sum(dx_hat * xh, axis=axes, keepdims=True)) / (M * np.sqrt(var + eps))
    return dx.reshape(N, C, H, W), dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


def dropout_masked(x, keep, p):
    """Inverted dropout with the keep mask passed in: zero in place, then rescale in place."""
    out = x.copy()
    out[~keep] = 0.0
    out /= p
    return out, (keep, p)


def dropout_masked_backward(dout, cache):
    keep, p = cache
    dx = dout / p
    dx[~keep] = 0.0
    return dx


def conv_forward_naive(x, w, b, conv_param):
    out = None
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    window = x_pad[n, :, hs:hs + HH, ws:ws + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    db[f] += dout[n, f, i, j]
                    dw[f] += x_pad[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                    dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def conv_forward_vectorized_filters(x, w, b, conv_param):
    """The common middle ground: loop over output positions, all images and filters at once."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out))
    w_row = w.reshape(F, -1)
    for i in range(H_out):
        for j in range(W_out):
            patch = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = patch.reshape(N, -1).dot(w_row.T) + b
    return out, (x, w, b, conv_param)


def max_pool_forward_naive(x, pool_param):
    N, C, H, W = x.shape
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    out[n, c, i, j] = np.max(x[n, c, hs:hs + ph, ws:ws + pw])
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    N, C, H, W = x.shape
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    window = x[n, c, hs:hs + ph, ws:ws + pw]
                    mask = window == np.max(window)
                    dx[n, c, hs:hs + ph, ws:ws + pw] += mask * dout[n, c, i, j]
    return dx


def max_pool_forward_axes(x, pool_param):
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
            out[:, :, i, j] = np.max(window, axis=(2, 3))
    return out, (x, pool_param)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dtanh = dnext_h * (1 - next_h ** 2)
    dx = dtanh.dot(Wx.T)
    dprev_h = dtanh.dot(Wh.T)
    dWx = x.T.dot(dtanh)
    dWh = prev_h.T.dot(dtanh)
    db = np.sum(dtanh, axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dprev_h = np.zeros((N, H))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    for t in reversed(range(T)):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dnext_c = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    do = dnext_h * tanh_c
    df = dnext_c * prev_c
    dprev_c = dnext_c * f
    di = dnext_c * g
    dg = dnext_c * i
    da = np.hstack((di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)))
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = {}
    prev_h = h0
    prev_c = np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, cache[t] = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    for t in range(T - 1, -1, -1):
        step = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = step
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    cache = (x, W)
    return out, cache


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
    cache = x, w, b, out
    return out, cache


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = dout.reshape(N * T, M).T.dot(x.reshape(N * T, D)).T
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    if verbose:
        print("dx_flat: ", dx_flat.shape)
    dx = dx_flat.reshape(N, T, V)
    return loss, dx


# ----- the scalars a gradient check differentiates: np.sum(forward(...)[0] * dout) -----------

def affine_loss(x, w, b, dout):
    out, _ = affine_forward(x, w, b)
    return np.sum(out * dout)


def relu_loss(x, dout):
    return np.sum(relu_forward(x)[0] * dout)


def leaky_relu_loss(x, dout):
    out, cache = leaky_relu_forward(x)
    return np.sum(out * dout)


def affine_relu_loss(x, w, b, dout):
    return np.sum(affine_relu_forward(x, w, b)[0] * dout)


def sigmoid_loss(x, dout):
    return np.sum(sigmoid(x) * dout)


def batchnorm_loss(x, gamma, beta, dout, bn_param):
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    return np.sum(out * dout)


def layernorm_loss(x, gamma, beta, dout):
    out, _ = layernorm_forward(x, gamma, beta, {})
    return np.sum(out * dout)


def spatial_batchnorm_loss(x, gamma, beta, dout):
    out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    return np.sum(out * dout)


def groupnorm_loss(x, gamma, beta, dout):
    out, _ = spatial_groupnorm_forward(x, gamma, beta, 2, {"eps": 1e-5})
    return np.sum(out * dout)


def dropout_loss(x, dout):
    out, _ = dropout_forward(x, {"mode": "train", "p": 0.6, "seed": 123})
    return np.sum(out * dout)


def dropout_masked_loss(x, keep, dout):
    return np.sum(dropout_masked(x, keep, 0.5)[0] * dout)


def conv_naive_loss(x, w, b, dout):
    out, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})
    return np.sum(out * dout)


def conv_positions_loss(x, w, b, dout):
    out, _ = conv_forward_vectorized_filters(x, w, b, {"stride": 2, "pad": 1})
    return np.sum(out * dout)


def max_pool_naive_loss(x, dout):
    out, _ = max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    return np.sum(out * dout)


def max_pool_axes_loss(x, dout):
    out, _ = max_pool_forward_axes(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    return np.sum(out * dout)


def rnn_step_loss(x, prev_h, Wx, Wh, b, dout):
    next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
    return np.sum(next_h * dout)


def rnn_loss(x, h0, Wx, Wh, b, dout):
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    return np.sum(h * dout)


def lstm_step_loss(x, prev_h, prev_c, Wx, Wh, b, dnext_h, dnext_c):
    next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    return np.sum(next_h * dnext_h) + np.sum(next_c * dnext_c)


def lstm_loss(x, h0, Wx, Wh, b, dout):
    h, _ = lstm_forward(x, h0, Wx, Wh, b)
    return np.sum(h * dout)


def word_embedding_loss(W, x, dout):
    return np.sum(word_embedding_forward(x, W)[0] * dout)


def temporal_affine_loss(x, w, b, dout):
    return np.sum(temporal_affine_forward(x, w, b)[0] * dout)


def temporal_softmax_value(x, y, mask):
    loss, _ = temporal_softmax_loss(x, y, mask)
    return loss
