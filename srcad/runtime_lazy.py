"""Run-time helpers for arrays of other libraries (Dask's, CuPy's) that compute through NumPy's
protocols. Re-exported by srcad/runtime.py; like the others they depend on NumPy alone.

Dask has no scatter: no np.add.at, no item assignment through an index array, no
np.put_along_axis or np.take_along_axis. What it has is np.bincount and the gather `x[i]` by a
1-D integer array. So an adjoint that adds g into the places an index picked (the adjoint of
`x[index]`, of np.repeat, of np.pad's copies, of np.sort) is written as a bincount over the
flat positions those places have in x: the positions are found by applying the operation to
the flat indices of x (`flat_positions`), and the bincount adds g at them. Both stay lazy.
"""

import numpy as np


def is_foreign(x):
    """Whether x is an array of another library that computes through NumPy's protocols (a
    Dask or a CuPy array): helpers make its zeros and copies with the functions that dispatch
    on it (np.zeros_like, x.copy()), never np.asarray, which would compute a lazy Dask array
    or copy a device array to the host."""
    return not isinstance(x, np.ndarray) and hasattr(type(x), "__array_function__")


def array_of(x):
    """np.asarray(x) for a list or a number; an array of another library as it is (np.asarray
    would compute a Dask array or copy a CuPy one to the host)."""
    return x if is_foreign(x) else np.asarray(x)


def is_lazy(x):
    """Whether x is a Dask array (a lazy array without scatter: see the module's docstring)."""
    return type(x).__module__.startswith("dask") and hasattr(type(x), "__array_function__")


def flat_positions(shape, like=None):
    """The flat index of each element of an array of `shape`, as an array of `like`'s library
    (lazy for a Dask `like`, so a big array's positions are never held in memory)."""
    return np.arange(int(np.prod(shape)), like=like).reshape(shape)


def scatter_positions(g, positions, shape, dtype, rows=None):
    """An array of `shape` whose element at flat position p is the sum of the elements of g
    where `positions` (shaped like g, or like what g broadcasts to) holds p: np.add.at as a
    bincount. Lazy where g or positions is a Dask array. `rows`: the row blocks of a Dask
    array of `shape` the result is for (x.chunks[0]); then one bincount per block, each the
    size of that block, so no task holds a vector of the whole array."""
    if is_lazy(positions) != is_lazy(g):
        if is_lazy(g):
            positions = np.asarray(positions, like=g)
        else:
            g = np.asarray(g, like=positions)
    if np.ndim(g) != np.ndim(positions) or not all(
            a == b or a != a or b != b for a, b in zip(np.shape(g), np.shape(positions))):
        g = np.broadcast_to(g, np.shape(positions))          # (a size Dask does not know: nan)
    if is_lazy(g) and np.isnan(np.shape(g)).any():
        raise ValueError(
            "the adjoint of x[index] where the index is itself a Dask array (a mask "
            "computed from the data): how many elements it selects is known only when Dask "
            "computes, and the adjoint would have to compute it here. Keep the shape instead: "
            "np.where(mask, value, 0.0) in place of value[mask] (or call "
            "x.compute_chunk_sizes() on the selection)")
    if is_lazy(g):                  # bincount reads the two block by block
        positions = positions.rechunk(g.chunks)
    where, weights = np.ravel(positions), np.ravel(g)
    if rows is None or len(rows) < 2:
        return np.reshape(_bincount(where, weights, int(np.prod(shape)), dtype), shape)
    stride, pieces, start = int(np.prod(shape[1:])), [], 0
    for n in rows:
        low, high = start * stride, (start + n) * stride
        inside = (where >= low) & (where < high)
        pieces.append(_bincount(np.where(inside, where - low, 0), np.where(inside, weights, 0),
                                high - low, dtype))
        start += n
    return np.reshape(np.concatenate(pieces), shape)


def _bincount(where, weights, size, dtype):
    """np.bincount of float or complex weights (bincount takes real ones), in dtype."""
    if np.dtype(dtype).kind == "c":
        out = np.bincount(where, weights=weights.real, minlength=size) + \
            1j * np.bincount(where, weights=weights.imag, minlength=size)
    else:
        out = np.bincount(where, weights=weights, minlength=size)
    return out.astype(dtype, copy=False)


def gather_positions(x, positions):
    """The elements of x at these flat positions, shaped like `positions`: np.take_along_axis
    and the like as a 1-D gather, which Dask has."""
    return np.reshape(np.ravel(x)[np.ravel(positions)], np.shape(positions))


def split_at(g, bounds, axis):
    """np.split(g, bounds, axis) by slicing, which Dask has (np.split it has not)."""
    edges = [0, *bounds, np.shape(g)[axis]]
    head = (slice(None),) * (axis % np.ndim(g))
    return [g[head + (slice(a, b),)] for a, b in zip(edges[:-1], edges[1:])]
