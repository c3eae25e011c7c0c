"""Run-time checks generated code makes: a scalar output for grad, NumPy's broadcasting check
where an elementwise value is not computed, and the memo of a loop of such checks
(srcad/optimize/checked_shapes.py). Re-exported by srcad/runtime.py, where generated code
reads its helpers; NumPy alone (`srcad export` copies them).
"""

import numpy as np


def check_scalar(value):
    """grad needs a scalar output: refuse an array rather than silently summing it."""
    if np.ndim(value) != 0:                  # a TypeError, as JAX raises
        raise TypeError(f"srcad.grad: the function returned an array of shape "
                        f"{np.shape(value)}; grad needs a scalar output (use srcad.vjp or "
                        "srcad.jacobian, or sum the output yourself; an array of one element "
                        "is refused too, as in JAX: return out[0])")


def check_broadcast(*arrays):
    """Raise NumPy's error where these do not broadcast: the check an elementwise operation
    makes, kept where the operation itself is not computed (its value was not needed).
    Equal shapes, the usual case, are compared without np.broadcast_shapes (3x slower), and
    two arrays' shapes without np.shape (a per-iteration check in a loop: C3's); plain arrays
    of several shapes go to np.broadcast, which raises the same error 5x faster (C4's)."""
    if len(arrays) == 2:
        a, b = arrays
        if type(a) is np.ndarray and type(b) is np.ndarray and a.shape == b.shape:
            return
    if len(arrays) <= 32 and all(type(a) is np.ndarray for a in arrays):
        np.broadcast(*arrays)
        return
    shapes = [np.shape(a) for a in arrays]
    if shapes.count(shapes[0]) != len(shapes):
        np.broadcast_shapes(*shapes)


def zeros_view(shape, dtype=None):
    """A read-only zero-stride array with the shape and dtype np.zeros(shape, dtype) has: an
    array the code reads for its shape alone (a broadcasting check, zeros_like) stands in for
    with no memory (analysis/shape_only.py)."""
    dtype = np.dtype(dtype)
    ndim = len(shape) if isinstance(shape, (tuple, list)) else 1
    out = np.ndarray(shape, dtype, np.zeros((), dtype), 0, (0,) * ndim)
    out.flags.writeable = False
    return out


_NO_MEMORY = bytes(64)       # immutable zeros: the one element of shape_record's views


def shape_record(x):
    """What a loop's tape keeps of a NumPy array its reverse sweep reads for its shape alone
    (transforms/reverse/tape.py): a read-only zero-stride stand-in of x's shape and dtype that
    holds no memory of its own, so x's buffer is freed with the iteration. Anything else (a
    foreign array, an object dtype) is kept as it is."""
    if type(x) is not np.ndarray:
        return x
    dtype = x.dtype
    if dtype.hasobject or dtype.itemsize > 64:
        return x
    return np.ndarray(x.shape, dtype, _NO_MEMORY, 0, (0,) * x.ndim)


def broadcast_view(g, shape):
    """np.broadcast_to(g, shape), read-only, for a C-contiguous array g with as many dimensions
    built directly (a reduction's adjoint spread back: 0.5 against 4-6 us); anything else, and
    shapes that do not broadcast, go to np.broadcast_to."""
    if type(g) is not np.ndarray or g.ndim != len(shape) or not g.flags.c_contiguous or \
            g.size == 0:
        return np.broadcast_to(g, shape)
    strides = []
    for n, m, s in zip(g.shape, shape, g.strides):
        if n != m and n != 1:
            return np.broadcast_to(g, shape)
        strides.append(s if n == m else 0)
    out = np.ndarray(shape, g.dtype, g, 0, tuple(strides))
    out.flags.writeable = False
    return out


def shapes_unchecked(memo, key):
    """Whether a loop of broadcasting checks has yet to pass for these shapes and ints
    (optimize/checked_shapes.py): the compiled derivative's memo does not hold the key."""
    return key not in memo


def shapes_checked(memo, key):
    """Remember that the loop passed for `key`; a memo grown past 32 keys starts again."""
    if len(memo) >= 32:
        memo.clear()
    memo[key] = True


def sampled_stop(stop, *sizes):
    """The stop of a counter of a loop of checks that only indexes axes of these sizes
    (optimize/sampled_counters.py): with sampled_step, 0 alone where every count is in
    bounds, else 0 and the first count out of bounds (the loop raises there)."""
    return min(stop, min(sizes) + 1)


def sampled_step(*sizes):
    return max(min(sizes), 1)
