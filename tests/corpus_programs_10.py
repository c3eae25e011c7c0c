"""Corpus, part 10: the programs of the round-6 probe, written here in the styles people
publish (kernel code writing through a transpose, attention blocks, CS231n-style layers and
losses, autograd-style networks over a list of (W, b), unrolled optimisers, physics steppers
with swapped buffers, filters and likelihoods). Nothing is copied.
"""

import math

import numpy as np


# ----- kernels and Gaussian processes ------------------------------------------------------
def rbf_kernel_sum(x, ell):
    """Pairwise differences built in place through the transpose."""
    D = np.zeros((len(x), len(x)))
    D[:] = x
    D.T[:] -= x.T
    K = np.exp(-0.5 * D ** 2 / ell ** 2)
    return np.sum(K * np.arange(len(x)))


def gp_negative_log_marginal(log_params, X, y):
    ell, sf, sn = np.exp(log_params)
    d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = sf ** 2 * np.exp(-0.5 * d2 / ell ** 2) + sn ** 2 * np.eye(len(y))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)


def gaussian_log_density(x, mu, cov):
    d = x.shape[-1]
    diff = x - mu
    _, logdet = np.linalg.slogdet(cov)
    maha = np.sum(diff * np.linalg.solve(cov, diff.T).T, axis=1)
    return np.sum(-0.5 * (d * np.log(2 * np.pi) + logdet + maha))


# ----- attention ---------------------------------------------------------------------------
def heads_attention(X, Wq, Wk, Wv, Wo, num_heads):
    batch, seq, d_model = X.shape
    dk = d_model // num_heads

    def split(t):
        return t.reshape(batch, seq, num_heads, dk).transpose(0, 2, 1, 3)

    Q, K, V = split(X @ Wq), split(X @ Wk), split(X @ Wv)
    scores = Q @ K.transpose(0, 1, 3, 2) / np.sqrt(dk)
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    weights = e / np.sum(e, axis=-1, keepdims=True)
    merged = (weights @ V).transpose(0, 2, 1, 3).reshape(batch, seq, d_model)
    return np.mean((merged @ Wo) ** 2)


def einsum_attention(x, Wq, Wk, Wv):
    q = np.einsum("bsd, dhm -> bshm", x, Wq)
    k = np.einsum("bsd, dhm -> bshm", x, Wk)
    v = np.einsum("bsd, dhm -> bshm", x, Wv)
    s = np.einsum("bshm, bthm -> bhst", q, k) / np.sqrt(q.shape[-1])
    s = s - s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=-1, keepdims=True)
    return np.sum(np.einsum("bhst, bthm -> bshm", p, v) ** 2)


def masked_self_attention(x, Wq, Wk):
    T = x.shape[0]
    q, k = x @ Wq, x @ Wk
    att = q @ k.T / math.sqrt(k.shape[1])
    att[np.triu(np.ones((T, T), dtype=bool), k=1)] = -1e9
    att = np.exp(att - att.max(axis=1, keepdims=True))
    att = att / att.sum(axis=1, keepdims=True)
    return np.sum(att @ x)


def normalised_gelu_block(x, gamma, beta, W1, W2, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    h = (gamma * xhat + beta) @ W1
    g = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3)))
    return np.sum(g @ W2)


# ----- layers and losses -------------------------------------------------------------------
def two_layer_net_loss(params, X, y, reg):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= np.sum(probs, axis=1, keepdims=True)
    N = X.shape[0]
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return loss


def multiclass_svm_loops(W, X, y, reg):
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        correct = scores[y[i]]
        for j in range(W.shape[1]):
            if j == y[i]:
                continue
            margin = scores[j] - correct + 1
            if margin > 0:
                loss += margin
    return loss / X.shape[0] + reg * np.sum(W * W)


def multiclass_svm_vectorised(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y][:, np.newaxis]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(N), y] = 0
    return margins.sum() / N + reg * np.sum(W ** 2)


def conv_loops(x, w, b, pad=1):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H + 2 * pad - HH + 1, W + 2 * pad - WW + 1))
    for n in range(N):
        for f in range(F):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + HH, j:j + WW] * w[f]) + b[f]
    return np.sum(out ** 2)


