"""A Bayesian neural network fit by variational inference ("Bayes by backprop", Blundell et
al. 2015) on a 1-D regression problem.

Every weight has a Gaussian posterior q(w) = N(mu, sigma^2) with sigma = log(1 + exp(rho)),
kept as a list of (mu, rho) pairs per layer. A weight sample w = mu + sigma * eps (the noise
drawn outside the loss) runs the network; the loss is the negative ELBO estimated from
`n_samples` such samples,

    KL(q || p) - E_q[log p(y | x, w)]

with the KL of the factorised Gaussians in closed form against an N(0, prior_std^2) prior,
and the Gaussian likelihood through scipy.stats.norm.logpdf.
"""

import numpy as np
from scipy.stats import norm

import srcad


def softplus(x):
    return np.logaddexp(0.0, x)


def init_variational(sizes, rng):
    layers = []
    for m, n in zip(sizes[:-1], sizes[1:]):
        mu_W = rng.standard_normal((m, n)) * np.sqrt(1.0 / m)
        layers.append(((mu_W, np.full((m, n), -4.0)), (np.zeros(n), np.full(n, -4.0))))
    return layers


def forward(weights, x):
    h = x
    for k, (W, b) in enumerate(weights):
        h = h @ W + b
        if k < len(weights) - 1:
            h = np.tanh(h)
    return h[:, 0]


def gaussian_kl(mu, sigma, prior_std):
    return np.sum(np.log(prior_std / sigma) + (sigma ** 2 + mu ** 2) / (2 * prior_std ** 2) - 0.5)


def negative_elbo(layers, x, y, noises, noise_std=0.1, prior_std=1.0):
    kl = 0.0
    for (mu_W, rho_W), (mu_b, rho_b) in layers:
        kl = kl + gaussian_kl(mu_W, softplus(rho_W), prior_std)
        kl = kl + gaussian_kl(mu_b, softplus(rho_b), prior_std)
    expected_log_likelihood = 0.0
    for noise in noises:
        weights = []
        for ((mu_W, rho_W), (mu_b, rho_b)), (eps_W, eps_b) in zip(layers, noise):
            weights.append((mu_W + softplus(rho_W) * eps_W, mu_b + softplus(rho_b) * eps_b))
        prediction = forward(weights, x)
        expected_log_likelihood = expected_log_likelihood + \
            np.sum(norm.logpdf(y, loc=prediction, scale=noise_std))
    return kl - expected_log_likelihood / len(noises)


def draw_noise(layers, n_samples, rng):
    return [[(rng.standard_normal(W[0].shape), rng.standard_normal(b[0].shape))
             for W, b in layers] for _ in range(n_samples)]


def make_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(n, 1))
    return x, np.sin(2.0 * x[:, 0]) + 0.1 * rng.standard_normal(n)


def main(steps=300, learning_rate=0.02, n_samples=2, verbose=True, seed=0):
    """Adam on every mu and rho; returns (layers, losses)."""
    rng = np.random.default_rng(seed)
    x, y = make_data()
    layers = init_variational([1, 16, 1], rng)
    grad = srcad.value_and_grad(negative_elbo)
    flat, rebuild = _flatten(layers)
    m, v = np.zeros_like(flat), np.zeros_like(flat)
    losses = []
    for step in range(1, steps + 1):
        loss, g = grad(layers, x, y, draw_noise(layers, n_samples, rng))
        losses.append(loss)
        g = _flatten(g)[0]
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        flat = flat - learning_rate * (m / (1 - 0.9 ** step)) / \
            (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        layers = rebuild(flat)
        if verbose and step % 50 == 0:
            print(f"step {step:4d}  negative ELBO {loss:.2f}")
    if verbose:
        noises = draw_noise(layers, 1, rng)
        print(srcad.check_grad(negative_elbo, layers, x[:10], y[:10], noises))
    return layers, losses


def _flatten(layers):
    """All parameters as one vector, and the function that rebuilds the nested pairs."""
    leaves = [a for layer in layers for pair in layer for a in pair]
    shapes = [a.shape for a in leaves]
    flat = np.concatenate([a.ravel() for a in leaves])

    def rebuild(vector):
        out, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            out.append(vector[start:start + size].reshape(shape))
            start += size
        pairs = [(out[k], out[k + 1]) for k in range(0, len(out), 2)]
        return [(pairs[k], pairs[k + 1]) for k in range(0, len(pairs), 2)]
    return flat, rebuild


if __name__ == "__main__":
    main()
