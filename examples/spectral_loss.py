"""Fit a signal through a spectral loss: the power spectrum of np.fft.rfft.

A sum of three sinusoids is observed with noise. The model signal has learnable amplitudes
and phases at the same frequencies; the loss compares log power spectra (the usual spectral
loss of audio models: insensitive to the phases, so a time-domain term anchors them):

    loss = mean((log(1 + |rfft(x)|^2) - log(1 + |rfft(target)|^2))^2) + lam * mse(x, target)

The spectrum is complex; the parameters and the loss are real. srcad differentiates through
rfft, the complex modulus and back (docs/supported.md).
"""

import numpy as np

import srcad

N = 128
T = np.arange(N) / N
FREQUENCIES = np.array([3.0, 7.0, 12.0])


def synthesize(amplitudes, phases):
    waves = np.sin(2.0 * np.pi * FREQUENCIES[:, None] * T[None, :] + phases[:, None])
    return amplitudes @ waves


def log_power(x):
    spectrum = np.fft.rfft(x)
    return np.log1p(np.abs(spectrum) ** 2)


def spectral_loss(amplitudes, phases, target, lam=0.1):
    x = synthesize(amplitudes, phases)
    spectral = np.mean((log_power(x) - log_power(target)) ** 2)
    return spectral + lam * np.mean((x - target) ** 2)


def make_target(seed=0):
    rng = np.random.default_rng(seed)
    clean = synthesize(np.array([1.0, 0.5, 0.25]), np.array([0.3, -1.0, 2.0]))
    return clean + 0.05 * rng.standard_normal(N)


def main(steps=300, learning_rate=0.05, verbose=True):
    """Adam on amplitudes and phases from a flat start; returns (amplitudes, phases, losses)."""
    target = make_target()
    grad = srcad.value_and_grad(spectral_loss, wrt=(0, 1))
    params = [np.full(3, 0.6), np.zeros(3)]
    moments = [[np.zeros(3), np.zeros(3)] for _ in params]
    losses = []
    for step in range(1, steps + 1):
        loss, grads = grad(*params, target)
        losses.append(loss)
        for k, (g, (m, v)) in enumerate(zip(grads, moments)):
            m[:] = 0.9 * m + 0.1 * g
            v[:] = 0.999 * v + 0.001 * g * g
            params[k] = params[k] - learning_rate * (m / (1 - 0.9 ** step)) / \
                (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        if verbose and step % 50 == 0:
            print(f"step {step:4d}  loss {loss:.5f}  amplitudes {np.round(params[0], 3)}")
    if verbose:
        print(srcad.check_grad(spectral_loss, *params, target, wrt=(0, 1)))
    return params[0], params[1], losses


if __name__ == "__main__":
    main()
