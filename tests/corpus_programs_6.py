"""Corpus part 6: probabilistic and scientific models (issue 20) of the kinds autograd's
example programs train (a Gaussian process, a Bayesian neural network by black-box
variational inference, a VAE, an ODE-net) and the multi-resolution STFT loss of neural
vocoders. Written here, in the style those programs are published in (a generator of layers,
einsum over weight samples, helpers returning tuples, odeint with a list of (W, b) pairs in
args), not copied from them. The random draws come in as an argument (`eps`), so that each
loss is a function finite differences can check, and the ODE is solved at tight tolerances
(the derivative of an ODE solution is exact only to solver tolerance).
"""

import numpy as np
from scipy.integrate import odeint
from scipy.stats import multivariate_normal as mvn
from scipy.stats import norm


# ----- Gaussian-process regression: kernel hyperparameters by the marginal likelihood -----
def rbf_covariance(kernel_params, x, xp):
    """Squared-exponential kernel with one log length scale per input dimension."""
    variance = np.exp(kernel_params[0])
    scales = np.exp(kernel_params[1:])
    a = x / scales
    b = xp / scales
    sq_dist = np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1)
    return variance * np.exp(-0.5 * sq_dist)


def gp_log_marginal_likelihood(params, x, y):
    """params = [constant mean, log noise variance, kernel parameters...]."""
    n = y.shape[0]
    noise = np.exp(params[1]) + 1e-4
    K = rbf_covariance(params[2:], x, x) + noise * np.eye(n)
    mu = np.full(n, 1.0) * params[0]
    return mvn.logpdf(y, mu, K)


def gp_cholesky_nll(params, x, y):
    """The negative of the same likelihood through a Cholesky factor and two solves."""
    noise = np.exp(params[1]) + 1e-4
    K = rbf_covariance(params[2:], x, x) + noise * np.eye(len(y))
    L = np.linalg.cholesky(K)
    resid = y - params[0]
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, resid))
    log_det_half = np.sum(np.log(np.diag(L)))
    return 0.5 * resid @ alpha + log_det_half + 0.5 * len(y) * np.log(2 * np.pi)


# ----- Bayesian neural network, black-box variational inference over its weights ----------
SHAPES = [(1, 6), (6, 1)]


def unpack_layers(weights):
    """Yield each layer's (W, b) for every weight sample: weights is (samples, n_weights)."""
    S = weights.shape[0]
    start = 0
    for fan_in, fan_out in SHAPES:
        W = weights[:, start:start + fan_in * fan_out].reshape((S, fan_in, fan_out))
        start += fan_in * fan_out
        b = weights[:, start:start + fan_out].reshape((S, 1, fan_out))
        start += fan_out
        yield W, b


def bnn_predictions(weights, inputs):
    """Outputs of every sampled network on inputs (N, D): shape (samples, N, out)."""
    h = inputs[None, :, :]
    for W, b in unpack_layers(weights):
        z = np.einsum('snd,sdo->sno', h, W) + b
        h = np.tanh(z)
    return z


def bnn_logprob(weights, inputs, targets, L2_reg=0.1, noise_variance=0.01):
    prior = -L2_reg * np.sum(weights ** 2, axis=1)
    err = bnn_predictions(weights, inputs) - targets
    likelihood = -np.sum(err ** 2, axis=1)[:, 0] / noise_variance
    return prior + likelihood


def gaussian_entropy(log_std):
    """Entropy of a diagonal Gaussian with these log standard deviations."""
    d = log_std.shape[0]
    return 0.5 * d * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)


def bnn_variational_objective(params, inputs, targets, eps):
    """The negative ELBO of a diagonal Gaussian over the weights (reparameterised)."""
    half = params.shape[0] // 2
    mu, log_sigma = params[:half], params[half:]
    w = mu + np.exp(log_sigma) * eps
    elbo = gaussian_entropy(log_sigma) + np.mean(bnn_logprob(w, inputs, targets))
    return -elbo


def unpack_layers_list(weights):
    """The layers as a list instead of a generator."""
    S = weights.shape[0]
    layers, rest = [], weights
    for fan_in, fan_out in SHAPES:
        n_w = fan_in * fan_out
        layers.append((rest[:, :n_w].reshape((S, fan_in, fan_out)),
                       rest[:, n_w:n_w + fan_out].reshape((S, 1, fan_out))))
        rest = rest[:, n_w + fan_out:]
    return layers


