"""scipy.linalg: cholesky, cho_factor / cho_solve and expm; registered by scipy_rules when
the user has imported scipy.linalg (this module never imports SciPy).

    cholesky(a, lower)     NumPy's rule (np.linalg.cholesky(a, upper=not lower) reads the same
                           triangle as SciPy)
    cho_factor(a, lower)   (c, lower): the factor in its triangle and a's entries in the other,
                           as SciPy returns them
    cho_solve((c, lower), b)   x = A^-1 b with A = L L^T, L read from c's triangle (lower may
                           be a value computed when the code runs, as cho_factor returns it):
                           b's adjoint A^-1 g, L's (Abar + Abar^T) L with Abar = -(A^-1 g) x^T
    expm(a)                the Frechet derivative, read off the exponential of the block matrix
                           [[a, e], [0, a]] (Higham 2008, 10.6); its adjoint is the derivative
                           at a^T
"""

import numpy as np

from .. import kinds as K
from .ops import ZERO, getitem, matmul, op, transpose
from .table import RULES, defprim

_SPD = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.2]])
_NEAR = _SPD + np.array([[0.0, 0.2, -0.1], [-0.3, 0.0, 0.25], [0.15, -0.2, 0.0]])
_B = np.array([[0.5, -1.0], [1.2, 0.3], [-0.4, 0.9]])
_SMALL = np.array([[0.3, -0.5, 0.1], [0.2, -0.1, 0.4], [-0.3, 0.6, 0.2]])


def _lower_flag(lower, name):
    value = getattr(lower.atom, "value", "unknown")
    if not isinstance(value, (bool, int)) or isinstance(value, str):
        raise ValueError(f"scipy.linalg.{name}: srcad differentiates it for `lower` known when "
                         "the function is transformed (True or False)")
    return bool(value)


def _upper_of(a, lower, name):
    return a.builder.sym(not _lower_flag(lower, name))


def _cholesky_jvp(da, ans, a, lower, *flags):
    return RULES["cholesky"].jvp_rule(0)(da, ans, a, _upper_of(a, lower, "cholesky"))


def _cholesky_vjp(g, ans, a, lower, *flags):
    return RULES["cholesky"].vjp_rule(0)(g, ans, a, _upper_of(a, lower, "cholesky"))


def _other_strict(x, lower):
    """The strict triangle cho_factor leaves as it found it."""
    return op("triu")(x, 1) if lower else op("tril")(x, -1)


def _own(x, lower):
    return op("tril")(x, 0) if lower else op("triu")(x, 0)


def _cho_factor_jvp(da, ans, a, lower, *flags):
    low = _lower_flag(lower, "cho_factor")
    factor = _own(getitem(ans, 0), low)
    dc = _cholesky_jvp(da, factor, a, lower) + _other_strict(da, low)
    return op("make_tuple")(dc, op("zeros_like")(getitem(ans, 1)))


def _cho_factor_vjp(g, ans, a, lower, *flags):
    low = _lower_flag(lower, "cho_factor")
    gc = op("adjoint_item")(g, 0, getitem(ans, 0))
    factor = _own(getitem(ans, 0), low)
    return _cholesky_vjp(_own(gc, low), factor, a, lower) + _other_strict(gc, low)


def cho_lower(c, lower):
    """L, lower triangular, from cho_factor's c (lower: its lower triangle; else the upper
    triangle's transpose): linear in c."""
    c = np.asarray(c)
    return np.tril(c) if lower else np.swapaxes(np.triu(c), -1, -2)


def cho_lower_adjoint(g, lower):
    g = np.asarray(g)
    return np.tril(g) if lower else np.triu(np.swapaxes(g, -1, -2))


def _outer(u, v):
    return op("outer_rows")(u, v)


def _cho_solve_parts(cl):
    c, lower = getitem(cl, 0), getitem(cl, 1)
    return c, lower, op("cho_lower")(c, lower)


def _cho_solve_vjp_c(g, ans, cl, b, *flags):
    c, lower, L = _cho_solve_parts(cl)
    gb = op("cho_solve")(cl, g)
    abar = -_outer(gb, ans)
    gL = matmul(abar + transpose(abar), L)
    return op("make_list")(op("cho_lower_adjoint")(gL, lower), op("zeros_like")(lower))


