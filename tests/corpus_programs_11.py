"""Corpus, part 11: the programs of the round-8 probe, in areas parts 1-10 leave out:
survival and ranking losses built on argsort and cumsum, dynamic programming (soft-DTW, an HMM
forward pass), fixed-point solvers that stop early (Sinkhorn, Newton, power iteration),
kinematics through functools.reduce, a full matrix Kalman filter, a Cholesky factor filled
through np.tril_indices, finite-difference PDE steppers, and the Python people write around
such code: dataclasses, decorators, closures with nonlocal, globals a training script changes,
memo caches in a mutable default, float() on a traced scalar, comprehensions with conditions.
Written for this project in its own words; nothing is copied.
"""

import dataclasses
import functools
import math

import numpy as np


# ----- survival, ranking, sorting ----------------------------------------------------------
def cox_partial_nll(beta, X, time, event):
    """Breslow partial likelihood: sort by decreasing time, the risk set is a prefix."""
    order = np.argsort(-time)
    eta = X[order] @ beta
    died = event[order]
    log_risk = np.log(np.cumsum(np.exp(eta)))
    return -np.sum(died * (eta - log_risk)) / np.sum(died)


def sliced_wasserstein_1d(x, y):
    """1-D optimal transport between equal-size samples: match the sorted values."""
    return np.mean((np.sort(x) - np.sort(y)) ** 2)


def trimmed_mean_loss(residuals, trim=1):
    ordered = np.sort(np.abs(residuals))
    kept = ordered[trim:len(ordered) - trim]
    return np.sum(kept ** 2) / len(kept)


def pairwise_ranking_hinge(scores, relevance, margin=1.0):
    """Every pair where item i is more relevant than item j wants s_i - s_j >= margin."""
    order = np.argsort(relevance)[::-1]
    s = scores[order]
    total = 0.0
    for i in range(len(s)):
        for j in range(i + 1, len(s)):
            if relevance[order[i]] > relevance[order[j]]:
                total += max(0.0, margin - (s[i] - s[j]))
    return total


def bradley_terry_nll(skill, winners, losers):
    diff = skill[winners] - skill[losers]
    return np.sum(np.logaddexp(0.0, -diff)) + 0.01 * np.sum(skill ** 2)


# ----- dynamic programming -----------------------------------------------------------------
def softmin3(a, b, c, gamma):
    a, b, c = -a / gamma, -b / gamma, -c / gamma
    top = max(max(a, b), c)
    total = math.exp(a - top) + math.exp(b - top) + math.exp(c - top)
    return -gamma * (math.log(total) + top)


def soft_dtw(x, y, gamma=1.0):
    m, n = len(x), len(y)
    D = (x[:, None] - y[None, :]) ** 2
    R = np.ones((m + 1, n + 1)) * 1e10
    R[0, 0] = 0.0
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            R[i, j] = D[i - 1, j - 1] + softmin3(R[i - 1, j], R[i, j - 1], R[i - 1, j - 1],
                                                  gamma)
    return R[m, n]


def logsumexp_cols(a):
    top = np.max(a, axis=0)
    return top + np.log(np.sum(np.exp(a - top), axis=0))


def hmm_log_likelihood(log_A, log_pi, means, obs):
    """Forward algorithm in log space with Gaussian emissions of unit variance."""
    log_A = log_A - logsumexp_cols(log_A.T)[:, None]
    log_pi = log_pi - logsumexp_cols(log_pi[:, None])
    alpha = log_pi - 0.5 * (obs[0] - means) ** 2
    for t in range(1, len(obs)):
        alpha = logsumexp_cols(alpha[:, None] + log_A) - 0.5 * (obs[t] - means) ** 2
    return logsumexp_cols(alpha[:, None])[0]


# ----- solvers that stop early -------------------------------------------------------------
def sinkhorn_cost(C, a, b, eps=0.5, tol=1e-9, max_iter=500):
    K = np.exp(-C / eps)
    u = np.ones_like(a)
    v = np.ones_like(b)
    it = 0
    while it < max_iter:
        u_new = a / (K @ v)
        v_new = b / (K.T @ u_new)
        change = np.abs(u_new - u).max() + np.abs(v_new - v).max()
        u, v = u_new, v_new
        it += 1
        if change < tol:
            break
    P = u[:, None] * K * v[None, :]
    return np.sum(P * C)


def cube_root_newton(a, b):
    """Solve x**3 + a*x = b by Newton's method, stopping when the step is tiny."""
    x = 1.0
    for _ in range(100):
        step = (x ** 3 + a * x - b) / (3 * x ** 2 + a)
        x = x - step
        if abs(step) < 1e-13:
            break
    return x


