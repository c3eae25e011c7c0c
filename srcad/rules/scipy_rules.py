"""Rules for SciPy functions, an optional extra: registered only where SciPy imports, and only
for the SciPy modules the user has imported already.

srcad never imports SciPy itself: importing scipy.special costs about 0.2 s and scipy.stats
about 0.8 s. `srcad.rules.prim_of` calls `register_loaded()` when it meets a function it has
no rule for while SciPy is loaded; by then the user holds the function, so its module is in
sys.modules and registering its rules costs next to nothing.

    scipy.special   expit, logit, erf, erfc, gammaln, digamma, polygamma, xlogy,
                    logsumexp (axis, b, keepdims), softmax, log_softmax (axis)
    scipy.stats     norm.pdf, norm.logpdf, norm.cdf (loc, scale)
    scipy.linalg    solve_triangular (trans, lower, unit_diagonal)
"""

import math
import sys

import numpy as np

from .. import kinds as K
from .. import runtime
from . import scipy_distributions, scipy_linalg, scipy_matrices, scipy_signal, scipy_stats
from .arrays import reduced_kind
from .core import reduce_to
from .elementwise import expand_to
from .ops import ZERO, exp, log, matmul, op, sum, transpose
from .reductions import unreduce
from .table import RULES, defprim

_A = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])
_P = np.array([[0.3, 0.6, 0.9], [0.45, 0.2, 0.8]])


def register_loaded():
    """Register the rules of every supported SciPy module already imported; True if this
    added any. A module counts as registered while the rule table holds its first rule (no
    flag of its own: a table restored to an earlier state is registered into again)."""
    added = False
    for name, first_rule, register in (
            ("scipy.special", "expit", _special), ("scipy.stats", "norm_pdf", _stats),
            ("scipy.linalg", "solve_triangular", _linalg),
            ("scipy.signal", "signal_convolve", scipy_signal.register)):
        if name in sys.modules and first_rule not in RULES:
            register(sys.modules[name])
            added = True
    return added


def _op(prim):
    return lambda first, *rest: first._op(prim, first, *rest)


def _unary(name, fn, deriv, samples=None, math_name=None, functions=(), doc=""):
    """An elementwise SciPy function with derivative deriv(ans, x)."""
    defprim(name, fn, ("impl", name), math=math_name, functions=(fn,) + tuple(functions),
            kind=K.floating, shape_from="args", doc=doc,
            jvp=(lambda dx, ans, x: dx * deriv(ans, x),),
            vjp=(lambda g, ans, x: g * deriv(ans, x),),
            samples=samples or [(0.7,), (_A,)])


