"""np.linalg: inv, solve, det and slogdet. The formulas are the standard ones (Giles 2008,
"An extended collection of matrix derivative results"); docs/conventions.md states the
conventions.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from .core import reduce_to
from .linalg_common import (inv, solve, mT, per_matrix, square_kind, scalar_per_matrix_kind, A, B,
                            V3, BATCH)
from .ops import ZERO, adjoint_item, expand_dims, getitem, make_tuple, sum, zeros_like
from .table import defprim


# ----- inv and solve -------------------------------------------------------------------------
defprim("inv", np.linalg.inv, ("call", "np.linalg.inv"), arg_names=("a",),
        functions=(np.linalg.inv,), kind=square_kind, shape_from=0,
        jvp=(lambda da, ans, a: -(ans @ da @ ans),),
        vjp=(lambda g, ans, a: -(mT(ans) @ g @ mT(ans)),),
        samples=[(A,), (A[:2, :2],), (BATCH,)])


def _column(x, b):
    """x with a unit trailing axis where solve's right-hand side b is a vector (so that
    x @ ... and solve(...) treat it as a one-column matrix)."""
    if b.kind.is_array:
        return expand_dims(x, -1) if b.kind.ndim == 1 else x
    return x._op("as_column", x, b)


def _uncolumn(x, b):
    if b.kind.is_array:
        return getitem(x, (Ellipsis, 0)) if b.kind.ndim == 1 else x
    return x._op("from_column", x, b)


def _solve_kind(a, b):
    if not (a.is_array and b.is_array):
        return K.UNKNOWN
    dtype = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype)).name
    return K.array(a.ndim - 1 if b.ndim == 1 else max(a.ndim, b.ndim), dtype)


def _solve_vjp_b(g, ans, a, b):
    return reduce_to(_uncolumn(solve(mT(a), _column(g, b)), b), b)


def _solve_vjp_a(g, ans, a, b):
    gb = solve(mT(a), _column(g, b))
    return -reduce_to(gb @ mT(_column(ans, b)), a)


defprim("solve", np.linalg.solve, ("call", "np.linalg.solve"), arg_names=("a", "b"),
        functions=(np.linalg.solve,), kind=_solve_kind,
        jvp=(lambda da, ans, a, b: -_uncolumn(solve(a, da @ _column(ans, b)), b),
             lambda db, ans, a, b: solve(a, db)),
        vjp=(_solve_vjp_a, _solve_vjp_b),
        samples=[(A, V3), (A, B), (BATCH, B), (BATCH, V3), (A, np.stack([B, -B])),
                 (BATCH, np.stack([V3, 2 * V3])[..., None])],
        doc="b is a vector only when 1-d (NumPy 2); a and b broadcast over leading axes")
_COLUMN_SAMPLES = {"as_column": [(V3, V3), (B, B)],
                   "from_column": [(V3[:, None], V3), (B, B)]}
for _name, _impl, _other in (("as_column", runtime.as_column, "from_column"),
                             ("from_column", runtime.from_column, "as_column")):
    defprim(_name, _impl, ("runtime", _name), arg_names=("x", "b"),
            jvp=(lambda dx, ans, x, b, _n=_name: dx._op(_n, dx, b), ZERO),
            vjp=(lambda g, ans, x, b, _o=_other: g._op(_o, g, b), ZERO),
            samples=_COLUMN_SAMPLES[_name])


# ----- det and slogdet -----------------------------------------------------------------------
def _logdet_jvp(da, a):
    """d log|det a| = tr(a^-1 da), summed over each matrix of a stack."""
    return sum(mT(inv(a)) * da, (-2, -1), False)


defprim("det", np.linalg.det, ("call", "np.linalg.det"), arg_names=("a",),
        functions=(np.linalg.det,), kind=scalar_per_matrix_kind,
        jvp=(lambda da, ans, a: ans * _logdet_jvp(da, a),),
        vjp=(lambda g, ans, a: per_matrix(g * ans) * mT(inv(a)),),
        samples=[(A,), (A[:2, :2],), (BATCH,), (-A,)],
        doc="d det(a) = det(a) tr(a^-1 da); a must be invertible")


def _slogdet_kind(a):
    item = scalar_per_matrix_kind(a)
    return K.Kind("tuple", items=(item, item)) if a.is_array else K.Kind("tuple")


def _slogdet_jvp(da, ans, a):
    return make_tuple(zeros_like(getitem(ans, 0)), _logdet_jvp(da, a))


def _slogdet_vjp(g, ans, a):
    g_logdet = adjoint_item(g, 1, getitem(ans, 1))
    return per_matrix(g_logdet) * mT(inv(a))


defprim("slogdet", lambda a: tuple(np.linalg.slogdet(a)), ("call", "np.linalg.slogdet"),
        arg_names=("a",), functions=(np.linalg.slogdet,), kind=_slogdet_kind,
        jvp=(_slogdet_jvp,), vjp=(_slogdet_vjp,),
        samples=[(A,), (-A,), (BATCH,)],
        doc="(sign, log|det a|): the sign has zero derivative")