def top_eigenvalue(A, iters=500, tol=1e-13):
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    k = 0
    while k < iters:
        w = A @ v
        w = w / np.linalg.norm(w)
        done = np.linalg.norm(w - v) < tol
        v = w
        k += 1
        if done:
            break
    return v @ A @ v


# ----- kinematics and physics --------------------------------------------------------------
def link_transform(q, length):
    c, s = np.cos(q), np.sin(q)
    return np.array([[c, -s, length * c], [s, c, length * s], [0.0, 0.0, 1.0]])


def arm_reach_error(angles, lengths, target):
    frames = [link_transform(q, ell) for q, ell in zip(angles, lengths)]
    tip = functools.reduce(lambda acc, T: acc @ T, frames)
    return np.sum((tip[:2, 2] - target) ** 2)


def arm_reach_cumsum(angles, lengths, target):
    total = np.cumsum(angles)
    tip = np.array([np.sum(lengths * np.cos(total)), np.sum(lengths * np.sin(total))])
    return np.sum((tip - target) ** 2)


def heat_rod(u0, alpha, steps=20, dx=0.1, dt=0.002):
    u = u0.copy()
    r = alpha * dt / dx ** 2
    for _ in range(steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u ** 2) * dx


def periodic_advection(u0, c, steps=10):
    u = u0
    for _ in range(steps):
        u = u - 0.4 * c * (u - np.roll(u, 1))
    return np.sum(u * np.arange(len(u)))


def prefix_recurrence(x, decay):
    """An exponential moving average written by updating a copy element by element."""
    y = x.copy()
    for i in range(1, len(y)):
        y[i] += decay * y[i - 1]
    y[1:] -= 0.5 * y[:-1]
    return np.sum(y ** 2)


# ----- filtering and likelihoods -----------------------------------------------------------
def kalman_log_likelihood(log_q, log_r, F, H, ys):
    n = F.shape[0]
    Q = np.exp(log_q) * np.eye(n)
    R = np.exp(log_r) * np.eye(H.shape[0])
    m = np.zeros(n)
    P = np.eye(n)
    ll = 0.0
    for y in ys:
        m = F @ m
        P = F @ P @ F.T + Q
        S = H @ P @ H.T + R
        resid = y - H @ m
        _, logdet = np.linalg.slogdet(S)
        ll -= 0.5 * (resid @ np.linalg.solve(S, resid) + logdet + len(y) * np.log(2 * np.pi))
        gain = np.linalg.solve(S, H @ P).T
        m = m + gain @ resid
        P = P - gain @ H @ P
    return ll


def mvn_nll_tril(theta, X):
    """Covariance L L^T with L's lower triangle filled from a flat parameter vector."""
    d = X.shape[1]
    L = np.zeros((d, d))
    L[np.tril_indices(d)] = theta
    L[np.diag_indices(d)] = np.exp(np.diag(L))
    z = np.linalg.solve(L, X.T)
    return 0.5 * np.sum(z ** 2) + X.shape[0] * np.sum(np.log(np.diag(L)))


def tsne_kl(Y, P):
    n = Y.shape[0]
    d2 = np.sum((Y[:, None, :] - Y[None, :, :]) ** 2, axis=-1)
    num = 1.0 / (1.0 + d2) * (1.0 - np.eye(n))
    Q = num / np.sum(num)
    off = P > 0
    return np.sum(np.where(off, P * np.log(np.where(off, P, 1.0) / np.where(off, Q, 1.0)), 0.0))


def safe_log_where(x):
    """The double-where idiom: log of the positive entries, zero elsewhere."""
    pos = x > 0
    return np.sum(np.where(pos, np.log(np.where(pos, x, 1.0)), 0.0) * x)


def pinball_loss(pred, target, q=0.8):
    e = target - pred
    return np.mean(np.where(e >= 0, q * e, (q - 1) * e))


def planar_flow_log_det(z, w, u, b):
    a = z @ w + b
    f = z + np.outer(np.tanh(a), u)
    psi = np.outer(1 - np.tanh(a) ** 2, w)
    return np.sum(f ** 2) - np.sum(np.log(np.abs(1 + psi @ u)))


# ----- the Python around the numerics ------------------------------------------------------
@dataclasses.dataclass
class LinearParams:
    W: np.ndarray
    b: np.ndarray
    l2: float = 0.01


