"""np.linalg: inv, solve, det, slogdet, cholesky, eigh, svd, pinv, qr, norm; and the matrix
structure functions trace, diagonal, diag, tril, triu, cross, tensordot, kron.

Every rule batches over leading axes (NumPy's `(..., M, N)` stacks of matrices) and is written
over other primitives (matmul, solve, inv, the decompositions themselves), so second
derivatives go through them. The formulas are the standard ones (Giles 2008, "An extended
collection of matrix derivative results"; Murray 2016 for Cholesky; Walter & Lehmann for QR);
docs/conventions.md states the conventions:

- cholesky and eigh read one triangle of `a` (the lower one, unless `upper=True` /
  `UPLO='U'`), as NumPy does: the derivative is that of the function NumPy computes, so it is
  zero for the entries of the other triangle, and an off-diagonal entry of the read triangle
  counts twice (it stands for both symmetric entries).
- eigh and svd: eigenvector and singular-vector derivatives divide by the gaps between
  eigenvalues (squared singular values); repeated ones give infinite or undefined derivatives
  (NaN or inf in the result). The eigenvalues and singular values alone are fine.
- svd with full_matrices=True is differentiated for square matrices only (the extra columns
  of a non-square U or Vh are an arbitrary basis); a non-square one raises at run time.
- qr is differentiated in mode 'reduced' for tall or square matrices (m >= n).
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from ..errors import NonDifferentiableError
from .arrays import reduced_kind
from .core import reduce_to
from .ops import (
    ZERO,
    abs,
    adjoint_item,
    expand_dims,
    getitem,
    make_tuple,
    op,
    sign,
    sum,
    swapaxes,
    zeros_like,
)
from .reductions import unreduce
from .table import defprim

inv = op("inv")
solve = op("solve")
tril = op("tril")
triu = op("triu")
diagonal = op("diagonal")
diagonal_adjoint = op("diagonal_adjoint")
identity_like = op("identity_like")
svd = op("svd")

_A = np.array([[1.3, 0.4, -0.2], [0.1, 0.9, 0.5], [-0.3, 0.6, 1.7]])
_B = np.array([[0.6, -0.1], [0.4, 0.9], [-0.3, 0.5]])
_V3 = np.array([0.5, -1.2, 0.8])
_BATCH = np.stack([_A, _A.T + 0.3 * np.eye(3)])
_SPD = np.array([[2.0, 0.3, -0.4], [0.3, 1.5, 0.2], [-0.4, 0.2, 1.2]])
_SPD_BATCH = np.stack([_SPD, np.array([[1.4, -0.5, 0.1], [-0.5, 2.2, 0.6], [0.1, 0.6, 0.9]])])
_TALL = np.array([[0.8, -0.3], [0.2, 1.1], [-0.5, 0.4], [0.7, 0.6]])
_T3 = np.arange(24.0).reshape(2, 3, 4) / 10.0 - 1.1
_WIDE_BATCH = np.random.default_rng(7).uniform(-1.0, 1.0, (2, 3, 4))   # full rank


def _const(sym, default="unknown"):
    return getattr(sym.atom, "value", default)


def _mT(x):
    """x with its last two axes swapped: the transpose of every matrix in a stack."""
    return swapaxes(x, -1, -2)


def _per_matrix(g):
    """g (one value per matrix of a stack) with two unit axes, to scale whole matrices."""
    return g if g.kind.is_scalar else expand_dims(expand_dims(g, -1), -1)


def _square_kind(a):
    return a if a.is_array else K.UNKNOWN


def _scalar_per_matrix_kind(a):
    if not a.is_array:
        return K.UNKNOWN
    if a.ndim == 2:
        return K.FLOAT if a.dtype == "float64" else K.array(0, a.dtype)
    return K.array(a.ndim - 2, a.dtype)


# ----- inv and solve -------------------------------------------------------------------------
defprim("inv", np.linalg.inv, ("call", "np.linalg.inv"), arg_names=("a",),
        functions=(np.linalg.inv,), kind=_square_kind, shape_from=0,
        jvp=(lambda da, ans, a: -(ans @ da @ ans),),
        vjp=(lambda g, ans, a: -(_mT(ans) @ g @ _mT(ans)),),
        samples=[(_A,), (_A[:2, :2],), (_BATCH,)])


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
    return reduce_to(_uncolumn(solve(_mT(a), _column(g, b)), b), b)


def _solve_vjp_a(g, ans, a, b):
    gb = solve(_mT(a), _column(g, b))
    return -reduce_to(gb @ _mT(_column(ans, b)), a)


defprim("solve", np.linalg.solve, ("call", "np.linalg.solve"), arg_names=("a", "b"),
        functions=(np.linalg.solve,), kind=_solve_kind,
        jvp=(lambda da, ans, a, b: -_uncolumn(solve(a, da @ _column(ans, b)), b),
             lambda db, ans, a, b: solve(a, db)),
        vjp=(_solve_vjp_a, _solve_vjp_b),
        samples=[(_A, _V3), (_A, _B), (_BATCH, _B), (_BATCH, _V3), (_A, np.stack([_B, -_B])),
                 (_BATCH, np.stack([_V3, 2 * _V3])[..., None])],
        doc="b is a vector only when 1-d (NumPy 2); a and b broadcast over leading axes")
_COLUMN_SAMPLES = {"as_column": [(_V3, _V3), (_B, _B)],
                   "from_column": [(_V3[:, None], _V3), (_B, _B)]}
for _name, _impl, _other in (("as_column", runtime.as_column, "from_column"),
                             ("from_column", runtime.from_column, "as_column")):
    defprim(_name, _impl, ("runtime", _name), arg_names=("x", "b"),
            jvp=(lambda dx, ans, x, b, _n=_name: dx._op(_n, dx, b), ZERO),
            vjp=(lambda g, ans, x, b, _o=_other: g._op(_o, g, b), ZERO),
            samples=_COLUMN_SAMPLES[_name])


# ----- det and slogdet -----------------------------------------------------------------------
def _logdet_jvp(da, a):
    """d log|det a| = tr(a^-1 da), summed over each matrix of a stack."""
    return sum(_mT(inv(a)) * da, (-2, -1), False)


defprim("det", np.linalg.det, ("call", "np.linalg.det"), arg_names=("a",),
        functions=(np.linalg.det,), kind=_scalar_per_matrix_kind,
        jvp=(lambda da, ans, a: ans * _logdet_jvp(da, a),),
        vjp=(lambda g, ans, a: _per_matrix(g * ans) * _mT(inv(a)),),
        samples=[(_A,), (_A[:2, :2],), (_BATCH,), (-_A,)],
        doc="d det(a) = det(a) tr(a^-1 da); a must be invertible")


def _slogdet_kind(a):
    item = _scalar_per_matrix_kind(a)
    return K.Kind("tuple", items=(item, item)) if a.is_array else K.Kind("tuple")


def _slogdet_jvp(da, ans, a):
    return make_tuple(zeros_like(getitem(ans, 0)), _logdet_jvp(da, a))


def _slogdet_vjp(g, ans, a):
    g_logdet = adjoint_item(g, 1, getitem(ans, 1))
    return _per_matrix(g_logdet) * _mT(inv(a))


defprim("slogdet", lambda a: tuple(np.linalg.slogdet(a)), ("call", "np.linalg.slogdet"),
        arg_names=("a",), functions=(np.linalg.slogdet,), kind=_slogdet_kind,
        jvp=(_slogdet_jvp,), vjp=(_slogdet_vjp,),
        samples=[(_A,), (-_A,), (_BATCH,)],
        doc="(sign, log|det a|): the sign has zero derivative")


# ----- triangles, diagonals, trace -------------------------------------------------------------
def _triangle_kind(x, k):
    return x if x.is_array else K.UNKNOWN


for _name, _fn in (("tril", np.tril), ("triu", np.triu)):
    defprim(_name, _fn, ("call", f"np.{_name}"), arg_names=("m", "k"), defaults={"k": 0},
            functions=(_fn,), kind=_triangle_kind, shape_from=0,
            jvp=(lambda dx, ans, x, k, _n=_name: dx._op(_n, dx, k), ZERO),
            vjp=(lambda g, ans, x, k, _n=_name: g._op(_n, g, k), ZERO),
            samples=[(_A, 0), (_A, -1), (_A, 1), (_TALL, 0), (_T3, -1)])


def _diagonal_kind(x, offset, axis1, axis2):
    return K.array(x.ndim - 1, x.dtype) if x.is_array else K.UNKNOWN


def _diagonal_impl(a, offset=0, axis1=0, axis2=1):
    return np.diagonal(a, offset, axis1, axis2)


defprim("diagonal", _diagonal_impl, ("call", "np.diagonal"),
        arg_names=("a", "offset", "axis1", "axis2"),
        defaults={"offset": 0, "axis1": 0, "axis2": 1}, functions=(np.diagonal,),
        methods=("diagonal",), kind=_diagonal_kind,
        jvp=(lambda dx, ans, x, o, a1, a2: diagonal(dx, o, a1, a2), ZERO, ZERO, ZERO),
        vjp=(lambda g, ans, x, o, a1, a2: diagonal_adjoint(g, x, o, a1, a2), ZERO, ZERO, ZERO),
        samples=[(_A, 0, 0, 1), (_TALL, -1, 0, 1), (_TALL, 1, 1, 0), (_T3, 0, 0, 2),
                 (_T3, 1, -1, -2)])
defprim("diagonal_adjoint", runtime.diagonal_adjoint, ("runtime", "diagonal_adjoint"),
        arg_names=("g", "x", "offset", "axis1", "axis2"),
        defaults={"offset": 0, "axis1": 0, "axis2": 1}, shape_from=1,
        kind=lambda g, x, o, a1, a2: x if x.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, x, o, a1, a2: diagonal_adjoint(dg, x, o, a1, a2),
             ZERO, ZERO, ZERO, ZERO),
        vjp=(lambda h, ans, g, x, o, a1, a2: diagonal(h, o, a1, a2), ZERO, ZERO, ZERO, ZERO),
        samples=[(_V3, _A, 0, 0, 1), (np.ones((3, 1)), _T3, 1, 2, 0)])


def _trace_impl(a, offset=0, axis1=0, axis2=1):
    return np.trace(a, offset, axis1, axis2)


def _trace_kind(x, offset, axis1, axis2):
    return _scalar_per_matrix_kind(x) if x.is_array else K.UNKNOWN


def _trace_vjp(g, ans, x, offset, axis1, axis2):
    return diagonal_adjoint(expand_dims(g, -1), x, offset, axis1, axis2)


defprim("trace", _trace_impl, ("call", "np.trace"), arg_names=("a", "offset", "axis1", "axis2"),
        defaults={"offset": 0, "axis1": 0, "axis2": 1}, functions=(np.trace,),
        methods=("trace",), kind=_trace_kind,
        jvp=(lambda dx, ans, x, o, a1, a2: dx._op("trace", dx, o, a1, a2), ZERO, ZERO, ZERO),
        vjp=(_trace_vjp, ZERO, ZERO, ZERO),
        samples=[(_A, 0, 0, 1), (_TALL, 1, 0, 1), (_TALL, -2, 0, 1), (_T3, 0, -1, 1)])


def _diag_kind(v, k):
    if not v.is_array or v.ndim not in (1, 2):
        return K.UNKNOWN
    return K.array(3 - v.ndim, v.dtype)


defprim("diag", np.diag, ("call", "np.diag"), arg_names=("v", "k"), defaults={"k": 0},
        functions=(np.diag,), kind=_diag_kind,
        jvp=(lambda dv, ans, v, k: dv._op("diag", dv, k), ZERO),
        vjp=(lambda g, ans, v, k: g._op("diag_adjoint", g, v, k), ZERO),
        samples=[(_V3, 0), (_V3, 1), (_V3, -2), (_A, 0), (_TALL, -1), (_TALL, 1)],
        doc="a vector gives a matrix with it on the k-th diagonal; a matrix gives that diagonal")
defprim("diag_adjoint", runtime.diag_adjoint, ("runtime", "diag_adjoint"),
        arg_names=("g", "v", "k"), defaults={"k": 0}, shape_from=1,
        kind=lambda g, v, k: v if v.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, v, k: dg._op("diag_adjoint", dg, v, k), ZERO, ZERO),
        vjp=(lambda h, ans, g, v, k: h._op("diag", h, k), ZERO, ZERO),
        samples=[(_A, _V3, 0), (_V3[:1], _TALL[:3], 1)])
defprim("identity_like", runtime.identity_like, ("runtime", "identity_like"),
        kind=lambda x: K.array(2, x.dtype) if x.is_array else K.UNKNOWN,
        jvp=(ZERO,), vjp=(ZERO,))


# ----- symmetric inputs: cholesky and eigh read one triangle ----------------------------------
def _lower(flag, name):
    """True for the lower triangle, from a constant `upper`/`UPLO` argument."""
    value = _const(flag)
    if value in ("L", "l", False):
        return True
    if value in ("U", "u", True):
        return False
    raise NonDifferentiableError(f"np.linalg.{name}: srcad needs the triangle argument as a "
                                 f"constant ('L'/'U', upper=True/False), got {value!r}",
                                 construct=f"np.linalg.{name}")


def _symmetric(da, lower):
    """The symmetric matrix NumPy sees when it reads one triangle of da."""
    if lower:
        return tril(da, 0) + _mT(tril(da, -1))
    return triu(da, 0) + _mT(triu(da, 1))


def _symmetric_adjoint(s, lower):
    """The adjoint of `_symmetric`: an off-diagonal entry of the read triangle gets both of
    its symmetric entries' adjoints, the other triangle none."""
    if lower:
        return tril(s, 0) + tril(_mT(s), -1)
    return triu(s, 0) + triu(_mT(s), 1)


