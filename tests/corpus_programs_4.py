"""Corpus, part 4: example programs, layer-library classes, a character RNN, training loops.

In the styles of an AD library's example scripts (factories returning closures, parameter
dicts with spaces in their keys, `zip(*...)`), of a layer library (classes holding
`self.parameters`, activation objects with `fn` and `grad`, static-method losses), of the
well-known minimal character RNN (parameters in a dict, states in dicts keyed by time), and of
the short scripts people write to fit something (preallocated trajectories, loops over rating
triples, training loops that print). Nothing is copied; it is written here in those styles.
"""

import numpy as np


def logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def mvn_logpdf(x, mean, cov):
    """Log density of N(mean, cov) at the rows of x (or at one vector x)."""
    D = mean.shape[0]
    diff = x - mean
    sign, logdet = np.linalg.slogdet(cov)
    maha = np.sum(diff.T * np.linalg.solve(cov, diff.T), axis=0)
    return -0.5 * (maha + logdet + D * np.log(2 * np.pi))


# ----- example-script style: factories, closures, parameter dicts ------------------------------

def rbf_covariance(kernel_params, x, xp):
    """exp(log variance) * exp(-|x - x'|^2 / 2) with per-dimension log length scales."""
    amplitude = np.exp(kernel_params[0])
    ell = np.exp(kernel_params[1:])
    gaps = (x / ell)[:, np.newaxis, :] - (xp / ell)[np.newaxis, :, :]
    return amplitude * np.exp(-0.5 * (gaps ** 2).sum(axis=2))


def make_gp_funs(kernel, n_kernel_params):
    """A factory in the example-script style: returns closures over `kernel`."""

    def split(params):
        offset, log_noise, theta = params[0], params[1], params[2:]
        return offset, theta, np.exp(log_noise) + 1e-4

    def covariance_of_data(params, x):
        _, theta, noise = split(params)
        return kernel(theta, x, x) + noise * np.eye(x.shape[0])

    def predict(params, x, y, x_new):
        offset, theta, _ = split(params)
        C = covariance_of_data(params, x)
        k_cross = kernel(theta, x, x_new)
        weights = np.linalg.solve(C, k_cross)
        mean = offset + weights.T @ (y - offset)
        cov = kernel(theta, x_new, x_new) - weights.T @ k_cross
        return mean, cov

    def log_evidence(params, x, y):
        offset = split(params)[0]
        return mvn_logpdf(y, offset * np.ones(y.shape[0]), covariance_of_data(params, x))

    return n_kernel_params + 2, predict, log_evidence, split


num_params, gp_predict, gp_log_marginal_likelihood, gp_unpack = make_gp_funs(
    rbf_covariance, n_kernel_params=2)


def gp_objective(params, x, y):
    return -gp_log_marginal_likelihood(params, x, y)


def log_normalize(x):
    return x - logsumexp(x)


def unpack_gmm_params(params):
    """The mixture's parameters live in a dict whose keys have spaces in them."""
    log_weights = log_normalize(params["log proportions"])
    return log_weights, params["means"], params["lower triangles"]


def gmm_log_likelihood(params, data):
    per_component = []
    for log_w, centre, chol in zip(*unpack_gmm_params(params)):
        sigma = chol.T @ chol
        per_component.append(log_w + mvn_logpdf(data, centre, sigma))
    return logsumexp(np.vstack(per_component), axis=0).sum()


def gmm_objective(params, data):
    return -gmm_log_likelihood(params, data)


def make_variational_objective(log_density, D, num_samples, seed):
    """Black-box VI with the reparameterisation trick; the noise is drawn once (common random
    numbers), so the objective is a deterministic function of the variational parameters."""
    noise = np.random.RandomState(seed).randn(num_samples, D)

    def split(params):
        return params[:D], params[D:]

    def entropy(log_scale):
        return np.sum(log_scale) + D * 0.5 * (1.0 + np.log(2 * np.pi))

    def objective(params, t):
        loc, log_scale = split(params)
        z = loc + noise * np.exp(log_scale)
        return -(entropy(log_scale) + np.mean(log_density(z, t)))

    return objective, split


