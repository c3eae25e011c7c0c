"""Picking elements: np.argmax/argmin (indices, no derivative), np.take_along_axis, np.ix_
and the method x.item().

The indices argmax, argmin and ix_ return are ints: used to index (`x[np.argmax(x)]`,
`a[np.arange(n), np.argmax(a, axis=1)]`, `a[np.ix_(rows, cols)]`) they select, and the
derivative flows through the selection as through any index. take_along_axis is x indexed by
the full index its `indices` stand for (`along_axis_index`), so its adjoint is that index's.
"""

import numpy as np

from .. import kinds as K
from .arrays import reduced_kind, with_dtype
from .ops import ZERO, broadcast_like, index_adjoint
from .table import defprim

_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])


# ----- argmax, argmin ------------------------------------------------------------------------
def _arg_kind(x, axis, keepdims):
    if getattr(axis, "value", "unknown") is None and getattr(keepdims, "value", None) is False:
        return K.INT
    kind = reduced_kind(x, axis, keepdims)
    return with_dtype(kind, "int64") if kind.is_array else K.UNKNOWN


def _arg_impl(fn):
    def impl(x, axis=None, keepdims=False):
        return fn(x, axis=axis, keepdims=keepdims)
    impl.__name__ = fn.__name__
    return impl


for _fn in (np.argmax, np.argmin):
    defprim(_fn.__name__, _arg_impl(_fn), ("call", f"np.{_fn.__name__}"),
            arg_names=("x", "axis", "keepdims"), defaults={"axis": None, "keepdims": False},
            functions=(_fn,), methods=(_fn.__name__,), kind=_arg_kind, kind_from_atoms=True,
            jvp=(ZERO,) * 3, vjp=(ZERO,) * 3,
            doc=f"indices: no derivative; indexing with them selects (x[np.{_fn.__name__}(x)])")


# ----- np.ix_ --------------------------------------------------------------------------------
def _ix_kind(*seqs):
    return K.Kind("tuple", items=tuple(K.array(len(seqs), "int64") for _ in seqs))


defprim("ix_", np.ix_, ("call", "np.ix_"), variadic=True, arg_names=("args",),
        functions=(np.ix_,), kind=_ix_kind, jvp=ZERO, vjp=ZERO,
        doc="an open mesh of integer indices (a[np.ix_(rows, cols)] selects a block)")


# ----- np.take_along_axis ------------------------------------------------------------------------
def along_axis_index(indices, x, axis):
    """The index that makes x[index] equal np.take_along_axis(x, indices, axis): `indices`
    on `axis`, and on every other axis its positions, which broadcast against them."""
    shape = np.shape(x)
    if axis is None:
        return np.unravel_index(indices, shape)
    if np.ndim(indices) != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis, ndim = axis % len(shape), len(shape)
    return tuple(indices if d == axis else np.arange(n).reshape((n,) + (1,) * (ndim - d - 1))
                 for d, n in enumerate(shape))


defprim("along_axis_index", along_axis_index, ("impl", "along_axis_index"),
        arg_names=("indices", "x", "axis"), jvp=(ZERO,) * 3, vjp=(ZERO,) * 3,
        doc="the full index np.take_along_axis(x, indices, axis) takes")


def diagonal_index(x):
    """The index np.fill_diagonal(x, v) writes (wrap=False): (k, ..., k), k the positions
    along the shortest dimension (NumPy asks all dimensions equal beyond two)."""
    if np.ndim(x) > 2 and len(set(np.shape(x))) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    k = np.arange(min(np.shape(x)))
    return (k,) * np.ndim(x)


defprim("diagonal_index", diagonal_index, ("impl", "diagonal_index"), jvp=(ZERO,),
        vjp=(ZERO,), doc="the index np.fill_diagonal(x, v) writes")


def _along_kind(x, indices, axis):
    if not (x.is_array and indices.is_array):
        return K.UNKNOWN
    return K.array(indices.ndim, x.dtype)


def _along_vjp(g, ans, x, indices, axis):
    return index_adjoint(g, x, g._op("along_axis_index", indices, x, axis))


defprim("take_along_axis", np.take_along_axis, ("call", "np.take_along_axis"),
        arg_names=("arr", "indices", "axis"), functions=(np.take_along_axis,),
        kind=_along_kind,
        jvp=(lambda dx, ans, x, indices, axis: dx._op("take_along_axis", dx, indices, axis),
             ZERO, ZERO),
        vjp=(_along_vjp, ZERO, ZERO), doc="repeated indices accumulate in the adjoint",
        samples=[(_M, np.array([[2, 0, 2], [1, 1, 0]]), 1), (_M, np.array([[1], [0]]), 1),
                 (_M, np.array([[1, 0, 1]]), 0), (_M, np.array([5, 0, 5]), None)])


# ----- x.item() --------------------------------------------------------------------------------
def take_item(x, index=None):
    """x.item() or x.item(index) (a flat position or a tuple of positions): a Python number."""
    x = np.asarray(x)
    return x.item() if index is None else x.item(index)


def item_index(index, x):
    """The index x.item(index) reads, as an index of x (a flat position unravelled)."""
    if index is None:
        return (0,) * np.ndim(x)
    return index if isinstance(index, tuple) else np.unravel_index(index, np.shape(x))


defprim("item_index", item_index, ("impl", "item_index"), arg_names=("index", "x"),
        jvp=(ZERO, ZERO), vjp=(ZERO, ZERO), doc="the index x.item(index) reads")


def _item_vjp(g, ans, x, index):
    if x.kind.is_scalar:
        return g
    if getattr(index.atom, "value", "unknown") is None:
        return broadcast_like(g, x)          # x.item() of an array of size 1
    return index_adjoint(g, x, g._op("item_index", index, x))


def _item_jvp(dx, ans, x, index):
    return dx._op("item", dx, index)


def _item_kind(x, index):
    if x.is_scalar:
        return x
    if not x.is_array:
        return K.UNKNOWN
    dtype = np.dtype(x.dtype)
    return K.FLOAT if dtype.kind == "f" else K.INT if dtype.kind in "iu" else K.UNKNOWN


defprim("item", take_item, ("impl", "take_item"), arg_names=("x", "index"),
        defaults={"index": None}, methods=("item",), kind=_item_kind,
        jvp=(_item_jvp, ZERO), vjp=(_item_vjp, ZERO),
        doc="a Python number; x.item(i) with a flat position or a tuple of positions",
        samples=[(np.array([[0.7]]), None), (_M, 4), (_M, (1, 2)), (np.float64(0.3), None)])