def gated_recurrence(x, h0, Wx, Wh, b):
    h, c = h0, np.zeros_like(h0)
    total = 0.0
    for t in range(x.shape[1]):
        a = x[:, t, :] @ Wx + h @ Wh + b
        ai, af, ao, ag = np.split(a, 4, axis=1)
        i, f, o = 1 / (1 + np.exp(-ai)), 1 / (1 + np.exp(-af)), 1 / (1 + np.exp(-ao))
        c = f * c + i * np.tanh(ag)
        h = o * np.tanh(c)
        total += np.sum(h)
    return total


def weighted_by_counts(x, counts):
    """Integer weights, after an element of the input was squared in a copy."""
    y = x * 1.0
    y[0] = y[0] ** 2
    return np.sum(counts * y)


# ----- autograd-style networks and optimisers ----------------------------------------------
def layered_log_posterior(params, inputs, targets, l2):
    prior = -l2 * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    m = np.max(outputs, axis=1, keepdims=True)
    log_probs = outputs - (m + np.log(np.sum(np.exp(outputs - m), axis=1, keepdims=True)))
    return prior + np.sum(log_probs * targets)


def unrolled_adam_loss(w0, X, y):
    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t in range(1, 6):
        g = 2 * X.T @ (X @ w - y) / len(y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g ** 2
        w -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return np.mean((X @ w - y) ** 2)


def momentum_descent(x0, A, steps=4):
    x = x0.copy()
    v = np.zeros_like(x)
    for _ in range(steps):
        v *= 0.9
        v -= 0.1 * (A @ x)
        x += v
    return np.sum(x ** 2)


# ----- physics and filters -----------------------------------------------------------------
def pendulum_rk4(params, theta0, omega0, dt=0.05, steps=20):
    g, length, damping = params

    def rate(state):
        angle, speed = state
        return np.array([speed, -g / length * np.sin(angle) - damping * speed])

    state = np.array([theta0, omega0])
    for _ in range(steps):
        k1 = rate(state)
        k2 = rate(state + 0.5 * dt * k1)
        k3 = rate(state + 0.5 * dt * k2)
        k4 = rate(state + dt * k3)
        state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return state[0] ** 2 + 0.1 * state[1]


def plucked_string(u0, c):
    u_prev, u = u0.copy(), u0.copy()
    for _ in range(6):
        u_next = np.empty_like(u)
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + c ** 2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_next[0] = 0.0
        u_next[-1] = 0.0
        u_prev, u = u, u_next
    return np.sum(u ** 2)


def chain_leapfrog(q0, p0, k, dt, n_steps):
    q, p = q0.copy(), p0.copy()

    def force(q):
        f = np.zeros_like(q)
        f[1:] -= k * (q[1:] - q[:-1])
        f[:-1] += k * (q[1:] - q[:-1])
        return f

    p += 0.5 * dt * force(q)
    for _ in range(n_steps - 1):
        q += dt * p
        p += dt * force(q)
    q += dt * p
    p += 0.5 * dt * force(q)
    return np.sum(q ** 2) + np.sum(p * q)


def pair_potential(pos, eps=1.0, sigma=1.0):
    i, j = np.triu_indices(len(pos), k=1)
    r = np.linalg.norm(pos[i] - pos[j], axis=1)
    sr6 = (sigma / r) ** 6
    return np.sum(4 * eps * (sr6 ** 2 - sr6))


def local_level_nll(q, r, ys):
    x, P, nll = 0.0, 1.0, 0.0
    for y in ys:
        P = P + q
        S = P + r
        gain = P / S
        innovation = y - x
        nll += 0.5 * (np.log(2 * np.pi * S) + innovation ** 2 / S)
        x = x + gain * innovation
        P = (1 - gain) * P
    return nll


def gauss_seidel_sweeps(A, b):
    x = np.zeros_like(b)
    for _ in range(3):
        for i in range(len(b)):
            s = b[i] - A[i, :i] @ x[:i] - A[i, i + 1:] @ x[i + 1:]
            x[i] = s / A[i, i]
    return np.sum(x ** 2)
