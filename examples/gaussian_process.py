"""Gaussian-process regression: fit the kernel hyperparameters by maximising the marginal
likelihood, written twice as people write it.

The kernel is squared exponential plus noise, with log hyperparameters theta = (log signal
variance, log length scale, log noise variance):

    K = s2 exp(-|x_i - x_j|^2 / (2 l^2)) + n2 I

`neg_log_marginal_likelihood` is the textbook's Cholesky form (Rasmussen and Williams,
algorithm 2.1): L = cholesky(K), alpha = K^-1 y through two triangular solves,
nll = y.alpha / 2 + sum(log diag L) + n/2 log(2 pi). `neg_log_likelihood_scipy` says the same
with scipy.stats.multivariate_normal.logpdf. srcad differentiates both through the Cholesky
factorisation and the solves.
"""

import numpy as np
from scipy.stats import multivariate_normal

import srcad


def rbf_kernel(x1, x2, log_variance, log_lengthscale):
    sqdist = np.sum(x1 ** 2, 1)[:, None] + np.sum(x2 ** 2, 1)[None, :] - 2.0 * x1 @ x2.T
    return np.exp(log_variance) * np.exp(-0.5 * sqdist / np.exp(2.0 * log_lengthscale))


def neg_log_marginal_likelihood(theta, X, y):
    n = X.shape[0]
    K = rbf_kernel(X, X, theta[0], theta[1]) + np.exp(theta[2]) * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2.0 * np.pi)


def neg_log_likelihood_scipy(theta, X, y):
    n = X.shape[0]
    K = rbf_kernel(X, X, theta[0], theta[1]) + np.exp(theta[2]) * np.eye(n)
    return -multivariate_normal.logpdf(y, mean=np.zeros(n), cov=K)


def make_data(n=30, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    X = np.sort(rng.uniform(-3.0, 3.0, size=(n, 1)), axis=0)
    y = np.sin(2.0 * X[:, 0]) + noise * rng.standard_normal(n)
    return X, y


def main(steps=100, learning_rate=0.05, verbose=True):
    """Adam on the log hyperparameters; returns (theta, losses)."""
    X, y = make_data()
    grad = srcad.value_and_grad(neg_log_marginal_likelihood)
    theta = np.array([0.0, 0.0, np.log(0.5)])
    m, v, losses = np.zeros(3), np.zeros(3), []
    for step in range(1, steps + 1):
        loss, g = grad(theta, X, y)
        losses.append(loss)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        theta = theta - learning_rate * (m / (1 - 0.9 ** step)) / \
            (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        if verbose and step % 20 == 0:
            print(f"step {step:4d}  nll {loss:.4f}  "
                  f"(variance, length scale, noise) {np.round(np.exp(theta), 3)}")
    if verbose:
        print("the same gradient from multivariate_normal.logpdf:",
              srcad.grad(neg_log_likelihood_scipy)(theta, X, y))
        print(srcad.check_grad(neg_log_marginal_likelihood, theta, X, y))
        print(srcad.check_grad(neg_log_likelihood_scipy, theta, X, y))
    return theta, losses


if __name__ == "__main__":
    main()
