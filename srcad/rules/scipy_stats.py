"""logpdf of SciPy's continuous location-scale families (t, gamma, beta, expon, laplace,
logistic, cauchy, lognorm), in the point, loc, scale and every shape parameter; registered by
scipy_rules when the user has imported scipy.stats (this module never imports SciPy).

Each family is logpdf(x, *shapes, loc, scale) = lp((x - loc) / scale, *shapes) - log(scale),
given by lp's derivative in z and in each shape:

    d/dx = lp_z / scale     d/dloc = -lp_z / scale     d/dscale = -(lp_z z + 1) / scale
"""

import numpy as np

from .. import kinds as K
from .core import reduce_to
from .elementwise import expand_to
from .ops import log, log1p, op, sign, tanh
from .table import defprim

_X = np.array([[0.3, 1.2, 0.5], [0.8, 0.1, 1.6]])
_UNIT = np.array([[0.3, 0.6, 0.9], [0.45, 0.2, 0.8]])


def _digamma(x):
    return op("digamma")(x)


# name -> (shape names, lp_z(z, *shapes), (d lp / d shape)(z, *shapes) for each, samples)
def _families():
    return {
        "t": (("df",), lambda z, df: -(df + 1.0) * z / (df + z * z),
              (_t_ddf,), [(_X - 0.5, 3.5, 0.2, 1.3), (0.7, np.array([2.5, 4.0, 7.0]), 0.0, 1.0)]),
        "gamma": (("a",), lambda z, a: (a - 1.0) / z - 1.0,
                  (lambda z, a: log(z) - _digamma(a),),
                  [(_X, 2.5, -0.2, 1.3), (1.4, np.array([1.5, 2.0, 3.0]), 0.0, 1.0)]),
        "beta": (("a", "b"), lambda z, a, b: (a - 1.0) / z - (b - 1.0) / (1.0 - z),
                 (lambda z, a, b: log(z) - _digamma(a) + _digamma(a + b),
                  lambda z, a, b: log1p(-z) - _digamma(b) + _digamma(a + b)),
                 [(_UNIT, 2.5, 1.5, 0.0, 1.0), (0.4, 1.3, np.array([2.0, 3.0]), -0.1, 1.2)]),
        "lognorm": (("s",), lambda z, s: -(1.0 + log(z) / (s * s)) / z,
                    (lambda z, s: (log(z) * log(z)) / (s * s * s) - 1.0 / s,),
                    [(_X, 0.7, -0.05, 1.3), (1.1, np.array([0.5, 0.9]), 0.0, 1.0)]),
        "expon": ((), lambda z: z * 0.0 - 1.0, (), [(_X, -0.05, 1.3), (0.7, 0.0, 1.0)]),
        "laplace": ((), lambda z: -sign(z), (), [(_X - 0.75, 0.1, 1.3), (0.7, 0.0, 1.0)]),
        "logistic": ((), lambda z: -tanh(z * 0.5), (), [(_X - 0.7, 0.1, 1.3), (0.7, 0.0, 1.0)]),
        "cauchy": ((), lambda z: -2.0 * z / (1.0 + z * z), (),
                   [(_X - 0.7, 0.1, 1.3), (0.7, 0.0, 1.0)]),
    }


def _t_ddf(z, df):
    q = z * z / df
    return (0.5 * (_digamma((df + 1.0) * 0.5) - _digamma(df * 0.5)) - 0.5 / df
            - 0.5 * log1p(q) + 0.5 * (df + 1.0) * q / (df + z * z))


def register(stats):
    for name, (shapes, lp_z, lp_shapes, samples) in _families().items():
        _logpdf_prim(name, getattr(stats, name).logpdf, shapes, lp_z, lp_shapes, samples)
    for name, (params, partials, samples) in _discrete().items():
        _logpmf_prim(name, getattr(stats, name).logpmf, params, partials, samples)


# ----- logpmf of discrete families in their continuous parameters ---------------------------------
_COUNTS = np.array([[0, 3, 1], [2, 5, 4]])


