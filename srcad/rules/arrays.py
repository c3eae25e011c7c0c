"""Reductions and shape primitives: sum, mean, transpose, reshape and friends.

The adjoint of a reduction broadcasts g back over the reduced axes (`unreduce`); the adjoint of
a reshaping operation reshapes g back. Both are primitives with rules of their own, so second
derivatives go through them.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from ..runtime_checks import broadcast_view
from .core import reduce_to, shaped_like
from .ops import ZERO, broadcast_like, count, reshape, shape, size, sum, swapaxes, transpose
from .table import defprim


def unreduce_impl(g, x, axis=None, keepdims=False):
    """g broadcast back to x's shape after a reduction of x over `axis`."""
    shape_x = x.shape if type(x) is np.ndarray else np.shape(x)
    if axis is not None and not keepdims:
        axes = (axis,) if isinstance(axis, int) else axis
        axes = tuple(a % len(shape_x) for a in axes)
        g = _expanded(g, axes) if type(g) is np.ndarray and g.ndim + len(axes) == len(
            shape_x) and len(set(axes)) == len(axes) else np.expand_dims(g, axes)
    return broadcast_view(g, shape_x)


def _expanded(g, axes):
    """np.expand_dims(g, axes) of an array, axes distinct and non-negative: its reshape."""
    shape = list(g.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return g.reshape(shape)


def keyword_impl(fn):
    """`fn(x, axis, keepdims)` called with keywords: the third positional parameter of a
    NumPy reduction is `dtype` (or `out`), never `keepdims`."""
    def impl(x, axis=None, keepdims=False):
        return fn(x, axis=axis, keepdims=keepdims)
    impl.__name__ = fn.__name__
    return impl


def with_dtype(kind, dtype):
    """`kind` with its dtype replaced: a 0-d float64 is a float, a 0-d int64 an int."""
    if not kind.is_array:
        return kind
    if kind.ndim == 0 and dtype in ("float64", "int64"):
        return K.FLOAT if dtype == "float64" else K.INT
    return K.array(kind.ndim, dtype)


def sum_kind(x, axis, keepdims):
    """np.sum of bools or ints is int64 (a mask's count); floats keep their dtype."""
    kind = reduced_kind(x, axis, keepdims)
    exact = x.kind.is_array and not np.issubdtype(np.dtype(x.kind.dtype), np.inexact)
    return with_dtype(kind, "int64") if exact else kind


def mean_kind(x, axis, keepdims):
    """np.mean of bools or ints is float64."""
    kind = reduced_kind(x, axis, keepdims)
    exact = x.kind.is_array and not np.issubdtype(np.dtype(x.kind.dtype), np.inexact)
    return with_dtype(kind, "float64") if exact else kind


def reduced_ones(x, axis, keepdims):
    """Size-1 pattern of a reduction over constant axes: the reduced dimensions dropped, or
    of size 1 with keepdims."""
    pattern, keep = x.kind.ones, getattr(keepdims, "value", None)
    ax = getattr(axis, "value", "unknown")
    if pattern is None or keep not in (True, False):
        return None
    ndim = len(pattern)
    axes = range(ndim) if ax is None else (ax,) if isinstance(ax, int) else ax
    if not isinstance(axes, (tuple, range)) or not all(
            isinstance(a, int) and -ndim <= a < ndim for a in axes):
        return None
    reduced = {a % ndim for a in axes}
    if keep:
        return tuple(True if d in reduced else pattern[d] for d in range(ndim))
    return tuple(pattern[d] for d in range(ndim) if d not in reduced)


def reduced_kind(x, axis, keepdims):
    """Kind of a reduction of x; axis and keepdims are atoms (constants are read)."""
    xk = x.kind
    if xk.is_scalar:
        return K.FLOAT
    if not xk.is_array:
        return K.UNKNOWN
    keep = getattr(keepdims, "value", None)
    ax = getattr(axis, "value", "unknown")
    if keep is True:
        return xk
    if keep is not False:
        return K.UNKNOWN
    removed = xk.ndim if ax is None else 1 if isinstance(ax, int) else \
        len(ax) if isinstance(ax, tuple) else None
    return K.UNKNOWN if removed is None else with_dtype(K.array(xk.ndim - removed, xk.dtype),
                                                        xk.dtype)


def _unreduce(g, x, axis, keepdims):
    """g spread back over the axes a reduction of x removed."""
    if x.kind.is_scalar:
        return g
    if getattr(axis.atom, "value", "unknown") is None:
        return broadcast_like(g, x)
    return g._op("unreduce", g, x, axis, keepdims)


def _mean_vjp(g, ans, x, axis, keepdims):
    everything = getattr(axis.atom, "value", "unknown") is None
    return _unreduce(g / (size(x) if everything else count(x, axis)), x, axis, keepdims)


_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])
_T3 = np.arange(24.0).reshape(2, 3, 4) / 10.0

