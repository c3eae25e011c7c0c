"""Products: `@`, np.matmul, np.dot, np.outer, np.inner.

The adjoint of a product depends on the ranks of its factors (outer product for a vector times
a matrix, a transposed product for two matrices); where the kinds say the ranks, the rule emits
exactly the expression a person would write, otherwise a runtime helper decides.
"""

import numpy as np

from .. import kinds as K
from . import defprim
from .core import reduce_to
from .ops import matmul, outer, swapaxes

_A = np.array([[0.2, -0.5, 0.7], [1.1, 0.3, -0.4]])
_B = np.array([[0.6, -0.1], [0.4, 0.9], [-0.3, 0.5]])
_V3 = np.array([0.5, -1.2, 0.8])
_V2 = np.array([0.3, 0.7])


def _matmul_kind(a, b):
    if not (a.is_array and b.is_array):
        return K.UNKNOWN
    dtype = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype)).name
    if a.ndim == 1 and b.ndim == 1:
        return K.FLOAT if dtype == "float64" else K.array(0, dtype)
    if a.ndim == 1 or b.ndim == 1:
        return K.array(max(a.ndim, b.ndim) - 1, dtype)
    return K.array(max(a.ndim, b.ndim), dtype)


def _matmul_vjp_a(g, ans, a, b):
    ka, kb = a.kind, b.kind
    if not (ka.is_array and kb.is_array) or (min(ka.ndim, kb.ndim) == 1 < max(ka.ndim, kb.ndim) - 1):
        return g._op("matmul_vjp", g, a, b, 0)
    if ka.ndim == 1 and kb.ndim == 1:
        return g * b
    if kb.ndim == 1:
        return outer(g, b)
    if ka.ndim == 1:
        return matmul(b, g)
    if ka.ndim == 2 and kb.ndim == 2:
        return matmul(g, b.T)
    return reduce_to(matmul(g, swapaxes(b, -1, -2)), a)


def _matmul_vjp_b(g, ans, a, b):
    ka, kb = a.kind, b.kind
    if not (ka.is_array and kb.is_array) or (min(ka.ndim, kb.ndim) == 1 < max(ka.ndim, kb.ndim) - 1):
        return g._op("matmul_vjp", g, a, b, 1)
    if ka.ndim == 1 and kb.ndim == 1:
        return g * a
    if ka.ndim == 1:
        return outer(a, g)
    if kb.ndim == 1:
        return matmul(g, a)
    if ka.ndim == 2 and kb.ndim == 2:
        return matmul(a.T, g)
    return reduce_to(matmul(swapaxes(a, -1, -2), g), b)


def _matmul_vjp_runtime(g, a, b, which):
    """Adjoint of a @ b for factors of any rank, when their ranks are not known statically."""
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    if which == 0:
        out = g2 @ np.swapaxes(b2, -1, -2)
        out = _sum_to(out, a2.shape)
        return out.reshape(a.shape)
    out = np.swapaxes(a2, -1, -2) @ g2
    return _sum_to(out, b2.shape).reshape(b.shape)


def _sum_to(x, shape):
    extra = x.ndim - len(shape)
    if extra:
        x = x.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True) if axes else x


_MATMUL_SAMPLES = [(_A, _B), (_A, _V3), (_V2, _A), (_V3, _V3),
                   (np.stack([_A, 2 * _A]), _B), (np.stack([_A, -_A]), np.stack([_B, _B]))]

defprim("matmul", np.matmul, ("binop", "@"), arg_names=("a", "b"), symbol="@",
        functions=(np.matmul,), kind=_matmul_kind,
        jvp=(lambda da, ans, a, b: matmul(da, b), lambda db, ans, a, b: matmul(a, db)),
        vjp=(_matmul_vjp_a, _matmul_vjp_b), samples=_MATMUL_SAMPLES)
defprim("dot", np.dot, arg_names=("a", "b"), functions=(np.dot,), methods=("dot",),
        kind=_matmul_kind,
        jvp=(lambda da, ans, a, b: da._op("dot", da, b), lambda db, ans, a, b: db._op("dot", a, db)),
        vjp=(_matmul_vjp_a, _matmul_vjp_b), samples=_MATMUL_SAMPLES[:4])
defprim("matmul_vjp", _matmul_vjp_runtime, ("runtime", "matmul_vjp"),
        arg_names=("g", "a", "b", "which"))
defprim("outer", np.outer, arg_names=("a", "b"), functions=(np.outer,),
        kind=lambda a, b: K.array(2, "float64") if a.is_numeric and b.is_numeric else K.UNKNOWN,
        jvp=(lambda da, ans, a, b: outer(da, b), lambda db, ans, a, b: outer(a, db)),
        vjp=(lambda g, ans, a, b: matmul(g, b), lambda g, ans, a, b: matmul(a, g)),
        samples=[(_V3, _V2)])
defprim("inner", np.inner, arg_names=("a", "b"), functions=(np.inner,),
        kind=lambda a, b: K.FLOAT if a.is_array and b.is_array and a.ndim == b.ndim == 1
        else K.UNKNOWN,
        jvp=(lambda da, ans, a, b: da._op("inner", da, b), lambda db, ans, a, b: db._op("inner", a, db)),
        vjp=(lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a),
        samples=[(_V3, -_V3)])