def _discrete():
    return {
        "poisson": (("mu",), (lambda k, mu: k / mu - 1.0,),
                    [(_COUNTS, 2.5, 0), (3, np.array([1.5, 4.0]), 0)]),
        "binom": (("n", "p"), (None, lambda k, n, p: k / p - (n - k) / (1.0 - p)),
                  [(_COUNTS, 6, 0.35, 0), (2, 7, np.array([0.2, 0.6]), 0)]),
        "nbinom": (("n", "p"),
                   (lambda k, n, p: _digamma(k + n) - _digamma(n) + log(p),
                    lambda k, n, p: n / p - k / (1.0 - p)),
                   [(_COUNTS, 2.5, 0.35, 0), (2, np.array([1.5, 3.0]), 0.6, 0)]),
    }


def _logpmf_prim(name, fn, params, partials, samples):
    """logpmf(k, *params, loc) in its continuous parameters (k and loc are integers)."""
    def impl(k, *args, **given):
        values = dict(zip(params + ("loc",), args), **given)
        return fn(k, *(values[p] for p in params), loc=values.get("loc", 0))

    def jvp(d):
        return None if d is None else \
            lambda t, ans, k, *args: expand_to(t * d(k, *args[:-1]), ans)

    def vjp(i, d):
        return None if d is None else \
            lambda g, ans, k, *args: reduce_to(g * d(k, *args[:-1]), args[i])
    defprim(f"{name}_logpmf", impl, ("impl", f"{name}_logpmf"),
            arg_names=("k",) + params + ("loc",), defaults={"loc": 0}, functions=(fn,),
            kind=lambda *ks: K.floating(K.broadcast(*ks[:-1])), shape_from="args",
            jvp=(None,) + tuple(jvp(d) for d in partials) + (None,),
            vjp=(None,) + tuple(vjp(i, d) for i, d in enumerate(partials)) + (None,),
            samples=samples, doc=f"scipy.stats.{name}.logpmf in "
            + ", ".join(p for p, d in zip(params, partials) if d))


def _impl(fn, shapes):
    def logpdf(x, *args, **given):
        values = dict(zip(shapes + ("loc", "scale"), args), **given)
        return fn(x, *(values[n] for n in shapes), loc=values.get("loc", 0.0),
                  scale=values.get("scale", 1.0))
    return logpdf


def _logpdf_prim(name, fn, shapes, lp_z, lp_shapes, samples):
    k = len(shapes)

    def parts(args):
        x, shape_args, loc, scale = args[0], args[1:1 + k], args[1 + k], args[2 + k]
        z = (x - loc) / scale
        return z, shape_args, scale

    def partial(i):
        def d(ans, *args):
            z, shape_args, scale = parts(args)
            if i == 0:
                return lp_z(z, *shape_args) / scale
            if i <= k:
                return lp_shapes[i - 1](z, *shape_args)
            if i == k + 1:
                return -lp_z(z, *shape_args) / scale
            return -(lp_z(z, *shape_args) * z + 1.0) / scale
        return d

    def jvp(i):
        return lambda t, ans, *args: expand_to(t * partial(i)(ans, *args), ans)

    def vjp(i):
        return lambda g, ans, *args: reduce_to(g * partial(i)(ans, *args), args[i])
    n = k + 3
    defprim(f"{name}_logpdf", _impl(fn, shapes), ("impl", f"{name}_logpdf"),
            arg_names=("x",) + shapes + ("loc", "scale"), defaults={"loc": 0.0, "scale": 1.0},
            functions=(fn,), kind=lambda *ks: K.floating(K.broadcast(*ks)), shape_from="args",
            jvp=tuple(jvp(i) for i in range(n)), vjp=tuple(vjp(i) for i in range(n)),
            samples=samples,
            doc=f"scipy.stats.{name}.logpdf in x, {', '.join(shapes + ('loc', 'scale'))}")

