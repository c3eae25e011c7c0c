"""Shape primitives beyond reshape and transpose: joining and splitting (concatenate, stack),
copying (tile, repeat), flattening (ravel, flatten), copies and dtype casts (np.copy, astype).

The first argument of np.concatenate and np.stack is a list or tuple of arrays; the lowering
builds it with make_list / make_tuple, so their adjoint with respect to it is a *list* of
per-piece adjoints, which make_list's own adjoint hands out to the pieces.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from .core import reduce_to
from .ops import ZERO, astype, moveaxis, op, reshape, shape, zeros_like
from .table import defprim

unstack = op("unstack")

_A = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])
_B = np.array([[1.1, 0.4, -0.2]])
_C = np.array([[0.9], [-0.7]])
_V = np.array([0.5, -1.5, 2.0])


def _items_kind(seq):
    """The common kind of the arrays in a list/tuple kind (or of the slices of an array along
    its first axis, which is what NumPy joins when given one array), or UNKNOWN."""
    if seq.is_array:
        return K.array(seq.ndim - 1, seq.dtype) if seq.ndim >= 2 else K.UNKNOWN
    items = seq.items if seq.tag in ("list", "tuple") else None
    if not items or not all(k.is_array for k in items):
        return K.UNKNOWN
    dtype = np.result_type(*[np.dtype(k.dtype) for k in items]).name
    ndims = {k.ndim for k in items}
    return K.array(ndims.pop(), dtype) if len(ndims) == 1 else K.UNKNOWN


def _concatenate_kind(arrays, axis):
    kind = _items_kind(arrays.kind)
    if getattr(axis, "value", "unknown") is None and kind.is_array:
        return K.array(1, kind.dtype)
    return kind


def _stack_kind(arrays, axis):
    kind = _items_kind(arrays)
    return K.array(kind.ndim + 1, kind.dtype) if kind.is_array else K.UNKNOWN


def _seq_kind(g, arrays, *rest):
    """The adjoint of a list or tuple of arrays is a list of adjoints; of an array, an array."""
    if arrays.is_array:
        return K.array(arrays.ndim, K.broadcast(g, arrays).dtype) if g.is_numeric else K.UNKNOWN
    return arrays if arrays.is_container else K.UNKNOWN


def _stack_vjp(g, ans, arrays, axis):
    if arrays.kind.is_array:
        return moveaxis(g, axis, 0)
    return unstack(g, axis, None if arrays.kind.is_container else arrays)


defprim("concatenate", lambda arrays, axis=0: np.concatenate(arrays, axis=axis),
        ("call", "np.concatenate"), arg_names=("arrays", "axis"), defaults={"axis": 0},
        functions=(np.concatenate,), kind=_concatenate_kind, kind_from_atoms=True,
        jvp=(lambda ds, ans, arrays, axis: ds._op("concatenate", ds, axis), ZERO),
        vjp=(lambda g, ans, arrays, axis: g._op("split_like", g, arrays, axis), ZERO),
        samples=[([_A, _B], 0), ((_A, _C, _A), 1), ([_A, _V], None), ([_A, -_A], -1),
                 (_A, 0), (np.stack([_A, -_A]), 1), (_A, None)])
defprim("split_like", runtime.split_like, ("runtime", "split_like"),
        arg_names=("g", "arrays", "axis"), defaults={"axis": 0}, kind=_seq_kind,
        jvp=(lambda dg, ans, g, arrays, axis: dg._op("split_like", dg, arrays, axis), ZERO, ZERO),
        vjp=(lambda h, ans, g, arrays, axis: h._op("concatenate", h, axis), ZERO, ZERO),
        samples=[(np.arange(9.0).reshape(3, 3), [_A, _B], 0), (np.arange(6.0) / 4, [_V, _V], None)])

defprim("stack", lambda arrays, axis=0: np.stack(arrays, axis=axis), ("call", "np.stack"),
        arg_names=("arrays", "axis"), defaults={"axis": 0}, functions=(np.stack,),
        kind=_stack_kind,
        jvp=(lambda ds, ans, arrays, axis: ds._op("stack", ds, axis), ZERO),
        vjp=(_stack_vjp, ZERO),
        samples=[([_A, -_A], 0), ((_A, _A * 2.0, _A + 1.0), -1), ([_V, _V * 0.5], 1),
                 (_A, 0), (_A, 1)])
defprim("unstack", runtime.unstack, ("runtime", "unstack"), arg_names=("g", "axis", "arrays"),
        defaults={"axis": 0, "arrays": None},
        kind=lambda g, axis, arrays=K.NONE: K.Kind("list") if arrays.tag == "none" else K.UNKNOWN,
        jvp=(lambda dg, ans, g, axis, arrays=None: unstack(dg, axis, arrays), ZERO, ZERO),
        vjp=(lambda h, ans, g, axis, arrays=None: h._op("stack", h, axis), ZERO, ZERO),
        samples=[(np.arange(6.0).reshape(2, 3), 0), (np.arange(6.0).reshape(2, 3), -1)])

def _tile_kind(x, reps):
    value = getattr(reps, "value", None)
    if not (x.kind.is_numeric and isinstance(value, (int, tuple))):
        return K.UNKNOWN
    n_reps = 1 if isinstance(value, int) else len(value)
    dtype = x.kind.dtype if x.kind.is_array else "float64"
    return K.array(max(n_reps, x.kind.ndim or 0), dtype)


def _repeat_kind(x, repeats, axis):
    if not x.is_array:
        return K.array(1, "float64") if x.is_float_scalar else K.UNKNOWN
    return K.array(1 if axis.tag == "none" else x.ndim, x.dtype)


defprim("tile", np.tile, arg_names=("x", "reps"), functions=(np.tile,),
        kind=_tile_kind, kind_from_atoms=True,
        jvp=(lambda dx, ans, x, reps: dx._op("tile", dx, reps), ZERO),
        vjp=(lambda g, ans, x, reps: g._op("untile", g, x, reps), ZERO),
        samples=[(_A, 2), (_A, (2, 1)), (_V, (3, 1, 2)), (0.7, 3)])
defprim("untile", runtime.untile, ("runtime", "untile"), arg_names=("g", "x", "reps"),
        shape_from=1, kind=lambda g, x, reps: x,
        jvp=(lambda dg, ans, g, x, reps: dg._op("untile", dg, x, reps), ZERO, ZERO),
        vjp=(lambda h, ans, g, x, reps: h._op("tile", h, reps), ZERO, ZERO),
        samples=[(np.arange(12.0).reshape(2, 6), _A, (1, 2))])


def _repeat_impl(x, repeats, axis=None):
    return np.repeat(x, repeats, axis=axis)


defprim("repeat", _repeat_impl, ("call", "np.repeat"), arg_names=("x", "repeats", "axis"),
        defaults={"axis": None}, functions=(np.repeat,), methods=("repeat",),
        kind=_repeat_kind,
        jvp=(lambda dx, ans, x, r, a: dx._op("repeat", dx, r, a), ZERO, ZERO),
        vjp=(lambda g, ans, x, r, a: g._op("unrepeat", g, x, r, a), ZERO, ZERO),
        samples=[(_A, 2, None), (_A, 3, 1), (_A, np.array([1, 3]), 0), (_V, [2, 0, 1], -1)])
defprim("unrepeat", runtime.unrepeat, ("runtime", "unrepeat"),
        arg_names=("g", "x", "repeats", "axis"), defaults={"axis": None}, shape_from=1,
        kind=lambda g, x, r, a: x,
        jvp=(lambda dg, ans, g, x, r, a: dg._op("unrepeat", dg, x, r, a), ZERO, ZERO, ZERO),
        vjp=(lambda h, ans, g, x, r, a: h._op("repeat", h, r, a), ZERO, ZERO, ZERO),
        samples=[(np.arange(6.0).reshape(2, 3), _A[:, :1], 3, 1)])

defprim("ravel", np.ravel, functions=(np.ravel,), methods=("ravel",),
        kind=lambda x: K.array(1, x.dtype) if x.is_array else K.UNKNOWN,
        jvp=(lambda dx, ans, x: dx._op("ravel", dx),),
        vjp=(lambda g, ans, x: reshape(g, shape(x)),),
        samples=[(_A,), (np.arange(24.0).reshape(2, 3, 4),)])
defprim("flatten", lambda x: np.asarray(x).flatten(), ("method", "flatten"), methods=("flatten",),
        kind=lambda x: K.array(1, x.dtype) if x.is_array else K.UNKNOWN,
        jvp=(lambda dx, ans, x: dx._op("flatten", dx),),
        vjp=(lambda g, ans, x: reshape(g, shape(x)),),
        samples=[(_A,), (np.arange(24.0).reshape(2, 3, 4),)],
        doc="a copy, never a view (NumPy's ndarray.flatten)")
defprim("copy", np.copy, functions=(np.copy,), shape_from=0, kind=lambda x: x,
        jvp=(lambda dx, ans, x: dx,), vjp=(lambda g, ans, x: g,), samples=[(_A,), (0.3,)])
defprim("copy_tree", runtime.copy_tree, ("runtime", "copy_tree"), shape_from=0,
        kind=lambda x: x, jvp=(lambda dx, ans, x: dx,), vjp=(lambda g, ans, x: g,),
        samples=[(_A,), (0.3,)], doc="a returned value the caller owns (srcad/analysis/fresh.py)")


# ----- dtype casts -------------------------------------------------------------------------
def _dtype_name(atom):
    """The NumPy dtype name of a constant dtype argument (float, np.float32, "f4"), or None."""
    value = getattr(atom.atom if hasattr(atom, "atom") else atom, "value", None)
    try:
        return np.dtype(value).name if value is not None else None
    except TypeError:
        return None


def _astype_kind(x, dtype, copy=None):
    name = _dtype_name(dtype)
    if name is None or not x.kind.is_array:
        return K.UNKNOWN
    return K.array(x.kind.ndim, name)


def _is_float(name):
    return np.issubdtype(np.dtype(name), np.inexact)


def _astype_vjp(g, ans, x, dtype, copy=None):
    """float -> float keeps the derivative (cast back to x's dtype); -> int or bool is zero."""
    target, kind = _dtype_name(dtype), x.kind
    if target is None or not kind.is_array:
        return g._op("astype_adjoint", g, x, dtype)
    if not _is_float(target):
        return zeros_like(x)
    return g if kind.dtype == target else astype(g, kind.dtype)


def _astype_jvp(dx, ans, x, dtype, copy=None):
    target = _dtype_name(dtype)
    if target is not None and not _is_float(target):
        return zeros_like(ans)
    return astype(dx, dtype)


def _astype_impl(x, dtype, copy=True):
    return np.asarray(x).astype(dtype, copy=copy)


defprim("astype", _astype_impl, ("method", "astype"), arg_names=("x", "dtype", "copy"),
        defaults={"copy": True}, methods=("astype",), kind=_astype_kind, kind_from_atoms=True,
        shape_from=0, jvp=(_astype_jvp, ZERO, None), vjp=(_astype_vjp, ZERO, None),
        samples=[(_A, "float32"), (_A, "float64"), (_A.astype(np.float32), "float64"),
                 (_A * 3.0, "int64"), (np.array(0.7, dtype=np.float32), "float64"),
                 (_A, "float64", False), (_A, "float32", False)],
        doc="copy=False returns x itself where the dtype is already x's (a name for the same "
            "array, as NumPy does)")
defprim("astype_adjoint", runtime.astype_adjoint, ("runtime", "astype_adjoint"),
        arg_names=("g", "x", "dtype"), shape_from=1, kind=lambda g, x, d: x,
        jvp=(lambda dg, ans, g, x, d: dg._op("astype_adjoint", dg, x, d), ZERO, ZERO),
        vjp=(lambda h, ans, g, x, d: astype(h, d), ZERO, ZERO),
        samples=[(_A.astype(np.float32), _A, "float32")])


# ----- array constructors: values that do not depend differentiably on anything -----------
def _constructor_kind(shape, dtype):
    """ndim from a constant shape; dtype float64 unless a constant dtype says otherwise."""
    value = getattr(shape, "value", "unknown")
    ndim = 1 if isinstance(value, int) else len(value) if isinstance(value, tuple) else None
    if ndim is None and shape.kind.tag == "tuple" and shape.kind.items is not None:
        ndim = len(shape.kind.items)           # np.zeros((N, T, H))
    elif ndim is None and shape.kind.tag == "int":
        ndim = 1
    name = "float64" if getattr(dtype, "value", "unknown") is None else _dtype_name(dtype)
    return K.array(ndim, name) if ndim is not None and name else K.UNKNOWN


def _like_kind(x, dtype):
    name = x.kind.dtype if getattr(dtype, "value", "unknown") is None else _dtype_name(dtype)
    if x.kind.is_array and name:
        return K.array(x.kind.ndim, name)
    return K.FLOAT if x.kind.is_float_scalar and dtype.kind.tag == "none" else K.UNKNOWN


def _like_ones(x, dtype):
    """np.zeros_like(x) and its kin have x's shape, so its size-1 pattern."""
    return x.kind.ones if x.kind.is_array else None


def _arange_impl(start, stop=None, step=1):
    return np.arange(start, stop, step) if stop is not None else np.arange(start)


for _name, _fn in (("zeros", np.zeros), ("ones", np.ones), ("empty", np.empty)):
    defprim(_name, _fn, ("call", f"np.{_name}"), arg_names=("shape", "dtype"),
            defaults={"dtype": None}, functions=(_fn,), kind=_constructor_kind,
            kind_from_atoms=True, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))