def banana_log_density(x, t):
    m, s = x[:, 0], x[:, 1]
    return -0.5 * (s / 1.35) ** 2 - 0.5 * (m / np.exp(s)) ** 2 - s


vi_objective, vi_unpack = make_variational_objective(banana_log_density, D=2, num_samples=50,
                                                     seed=0)


def tanh_example(x):
    y = np.exp(-2.0 * x)
    return np.sum((1.0 - y) / (1.0 + y))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


# ----- layer-library style: objects with parameters, activations with fn and grad -----------

class Sigmoid:
    def __str__(self):
        return "Sigmoid"

    def fn(self, z):
        return 1 / (1 + np.exp(-z))

    def grad(self, x):
        fn_x = self.fn(x)
        return fn_x * (1 - fn_x)


class FullyConnected:
    def __init__(self, n_in, n_out, act_fn, seed):
        rng = np.random.RandomState(seed)
        self.act_fn = act_fn
        self.parameters = {"W": rng.randn(n_in, n_out) * 0.5, "b": np.zeros((1, n_out))}
        self.derived_variables = {"Z": []}
        self.X = []

    def forward(self, X, retain_derived=True):
        W = self.parameters["W"]
        b = self.parameters["b"]
        Z = X @ W + b
        Y = self.act_fn.fn(Z)
        if retain_derived:
            self.X.append(X)
            self.derived_variables["Z"].append(Z)
        return Y

    def backward_from(self, dLdy, X):
        Z = X @ self.parameters["W"] + self.parameters["b"]
        dZ = dLdy * self.act_fn.grad(Z)
        return dZ @ self.parameters["W"].T


class CrossEntropy:
    @staticmethod
    def loss(y, y_pred):
        eps = np.finfo(float).eps
        cross_entropy = -np.sum(y * np.log(y_pred + eps))
        return cross_entropy

    @staticmethod
    def grad(y, y_pred):
        """The gradient with respect to the logits feeding a softmax."""
        return y_pred - y


class SquaredError:
    @staticmethod
    def loss(y, y_pred):
        return 0.5 * np.linalg.norm(y_pred - y) ** 2

    @staticmethod
    def grad(y, y_pred, z, act_fn):
        return (y_pred - y) * act_fn.grad(z)


def softmax(X, dim=-1):
    e_X = np.exp(X - np.max(X, axis=dim, keepdims=True))
    return e_X / e_X.sum(axis=dim, keepdims=True)


def cross_entropy_of_logits(z, y):
    return CrossEntropy.loss(y, softmax(z))


def squared_error_of_sigmoid(z, y):
    return SquaredError.loss(y, Sigmoid().fn(z))


class BatchNorm1D:
    def __init__(self, n_in, momentum=0.9, epsilon=1e-5):
        self.hyperparameters = {"momentum": momentum, "epsilon": epsilon}
        self.parameters = {"scaler": np.ones(n_in), "intercept": np.zeros(n_in),
                           "running_mean": np.zeros(n_in), "running_var": np.ones(n_in)}
        self.trainable = True

    def forward(self, X):
        ep = self.hyperparameters["epsilon"]
        mm = self.hyperparameters["momentum"]
        rm = self.parameters["running_mean"]
        rv = self.parameters["running_var"]
        scaler = self.parameters["scaler"]
        intercept = self.parameters["intercept"]
        X_mean = np.mean(X, axis=0)
        X_var = np.var(X, axis=0)
        if self.trainable:
            self.parameters["running_mean"] = mm * rm + (1.0 - mm) * X_mean
            self.parameters["running_var"] = mm * rv + (1.0 - mm) * X_var
        N = (X - X_mean) / np.sqrt(X_var + ep)
        return scaler * N + intercept


# ----- the minimal character RNN: parameters in a dict, states in dicts keyed by time ----------

