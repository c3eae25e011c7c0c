"""Corpus, part 5: the same models as parts 2-4 as they are also often published, functionally.

Loss-only loops (no gradient accumulated alongside), lists of states joined with np.stack,
one-hot rows of np.eye, np.where instead of masked writes, dict literals for optimiser
state, and a few more models of blog and tutorial code (GRU, VAE, multi-head attention,
contrastive and focal losses). Nothing is copied; it is written here in those styles.
"""

import numpy as np


def char_rnn_dict_states(inputs, targets, hprev, Wxh, Whh, Why, bh, by):
    vocab_size = Wxh.shape[1]
    onehot = np.eye(vocab_size)
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = onehot[:, [inputs[t]]]
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    return loss


def svm_loss_loops(W, X, y, reg):
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
    loss /= num_train
    loss += reg * np.sum(W * W)
    return loss


def softmax_loss_loops(W, X, y, reg):
    loss = 0.0
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        p = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(p[y[i]])
    loss /= num_train
    loss += reg * np.sum(W * W)
    return loss


def batchnorm_bn_param_indexing(x, gamma, beta, dout, bn_param):
    mode = bn_param["mode"]
    eps = bn_param["eps"]
    momentum = bn_param["momentum"]
    running_mean = bn_param["running_mean"]
    out = None
    if mode == "train":
        mu = np.mean(x, axis=0)
        var = np.var(x, axis=0)
        out = gamma * (x - mu) / np.sqrt(var + eps) + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_mean"] = running_mean
    return np.sum(out * dout)


def conv_stacked_positions(x, w, b):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
    rows = []
    for i in range(H):
        cols = []
        for j in range(W):
            patch = x_pad[:, :, i:i + HH, j:j + WW].reshape(N, -1)
            cols.append(patch.dot(w.reshape(F, -1).T) + b)
        rows.append(np.stack(cols, axis=-1))
    out = np.stack(rows, axis=-2)
    return np.sum(out ** 2)


def neg_sampling_loss(v, U, o, neg):
    indices = [o] + neg
    loss = -np.log(1 / (1 + np.exp(-U[o].dot(v))))
    for k in range(1, len(indices)):
        loss -= np.log(1 / (1 + np.exp(U[indices[k]].dot(v))))
    return loss


def loss_after_adam_dict_literal(w, A, c, steps):
    config = {"learning_rate": 0.05, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
              "m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    for _ in range(steps):
        dw = A.T.dot(A.dot(w) - c)
        config["t"] += 1
        config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
        config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw ** 2
        mt = config["m"] / (1 - config["beta1"] ** config["t"])
        vt = config["v"] / (1 - config["beta2"] ** config["t"])
        w = w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"])
    return 0.5 * np.sum((A.dot(w) - c) ** 2)


def last_loss_of_history(w0, X, y, lr, num_iters):
    w = w0.copy()
    N = X.shape[0]
    loss_history = []
    for _ in range(num_iters):
        resid = X.dot(w) - y
        loss_history.append(0.5 * np.sum(resid ** 2) / N)
        w -= lr * X.T.dot(resid) / N
    return loss_history[-1]


def rnn_states_stacked(x, h0, Wx, Wh, b, dout):
    N, T, D = x.shape
    hs = []
    prev_h = h0
    for t in range(T):
        prev_h = np.tanh(x[:, t, :].dot(Wx) + prev_h.dot(Wh) + b)
        hs.append(prev_h)
    h = np.stack(hs, axis=1)
    return np.sum(h * dout)


def max_pool_comprehension(x):
    N, C, H, W = x.shape
    rows = []
    for i in range(0, H - 1, 2):
        rows.append(np.stack([np.max(x[:, :, i:i + 2, j:j + 2], axis=(2, 3))
                              for j in range(0, W - 1, 2)], axis=-1))
    return np.sum(np.stack(rows, axis=2) ** 2)


def stable_sigmoid_where(x, dout):
    z = np.exp(-np.abs(x))
    return np.sum(np.where(x >= 0, 1 / (1 + z), z / (1 + z)) * dout)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gru_sequence_loss(xs, h0, Wz, Uz, Wr, Ur, Wh, Uh):
    h = h0
    states = []
    for x in xs:
        z = sigmoid(Wz @ x + Uz @ h)
        r = sigmoid(Wr @ x + Ur @ h)
        h_tilde = np.tanh(Wh @ x + Uh @ (r * h))
        h = (1 - z) * h + z * h_tilde
        states.append(h)
    H = np.array(states)
    return np.sum(H ** 2) / len(states)


def vae_loss(enc_W, enc_b, dec_W, dec_b, x, eps):
    """One-hidden-layer Gaussian VAE: the reparameterisation with fixed noise eps."""
    h = np.tanh(x @ enc_W + enc_b)
    latent = h.shape[1] // 2
    mu, logvar = h[:, :latent], h[:, latent:]
    z = mu + np.exp(0.5 * logvar) * eps
    x_rec = sigmoid(z @ dec_W + dec_b)
    rec = -np.sum(x * np.log(x_rec) + (1 - x) * np.log(1 - x_rec))
    kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar))
    return (rec + kl) / x.shape[0]


def multi_head_attention(X, Wq, Wk, Wv, Wo, num_heads):
    T, d_model = X.shape
    d_head = d_model // num_heads
    Q = (X @ Wq).reshape(T, num_heads, d_head).transpose(1, 0, 2)
    K = (X @ Wk).reshape(T, num_heads, d_head).transpose(1, 0, 2)
    V = (X @ Wv).reshape(T, num_heads, d_head).transpose(1, 0, 2)
    scores = np.einsum("htd,hsd->hts", Q, K) / np.sqrt(d_head)
    scores = scores - scores.max(axis=-1, keepdims=True)
    A = np.exp(scores)
    A = A / A.sum(axis=-1, keepdims=True)
    heads = np.einsum("hts,hsd->htd", A, V)
    out = heads.transpose(1, 0, 2).reshape(T, d_model) @ Wo
    return np.sum(out ** 2)


def nt_xent_loss(z1, z2, temperature=0.5):
    z = np.concatenate([z1, z2], axis=0)
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n = z1.shape[0]
    sim = z @ z.T / temperature
    sim = sim - 1e9 * np.eye(2 * n)
    positives = np.concatenate([np.arange(n, 2 * n), np.arange(0, n)])
    log_prob = sim - np.log(np.sum(np.exp(sim), axis=1, keepdims=True))
    return -np.mean(log_prob[np.arange(2 * n), positives])


def label_smoothing_cross_entropy(logits, labels, smoothing=0.1):
    N, C = logits.shape
    targets = np.full((N, C), smoothing / (C - 1))
    targets[np.arange(N), labels] = 1.0 - smoothing
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.sum(targets * log_probs) / N


def focal_loss(logits, y, gamma=2.0, alpha=0.25):
    p = sigmoid(logits)
    p_t = np.where(y == 1, p, 1 - p)
    alpha_t = np.where(y == 1, alpha, 1 - alpha)
    return -np.mean(alpha_t * (1 - p_t) ** gamma * np.log(p_t))


def float_copy_then_view(x):
    """`x * 1.0` as the float copy people write; then a row view, then centring in place."""
    out = x * 1.0
    first = out[0]
    out -= out.mean(axis=1, keepdims=True)
    return np.sum(first ** 2)
