"""Products: `@`, np.matmul, np.dot, np.outer, np.inner.

The adjoint of a product depends on the ranks of its factors (outer product for a vector times
a matrix, a transposed product for two matrices); where the kinds say the ranks, the rule emits
exactly the expression a person would write, otherwise a runtime helper decides.
"""

import numpy as np

from .. import kinds as K
from ..errors import NonDifferentiableError
from . import defprim
from .arrays import with_dtype
from .core import reduce_to
from .ops import broadcast_to, dot, expand_dims, matmul, outer, reshape, shape, swapaxes

_A = np.array([[0.2, -0.5, 0.7], [1.1, 0.3, -0.4]])
_B = np.array([[0.6, -0.1], [0.4, 0.9], [-0.3, 0.5]])
_V3 = np.array([0.5, -1.2, 0.8])
_V2 = np.array([0.3, 0.7])
_T3 = np.arange(24.0).reshape(2, 4, 3) / 12.0 - 0.9


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
    """Adjoint of a @ b for factors of any rank, when their ranks are not known statically.

    A 1-d factor is a matrix with a unit axis (a row for a, a column for b), as np.matmul
    treats it; the adjoint is computed for the matrices and the unit axis dropped again.
    """
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -1 if b.ndim == 1 else -2)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    if which == 0:
        return _sum_to(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    return _sum_to(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)


def _sum_to(x, shape):
    """x summed over the axes that broadcasting added to an array of this shape."""
    extra = x.ndim - len(shape)
    if extra:
        x = x.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True) if axes else x


def _dot_vjp_runtime(g, a, b, which):
    """Adjoint of np.dot(a, b) for any ranks: a product with a scalar, else a contraction of
    a's last axis with b's second-to-last (its only axis when 1-d)."""
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    if a.ndim == 0 or b.ndim == 0:
        other = b if which == 0 else a
        mine = a if which == 0 else b
        return _sum_to(g * other, mine.shape).reshape(mine.shape)
    nb_free = b.ndim - 1
    if which == 0:
        b_free = [i for i in range(b.ndim) if i != max(b.ndim - 2, 0)]
        g_free = list(range(a.ndim - 1, g.ndim))
        return np.tensordot(g, b, axes=(g_free, b_free))
    out = np.tensordot(a, g, axes=(list(range(a.ndim - 1)), list(range(a.ndim - 1))))
    return np.moveaxis(out, 0, -2) if nb_free else out


_MATMUL_SAMPLES = [(_A, _B), (_A, _V3), (_V2, _A), (_V3, _V3),
                   (np.stack([_A, 2 * _A]), _B), (np.stack([_A, -_A]), np.stack([_B, _B]))]

defprim("matmul", np.matmul, ("binop", "@"), arg_names=("a", "b"), symbol="@",
        functions=(np.matmul,), kind=_matmul_kind,
        jvp=(lambda da, ans, a, b: matmul(da, b), lambda db, ans, a, b: matmul(a, db)),
        vjp=(_matmul_vjp_a, _matmul_vjp_b), samples=_MATMUL_SAMPLES)
def _dot_kind(a, b):
    if a.is_scalar or b.is_scalar:
        return K.broadcast(a, b)
    if not (a.is_array and b.is_array):
        return K.UNKNOWN
    dtype = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype)).name
    ndim = a.ndim + b.ndim - 2
    return with_dtype(K.array(ndim, dtype), dtype) if ndim == 0 else K.array(ndim, dtype)


def _dot_vjp(which):
    """np.dot is a @ b for factors of rank 1 and 2; other ranks use a contraction helper."""
    matmul_rule = (_matmul_vjp_a, _matmul_vjp_b)[which]

    def vjp(g, ans, a, b):
        if a.kind.is_array and b.kind.is_array and {a.kind.ndim, b.kind.ndim} <= {1, 2}:
            return matmul_rule(g, ans, a, b)
        if a.kind.is_float_scalar or b.kind.is_float_scalar:
            return reduce_to(g * (b, a)[which], (a, b)[which])
        return g._op("dot_vjp", g, a, b, which)
    return vjp


defprim("dot", np.dot, arg_names=("a", "b"), functions=(np.dot,), methods=("dot",),
        kind=_dot_kind,
        jvp=(lambda da, ans, a, b: dot(da, b), lambda db, ans, a, b: dot(a, db)),
        vjp=(_dot_vjp(0), _dot_vjp(1)),
        samples=_MATMUL_SAMPLES[:4] + [(_T3, _B), (_A, np.stack([_B, -_B])), (_T3, _V3),
                                       (0.7, _A), (_V2, 1.3)])
defprim("dot_vjp", _dot_vjp_runtime, ("runtime", "dot_vjp"), arg_names=("g", "a", "b", "which"))
defprim("matmul_vjp", _matmul_vjp_runtime, ("runtime", "matmul_vjp"),
        arg_names=("g", "a", "b", "which"))
def ravel(x):
    return x._op("ravel", x)


def _outer_vjp(which):
    """np.outer flattens its factors: for vectors the adjoint is g @ b (or a @ g)."""
    def vjp(g, ans, a, b):
        if a.kind.is_array and b.kind.is_array and a.kind.ndim == b.kind.ndim == 1:
            return matmul(g, b) if which == 0 else matmul(a, g)
        mine = (a, b)[which]
        product = matmul(g, ravel(b)) if which == 0 else matmul(ravel(a), g)
        return reshape(product, shape(mine))
    return vjp


def _outer_kind(a, b):
    if not (a.is_numeric and b.is_numeric):
        return K.UNKNOWN
    return K.array(2, K.broadcast(a, b).dtype or "float64")