def _half_lower(x):
    """Phi(x): the strictly lower triangle and half the diagonal."""
    return (tril(x, 0) + tril(x, -1)) * 0.5


def _cholesky_jvp(da, ans, a, upper):
    lower = _lower(upper, "cholesky")
    L = ans if lower else _mT(ans)
    middle = _mT(solve(L, _mT(solve(L, _symmetric(da, lower)))))      # L^-1 dA L^-T
    dL = L @ _half_lower(middle)
    return dL if lower else _mT(dL)


def _cholesky_vjp(g, ans, a, upper):
    lower = _lower(upper, "cholesky")
    L, gL = (ans, g) if lower else (_mT(ans), _mT(g))
    left = solve(_mT(L), _half_lower(_mT(L) @ gL))                   # L^-T Phi(L^T gL)
    return _symmetric_adjoint(_mT(solve(_mT(L), _mT(left))), lower)  # ... L^-1


def _cholesky_impl(a, upper=False):
    return np.linalg.cholesky(a, upper=upper)


defprim("cholesky", _cholesky_impl, ("call", "np.linalg.cholesky"), arg_names=("a", "upper"),
        defaults={"upper": False}, functions=(np.linalg.cholesky,),
        kind=lambda a, upper: _square_kind(a), shape_from=0,
        jvp=(_cholesky_jvp, ZERO), vjp=(_cholesky_vjp, ZERO),
        samples=[(_SPD, False), (_SPD, True), (_SPD_BATCH, False), (_SPD[:2, :2], False)],
        doc="reads the lower (upper=True: upper) triangle, as NumPy does")


