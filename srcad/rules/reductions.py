"""Reductions beyond sum and mean: max/min (ties share the gradient), prod, var and std.

Each accepts `axis` (None, int, negative int or tuple) and `keepdims`, as function and as
array method. Where the result keeps the reduced axes (keepdims=True, or a reduction over
everything), the adjoint g already broadcasts against x and is used as it is; otherwise the
reduced axes are put back with np.expand_dims, and NumPy's broadcasting does the rest.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from ..ir.atoms import Const
from ..runtime import is_lazy
from .arrays import keyword_impl, mean_kind, reduced_kind, reduced_ones, with_dtype
from .core import reduce_to
from .ops import (
    ZERO,
    astype,
    broadcast_like,
    count,
    eq,
    expand_dims,
    mean,
    op,
    reshape,
    shape,
    size,
    sum,
    where,
    zeros_like,
)
from .table import defprim

_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])
_T3 = np.arange(24.0).reshape(2, 3, 4) / 10.0 - 1.1
_TIES = np.array([[0.5, 0.9, 0.9], [0.2, 0.2, -0.3]])
_AXIS_SAMPLES = [(None, False), (None, True), (0, False), (1, True), (-1, False)]
_T3_SAMPLES = [((0, 2), False), ((-1, 0), True), (-2, False)]


def _const(atom, default="unknown"):
    """The value of a constant argument, or `default` when it is only known at run time."""
    return getattr(atom.atom, "value", default)


def unreduce(g, x, axis, keepdims):
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
    mask = _float_like(eq(x, unreduce(ans, x, axis, keepdims)), x)
    return mask / sum(mask, axis, True)


def _extremum_vjp(g, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return g
    return _share(ans, x, axis, keepdims) * unreduce(g, x, axis, keepdims)


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
            methods=(_name,), kind=reduced_kind, kind_from_atoms=True, ones=reduced_ones,
            jvp=(_extremum_jvp, ZERO, ZERO), vjp=(_extremum_vjp, ZERO, ZERO),
            samples=_reduction_samples(_M) + [(_TIES, None, False), (_TIES, 1, False),
                                              (_TIES, 0, True)],
            doc="ties split the gradient evenly (docs/conventions.md)")

# ----- prod --------------------------------------------------------------------------------


def _prod_vjp(g, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return g
    return unreduce(g, x, axis, keepdims) * x._op("prod_others", x, axis)


def _prod_jvp(dx, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return dx
    return sum(x._op("prod_others", x, axis) * dx, axis, keepdims)


defprim("prod", keyword_impl(np.prod), arg_names=("x", "axis", "keepdims"),
        defaults={"axis": None, "keepdims": False}, functions=(np.prod,), methods=("prod",),
        kind=reduced_kind, kind_from_atoms=True, ones=reduced_ones,
        jvp=(_prod_jvp, ZERO, ZERO), vjp=(_prod_vjp, ZERO, ZERO),
        samples=_reduction_samples(_M) + [(np.array([[0.0, 0.9, 1.3], [0.0, 0.0, 1.1]]), 1, False),
                                          (np.array([0.7, 0.0, 1.2]), None, False)],
        doc="the adjoint multiplies the other factors (no division: zeros are fine)")
defprim("prod_others", runtime.prod_others, ("runtime", "prod_others"),
        arg_names=("x", "axis"), defaults={"axis": None}, shape_from=0,
        kind=lambda x, axis: x if x.is_array else K.UNKNOWN)

# ----- var and std ------------------------------------------------------------------------


def _centered(x, axis):
    """x minus its mean over axis. Over axis 0 or all of x the mean broadcasts back as it is,
    so it is spelled as people write it (`x - np.mean(x, axis=0)`) and is the same equation
    as theirs where they computed it too (batch norm's `x - mu`): computed once."""
    if _const(axis) is None or _const(axis) == 0 and type(_const(axis)) is int:
        return x - mean(x, axis, False)
    return x - mean(x, axis, True)


def _var_vjp(g, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    scale = 2.0 / (_count(x, axis) - ddof)       # on g, before g is spread over x's shape
    return unreduce(g * scale, x, axis, keepdims) * _centered(x, axis)


def _var_jvp(dx, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    return sum(_centered(x, axis) * dx, axis, keepdims) * (2.0 / (_count(x, axis) - ddof))


def _std_vjp(g, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    spread = _std_divisor(ans, x, axis, keepdims)
    if spread is None:
        return zeros_like(x)
    scale = g / spread / (_count(x, axis) - ddof)
    return unreduce(scale, x, axis, keepdims) * _centered(x, axis)


def _std_jvp(dx, ans, x, axis, ddof, keepdims):
    if x.kind.is_scalar:
        return Const(0.0)
    spread = _std_divisor(ans, x, axis, keepdims)
    if spread is None:
        return zeros_like(ans)
    return sum(_centered(x, axis) * dx, axis, keepdims) / ((_count(x, axis) - ddof) * spread)


def _std_divisor(ans, x, axis, keepdims):
    """What the derivative of std divides by: std itself, except where the values it combines
    are all equal (an axis of length 1 among them), where std is 0 or the rounding error of
    their mean and its derivative is 0 by convention (docs/nondifferentiable.md): inf there.
    None where the size-1 patterns say every reduced axis has length 1."""
    if _reduced_ones(x.kind, _const(axis)) is True:
        return None
    return where(x._op("equal_values", x, ans, axis, keepdims), Const(np.inf), ans)


def _reduced_ones(kind, axis):
    """True / False where the size-1 pattern says all / not all reduced axes have size 1;
    None where it does not say."""
    if not kind.is_array or kind.ones is None or axis == "unknown":
        return None
    if axis is None:
        axes = range(kind.ndim)
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        if not all(isinstance(a, int) and -kind.ndim <= a < kind.ndim for a in axes):
            return None
    flags = [kind.ones[a] for a in axes]
    if False in flags:
        return False
    return True if all(flags) else None


def equal_values(x, ans, axis=None, keepdims=False):
    """Where all the values of x that each result `ans` of np.std(x, axis) combines are equal.

    There ans is 0 or the rounding error of their mean (np.std(np.full(3, 0.7)) is 1.1e-16,
    not 0), far below the rounding bound n**1.5 * eps * |value|; values that differ give more,
    so one comparison on ans rules out most results before x is compared exactly."""
    lazy = is_lazy(x)          # a Dask array: no early `if` (it would compute)
    x = x if lazy else np.asarray(x)
    axes = range(x.ndim) if axis is None else [int(a) % x.ndim for a in np.atleast_1d(axis)]
    first = x[tuple(slice(0, 1) if i in axes else slice(None) for i in range(x.ndim))]
    n = x.size // max(first.size, 1)
    eps = np.finfo(np.result_type(ans, np.float16)).eps
    suspect = np.reshape(ans, first.shape) <= 4.0 * n ** 1.5 * eps * np.abs(first)
    if lazy or suspect.any():
        suspect &= np.all(x == first, axis=tuple(axes), keepdims=True)
    return suspect if keepdims else suspect.reshape(np.shape(ans))


def _equal_values_kind(x, ans, axis, keepdims):
    kind = reduced_kind(x, axis, keepdims)
    return with_dtype(kind, "bool") if kind.is_array else kind


defprim("equal_values", equal_values, ("impl", "equal_values"),
        arg_names=("x", "ans", "axis", "keepdims"), defaults={"axis": None, "keepdims": False},
        kind=_equal_values_kind, kind_from_atoms=True, jvp=(ZERO,) * 4, vjp=(ZERO,) * 4,
        doc="where the values each result of np.std combines are all equal (its derivative "
            "is 0 there)")


def _moment_impl(fn):
    def impl(x, axis=None, ddof=0, keepdims=False):
        return fn(x, axis=axis, ddof=ddof, keepdims=keepdims)
    impl.__name__ = fn.__name__
    return impl


def _moment_kind(x, axis, ddof, keepdims):
    return mean_kind(x, axis, keepdims)


_MOMENT_SAMPLES = [(_M, None, 0, False), (_M, 0, 1, False), (_M, 1, 0, True),
                   (_M, -1, 1, False), (_T3, (0, 2), 0, False), (_T3, (1,), 1, True),
                   (_M[:1], 0, 0, False), (_M[:, :1], 1, 0, True), (_T3[:1, :, :1], (0, 2), 0,
                                                                     False),
                   (_M[:1, :1], None, 0, False)]

for _name, _fn, _vjp, _jvp in (("var", np.var, _var_vjp, _var_jvp),
                               ("std", np.std, _std_vjp, _std_jvp)):
    defprim(_name, _moment_impl(_fn), arg_names=("x", "axis", "ddof", "keepdims"),
            defaults={"axis": None, "ddof": 0, "keepdims": False}, functions=(_fn,),
            methods=(_name,), kind=_moment_kind, kind_from_atoms=True,
            jvp=(_jvp, ZERO, ZERO, ZERO), vjp=(_vjp, ZERO, ZERO, ZERO),
            samples=_MOMENT_SAMPLES)

# ----- helpers for the rules above --------------------------------------------------------
defprim("cast_like", runtime.cast_like, ("runtime", "cast_like"), arg_names=("x", "like"),
        shape_from=0, kind=lambda x, like: K.UNKNOWN,
        jvp=(lambda dx, ans, x, like: dx._op("cast_like", dx, like), ZERO),
        vjp=(lambda g, ans, x, like: g._op("cast_like", g, x), ZERO),
        samples=[(np.array([0.5, 1.5]), np.ones(2, dtype=np.float32))])


# ----- ptp ---------------------------------------------------------------------------------
def _ptp_vjp(g, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return 0.0 * g
    high, low = x._op("max", x, axis, keepdims), x._op("min", x, axis, keepdims)
    spread = _share(high, x, axis, keepdims) - _share(low, x, axis, keepdims)
    return spread * unreduce(g, x, axis, keepdims)


def _ptp_jvp(dx, ans, x, axis, keepdims):
    if x.kind.is_scalar:
        return 0.0 * dx
    high, low = x._op("max", x, axis, keepdims), x._op("min", x, axis, keepdims)
    spread = _share(high, x, axis, keepdims) - _share(low, x, axis, keepdims)
    return sum(spread * dx, axis, keepdims)


defprim("ptp", keyword_impl(np.ptp), ("call", "np.ptp"), arg_names=("x", "axis", "keepdims"),
        defaults={"axis": None, "keepdims": False}, functions=(np.ptp,), kind=reduced_kind,
        kind_from_atoms=True, jvp=(_ptp_jvp, ZERO, ZERO), vjp=(_ptp_vjp, ZERO, ZERO),
        samples=_reduction_samples(_M)[:-1],
        doc="max - min along axis; ties split the gradient evenly, as for max and min")


# ----- cumsum and cumprod ------------------------------------------------------------------
flip, cumsum, cumprod, ravel = op("flip"), op("cumsum"), op("cumprod"), op("ravel")
linear_scan, shift = op("linear_scan"), op("shift")


def _scan_axis(x, axis):
    """(x, axis) for a scan: x flattened and axis 0 when axis is None (NumPy's convention)."""
    value = _const(axis)
    if value == "unknown":
        raise ValueError("cumsum/cumprod need a constant axis to be differentiated")
    return (ravel(x), Const(0)) if value is None else (x, axis)


def _unscan(result, x, axis):
    """A flattened scan's adjoint back in x's shape."""
    if _const(axis) is not None:
        return result
    return reshape(result, shape(x)) if x.kind.is_array else result._op("reshape_like", result, x)


def _reverse_cumsum(g, axis):
    """sum over i >= j of g_i: the adjoint of a cumulative sum."""
    return flip(cumsum(flip(g, axis), axis), axis)


def _cumsum_vjp(g, ans, x, axis):
    if x.kind.is_scalar:
        return sum(g)
    return _unscan(_reverse_cumsum(g, _scan_axis(x, axis)[1]), x, axis)


def _scan_kind(x, axis):
    if x.is_float_scalar:
        return K.array(1)
    if not x.is_array:
        return K.UNKNOWN
    return K.array(1, x.dtype) if axis.tag == "none" else x


def _scan_impl(fn):
    def impl(x, axis=None):
        return fn(x, axis=axis)
    impl.__name__ = fn.__name__
    return impl


_SCAN_SAMPLES = [(_M, None), (_M, 0), (_M, 1), (_T3, -1), (_T3, 1), (0.7, None)]

defprim("cumsum", _scan_impl(np.cumsum), ("call", "np.cumsum"), arg_names=("x", "axis"),
        defaults={"axis": None}, functions=(np.cumsum,), methods=("cumsum",), kind=_scan_kind,
        jvp=(lambda dx, ans, x, axis: cumsum(dx, axis), ZERO), vjp=(_cumsum_vjp, ZERO),
        samples=_SCAN_SAMPLES)


def _cumprod_vjp(g, ans, x, axis):
    """sum over i >= j of g_i * prod_{k <= i, k != j} x_k = E_j * S_j, where E_j is the
    product of the x before j and S_j = g_j + x_(j+1) * S_(j+1): no division, so zeros in x
    are exact, and built of scans whose own derivatives are scans (every order is exact)."""
    if x.kind.is_scalar:
        return sum(g)
    flat, ax = _scan_axis(x, axis)
    before = shift(ans, ax, False, 1.0)
    after = linear_scan(g, shift(flat, ax, True, 0.0), ax, True)
    return _unscan(before * after, x, axis)


def _cumprod_jvp(dx, ans, x, axis):
    """T_i = x_i * T_(i-1) + E_i * dx_i, with E_i the product of the x before i."""
    if x.kind.is_scalar:
        return cumprod(dx, axis)
    flat, ax = _scan_axis(x, axis)
    dflat = ravel(dx) if _const(axis) is None else dx
    return linear_scan(shift(ans, ax, False, 1.0) * dflat, flat, ax, False)


defprim("cumprod", _scan_impl(np.cumprod), ("call", "np.cumprod"), arg_names=("x", "axis"),
        defaults={"axis": None}, functions=(np.cumprod,), methods=("cumprod",), kind=_scan_kind,
        jvp=(_cumprod_jvp, ZERO), vjp=(_cumprod_vjp, ZERO),
        samples=_SCAN_SAMPLES + [(np.array([[0.5, 0.0, 1.5, 2.0], [0.0, 0.7, 0.0, 1.2]]), 1),
                                 (np.array([0.9, 0.0, 1.1, 0.0, 1.3]), None)],
        doc="exact where x has zeros (no division by them), at every order")


def _opposite(reverse):
    return Const(not _const(reverse))


def _scan_vjp_b(h, ans, b, a, axis, reverse):
    """The transpose of a forward scan is a reverse scan whose coefficients are shifted by
    one (z_j = h_j + a_(j+1) z_(j+1)), and the other way round."""
    return linear_scan(h, shift(a, axis, _opposite(reverse), 0.0), axis, _opposite(reverse))


def _previous(y, axis, reverse):
    """y_(i-1) (y_(i+1) for a reverse scan): what a_i multiplies."""
    return shift(y, axis, reverse, 0.0)


defprim("linear_scan", runtime.linear_scan, ("runtime", "linear_scan"),
        arg_names=("b", "a", "axis", "reverse"), defaults={"axis": 0, "reverse": False},
        kind=lambda b, a, axis, reverse: K.broadcast(b, a), shape_from="args",
        jvp=(lambda db, ans, b, a, axis, rev: linear_scan(db, a, axis, rev),
             lambda da, ans, b, a, axis, rev: linear_scan(da * _previous(ans, axis, rev), a,
                                                         axis, rev), ZERO, ZERO),
        vjp=(lambda h, ans, b, a, axis, rev: reduce_to(_scan_vjp_b(h, ans, b, a, axis, rev), b),
             lambda h, ans, b, a, axis, rev: reduce_to(_scan_vjp_b(h, ans, b, a, axis, rev)
                                                       * _previous(ans, axis, rev), a),
             ZERO, ZERO),
        samples=[(_M, _M + 0.5, 1, False), (_M, _M - 0.2, 0, True),
                 (_T3, np.array([0.0, 1.5, -0.5, 0.0]), -1, False),
                 (_T3 * 0.3, _T3 * 0.2, 1, True)],
        doc="y_i = a_i y_(i-1) + b_i along axis (reverse: y_(i+1)); the scans of cumprod")
defprim("shift", runtime.shift, ("runtime", "shift"), arg_names=("y", "axis", "reverse", "fill"),
        defaults={"axis": 0, "reverse": False, "fill": 0.0}, kind=lambda y, *rest: K.floating(y),
        shape_from=0,
        jvp=(lambda dy, ans, y, axis, rev, fill: shift(dy, axis, rev, 0.0), ZERO, ZERO, None),
        vjp=(lambda h, ans, y, axis, rev, fill: shift(h, axis, _opposite(rev), 0.0),
             ZERO, ZERO, None),
        samples=[(_M, 1, False, 1.0), (_T3, 0, True, 0.0), (_T3, -1, False, 0.0)])


# ----- average -----------------------------------------------------------------------------
def _average_impl(x, axis=None, weights=None, keepdims=False):
    return np.average(x, axis=axis, weights=weights, keepdims=keepdims)


def _weights_like(w, x, axis):
    """The weights shaped to broadcast against x (1-D weights lie along `axis`)."""
    return w._op("average_weights", w, x, axis)


def _average_parts(x, axis, weights, keepdims):
    """(the weights as broadcast against x, their sum along axis)."""
    wx = _weights_like(weights, x, axis)
    return wx, sum(wx * x._op("ones_like", x, None), axis, keepdims)


def _average_x_vjp(g, ans, x, axis, weights, keepdims):
    if weights.kind.tag == "none":
        return unreduce(g / _count(x, axis), x, axis, keepdims) * x._op("ones_like", x, None)
    wx, total = _average_parts(x, axis, weights, keepdims)
    return unreduce(g / total, x, axis, keepdims) * wx


def _average_x_jvp(dx, ans, x, axis, weights, keepdims):
    if weights.kind.tag == "none":
        return mean(dx, axis, keepdims)
    wx, total = _average_parts(x, axis, weights, keepdims)
    return sum(dx * wx, axis, keepdims) / total


def _average_w_vjp(g, ans, x, axis, weights, keepdims):
    """d ans / d w_i = (x_i - ans) / sum(w), summed back onto the weights' own shape."""
    _, total = _average_parts(x, axis, weights, keepdims)
    full = unreduce(g / total, x, axis, keepdims) * (x - unreduce(ans, x, axis, keepdims))
    return g._op("average_weights_adjoint", full, weights, x, axis)


def _average_w_jvp(dw, ans, x, axis, weights, keepdims):
    _, total = _average_parts(x, axis, weights, keepdims)
    dwx = _weights_like(dw, x, axis)
    return sum(dwx * (x - unreduce(ans, x, axis, keepdims)), axis, keepdims) / total


defprim("average", _average_impl, ("call", "np.average"),
        arg_names=("x", "axis", "weights", "keepdims"),
        defaults={"axis": None, "weights": None, "keepdims": False}, functions=(np.average,),
        kind=lambda x, axis, w, keepdims: mean_kind(x, axis, keepdims), kind_from_atoms=True,
        jvp=(_average_x_jvp, ZERO, _average_w_jvp, ZERO),
        vjp=(_average_x_vjp, ZERO, _average_w_vjp, ZERO),
        samples=[(_M, None, None, False), (_M, 1, None, True), (_M, None, _M + 2.0, False),
                 (_M, 1, np.array([0.5, 1.0, 2.0]), False), (_M, 0, np.array([0.3, 1.2]), True),
                 (_T3, (0, 2), _T3 + 3.0, False), (_T3, -1, np.array([1.0, 2.0, 0.5, 0.7]), False)],
        doc="weights shaped like x, or 1-D along an int axis; returned=True is refused")
defprim("average_weights", runtime.average_weights, ("runtime", "average_weights"),
        arg_names=("w", "x", "axis"), kind=lambda w, x, axis: K.UNKNOWN,
        jvp=(lambda dw, ans, w, x, axis: dw._op("average_weights", dw, x, axis), ZERO, ZERO),
        vjp=(lambda h, ans, w, x, axis: h._op("average_weights_adjoint", h, w, x, axis),
             ZERO, ZERO),
        samples=[(np.array([0.5, 1.0, 2.0]), _M, 1), (_M + 1.0, _M, None)])
defprim("average_weights_adjoint", runtime.average_weights_adjoint,
        ("runtime", "average_weights_adjoint"), arg_names=("g", "w", "x", "axis"),
        shape_from=1, kind=lambda g, w, x, axis: w,
        jvp=(lambda dg, ans, g, w, x, axis: dg._op("average_weights_adjoint", dg, w, x, axis),
             ZERO, ZERO, ZERO),
        vjp=(lambda h, ans, g, w, x, axis: broadcast_like(h._op("average_weights", h, x, axis), g),
             ZERO, ZERO, ZERO),
        samples=[(_M * 2.0, np.array([0.5, 1.0, 2.0]), _M, 1), (_M * 2.0, _M, _M, None)])
