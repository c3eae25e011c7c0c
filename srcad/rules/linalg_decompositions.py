"""np.linalg's decompositions: cholesky, eigh, svd, pinv and qr (the other np.linalg rules are
in rules/linalg_solve.py, linalg_diagonals.py, linalg_products.py and linalg_norm.py).

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
from .linalg_common import (solve, tril, triu, diagonal, identity_like, svd, constant_of, mT,
                            square_kind, A, BATCH, SPD, SPD_BATCH, TALL, WIDE_BATCH)
from .ops import ZERO, adjoint_item, expand_dims, getitem, make_tuple
from .table import defprim


# ----- symmetric inputs: cholesky and eigh read one triangle ----------------------------------
def _lower(flag, name):
    """True for the lower triangle, from a constant `upper`/`UPLO` argument."""
    value = constant_of(flag)
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
        return tril(da, 0) + mT(tril(da, -1))
    return triu(da, 0) + mT(triu(da, 1))


def _symmetric_adjoint(s, lower):
    """The adjoint of `_symmetric`: an off-diagonal entry of the read triangle gets both of
    its symmetric entries' adjoints, the other triangle none."""
    if lower:
        return tril(s, 0) + tril(mT(s), -1)
    return triu(s, 0) + triu(mT(s), 1)


def _half_lower(x):
    """Phi(x): the strictly lower triangle and half the diagonal."""
    return (tril(x, 0) + tril(x, -1)) * 0.5


def _cholesky_jvp(da, ans, a, upper):
    lower = _lower(upper, "cholesky")
    L = ans if lower else mT(ans)
    middle = mT(solve(L, mT(solve(L, _symmetric(da, lower)))))      # L^-1 dA L^-T
    dL = L @ _half_lower(middle)
    return dL if lower else mT(dL)


def _cholesky_vjp(g, ans, a, upper):
    lower = _lower(upper, "cholesky")
    L, gL = (ans, g) if lower else (mT(ans), mT(g))
    left = solve(mT(L), _half_lower(mT(L) @ gL))                   # L^-T Phi(L^T gL)
    return _symmetric_adjoint(mT(solve(mT(L), mT(left))), lower)  # ... L^-1


def _cholesky_impl(a, upper=False):
    return np.linalg.cholesky(a, upper=upper)