defprim("zeros_view", runtime.zeros_view, ("runtime", "zeros_view"), arg_names=("shape", "dtype"),
        defaults={"dtype": None}, kind=_constructor_kind, kind_from_atoms=True, jvp=(ZERO, ZERO),
        vjp=(ZERO, ZERO), doc="np.zeros' shape and dtype with no memory: a stand-in for an "
        "array read for its shape alone (analysis/shape_only.py)")
defprim("shape_record", runtime.shape_record, ("runtime", "shape_record"), kind=lambda k: k,
        shape_from=0, jvp=(ZERO,), vjp=(ZERO,),
        doc="an array's shape and dtype with no memory: what a loop's tape keeps of a value "
        "its reverse reads for its shape alone (transforms/reverse/tape.py)")
defprim("unbroadcast_to", runtime.unbroadcast_to, ("runtime", "unbroadcast_to"),
        arg_names=("g", "shape"), kind=lambda g, shape: g, shape_from=0,
        jvp=(lambda dg, ans, g, shape: op("unbroadcast_to")(dg, shape), ZERO),
        vjp=(lambda h, ans, g, shape: op("broadcast_like")(h, g), ZERO),
        samples=[(np.ones((3, 2)), (3, 2)), (np.ones((2, 3)), (2, 1))],
        doc="unbroadcast(g, x) given x's shape alone, for g of x's dtype: what the reverse of "
        "a loop reads where its tape kept only that shape (transforms/reverse/tape.py)")