def _inverse_gaps(d):
    """F[i, j] = 1 / (d[j] - d[i]) off the diagonal, 0 on it (for each vector of a stack)."""
    eye = identity_like(d)
    return 1.0 / (expand_dims(d, -2) - expand_dims(d, -1) + eye) - eye


def _eigh_kind(a, uplo):
    if not a.is_array:
        return K.Kind("tuple")
    return K.Kind("tuple", items=(K.array(a.ndim - 1, a.dtype), a))


def _eigh_jvp(da, ans, a, uplo):
    w, V = getitem(ans, 0), getitem(ans, 1)
    P = _mT(V) @ _symmetric(da, _lower(uplo, "eigh")) @ V
    return make_tuple(diagonal(P, 0, -2, -1), V @ (_inverse_gaps(w) * P))


def _eigh_vjp(g, ans, a, uplo):
    w, V = getitem(ans, 0), getitem(ans, 1)
    gw, gV = adjoint_item(g, 0, w), adjoint_item(g, 1, V)
    inner = expand_dims(gw, -1) * identity_like(w) + _inverse_gaps(w) * (_mT(V) @ gV)
    return _symmetric_adjoint(V @ inner @ _mT(V), _lower(uplo, "eigh"))


def _eigh_impl(a, UPLO="L"):
    return tuple(np.linalg.eigh(a, UPLO))


