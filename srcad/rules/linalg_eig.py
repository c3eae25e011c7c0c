"""np.linalg.eig and eigvals of real matrices with real, distinct eigenvalues.

A V = V diag(w). With C = V^-1 dA V (Magnus 1985; Giles 2008, 3.1):

    dw = diag(C)
    dV = P (V (F * C)),   F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it

where P projects each column onto the complement of its own eigenvector: NumPy returns unit
columns, so an eigenvector's derivative has no part along itself. The adjoint, for (gw, gV):

    Abar = V^-T (diag(gw) + F * (V^T P(gV))) V^T

A matrix whose spectrum is complex has no real derivative of this form: the value NumPy returns
is complex, and srcad refuses it when the code runs (runtime_linalg.check_real_spectrum), as it
refuses a complex `wrt`. Repeated eigenvalues make the eigenvector derivatives infinite or
undefined (NaN or inf), as for eigh; the eigenvalues alone are fine. Stacks of matrices
(`(..., M, M)`) are taken as NumPy takes them.
"""

import numpy as np

from .. import kinds as K
from .. import runtime_linalg
from .ops import adjoint_item, expand_dims, getitem, make_tuple, op, sum, swapaxes
from .table import defprim

inv = op("inv")
diagonal = op("diagonal")
identity_like = op("identity_like")

# real, well separated spectra: 2.1, 0.9, -0.6 and a stack of two
_A = np.array([[1.9, 0.4, -0.3], [0.2, 0.8, 0.5], [-0.1, 0.3, -0.4]])
_BATCH = np.stack([_A, _A.T + 0.5 * np.eye(3)])


def _mT(x):
    return swapaxes(x, -1, -2)


def _gaps(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (for each vector of a stack)."""
    eye = identity_like(w)
    return 1.0 / (expand_dims(w, -2) - expand_dims(w, -1) + eye) - eye


def _diag(v):
    """The diagonal matrix of each vector of a stack."""
    return expand_dims(v, -1) * identity_like(v)


def _unit_projection(V, dV):
    """Each column of dV less its part along the same (unit) column of V."""
    return dV - V * sum(V * dV, -2, True)


def _eig_kind(a):
    if not a.is_array:
        return K.Kind("tuple")
    return K.Kind("tuple", items=(K.array(a.ndim - 1, a.dtype), a))


def _eig_jvp(da, ans, a):
    w, V = getitem(ans, 0), getitem(ans, 1)
    C = inv(V) @ da @ V
    return make_tuple(diagonal(C, 0, -2, -1), _unit_projection(V, V @ (_gaps(w) * C)))


def _eig_vjp(g, ans, a):
    w, V = getitem(ans, 0), getitem(ans, 1)
    gw, gV = adjoint_item(g, 0, w), adjoint_item(g, 1, V)
    inner = _diag(gw) + _gaps(w) * (_mT(V) @ _unit_projection(V, gV))
    return _mT(inv(V)) @ inner @ _mT(V)


def _eig_impl(a):
    return runtime_linalg.real_spectrum(np.linalg.eig(a), "np.linalg.eig")


defprim("eig", _eig_impl, ("impl", "eig"), arg_names=("a",), functions=(np.linalg.eig,),
        kind=_eig_kind, jvp=(_eig_jvp,), vjp=(_eig_vjp,),
        samples=[(_A,), (_BATCH,), (_A[:2, :2],)],
        doc="(eigenvalues, unit eigenvectors) of a real matrix with a real spectrum; a "
            "complex spectrum is refused when the code runs; repeated eigenvalues make the "
            "eigenvector derivatives infinite or undefined")


def _eigvals_impl(a):
    return runtime_linalg.real_spectrum((np.linalg.eigvals(a),), "np.linalg.eigvals")[0]


def _eigvals_jvp(da, ans, a):
    V = getitem(op("eig")(a), 1)
    return diagonal(inv(V) @ da @ V, 0, -2, -1)


def _eigvals_vjp(g, ans, a):
    V = getitem(op("eig")(a), 1)
    return _mT(inv(V)) @ _diag(g) @ _mT(V)


defprim("eigvals", _eigvals_impl, ("impl", "eigvals"), arg_names=("a",),
        functions=(np.linalg.eigvals,),
        kind=lambda a: K.array(a.ndim - 1, a.dtype) if a.is_array else K.UNKNOWN,
        jvp=(_eigvals_jvp,), vjp=(_eigvals_vjp,),
        samples=[(_A,), (_BATCH,)],
        doc="the eigenvalues of a real matrix with a real spectrum (a complex one is refused "
            "when the code runs)")
