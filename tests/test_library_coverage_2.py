"""Library coverage, second part (issue 20): scipy.stats densities, tails and frozen
distributions, dirichlet; NumPy's multi_dot, lstsq, choose, polyval, gradient, trapezoid and
logaddexp.reduce; scipy.linalg's factorisations and expm; scipy.signal's convolutions. Each
new rule is swept like the table (reverse and forward, kinds known and generic, forward over
reverse) and used at user level in both modes against central differences. A library call with
no rule is refused at the user's line, naming the function."""

import numpy as np
import pytest

import srcad
from srcad.errors import SrcadError

pytest.importorskip("scipy")

import scipy.linalg  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats as stats  # noqa: E402
from rule_sweeps import sweep_tests  # noqa: E402

from srcad.rules import scipy_rules  # noqa: E402

scipy_rules.register_loaded()

_CONTINUOUS = ["norm", "t", "gamma", "beta", "lognorm", "expon", "laplace", "logistic", "cauchy"]
STATS_PRIMS = sorted(
    [f"{d}_{tail}" for d in _CONTINUOUS for tail in ("cdf", "logcdf", "sf", "logsf")
     if (d, tail) != ("norm", "cdf")]
    + [f"{d}_pdf" for d in _CONTINUOUS[1:]] + ["poisson_pmf", "binom_pmf", "nbinom_pmf",
                                                "mvn_pdf", "dirichlet_logpdf", "dirichlet_pdf"])
NUMPY_PRIMS = ["multi_dot", "logaddexp_reduce", "trapezoid", "trapezoid_spacing",
               "trapezoid_spacing_adjoint", "polyval", "poly_derivative",
               "poly_derivative_adjoint", "poly_powers", "choose", "choose_adjoint", "gradient",
               "gradient_adjoint", "lstsq", "residual_weights", "residual_weights_adjoint",
               "outer_columns"]
SIGNAL_PRIMS = ["signal_convolve", "signal_correlate", "fftconvolve", "convolve2d", "correlate2d",
                "signal_embed", "signal_crop"]
LINALG_PRIMS = ["scipy_cholesky", "cho_factor", "cho_solve", "cho_lower", "cho_lower_adjoint",
                "expm", "frechet_block", "frechet_part", "lu_factor", "lu_solve"]
NEW_PRIMS = STATS_PRIMS + NUMPY_PRIMS + SIGNAL_PRIMS + LINALG_PRIMS
test_reverse_sweep, test_forward_sweep, test_forward_over_reverse = sweep_tests(NEW_PRIMS)


def check_both_modes(f, *args, wrt=0, rtol=1e-6):
    assert srcad.check_grad(f, *args, wrt=wrt, rtol=rtol)
    assert srcad.check_grad(f, *args, wrt=wrt, rtol=rtol, mode="forward")


X = np.array([0.3, -0.2, 1.1, 0.6])


# ----- scipy.stats: tails, densities, frozen distributions --------------------------------------
def tails(x, loc, scale):
    total = np.sum(stats.norm.logcdf(x, loc, scale) + stats.norm.sf(x, loc, scale))
    total = total + np.sum(stats.logistic.cdf(x, loc, scale) * stats.expon.logsf(x + 1.0, loc))
    total = total + np.sum(stats.laplace.logsf(x, scale=scale) + stats.cauchy.cdf(x, loc))
    total = total + np.sum(stats.t.logcdf(x, 4.0, loc, scale) + stats.gamma.sf(x + 1.0, 2.0))
    return total + np.sum(stats.beta.cdf(0.5 + x / 4.0, 2.0, 3.0) + stats.lognorm.pdf(x + 1, 0.7))


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_cdf_logcdf_sf_logsf_and_pdf_in_x_loc_scale(wrt):
    check_both_modes(tails, X, 0.2, 1.4, wrt=wrt)


def test_norm_cdf_derivative_is_the_density():
    grad = srcad.grad(lambda x: np.sum(stats.norm.logcdf(x, 0.5, 2.0)))(X)
    np.testing.assert_allclose(grad, stats.norm.pdf(X, 0.5, 2.0) / stats.norm.cdf(X, 0.5, 2.0),
                               rtol=1e-12)