_SPREAD = np.array([[2.0, 0.3, -0.4], [0.3, 0.5, 0.2], [-0.4, 0.2, -1.2]])

defprim("eigh", _eigh_impl, ("call", "np.linalg.eigh"), arg_names=("a", "UPLO"),
        defaults={"UPLO": "L"}, functions=(np.linalg.eigh,), kind=_eigh_kind,
        jvp=(_eigh_jvp, ZERO), vjp=(_eigh_vjp, ZERO),
        samples=[(_SPREAD, "L"), (_SPREAD, "U"), (_SPD_BATCH, "L"), (_A, "L")],
        doc="(eigenvalues, eigenvectors); repeated eigenvalues make the eigenvector "
            "derivatives infinite or undefined")


# ----- svd, pinv, qr ---------------------------------------------------------------------------
def _svd_impl(a, full_matrices=True, compute_uv=True):
    result = np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(result) if compute_uv else result


def _svd_kind(a, full_matrices, compute_uv):
    if not a.kind.is_array:
        return K.UNKNOWN
    s = K.array(a.kind.ndim - 1, a.kind.dtype)
    if getattr(compute_uv, "value", None) is False:
        return s
    return K.Kind("tuple", items=(a.kind, s, a.kind))


def _svd_parts(ans, a, full_matrices, compute_uv):
    """(U, s, Vh) of a's reduced decomposition, from ans or computed again for
    compute_uv=False; full_matrices=True is checked square at run time."""
    if _const(compute_uv) is False:
        parts = svd(a, False, True)
        return getitem(parts, 0), ans, getitem(parts, 2)
    if _const(full_matrices) is not False:
        a._op("check_square", a, "np.linalg.svd(a, full_matrices=True) (use full_matrices=False)")
    return getitem(ans, 0), getitem(ans, 1), getitem(ans, 2)


def _svd_jvp(da, ans, a, full_matrices, compute_uv):
    U, s, Vh = _svd_parts(ans, a, full_matrices, compute_uv)
    V = _mT(Vh)
    dAV = da @ V
    dP = _mT(U) @ dAV
    ds = diagonal(dP, 0, -2, -1)
    if _const(compute_uv) is False:
        return ds
    s_row = expand_dims(s, -2)
    F = _inverse_gaps(s * s)
    dPS = dP * s_row
    SdP = expand_dims(s, -1) * dP
    dAtU = _mT(da) @ U
    dU = U @ (F * (dPS + _mT(dPS))) + (dAV - U @ (_mT(U) @ dAV)) / s_row
    dV = V @ (F * (SdP + _mT(SdP))) + (dAtU - V @ (_mT(V) @ dAtU)) / s_row
    return make_tuple(dU, ds, _mT(dV))


def _svd_vjp(g, ans, a, full_matrices, compute_uv):
    U, s, Vh = _svd_parts(ans, a, full_matrices, compute_uv)
    if _const(compute_uv) is False:
        return (U * expand_dims(g, -2)) @ Vh
    gU, gs, gV = adjoint_item(g, 0, U), adjoint_item(g, 1, s), _mT(adjoint_item(g, 2, Vh))
    V = _mT(Vh)
    s_row, s_col = expand_dims(s, -2), expand_dims(s, -1)
    F = _inverse_gaps(s * s)
    J = F * (_mT(U) @ gU)
    Kv = F * (_mT(V) @ gV)
    middle = expand_dims(gs, -1) * identity_like(s) + (J + _mT(J)) * s_row + s_col * (Kv + _mT(Kv))
    left = (gU - U @ (_mT(U) @ gU)) / s_row                  # (I - U U^T) gU S^-1
    right = _mT((gV - V @ (_mT(V) @ gV)) / s_row)            # ((I - V V^T) gV S^-1)^T
    return U @ middle @ Vh + left @ Vh + U @ right


defprim("svd", _svd_impl, ("call", "np.linalg.svd"),
        arg_names=("a", "full_matrices", "compute_uv"),
        defaults={"full_matrices": True, "compute_uv": True}, functions=(np.linalg.svd,),
        kind=_svd_kind, kind_from_atoms=True,
        jvp=(_svd_jvp, ZERO, ZERO), vjp=(_svd_vjp, ZERO, ZERO),
        samples=[(_A, True, True), (_TALL, False, True), (_TALL.T, False, True),
                 (_TALL, True, False), (_TALL.T, False, False), (_BATCH, False, True),
                 (_WIDE_BATCH, False, True), (_WIDE_BATCH, False, False)],
        doc="(U, s, Vh); full_matrices=True only for square matrices; repeated singular "
            "values make the singular-vector derivatives infinite or undefined")