def dataclass_regression(W, b, X, y):
    p = LinearParams(W, b)
    pred = X @ p.W + p.b
    return np.mean((pred - y) ** 2) + p.l2 * np.sum(p.W ** 2)


def with_l2(weight):
    def decorate(loss):
        @functools.wraps(loss)
        def wrapped(w, *data):
            return loss(w, *data) + weight * np.sum(w ** 2)
        return wrapped
    return decorate


@with_l2(0.1)
def decorated_logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def closure_counter_loss(w, xs):
    calls = 0

    def model(x):
        nonlocal calls
        calls += 1
        return np.tanh(w @ x)

    total = sum(model(x) ** 2 for x in xs)
    return total / calls


LEARNING_RATE = 0.1
DATA = np.array([0.5, -1.0, 2.0])


def global_lr_descent(w, steps=3):
    for _ in range(steps):
        w = w - LEARNING_RATE * 2 * (w - DATA)
    return np.sum(w ** 2)


def memo_features(x, degree=3, _cache={}):  # noqa: B006 - the memo idiom, on purpose
    """A design matrix's exponents memoised in a mutable default, as scripts do."""
    if degree not in _cache:
        _cache[degree] = np.arange(degree + 1)
    powers = _cache[degree]
    return np.sum(x[:, None] ** powers)


def float_normalised(x):
    scale = float(np.max(np.abs(x)))
    return np.sum((x / scale) ** 3)


def masked_comprehension(w, x, keep):
    terms = [w[i] * x[i] ** 2 for i in range(len(x)) if keep[i]]
    return sum(terms) + sum(w[i] for i in range(len(w)) if not keep[i])


def meta_lr_adam(lr, w0, X, y, steps=4):
    """Loss after a few Adam steps, differentiated with respect to the step size."""
    state = {"m": np.zeros_like(w0), "v": np.zeros_like(w0), "t": 0}
    w = w0
    for _ in range(steps):
        g = 2 * X.T @ (X @ w - y) / len(y)
        state["t"] += 1
        state["m"] = 0.9 * state["m"] + 0.1 * g
        state["v"] = 0.999 * state["v"] + 0.001 * g ** 2
        mhat = state["m"] / (1 - 0.9 ** state["t"])
        vhat = state["v"] / (1 - 0.999 ** state["t"])
        w = w - lr * mhat / (np.sqrt(vhat) + 1e-8)
    return np.mean((X @ w - y) ** 2)


def tree_sum(node, leaves):
    """A tree of nested tuples, evaluated by recursion."""
    if isinstance(node, int):
        return leaves[node]
    op, left, right = node
    if op == "+":
        return tree_sum(left, leaves) + tree_sum(right, leaves)
    return tree_sum(left, leaves) * tree_sum(right, leaves)


def tree_expression(leaves):
    return tree_sum(("*", ("+", 0, 1), ("+", 2, ("*", 0, 3))), leaves)


def jitter_cholesky_nll(log_ell, X, y):
    K = np.exp(-0.5 * (X[:, None] - X[None, :]) ** 2 / np.exp(2 * log_ell))
    try:
        L = np.linalg.cholesky(K + 1e-8 * np.eye(len(X)))
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(K + 1e-4 * np.eye(len(X)))
    alpha = np.linalg.solve(L, y)
    return 0.5 * alpha @ alpha + np.sum(np.log(np.diag(L)))


def jitter_cholesky_nll_rewrite(log_ell, X, y):
    K = np.exp(-0.5 * (X[:, None] - X[None, :]) ** 2 / np.exp(2 * log_ell))
    K = K + 1e-8 * np.eye(len(X))
    if not np.all(np.linalg.eigvalsh(K) > 0):
        K = K + 1e-4 * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L, y)
    return 0.5 * alpha @ alpha + np.sum(np.log(np.diag(L)))


class Module:
    def __init__(self):
        self._params = {}
        self._children = {}

    def add(self, name, child):
        self._children[name] = child
        return child

    def parameters(self):
        out = list(self._params.values())
        for child in self._children.values():
            out.extend(child.parameters())
        return out

    def __call__(self, x):
        return self.forward(x)


class Affine(Module):
    def __init__(self, W, b):
        super().__init__()
        self._params["W"] = W
        self._params["b"] = b

    def forward(self, x):
        return x @ self._params["W"] + self._params["b"]


class TwoLayer(Module):
    def __init__(self, W1, b1, W2, b2):
        super().__init__()
        self.first = self.add("first", Affine(W1, b1))
        self.second = self.add("second", Affine(W2, b2))

    def forward(self, x):
        return self.second(np.tanh(self.first(x)))


