"""pdf, pmf, cdf, logcdf, sf and logsf of SciPy's distributions, and dirichlet.logpdf;
registered by scipy_rules when the user has imported scipy.stats (this module never imports
SciPy). They are written over the logpdf / logpmf rules (scipy_stats.py, scipy_rules.py), so
every order of derivative goes through them:

    pdf = exp(logpdf)           d pdf = pdf d logpdf             (pmf likewise)
    cdf(x) = F(z), z = (x - loc) / scale
        d/dx = pdf      d/dloc = -pdf      d/dscale = -pdf z     (in the shapes: no rule)
    logcdf: d/dx = exp(logpdf - logcdf);  sf: d/dx = -pdf;  logsf: d/dx = -exp(logpdf - logsf)
"""

import numpy as np

from .. import kinds as K
from .core import reduce_to
from .elementwise import expand_to
from .ops import exp, log, op, sum, transpose
from .table import RULES, defprim

# family -> its shape parameters (the location-scale families with a logpdf rule)
CONTINUOUS = {"norm": (), "t": ("df",), "gamma": ("a",), "beta": ("a", "b"),
              "lognorm": ("s",), "expon": (), "laplace": (), "logistic": (), "cauchy": ()}
DISCRETE = {"poisson": ("mu",), "binom": ("n", "p"), "nbinom": ("n", "p")}
TAILS = ("cdf", "logcdf", "sf", "logsf")


def keyword_call(fn, names, defaults):
    """fn(first, *values) with the arguments after the first passed by keyword where they
    have a default (loc=, scale=), as SciPy's distribution methods take them."""
    def call(first, *args, **given):
        values = dict(defaults, **dict(zip(names[1:], args)), **given)
        positional = [values[n] for n in names[1:] if n not in defaults]
        return fn(first, *positional, **{n: values[n] for n in names[1:] if n in defaults})
    return call


def register(stats):
    for name, shapes in CONTINUOUS.items():
        dist = getattr(stats, name)
        names = ("x",) + shapes + ("loc", "scale")
        defaults = {"loc": 0.0, "scale": 1.0}
        if name != "norm":            # norm.pdf has its own rule (scipy_rules.py)
            _exp_of(f"{name}_pdf", f"{name}_logpdf", dist.pdf, names, defaults)
        for tail in TAILS:
            if name == "norm" and tail == "cdf":
                continue
            _tail_prim(name, tail, getattr(dist, tail), shapes, names, defaults)
    for name, params in DISCRETE.items():
        _exp_of(f"{name}_pmf", f"{name}_logpmf", getattr(stats, name).pmf,
                ("k",) + params + ("loc",), {"loc": 0})
    _exp_of("mvn_pdf", "mvn_logpdf", stats.multivariate_normal.pdf,
            ("x", "mean", "cov", "allow_singular"),
            {"mean": None, "cov": 1, "allow_singular": False})
    _dirichlet(stats.dirichlet)
    _exp_of("dirichlet_pdf", "dirichlet_logpdf", stats.dirichlet.pdf, ("x", "alpha"), {})


# ----- pdf = exp(logpdf), pmf = exp(logpmf) ----------------------------------------------------
def _exp_of(name, log_name, fn, names, defaults):
    """A density whose log has a rule: its derivatives are the log's, times the density."""
    logged = RULES[log_name]

    def jvp(i):
        rule = logged.jvp_rule(i)
        if rule is None:
            return None
        return lambda t, ans, *args: ans * rule(t, op(log_name)(*args), *args)

    def vjp(i):
        rule = logged.vjp_rule(i)
        if rule is None:
            return None
        return lambda g, ans, *args: rule(g * ans, op(log_name)(*args), *args)
    impl = keyword_call(fn, names, defaults) if "loc" in defaults else _positional(fn)
    defprim(name, impl, ("impl", name), arg_names=names, defaults=defaults, functions=(fn,),
            kind=logged.kind, kind_from_atoms=logged.kind_from_atoms,
            shape_from=logged.shape_from,
            jvp=tuple(jvp(i) for i in range(len(names))),
            vjp=tuple(vjp(i) for i in range(len(names))), samples=logged.samples,
            doc=f"exp of {log_name}, in " + ", ".join(
                n for i, n in enumerate(names) if logged.vjp_rule(i) is not None))