def _cho_solve_jvp_c(dcl, ans, cl, b, *flags):
    c, lower, L = _cho_solve_parts(cl)
    dL = op("cho_lower")(getitem(dcl, 0), lower)
    da = matmul(dL, transpose(L)) + matmul(L, transpose(dL))
    return -op("cho_solve")(cl, matmul(da, ans))


def register(linalg):
    def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
        return linalg.cholesky(a, lower=lower, check_finite=check_finite)

    def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
        return tuple(linalg.cho_factor(a, lower=lower, check_finite=check_finite))

    def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
        return linalg.cho_solve(tuple(c_and_lower), b, check_finite=check_finite)
    flags = ("overwrite_a", "check_finite")
    defaults = {"lower": False, "overwrite_a": False, "check_finite": True}
    defprim("scipy_cholesky", cholesky, ("impl", "scipy_cholesky"),
            arg_names=("a", "lower") + flags, defaults=defaults,
            functions=(linalg.cholesky,), kind=lambda a, *rest: a if a.is_array else K.UNKNOWN,
            jvp=(_cholesky_jvp, ZERO, ZERO, ZERO), vjp=(_cholesky_vjp, ZERO, ZERO, ZERO),
            samples=[(_NEAR, False, False, True), (_NEAR, True, False, True)],
            doc="reads the upper triangle (lower=True: the lower), as SciPy does")
    defprim("cho_factor", cho_factor, ("impl", "cho_factor"), arg_names=("a", "lower") + flags,
            defaults=defaults, functions=(linalg.cho_factor,),
            kind=lambda a, *rest: K.Kind("tuple", items=(a, K.BOOL)) if a.is_array else
            K.Kind("tuple"),
            jvp=(_cho_factor_jvp, ZERO, ZERO, ZERO), vjp=(_cho_factor_vjp, ZERO, ZERO, ZERO),
            samples=[(_NEAR, False, False, True), (_NEAR, True, False, True)],
            doc="(c, lower): the factor in its triangle, a's entries in the other")
    defprim("cho_solve", cho_solve, ("impl", "cho_solve"),
            arg_names=("c_and_lower", "b", "overwrite_b", "check_finite"),
            defaults={"overwrite_b": False, "check_finite": True},
            functions=(linalg.cho_solve,), kind=lambda cl, b, *rest: b if b.is_array
            else K.UNKNOWN,
            jvp=(_cho_solve_jvp_c, lambda db, ans, cl, b, *f: op("cho_solve")(cl, db),
                 ZERO, ZERO),
            vjp=(_cho_solve_vjp_c, lambda g, ans, cl, b, *f: op("cho_solve")(cl, g), ZERO, ZERO),
            samples=[((np.linalg.cholesky(_SPD) + np.triu(_NEAR, 1), True), _B, False, True),
                     ((np.linalg.cholesky(_SPD).T + np.tril(_NEAR, -1), False), _B[:, 0],
                      False, True)],
            doc="in c (its factor's triangle) and b; lower may be cho_factor's")
    defprim("cho_lower", cho_lower, ("impl", "cho_lower"), arg_names=("c", "lower"),
            kind=lambda c, lower: c,
            jvp=(lambda dc, ans, c, lower: op("cho_lower")(dc, lower), ZERO),
            vjp=(lambda g, ans, c, lower: op("cho_lower_adjoint")(g, lower), ZERO),
            samples=[(_NEAR, True), (_NEAR, False)])
    defprim("cho_lower_adjoint", cho_lower_adjoint, ("impl", "cho_lower_adjoint"),
            arg_names=("g", "lower"), kind=lambda g, lower: g,
            jvp=(lambda dg, ans, g, lower: op("cho_lower_adjoint")(dg, lower), ZERO),
            vjp=(lambda h, ans, g, lower: op("cho_lower")(h, lower), ZERO),
            samples=[(_NEAR, True), (_NEAR, False)])
    _expm(linalg)
    _lu(linalg)


