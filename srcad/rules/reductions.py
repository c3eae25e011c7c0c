"""Reductions beyond sum and mean: max/min (ties share the gradient), prod, var and std.

Each accepts `axis` (None, int, negative int or tuple) and `keepdims`, as function and as
array method. Where the result keeps the reduced axes (keepdims=True, or a reduction over
everything), the adjoint g already broadcasts against x and is used as it is; otherwise the
reduced axes are put back with np.expand_dims, and NumPy's broadcasting does the rest.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from ..ir import Const
from . import defprim
from .arrays import _mean_kind, _reduced_kind, keyword_impl
from .ops import ZERO, astype, count, eq, expand_dims, mean, size, sum

_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])
_T3 = np.arange(24.0).reshape(2, 3, 4) / 10.0 - 1.1
_TIES = np.array([[0.5, 0.9, 0.9], [0.2, 0.2, -0.3]])
_AXIS_SAMPLES = [(None, False), (None, True), (0, False), (1, True), (-1, False)]
_T3_SAMPLES = [((0, 2), False), ((-1, 0), True), (-2, False)]


def _const(atom, default="unknown"):
    """The value of a constant argument, or `default` when it is only known at run time."""
    return getattr(atom.atom, "value", default)


def _expand(g, x, axis, keepdims):
    """g (shaped like the reduction's result) reshaped to broadcast against its input x."""
    if _const(axis) is None or _const(keepdims) is True or g.kind.is_scalar:
        return g
    if _const(keepdims) is False and _const(axis) != "unknown":
        return expand_dims(g, axis)
    return g._op("unreduce", g, x, axis, keepdims)


def _count(x, axis):
    """How many elements each result of a reduction of x over axis combines."""
    return size(x) if _const(axis) is None else count(x, axis)


def _float_like(mask, x):
    """A 0/1 mask in x's float dtype, so that float32 adjoints stay float32."""
    kind = x.kind
    if kind.is_array and kind.dtype == "float64":
        return mask
    if kind.is_array:
        return astype(mask, kind.dtype)
    return mask._op("cast_like", mask, x)


# ----- max and min -------------------------------------------------------------------------
def _share(ans, x, axis, keepdims):
    """Where x attains its extremum, 1 / (the number of ties); 0 elsewhere."""
    mask = _float_like(eq(x, _expand(ans, x, axis, keepdims)), x)
    return mask / sum(mask, axis, True)


def _extremum_vjp(g, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return g
    return _share(ans, x, axis, keepdims) * _expand(g, x, axis, keepdims)


def _extremum_jvp(dx, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return dx
    return sum(_share(ans, x, axis, keepdims) * dx, axis, keepdims)


def _reduction_samples(base):
    return ([(base, a, k) for a, k in _AXIS_SAMPLES] + [(_T3, a, k) for a, k in _T3_SAMPLES]
            + [(0.7, None, False)])


for _name, _fn, _aliases in (("max", np.max, (np.amax,)), ("min", np.min, (np.amin,))):
    defprim(_name, keyword_impl(_fn), ("call", f"np.{_name}"), arg_names=("x", "axis", "keepdims"),
            defaults={"axis": None, "keepdims": False}, functions=(_fn,) + _aliases,
            methods=(_name,), kind=_reduced_kind, kind_from_atoms=True,
            jvp=(_extremum_jvp, ZERO, ZERO), vjp=(_extremum_vjp, ZERO, ZERO),
            samples=_reduction_samples(_M) + [(_TIES, None, False), (_TIES, 1, False),
                                              (_TIES, 0, True)],
            doc="ties split the gradient evenly (docs/conventions.md)")

# ----- prod --------------------------------------------------------------------------------


def _prod_vjp(g, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return g
    return _expand(g, x, axis, keepdims) * x._op("prod_others", x, axis)


def _prod_jvp(dx, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return dx
    return sum(x._op("prod_others", x, axis) * dx, axis, keepdims)


defprim("prod", keyword_impl(np.prod), arg_names=("x", "axis", "keepdims"),
        defaults={"axis": None, "keepdims": False}, functions=(np.prod,), methods=("prod",),
        kind=_reduced_kind, kind_from_atoms=True,
        jvp=(_prod_jvp, ZERO, ZERO), vjp=(_prod_vjp, ZERO, ZERO),
        samples=_reduction_samples(_M) + [(np.array([[0.0, 0.9, 1.3], [0.0, 0.0, 1.1]]), 1, False),
                                          (np.array([0.7, 0.0, 1.2]), None, False)],
        doc="the adjoint multiplies the other factors (no division: zeros are fine)")
defprim("prod_others", runtime.prod_others, ("runtime", "prod_others"),
        arg_names=("x", "axis"), defaults={"axis": None}, shape_from=0,
        kind=lambda x, axis: x if x.is_array else K.UNKNOWN)

# ----- var and std ------------------------------------------------------------------------


def _centered(x, axis):
    return x - mean(x, axis, True)


def _var_vjp(g, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    return _expand(g, x, axis, keepdims) * _centered(x, axis) * (2.0 / (_count(x, axis) - ddof))


def _var_jvp(dx, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    return sum(_centered(x, axis) * dx, axis, keepdims) * (2.0 / (_count(x, axis) - ddof))


def _std_vjp(g, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    return _expand(g / ans, x, axis, keepdims) * _centered(x, axis) / (_count(x, axis) - ddof)


def _std_jvp(dx, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    return sum(_centered(x, axis) * dx, axis, keepdims) / ((_count(x, axis) - ddof) * ans)


def _moment_impl(fn):
    def impl(x, axis=None, ddof=0, keepdims=False):
        return fn(x, axis=axis, ddof=ddof, keepdims=keepdims)
    impl.__name__ = fn.__name__
    return impl


def _moment_kind(x, axis, ddof, keepdims):
    return _mean_kind(x, axis, keepdims)


_MOMENT_SAMPLES = [(_M, None, 0, False), (_M, 0, 1, False), (_M, 1, 0, True),
                   (_M, -1, 1, False), (_T3, (0, 2), 0, False), (_T3, (1,), 1, True)]

for _name, _fn, _vjp, _jvp in (("var", np.var, _var_vjp, _var_jvp),
                               ("std", np.std, _std_vjp, _std_jvp)):
    defprim(_name, _moment_impl(_fn), arg_names=("x", "axis", "ddof", "keepdims"),
            defaults={"axis": None, "ddof": 0, "keepdims": False}, functions=(_fn,),
            methods=(_name,), kind=_moment_kind, kind_from_atoms=True,
            jvp=(_jvp, ZERO, ZERO, ZERO), vjp=(_vjp, ZERO, ZERO, ZERO),
            samples=_MOMENT_SAMPLES)

# ----- helpers for the rules above --------------------------------------------------------
defprim("cast_like", runtime.cast_like, ("runtime", "cast_like"), arg_names=("x", "like"),
        shape_from=0, kind=lambda x, like: K.UNKNOWN)
