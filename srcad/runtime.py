"""The few helpers generated derivative code calls where a plain expression cannot do the work.

Everything here is small and depends on NumPy alone: `srcad export` copies the helpers a
derivative uses into the exported module, so shipped code needs no srcad.
"""

import math

import numpy as np

from .runtime_linalg import (  # re-exported: generated code reads its helpers here
    diagonal_adjoint as diagonal_adjoint,
    diag_adjoint as diag_adjoint,
    identity_like as identity_like,
    as_column as as_column,
    from_column as from_column,
    tensordot_adjoint as tensordot_adjoint,
    kron_adjoint as kron_adjoint,
    check_square as check_square,
    diagonal_embed as diagonal_embed,
    outer_rows as outer_rows,
)
from .runtime_lazy import (  # re-exported, as above
    is_foreign as is_foreign,
    array_of as array_of,
    is_lazy as is_lazy,
    flat_positions as flat_positions,
    scatter_positions as scatter_positions,
    split_at as split_at,
)
from .runtime_moves import (  # re-exported, as above
    pad_adjoint as pad_adjoint,
    sort_tangent as sort_tangent,
    sort_adjoint as sort_adjoint,
    linear_scan as linear_scan,
    shift as shift,
    add_summed as add_summed,
)
from .runtime_checks import (  # re-exported, as above
    check_scalar as check_scalar,
    check_broadcast as check_broadcast,
    zeros_view as zeros_view,
    shape_record as shape_record,
    shapes_unchecked as shapes_unchecked,
    shapes_checked as shapes_checked,
    sampled_stop as sampled_stop,
    sampled_step as sampled_step,
)
from .runtime_order import (  # re-exported, as above
    quantile_tangent as quantile_tangent,
    quantile_adjoint as quantile_adjoint,
)


def unbroadcast(g, x):
    """Sum `g` over the axes NumPy broadcast `x` along, so the result has x's shape and dtype."""
    shape = getattr(x, "shape", ())
    g_shape = getattr(g, "shape", ())
    if g_shape == shape:
        return g if shape or type(g) is not np.ndarray or type(x) is np.ndarray else g[()]
    extra = len(g_shape) - len(shape)
    if extra:
        axis = 0 if extra == 1 else tuple(range(extra))
        g = g.sum(axis=axis) if type(g) is np.ndarray else np.sum(g, axis=axis)
    if 1 in shape and g.shape != shape:
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
    dtype = getattr(x, "dtype", None)
    if dtype is not None and g.dtype is not dtype and g.dtype != dtype and dtype.kind == "f":
        g = g.astype(dtype)
    return g if shape else g[()] if isinstance(g, np.ndarray) else g


def unbroadcast_to(g, shape):
    """unbroadcast(g, x) where x's shape is all a loop's tape kept of it and g has x's dtype
    (transforms/reverse/tape.py): g itself where the shapes agree, the usual case."""
    if type(g) is np.ndarray and g.shape == shape:
        return g
    return unbroadcast(g, zeros_view(shape, g.dtype))


def zeros_like(x):
    """A zero of x's structure: 0.0 for a number, zeros for an array, recursively for containers."""
    if isinstance(x, np.ndarray):
        return np.zeros_like(x) if x.dtype.kind in "fc" else np.zeros_like(x, dtype=float)
    if isinstance(x, (list, tuple)):
        return _same_sequence(x, [zeros_like(v) for v in x])
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, np.generic):
        return x.dtype.type(0)
    if is_foreign(x):
        return np.zeros_like(x, dtype=x.dtype if np.issubdtype(x.dtype, np.inexact) else float)
    return 0.0


def _same_sequence(x, items):
    """items in a list, tuple or namedtuple of x's type."""
    if type(x) is list or type(x) is tuple:
        return type(x)(items)
    return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)