# ----- scipy.special -----------------------------------------------------------------------
def _special(special):
    polygamma = _op("polygamma")
    _unary("expit", special.expit, lambda ans, x: ans * (1.0 - ans), doc="the logistic sigmoid")
    _unary("logit", special.logit, lambda ans, x: 1.0 / (x * (1.0 - x)),
           samples=[(0.3,), (_P,)])
    _unary("erf", special.erf, lambda ans, x: (2.0 / math.sqrt(math.pi)) * exp(-(x * x)),
          math_name="math.erf")
    _unary("erfc", special.erfc, lambda ans, x: (-2.0 / math.sqrt(math.pi)) * exp(-(x * x)),
          math_name="math.erfc")
    _unary("gammaln", special.gammaln, lambda ans, x: _op("digamma")(x),
          math_name="math.lgamma", samples=[(1.7,), (_P + 0.5,)])
    _unary("digamma", special.digamma, lambda ans, x: polygamma(x, 1),
          functions=(special.psi,), samples=[(1.7,), (_P + 0.5,)])
    defprim("polygamma", lambda x, n: special.polygamma(n, x), ("impl", "polygamma"),
            arg_names=("x", "n"), kind=lambda x, n: K.floating(x), shape_from=0,
            jvp=(lambda dx, ans, x, n: dx * polygamma(x, n + 1), None),
            vjp=(lambda g, ans, x, n: g * polygamma(x, n + 1), None),
            samples=[(_P + 0.5, 1), (1.3, 2)], doc="polygamma(n, x), with x first")
    defprim("polygamma_call", special.polygamma, ("impl", "polygamma_call"),
            arg_names=("n", "x"), functions=(special.polygamma,),
            kind=lambda n, x: K.floating(x), shape_from=1,
            jvp=(None, lambda dx, ans, n, x: dx * polygamma(x, n + 1)),
            vjp=(None, lambda g, ans, n, x: g * polygamma(x, n + 1)),
            samples=[(1, _P + 0.5), (2, 1.3), (0, 2.2)],
            doc="scipy.special.polygamma(n, x), in x (n an order)")
    defprim("xlogy", special.xlogy, ("impl", "xlogy"), arg_names=("x", "y"),
            functions=(special.xlogy,), kind=K.broadcast, shape_from="args",
            jvp=(lambda t, ans, x, y: expand_to(t * log(y), ans),
                 lambda t, ans, x, y: expand_to(t * x / y, ans)),
            vjp=(lambda g, ans, x, y: reduce_to(g * log(y), x),
                 lambda g, ans, x, y: reduce_to(g * x / y, y)),
            samples=[(0.8, 1.3), (_A, _P + 0.1), (_A, 0.7), (0.6, _P + 0.2)],
            doc="x log y, 0 where x is 0")
    _logsumexp(special)
    _softmaxes(special)
    _special_more(special)
    _bessels(special)


def _partials(name, fn, arg_names, partials, samples, doc=""):
    """An elementwise SciPy function of several arguments with partial derivatives
    partials[i](ans, *args), None where it has none (an order, or not defined)."""
    def jvp(d):
        return None if d is None else lambda t, ans, *args: expand_to(t * d(ans, *args), ans)

    def vjp(i, d):
        return None if d is None else \
            lambda g, ans, *args: reduce_to(g * d(ans, *args), args[i])
    defprim(name, fn, ("impl", name), arg_names=arg_names, functions=(fn,),
            kind=lambda *ks: K.floating(K.broadcast(*ks)), shape_from="args",
            jvp=tuple(jvp(d) for d in partials),
            vjp=tuple(vjp(i, d) for i, d in enumerate(partials)), samples=samples, doc=doc)


