"""Programs written the way people publish them, not the way srcad was built for.

Each is in the style of a course solution, a tutorial or a layer library: `.dot` next to `@`,
`np.maximum(0, ...)`, in-place `-=` on a fresh local, helpers, globals holding the data,
lists of (W, b) pairs, methods reading `self`. Where the published style has a hand-written
backward pass (CS231n layers, min-char-rnn), it is here too, as the second oracle next to
finite differences. None of this is copied; it is written here in those styles.

`CASES` lists (name, function, argument builder, wrt, hand-written gradient or None).
"""

import numpy as np

# ----- CS231n-style layers with hand-written backward passes ---------------------------------


def two_layer_net_loss(W1, b1, W2, b2, X, y, reg):
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    scores -= np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    N = X.shape[0]
    data_loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return data_loss + reg_loss


def two_layer_net_backward(W1, b1, W2, b2, X, y, reg):
    h_pre = X.dot(W1) + b1
    hidden = np.maximum(0, h_pre)
    scores = hidden.dot(W2) + b2
    scores = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    N = X.shape[0]
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = hidden.T.dot(dscores) + reg * W2
    db2 = np.sum(dscores, axis=0)
    dhidden = dscores.dot(W2.T)
    dhidden[h_pre <= 0] = 0
    dW1 = X.T.dot(dhidden) + reg * W1
    db1 = np.sum(dhidden, axis=0)
    return dW1, db1, dW2, db2


def affine_relu_sum(x, w, b, dout):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    out = np.maximum(0, out)
    return np.sum(out * dout)


def affine_relu_backward(x, w, b, dout):
    a = x.reshape(x.shape[0], -1).dot(w) + b
    da = dout * (a > 0)
    dx = da.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dw, db


def batchnorm_train_sum(x, gamma, beta, dout):
    eps = 1e-5
    mu = x.mean(axis=0)
    xc = x - mu
    var = np.mean(xc ** 2, axis=0)
    std = np.sqrt(var + eps)
    xn = xc / std
    out = gamma * xn + beta
    return np.sum(out * dout)


def batchnorm_backward(x, gamma, beta, dout):
    eps = 1e-5
    N = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = np.mean(xc ** 2, axis=0)
    std = np.sqrt(var + eps)
    xn = xc / std
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xn, axis=0)
    dxn = gamma * dout
    dx = (1.0 / N) / std * (N * dxn - dxn.sum(axis=0) - xn * np.sum(dxn * xn, axis=0))
    return dx, dgamma, dbeta


def softmax_loss_onehot(W, X, Y, reg):
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    P = np.exp(scores)
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.sum(Y * np.log(P)) / X.shape[0]
    return loss + reg * np.sum(W ** 2)


def softmax_loss_onehot_backward(W, X, Y, reg):
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    P = np.exp(scores)
    P /= P.sum(axis=1, keepdims=True)
    return X.T @ (P - Y) / X.shape[0] + 2 * reg * W


# ----- autograd-example style: helpers and module-level data -----------------------------------

def sigmoid(x):
    return 0.5 * (np.tanh(x / 2.0) + 1)


def logistic_predictions(weights, inputs):
    return sigmoid(np.dot(inputs, weights))


inputs = np.array([[0.52, 1.12, 0.77],
                   [0.88, -1.08, 0.15],
                   [0.52, 0.06, -1.30],
                   [0.74, -2.49, 1.39]])
targets = np.array([1.0, 1.0, 0.0, 1.0])


def training_loss(weights):
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))


def training_loss_backward(weights):
    preds = logistic_predictions(weights, inputs)
    return -inputs.T @ (targets - preds)


def logsumexp(X, axis, keepdims=False):
    m = np.max(X, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(X - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


def gaussian_kl(mu, logvar):
    return -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar))


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def attention(Q, K, V):
    d = Q.shape[-1]
    scores = Q @ K.T / np.sqrt(d)
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return np.sum((weights @ V) ** 2)


# ----- recurrences: a list grown in a loop, gates from slices ----------------------------------

