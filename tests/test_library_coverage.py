"""Library coverage (issue 20): complex intermediate values between real inputs and a real
result (np.fft, np.real/imag/conj/angle/abs of complex values) and the NumPy functions
published models call, each at user level in both modes against finite differences."""

import numpy as np
import pytest

import srcad

try:
    import scipy.special as special
    import scipy.stats as stats
except ImportError:         # SciPy is an optional extra: its tests skip without it
    special = stats = None
needs_scipy = pytest.mark.skipif(special is None, reason="SciPy is not installed")

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


# ----- scipy.special ---------------------------------------------------------------------------
def special_mix(x):
    p = 1.0 / (1.0 + np.exp(-x))
    return (np.sum(special.betaln(p + 0.5, 2.0) + special.beta(1.5, p + 0.3))
            + np.sum(special.erfinv(p - 0.5) + special.erfcinv(p + 0.2))
            + np.sum(special.i0(x) * special.i1e(x) + special.iv(1.5, p) + special.ive(2, x))
            + np.sum(special.j0(x) + special.jn(2, x) + special.y1(p + 0.3))
            + np.sum(special.yn(1, p + 0.3))
            + np.sum(special.rgamma(p + 1.0) + special.psi(p + 0.5) + special.entr(p))
            + np.sum(special.rel_entr(p, 0.4) + special.kl_div(0.3, p) + special.xlog1py(x, p))
            + np.sum(special.gammainc(2.5, p) + special.gammaincc(1.5, p + 0.1))
            + np.sum(special.betainc(2.0, 3.0, p)) + special.multigammaln(np.sum(p) + 3.0, 3))


@needs_scipy
def test_scipy_special_functions_in_both_modes():
    check_both_modes(special_mix, SIGNAL[:6] * 0.8)


@needs_scipy
def test_multigammaln_derivative_by_hand():
    grad = srcad.grad(lambda a: special.multigammaln(a, 3))(4.2)
    expected = sum(special.digamma(4.2 - j / 2.0) for j in range(3))
    assert grad == pytest.approx(expected, rel=1e-12)


# ----- more of NumPy ---------------------------------------------------------------------------
def picks_and_fills(x):
    cleaned = np.nan_to_num(np.log(x - 0.2), nan=0.0, neginf=-3.0)
    chosen = np.take(x, [0, 3, 3, 5]) + x.take(np.array([1, 2]), axis=0).sum()
    positions = np.searchsorted(np.sort(x), x) + np.digitize(x, np.array([0.0, 0.5]))
    return np.sum(cleaned * chosen[1]) + np.sum(chosen ** 2) + np.sum(positions * x)


def interpolated(x):
    xp = np.array([-2.0, -0.5, 0.0, 1.0, 2.5])
    fp = np.array([1.0, -0.5, 2.0, 0.3, 0.7])
    return np.sum(np.interp(x * 1.3, xp, fp) ** 2)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_and_correlate_in_every_mode(mode):
    kernel = np.array([0.5, -1.0, 2.0, 0.25])

    def f(x, k):
        return np.sum(np.convolve(x, k, mode) ** 2) + np.sum(np.correlate(k, x, mode) * 0.3)
    check_both_modes(f, SIGNAL, kernel, wrt=0)
    check_both_modes(f, SIGNAL, kernel, wrt=1)


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
def test_take_nan_to_num_and_integer_positions():
    check_both_modes(picks_and_fills, np.abs(SIGNAL[:6]) + 0.1)


def test_interp_in_its_first_argument():
    check_both_modes(interpolated, SIGNAL[:8])


# ----- a Gaussian-process marginal likelihood with scipy.stats.multivariate_normal ---------------
INPUTS = np.linspace(-2.0, 2.0, 7)
TARGETS = np.sin(INPUTS) + 0.1 * RNG.normal(size=7)