def _special_more(special):
    digamma, gammaln = op("digamma"), op("gammaln")
    root_pi = math.sqrt(math.pi)
    _unary("gamma", special.gamma, lambda ans, x: ans * digamma(x),
           samples=[(1.7,), (_P + 0.5,)])
    _unary("rgamma", special.rgamma, lambda ans, x: -ans * digamma(x),
           samples=[(1.7,), (_A + 2.0,)], doc="1 / gamma(x)")
    _unary("erfinv", special.erfinv, lambda ans, x: (root_pi / 2.0) * exp(ans * ans),
           samples=[(0.3,), (_A * 0.5,)])
    _unary("erfcinv", special.erfcinv, lambda ans, x: (-root_pi / 2.0) * exp(ans * ans),
           samples=[(0.7,), (_P + 0.4,)])
    _unary("entr", special.entr, lambda ans, x: -(log(x) + 1.0), samples=[(0.4,), (_P,)],
           doc="-x log x")
    _partials("beta", special.beta, ("a", "b"),
              (lambda ans, a, b: ans * (digamma(a) - digamma(a + b)),
               lambda ans, a, b: ans * (digamma(b) - digamma(a + b))),
              [(0.8, 2.1), (_P + 0.5, 1.3)])
    _partials("betaln", special.betaln, ("a", "b"),
              (lambda ans, a, b: digamma(a) - digamma(a + b),
               lambda ans, a, b: digamma(b) - digamma(a + b)),
              [(0.8, 2.1), (_P + 0.5, 1.3)])
    _partials("rel_entr", special.rel_entr, ("x", "y"),
              (lambda ans, x, y: log(x / y) + 1.0, lambda ans, x, y: -(x / y)),
              [(0.5, 0.8), (_P, _P + 0.3), (0.5, _P + 0.1)], doc="x log(x / y) for x, y > 0")
    _partials("kl_div", special.kl_div, ("x", "y"),
              (lambda ans, x, y: log(x / y), lambda ans, x, y: 1.0 - x / y),
              [(0.5, 0.8), (_P, _P + 0.3), (0.5, _P + 0.1)],
              doc="x log(x / y) - x + y for x, y > 0")
    _partials("xlog1py", special.xlog1py, ("x", "y"),
              (lambda ans, x, y: op("log1p")(y), lambda ans, x, y: x / (1.0 + y)),
              [(0.7, 0.2), (_A, _P), (_A, 0.4)], doc="x log(1 + y), 0 where x is 0")

    def lower_density(ans, a, x):      # x^(a-1) e^-x / gamma(a)
        return exp((a - 1.0) * log(x) - x - gammaln(a))
    _partials("gammainc", special.gammainc, ("a", "x"), (None, lower_density),
              [(2.0, 0.8), (_P + 0.5, _P + 0.3)], doc="in x (no rule in a)")
    _partials("gammaincc", special.gammaincc, ("a", "x"),
              (None, lambda ans, a, x: -lower_density(ans, a, x)),
              [(2.0, 0.8), (_P + 0.5, _P + 0.3)], doc="in x (no rule in a)")
    _partials("betainc", special.betainc, ("a", "b", "x"),
              (None, None, lambda ans, a, b, x: exp((a - 1.0) * log(x) + (b - 1.0) *
                                                    op("log1p")(-x) - op("betaln")(a, b))),
              [(2.0, 3.0, 0.4), (1.5, 0.7, _P)], doc="in x (no rule in a, b)")
    defprim("multigammaln", special.multigammaln, ("impl", "multigammaln"),
            arg_names=("a", "d"), functions=(special.multigammaln,),
            kind=lambda a, d: K.floating(a), shape_from=0,
            jvp=(lambda t, ans, a, d: t * op("multipolygamma")(a, d, 0), None),
            vjp=(lambda g, ans, a, d: g * op("multipolygamma")(a, d, 0), None),
            samples=[(3.5, 3), (_P + 2.0, 2)])
    defprim("multipolygamma", _multipolygamma(special), ("impl", "multipolygamma"),
            arg_names=("a", "d", "n"), kind=lambda a, d, n: K.floating(a), shape_from=0,
            jvp=(lambda t, ans, a, d, n: t * op("multipolygamma")(a, d, n + 1), None, None),
            vjp=(lambda g, ans, a, d, n: g * op("multipolygamma")(a, d, n + 1), None, None),
            samples=[(3.5, 3, 0), (_P + 2.0, 2, 1)],
            doc="sum over j < d of polygamma(n, a - j / 2)")


def _multipolygamma(special):
    def multipolygamma(a, d, n):
        return sum_over(special.polygamma(n, np.asarray(a) - j / 2.0) for j in range(d))
    return multipolygamma


def sum_over(terms):
    total = 0.0
    for term in terms:
        total = total + term
    return total