defprim("check_square", runtime.check_square, ("runtime", "check_square"),
        arg_names=("a", "what"), effect=True, kind=lambda a, w: K.NONE)


def _pinv_impl(a, rcond=None):
    return np.linalg.pinv(a) if rcond is None else np.linalg.pinv(a, rcond)


def _pinv_jvp(da, ans, a, rcond):
    """d a+ = -a+ da a+ + a+ a+^T da^T (I - a a+) + (I - a+ a) da^T a+^T a+ (constant rank)."""
    P, daT = ans, _mT(da)
    return (-(P @ da @ P) + P @ (_mT(P) @ (daT - (daT @ a) @ P))
            + (daT - P @ (a @ daT)) @ (_mT(P) @ P))


def _pinv_vjp(g, ans, a, rcond):
    P, gT = ans, _mT(g)
    return (-(_mT(P) @ g @ _mT(P)) + (gT - a @ (P @ gT)) @ (P @ _mT(P))
            + (_mT(P) @ P) @ (gT - (gT @ P) @ a))


defprim("pinv", _pinv_impl, ("call", "np.linalg.pinv"), arg_names=("a", "rcond"),
        defaults={"rcond": None}, functions=(np.linalg.pinv,),
        kind=lambda a, rcond: _square_kind(a),
        jvp=(_pinv_jvp, ZERO), vjp=(_pinv_vjp, ZERO),
        samples=[(_A, None), (_TALL, None), (_TALL.T, None), (_WIDE_BATCH, None)],
        doc="the derivative of a pseudo-inverse of constant rank (full-rank samples)")


def _qr_kind(a, mode):
    if not a.kind.is_array:
        return K.UNKNOWN
    return K.Kind("tuple", items=(a.kind, a.kind))


def _qr_mode(mode):
    if _const(mode) != "reduced":
        raise NonDifferentiableError(f"np.linalg.qr(a, mode={_const(mode)!r}): srcad "
                                     "differentiates mode='reduced' (the default)",
                                     construct="np.linalg.qr")


def _qr_jvp(da, ans, a, mode):
    _qr_mode(mode)
    Q, R = getitem(ans, 0), getitem(ans, 1)
    C = _mT(solve(_mT(R), _mT(da)))                          # da R^-1
    X = _mT(Q) @ C
    low = tril(X, -1)
    skew = low - _mT(low)
    return make_tuple(Q @ (skew - X) + C, (X - skew) @ R)


def _qr_vjp(g, ans, a, mode):
    _qr_mode(mode)
    Q, R = getitem(ans, 0), getitem(ans, 1)
    gQ, gR = adjoint_item(g, 0, Q), adjoint_item(g, 1, R)
    M = _mT(Q) @ gQ - gR @ _mT(R)
    N = tril(M - _mT(M), -1) - M
    return _mT(solve(R, _mT(gQ + Q @ N)))                    # (gQ + Q N) R^-T


def _qr_impl(a, mode="reduced"):
    return tuple(np.linalg.qr(a, mode))


defprim("qr", _qr_impl, ("call", "np.linalg.qr"), arg_names=("a", "mode"),
        defaults={"mode": "reduced"}, functions=(np.linalg.qr,), kind=_qr_kind,
        kind_from_atoms=True, jvp=(_qr_jvp, ZERO), vjp=(_qr_vjp, ZERO),
        samples=[(_A, "reduced"), (_TALL, "reduced"), (_BATCH, "reduced"),
                 (np.stack([_TALL, _TALL[::-1]]), "reduced")],
        doc="mode='reduced' for m >= n (R square and invertible)")