def _positional(fn):
    def call(*args, **given):
        return fn(*args, **given)
    return call


# ----- cdf, logcdf, sf, logsf in x, loc and scale ---------------------------------------------
def _tail_prim(name, tail, fn, shapes, names, defaults):
    k = len(shapes)
    log_pdf = op(f"{name}_logpdf")

    def d_x(ans, *args):
        """d tail / dx: the density, its share of the tail for the logs, negated for sf."""
        lp = log_pdf(*args)
        slope = exp(lp - ans) if tail.startswith("log") else exp(lp)
        return -slope if tail.endswith("sf") else slope

    def partial(i):
        if i == 0:
            return d_x
        if i <= k:
            return None                 # in a shape parameter: no closed form
        if i == k + 1:
            return lambda ans, *args: -d_x(ans, *args)
        return lambda ans, *args: -d_x(ans, *args) * ((args[0] - args[k + 1]) / args[k + 2])

    def jvp(d):
        return None if d is None else lambda t, ans, *args: expand_to(t * d(ans, *args), ans)

    def vjp(i, d):
        return None if d is None else \
            lambda g, ans, *args: reduce_to(g * d(ans, *args), args[i])
    parts = [partial(i) for i in range(k + 3)]
    samples = RULES[f"{name}_logpdf"].samples
    defprim(f"{name}_{tail}", keyword_call(fn, names, defaults), ("impl", f"{name}_{tail}"),
            arg_names=names, defaults=defaults, functions=(fn,),
            kind=lambda *ks: K.floating(K.broadcast(*ks)), shape_from="args",
            jvp=tuple(jvp(d) for d in parts), vjp=tuple(vjp(i, d) for i, d in enumerate(parts)),
            samples=samples,
            doc=f"scipy.stats.{name}.{tail} in x, loc, scale"
                + (f" (no rule in {', '.join(shapes)})" if shapes else ""))


# ----- dirichlet.logpdf in alpha -----------------------------------------------------------------
def _dirichlet(dirichlet):
    """logpdf(x, alpha) = sum((alpha - 1) log x) + gammaln(sum alpha) - sum gammaln(alpha),
    x of shape (K,) or (K, N) (a point per column). In x it has no rule: SciPy refuses an x
    off the simplex, so a derivative in x has no meaning there."""
    digamma = op("digamma")

    def partials(x, alpha):
        """d logpdf / d alpha, one row per point: shaped (K,) or (N, K)."""
        return log(transpose(x)) + digamma(sum(alpha)) - digamma(alpha)

    def jvp(t, ans, x, alpha):
        return sum(partials(x, alpha) * t, -1)

    def vjp(g, ans, x, alpha):
        return reduce_to(op("expand_dims")(g, -1) * partials(x, alpha), alpha)
    defprim("dirichlet_logpdf", dirichlet.logpdf, ("impl", "dirichlet_logpdf"),
            arg_names=("x", "alpha"), functions=(dirichlet.logpdf,),
            kind=lambda x, alpha: K.FLOAT if x.is_array and x.ndim == 1 else K.UNKNOWN,
            jvp=(None, jvp), vjp=(None, vjp),
            samples=[(_SIMPLEX[:, 0].copy(), np.array([1.5, 2.5, 0.8])),
                     (_SIMPLEX, np.array([1.5, 2.5, 0.8]))],
            doc="in alpha; x lies on the simplex, where SciPy checks it: no rule in x")


_SIMPLEX = np.array([[0.2, 0.5, 0.1, 0.3], [0.3, 0.25, 0.6, 0.3], [0.5, 0.25, 0.3, 0.4]])
