"""Library coverage (issue 20): complex intermediate values between real inputs and a real
result (np.fft, np.real/imag/conj/angle/abs of complex values) and the NumPy functions
published models call, each at user level in both modes against finite differences."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(7)
SIGNAL = RNG.normal(size=16)
FILTER = RNG.normal(size=16)
IMAGE = RNG.normal(size=(4, 6))


def check_both_modes(f, *args, wrt=0, rtol=1e-6):
    """grad and jvp of f (wrt one argument) against central differences."""
    numeric = srcad.numeric_grad(f, *args, wrt=wrt)
    grad = srcad.grad(f, wrt=wrt)(*args)
    assert np.asarray(grad).dtype == np.asarray(args[wrt]).dtype
    np.testing.assert_allclose(grad, numeric, rtol=rtol, atol=1e-8)
    direction = np.random.default_rng(1).normal(size=np.shape(args[wrt]))
    value, tangent = srcad.jvp(f, wrt=wrt)(*args, direction)
    assert value == pytest.approx(f(*args))
    assert tangent == pytest.approx(float(np.sum(numeric * direction)), rel=rtol, abs=1e-8)


def power_spectrum_loss(x):
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    return np.sum(spectrum * np.linspace(0.0, 1.0, spectrum.size))


def filtered_energy(x, h):
    spectrum = np.fft.fft(x) * np.exp(h)
    return np.sum(np.real(spectrum * np.conj(spectrum))) + np.sum(np.imag(spectrum) ** 2)


def smoothed(x):
    kept = np.fft.rfft(x) * np.exp(-np.arange(9.0) / 3.0)
    return np.sum((np.fft.irfft(kept, n=16) - x) ** 2)


def phases(x):
    return np.sum(np.angle(np.fft.fft(x + 0.1)[1:7]) * np.arange(6.0))


def image_spectrum(a):
    centred = np.fft.fftshift(np.fft.fft2(a))
    back = np.fft.ifftshift(np.fft.ifftn(centred * np.abs(centred)))
    return np.sum(np.abs(np.fft.rfftn(a, axes=(0, 1)))) + np.sum(np.real(back) ** 2)


@pytest.mark.parametrize("f", [power_spectrum_loss, smoothed, phases])
def test_spectral_losses_of_a_real_signal(f):
    check_both_modes(f, SIGNAL)


@pytest.mark.parametrize("wrt", [0, 1])
def test_a_real_factor_of_a_complex_product_gets_a_real_gradient(wrt):
    check_both_modes(filtered_energy, SIGNAL, FILTER, wrt=wrt)


def test_two_dimensional_transforms_and_shifts():
    check_both_modes(image_spectrum, IMAGE)


def test_power_spectrum_gradient_by_hand():
    """d/dx sum |fft x|^2 = 2 n x (Parseval)."""
    grad = srcad.grad(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2))(SIGNAL)
    np.testing.assert_allclose(grad, 2 * SIGNAL.size * SIGNAL, rtol=1e-12)


def test_a_complex_wrt_argument_is_still_refused():
    with pytest.raises(TypeError, match="complex"):
        srcad.grad(lambda z: np.sum(np.abs(z)))(SIGNAL + 1j)
