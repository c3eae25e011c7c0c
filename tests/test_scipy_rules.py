"""SciPy rules (an optional extra): registered lazily when lowering meets a SciPy function,
swept like the NumPy table (reverse and forward against central differences, forward over
reverse), and used at user level through srcad.grad / srcad.jvp."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("scipy")

import scipy.linalg
import scipy.special
import scipy.stats
from rule_sweeps import sweep_tests

import srcad
from srcad.rules import scipy_rules

scipy_rules.register_loaded()
SCIPY_PRIMS = ["expit", "logit", "erf", "erfc", "gammaln", "digamma", "polygamma", "xlogy",
               "logsumexp", "special_softmax", "special_log_softmax", "norm_pdf", "norm_logpdf",
               "norm_cdf",
               "solve_triangular", "outer_rows",
               "gamma", "rgamma", "erfinv", "erfcinv", "entr", "beta", "betaln", "rel_entr",
               "kl_div", "xlog1py", "gammainc", "gammaincc", "betainc", "multigammaln",
               "multipolygamma", "i0", "i1", "i0e", "i1e", "j0", "j1", "y0", "y1", "iv", "ive",
               "jv", "yv", "yn", "mvn_logpdf", "t_logpdf", "gamma_logpdf", "beta_logpdf",
               "lognorm_logpdf", "expon_logpdf", "laplace_logpdf", "logistic_logpdf",
               "cauchy_logpdf", "poisson_logpmf", "binom_logpmf", "nbinom_logpmf"]
test_reverse_sweep, test_forward_sweep, test_forward_over_reverse = sweep_tests(SCIPY_PRIMS)


def test_import_srcad_does_not_import_scipy():
    code = "import sys, srcad; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    assert out.stdout.strip() == "False"


X = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])


def loss_special(x):
    return (np.sum(scipy.special.expit(x) * scipy.special.erf(x))
            + np.sum(scipy.special.logsumexp(x, axis=1))
            + np.sum(scipy.special.log_softmax(x, axis=0) * X)
            + np.sum(scipy.special.gammaln(x * x + 1.0)))


def test_special_functions_in_a_loss():
    srcad.check_grad(loss_special, X)
    srcad.check_grad(loss_special, X, mode="forward")


def test_logsumexp_with_b_and_keepdims_both_modes():
    b = np.array([0.5, 1.0, 2.0])

    def f(a, w):
        return np.sum(scipy.special.logsumexp(a, axis=-1, b=w, keepdims=True) ** 2)
    srcad.check_grad(f, X, b, wrt=(0, 1))
    g = srcad.grad(f, wrt=(0, 1))(X, b)
    share = b * np.exp(X - scipy.special.logsumexp(X, axis=-1, b=b, keepdims=True))
    lse = scipy.special.logsumexp(X, axis=-1, b=b, keepdims=True)
    np.testing.assert_allclose(g[0], 2 * lse * share, rtol=1e-12)
    srcad.check_grad(f, X, b, wrt=(0, 1), mode="forward")


def test_softmax_gradient_is_hand_derived():
    v = np.array([0.2, -0.4, 1.1])

    def f(x):
        return np.sum(scipy.special.softmax(x) * v)
    s = scipy.special.softmax(X[0])
    np.testing.assert_allclose(srcad.grad(f)(X[0]), s * (v - np.sum(v * s)), rtol=1e-12)


def test_xlogy_and_logit():
    def f(x, y):
        return np.sum(scipy.special.xlogy(x, y) + scipy.special.logit(y))
    y = np.array([0.2, 0.5, 0.9])
    gx, gy = srcad.grad(f, wrt=(0, 1))(np.array([0.0, 1.0, 2.0]), y)
    np.testing.assert_allclose(gx, np.log(y), rtol=1e-12)
    np.testing.assert_allclose(gy, np.array([0.0, 1.0, 2.0]) / y + 1.0 / (y * (1 - y)))


def test_norm_functions_with_loc_and_scale():
    norm = scipy.stats.norm

    def f(x, loc, scale):
        return np.sum(norm.logpdf(x, loc, scale) + norm.cdf(x, loc=loc, scale=scale)
                      + norm.pdf(x, loc, scale))
    loc = np.array([0.1, -0.2, 0.4])
    srcad.check_grad(f, X, loc, 1.3, wrt=(0, 1, 2))
    srcad.check_grad(f, X, loc, 1.3, wrt=(0, 1, 2), mode="forward")
    g = srcad.grad(lambda x: norm.cdf(x))(0.3)
    assert g == pytest.approx(norm.pdf(0.3), rel=1e-14)


@pytest.mark.parametrize("lower, trans", [(True, 0), (False, 1), (True, "T"), (False, "N")])
def test_solve_triangular(lower, trans):
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, (4, 4)) + 3 * np.eye(4)
    b = rng.uniform(-1, 1, (4, 2))

    def f(a, b):
        return np.sum(scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower) ** 2)
    srcad.check_grad(f, a, b, wrt=(0, 1))
    srcad.check_grad(f, a, b, wrt=(0, 1), mode="forward")
    ga = srcad.grad(f)(a, b)
    outside = np.triu(ga, 1) if lower else np.tril(ga, -1)
    assert not outside.any()


def test_float32_stays_float32():
    x = X.astype(np.float32)
    g = srcad.grad(lambda x: np.sum(scipy.special.expit(x) * scipy.special.erf(x)))(x)
    assert g.dtype == np.float32


def test_hessian_of_logsumexp():
    h = srcad.hessian(lambda x: scipy.special.logsumexp(x))(X[0])
    s = scipy.special.softmax(X[0])
    np.testing.assert_allclose(h, np.diag(s) - np.outer(s, s), rtol=1e-10, atol=1e-12)
