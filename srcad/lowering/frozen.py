"""Frozen SciPy distributions, resolved when the function is transformed:

    d = norm(mu, sigma)          a `Frozen` value: the distribution and the lowered arguments
    d.logpdf(x)           ->     norm.logpdf(x, mu, sigma)      (the rule of norm.logpdf)

as SciPy's own frozen distributions compute them (`rv_frozen.logpdf(x)` is
`dist.logpdf(x, *args, **kwds)`). Only a distribution whose point methods have rules is frozen
here; its other methods (`d.mean()`, `d.rvs(size=3)`) and a frozen distribution used as a value
(returned, passed to a function with no source) are the real frozen object, made when the code
runs and called as written: right where nothing in them depends on the differentiated inputs,
refused by the transforms where something does.
"""

from ..ir.nodes import Const
from .dispatch import NOT_MINE
from ..rules import prim_of
from .values import Static, from_python

# the methods of a frozen distribution that take the point first: d.m(x) = dist.m(x, *args)
POINT_METHODS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "pmf", "logpmf", "ppf", "isf")


class Frozen:
    """`dist(*args, **kwargs)`: a SciPy distribution with its lowered arguments."""

    def __init__(self, dist, args, kwargs):
        self.dist, self.args, self.kwargs = dist, list(args), dict(kwargs)
        self.__name__ = f"the frozen distribution {dist_name(dist)}(...)"

    def __call__(self, *args, **kwargs):      # callable: lowering never takes it for a constant
        raise TypeError(f"{self.__name__} is not callable")


class FrozenMethod:
    """`d.name` of a Frozen d, before it is called."""

    def __init__(self, frozen, name):
        self.frozen, self.name = frozen, name
        self.__name__ = f"{dist_name(frozen.dist)}(...).{name}"

    def __call__(self, *args, **kwargs):
        raise TypeError(f"{self.__name__} is called only in a transformed function")


def dist_name(dist):
    return getattr(dist, "name", None) or type(dist).__name__.removesuffix("_gen")


def is_distribution(fn):
    """A scipy.stats distribution object with a rule for one of its point methods."""
    if not type(fn).__module__.startswith("scipy.stats"):
        return False
    return any(prim_of(getattr(fn, m, None)) is not None for m in POINT_METHODS)


class FrozenDistributions:
    """A part of the lowering `lw` of a function: frozen distributions, as handlers of its
    hooks (lowering/dispatch.py)."""

    def __init__(self, lw):
        self.lw = lw

    def call(self, node, fn, args, kwargs, builder):
        if isinstance(fn, FrozenMethod):
            return self.frozen_method(node, fn, args, kwargs, builder)
        if is_distribution(fn):
            return Static(Frozen(fn, args, kwargs))
        return NOT_MINE

    def attribute(self, node, obj, obj_name):
        if isinstance(obj, Frozen):
            return Static(FrozenMethod(obj, node.attr))
        return NOT_MINE

    def atom(self, value, builder, node):
        obj = value.obj if isinstance(value, Static) else None
        if isinstance(obj, Frozen):
            return self.thaw(obj, builder, node)
        if isinstance(obj, FrozenMethod):
            return self.lw.emit("attr", [self.thaw(obj.frozen, builder, node),
                                            Const(obj.name)], builder, node)
        return NOT_MINE

    def thaw(self, frozen, builder, node):
        """The real frozen distribution, made when the code runs."""
        return self.lw.opaque.opaque_call(node, frozen.dist, frozen.args, frozen.kwargs, builder)

    def frozen_method(self, node, method, args, kwargs, builder):
        frozen = method.frozen
        if method.name in POINT_METHODS and len(args) == 1 and \
                not set(kwargs) & set(frozen.kwargs):
            callee = from_python(getattr(frozen.dist, method.name))
            return self.lw.call(node, callee, [*args, *frozen.args],
                                   {**frozen.kwargs, **kwargs}, builder)
        return self.lw.opaque.opaque_method(node, self.thaw(frozen, builder, node), method.name,
                                        args, kwargs, builder)