# ----- expm ------------------------------------------------------------------------------------
def frechet_block(a, e):
    """[[a, e], [0, a]]: linear in (a, e)."""
    a, e = np.asarray(a), np.asarray(e)
    top = np.concatenate([a, e], axis=-1)
    bottom = np.concatenate([np.zeros_like(a + e), a], axis=-1)
    return np.concatenate([top, bottom], axis=-2).astype(np.result_type(a, e))


def frechet_part(h, which):
    """The corner [:n, n:] of a block matrix, or the sum of its diagonal blocks: the adjoints
    of frechet_block in e and in a."""
    h = np.asarray(h)
    n = h.shape[-1] // 2
    if which == "corner":
        return h[..., :n, n:].copy()
    return h[..., :n, :n] + h[..., n:, n:]


def _frechet(a, e):
    """The derivative of expm at a in the direction e."""
    return op("frechet_part")(op("expm")(op("frechet_block")(a, e)), "corner")


def _expm(linalg):
    def expm(a):
        return linalg.expm(a)
    defprim("expm", expm, ("impl", "expm"), functions=(linalg.expm,), arg_names=("a",),
            kind=lambda a: a if a.is_array else K.UNKNOWN,
            jvp=(lambda da, ans, a: _frechet(a, da),),
            vjp=(lambda g, ans, a: _frechet(op("swapaxes")(a, -1, -2), g),),
            samples=[(_SMALL,), (np.stack([_SMALL, _SMALL.T * 0.5]),)],
            doc="by the block-matrix Frechet derivative")
    defprim("frechet_block", frechet_block, ("impl", "frechet_block"), arg_names=("a", "e"),
            kind=lambda a, e: a if a.is_array else K.UNKNOWN,
            jvp=(lambda da, ans, a, e: op("frechet_block")(da, op("zeros_like")(e)),
                 lambda de, ans, a, e: op("frechet_block")(op("zeros_like")(a), de)),
            vjp=(lambda h, ans, a, e: op("frechet_part")(h, "diagonal"),
                 lambda h, ans, a, e: op("frechet_part")(h, "corner")),
            samples=[(_SMALL, _NEAR)])
    defprim("frechet_part", frechet_part, ("impl", "frechet_part"), arg_names=("h", "which"),
            kind=lambda h, which: h,
            jvp=(lambda dh, ans, h, which: op("frechet_part")(dh, which), ZERO),
            vjp=(_frechet_part_vjp, ZERO),
            samples=[(frechet_block(_SMALL, _NEAR), "corner"),
                     (frechet_block(_SMALL, _NEAR), "diagonal")])


def _frechet_part_vjp(g, ans, h, which):
    zero = op("zeros_like")(g)
    if getattr(which.atom, "value", None) == "corner":
        return op("frechet_block")(zero, g)
    return op("frechet_block")(g, zero)


# ----- lu_factor / lu_solve ---------------------------------------------------------------------
def lu_permutation(piv, like):
    """P (shaped and typed like `like`) with A = P L U, from lu_factor's row interchanges."""
    n = np.shape(like)[-1]
    order = np.arange(n)
    for i, p in enumerate(np.asarray(piv)):
        order[[i, p]] = order[[p, i]]
    eye = np.eye(n, dtype=np.result_type(like, float))
    return eye[order].T


def _lu_parts(lu, piv):
    unit_lower = op("tril")(lu, -1) + op("identity_like")(lu)
    return unit_lower, op("triu")(lu, 0), op("lu_permutation")(piv, lu)


def _lu_factor_jvp(da, ans, a, *flags):
    lu, piv = getitem(ans, 0), getitem(ans, 1)
    L, U, P = _lu_parts(lu, piv)
    moved = op("solve")(L, matmul(transpose(P), da))                     # L^-1 P^T dA
    F = transpose(op("solve")(transpose(U), transpose(moved)))          # ... U^-1
    dlu = matmul(L, op("tril")(F, -1)) + matmul(op("triu")(F, 0), U)
    return op("make_tuple")(op("tril")(dlu, -1) + op("triu")(dlu, 0),
                            op("zeros_like")(piv))


