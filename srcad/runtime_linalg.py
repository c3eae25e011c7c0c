"""The runtime helpers of the linear-algebra rules (srcad/rules/linalg_*.py and
the scipy.linalg rules): adjoints of diagonals, tensordot and kron, the column form of solve's
right-hand side, the square-matrix check. NumPy only, like srcad/runtime.py, which
re-exports them: generated code and `srcad export` find every helper there.
"""

import numpy as np

from .errors import RunTimeRefusal


def diagonal_adjoint(g, x, offset=0, axis1=0, axis2=1):
    """The adjoint of np.diagonal(x, offset, axis1, axis2): zeros shaped like x with g (which
    broadcasts against the diagonal, its last axis running along it) on that diagonal."""
    x_shape = np.shape(x)
    out = np.zeros(x_shape, dtype=np.result_type(g, x, np.float32))
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = min(moved.shape[-2] - max(-offset, 0), moved.shape[-1] - max(offset, 0))
    k = np.arange(max(n, 0))
    moved[..., k + max(-offset, 0), k + max(offset, 0)] = g
    return out


def diag_adjoint(g, v, k=0):
    """The adjoint of np.diag(v, k): the k-th diagonal of g for a vector v (np.diag built a
    matrix), zeros shaped like v with g on that diagonal for a matrix v."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return diagonal_adjoint(g, v, k)


def identity_like(x):
    """The identity matrix of x's last-axis size, in x's float dtype."""
    return np.eye(np.shape(x)[-1], dtype=np.result_type(x, np.float32))


def as_column(x, b):
    """x with a trailing unit axis where np.linalg.solve's right-hand side b is a vector."""
    return x[..., None] if np.ndim(b) == 1 else x


def from_column(x, b):
    """The inverse of as_column: drop the trailing unit axis where b is a vector."""
    return x[..., 0] if np.ndim(b) == 1 else x


def tensordot_adjoint(g, mine, other, axes, which):
    """The adjoint of np.tensordot(a, b, axes) with respect to a (which=0; mine is a, other
    is b) or b (which=1; mine is b, other is a), shaped like mine."""
    a_nd, b_nd = (np.ndim(mine), np.ndim(other)) if which == 0 else (np.ndim(other), np.ndim(mine))
    axes_a, axes_b = _tensordot_axes(axes, a_nd, b_nd)
    free_a = [i for i in range(a_nd) if i not in axes_a]
    free_b = [i for i in range(b_nd) if i not in axes_b]
    g_axes = list(range(np.ndim(g)))
    if which == 0:
        out = np.tensordot(g, other, (g_axes[len(free_a):], free_b))
        order = free_a + [axes_a[j] for j in np.argsort(axes_b)]
    else:
        out = np.tensordot(other, g, (free_a, g_axes[:len(free_a)]))
        order = [axes_b[j] for j in np.argsort(axes_a)] + free_b
    return np.transpose(out, np.argsort(order)) if out.ndim else out


def _tensordot_axes(axes, a_nd, b_nd):
    """np.tensordot's axes argument as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)):
        return list(range(a_nd - axes, a_nd)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    return [i % a_nd for i in axes_a], [i % b_nd for i in axes_b]


def kron_adjoint(g, mine, other, which):
    """The adjoint of np.kron(a, b) with respect to a (which=0) or b (which=1), shaped like
    mine: g's blocks weighted by the other factor and summed."""
    n = max(np.ndim(mine), np.ndim(other))
    mine_shape = (1,) * (n - np.ndim(mine)) + np.shape(mine)
    other_shape = (1,) * (n - np.ndim(other)) + np.shape(other)
    a_shape, b_shape = (mine_shape, other_shape) if which == 0 else (other_shape, mine_shape)
    blocks = np.reshape(g, [d for pair in zip(a_shape, b_shape) for d in pair])
    other_axes = list(range(1, 2 * n, 2)) if which == 0 else list(range(0, 2 * n, 2))
    out = np.tensordot(blocks, np.reshape(other, other_shape), (other_axes, list(range(n))))
    return np.reshape(out, np.shape(mine))


def diagonal_embed(r, x, subscripts):
    """Zeros shaped like x with r on the diagonal x's einsum subscripts name by a repeated
    letter ('ii', 'iij'); r's axes are the letters in order of first appearance. The adjoint
    of np.einsum(f"{subscripts}->{unique}", x), the diagonal an einsum reads."""
    unique = "".join(dict.fromkeys(subscripts))
    sizes = [np.shape(x)[subscripts.index(c)] for c in unique]
    grids = np.ix_(*[np.arange(n) for n in sizes])
    out = np.zeros(np.shape(x), dtype=np.result_type(r, x, np.float32))
    out[tuple(grids[unique.index(c)] for c in subscripts)] = np.broadcast_to(r, sizes)
    return out


def check_square(a, what):
    """Refuse, at run time, a derivative that exists only for square matrices."""
    shape = np.shape(a)
    if shape[-1] != shape[-2]:
        raise RunTimeRefusal(f"the derivative of {what} is defined here only for "
                             f"square matrices, got shape {shape}")


def real_spectrum(parts, what):
    """np.linalg.eig's (or eigvals') results as a tuple, refused at run time where the
    spectrum is complex: srcad differentiates real spectra only."""
    if np.iscomplexobj(parts[0]):
        raise RunTimeRefusal(f"{what} of this matrix has complex eigenvalues; srcad "
                             "differentiates eig and eigvals for real spectra only (a "
                             "symmetric matrix has one: use np.linalg.eigh)")
    return tuple(parts)


def outer_rows(u, v):
    """u v^T for vectors, u @ v^T for matrices: the sum over right-hand sides of their
    outer products (solve_triangular's adjoint with respect to the matrix)."""
    return np.reshape(u, (len(u), -1)) @ np.reshape(v, (len(v), -1)).T