def gp_marginal_likelihood(log_params):
    """log p(y | X) of a GP with a squared-exponential kernel (lengthscale, signal, noise)."""
    lengthscale, signal, noise = np.exp(log_params)
    distances = (INPUTS[:, None] - INPUTS[None, :]) ** 2
    kernel = signal * np.exp(-0.5 * distances / lengthscale ** 2) + noise * np.eye(INPUTS.size)
    return stats.multivariate_normal.logpdf(TARGETS, np.zeros(INPUTS.size), kernel)


def batch_log_likelihood(mean):
    cov = np.array([[1.2, 0.3], [0.3, 0.8]])
    return np.sum(stats.multivariate_normal.logpdf(np.array([[0.1, 0.4], [-1.0, 0.2]]), mean,
                                                    cov))


@needs_scipy
def test_gp_marginal_likelihood_with_multivariate_normal_logpdf():
    check_both_modes(gp_marginal_likelihood, np.array([0.1, -0.2, -1.5]))


@needs_scipy
def test_multivariate_normal_logpdf_in_the_mean_by_hand():
    mean = np.array([0.3, -0.1])
    cov = np.array([[1.2, 0.3], [0.3, 0.8]])
    points = np.array([[0.1, 0.4], [-1.0, 0.2]])
    expected = np.linalg.solve(cov, (points - mean).T).sum(axis=1)
    np.testing.assert_allclose(srcad.grad(batch_log_likelihood)(mean), expected, rtol=1e-12)
    check_both_modes(batch_log_likelihood, mean)


# ----- univariate scipy.stats log densities -----------------------------------------
def robust_regression(params):
    """A Student-t likelihood and priors from several families, in every parameter."""
    w, log_scale, log_df = params[:3], params[3], params[4]
    xs = np.linspace(0.1, 1.5, 6)
    residual = TARGETS[:6] - (w[0] + w[1] * xs + w[2] * xs ** 2)
    total = np.sum(stats.t.logpdf(residual, np.exp(log_df), loc=0.0, scale=np.exp(log_scale)))
    total = total + stats.gamma.logpdf(np.exp(log_df), 2.0, scale=3.0)
    total = total + stats.lognorm.logpdf(np.exp(log_scale), 0.8)
    total = total + np.sum(stats.laplace.logpdf(w, 0.05, 2.0) + stats.cauchy.logpdf(w, -0.1))
    total = total + np.sum(stats.logistic.logpdf(w, scale=1.5))
    total = total + np.sum(stats.expon.logpdf(xs, -w[0]))
    return total + stats.beta.logpdf(1.0 / (1.0 + np.exp(-w[1])), 2.0, 3.0)


@needs_scipy
def test_univariate_log_densities_in_every_parameter():
    check_both_modes(robust_regression, np.array([0.2, -0.3, 0.15, -0.4, 1.1]))


def test_matrix_power_positive_and_negative():
    def f(a):
        return (np.sum(np.linalg.matrix_power(a, 3) ** 2)
                + np.sum(np.linalg.matrix_power(a, -2) * 0.5))
    a = np.array([[0.9, 0.3, -0.2], [0.1, 1.1, 0.4], [-0.3, 0.2, 0.8]])
    check_both_modes(f, a)


@needs_scipy
def test_count_likelihoods_in_their_continuous_parameters():
    counts = np.array([0, 3, 1, 2, 5, 4])

    def f(theta):
        rate, prob, size = np.exp(theta[0]), 1.0 / (1.0 + np.exp(-theta[1])), np.exp(theta[2])
        return (np.sum(stats.poisson.logpmf(counts, rate))
                + np.sum(stats.binom.logpmf(counts, 6, prob))
                + np.sum(stats.nbinom.logpmf(counts, size, prob)))
    check_both_modes(f, np.array([0.7, -0.2, 0.9]))


def test_real_and_imag_attributes_of_a_real_array():
    check_both_modes(lambda x: np.sum(x.real * 2.0 + x.imag + np.real(x) * x), SIGNAL)