defprim("cholesky", _cholesky_impl, ("call", "np.linalg.cholesky"), arg_names=("a", "upper"),
        defaults={"upper": False}, functions=(np.linalg.cholesky,),
        kind=lambda a, upper: square_kind(a), shape_from=0,
        jvp=(_cholesky_jvp, ZERO), vjp=(_cholesky_vjp, ZERO),
        samples=[(SPD, False), (SPD, True), (SPD_BATCH, False), (SPD[:2, :2], False)],
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
    P = mT(V) @ _symmetric(da, _lower(uplo, "eigh")) @ V
    return make_tuple(diagonal(P, 0, -2, -1), V @ (_inverse_gaps(w) * P))


def _eigh_vjp(g, ans, a, uplo):
    w, V = getitem(ans, 0), getitem(ans, 1)
    gw, gV = adjoint_item(g, 0, w), adjoint_item(g, 1, V)
    inner = expand_dims(gw, -1) * identity_like(w) + _inverse_gaps(w) * (mT(V) @ gV)
    return _symmetric_adjoint(V @ inner @ mT(V), _lower(uplo, "eigh"))


def _eigh_impl(a, UPLO="L"):
    return tuple(np.linalg.eigh(a, UPLO))


_SPREAD = np.array([[2.0, 0.3, -0.4], [0.3, 0.5, 0.2], [-0.4, 0.2, -1.2]])

defprim("eigh", _eigh_impl, ("call", "np.linalg.eigh"), arg_names=("a", "UPLO"),
        defaults={"UPLO": "L"}, functions=(np.linalg.eigh,), kind=_eigh_kind,
        jvp=(_eigh_jvp, ZERO), vjp=(_eigh_vjp, ZERO),
        samples=[(_SPREAD, "L"), (_SPREAD, "U"), (SPD_BATCH, "L"), (A, "L")],
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
    if constant_of(compute_uv) is False:
        parts = svd(a, False, True)
        return getitem(parts, 0), ans, getitem(parts, 2)
    if constant_of(full_matrices) is not False:
        a._op("check_square", a, "np.linalg.svd(a, full_matrices=True) (use full_matrices=False)")
    return getitem(ans, 0), getitem(ans, 1), getitem(ans, 2)


def _svd_jvp(da, ans, a, full_matrices, compute_uv):
    U, s, Vh = _svd_parts(ans, a, full_matrices, compute_uv)
    V = mT(Vh)
    dAV = da @ V
    dP = mT(U) @ dAV
    ds = diagonal(dP, 0, -2, -1)
    if constant_of(compute_uv) is False:
        return ds
    s_row = expand_dims(s, -2)
    F = _inverse_gaps(s * s)
    dPS = dP * s_row
    SdP = expand_dims(s, -1) * dP
    dAtU = mT(da) @ U
    dU = U @ (F * (dPS + mT(dPS))) + (dAV - U @ (mT(U) @ dAV)) / s_row
    dV = V @ (F * (SdP + mT(SdP))) + (dAtU - V @ (mT(V) @ dAtU)) / s_row
    return make_tuple(dU, ds, mT(dV))


def _svd_vjp(g, ans, a, full_matrices, compute_uv):
    U, s, Vh = _svd_parts(ans, a, full_matrices, compute_uv)
    if constant_of(compute_uv) is False:
        return (U * expand_dims(g, -2)) @ Vh
    gU, gs, gV = adjoint_item(g, 0, U), adjoint_item(g, 1, s), mT(adjoint_item(g, 2, Vh))
    V = mT(Vh)
    s_row, s_col = expand_dims(s, -2), expand_dims(s, -1)
    F = _inverse_gaps(s * s)
    J = F * (mT(U) @ gU)
    Kv = F * (mT(V) @ gV)
    middle = expand_dims(gs, -1) * identity_like(s) + (J + mT(J)) * s_row + s_col * (Kv + mT(Kv))
    left = (gU - U @ (mT(U) @ gU)) / s_row                  # (I - U U^T) gU S^-1
    right = mT((gV - V @ (mT(V) @ gV)) / s_row)            # ((I - V V^T) gV S^-1)^T
    return U @ middle @ Vh + left @ Vh + U @ right


defprim("svd", _svd_impl, ("call", "np.linalg.svd"),
        arg_names=("a", "full_matrices", "compute_uv"),
        defaults={"full_matrices": True, "compute_uv": True}, functions=(np.linalg.svd,),
        kind=_svd_kind, kind_from_atoms=True,
        jvp=(_svd_jvp, ZERO, ZERO), vjp=(_svd_vjp, ZERO, ZERO),
        samples=[(A, True, True), (TALL, False, True), (TALL.T, False, True),
                 (TALL, True, False), (TALL.T, False, False), (BATCH, False, True),
                 (WIDE_BATCH, False, True), (WIDE_BATCH, False, False)],
        doc="(U, s, Vh); full_matrices=True only for square matrices; repeated singular "
            "values make the singular-vector derivatives infinite or undefined")
defprim("check_square", runtime.check_square, ("runtime", "check_square"),
        arg_names=("a", "what"), effect=True, kind=lambda a, w: K.NONE)


def _pinv_impl(a, rcond=None):
    return np.linalg.pinv(a) if rcond is None else np.linalg.pinv(a, rcond)


def _pinv_jvp(da, ans, a, rcond):
    """d a+ = -a+ da a+ + a+ a+^T da^T (I - a a+) + (I - a+ a) da^T a+^T a+ (constant rank)."""
    P, daT = ans, mT(da)
    return (-(P @ da @ P) + P @ (mT(P) @ (daT - (daT @ a) @ P))
            + (daT - P @ (a @ daT)) @ (mT(P) @ P))


def _pinv_vjp(g, ans, a, rcond):
    P, gT = ans, mT(g)
    return (-(mT(P) @ g @ mT(P)) + (gT - a @ (P @ gT)) @ (P @ mT(P))
            + (mT(P) @ P) @ (gT - (gT @ P) @ a))


defprim("pinv", _pinv_impl, ("call", "np.linalg.pinv"), arg_names=("a", "rcond"),
        defaults={"rcond": None}, functions=(np.linalg.pinv,),
        kind=lambda a, rcond: square_kind(a),
        jvp=(_pinv_jvp, ZERO), vjp=(_pinv_vjp, ZERO),
        samples=[(A, None), (TALL, None), (TALL.T, None), (WIDE_BATCH, None)],
        doc="the derivative of a pseudo-inverse of constant rank (full-rank samples)")


def _qr_kind(a, mode):
    if not a.kind.is_array:
        return K.UNKNOWN
    return K.Kind("tuple", items=(a.kind, a.kind))


def _qr_mode(mode):
    if constant_of(mode) != "reduced":
        raise NonDifferentiableError(f"np.linalg.qr(a, mode={constant_of(mode)!r}): srcad "
                                     "differentiates mode='reduced' (the default)",
                                     construct="np.linalg.qr")


def _qr_jvp(da, ans, a, mode):
    _qr_mode(mode)
    Q, R = getitem(ans, 0), getitem(ans, 1)
    C = mT(solve(mT(R), mT(da)))                          # da R^-1
    X = mT(Q) @ C
    low = tril(X, -1)
    skew = low - mT(low)
    return make_tuple(Q @ (skew - X) + C, (X - skew) @ R)


def _qr_vjp(g, ans, a, mode):
    _qr_mode(mode)
    Q, R = getitem(ans, 0), getitem(ans, 1)
    gQ, gR = adjoint_item(g, 0, Q), adjoint_item(g, 1, R)
    M = mT(Q) @ gQ - gR @ mT(R)
    N = tril(M - mT(M), -1) - M
    return mT(solve(R, mT(gQ + Q @ N)))                    # (gQ + Q N) R^-T


def _qr_impl(a, mode="reduced"):
    return tuple(np.linalg.qr(a, mode))


defprim("qr", _qr_impl, ("call", "np.linalg.qr"), arg_names=("a", "mode"),
        defaults={"mode": "reduced"}, functions=(np.linalg.qr,), kind=_qr_kind,
        kind_from_atoms=True, jvp=(_qr_jvp, ZERO), vjp=(_qr_vjp, ZERO),
        samples=[(A, "reduced"), (TALL, "reduced"), (BATCH, "reduced"),
                 (np.stack([TALL, TALL[::-1]]), "reduced")],
        doc="mode='reduced' for m >= n (R square and invertible)")