# ----- cross, tensordot, kron ------------------------------------------------------------------
def _cross_impl(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.cross(a, b, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def _negative_axis(axis, x):
    """axis counted from the end of x (where x is broadcast, leading axes are added)."""
    value = _const(axis)
    if isinstance(value, int) and value < 0:
        return value
    if isinstance(value, int) and x.kind.is_array:
        return value - x.kind.ndim
    return axis - x._op("ndim", x)


def _cross_axes(a, b, ans, axisa, axisb, axisc, axis):
    """(axisa, axisb, axisc) counted from the end; `axis`, when given, sets all three."""
    if _const(axis) is not None:
        axisa = axisb = axisc = axis
    return _negative_axis(axisa, a), _negative_axis(axisb, b), _negative_axis(axisc, ans)


def _cross(x, y, ax, ay, az):
    return x._op("cross", x, y, ax, ay, az, None)


def _cross_vjp(which):
    """g . (a x b) = a . (b x g) = b . (g x a): the adjoint of one factor is the cross
    product of the other with g, put where the factor keeps its vectors, and summed back
    over the axes broadcasting added."""
    def vjp(g, ans, a, b, axisa, axisb, axisc, axis):
        ax, bx, cx = _cross_axes(a, b, ans, axisa, axisb, axisc, axis)
        if which == 0:
            return reduce_to(_cross(b, g, bx, cx, ax), a)
        return reduce_to(_cross(g, a, cx, ax, bx), b)
    return vjp


_AXES_ZERO = (ZERO,) * 4
_C34 = np.arange(12.0).reshape(4, 3) / 7.0 - 0.8

defprim("cross", _cross_impl, ("call", "np.cross"),
        arg_names=("a", "b", "axisa", "axisb", "axisc", "axis"),
        defaults={"axisa": -1, "axisb": -1, "axisc": -1, "axis": None},
        functions=(np.cross,), kind=lambda a, b, *axes: K.broadcast(a, b),
        jvp=(lambda da, ans, a, b, *axes: da._op("cross", da, b, *axes),
             lambda db, ans, a, b, *axes: db._op("cross", a, db, *axes)) + _AXES_ZERO,
        vjp=(_cross_vjp(0), _cross_vjp(1)) + _AXES_ZERO,
        samples=[(_V3, _V3[::-1] + 0.3, -1, -1, -1, None), (_C34, _V3, -1, -1, -1, None),
                 (_C34.T, _C34, 0, 1, 0, None), (_C34, _C34.T * 2.0, 1, 0, -1, None),
                 (_V3, _C34.T, 0, 0, 0, None), (_C34.T[None], _C34.T, -1, -1, -1, -2),
                 (_C34.T, _V3[:, None], -1, -1, -1, 0)],
        doc="3-vectors along axisa/axisb/axisc (axis= sets all three)")


def _tensordot_kind(a, b, axes):
    value = getattr(axes, "value", "unknown")
    if not (a.kind.is_array and b.kind.is_array):
        return K.UNKNOWN
    n = value if isinstance(value, int) else len(value[0]) if isinstance(value, (tuple, list)) \
        and not isinstance(value[0], int) else 1 if isinstance(value, (tuple, list)) else None
    if n is None:
        return K.UNKNOWN
    dtype = np.result_type(np.dtype(a.kind.dtype), np.dtype(b.kind.dtype)).name
    ndim = a.kind.ndim + b.kind.ndim - 2 * n
    return K.FLOAT if ndim == 0 and dtype == "float64" else K.array(ndim, dtype)


def _tensordot_impl(a, b, axes=2):
    return np.tensordot(a, b, axes)


def _tadj(g, mine, other, axes, which):
    return g._op("tensordot_adjoint", g, mine, other, axes, which)


defprim("tensordot", _tensordot_impl, ("call", "np.tensordot"), arg_names=("a", "b", "axes"),
        defaults={"axes": 2}, functions=(np.tensordot,), kind=_tensordot_kind,
        kind_from_atoms=True,
        jvp=(lambda da, ans, a, b, axes: da._op("tensordot", da, b, axes),
             lambda db, ans, a, b, axes: db._op("tensordot", a, db, axes), ZERO),
        vjp=(lambda g, ans, a, b, axes: _tadj(g, a, b, axes, 0),
             lambda g, ans, a, b, axes: _tadj(g, b, a, axes, 1), ZERO),
        samples=[(_T3, _T3[0] * 0.5, 2), (_A, _B, 1), (_B, _A, 0), (_T3, _B, ([1], [0])),
                 (_T3, _T3, ([0, 2], [0, 2])), (_T3, _A[:2], ((-2, 0), (1, 0))), (_A, _A, 2),
                 (_V3, _V3, 1), (_T3, _V3[::-1], (1, 0))])


def _tadj_vjp_g(h, ans, g, mine, other, axes, which):
    """The adjoint of an adjoint is the product again."""
    if _const(which) == 0:
        return h._op("tensordot", h, other, axes)
    return h._op("tensordot", other, h, axes)


def _tadj_vjp_other(h, ans, g, mine, other, axes, which):
    """<h, adj_a(g, b)> = <g, a=h . b>, so the adjoint in b is adj_b(g) at a = h (and the
    other way round)."""
    return _tadj(g, other, h, axes, 1 - _const(which))


defprim("tensordot_adjoint", runtime.tensordot_adjoint, ("runtime", "tensordot_adjoint"),
        arg_names=("g", "mine", "other", "axes", "which"), shape_from=1,
        kind=lambda g, m, o, axes, which: m if m.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, m, o, axes, w: _tadj(dg, m, o, axes, w), ZERO,
             lambda do, ans, g, m, o, axes, w: _tadj(g, m, do, axes, w), ZERO, ZERO),
        vjp=(_tadj_vjp_g, ZERO, _tadj_vjp_other, ZERO, ZERO),
        samples=[(_A @ _B, _A, _B, 1, 0), (_A @ _B, _B, _A, 1, 1),
                 (np.ones((2, 4, 2)), _T3, _B, ([1], [0]), 0),
                 (np.ones((2, 4, 2)) * 0.5, _B, _T3, ([1], [0]), 1)])


def _kron_kind(a, b):
    if not (a.is_array and b.is_array):
        return K.UNKNOWN
    dtype = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype)).name
    return K.array(max(a.ndim, b.ndim), dtype)


def _kadj(g, mine, other, which):
    return g._op("kron_adjoint", g, mine, other, which)


defprim("kron", np.kron, ("call", "np.kron"), arg_names=("a", "b"), functions=(np.kron,),
        kind=_kron_kind,
        jvp=(lambda da, ans, a, b: da._op("kron", da, b),
             lambda db, ans, a, b: db._op("kron", a, db)),
        vjp=(lambda g, ans, a, b: _kadj(g, a, b, 0), lambda g, ans, a, b: _kadj(g, b, a, 1)),
        samples=[(_A, _B), (_B, _V3), (_V3, _V3[:2]), (_T3, _B), (_B, _T3[:, :2])])