defprim("sum", keyword_impl(np.sum), arg_names=("x", "axis", "keepdims"),
        defaults={"axis": None, "keepdims": False}, functions=(np.sum,), methods=("sum",),
        kind=sum_kind, kind_from_atoms=True, ones=reduced_ones,
        jvp=(lambda dx, ans, x, axis, keepdims: sum(dx, axis, keepdims), ZERO, ZERO),
        vjp=(lambda g, ans, x, axis, keepdims: _unreduce(g, x, axis, keepdims), ZERO, ZERO),
        samples=[(_M, None, False), (_M, 0, False), (_M, 1, True), (_T3, (0, 2), False),
                 (_T3, -1, False)])
defprim("mean", keyword_impl(np.mean), arg_names=("x", "axis", "keepdims"),
        defaults={"axis": None, "keepdims": False}, functions=(np.mean,), methods=("mean",),
        kind=mean_kind, kind_from_atoms=True, ones=reduced_ones,
        jvp=(lambda dx, ans, x, axis, keepdims: dx._op("mean", dx, axis, keepdims), ZERO, ZERO),
        vjp=(_mean_vjp, ZERO, ZERO),
        samples=[(_M, None, False), (_M, 0, False), (_M, 1, True), (_T3, (0, 2), False)])
defprim("count", runtime.reduced_count, ("runtime", "reduced_count"),
        arg_names=("x", "axis"), jvp=(ZERO, ZERO), vjp=(ZERO, ZERO), kind=lambda x, a: K.INT)
defprim("unreduce", unreduce_impl, ("runtime", "unreduce"),
        arg_names=("g", "x", "axis", "keepdims"), shape_from=1,
        kind=lambda g, x, axis, keepdims: shaped_like(x, g),
        jvp=(lambda dg, ans, g, x, axis, keepdims: dg._op("unreduce", dg, x, axis, keepdims),
             ZERO, ZERO, ZERO),
        vjp=(lambda h, ans, g, x, axis, keepdims: sum(h, axis, keepdims), ZERO, ZERO, ZERO),
        samples=[(np.array([1.0, 2.0]), _M, 1, False)])


def _transpose_vjp(g, ans, x, axes):
    value = getattr(axes.atom, "value", "unknown")
    if value is None:
        return transpose(g, None)
    if isinstance(value, tuple):
        return g._op("transpose", g, tuple(int(i) for i in np.argsort(value)))
    return g._op("transpose", g, g._op("argsort", axes))


def _transpose_kind(x, axes):
    return x if x.is_array else K.UNKNOWN


def _transpose_ones(x, axes):
    """Size-1 pattern of the transpose: x's, reversed or permuted by constant axes."""
    pattern, order = x.kind.ones, getattr(axes, "value", "unknown")
    if pattern is None:
        return None
    if order is None:
        return pattern[::-1]
    if isinstance(order, tuple) and sorted(order) == list(range(len(pattern))):
        return tuple(pattern[i] for i in order)
    return None


