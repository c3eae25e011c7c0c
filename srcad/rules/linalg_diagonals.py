"""The matrix structure functions tril, triu, diagonal, trace and diag, batched over leading
axes as NumPy defines them.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from .linalg_common import diagonal, diagonal_adjoint, scalar_per_matrix_kind, A, V3, TALL, T3
from .ops import ZERO, expand_dims
from .table import defprim


# ----- triangles, diagonals, trace -------------------------------------------------------------
def _triangle_kind(x, k):
    return x if x.is_array else K.UNKNOWN


for _name, _fn in (("tril", np.tril), ("triu", np.triu)):
    defprim(_name, _fn, ("call", f"np.{_name}"), arg_names=("m", "k"), defaults={"k": 0},
            functions=(_fn,), kind=_triangle_kind, shape_from=0,
            jvp=(lambda dx, ans, x, k, _n=_name: dx._op(_n, dx, k), ZERO),
            vjp=(lambda g, ans, x, k, _n=_name: g._op(_n, g, k), ZERO),
            samples=[(A, 0), (A, -1), (A, 1), (TALL, 0), (T3, -1)])


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
        samples=[(A, 0, 0, 1), (TALL, -1, 0, 1), (TALL, 1, 1, 0), (T3, 0, 0, 2),
                 (T3, 1, -1, -2)])
defprim("diagonal_adjoint", runtime.diagonal_adjoint, ("runtime", "diagonal_adjoint"),
        arg_names=("g", "x", "offset", "axis1", "axis2"),
        defaults={"offset": 0, "axis1": 0, "axis2": 1}, shape_from=1,
        kind=lambda g, x, o, a1, a2: x if x.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, x, o, a1, a2: diagonal_adjoint(dg, x, o, a1, a2),
             ZERO, ZERO, ZERO, ZERO),
        vjp=(lambda h, ans, g, x, o, a1, a2: diagonal(h, o, a1, a2), ZERO, ZERO, ZERO, ZERO),
        samples=[(V3, A, 0, 0, 1), (np.ones((3, 1)), T3, 1, 2, 0)])


def _trace_impl(a, offset=0, axis1=0, axis2=1):
    return np.trace(a, offset, axis1, axis2)


def _trace_kind(x, offset, axis1, axis2):
    return scalar_per_matrix_kind(x) if x.is_array else K.UNKNOWN


def _trace_vjp(g, ans, x, offset, axis1, axis2):
    return diagonal_adjoint(expand_dims(g, -1), x, offset, axis1, axis2)


defprim("trace", _trace_impl, ("call", "np.trace"), arg_names=("a", "offset", "axis1", "axis2"),
        defaults={"offset": 0, "axis1": 0, "axis2": 1}, functions=(np.trace,),
        methods=("trace",), kind=_trace_kind,
        jvp=(lambda dx, ans, x, o, a1, a2: dx._op("trace", dx, o, a1, a2), ZERO, ZERO, ZERO),
        vjp=(_trace_vjp, ZERO, ZERO, ZERO),
        samples=[(A, 0, 0, 1), (TALL, 1, 0, 1), (TALL, -2, 0, 1), (T3, 0, -1, 1)])


def _diag_kind(v, k):
    if not v.is_array or v.ndim not in (1, 2):
        return K.UNKNOWN
    return K.array(3 - v.ndim, v.dtype)


defprim("diag", np.diag, ("call", "np.diag"), arg_names=("v", "k"), defaults={"k": 0},
        functions=(np.diag,), kind=_diag_kind,
        jvp=(lambda dv, ans, v, k: dv._op("diag", dv, k), ZERO),
        vjp=(lambda g, ans, v, k: g._op("diag_adjoint", g, v, k), ZERO),
        samples=[(V3, 0), (V3, 1), (V3, -2), (A, 0), (TALL, -1), (TALL, 1)],
        doc="a vector gives a matrix with it on the k-th diagonal; a matrix gives that diagonal")
defprim("diag_adjoint", runtime.diag_adjoint, ("runtime", "diag_adjoint"),
        arg_names=("g", "v", "k"), defaults={"k": 0}, shape_from=1,
        kind=lambda g, v, k: v if v.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, v, k: dg._op("diag_adjoint", dg, v, k), ZERO, ZERO),
        vjp=(lambda h, ans, g, v, k: h._op("diag", h, k), ZERO, ZERO),
        samples=[(A, V3, 0), (V3[:1], TALL[:3], 1)])
defprim("identity_like", runtime.identity_like, ("runtime", "identity_like"),
        kind=lambda x: K.array(2, x.dtype) if x.is_array else K.UNKNOWN,
        jvp=(ZERO,), vjp=(ZERO,))
