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
from srcad.rules import RULES

pytest.importorskip("scipy")

import scipy.linalg  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats as stats  # noqa: E402
from test_forward import forward_check, hvp_check  # noqa: E402
from test_rules_table import check_sample  # noqa: E402

from srcad.rules import scipy_rules  # noqa: E402

scipy_rules.register_loaded()

_CONTINUOUS = ["norm", "t", "gamma", "beta", "lognorm", "expon", "laplace", "logistic", "cauchy"]
STATS_PRIMS = sorted(
    [f"{d}_{tail}" for d in _CONTINUOUS for tail in ("cdf", "logcdf", "sf", "logsf")
     if (d, tail) != ("norm", "cdf")]
    + [f"{d}_pdf" for d in _CONTINUOUS[1:]] + ["poisson_pmf", "binom_pmf", "nbinom_pmf",
                                                "mvn_pdf", "dirichlet_logpdf", "dirichlet_pdf"])
NEW_PRIMS = STATS_PRIMS
CASES = [pytest.param(p, s, id=f"{p}-{k}") for p in NEW_PRIMS
         for k, s in enumerate(RULES[p].samples)]


@pytest.mark.parametrize("prim, sample", CASES)
@pytest.mark.parametrize("generic", [False, True])
def test_reverse_sweep(prim, sample, generic):
    check_sample(prim, sample, generic)


@pytest.mark.parametrize("prim, sample", CASES)
@pytest.mark.parametrize("generic", [False, True])
def test_forward_sweep(prim, sample, generic):
    forward_check(prim, sample, generic)


@pytest.mark.parametrize("prim, sample", CASES)
def test_forward_over_reverse(prim, sample):
    hvp_check(prim, sample, False)


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


def no_rule_eig(a):
    return np.sum(np.real(np.linalg.eig(a)[0]))


@pytest.mark.parametrize("f, name", [(no_rule_stats, "logpdf"), (no_rule_eig, "eig")])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_library_call_with_no_rule_is_refused_at_the_users_line(f, name, mode):
    transform = srcad.grad(f) if mode == "reverse" else \
        (lambda x: srcad.jvp(f)(x, np.ones_like(x)))
    arg = COV if f is no_rule_eig else X
    with pytest.raises(SrcadError, match=name) as info:
        transform(arg)
    message = str(info.value)
    assert "test_library_coverage_2.py" in message and "site-packages" not in message


def test_an_inactive_library_call_with_no_rule_runs_as_written():
    def f(x):
        return np.sum(x * stats.weibull_min.pdf(np.array([1.0, 2.0, 1.5, 0.5]), 1.5))
    np.testing.assert_allclose(srcad.grad(f)(X),
                               stats.weibull_min.pdf(np.array([1.0, 2.0, 1.5, 0.5]), 1.5))