def _bessels(special):
    """Bessel functions: derivatives by the recurrences (in x; the order has none)."""
    iv, ive, jv, yv = op("iv"), op("ive"), op("jv"), op("yv")
    _unary("i0", special.i0, lambda ans, x: op("i1")(x))
    _unary("i1", special.i1, lambda ans, x: 0.5 * (op("i0")(x) + iv(2.0, x)))
    _unary("i0e", special.i0e, lambda ans, x: op("i1e")(x) - op("sign")(x) * ans)
    _unary("i1e", special.i1e,
           lambda ans, x: 0.5 * (op("i0e")(x) + ive(2.0, x)) - op("sign")(x) * ans)
    _unary("j0", special.j0, lambda ans, x: -op("j1")(x))
    _unary("j1", special.j1, lambda ans, x: 0.5 * (op("j0")(x) - jv(2.0, x)))
    _unary("y0", special.y0, lambda ans, x: -op("y1")(x), samples=[(0.7,), (_P + 0.2,)])
    _unary("y1", special.y1, lambda ans, x: 0.5 * (op("y0")(x) - yv(2.0, x)),
           samples=[(0.7,), (_P + 0.2,)])
    positive = [(1.5, _P + 0.2), (2.0, 0.8), (0.0, _A + 1.5)]
    _partials("iv", special.iv, ("v", "x"),
              (None, lambda ans, v, x: 0.5 * (iv(v - 1.0, x) + iv(v + 1.0, x))), positive)
    _partials("ive", special.ive, ("v", "x"),
              (None, lambda ans, v, x: 0.5 * (ive(v - 1.0, x) + ive(v + 1.0, x))
               - op("sign")(x) * ans), positive)
    _partials("jv", special.jv, ("v", "x"),
              (None, lambda ans, v, x: 0.5 * (jv(v - 1.0, x) - jv(v + 1.0, x))),
              positive + [(2, _A)], doc="scipy.special.jn is jv")
    _partials("yv", special.yv, ("v", "x"),
              (None, lambda ans, v, x: 0.5 * (yv(v - 1.0, x) - yv(v + 1.0, x))), positive)
    _partials("yn", special.yn, ("n", "x"),
              (None, lambda ans, n, x: 0.5 * (yv(n - 1, x) - yv(n + 1, x))),
              [(2, _P + 0.3), (1, 0.7)])


def _logsumexp_impl(special):
    def logsumexp(a, axis=None, b=None, keepdims=False):
        return special.logsumexp(a, axis=axis, b=b, keepdims=keepdims)
    return logsumexp


def _lse_weights(a, ans, axis, keepdims):
    """exp(a - logsumexp(a)): each element's share, shaped like a."""
    return exp(a - unreduce(ans, a, axis, keepdims))


def _lse_a_vjp(g, ans, a, axis, b, keepdims):
    share = _lse_weights(a, ans, axis, keepdims)
    share = share if b.kind.tag == "none" else share * b
    return reduce_to(unreduce(g, a, axis, keepdims) * share, a)


def _lse_b_vjp(g, ans, a, axis, b, keepdims):
    return reduce_to(unreduce(g, a, axis, keepdims) * _lse_weights(a, ans, axis, keepdims), b)


def _lse_a_jvp(da, ans, a, axis, b, keepdims):
    share = _lse_weights(a, ans, axis, keepdims)
    share = share if b.kind.tag == "none" else share * b
    return sum(share * da, axis, keepdims)


def _lse_b_jvp(db, ans, a, axis, b, keepdims):
    return sum(_lse_weights(a, ans, axis, keepdims) * db, axis, keepdims)


def _logsumexp(special):
    defprim("logsumexp", _logsumexp_impl(special), ("impl", "logsumexp"),
            arg_names=("a", "axis", "b", "keepdims"),
            defaults={"axis": None, "b": None, "keepdims": False},
            functions=(special.logsumexp,),
            kind=lambda a, axis, b, keepdims: reduced_kind(a, axis, keepdims),
            kind_from_atoms=True,
            jvp=(_lse_a_jvp, ZERO, _lse_b_jvp, ZERO), vjp=(_lse_a_vjp, ZERO, _lse_b_vjp, ZERO),
            samples=[(_A, None, None, False), (_A, 1, None, False), (_A, 0, None, True),
                     (_A, 1, _P + 0.5, False), (_A, None, np.array([0.5, 1.0, 2.0]), False),
                     (_A, -1, np.array([[0.5], [2.0]]), True)],
            doc="log sum b exp(a) along axis; return_sign is refused")


