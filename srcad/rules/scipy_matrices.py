"""scipy.linalg: solve_sylvester, sqrtm and block_diag; registered by scipy_linalg when the user
has imported scipy.linalg (this module never imports SciPy).

    solve_sylvester(a, b, q)   X with a X + X b = q. With Y = solve_sylvester(a^T, b^T, g):
                               q's adjoint Y, a's -Y X^T, b's -X^T Y; the tangent is
                               solve_sylvester(a, b, dq - da X - X db)
    sqrtm(a)                   X with X X = a: dX = solve_sylvester(X, X, da), adjoint
                               solve_sylvester(X^T, X^T, g). A matrix whose principal square
                               root is complex (a negative real eigenvalue) is refused when the
                               code runs.
    block_diag(*arrs)          each block's adjoint is its block of g; scalars and 1-d arrays
                               are the 1 x 1 and 1 x n blocks SciPy takes them for
"""

import numpy as np

from .. import kinds as K
from ..errors import RunTimeRefusal
from .ops import matmul, op, shape, transpose
from .table import defprim

_A = np.array([[2.0, 0.3, -0.2], [0.1, 1.5, 0.4], [-0.2, 0.2, 1.2]])
_B = np.array([[1.1, -0.4], [0.3, 0.9]])
_Q = np.array([[0.5, -1.0], [1.2, 0.3], [-0.4, 0.9]])
_G = np.arange(35.0).reshape(5, 7) / 10.0 - 1.2


def _blocks(shapes):
    """(row, column, rows, columns) of each block: SciPy takes a scalar for a 1 x 1 block and
    a 1-d array for a row."""
    sizes = [(1, 1) if len(s) == 0 else (1, s[0]) if len(s) == 1 else tuple(s) for s in shapes]
    rows = np.cumsum([0] + [r for r, _ in sizes])
    cols = np.cumsum([0] + [c for _, c in sizes])
    return [(rows[k], cols[k], r, c) for k, (r, c) in enumerate(sizes)], rows[-1], cols[-1]


def block_part(g, i, *shapes):
    """Block i of an array laid out as block_diag lays out arrays of these shapes, shaped like
    the block's argument: block_diag's adjoint in argument i."""
    row, col, rows, cols = _blocks(shapes)[0][i]
    return np.reshape(np.asarray(g)[row:row + rows, col:col + cols], shapes[i]).copy()


def block_embed(x, i, *shapes):
    """x as block i of block_diag of zero arrays of these shapes: block_part's transpose."""
    places, n_rows, n_cols = _blocks(shapes)
    row, col, rows, cols = places[i]
    out = np.zeros((n_rows, n_cols), dtype=np.result_type(x, np.float32))
    out[row:row + rows, col:col + cols] = np.reshape(x, (rows, cols))
    return out


def _block_diag_kind(*kinds):
    return K.array(2, K.broadcast(*kinds).dtype) if kinds else K.UNKNOWN


def _principal_root(linalg):
    def sqrtm(a):
        root = linalg.sqrtm(a)
        if np.iscomplexobj(root) and not np.iscomplexobj(a):
            raise RunTimeRefusal("scipy.linalg.sqrtm of this matrix is complex (it has a "
                                 "negative real eigenvalue); srcad differentiates it where "
                                 "the square root is real")
        return root
    return sqrtm


def register(linalg):
    sylvester = op("solve_sylvester")

    def vjp_q(g, ans, a, b, q):
        return sylvester(transpose(a), transpose(b), g)

    defprim("solve_sylvester", linalg.solve_sylvester, ("impl", "solve_sylvester"),
            arg_names=("a", "b", "q"), functions=(linalg.solve_sylvester,),
            kind=lambda a, b, q: q if q.is_array else K.UNKNOWN,
            jvp=(lambda da, ans, a, b, q: sylvester(a, b, -matmul(da, ans)),
                 lambda db, ans, a, b, q: sylvester(a, b, -matmul(ans, db)),
                 lambda dq, ans, a, b, q: sylvester(a, b, dq)),
            vjp=(lambda g, ans, a, b, q: -matmul(vjp_q(g, ans, a, b, q), transpose(ans)),
                 lambda g, ans, a, b, q: -matmul(transpose(ans), vjp_q(g, ans, a, b, q)),
                 vjp_q),
            samples=[(_A, _B, _Q), (_A, _A.T, _A * 0.5)],
            doc="X with a X + X b = q")
    defprim("sqrtm", _principal_root(linalg), ("impl", "sqrtm"), arg_names=("a",),
            functions=(linalg.sqrtm,), kind=lambda a: a if a.is_array else K.UNKNOWN,
            jvp=(lambda da, ans, a: sylvester(ans, ans, da),),
            vjp=(lambda g, ans, a: sylvester(transpose(ans), transpose(ans), g),),
            samples=[(_A,), (_A @ _A.T,)],
            doc="the principal square root, where it is real (refused when the code runs "
                "otherwise)")
    _block_diag(linalg)


def _block_diag(linalg):
    part, embed = op("block_part"), op("block_embed")

    def shapes(arrays):
        return [shape(a) for a in arrays]

    defprim("block_diag", linalg.block_diag, ("impl", "block_diag"), arg_names=("arrays",),
            variadic=True, functions=(linalg.block_diag,), kind=_block_diag_kind,
            jvp=lambda i, dx, ans, *arrays: embed(dx, i, *shapes(arrays)),
            vjp=lambda i, g, ans, *arrays: part(g, i, *shapes(arrays)),
            samples=[(_A, _B), (_B, 0.7, _Q[0]), (_Q,)],
            doc="each block's adjoint is its block of the result's")
    defprim("block_part", block_part, ("impl", "block_part"), arg_names=("g", "i", "shapes"),
            variadic=True, kind=_block_part_kind, kind_from_atoms=True,
            jvp=lambda k, dg, ans, g, i, *s: part(dg, i, *s),
            vjp=lambda k, h, ans, g, i, *s: embed(h, i, *s),
            samples=[(_G, 1, (2, 2), (2,), (2, 3)), (_G[:4, :5], 2, (2, 2), (), (2,))])
    defprim("block_embed", block_embed, ("impl", "block_embed"), arg_names=("x", "i", "shapes"),
            variadic=True, kind=lambda x, i, *s: K.array(2, x.kind.dtype) if x.kind.is_array
            else K.array(2), kind_from_atoms=True,
            jvp=lambda k, dx, ans, x, i, *s: embed(dx, i, *s),
            vjp=lambda k, h, ans, x, i, *s: part(h, i, *s),
            samples=[(_Q[:, 0], 1, (2, 2), (3,), ()), (_B, 0, (2, 2), (3,))])


def _block_part_kind(g, i, *shapes):
    """An array of the block's own number of dimensions (its shape's length)."""
    items = getattr(shapes[getattr(i, "value", 0)].kind, "items", None)
    if items is None or not g.kind.is_array:
        return K.UNKNOWN
    return K.array(len(items), g.kind.dtype)