for _name, _fn in (("ones_like", np.ones_like), ("empty_like", np.empty_like)):
    defprim(_name, _fn, ("call", f"np.{_name}"), arg_names=("x", "dtype"),
            defaults={"dtype": None}, functions=(_fn,), kind=_like_kind, kind_from_atoms=True,
            ones=_like_ones, shape_from=0, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))
defprim("np_zeros_like", np.zeros_like, ("call", "np.zeros_like"), arg_names=("x", "dtype"),
        defaults={"dtype": None}, functions=(np.zeros_like,), kind=_like_kind,
        kind_from_atoms=True, ones=_like_ones, shape_from=0, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))
# np.full and np.full_like are linear in the fill value: its tangent fills the same way, its
# adjoint is the sum over what it filled (reduce_to: a fill value broadcast along the shape)
defprim("full", np.full, arg_names=("shape", "fill_value", "dtype"), defaults={"dtype": None},
        functions=(np.full,), kind=lambda s, v, d: K.UNKNOWN,
        jvp=(ZERO, lambda dv, ans, s, v, d: op("full")(s, dv, d), ZERO),
        vjp=(ZERO, lambda g, ans, s, v, d: reduce_to(g, v), ZERO),
        samples=[((2, 3), 0.7, None), ((2, 3), _V, None),
                 ((2, 3), np.array([[0.4], [-1.1]]), None)])