def _softmaxes(special):
    """scipy.special's softmax and log_softmax, named apart from the stable log-softmax that
    srcad/loss_patterns.py recognises in NumPy code (rules/losses.py "log_softmax"): that one
    computes with the NumPy operations the user wrote (on Dask arrays too), SciPy's with its
    own implementation (np.asarray first)."""
    def softmax(x, axis=None):
        return special.softmax(x, axis=axis)

    def log_softmax(x, axis=None):
        return special.log_softmax(x, axis=axis)

    for name, impl, fn, jvp, vjp in (
            ("special_softmax", softmax, special.softmax,
             lambda dx, ans, x, axis: ans * (dx - sum(dx * ans, axis, True)),
             lambda g, ans, x, axis: ans * (g - sum(g * ans, axis, True))),
            ("special_log_softmax", log_softmax, special.log_softmax,
             lambda dx, ans, x, axis: dx - sum(exp(ans) * dx, axis, True),
             lambda g, ans, x, axis: g - exp(ans) * sum(g, axis, True))):
        defprim(name, impl, ("impl", name), arg_names=("x", "axis"), defaults={"axis": None},
                functions=(fn,), kind=lambda x, axis: x if x.is_array else K.UNKNOWN,
                shape_from=0, jvp=(jvp, ZERO), vjp=(vjp, ZERO),
                samples=[(_A, None), (_A, 1), (_A, 0), (np.arange(24.0).reshape(2, 3, 4) / 9, -1)])


# ----- scipy.stats.norm --------------------------------------------------------------------
def _standard(x, loc, scale):
    return (x - loc) / scale


def _norm_impl(name, fn):
    def impl(x, loc=0.0, scale=1.0):
        return fn(x, loc, scale)
    impl.__name__ = name
    return impl


def _stats(stats):
    norm = stats.norm

    def pdf_dx(ans, x, loc, scale):
        return -_standard(x, loc, scale) / scale * ans

    def pdf_dscale(ans, x, loc, scale):
        z = _standard(x, loc, scale)
        return ans * (z * z - 1.0) / scale

    def logpdf_dx(ans, x, loc, scale):
        return -_standard(x, loc, scale) / scale

    def logpdf_dscale(ans, x, loc, scale):
        z = _standard(x, loc, scale)
        return (z * z - 1.0) / scale

    def cdf_dx(ans, x, loc, scale):
        return x._op("norm_pdf", x, loc, scale)

    def cdf_dscale(ans, x, loc, scale):
        return -_standard(x, loc, scale) * x._op("norm_pdf", x, loc, scale)

    for name, fn, dx, dscale in (("norm_pdf", norm.pdf, pdf_dx, pdf_dscale),
                                 ("norm_logpdf", norm.logpdf, logpdf_dx, logpdf_dscale),
                                 ("norm_cdf", norm.cdf, cdf_dx, cdf_dscale)):
        _norm_prim(name, fn, dx, dscale)
    _multivariate_normal(stats.multivariate_normal)
    scipy_stats.register(stats)
    scipy_distributions.register(stats)


def _norm_prim(name, fn, dx, dscale):
    """A function of z = (x - loc) / scale: d/dloc = -d/dx; d/dscale given."""
    def partial(which):
        if which == 0:
            return dx
        if which == 1:
            return lambda ans, x, loc, scale: -dx(ans, x, loc, scale)
        return dscale

    def jvp(which):
        return lambda t, ans, *args: expand_to(t * partial(which)(ans, *args), ans)

    def vjp(which):
        return lambda g, ans, *args: reduce_to(g * partial(which)(ans, *args), args[which])
    defprim(name, _norm_impl(name, fn), ("impl", name), arg_names=("x", "loc", "scale"),
            defaults={"loc": 0.0, "scale": 1.0}, functions=(fn,),
            kind=lambda *ks: K.floating(K.broadcast(*ks)), shape_from="args",
            jvp=tuple(jvp(i) for i in range(3)), vjp=tuple(vjp(i) for i in range(3)),
            samples=[(0.7, 0.0, 1.0), (_A, 0.3, 1.7), (_A, np.array([0.1, -0.2, 0.4]), 0.8),
                     (0.4, _P, np.array([[0.9], [1.3]]))],
            doc=f"scipy.stats.norm.{name.split('_')[1]}(x, loc, scale)")