def add_any(a, b):
    """a + b where either may be None (a zero) or a container of adjoints."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = add_any(out.get(k), v)
        return out
    if isinstance(a, (list, tuple)):
        return [add_any(u, v) for u, v in zip(a, b)]
    return a + b


def check_unshared(obj, name, *others):
    """TypeError where another argument is the list or dict `obj` the function changes, or
    holds it: the function's changes through one would show through the other, which the
    derivative (compiled for distinct arguments) does not follow."""
    for other in others:
        items = other.values() if isinstance(other, dict) else \
            other if isinstance(other, (list, tuple)) else ()
        if other is obj or any(item is obj for item in items):
            raise TypeError(f"the {type(obj).__name__} passed as {name!r}, which the function "
                             "changes in place, is also passed as (or inside) another argument; "
                             "srcad's derivative needs them distinct: pass a copy")


def empty_adjoint(x):
    """An adjoint accumulator for container x: None (zero) in every slot."""
    if isinstance(x, dict):
        return dict.fromkeys(x)
    return [None] * len(x)


def add_at(acc, index, g):
    """Accumulate `g` into slot `index` of a container adjoint; returns the accumulator."""
    if acc is None:
        return g if index is None else _fresh(index, g)
    if isinstance(acc, dict) and index not in acc:
        acc[index] = g
    else:
        acc[index] = add_any(acc[index], g)
    return acc


def _fresh(index, g):
    if isinstance(index, str):
        return {index: g}
    raise TypeError("container adjoint needs an accumulator")


def finish_adjoint(acc, x):
    """Turn an accumulated adjoint into a gradient with exactly x's structure and dtypes."""
    if type(acc) is np.ndarray and type(x) is np.ndarray and acc.shape == x.shape and \
            acc.dtype == x.dtype:
        return acc                           # the common leaf, checked first
    if isinstance(x, dict):
        acc = acc or {}
        return {k: finish_adjoint(acc.get(k), v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        acc = acc if acc is not None else [None] * len(x)
        return _same_sequence(x, [finish_adjoint(a, v) for a, v in zip(acc, x)])
    if x is None:                           # None's gradient is None, as in JAX
        return None
    if acc is None:
        return zeros_like(x)
    if is_foreign(acc) or is_foreign(x):
        return _finish_foreign(acc, x)
    if isinstance(x, np.ndarray):
        if type(acc) is np.ndarray and acc.shape == x.shape and acc.dtype == x.dtype:
            return acc
        acc = np.array(acc) if x.ndim == 0 else np.asarray(acc)    # a 0-d array of its own
        if acc.shape != x.shape:
            acc = unbroadcast(np.broadcast_to(acc, np.broadcast_shapes(acc.shape, x.shape)), x)
            acc = acc if acc.flags.writeable else acc.copy()     # not a read-only view
        return acc.astype(x.dtype, copy=False) if x.dtype.kind == "f" else acc
    if type(x) is float and type(acc) is not float and np.ndim(acc) == 0:
        return float(acc)                    # a 0-d array or a NumPy scalar
    if isinstance(x, np.generic) and np.ndim(acc) == 0:
        return x.dtype.type(acc) if x.dtype.kind == "f" else acc
    return acc


def _finish_foreign(acc, x):
    """finish_adjoint where the adjoint or the argument is a Dask or CuPy array: its shape
    and dtype made x's by the operations such arrays dispatch; nothing is computed or moved
    (the gradient of a NumPy argument taken over Dask data is a lazy Dask array)."""
    if np.shape(acc) != np.shape(x):
        shape = np.broadcast_shapes(np.shape(acc), np.shape(x))
        acc = unbroadcast(np.broadcast_to(acc, shape), x)
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "f" and acc.dtype != dtype:
        acc = acc.astype(dtype)
    return acc


def with_item(x, key, value):
    """A copy of the list or dict x with x[key] = value: what `x[key] = value` leaves in x."""
    out = x.copy()
    out[key] = value
    return out


def without_item(g, key, x):
    """The adjoint of x in `with_item(x, key, v)`: g with slot `key` emptied (None), since
    x's own item there was replaced; a key the dict x did not have is dropped."""
    if g is None:
        return None
    out = g.copy() if isinstance(g, (list, dict)) else list(g)
    if isinstance(out, dict) and key not in x:
        out.pop(key, None)
    else:
        out[key] = None
    return out


def like_number(g, x):
    """A gradient `g` of shape () in the type and dtype of x, a NumPy scalar or a 0-d array
    (a 0-d array of its own, never g itself)."""
    if is_foreign(g) or is_foreign(x):
        return g.astype(x.dtype) if x.dtype.kind == "f" and g.dtype != x.dtype else g + 0
    if isinstance(x, np.ndarray):
        return np.array(g, dtype=x.dtype if x.dtype.kind == "f" else None)
    return x.dtype.type(g) if isinstance(x, np.generic) and x.dtype.kind == "f" else g


def scatter_add(g, x, index):
    """Adjoint of x[index]: zeros shaped like x with g added at index (repeats accumulate)."""
    if is_foreign(x) or is_foreign(g):
        return _scatter_add_foreign(g, x, index)
    out = np.zeros(np.shape(x), dtype=np.result_type(g, x, 1.0))
    if _is_basic_index(index, masks=True):
        out[index] = g           # ints, slices and masks select each element at most once
    else:
        np.add.at(out, index, g)
    return out


def _scatter_add_foreign(g, x, index):
    """scatter_add for a Dask or CuPy array: zeros made by its own library (np.zeros_like
    dispatches, np.zeros does not). Dask has no np.add.at: where the index may repeat
    elements, g is added at the flat positions x[index] reads, by a bincount (runtime_lazy)."""
    like = x if is_foreign(x) else g
    dtype = np.result_type(getattr(g, "dtype", g), getattr(x, "dtype", x), 1.0)
    if is_lazy(like) and not _is_basic_index(index):
        positions = flat_positions(np.shape(x), x if is_lazy(x) else None)[index]
        if not is_lazy(x):
            return scatter_positions(g, positions, np.shape(x), dtype)
        rows = x.chunks[0] if x.ndim else None
        return scatter_positions(g, positions, x.shape, dtype, rows).rechunk(x.chunks)
    out = np.zeros_like(like, dtype=dtype, shape=np.shape(x))
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic_index(index, masks=False):
    """Whether `index` selects each element at most once: ints, slices, None, Ellipsis and,
    with `masks`, boolean arrays (a mask names each element once; masks in one index pair
    positions off in order, so no pair repeats either)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) and
               not isinstance(p, bool) or masks and type(p) is np.ndarray and
               p.dtype == bool and p.ndim for p in parts)


def index_adjoint(g, x, index):
    """Adjoint of `x[index]` for an array or a container x."""
    if isinstance(x, (list, tuple, dict)):
        return add_at(empty_adjoint(x), index, g)
    return scatter_add(g, x, index)


def adjoint_item(g, index, like):
    """Slot `index` of a container adjoint, with a real zero (shaped like `like`) for None."""
    item = None if g is None else g.get(index) if isinstance(g, dict) else g[index]
    return zeros_like(like) if item is None else item


def broadcast_like(x, target):
    """x broadcast to the shape of target (the transpose of unbroadcast)."""
    kind = type(x)
    if (kind is float or kind is np.float64) and type(target) is np.ndarray and \
            target.dtype.kind == "f":     # the usual case (the adjoint of a sum), in a loop
        dtype = target.dtype              # np.result_type: a Python float is weak, NumPy's not
        return _repeated(x, target.shape, dtype if kind is float or dtype.itemsize >= 8
                         else np.float64)
    shape = np.shape(target)
    if isinstance(x, (int, float)):   # a Python number takes target's dtype, as in x * target
        if not shape and isinstance(target, (int, float)) and not isinstance(target, np.generic):
            return x                           # a number for a number
        if isinstance(target, (list, tuple)):
            target = np.asarray(target)        # a list of arrays NumPy reads as one array
        if type(target) is not np.ndarray and is_foreign(target):   # no NumPy stand-in
            return np.full_like(target, x, dtype=np.result_type(x, target.dtype))
        return _repeated(x, shape, np.result_type(x, target))
    if np.shape(x) == shape:
        return x
    return np.broadcast_to(x, shape)



def copy_tree(x):
    """A copy the caller owns: arrays copied (C- or F-contiguous, writable), containers
    rebuilt around copies of their items, numbers as they are."""
    if isinstance(x, np.ndarray):
        return x.copy(order="A")
    if isinstance(x, (list, tuple)):
        return _same_sequence(x, [copy_tree(v) for v in x])
    if isinstance(x, dict):
        return {k: copy_tree(v) for k, v in x.items()}
    if is_foreign(x):
        return x.copy()          # Dask: a new lazy array object; CuPy: a copy on the device
    return x


def made_object(cls, names, *values):
    """An object the function made, made again for a statement run as written (`print(obj)`):
    an instance of its class holding the attributes the function gave it (its __init__ is
    not run again)."""
    obj = object.__new__(cls)
    vars(obj).update(zip(names, values))
    return obj


def check_size_one_dims(function, names, args, expected):
    """Exported derivative code is specialised on which dimensions of its array arguments
    have size 1 (they tell along what a bias or a label broadcasts): refuse arguments where
    those differ instead of returning a gradient of another shape."""
    for name, value, pattern in zip(names, args, expected):
        if not _size_one_dims_match(value, pattern):
            raise ValueError(
                f"{function} was exported for arguments whose size-1 dimensions are "
                f"{pattern!r} in {name}; this {name} does not match (export it again from "
                "example arguments of this shape: args=...)")


def _size_one_dims_match(value, pattern):
    """Whether `value` fits `pattern`: per array dimension True (size 1), False (not 1) or
    None (either); a list of patterns for a list or tuple, a dict for a dict; None: anything."""
    if pattern is None:
        return True
    if isinstance(pattern, tuple):
        return isinstance(value, np.ndarray) and value.ndim == len(pattern) and all(
            p is None or p == (n == 1) for p, n in zip(pattern, value.shape))
    if isinstance(pattern, list):
        return isinstance(value, (list, tuple)) and len(value) == len(pattern) and all(
            _size_one_dims_match(v, p) for v, p in zip(value, pattern))
    return isinstance(value, dict) and value.keys() == pattern.keys() and all(
        _size_one_dims_match(value[k], p) for k, p in pattern.items())


def reduced_count(x, axis):
    """How many elements of x a reduction over `axis` combines into each result (read off
    the shape: np.prod of a list costs 30x more, in a gradient's hot path)."""
    shape = x.shape if type(x) is np.ndarray else np.shape(x)
    if axis is None:
        return math.prod(shape)
    if isinstance(axis, int):
        return shape[axis]
    return math.prod(shape[a] for a in axis)


def _axes_tuple(axis, ndim):
    """A reduction's axis argument as a tuple of non-negative axes (None: all of them)."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in ((axis,) if isinstance(axis, int) else axis))


def prod_others(x, axis=None):
    """For each element of x, the product of the other elements its reduction over `axis`
    combines it with: d prod(x) / dx without dividing by x, so zeros in x are fine."""
    x = x if is_foreign(x) else np.asarray(x)
    axes = _axes_tuple(axis, x.ndim)
    last = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, last)
    flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis((left * right).reshape(moved.shape), last, axes)


def split_like(g, arrays, axis=0):
    """The adjoint of np.concatenate(arrays, axis): g cut into pieces shaped like arrays."""
    if axis is None:
        sizes = np.cumsum([np.size(a) for a in arrays])[:-1]
        return _like_sequence([p.reshape(np.shape(a)) for p, a in zip(_split(g, sizes), arrays)],
                              arrays)
    sizes = np.cumsum([np.shape(a)[axis] for a in arrays])[:-1]
    return _like_sequence(_split(g, sizes, axis), arrays)


def _split(g, bounds, axis=0):
    """np.split(g, bounds, axis); by slicing for a Dask array, which has no np.split."""
    return split_at(g, bounds, axis) if is_lazy(g) else np.split(g, bounds, axis=axis)


def unstack(g, axis=0, arrays=None):
    """The adjoint of np.stack(arrays, axis): the slices of g along axis, as a list; as one
    array where `arrays` is an array (stacked along its first axis)."""
    if isinstance(arrays, np.ndarray):
        return np.moveaxis(g, axis, 0)
    return list(np.moveaxis(g, axis, 0))


def untile(g, x, reps):
    """The adjoint of np.tile(x, reps): the tiles of g summed into x's shape."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = np.shape(x)
    d = max(len(shape), len(reps))
    padded = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    interleaved = [n for pair in zip(reps, padded) for n in pair]
    return np.reshape(np.reshape(g, interleaved).sum(axis=tuple(range(0, 2 * d, 2))), shape)


def unrepeat(g, x, repeats, axis=None):
    """The adjoint of np.repeat(x, repeats, axis): the copies of each element summed."""
    shape = np.shape(x)
    if is_lazy(g) or is_lazy(x):         # Dask has no np.add.at: a bincount (runtime_lazy)
        origin = np.repeat(flat_positions(shape, x if is_lazy(x) else None), repeats, axis)
        rows = x.chunks[0] if is_lazy(x) and x.ndim else None
        return scatter_positions(g, origin, shape, g.dtype, rows)
    out = np.zeros(shape if axis is not None else (int(np.prod(shape)),), dtype=g.dtype)
    axis = 0 if axis is None else axis % len(shape)
    origin = np.repeat(np.arange(out.shape[axis]), repeats)
    np.add.at(np.moveaxis(out, axis, 0), origin, np.moveaxis(g, axis, 0))
    return out.reshape(shape)


def astype_adjoint(g, x, dtype):
    """The adjoint of x.astype(dtype): g in x's dtype, zero when dtype is not a float type."""
    if not np.issubdtype(np.dtype(dtype), np.inexact):
        return np.zeros_like(x, dtype=np.result_type(x, 1.0))
    x_dtype = np.result_type(x)
    return g.astype(x_dtype) if np.issubdtype(x_dtype, np.inexact) else g


def range_len(start, stop, step):
    """len(range(start, stop, step)) for the reverse replay of a loop."""
    return len(range(start, stop, step))


def cast_like(x, like):
    """x in the float dtype of `like` (float64 for Python floats and integer arrays; a list
    of arrays counts as the array NumPy makes of it)."""
    if isinstance(like, (list, tuple)):
        like = np.asarray(like)
    if is_foreign(x) or is_foreign(like):
        dtype = np.result_type(getattr(like, "dtype", like), 1.0)
        return x.astype(dtype) if is_foreign(x) else np.asarray(x, dtype=dtype)
    return np.asarray(x, dtype=np.result_type(like, 1.0))


# ----- assembly and sorting (srcad/rules/assembly.py) --------------------------------------
def _joined_layout(arrays, how):
    """How np.<how>(arrays) lays its pieces out: (each piece as it is joined, the axis)."""
    if isinstance(how, int):
        return [np.asarray(a) for a in arrays], how
    if how in ("hstack", "r_"):
        pieces = [np.atleast_1d(a) for a in arrays]
        return pieces, 0 if how == "r_" or pieces[0].ndim == 1 else 1
    if how == "vstack":
        return [np.atleast_2d(a) for a in arrays], 0
    if how == "dstack":
        return [np.atleast_3d(a) for a in arrays], 2
    columns = [np.reshape(a, (-1, 1)) if np.ndim(a) < 2 else np.asarray(a) for a in arrays]
    return columns, 1 if how == "column_stack" else -1


def cut_like(g, arrays, how=0):
    """The adjoint of a join of `arrays` (np.concatenate along axis `how`, or np.hstack,
    vstack, dstack, column_stack, r_, c_ when `how` names it): g cut into one piece per
    array, shaped like that array."""
    pieces, axis = _joined_layout(arrays, how)
    bounds = np.cumsum([np.shape(p)[axis] for p in pieces])[:-1]
    cut = [np.reshape(p, np.shape(a)) for p, a in zip(_split(g, bounds, axis), arrays)]
    return _like_sequence(cut, arrays)


def _like_sequence(pieces, arrays):
    """The adjoints of the items of `arrays`, as a list; stacked into one array where
    `arrays` is an array (NumPy joins the slices along its first axis)."""
    if isinstance(arrays, np.ndarray):
        return np.stack(pieces) if pieces else np.zeros(arrays.shape, np.result_type(arrays, 1.0))
    return pieces


def join_like(gs, pieces, how=0):
    """The adjoint of a split into `pieces`: the pieces' adjoints (None stands for zeros)
    joined back the way the split cut them (concatenated along axis `how`, or by np.hstack,
    vstack or dstack when `how` names it)."""
    filled = [zeros_like(p) if g is None else g for g, p in zip(gs or [None] * len(pieces), pieces)]
    if isinstance(how, int):
        return np.concatenate(filled, axis=how)
    if how in ("r_", "c_"):
        return getattr(np, how)[tuple(filled)]
    return getattr(np, how)(filled)


def select_untaken(condlist):
    """Where np.select(condlist, choices, default) takes the default: no condition holds."""
    return np.logical_not(np.logical_or.reduce(np.broadcast_arrays(*condlist)))


def select_adjoint(g, condlist, choicelist):
    """The adjoint of np.select with respect to its choices: g where the first true condition
    picks choice i, reduced to that choice's shape."""
    taken = np.zeros(np.shape(g), dtype=bool)
    out = []
    for cond, choice in zip(condlist, choicelist):
        mask = np.logical_and(cond, np.logical_not(taken))
        taken = taken | mask
        out.append(unbroadcast(np.where(mask, g, 0), choice))
    return out


def reshape_like(g, x):
    """g reshaped to x's shape (x may be a number: the shape is then ())."""
    return np.reshape(g, np.shape(x))


def r_(arrays):
    """np.r_[a, b, ...] for the arrays and numbers a, b, ...: joined along the first axis."""
    return np.r_[tuple(arrays)]


def c_(arrays):
    """np.c_[a, b, ...]: vectors as columns, joined along the last axis."""
    return np.c_[tuple(arrays)]


def sinc_grad(x):
    """The derivative of np.sinc: (cos(pi x) - sinc(x)) / x, and 0 at x = 0 (the limit)."""
    x = x if is_foreign(x) else np.asarray(x)
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / safe).astype(
        np.result_type(x.dtype, 1.0), copy=False)[()]


def average_weights(w, x, axis=None):
    """np.average's weights shaped to broadcast against x: 1-D weights along an int axis
    get unit axes elsewhere; weights shaped like x stay as they are."""
    if np.ndim(w) == 1 and np.ndim(x) > 1 and isinstance(axis, int):
        shape = [1] * np.ndim(x)
        shape[axis] = np.size(w)
        return np.reshape(w, shape)
    return w


def average_weights_adjoint(g, w, x, axis=None):
    """The adjoint of average_weights: g (shaped like x) summed onto the weights' shape."""
    if np.ndim(w) == 1 and np.ndim(x) > 1 and isinstance(axis, int):
        axis = axis % np.ndim(x)
        return np.sum(g, axis=tuple(i for i in range(np.ndim(x)) if i != axis))
    return unbroadcast(g, w)


def shape_like(*arrays):
    """A read-only array with the broadcast shape and result dtype of `arrays`: stands in for
    a value whose shape is all its users read. Where the first array already has that shape
    and dtype, it is the stand-in; otherwise a zero-stride view of one element."""
    first = arrays[0]
    same = type(first) is np.ndarray and all(type(a) is np.ndarray and a.shape == first.shape
                                             for a in arrays[1:])
    if not same and any(map(is_foreign, arrays)):
        return _shape_like_foreign(arrays)
    dtype = np.result_type(*arrays)
    if dtype.kind not in "fc":
        dtype = np.result_type(dtype, 1.0)
    if same:
        return first if first.dtype == dtype else _repeated(0.0, first.shape, dtype)
    return _repeated(0.0, np.broadcast_shapes(*map(np.shape, arrays)), dtype)


def _shape_like_foreign(arrays):
    """shape_like where one of the arrays is a Dask or CuPy array: zeros of that library."""
    dtype = np.result_type(*(getattr(a, "dtype", a) for a in arrays))
    dtype = dtype if dtype.kind in "fc" else np.result_type(dtype, 1.0)
    like = next(a for a in arrays if is_foreign(a))
    return np.zeros_like(like, dtype=dtype, shape=np.broadcast_shapes(*map(np.shape, arrays)))


def _repeated(value, shape, dtype):
    """A read-only zero-stride array of `shape` holding `value` everywhere: what
    np.broadcast_to gives, at a third of its cost."""
    out = np.ndarray(shape, dtype, np.array(value, dtype), 0, (0,) * len(shape))
    out.flags.writeable = False
    return out