defprim("full_like", np.full_like, ("call", "np.full_like"),
        arg_names=("x", "fill_value", "dtype"), defaults={"dtype": None},
        functions=(np.full_like,), kind=lambda x, v, d: K.UNKNOWN, shape_from=0,
        jvp=(ZERO, lambda dv, ans, x, v, d: op("full_like")(x, dv, d), ZERO),
        vjp=(ZERO, lambda g, ans, x, v, d: reduce_to(g, v), ZERO),
        samples=[(_A, 0.7, None), (_A, _V, None)],
        doc="in the fill value (x gives only the shape and dtype)")
defprim("eye", np.eye, arg_names=("N", "M", "k", "dtype"),
        defaults={"M": None, "k": 0, "dtype": float}, functions=(np.eye,),
        kind=lambda *ks: K.array(2, "float64"), jvp=(ZERO,) * 4, vjp=(ZERO,) * 4)
defprim("arange", _arange_impl, ("call", "np.arange"), arg_names=("start", "stop", "step"),
        defaults={"stop": None, "step": 1}, functions=(np.arange,),
        kind=lambda *ks: K.array(1, "float64" if any(k.tag == "float" for k in ks) else "int64"),
        jvp=(ZERO,) * 3, vjp=(ZERO,) * 3)


def _array_vjp(g, ans, obj, dtype):
    """np.array of a list of arrays stacks them (the adjoint unstacks); of an array, copies."""
    if obj.kind.is_container:
        return unstack(g, 0)
    if getattr(dtype.atom, "value", "unknown") is None:
        return g
    return g._op("astype_adjoint", g, obj, dtype)


