"""Run-time helpers whose adjoints move elements around: sorting, padding, shifting along an
axis and the first-order linear scan. Re-exported by srcad/runtime.py, where generated code
reads its helpers; like those, they depend on NumPy alone (`srcad export` copies them).
"""

import numpy as np

from .runtime_lazy import flat_positions, gather_positions, is_foreign, is_lazy, \
    scatter_positions


def pad_adjoint(g, x, pad_width, mode="constant"):
    """The adjoint of np.pad(x, pad_width, mode): for "constant", the interior of g; for the
    modes that copy elements of x (edge, reflect, symmetric, wrap), each copy's g summed
    back onto the element it copies (found by padding the elements' flat indices)."""
    shape = np.shape(x)
    pairs = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (len(shape), 2))
    if mode == "constant":
        return g[tuple(slice(b, b + n) for (b, _), n in zip(pairs, shape))]
    dtype = np.result_type(getattr(g, "dtype", g), getattr(x, "dtype", x), np.float32)
    if is_lazy(g) or is_lazy(x):
        source = np.pad(flat_positions(shape, x if is_lazy(x) else None), pad_width, mode)
        return scatter_positions(g, source, shape, dtype,
                                 x.chunks[0] if is_lazy(x) and x.ndim else None)
    size = int(np.prod(shape))
    source = np.pad(np.arange(size).reshape(shape), pad_width, mode)
    out = np.bincount(source.ravel(), weights=np.ravel(g), minlength=size)
    return out.reshape(shape).astype(dtype, copy=False)


def _sort_order(x, axis):
    return np.argsort(x, axis=axis, kind="stable")


def _sorted_positions(x, axis):
    """Where each element of np.sort(x, axis) sits in x, as a flat position."""
    order = _sort_order(x, axis)
    if axis is None:
        return order
    return np.take_along_axis(flat_positions(np.shape(x)), order, axis)


def sort_tangent(dx, x, axis=-1):
    """The tangent of np.sort(x, axis): dx permuted the way sorting permutes x."""
    if is_lazy(dx):                 # Dask has no take_along_axis: a gather (runtime_lazy)
        return gather_positions(np.broadcast_to(dx, np.shape(x)), _sorted_positions(x, axis))
    order = _sort_order(x, axis)
    dx = np.broadcast_to(dx, np.shape(x))
    if axis is None:
        return np.ravel(dx)[order]
    return np.take_along_axis(dx, order, axis)


def sort_adjoint(g, x, axis=-1):
    """The adjoint of np.sort(x, axis): g put back where each sorted element came from."""
    if is_lazy(g):                  # Dask has no put_along_axis: a bincount (runtime_lazy)
        return scatter_positions(g, _sorted_positions(x, axis), np.shape(x),
                                 np.result_type(g.dtype, x, np.float32))
    order = _sort_order(x, axis)
    out = np.zeros(np.shape(x), dtype=np.result_type(g, x, np.float32))
    if axis is None:
        out.reshape(-1)[order] = g
    else:
        np.put_along_axis(out, order, g, axis)
    return out


def linear_scan(b, a, axis=0, reverse=False):
    """y_i = a_i * y_(i-1) + b_i along `axis` (y_(i+1) when reverse), y before the first
    element 0: a first-order linear recurrence, by recursive doubling (log2(n) array
    operations, no division, so zeros in `a` are exact)."""
    a, b = np.broadcast_arrays(a, b)
    dtype = np.result_type(a, b, np.float32)
    a = np.moveaxis(a, axis, 0).astype(dtype)
    y = np.moveaxis(b, axis, 0).astype(dtype)
    if reverse:
        a, y = a[::-1], y[::-1]
    step = 1
    while step < len(y):
        y[step:] = y[step:] + a[step:] * y[:-step]
        a[step:] = a[step:] * a[:-step]
        step *= 2
    return np.moveaxis(y[::-1] if reverse else y, 0, axis)


def shift(y, axis=0, reverse=False, fill=0.0):
    """y moved one place along `axis`: out_i = y_(i-1) (y_(i+1) when reverse), `fill` where
    nothing moved in."""
    if is_foreign(y):
        return _shifted(y, axis, reverse, fill)
    y = np.asarray(y)
    out = np.full(y.shape, fill, dtype=np.result_type(y, np.float32))
    moved, source = np.moveaxis(out, axis, 0), np.moveaxis(y, axis, 0)
    if reverse:
        moved[:-1] = source[1:]
    else:
        moved[1:] = source[:-1]
    return out


def _shifted(y, axis, reverse, fill):
    """shift for a Dask or CuPy array: joined from a slice of y and the fill (no writes into
    views, which Dask arrays do not have)."""
    moved = np.moveaxis(y, axis, 0).astype(np.result_type(y.dtype, np.float32))
    if moved.shape[0] == 0:
        return np.moveaxis(moved, 0, axis)
    edge = np.full_like(moved[:1], fill)
    parts = [moved[1:], edge] if reverse else [edge, moved[:-1]]
    return np.moveaxis(np.concatenate(parts), 0, axis)


def add_summed(acc, source, sizes, kept):
    """A copy of acc with source[i_0, i_1, ...], for every i_a in range(sizes[a]), added at
    acc[i_k for k in kept]: the loop nest `acc[i_kept] += source[i_0, ...]` in one sum over
    the other axes (srcad/optimize/summed_slots.py). Raises the IndexError the loop raises
    where a range runs past an axis of source or acc."""
    sizes = [max(int(s), 0) for s in sizes]
    for axis, (size, n) in enumerate(zip(sizes, np.shape(source))):
        if size > n:
            raise IndexError(f"index {n} is out of bounds for axis {axis} with size {n}")
    for k, axis in enumerate(kept):
        n = np.shape(acc)[k]
        if sizes[axis] > n:
            raise IndexError(f"index {n} is out of bounds for axis {k} with size {n}")
    window = source[tuple(slice(0, s) for s in sizes)]
    summed = tuple(a for a in range(len(sizes)) if a not in kept)
    out = acc.copy()
    out[tuple(slice(0, sizes[a]) for a in kept)] += \
        window.sum(axis=summed, dtype=np.result_type(acc, source)) if summed else window
    return out