def _kadj_vjp_g(h, ans, g, mine, other, which):
    if _const(which) == 0:
        return h._op("kron", h, other)
    return h._op("kron", other, h)


defprim("kron_adjoint", runtime.kron_adjoint, ("runtime", "kron_adjoint"),
        arg_names=("g", "mine", "other", "which"), shape_from=1,
        kind=lambda g, m, o, which: m if m.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, m, o, w: _kadj(dg, m, o, w), ZERO,
             lambda do, ans, g, m, o, w: _kadj(g, m, do, w), ZERO),
        vjp=(_kadj_vjp_g, ZERO,
             lambda h, ans, g, m, o, w: _kadj(g, o, h, 1 - _const(w)), ZERO),
        samples=[(np.kron(_A, _B) * 0.5, _A, _B, 0), (np.kron(_A, _B) - 0.2, _B, _A, 1),
                 (np.kron(_T3, _B), _B, _T3, 1)])


# ----- norm --------------------------------------------------------------------------------------
class _SymOps:
    """The operations the norm weights need, emitting primitives (derivative code)."""
    abs, sign, sum = staticmethod(abs), staticmethod(sign), staticmethod(sum)

    @staticmethod
    def extremum(x, axis, largest):
        return x._op("max" if largest else "min", x, axis, True)

    @staticmethod
    def mask(a, b, like):
        """a == b as 0/1 in like's float dtype (differentiable twice: no cast_like)."""
        hits = a._op("eq", a, b)
        if like.kind.is_array and like.kind.dtype == "float64":
            return hits
        if like.kind.is_array:
            return hits._op("astype", hits, like.kind.dtype)
        return hits._op("where", hits, like._op("ones_like", like, None), 0.0)

    @staticmethod
    def svd(x):
        parts = svd(x, False, True)
        return getitem(parts, 0), getitem(parts, 2)

    @staticmethod
    def transpose(x, perm):
        return x._op("transpose", x, perm)

    @staticmethod
    def column(u, k):
        return expand_dims(getitem(u, (Ellipsis, slice(None), k)), -1)

    @staticmethod
    def row(vh, k):
        return expand_dims(getitem(vh, (Ellipsis, k, slice(None))), -2)


class _NumpyOps:
    """The same operations on arrays, for `norm_weights` at run time."""
    abs, sign = staticmethod(np.abs), staticmethod(np.sign)

    @staticmethod
    def sum(x, axis, keepdims):
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def extremum(x, axis, largest):
        return (np.max if largest else np.min)(x, axis=axis, keepdims=True)

    @staticmethod
    def mask(a, b, like):
        return (a == b).astype(np.result_type(like, np.float32))

    @staticmethod
    def svd(x):
        U, _, Vh = np.linalg.svd(x, full_matrices=False)
        return U, Vh

    transpose = staticmethod(np.transpose)

    @staticmethod
    def column(u, k):
        return u[..., :, k][..., None]

    @staticmethod
    def row(vh, k):
        return vh[..., k, :][..., None, :]


def _norm_case(ord_, axis, ndim):
    """('flat' | 'vector' | 'matrix', reduced axes) from constant ord and axis; (None, None)
    where only x's ndim can tell a vector norm from a matrix norm."""
    if axis is None:
        if ord_ is None:
            return "flat", None
        if ndim == 1 or (ndim is None and ord_ not in _AMBIGUOUS_ORDS + ("fro", "nuc")):
            return "vector", (-1,)
        if ndim == 2 or (ndim is None and ord_ in ("fro", "nuc")):
            return "matrix", (-2, -1)
        return None, None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return ("vector" if len(axes) == 1 else "matrix"), axes


_AMBIGUOUS_ORDS = (1, -1, 2, -2, np.inf, -np.inf)


def _trailing(axes, ndim):
    """Whether matrix axes (rows, columns) are x's last two, in order (None: unknown)."""
    if tuple(axes) == (-2, -1):
        return True
    return None if ndim is None else (axes[0] % ndim, axes[1] % ndim) == (ndim - 2, ndim - 1)


def _shared(ops, values, target, axis, x):
    """1 / (number of ties) where values attain target along axis, 0 elsewhere."""
    mask = ops.mask(values, target, x)
    return mask / ops.sum(mask, axis, True)


def _vector_weights(ops, x, ans_e, ord_, axes):
    """d ||x||_ord / dx for vector norms (ties of the inf-norms share evenly)."""
    if ord_ is None or ord_ == 2:
        return x / ans_e
    if ord_ == 1:
        return ops.sign(x)
    if ord_ in (np.inf, -np.inf):
        return ops.sign(x) * _shared(ops, ops.abs(x), ans_e, axes, x)
    if ord_ == 0:
        return x * 0.0
    return ops.sign(x) * ops.abs(x) ** (ord_ - 1) / ans_e ** (ord_ - 1)