def densities(p):
    mu, rate = np.exp(p[0]), 1.0 / (1.0 + np.exp(-p[1]))
    counts = np.array([0, 2, 5])
    return (np.sum(stats.poisson.pmf(counts, mu) + stats.binom.pmf(counts, 6, rate))
            + np.sum(stats.nbinom.pmf(counts, mu + 1.0, rate)) + np.sum(stats.t.pdf(X, mu + 1.0))
            + stats.gamma.pdf(1.3, mu + 0.5, scale=rate + 0.5))


def test_pdf_and_pmf_in_their_parameters():
    check_both_modes(densities, np.array([0.3, -0.4]))


def frozen(x, mu, sigma):
    d = stats.norm(mu, sigma)
    student = stats.t(3.5, loc=mu, scale=sigma)
    total = np.sum(d.logpdf(x) + d.cdf(x) * d.pdf(x)) + np.sum(student.logsf(x))
    total = total + np.sum(stats.gamma(sigma + 1.0).logpdf(x + 2.0))
    return total + stats.poisson(mu + 2).logpmf(3)


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_frozen_distributions(wrt):
    check_both_modes(frozen, X, 0.2, 1.3, wrt=wrt)


def test_frozen_distribution_with_constant_parameters_keeps_its_other_methods():
    def f(x):
        d = stats.norm(0.5, 2.0)
        return np.sum(d.logpdf(x)) + d.std() * x[0]
    np.testing.assert_allclose(srcad.grad(f)(X), -(X - 0.5) / 4.0 + np.array([2.0, 0, 0, 0]))


def test_a_method_of_a_frozen_distribution_with_no_rule_is_refused_at_the_users_line():
    def f(x, a):
        d = stats.gamma(a)
        return d.mean() + np.sum(d.logpdf(x))
    with pytest.raises(SrcadError, match=r"mean") as info:
        srcad.grad(f, wrt=1)(X + 1.0, 2.0)
    assert "test_library_coverage_2.py" in str(info.value)


COV = np.array([[1.5, 0.3, -0.2], [0.3, 1.1, 0.4], [-0.2, 0.4, 0.9]])
POINTS = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])


def mvn_loss(points, mean, cov):
    frozen_mvn = stats.multivariate_normal(mean, cov)
    return np.sum(frozen_mvn.logpdf(points)) + stats.multivariate_normal.pdf(points[0], mean, cov)


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_multivariate_normal_frozen_and_pdf_with_the_covariance_differentiated(wrt):
    check_both_modes(mvn_loss, POINTS, np.array([0.1, -0.3, 0.2]), COV, wrt=wrt)


def test_multivariate_normal_in_a_covariance_built_from_a_factor():
    def f(factor):
        cov = factor @ factor.T + 0.5 * np.eye(3)
        return np.sum(stats.multivariate_normal.logpdf(POINTS, np.zeros(3), cov))
    check_both_modes(f, np.tril(COV))


SIMPLEX = np.array([[0.2, 0.5, 0.1], [0.3, 0.25, 0.6], [0.5, 0.25, 0.3]])


def dirichlet_loss(log_alpha):
    alpha = np.exp(log_alpha)
    return np.sum(stats.dirichlet.logpdf(SIMPLEX, alpha)) + stats.dirichlet(alpha).pdf(
        SIMPLEX[:, 0])


def test_dirichlet_logpdf_and_pdf_in_alpha():
    check_both_modes(dirichlet_loss, np.array([0.4, -0.2, 0.9]))


def test_dirichlet_logpdf_in_alpha_by_hand():
    alpha = np.array([1.5, 2.5, 0.8])
    grad = srcad.grad(lambda a: stats.dirichlet.logpdf(SIMPLEX[:, 0], a))(alpha)
    expected = (np.log(SIMPLEX[:, 0]) + scipy.special.digamma(alpha.sum())
                - scipy.special.digamma(alpha))
    np.testing.assert_allclose(grad, expected, rtol=1e-12)


def test_dirichlet_logpdf_in_the_point_is_refused():
    with pytest.raises(SrcadError, match="dirichlet"):
        srcad.grad(lambda x: stats.dirichlet.logpdf(x, np.array([1.5, 2.5, 0.8])))(
            SIMPLEX[:, 0])


# ----- calls with no rule are refused at the user's line ------------------------------------------
def no_rule_stats(x):
    return np.sum(stats.weibull_min.logpdf(x + 2.0, 1.5))