def _lu_factor_vjp(g, ans, a, *flags):
    lu, piv = getitem(ans, 0), getitem(ans, 1)
    L, U, P = _lu_parts(lu, piv)
    glu = op("adjoint_item")(g, 0, lu)
    fbar = op("tril")(matmul(transpose(L), op("tril")(glu, -1)), -1) + \
        op("triu")(matmul(op("triu")(glu, 0), transpose(U)), 0)
    left = op("solve")(transpose(L), fbar)                                # L^-T Fbar
    return matmul(P, transpose(op("solve")(U, transpose(left))))          # P ... U^-T


def _trans(trans):
    value = getattr(trans.atom, "value", "unknown")
    if value not in (0, 1, 2, "N", "T", "C"):
        raise ValueError("scipy.linalg.lu_solve: srcad differentiates it for a constant trans")
    return 0 if value in (0, "N") else 1


def _lu_solve_vjp_lu(g, ans, lup, b, trans, *flags):
    lu, piv = getitem(lup, 0), getitem(lup, 1)
    L, U, P = _lu_parts(lu, piv)
    other = op("lu_solve")(lup, g, 1 - _trans(trans))
    abar = -_outer(other, ans) if _trans(trans) == 0 else -_outer(ans, other)
    moved = matmul(transpose(P), abar)                                    # P^T Abar
    glu = op("tril")(matmul(moved, transpose(U)), -1) + op("triu")(matmul(transpose(L), moved), 0)
    return op("make_list")(glu, op("zeros_like")(piv))


def _lu_solve_jvp_lu(dlup, ans, lup, b, trans, *flags):
    lu, piv = getitem(lup, 0), getitem(lup, 1)
    L, U, P = _lu_parts(lu, piv)
    dlu = getitem(dlup, 0)
    da = matmul(P, matmul(op("tril")(dlu, -1), U) + matmul(L, op("triu")(dlu, 0)))
    moved = matmul(da if _trans(trans) == 0 else transpose(da), ans)
    return -op("lu_solve")(lup, moved, trans)


def _lu(linalg):
    def lu_factor(a, overwrite_a=False, check_finite=True):
        return tuple(linalg.lu_factor(a, check_finite=check_finite))

    def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
        return linalg.lu_solve(tuple(lu_and_piv), b, trans=trans, check_finite=check_finite)
    defprim("lu_factor", lu_factor, ("impl", "lu_factor"),
            arg_names=("a", "overwrite_a", "check_finite"),
            defaults={"overwrite_a": False, "check_finite": True}, functions=(linalg.lu_factor,),
            kind=lambda a, *rest: K.Kind("tuple", items=(a, K.array(1, "int32")))
            if a.is_array else K.Kind("tuple"),
            jvp=(_lu_factor_jvp, ZERO, ZERO), vjp=(_lu_factor_vjp, ZERO, ZERO),
            samples=[(_NEAR, False, True), (_NEAR[::-1].copy(), False, True)],
            doc="(lu, piv): L below the diagonal, U on and above it; piv has no derivative")
    _lu_b = [tuple(linalg.lu_factor(m)) for m in (_NEAR, _NEAR[::-1].copy())]
    defprim("lu_solve", lu_solve, ("impl", "lu_solve"),
            arg_names=("lu_and_piv", "b", "trans", "overwrite_b", "check_finite"),
            defaults={"trans": 0, "overwrite_b": False, "check_finite": True},
            functions=(linalg.lu_solve,),
            kind=lambda lp, b, *rest: b if b.is_array else K.UNKNOWN,
            jvp=(_lu_solve_jvp_lu,
                 lambda db, ans, lp, b, t, *f: op("lu_solve")(lp, db, t), ZERO, ZERO, ZERO),
            vjp=(_lu_solve_vjp_lu,
                 lambda g, ans, lp, b, t, *f: op("lu_solve")(lp, g, 1 - _trans(t)),
                 ZERO, ZERO, ZERO),
            samples=[(_lu_b[0], _B, 0, False, True), (_lu_b[1], _B[:, 0], 0, False, True),
                     (_lu_b[1], _B, 1, False, True)],
            doc="in lu (L's and U's triangles) and b; trans 0 or 1")
    defprim("lu_permutation", lu_permutation, ("impl", "lu_permutation"),
            arg_names=("piv", "like"), kind=lambda piv, like: like, jvp=(ZERO, ZERO),
            vjp=(ZERO, ZERO))