defprim("outer", np.outer, arg_names=("a", "b"), functions=(np.outer,), kind=_outer_kind,
        jvp=(lambda da, ans, a, b: outer(da, b), lambda db, ans, a, b: outer(a, db)),
        vjp=(_outer_vjp(0), _outer_vjp(1)),
        samples=[(_V3, _V2), (_A, _V2), (_V3, _B)])


def _inner_vjp(which):
    """np.inner contracts the last axes; for two vectors the adjoint is g * (the other)."""
    def vjp(g, ans, a, b):
        ka, kb = a.kind, b.kind
        if ka.is_array and kb.is_array and ka.ndim == kb.ndim == 1:
            return g * (b, a)[which]
        if ka.is_float_scalar or kb.is_float_scalar:
            return reduce_to(g * (b, a)[which], (a, b)[which])
        return g._op("inner_vjp", g, a, b, which)
    return vjp


def _inner_vjp_runtime(g, a, b, which):
    """Adjoint of np.inner(a, b) for any ranks (a scalar factor multiplies)."""
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    if a.ndim == 0 or b.ndim == 0:
        other, mine = (b, a) if which == 0 else (a, b)
        return _sum_to(g * other, mine.shape).reshape(mine.shape)
    if which == 0:
        return np.tensordot(g, b, axes=(list(range(a.ndim - 1, g.ndim)),
                                        list(range(b.ndim - 1))))
    return np.tensordot(g, a, axes=(list(range(a.ndim - 1)), list(range(a.ndim - 1))))


def _inner_kind(a, b):
    if a.is_scalar or b.is_scalar:
        return K.broadcast(a, b)
    if not (a.is_array and b.is_array):
        return K.UNKNOWN
    dtype = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype)).name
    return with_dtype(K.array(a.ndim + b.ndim - 2, dtype), dtype)


defprim("inner", np.inner, arg_names=("a", "b"), functions=(np.inner,), kind=_inner_kind,
        jvp=(lambda da, ans, a, b: da._op("inner", da, b),
             lambda db, ans, a, b: db._op("inner", a, db)),
        vjp=(_inner_vjp(0), _inner_vjp(1)),
        samples=[(_V3, -_V3), (_A, _V3), (_V3, _B.T), (_T3, _A), (1.3, _A)])
defprim("inner_vjp", _inner_vjp_runtime, ("runtime", "inner_vjp"),
        arg_names=("g", "a", "b", "which"))


# ----- einsum ------------------------------------------------------------------------------
def _einsum_spec(subscripts):
    """(input subscripts, output subscripts) of an einsum string without `...`."""
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise NonDifferentiableError(f"np.einsum({subscripts!r}, ...): srcad differentiates "
                                     "einsum without '...'; write the batch axes out "
                                     "('bij,bjk->bik')", construct="np.einsum")
    inputs, arrow, out = spec.partition("->")
    if not arrow:
        letters = inputs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return inputs.split(","), out


def _einsum_vjp(i, g, ans, subscripts, *operands):
    """d/d operand: einsum of g with the other operands onto this operand's subscripts; an
    index only this operand has (summed away) is broadcast back."""
    inputs, out = _einsum_spec(subscripts.atom.value)
    mine = inputs[i - 1]
    if len(set(mine)) != len(mine):
        raise NonDifferentiableError(f"np.einsum({subscripts.atom.value!r}, ...): a repeated "
                                     f"index within one operand ({mine!r}, a diagonal) has no "
                                     "adjoint rule yet; use np.diagonal or np.trace",
                                     construct="np.einsum")
    others = [(s, op) for k, (s, op) in enumerate(zip(inputs, operands)) if k != i - 1]
    seen = out + "".join(s for s, _ in others)
    kept = "".join(c for c in mine if c in seen)
    if not out and len(others) == 1 and others[0][0] == kept:
        result = g * others[0][1]          # a full contraction: g times the other factor
    else:
        spec = ",".join([out] + [s for s, _ in others]) + "->" + kept
        result = g._op("einsum", spec, g, *[op for _, op in others])
    if kept == mine:
        return result
    missing = tuple(k for k, c in enumerate(mine) if c not in seen)
    return broadcast_to(expand_dims(result, missing), shape(operands[i - 1]))


def _einsum_jvp(i, dx, ans, subscripts, *operands):
    ops = list(operands)
    ops[i - 1] = dx
    return dx._op("einsum", subscripts, *ops)


def _einsum_kind(subscripts, *operands):
    value = getattr(subscripts, "value", None)
    kinds = [op.kind for op in operands]
    if not isinstance(value, str) or "." in value or not all(k.is_numeric for k in kinds):
        return K.UNKNOWN
    dtype = K.broadcast(*kinds)
    _, out = _einsum_spec(value)
    if not out:
        return K.FLOAT if dtype.tag == "float" or dtype.dtype == "float64" else \
            K.array(0, dtype.dtype)
    return K.array(len(out), dtype.dtype or "float64")


defprim("einsum", np.einsum, arg_names=("subscripts", "operands"), variadic=True,
        functions=(np.einsum,), kind=_einsum_kind, kind_from_atoms=True,
        jvp=_einsum_jvp, vjp=_einsum_vjp,
        samples=[("ij,jk->ik", _A, _B), ("ij,j->i", _A, _V3), ("i,i->", _V3, -_V3),
                 ("ij,ij->", _A, _A * 0.5), ("ij,kj->ik", _A, _A), ("bij,bjk->bik",
                                                                    _T3[:, :2], _T3.swapaxes(1, 2)),
                 ("i,j->ij", _V3, _V2), ("ij->ji", _A), ("ij->i", _A), ("ij,jk", _A, _B),
                 ("ij,k->i", _A, _V2), ("ij,k->ik", _A, _V2)])