def _array_kind(obj, dtype):
    if getattr(dtype, "value", "unknown") is not None:
        return K.UNKNOWN
    if obj.kind.is_array:
        return obj.kind
    if hasattr(obj, "value"):
        return K.kind_of(np.array(obj.value))
    items = _items_kind(obj.kind)
    if obj.kind.is_container and obj.kind.items and all(k.is_float_scalar for k in obj.kind.items):
        return K.array(1, "float64")
    return K.array(items.ndim + 1, items.dtype) if items.is_array else K.UNKNOWN


def _array_impl(obj, dtype=None):
    return np.array(obj, dtype=dtype)


defprim("array", _array_impl, ("call", "np.array"), arg_names=("object", "dtype"),
        defaults={"dtype": None}, functions=(np.array, np.asarray), kind=_array_kind,
        kind_from_atoms=True,
        jvp=(lambda dx, ans, obj, dtype: dx._op("array", dx, dtype), ZERO),
        vjp=(_array_vjp, ZERO),
        samples=[(_A, None), ([_V, -_V], None), ([0.3, -0.8, 1.2], None), (_A, "float32")])
defprim("cast", lambda x, dtype: np.asarray(x, dtype=dtype), ("call", "np.asarray"),
        arg_names=("x", "dtype"), kind=_astype_kind, kind_from_atoms=True, shape_from=0,
        jvp=(lambda dx, ans, x, dtype: dx._op("cast", dx, dtype), ZERO),
        vjp=(_astype_vjp, ZERO),
        samples=[(_A, "float32"), (_A.astype(np.float32), "float64")],
        doc="x in the given dtype, without a copy when it has it already: a gradient returned "
            "for a float32 argument is float32 even where float64 constants were mixed in")
