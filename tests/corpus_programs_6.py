"""Corpus part 6: probabilistic and scientific models as published (issue 20), mostly in the
style of autograd's own examples (examples/gaussian_process.py, bayesian_neural_net.py,
variational_autoencoder.py, ode_net.py) and of the multi-resolution STFT loss of neural
vocoders. Kept as written there, except that the random draws come in as an argument
(`eps`), so that the loss is a function finite differences can check, and the ODE is solved
at tight tolerances (the derivative of an ODE solution is exact only to solver tolerance).
"""

import numpy as np
from scipy.integrate import odeint
from scipy.stats import multivariate_normal as mvn
from scipy.stats import norm


# ----- autograd examples/gaussian_process.py -------------------------------------------------
def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs**2, axis=2))


def gp_log_marginal_likelihood(params, x, y):
    mean, noise_scale, cov_params = params[0], np.exp(params[1]) + 0.0001, params[2:]
    cov_y_y = rbf_covariance(cov_params, x, x) + noise_scale * np.eye(len(y))
    prior_mean = mean * np.ones(len(y))
    return mvn.logpdf(y, prior_mean, cov_y_y)


def gp_cholesky_nll(params, x, y):
    """The same likelihood as Rasmussen and Williams' algorithm 2.1 writes it."""
    noise = np.exp(params[1]) + 0.0001
    K = rbf_covariance(params[2:], x, x) + noise * np.eye(len(y))
    L = np.linalg.cholesky(K)
    r = y - params[0]
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, r))
    return 0.5 * np.dot(r, alpha) + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)


# ----- autograd examples/bayesian_neural_net.py + black_box_svi.py -----------------------------
SHAPES = [(1, 6), (6, 1)]


def unpack_layers(weights):
    num_weight_sets = len(weights)
    for m, n in SHAPES:
        yield weights[:, :m * n].reshape((num_weight_sets, m, n)), \
            weights[:, m * n:m * n + n].reshape((num_weight_sets, 1, n))
        weights = weights[:, (m + 1) * n:]


def bnn_predictions(weights, inputs):
    """weights is shape (num_weight_samples x num_weights); inputs is (N x D)."""
    inputs = np.expand_dims(inputs, 0)
    for W, b in unpack_layers(weights):
        outputs = np.einsum('mnd,mdo->mno', inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs


def bnn_logprob(weights, inputs, targets, L2_reg=0.1, noise_variance=0.01):
    log_prior = -L2_reg * np.sum(weights**2, axis=1)
    preds = bnn_predictions(weights, inputs)
    log_lik = -np.sum((preds - targets)**2, axis=1)[:, 0] / noise_variance
    return log_prior + log_lik


def gaussian_entropy(log_std):
    D = log_std.shape[0]
    return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)


def bnn_variational_objective(params, inputs, targets, eps):
    """Black-box VI: the negative ELBO of a diagonal Gaussian over the weights."""
    D = params.shape[0] // 2
    mean, log_std = params[:D], params[D:]
    samples = eps * np.exp(log_std) + mean
    lower_bound = gaussian_entropy(log_std) + np.mean(bnn_logprob(samples, inputs, targets))
    return -lower_bound


def unpack_layers_list(weights):
    """unpack_layers as a list, the way most ports of the example write it."""
    layers = []
    num_weight_sets = len(weights)
    for m, n in SHAPES:
        layers.append((weights[:, :m * n].reshape((num_weight_sets, m, n)),
                       weights[:, m * n:m * n + n].reshape((num_weight_sets, 1, n))))
        weights = weights[:, (m + 1) * n:]
    return layers


def bnn_objective_list(params, inputs, targets, eps):
    D = params.shape[0] // 2
    mean, log_std = params[:D], params[D:]
    samples = eps * np.exp(log_std) + mean
    inputs_ = np.expand_dims(inputs, 0)
    for W, b in unpack_layers_list(samples):
        outputs = np.einsum('mnd,mdo->mno', inputs_, W) + b
        inputs_ = np.tanh(outputs)
    log_lik = -np.sum((outputs - targets)**2, axis=1)[:, 0] / 0.01
    log_prior = -0.1 * np.sum(samples**2, axis=1)
    return -(gaussian_entropy(log_std) + np.mean(log_prior + log_lik))


# ----- autograd examples/variational_autoencoder.py -------------------------------------------
def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)


def unpack_gaussian_params(params):
    # Params of a diagonal Gaussian.
    D = np.shape(params)[-1] // 2
    mean, log_std = params[:, :D], params[:, D:]
    return mean, log_std


def sample_diag_gaussian(mean, log_std, eps):
    return eps * np.exp(log_std) + mean


def bernoulli_log_density(targets, unnormalized_logprobs):
    # unnormalized_logprobs are in R
    # Targets must be -1 or 1
    label_probabilities = -np.logaddexp(0, -unnormalized_logprobs * targets)
    return np.sum(label_probabilities, axis=-1)   # Sum across pixels.


def neural_net_predict(params, inputs):
    """Params is a list of (weights, bias) tuples.
       inputs is an (N x D) matrix.
       Applies batch normalization to every layer but the last."""
    for W, b in params[:-1]:
        outputs = np.dot(inputs, W) + b  # linear transformation
        inputs = np.tanh(outputs)        # nonlinear transformation
    outW, outb = params[-1]
    outputs = np.dot(inputs, outW) + outb
    return outputs


def vae_lower_bound(gen_params, rec_params, data, eps):
    q_means, q_log_stds = unpack_gaussian_params(neural_net_predict(rec_params, data))
    latents = sample_diag_gaussian(q_means, q_log_stds, eps)
    q_latents = diag_gaussian_log_density(latents, q_means, q_log_stds)
    p_latents = diag_gaussian_log_density(latents, 0, 0)
    logit_probs = neural_net_predict(gen_params, latents)
    p_data_given_latents = bernoulli_log_density(data, logit_probs)
    return np.mean(p_latents + p_data_given_latents - q_latents)


# ----- autograd examples/ode_net.py ------------------------------------------------------------
def nn_predict(inputs, t, params):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs


def ode_pred(params, y0, t):
    return odeint(nn_predict, y0, t, tuple((params,)), rtol=1e-10, atol=1e-10)


def L1_loss(pred, targets):
    return np.mean(np.abs(pred - targets))


def ode_train_loss(params, true_y0, t, true_y):
    pred = ode_pred(params, true_y0, t)
    return L1_loss(pred, true_y)


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