defprim("transpose", np.transpose, ("transpose",), arg_names=("x", "axes"), defaults={"axes": None},
        functions=(np.transpose,), methods=("transpose",), attributes=("T",),
        kind=_transpose_kind, ones=_transpose_ones,
        jvp=(lambda dx, ans, x, axes: transpose(dx, axes), ZERO),
        vjp=(_transpose_vjp, ZERO),
        samples=[(_M, None), (_T3, (1, 0, 2)), (_T3, (2, 0, 1))])
defprim("argsort", np.argsort, functions=(np.argsort,), jvp=(ZERO,), vjp=(ZERO,))
defprim("reshape", np.reshape, arg_names=("x", "shape"), functions=(np.reshape,),
        methods=("reshape",),
        jvp=(lambda dx, ans, x, s: reshape(dx, s), ZERO),
        vjp=(lambda g, ans, x, s: reshape(g, shape(x)), ZERO),
        samples=[(_M, (3, 2)), (_M, (-1,)), (_T3, (4, -1))])
def _expand_dims_ones(x, axis):
    """Size-1 pattern of np.expand_dims(x, axis) for one constant axis: the new dimension has
    size 1, x's keep their pattern (None where not known)."""
    kind, position = x.kind, getattr(axis, "value", None)
    if not kind.is_array or kind.ndim is None or type(position) is not int or \
            not -kind.ndim - 1 <= position <= kind.ndim:
        return None
    pattern = list(kind.ones if kind.ones is not None else (None,) * kind.ndim)
    pattern.insert(position % (kind.ndim + 1), True)
    return tuple(pattern)


defprim("expand_dims", np.expand_dims, arg_names=("x", "axis"), functions=(np.expand_dims,),
        kind=lambda x, a: K.array(x.ndim + 1, x.dtype) if x.is_array else K.UNKNOWN,
        ones=_expand_dims_ones,
        jvp=(lambda dx, ans, x, a: dx._op("expand_dims", dx, a), ZERO),
        vjp=(lambda g, ans, x, a: reshape(g, shape(x)), ZERO),
        samples=[(_M, 0), (_M, -1)])
defprim("squeeze", np.squeeze, arg_names=("x", "axis"), defaults={"axis": None},
        functions=(np.squeeze,), methods=("squeeze",),
        jvp=(lambda dx, ans, x, a: dx._op("squeeze", dx, a), ZERO),
        vjp=(lambda g, ans, x, a: reshape(g, shape(x)), ZERO),
        samples=[(_M[:1], None), (_M[:, :1], 1)])
def _broadcast_to_kind(x, shape):
    """An array of len(shape) dimensions in x's dtype (a float64 one for a Python float)."""
    value = getattr(shape, "value", None)
    if not x.kind.is_numeric or not isinstance(value, (tuple, int)):
        return K.UNKNOWN
    ndim = len(value) if isinstance(value, tuple) else 1
    scalar_dtype = {"float": "float64", "int": "int64", "bool": "bool"}
    return K.array(ndim, x.kind.dtype if x.kind.is_array else scalar_dtype[x.kind.tag])


defprim("broadcast_to", np.broadcast_to, arg_names=("x", "shape"),
        functions=(np.broadcast_to,), kind=_broadcast_to_kind, kind_from_atoms=True,
        jvp=(lambda dx, ans, x, s: dx._op("broadcast_to", dx, s), ZERO),
        vjp=(lambda g, ans, x, s: reduce_to(g, x), ZERO),
        samples=[(np.array([1.0, 2.0]), (3, 2))])
defprim("swapaxes", np.swapaxes, arg_names=("x", "axis1", "axis2"), functions=(np.swapaxes,),
        methods=("swapaxes",), kind=lambda x, a, b: x if x.is_array else K.UNKNOWN,
        jvp=(lambda dx, ans, x, a, b: swapaxes(dx, a, b), ZERO, ZERO),
        vjp=(lambda g, ans, x, a, b: swapaxes(g, a, b), ZERO, ZERO),
        samples=[(_T3, 0, 2)])
