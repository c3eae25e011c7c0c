"""A variational autoencoder on binarised synthetic images, trained with srcad's gradient.

Encoder and decoder are one-hidden-layer MLPs kept in a dict of parameters. The encoder
gives the mean and log variance of q(z|x); a sample z = mu + exp(logvar / 2) * eps (the
reparameterisation trick, with the noise eps drawn outside the loss) goes through the
decoder to Bernoulli logits. The loss is the negative ELBO: the Bernoulli log likelihood,
written stably with np.logaddexp, and the KL divergence of q(z|x) from the N(0, I) prior,
as a Monte Carlo estimate log q(z|x) - log p(z) with scipy.stats.norm.logpdf.
"""

import numpy as np
from scipy.stats import norm

import srcad


def init_params(n_in, n_hidden, n_latent, rng):
    def layer(m, n):
        return rng.standard_normal((m, n)) * np.sqrt(1.0 / m), np.zeros(n)
    params = {}
    params["enc_W1"], params["enc_b1"] = layer(n_in, n_hidden)
    params["enc_W2"], params["enc_b2"] = layer(n_hidden, 2 * n_latent)
    params["dec_W1"], params["dec_b1"] = layer(n_latent, n_hidden)
    params["dec_W2"], params["dec_b2"] = layer(n_hidden, n_in)
    return params


def encode(params, x):
    h = np.tanh(x @ params["enc_W1"] + params["enc_b1"])
    out = h @ params["enc_W2"] + params["enc_b2"]
    latent = out.shape[1] // 2
    return out[:, :latent], out[:, latent:]


def decode(params, z):
    h = np.tanh(z @ params["dec_W1"] + params["dec_b1"])
    return h @ params["dec_W2"] + params["dec_b2"]


def negative_elbo(params, x, eps):
    mu, logvar = encode(params, x)
    std = np.exp(0.5 * logvar)
    z = mu + std * eps
    logits = decode(params, z)
    log_likelihood = np.sum(x * logits - np.logaddexp(0.0, logits), axis=1)
    log_q = np.sum(norm.logpdf(z, loc=mu, scale=std), axis=1)
    log_prior = np.sum(norm.logpdf(z), axis=1)
    return -np.mean(log_likelihood - (log_q - log_prior))


def make_data(n=64, side=6, seed=0):
    """Binary images of horizontal and vertical bars."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, side, side))
    for k in range(n):
        row = rng.integers(side)
        if k % 2:
            images[k, row, :] = 1.0
        else:
            images[k, :, row] = 1.0
    return images.reshape(n, side * side)


def main(epochs=150, learning_rate=0.01, n_latent=2, verbose=True, seed=0):
    """Adam on the negative ELBO, fresh noise each step; returns (params, losses)."""
    rng = np.random.default_rng(seed)
    x = make_data()
    params = init_params(x.shape[1], 16, n_latent, rng)
    grad = srcad.value_and_grad(negative_elbo)
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    losses = []
    for step in range(1, epochs + 1):
        eps = rng.standard_normal((x.shape[0], n_latent))
        loss, g = grad(params, x, eps)
        losses.append(loss)
        for k in params:
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            params[k] = params[k] - learning_rate * (m[k] / (1 - 0.9 ** step)) / \
                (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
        if verbose and step % 25 == 0:
            print(f"step {step:4d}  negative ELBO {loss:.3f}")
    if verbose:
        eps = rng.standard_normal((x.shape[0], n_latent))
        print(srcad.check_grad(negative_elbo, params, x[:8], eps[:8]))
    return params, losses


if __name__ == "__main__":
    main()