def module_tree_loss(W1, b1, W2, b2, x, y):
    net = TwoLayer(W1, b1, W2, b2)
    penalty = sum(np.sum(p ** 2) for p in net.parameters())
    return np.mean((net(x) - y) ** 2) + 1e-3 * penalty


def cosine_embedding_loss(a, b, labels, margin=0.2):
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.mean(np.where(labels > 0, 1 - cos, np.maximum(0.0, cos - margin)))


def gumbel_softmax_sample(logits, noise, tau=0.5):
    g = -np.log(-np.log(noise))
    y = (logits + g) / tau
    y = y - y.max(axis=-1, keepdims=True)
    p = np.exp(y) / np.exp(y).sum(axis=-1, keepdims=True)
    return np.sum(p * np.arange(p.shape[-1]))


def rod_energy(u, x):
    du = np.gradient(u, x)
    return np.trapezoid(0.5 * du ** 2 + 0.25 * u ** 4, x)


def portfolio_drawdown(w, returns):
    weights = np.exp(w) / np.sum(np.exp(w))
    wealth = np.cumprod(1.0 + returns @ weights)
    peak = np.maximum.accumulate(wealth)
    return np.max(1.0 - wealth / peak) - 0.1 * np.log(wealth[-1])


def log_returns_sharpe(w, prices):
    r = np.diff(np.log(prices), axis=0) @ w
    return -np.mean(r) / np.std(r)


def pairwise_steps(path):
    """Length of a polyline, walking consecutive points with zip."""
    return sum(np.sqrt(np.sum((b - a) ** 2)) for a, b in zip(path, path[1:]))


class ListModule:
    """The same hierarchy keeping its children in a list."""

    def __init__(self):
        self.weights = {}
        self.children = []

    def register(self, child):
        self.children.append(child)
        return child

    def parameters(self):
        out = list(self.weights.values())
        for child in self.children:
            out = out + child.parameters()
        return out

    def __call__(self, x):
        return self.forward(x)


class ListAffine(ListModule):
    def __init__(self, W, b):
        super().__init__()
        self.weights["W"] = W
        self.weights["b"] = b

    def forward(self, x):
        return x @ self.weights["W"] + self.weights["b"]


class ListTwoLayer(ListModule):
    def __init__(self, W1, b1, W2, b2):
        super().__init__()
        self.first = self.register(ListAffine(W1, b1))
        self.second = self.register(ListAffine(W2, b2))

    def forward(self, x):
        return self.second(np.tanh(self.first(x)))


def list_module_loss(W1, b1, W2, b2, x, y):
    net = ListTwoLayer(W1, b1, W2, b2)
    penalty = sum(np.sum(p ** 2) for p in net.parameters())
    return np.mean((net(x) - y) ** 2) + 1e-3 * penalty


class RunningStats:
    """Bookkeeping a training script keeps on a module-level object."""

    def __init__(self):
        self.total = 0.0
        self.history = []

    def add_loss(self, value):
        self.total = self.total + value

    def record(self, value):
        self.history.append(value)


STATS = RunningStats()


def loss_into_global_stats(w, X, y):
    err = np.mean((X @ w - y) ** 2)
    STATS.add_loss(err)
    return STATS.total


def loss_into_stats_argument(w, X, y, stats):
    err = np.mean((X @ w - y) ** 2)
    stats.add_loss(err)
    return stats.total


def loss_into_stats_rewritten(w, X, y, stats):
    err = np.mean((X @ w - y) ** 2)
    total = stats.total + err
    return total


def loss_read_back_from_history(w, X, y):
    STATS.record(np.mean((X @ w - y) ** 2))
    return STATS.history[-1]


# ----- the rewrites the refusals above suggest ----------------------------------------------
def arm_reach_loop(angles, lengths, target):
    frames = [link_transform(q, ell) for q, ell in zip(angles, lengths)]
    tip = frames[0]
    for T in frames[1:]:
        tip = tip @ T
    return np.sum((tip[:2, 2] - target) ** 2)


def closure_counter_loop(w, xs):
    calls = 0

    def model(x):
        nonlocal calls
        calls += 1
        return np.tanh(w @ x)

    total = 0.0
    for x in xs:
        total = total + model(x) ** 2
    return total / calls


def dataclass_built_outside(params, X, y):
    pred = X @ params.W + params.b
    return np.mean((pred - y) ** 2) + params.l2 * np.sum(params.W ** 2)
