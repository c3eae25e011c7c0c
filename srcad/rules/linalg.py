"""Products: `@`, np.matmul, np.dot, np.outer, np.inner.

The adjoint of a product depends on the ranks of its factors (outer product for a vector times
a matrix, a transposed product for two matrices); where the kinds say the ranks, the rule emits
exactly the expression a person would write, otherwise a runtime helper decides.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from ..errors import NonDifferentiableError
from ..runtime import array_of
from .arrays import with_dtype
from .core import reduce_to
from .ops import (broadcast_like, broadcast_to, dot, expand_dims, matmul, outer, reshape, shape,
                  swapaxes, unbroadcast)
from .ops import ZERO
from .ops import sum as sum_of
from .table import defprim

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


def _matmul_ones(a, b):
    """Size-1 pattern of a @ b: the broadcast batch dimensions, a's rows, b's columns (a 1-d
    factor has no row or column there)."""
    pa, pb = a.kind.ones, b.kind.ones
    if not (a.kind.is_array and b.kind.is_array) or pa is None or pb is None or \
            len(pa) == 1 and len(pb) == 1:
        return None
    if len(pb) == 1:
        return pa[:-1]
    if len(pa) == 1:
        return pb[:-2] + pb[-1:]
    batch = K.broadcast_patterns(pa[:-2], pb[:-2])
    return batch + (pa[-2], pb[-1])


def _matmul_vjp_a(g, ans, a, b):
    ka, kb = a.kind, b.kind
    if (not (ka.is_array and kb.is_array)
            or min(ka.ndim, kb.ndim) == 1 < max(ka.ndim, kb.ndim) - 1):
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
    if (not (ka.is_array and kb.is_array)
            or min(ka.ndim, kb.ndim) == 1 < max(ka.ndim, kb.ndim) - 1):
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
    a, b, g = array_of(a), array_of(b), array_of(g)
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
    a, b, g = array_of(a), array_of(b), array_of(g)
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
        functions=(np.matmul,), kind=_matmul_kind, ones=_matmul_ones,
        jvp=(lambda da, ans, a, b: matmul(da, b), lambda db, ans, a, b: matmul(a, db)),
        vjp=(_matmul_vjp_a, _matmul_vjp_b), samples=_MATMUL_SAMPLES)
def _number_like(kind):
    """A float or a 0-d array (NumPy scalars included): np.dot multiplies by it."""
    return kind.is_scalar or kind.is_array and kind.ndim == 0


def _dot_kind(a, b):
    if _number_like(a) or _number_like(b):
        return K.broadcast(a, b)
    if not (a.is_array and b.is_array):
        return K.UNKNOWN
    dtype = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype)).name
    ndim = a.ndim + b.ndim - 2
    return with_dtype(K.array(ndim, dtype), dtype) if ndim == 0 else K.array(ndim, dtype)


def _dot_ones(a, b):
    """Size-1 pattern of np.dot(a, b): a's without its last dimension, then b's without its
    second-to-last (a number multiplies: the other's pattern)."""
    if _number_like(a.kind) or _number_like(b.kind):
        return K.broadcast_ones(a.kind, b.kind)
    pa, pb = a.kind.ones, b.kind.ones
    if not (a.kind.is_array and b.kind.is_array) or pa is None or pb is None:
        return None
    return pa[:-1] if len(pb) == 1 else pa[:-1] + pb[:-2] + pb[-1:]


def _dot_vjp(which):
    """np.dot is a @ b for factors of rank 1 and 2; other ranks use a contraction helper."""
    matmul_rule = (_matmul_vjp_a, _matmul_vjp_b)[which]

    def vjp(g, ans, a, b):
        if a.kind.is_array and b.kind.is_array and {a.kind.ndim, b.kind.ndim} <= {1, 2}:
            return matmul_rule(g, ans, a, b)
        if _number_like(a.kind) or _number_like(b.kind):
            return reduce_to(g * (b, a)[which], (a, b)[which])
        return g._op("dot_vjp", g, a, b, which)
    return vjp


defprim("dot", np.dot, arg_names=("a", "b"), functions=(np.dot,), methods=("dot",),
        kind=_dot_kind, ones=_dot_ones,
        jvp=(lambda da, ans, a, b: dot(da, b), lambda db, ans, a, b: dot(a, db)),
        vjp=(_dot_vjp(0), _dot_vjp(1)),
        samples=_MATMUL_SAMPLES[:4] + [(_T3, _B), (_A, np.stack([_B, -_B])), (_T3, _V3),
                                       (0.7, _A), (_V2, 1.3), (np.array(0.7), _A),
                                       (np.array(1.3), np.array(-0.4))])
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
    a, b, g = array_of(a), array_of(b), array_of(g)
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
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist(labels):
    """An einsum sublist ([0, 1], [Ellipsis, 0]) as subscript letters ('ab', '...a')."""
    return "".join("..." if k is Ellipsis else _LETTERS[k] for k in labels)


def _einsum_form(values):
    """(input subscripts, output subscripts, positions of the operands among the arguments)
    of an einsum call, in string form ('ij,jk->ik', a, b) or sublist form
    (a, [0, 1], b, [1, 2], [0, 2]); `values` are the constant arguments (None elsewhere)."""
    if isinstance(values[0], str):
        spec = values[0].replace(" ", "")
        inputs, arrow, out = spec.partition("->")
        inputs, positions = inputs.split(","), list(range(1, len(values)))
    else:
        n = len(values) // 2
        inputs = [_sublist(values[2 * k + 1]) for k in range(n)]
        positions = [2 * k for k in range(n)]
        arrow = len(values) % 2
        out = _sublist(values[-1]) if arrow else ""
    if not arrow:
        letters = "".join(inputs).replace(".", "")
        dots = "..." if any("..." in s for s in inputs) else ""
        out = dots + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return inputs, out, positions


def _values(args):
    return [getattr(getattr(a, "atom", a), "value", None) for a in args]


def _einsum_vjp(i, g, ans, *args):
    """d/d operand: einsum of g with the other operands onto this operand's subscripts; an
    index only this operand has (summed away) is broadcast back, and '...' axes that
    broadcasting added are summed. A size-1 axis that broadcasting stretched is summed back to
    1, and an axis where every factor the result comes from had size 1 is broadcast back."""
    inputs, out, positions = _einsum_form(_values(args))
    k = positions.index(i)
    mine, x = inputs[k], args[i]
    others = [(s, args[p]) for s, p in zip(inputs, positions) if p != i]
    letters = mine.replace(".", "")
    if len(set(letters)) != len(letters):
        return _einsum_vjp_diagonal(g, x, mine, out, others)
    return _einsum_vjp_unique(g, x, mine, out, others)


def _einsum_vjp_diagonal(g, x, mine, out, others):
    """An operand with a repeated index ('ii' of a trace, 'ii->i' of a diagonal): the adjoint
    of its diagonal d = einsum('ii->i', x), which the einsum reads through unique letters,
    put back on that diagonal (`diagonal_embed`, whose adjoint is the extraction again)."""
    if "..." in mine:
        raise NonDifferentiableError(f"np.einsum({mine!r}, ...): a repeated index next to "
                                     "'...' has no adjoint rule; take np.diagonal first",
                                     construct="np.einsum")
    unique = "".join(dict.fromkeys(mine))
    diagonal = x._op("einsum", f"{mine}->{unique}", x)
    part = _einsum_vjp_unique(g, diagonal, unique, out, others)
    return part._op("diagonal_embed", part, x, mine)


def _einsum_vjp_unique(g, x, mine, out, others):
    """The adjoint for an operand whose subscripts have no repeated letter."""
    seen = out + "".join(s for s, _ in others)
    if "..." in mine or "..." in seen:
        return _einsum_vjp_ellipsis(g, x, mine, out, others, seen)
    kept = "".join(c for c in mine if c in seen)
    if not out and len(others) == 1 and others[0][0] == kept:
        result = g * others[0][1]          # a full contraction: g times the other factor
    else:
        spec = ",".join([out] + [s for s, _ in others]) + "->" + kept
        result = g._op("einsum", spec, g, *[op for _, op in others])
    missing = tuple(k for k, c in enumerate(mine) if c not in seen)
    if missing:
        result = expand_dims(result, missing)
    return _fit_sizes(result, x, mine, out, others, lifted=bool(missing))


def _einsum_vjp_ellipsis(g, x, mine, out, others, seen):
    """With '...' (which NumPy never sums away in an explicit output): one einsum onto x's
    subscripts with the '...' axes kept, then a sum over the axes broadcasting added; an index
    only x has is carried by a ones operand shaped like x."""
    terms = [out] + [s for s, _ in others]
    operands = [g] + [op for _, op in others]
    if not all(c in seen for c in mine.replace(".", "")):
        terms.append(mine)
        operands.append(x._op("ones_like", x, None))
    target = mine if "..." in mine else "..." + mine
    result = g._op("einsum", ",".join(terms) + "->" + target, *operands)
    result = reduce_to(result, x)          # sums stretched axes too (result's sizes of 1
    _, lifted = _size_differences(x, mine, out, others)    # are not known)
    return broadcast_to(result, shape(x)) if lifted else result


def _fit_sizes(result, x, mine, out, others, lifted=False):
    """`result` (x's subscripts, its sizes taken from g and the other operands) brought to x's
    shape where broadcasting made the two differ along an index: summed where x has size 1
    and another factor has not, broadcast where x has not and every factor along an index
    that is not in the output has size 1 (`lifted`: an index only x has, whose axis `result`
    has as size 1). Nothing is emitted where the size-1 patterns say neither happens; where
    they are not known, the runtime helpers check."""
    stretched, lift = _size_differences(x, mine, out, others)
    if stretched is None:
        return broadcast_like(unbroadcast(result, x), x)
    if stretched:
        result = sum_of(result, stretched[0] if len(stretched) == 1 else tuple(stretched), True)
    return broadcast_to(result, shape(x)) if lifted or lift else result


def _size_differences(x, mine, out, others):
    """(the axes of x to sum back to size 1, whether some axis must be broadcast up), from
    the operands' size-1 patterns; (None, True) where they do not say."""
    stretched, lifted = [], False
    for axis, c in _letter_axes(mine, x.kind.ndim):
        flags = [_size_one(op.kind, s, c) for s, op in others if c in s]
        mine_one = _size_one(x.kind, mine, c)
        if not flags:
            continue               # the size is x's own (g's, or a ones operand's)
        if mine_one is None or None in flags:
            return None, True
        if mine_one and not all(flags):
            stretched.append(axis)
        elif not mine_one and c not in out and all(flags):
            lifted = True
    return stretched, lifted


def _letter_axes(subscripts, ndim):
    """(axis, letter) for the letters of one operand's subscripts; axes after '...' count
    from the end (negative) since '...' stands for any number of axes."""
    before, dots, after = subscripts.partition("...")
    pairs = list(enumerate(before))
    if dots:
        pairs += [(k - len(after), c) for k, c in enumerate(after)]
    elif ndim is not None and len(before) != ndim:
        return []
    return pairs


def _size_one(kind, subscripts, letter):
    """Whether an operand has size 1 along `letter`: True, False or None (not known)."""
    if not kind.is_array or kind.ones is None:
        return None
    for axis, c in _letter_axes(subscripts, kind.ndim):
        if c == letter and -kind.ndim <= axis < kind.ndim:
            return kind.ones[axis]
    return None


def _einsum_jvp(i, dx, ans, *args):
    args = list(args)
    args[i] = dx
    return dx._op("einsum", *args)


def _einsum_kind(*args):
    values = _values(args)
    if not (isinstance(values[0], str) or hasattr(args[0], "kind")):
        return K.UNKNOWN
    try:
        inputs, out, positions = _einsum_form(values)
    except (TypeError, IndexError, AttributeError):
        return K.UNKNOWN
    kinds = [args[p].kind for p in positions]
    if not all(k.is_numeric for k in kinds):
        return K.UNKNOWN
    dtype = K.broadcast(*kinds)
    ndim = len(out.replace(".", ""))
    if "..." in out:
        dots = [k.ndim - len(s.replace(".", "")) for s, k in zip(inputs, kinds)
                if "..." in s and k.is_array]
        if len(dots) < sum("..." in s for s in inputs):
            return K.UNKNOWN
        ndim += max(dots, default=0)
    if not ndim:
        return K.FLOAT if dtype.tag == "float" or dtype.dtype == "float64" else \
            K.array(0, dtype.dtype)
    return K.array(ndim, dtype.dtype or "float64")


def _diagonal_extract(h, ans, r, x, subscripts):
    mine = _values([subscripts])[0]
    return h._op("einsum", f"{mine}->{''.join(dict.fromkeys(mine))}", h)


defprim("diagonal_embed", runtime.diagonal_embed, ("runtime", "diagonal_embed"),
        arg_names=("r", "x", "subscripts"), shape_from=1,
        kind=lambda r, x, subscripts: x if x.is_array else K.UNKNOWN,
        jvp=(lambda dr, ans, r, x, mine: dr._op("diagonal_embed", dr, x, mine), ZERO, None),
        vjp=(_diagonal_extract, ZERO, None),
        samples=[(_V3, np.eye(3), "ii"),
                 (_A, np.zeros((_A.shape[0], _A.shape[0], _A.shape[1])), "iij")],
        doc="zeros like x with r on the diagonal its repeated subscripts name (an einsum "
            "adjoint)")

_T3b = _T3.swapaxes(1, 2)

defprim("einsum", np.einsum, arg_names=("subscripts", "operands"), variadic=True,
        functions=(np.einsum,), kind=_einsum_kind, kind_from_atoms=True,
        jvp=_einsum_jvp, vjp=_einsum_vjp,
        samples=[("ij,jk->ik", _A, _B), ("ij,j->i", _A, _V3), ("i,i->", _V3, -_V3),
                 ("ij,ij->", _A, _A * 0.5), ("ij,kj->ik", _A, _A), ("bij,bjk->bik",
                                                                    _T3[:, :2], _T3b),
                 ("i,j->ij", _V3, _V2), ("ij->ji", _A), ("ij->i", _A), ("ij,jk", _A, _B),
                 ("ij,k->i", _A, _V2), ("ij,k->ik", _A, _V2),
                 ("ij,jk,kl->il", _A, _B, _B.T), ("i,ij,j->", _V2, _A, _V3),
                 ("ij,jk,k", _A, _B, _V2),
                 ("...ij,...jk->...ik", _T3[:, :2], _T3b), ("...ij,jk->...ik", _T3, _B),
                 ("...j,j", _T3, _V3), ("i...,i...->...", _T3, _T3 * 0.5),
                 ("...ij->...", _T3), ("ij...,jk->ik...", _T3.T, _T3[0]),
                 ("...ij,ij->...", _T3, _T3[0]),
                 (_A, [0, 1], _B, [1, 2], [0, 2]), (_A, [0, 1], _V3, [1]),
                 (_T3, [Ellipsis, 1, 2], _B, [2, 3], [Ellipsis, 1, 3]),
                 (_V2, [0], _A, [0, 1], _V3, [1], []),
                 ("i...j,j...k->i...k", _T3, _T3.transpose(2, 1, 0)),
                 ("i...j,j...k->i...k", _T3[:, :1], _T3.transpose(2, 1, 0)),
                 ("...ij,...jk", _T3[:1, :2], _T3b), ("...ij,...jk->...ik", _T3[:, :2], _B[None]),
                 ("ij,ij->", _A[:1], _A), ("ij,ij->", _A, _A[1:] * 0.5),
                 ("ij,ij->i", _A[:, :1], _A), ("ij,jk->ik", _A, _B[:1]),
                 ("bij,bjk->bik", _T3[:1, :2], _T3b), ("bij,bjk->bik", _T3[:, :2], _T3b[1:]),
                 ("bij,bjk->bk", _T3[:1, :2], _T3b), ("ii", _B[:2]), ("ii->i", _B[:2]),
                 ("iij,i->j", np.stack([_B[:2], -_B[:2]], axis=2), _V2)],
        doc="string and sublist forms, '...', any number of operands, an index repeated "
            "within one operand (a trace, a diagonal) but next to '...'")