def bnn_objective_list(params, inputs, targets, eps):
    half = params.shape[0] // 2
    mu, log_sigma = params[:half], params[half:]
    w = mu + np.exp(log_sigma) * eps
    h = np.expand_dims(inputs, 0)
    for W, b in unpack_layers_list(w):
        z = np.einsum('snd,sdo->sno', h, W) + b
        h = np.tanh(z)
    likelihood = -np.sum((z - targets) ** 2, axis=1)[:, 0] / 0.01
    prior = -0.1 * np.sum(w ** 2, axis=1)
    return -(gaussian_entropy(log_sigma) + np.mean(prior + likelihood))


# ----- variational autoencoder with a Bernoulli decoder on +-1 pixels ----------------------
def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)


def unpack_gaussian_params(params):
    """Split an encoder output (N, 2 * latent) into its means and log standard deviations."""
    k = params.shape[-1] // 2
    return params[:, :k], params[:, k:]


def sample_diag_gaussian(mean, log_std, eps):
    return mean + eps * np.exp(log_std)


def bernoulli_log_density(targets, logits):
    """log sigmoid(targets * logits) summed over pixels; targets are -1 or +1."""
    return np.sum(-np.logaddexp(0.0, -targets * logits), axis=-1)


def neural_net_predict(params, inputs):
    """A tanh MLP; params is a list of (W, b) pairs, the last layer linear."""
    h = inputs
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W_out, b_out = params[-1]
    return h @ W_out + b_out


def vae_lower_bound(gen_params, rec_params, data, eps):
    mu, log_std = unpack_gaussian_params(neural_net_predict(rec_params, data))
    z = sample_diag_gaussian(mu, log_std, eps)
    log_q = diag_gaussian_log_density(z, mu, log_std)
    log_prior = diag_gaussian_log_density(z, 0, 0)
    log_lik = bernoulli_log_density(data, neural_net_predict(gen_params, z))
    return np.mean(log_prior + log_lik - log_q)


# ----- ODE-net: the dynamics an MLP, fitted to a trajectory through odeint -----------------
def nn_predict(inputs, t, params):
    """dy/dt = MLP(y); odeint calls it as func(y, t, *args)."""
    h = inputs
    for W, b in params:
        out = np.dot(h, W) + b
        h = np.tanh(out)
    return out


def ode_pred(params, y0, t):
    return odeint(nn_predict, y0, t, (params,), rtol=1e-10, atol=1e-10)


def L1_loss(pred, targets):
    return np.mean(np.abs(pred - targets))


def ode_train_loss(params, true_y0, t, true_y):
    return L1_loss(ode_pred(params, true_y0, t), true_y)


# ----- the multi-resolution STFT loss of neural vocoders (Parallel WaveGAN), in NumPy ----------
def stft_magnitude(x, fft_size, hop_size, window):
    n_frames = 1 + (len(x) - fft_size) // hop_size
    frames = np.stack([x[i * hop_size:i * hop_size + fft_size] * window
                       for i in range(n_frames)])
    return np.sqrt(np.clip(np.abs(np.fft.rfft(frames, axis=-1)) ** 2, 1e-7, None))


def spectral_convergence_loss(x_mag, y_mag):
    return np.linalg.norm(y_mag - x_mag) / np.linalg.norm(y_mag)


def log_stft_magnitude_loss(x_mag, y_mag):
    return np.mean(np.abs(np.log(y_mag) - np.log(x_mag)))


def multi_resolution_stft_loss(x, y):
    sc_loss, mag_loss = 0.0, 0.0
    for fft_size, hop_size in [(16, 4), (32, 8)]:
        window = np.hanning(fft_size)
        x_mag = stft_magnitude(x, fft_size, hop_size, window)
        y_mag = stft_magnitude(y, fft_size, hop_size, window)
        sc_loss += spectral_convergence_loss(x_mag, y_mag)
        mag_loss += log_stft_magnitude_loss(x_mag, y_mag)
    return (sc_loss + mag_loss) / 2