def rnn_loss(Wxh, Whh, Why, bh, by, xs, h0):
    hs = [h0]
    loss = 0.0
    for t in range(len(xs)):
        h = np.tanh(Wxh @ xs[t] + Whh @ hs[-1] + bh)
        hs.append(h)
        y = Why @ h + by
        p = np.exp(y - np.max(y))
        p = p / np.sum(p)
        loss += -np.log(p[t % p.shape[0]])
    return loss


def rnn_loss_backward(Wxh, Whh, Why, bh, by, xs, h0):
    hs, ps = [h0], []
    for t in range(len(xs)):
        hs.append(np.tanh(Wxh @ xs[t] + Whh @ hs[-1] + bh))
        y = Why @ hs[-1] + by
        p = np.exp(y - np.max(y))
        ps.append(p / np.sum(p))
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    back = np.zeros_like(h0)
    for t in range(len(xs) - 1, -1, -1):
        d_logits = ps[t].copy()
        d_logits[t % d_logits.shape[0]] -= 1
        dWhy += np.outer(d_logits, hs[t + 1])
        dby += d_logits
        d_pre = (1 - hs[t + 1] ** 2) * (Why.T @ d_logits + back)
        dbh += d_pre
        dWxh += np.outer(d_pre, xs[t])
        dWhh += np.outer(d_pre, hs[t])
        back = Whh.T @ d_pre
    return dWxh, dWhh, dWhy, dbh, dby


def min_char_rnn_loss(inputs, targets, hprev, Wxh, Whh, Why, bh, by):
    """A character RNN with column-vector states kept in dicts keyed by the time step."""
    n_chars = Wxh.shape[1]
    enc, hid, prob = {}, {-1: np.copy(hprev)}, {}
    nll = 0
    for k in range(len(inputs)):
        enc[k] = np.zeros((n_chars, 1))
        enc[k][inputs[k]] = 1
        hid[k] = np.tanh(np.dot(Wxh, enc[k]) + np.dot(Whh, hid[k - 1]) + bh)
        logits = np.dot(Why, hid[k]) + by
        prob[k] = np.exp(logits) / np.sum(np.exp(logits))
        nll += -np.log(prob[k][targets[k], 0])
    return nll


def lstm_loss(x, h0, c0, Wx, Wh, b):
    H = h0.shape[1]
    h, c = h0, c0
    total = 0.0
    for t in range(x.shape[1]):
        a = x[:, t, :].dot(Wx) + h.dot(Wh) + b
        i = sigmoid(a[:, :H])
        f = sigmoid(a[:, H:2 * H])
        o = sigmoid(a[:, 2 * H:3 * H])
        g = np.tanh(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        total = total + np.sum(h ** 2)
    return total


def conv1d_loss(w, x):
    k = w.shape[0]
    out = []
    for i in range(x.shape[0] - k + 1):
        out.append(np.sum(x[i:i + k] * w))
    return np.sum(np.array(out) ** 2)


# ----- a layer library: parameters on objects ---------------------------------------------------

class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.standard_normal((n_in, n_out)) * 0.3
        self.b = np.zeros(n_out)

    def forward(self, X):
        return np.maximum(X @ self.W + self.b, 0.0)

    def loss(self, X, y):
        return 0.5 * np.mean((self.forward(X) - y) ** 2)


def mse_of_params(params, X, y):
    W, b = params["W"], params["b"]
    pred = X @ W + b
    return np.mean((pred - y) ** 2)


def mse_of_params_backward(params, X, y):
    W, b = params["W"], params["b"]
    r = X @ W + b - y
    g = 2.0 * r / r.size
    return {"W": X.T @ g, "b": np.sum(g, axis=0)}


def gaussian_nll(mu, log_sigma, x):
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    return np.sum(0.5 * z ** 2 + log_sigma + 0.5 * np.log(2 * np.pi))


def mvn_logpdf(L, x):
    S = L @ L.T + 0.5 * np.eye(L.shape[0])
    sign, logdet = np.linalg.slogdet(S)
    return -0.5 * (logdet + x @ np.linalg.solve(S, x))