def no_rule_logm(a):
    return np.sum(scipy.linalg.logm(a))


@pytest.mark.parametrize("f, name", [(no_rule_stats, "scipy.stats.weibull_min.logpdf"),
                                     (no_rule_logm, "scipy.linalg._matfuncs.logm")])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_library_call_with_no_rule_is_refused_at_the_users_line(f, name, mode):
    transform = srcad.grad(f) if mode == "reverse" else \
        (lambda x: srcad.jvp(f)(x, np.ones_like(x)))
    arg = COV if f is no_rule_logm else X
    with pytest.raises(SrcadError, match=name) as info:
        transform(arg)
    message = str(info.value)
    assert "test_library_coverage_2.py" in message and "site-packages" not in message


def test_an_inactive_library_call_with_no_rule_runs_as_written():
    def f(x):
        return np.sum(x * stats.weibull_min.pdf(np.array([1.0, 2.0, 1.5, 0.5]), 1.5))
    np.testing.assert_allclose(srcad.grad(f)(X),
                               stats.weibull_min.pdf(np.array([1.0, 2.0, 1.5, 0.5]), 1.5))


# ----- NumPy: multi_dot, logaddexp.reduce, trapezoid, polyval, choose ---------------------------
A = np.array([[0.9, 0.3, -0.2], [0.1, 1.1, 0.4]])
V = np.array([0.5, -0.3, 1.2, 0.4])


def numpy_mix(a, v):
    m = np.linalg.multi_dot([a, a.T, a])
    lae = np.logaddexp.reduce(m, axis=1)
    areas = np.trapezoid(m, np.array([0.0, 0.4, 1.1]), axis=1) + np.trapezoid(v, dx=0.3)
    values = np.polyval(v, a)
    picked = np.choose(np.array([[0, 1, 1], [1, 0, 2]]), [a, a * 2.0, v[:3]])
    return (np.sum(lae ** 2) + np.sum(areas) + np.sum(values * m) + np.sum(picked ** 2)
            + np.linalg.multi_dot([v[:2], a, v[1:]]))


@pytest.mark.parametrize("wrt", [0, 1])
def test_multi_dot_logaddexp_reduce_trapezoid_polyval_choose(wrt):
    check_both_modes(numpy_mix, A, V, wrt=wrt)


def test_trapezoid_in_the_sample_points_and_polyval_by_hand():
    y = np.array([0.3, 1.2, -0.4, 0.8])
    grad = srcad.grad(lambda x: np.trapezoid(y, x))(np.array([0.0, 0.5, 1.5, 1.7]))
    pairs = (y[1:] + y[:-1]) / 2
    np.testing.assert_allclose(grad, np.append(-pairs, 0.0) + np.append(0.0, pairs))
    slope = srcad.grad(lambda x: np.sum(np.polyval(V, x)))(A)
    np.testing.assert_allclose(slope, np.polyval(np.polyder(V), A), rtol=1e-12)


def test_logaddexp_reduce_is_the_softmax_weights():
    grad = srcad.grad(lambda x: np.logaddexp.reduce(x))(V)
    np.testing.assert_allclose(grad, np.exp(V) / np.sum(np.exp(V)), rtol=1e-12)


# ----- scipy.signal: convolve, correlate, fftconvolve, convolve2d, correlate2d --------------------
IMAGE = np.random.default_rng(3).normal(size=(6, 7))
KERNEL = np.random.default_rng(4).normal(size=(3, 2))


def convolutions(image, kernel):
    total = 0.0
    for mode in ("full", "same", "valid"):
        total = total + np.sum(scipy.signal.convolve(image, kernel, mode) ** 2)
        total = total + np.sum(scipy.signal.correlate2d(image, kernel, mode) * 0.3)
        total = total + np.sum(scipy.signal.fftconvolve(image, kernel, mode=mode) ** 2)
        total = total + np.sum(scipy.signal.convolve2d(image, kernel, mode) *
                               scipy.signal.correlate(image, kernel, mode=mode))
    return total


@pytest.mark.parametrize("wrt", [0, 1])
def test_signal_convolutions_in_two_dimensions_every_mode(wrt):
    check_both_modes(convolutions, IMAGE, KERNEL, wrt=wrt)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("wrt", [0, 1])