# ----- scipy.stats.multivariate_normal.logpdf ----------------------------------------------
def _mvn_parts(x, mean, cov):
    """(the covariance SciPy uses: its lower triangle, mirrored; alpha = cov^-1 (x - mean)^T,
    shaped (d,) or (d, n))."""
    if getattr(cov.atom, "value", "unknown") is not None and cov.kind.is_array and \
            cov.kind.ndim != 2 or cov.kind.tag in ("float", "int"):
        raise ValueError("multivariate_normal.logpdf: srcad differentiates it for a 2-d "
                         "covariance matrix; pass cov=s * np.eye(d) for a scalar or "
                         "np.diag(v) for a vector")
    lower = op("tril")
    used = lower(cov, 0) + transpose(lower(cov, -1))
    centred = x if getattr(mean.atom, "value", "unknown") is None else x - mean
    return used, op("solve")(used, transpose(centred))


def _mvn_row_adjoint(g, alpha):
    """g . d logpdf / dx per row: -g alpha^T."""
    return -(op("expand_dims")(g, -1) * transpose(alpha))


def _mvn_cov_adjoint(g, ans, x, mean, cov, allow):
    used, alpha = _mvn_parts(x, mean, cov)
    sym = (op("inv")(used) * sum(g) - _times(alpha * g, alpha)) * -0.5
    return op("tril")(sym, 0) + op("tril")(sym, -1)


def _mvn_cov_tangent(dc, ans, x, mean, cov, allow):
    used, alpha = _mvn_parts(x, mean, cov)
    lower = op("tril")
    ds = lower(dc, 0) + transpose(lower(dc, -1))
    quadratic = sum(alpha * matmul(ds, alpha), 0)
    return (quadratic - sum(op("inv")(used) * ds)) * 0.5


def _mvn_x_tangent(dx, ans, x, mean, cov, allow):
    alpha = _mvn_parts(x, mean, cov)[1]
    return -sum(transpose(alpha) * dx, -1)


def _multivariate_normal(mvn):
    def mvn_logpdf(x, mean=None, cov=1, allow_singular=False):
        return mvn.logpdf(x, mean, cov, allow_singular)

    defprim("mvn_logpdf", mvn_logpdf, ("impl", "mvn_logpdf"),
            arg_names=("x", "mean", "cov", "allow_singular"),
            defaults={"mean": None, "cov": 1, "allow_singular": False},
            functions=(mvn.logpdf,), kind=lambda x, *rest: K.UNKNOWN,
            jvp=(_mvn_x_tangent, lambda dm, ans, *args: -_mvn_x_tangent(dm, ans, *args),
                 _mvn_cov_tangent, None),
            vjp=(lambda g, ans, x, mean, cov, allow:
                 reduce_to(_mvn_row_adjoint(g, _mvn_parts(x, mean, cov)[1]), x),
                 lambda g, ans, x, mean, cov, allow:
                 reduce_to(-_mvn_row_adjoint(g, _mvn_parts(x, mean, cov)[1]), mean),
                 _mvn_cov_adjoint, None),
            samples=[(_MVN_X, _MVN_MEAN, _MVN_COV, False), (_MVN_X[0], _MVN_MEAN, _MVN_COV, False),
                     (_MVN_X, None, _MVN_COV, False)],
            doc="scipy.stats.multivariate_normal.logpdf(x, mean, cov) for a 2-d cov; "
                "reads cov's lower triangle, as SciPy does")


_MVN_X = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])
_MVN_MEAN = np.array([0.1, -0.3, 0.2])
_MVN_COV = np.array([[1.5, 0.3, -0.2], [0.3, 1.1, 0.4], [-0.2, 0.4, 0.9]])


# ----- scipy.linalg.solve_triangular -------------------------------------------------------
def _flag(atom, what):
    value = getattr(atom.atom, "value", "unknown")
    if value == "unknown":
        raise ValueError(f"solve_triangular: {what} must be a constant to be differentiated")
    return value