def char_rnn_loss(inputs, targets, hprev, params):
    """Cross-entropy of a character RNN over one sequence: column vectors, one-hot inputs
    built in a loop, every intermediate kept in a dict keyed by the time step."""
    W_in, W_rec, W_out = params["Wxh"], params["Whh"], params["Why"]
    n_chars = W_in.shape[1]
    onehots, states, probs = {}, {-1: np.copy(hprev)}, {}
    total = 0
    for step in range(len(inputs)):
        onehots[step] = np.zeros((n_chars, 1))
        onehots[step][inputs[step]] = 1
        pre = W_in @ onehots[step] + W_rec @ states[step - 1] + params["bh"]
        states[step] = np.tanh(pre)
        scores = W_out @ states[step] + params["by"]
        probs[step] = np.exp(scores) / np.exp(scores).sum()
        total += -np.log(probs[step][targets[step], 0])
    return total


def char_rnn_loss_eye(params, inputs, targets, hprev):
    """The same model written with one-hot rows of np.eye and a list of states."""
    vocab_size = params["Wxh"].shape[1]
    onehot = np.eye(vocab_size)
    hs = [hprev]
    loss = 0.0
    for ix, target in zip(inputs, targets):
        h = np.tanh(params["Wxh"] @ onehot[ix] + params["Whh"] @ hs[-1] + params["bh"])
        hs.append(h)
        y = params["Why"] @ h + params["by"]
        log_p = y - logsumexp(y)
        loss = loss - log_p[target]
    return loss


# ----- scripts that fit something: trajectories, triples, loops that print ---------------------

def logistic_growth_fit(theta, y_obs, x0, dt):
    """Euler steps into a preallocated trajectory; squared error against observations."""
    r, K = theta[0], theta[1]
    T = y_obs.shape[0]
    traj = np.zeros(T)
    traj[0] = x0
    for i in range(T - 1):
        traj[i + 1] = traj[i] + dt * r * traj[i] * (1 - traj[i] / K)
    return np.sum((traj - y_obs) ** 2)


def logistic_growth_grad(theta, y_obs, x0, dt):
    r, K = theta
    T = y_obs.shape[0]
    traj = [x0]
    for _ in range(T - 1):
        x = traj[-1]
        traj.append(x + dt * r * x * (1 - x / K))
    lam = 2 * (traj[-1] - y_obs[-1])
    g = np.zeros(2)
    for i in range(T - 2, -1, -1):
        x = traj[i]
        g[0] += lam * dt * x * (1 - x / K)
        g[1] += lam * dt * r * x * x / K ** 2
        lam = lam * (1 + dt * r * (1 - 2 * x / K)) + 2 * (traj[i] - y_obs[i])
    return g


def matrix_factorization_loss(U, V, ratings, lam):
    loss = 0.0
    for (i, j, r) in ratings:
        err = r - U[i] @ V[j]
        loss += err ** 2
    return loss + lam * (np.sum(U ** 2) + np.sum(V ** 2))


def matrix_factorization_grad(U, V, ratings, lam):
    dU, dV = 2 * lam * U, 2 * lam * V
    for (i, j, r) in ratings:
        err = r - U[i] @ V[j]
        dU[i] += -2 * err * V[j]
        dV[j] += -2 * err * U[i]
    return dU, dV


def polynomial_ridge(w, x, y, degree, lam):
    Phi = np.stack([x ** k for k in range(degree + 1)], axis=1)
    resid = Phi @ w - y
    return 0.5 * np.mean(resid ** 2) + 0.5 * lam * np.dot(w, w)


def logistic_regression_bias_column(w, X, y, C):
    Xb = np.hstack([X, np.ones((X.shape[0], 1))])
    z = Xb.dot(w)
    return -np.sum(y * z - np.logaddexp(0, z)) + 0.5 / C * np.sum(w[:-1] ** 2)