def _matrix_weights(ops, x, ans_e, ord_, axes, ndim):
    """d ||x||_ord / dx for matrix norms over axes (rows, columns)."""
    rows, cols = axes
    if ord_ in (None, "fro"):
        return x / ans_e
    if ord_ in (1, -1, np.inf, -np.inf):
        summed, across = (rows, cols) if ord_ in (1, -1) else (cols, rows)
        sums = ops.sum(ops.abs(x), summed, True)
        extreme = ops.extremum(sums, across, ord_ > 0)
        return ops.sign(x) * _shared(ops, sums, extreme, across, x)
    if ord_ in ("nuc", 2, -2):
        perm = None
        if not _trailing(axes, ndim):
            rest = [i for i in range(ndim) if i not in (rows % ndim, cols % ndim)]
            perm = tuple(rest + [rows % ndim, cols % ndim])
            x = ops.transpose(x, perm)
        U, Vh = ops.svd(x)
        k = 0 if ord_ != -2 else -1
        w = U @ Vh if ord_ == "nuc" else ops.column(U, k) * ops.row(Vh, k)
        return w if perm is None else ops.transpose(w, tuple(int(i) for i in np.argsort(perm)))
    raise ValueError(f"np.linalg.norm: ord={ord_!r} is not a norm srcad differentiates")


def _norm_weights(ops, x, ans_e, ord_, axis, ndim):
    kind, axes = _norm_case(ord_, axis, ndim)
    if kind == "matrix":
        return _matrix_weights(ops, x, ans_e, ord_, axes, ndim)
    return _vector_weights(ops, x, ans_e, ord_, axes)


def norm_weights(x, ans_e, ord_, axis):
    """d norm(x, ord, axis) / dx at run time (where the rule could not see x's ndim)."""
    return _norm_weights(_NumpyOps, np.asarray(x), ans_e, ord_, axis, np.ndim(x))


def _weights(x, ans, ord_, axis, keepdims):
    o, a = _const(ord_), _const(axis)
    if o == "unknown" or a == "unknown":
        raise NonDifferentiableError("np.linalg.norm: srcad needs ord and axis as constants",
                                     construct="np.linalg.norm")
    if isinstance(o, str) and o not in ("fro", "nuc"):
        raise NonDifferentiableError(f"np.linalg.norm(ord={o!r}) is not a norm",
                                     construct="np.linalg.norm")
    ans_e = unreduce(ans, x, axis, keepdims)
    ndim = x.kind.ndim if x.kind.is_array else None
    kind, axes = _norm_case(o, a, ndim)
    needs_ndim = kind is None or (kind == "matrix" and o in ("nuc", 2, -2) and
                                  _trailing(axes, ndim) is None)
    if needs_ndim and ndim is None:
        return x._op("norm_weights", x, ans_e, ord_, axis)
    return _norm_weights(_SymOps, x, ans_e, o, a, ndim)


def _norm_vjp(g, ans, x, ord_, axis, keepdims):
    return unreduce(g, x, axis, keepdims) * _weights(x, ans, ord_, axis, keepdims)


def _norm_jvp(dx, ans, x, ord_, axis, keepdims):
    return sum(_weights(x, ans, ord_, axis, keepdims) * dx, axis, keepdims)


def _norm_impl(x, ord=None, axis=None, keepdims=False):
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _norm_kind(x, ord_, axis, keepdims):
    if getattr(axis, "value", "unknown") is None and x.kind.is_array and \
            getattr(keepdims, "value", None) is False:
        return K.FLOAT if x.kind.dtype == "float64" else K.array(0, x.kind.dtype)
    return reduced_kind(x, axis, keepdims)


_NV = np.array([0.5, -1.2, 0.8, 0.3])
_INF, _HALF = np.float16(np.inf), np.float16(0.5)   # float ords the sweep keeps constant

_NM = np.array([[0.5, -1.2, 0.8], [0.3, 0.9, -0.4]])
_NORM_SAMPLES = (
    [(_NV, o, None, False) for o in (None, 2, 1, _INF, -_INF, 0, 3, _HALF)]
    + [(_NM, o, None, False) for o in (None, "fro", "nuc", 1, -1, 2, -2, _INF, -_INF)]
    + [(_T3, None, None, False), (_T3, None, -1, False), (_WIDE_BATCH, 1, 1, True),
       (_WIDE_BATCH, _INF, 0, False), (_WIDE_BATCH, 3, -2, True),
       (_WIDE_BATCH, -_INF, 2, False),
       (_WIDE_BATCH, "fro", (1, 2), False), (_WIDE_BATCH, "nuc", (-2, -1), True),
       (_WIDE_BATCH, 2, (2, 1), False), (_WIDE_BATCH, -2, (0, 2), False),
       (_WIDE_BATCH, 1, (0, 1), True), (_WIDE_BATCH, -_INF, (2, 0), False),
       (_NM, 2, 1, False), (_NM, 1, 0, True)])

defprim("norm", _norm_impl, ("call", "np.linalg.norm"), arg_names=("x", "ord", "axis", "keepdims"),
        defaults={"ord": None, "axis": None, "keepdims": False}, functions=(np.linalg.norm,),
        kind=_norm_kind, kind_from_atoms=True,
        jvp=(_norm_jvp, ZERO, ZERO, ZERO), vjp=(_norm_vjp, ZERO, ZERO, ZERO),
        samples=_NORM_SAMPLES,
        doc="every vector and matrix ord; ties of max/min norms share the gradient; the "
            "2-norm of a zero vector and repeated extreme singular values have no derivative")
defprim("norm_weights", norm_weights, ("impl", "norm_weights"),
        arg_names=("x", "ans", "ord", "axis"), shape_from=0,
        kind=lambda x, a, o, ax: x if x.is_array else K.UNKNOWN,
        doc="first-order only: used where x's ndim is not known when the rule is applied")