def test_signal_convolutions_in_one_dimension(mode, wrt):
    def f(x, k):
        return (np.sum(scipy.signal.correlate(x, k, mode) ** 2)
                + np.sum(scipy.signal.convolve(k, x, mode) * 0.7))
    check_both_modes(f, IMAGE[0], KERNEL[:, 0], wrt=wrt)


def test_convolve2d_with_another_boundary_is_refused():
    with pytest.raises(SrcadError, match="boundary"):
        srcad.grad(lambda x: np.sum(scipy.signal.convolve2d(x, KERNEL, boundary="wrap")))(IMAGE)


# ----- scipy.linalg: cholesky, cho_factor / cho_solve, expm ------------------------------------
FACTOR = np.array([[1.2, 0.0, 0.0], [0.3, 0.9, 0.0], [-0.4, 0.2, 1.1]])
TARGET = np.array([[0.5, -1.0], [1.2, 0.3], [-0.4, 0.9]])


def gaussian_process(f, y):
    k = f @ f.T + 0.3 * np.eye(3)
    alpha = scipy.linalg.cho_solve(scipy.linalg.cho_factor(k), y)
    low = scipy.linalg.cholesky(k, lower=True)
    return (np.sum(alpha * y) + 2 * np.sum(np.log(np.diag(low)))
            + np.sum(scipy.linalg.cholesky(k) ** 2) + np.sum(scipy.linalg.expm(0.3 * k) * y[:, :1]))


def factor_unpacked(f, y):
    factors = scipy.linalg.cho_factor(f @ f.T + 0.3 * np.eye(3), lower=True)
    c, lower = factors
    return (np.sum(scipy.linalg.cho_solve((c, lower), y[:, 0]) ** 2)
            + np.sum(scipy.linalg.cho_solve(factors, y) * y))


@pytest.mark.parametrize("f", [gaussian_process, factor_unpacked])
@pytest.mark.parametrize("wrt", [0, 1])
def test_cholesky_cho_factor_cho_solve_and_expm(f, wrt):
    check_both_modes(f, FACTOR, TARGET, wrt=wrt)


def test_expm_of_a_diagonal_matrix_by_hand():
    grad = srcad.grad(lambda d: np.trace(scipy.linalg.expm(np.diag(d))))(np.array([0.3, -0.2]))
    np.testing.assert_allclose(grad, np.exp([0.3, -0.2]), rtol=1e-12)


def lu_solved(a, y):
    factors = scipy.linalg.lu_factor(a)
    lu, piv = factors
    return (np.sum(scipy.linalg.lu_solve(factors, y) ** 2)
            + np.sum(scipy.linalg.lu_solve((lu, piv), y[:, 0], trans=1) * y[:, 1]))


@pytest.mark.parametrize("wrt", [0, 1])
def test_lu_factor_and_lu_solve(wrt):
    a = np.array([[0.1, 2.0, 1.0], [3.0, 0.2, 1.0], [1.0, 1.0, 4.0]])   # pivots rows
    check_both_modes(lu_solved, a, TARGET, wrt=wrt)


# ----- np.gradient -------------------------------------------------------------------------------
def finite_differences(m):
    rows, cols = np.gradient(m, 0.5, np.array([0.0, 0.3, 1.0, 1.2, 2.0]))
    return (np.sum(rows ** 2) + np.sum(cols * m) + np.sum(np.gradient(m[0], edge_order=2) ** 2)
            + np.sum(np.gradient(m, axis=1) ** 3))


def test_np_gradient_uniform_and_coordinate_spacings():
    check_both_modes(finite_differences, np.random.default_rng(0).normal(size=(4, 5)))


# ----- np.linalg.lstsq -------------------------------------------------------------------------
TALL = np.array([[0.8, -0.3], [0.2, 1.1], [-0.5, 0.4], [0.7, 0.6]])
RIGHT = np.array([[0.5, -1.0], [1.2, 0.3], [-0.4, 0.9], [0.3, 0.2]])


def least_squares(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    wide = np.linalg.lstsq(a.T, b[:2], rcond=None)[0]
    return np.sum(x ** 2) + np.sum(residuals) + np.sum(s ** 2) * rank + np.sum(wide * 0.5)


@pytest.mark.parametrize("wrt", [0, 1])
def test_lstsq_solution_residuals_and_singular_values(wrt):
    check_both_modes(least_squares, TALL, RIGHT, wrt=wrt)