def _transposed(trans):
    """0 for trans 0 / 'N'; 1 for 1, 2, 'T', 'C' (the same for real matrices)."""
    return 0 if _flag(trans, "trans") in (0, "N", "n") else 1


def _times(u, v):
    """u v^T for vectors, u @ v^T for matrices of right-hand sides."""
    return u._op("outer_rows", u, v)


def _linalg(linalg):
    solve = linalg.solve_triangular

    def impl(a, b, trans=0, lower=False, unit_diagonal=False):
        return solve(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal)

    def triangle(a, lower, unit):
        return a._op("triangle_mask", a, lower, unit)

    def vjp_b(g, ans, a, b, trans, lower, unit):
        return a._op("solve_triangular", a, g, 1 - _transposed(trans), lower, unit)

    def vjp_a(g, ans, a, b, trans, lower, unit):
        gb = vjp_b(g, ans, a, b, trans, lower, unit)
        outer_ = _times(gb, ans) if _transposed(trans) == 0 else _times(ans, gb)
        return -(outer_ * triangle(a, lower, unit))

    def jvp_a(da, ans, a, b, trans, lower, unit):
        masked = da * triangle(a, lower, unit)
        moved = matmul(masked if _transposed(trans) == 0 else transpose(masked), ans)
        return -a._op("solve_triangular", a, moved, trans, lower, unit)

    defprim("solve_triangular", impl, ("impl", "solve_triangular"),
            arg_names=("a", "b", "trans", "lower", "unit_diagonal"),
            defaults={"trans": 0, "lower": False, "unit_diagonal": False}, functions=(solve,),
            kind=lambda a, b, *flags: b if b.is_array else K.UNKNOWN,
            jvp=(jvp_a, lambda db, ans, a, b, t, lo, u: a._op("solve_triangular", a, db, t, lo, u),
                 ZERO, ZERO, ZERO),
            vjp=(vjp_a, vjp_b, ZERO, ZERO, ZERO),
            samples=[(_TRI, _RHS, 0, True, False), (_TRI, _RHS[:, 0], 1, True, False),
                     (_TRI.T, _RHS, "T", False, False), (_TRI.T, _RHS[:, 1], 0, False, True),
                     (_TRI, _RHS, 0, False, False)],
            doc="entries outside the triangle it reads (and a unit diagonal) get zero adjoints")
    defprim("outer_rows", runtime.outer_rows, ("runtime", "outer_rows"), arg_names=("u", "v"),
            kind=lambda u, v: K.array(2, K.broadcast(u, v).dtype) if u.is_array else K.UNKNOWN,
            jvp=(lambda du, ans, u, v: _times(du, v), lambda dv, ans, u, v: _times(u, dv)),
            vjp=(lambda h, ans, u, v: matmul(h, v), lambda h, ans, u, v: matmul(transpose(h), u)),
            samples=[(_RHS, _RHS * 0.5), (_RHS[:, 0], _RHS[:, 1])])
    scipy_linalg.register(linalg)
    scipy_matrices.register(linalg)
    defprim("triangle_mask", _triangle_mask, ("impl", "triangle_mask"),
            arg_names=("a", "lower", "unit_diagonal"), kind=lambda a, lo, u: a,
            jvp=(ZERO, ZERO, ZERO), vjp=(ZERO, ZERO, ZERO))


def _triangle_mask(a, lower, unit_diagonal):
    """1.0 on the entries solve_triangular reads, 0.0 elsewhere."""
    n = np.shape(a)[-1]
    k = -1 if unit_diagonal else 0
    mask = np.tril(np.ones((n, n)), k) if lower else np.triu(np.ones((n, n)), -k)
    return mask.astype(np.result_type(a, np.float32))


_TRI = np.array([[1.5, 0.0, 0.0], [0.4, 2.0, 0.0], [-0.3, 0.7, 1.2]]) + \
    np.array([[0.0, 0.3, -0.2], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
_RHS = np.array([[0.5, -1.0], [1.2, 0.3], [-0.4, 0.9]])