def soft_kmeans_log_likelihood(mu, X, log_pi):
    N, K = X.shape[0], mu.shape[0]
    log_r = np.zeros((N, K))
    for k in range(K):
        log_r[:, k] = log_pi[k] - 0.5 * np.sum((X - mu[k]) ** 2, axis=1)
    return np.sum(logsumexp(log_r, axis=1))


def soft_kmeans_grad(mu, X, log_pi):
    d = X[:, None, :] - mu[None, :, :]
    log_r = log_pi - 0.5 * np.sum(d ** 2, axis=2)
    r = np.exp(log_r - logsumexp(log_r, axis=1, keepdims=True))
    return np.einsum("nk,nkd->kd", r, d)


def poisson_regression_nll(beta, X, y):
    eta = X @ beta
    return -np.sum(y * eta - np.exp(eta))


def causal_attention(Q, K, V):
    T, d = Q.shape
    scores = Q @ K.T / np.sqrt(d)
    mask = np.triu(np.ones((T, T), dtype=bool), k=1)
    scores[mask] = -1e9
    weights = softmax(scores, dim=-1)
    return np.sum((weights @ V) ** 2)


def train_least_squares(w0, X, y, learning_rate, num_iters, verbose=True):
    w = w0.copy()
    N = X.shape[0]
    loss_history = []
    for it in range(num_iters):
        resid = X.dot(w) - y
        loss = 0.5 * np.sum(resid ** 2) / N
        loss_history.append(loss)
        grad = X.T.dot(resid) / N
        w -= learning_rate * grad
        if verbose and it % 2 == 0:
            print("iteration %d / %d: loss %f" % (it, num_iters, loss))
    return 0.5 * np.sum((X.dot(w) - y) ** 2) / N


def train_least_squares_grad(w0, X, y, learning_rate, num_iters, verbose=True):
    N = X.shape[0]
    M = np.eye(w0.shape[0]) - learning_rate * X.T.dot(X) / N
    w = w0.copy()
    for _ in range(num_iters):
        w = w - learning_rate * X.T.dot(X.dot(w) - y) / N
    g = X.T.dot(X.dot(w) - y) / N
    for _ in range(num_iters):
        g = M.T.dot(g)
    return g


def centered_projection_loss(X, w):
    """The author believes np.asarray(X, dtype=...) copies: for a float64 X it is X itself."""
    Xc = np.asarray(X, dtype=np.float64)
    Xc -= Xc.mean(axis=0)
    return np.sum((Xc @ w) ** 2) + np.sum(X @ w)


# ----- a small layer library: layer objects in a list, forward and backward methods ------------

class Linear:
    def __init__(self, W, b):
        self.params = {"W": W, "b": b}

    def forward(self, X):
        self.X = X
        return X @ self.params["W"] + self.params["b"]

    def backward(self, dY):
        return dY @ self.params["W"].T


class ReLU:
    def forward(self, X):
        self.mask = X > 0
        return X * self.mask

    def backward(self, dY):
        return dY * self.mask


class Tanh:
    def __call__(self, X):
        return np.tanh(X)


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY):
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    def loss(self, X, y):
        return 0.5 * np.sum((self.forward(X) - y) ** 2)


class OrderedLayers:
    """Layers kept in a dict by name, walked with .items() as some libraries do."""

    def __init__(self, W1, W2):
        self.layers = {"fc1": Linear(W1, np.zeros(W1.shape[1])), "act": Tanh(),
                       "fc2": Linear(W2, np.zeros(W2.shape[1]))}

    def loss(self, X):
        out = X
        for name, layer in self.layers.items():
            out = layer(out) if name == "act" else layer.forward(out)
        return np.sum(out ** 2)


training_log = []


def logged_objective(w, X, y):
    """An objective that logs into a module-level history, as optimiser callbacks do."""
    resid = X @ w - y
    loss = 0.5 * np.mean(resid ** 2)
    training_log.append(float(loss))
    if len(training_log) % 100 == 0:
        print("iteration", len(training_log), "loss", training_log[-1])
    return loss
