"""Losses whose derivative a person writes in one step, recognised in the user's code
(srcad/transforms/loss_patterns.py) and differentiated as one primitive.

`log_softmax(x, axis)` is the numerically stable log-softmax as people write it,
`s = x - np.max(x, axis=axis, keepdims=True); s - np.log(np.sum(np.exp(s), axis=axis,
keepdims=True))`, computed with those operations. The shift by the maximum changes nothing
mathematically, so its derivative is not taken (term by term it is a mask of the maxima times
a sum that is zero but for rounding): the adjoint is `g - exp(ans) * np.sum(g, axis)`.

`logistic_bce(y, z)` is binary cross-entropy on the logistic of z,
`y * log(σ(z)) + (1 - y) * log(1 - σ(z))`, computed exactly as that expression (the same
operations in the same order, so the same value). Its derivative in z is `y - σ(z)` (the
`p - y` of a hand-written gradient, up to the sign of the loss) and in y is `z`
(log σ(z) - log(1 - σ(z))), instead of `y / p - (1 - y) / (1 - p)` times `p (1 - p)`.
"""

import numpy as np

from .. import kinds as K
from .core import counts_from_zero, distinct_scatter, reduce_to
from .elementwise import expand_to
from .ops import ZERO, exp, getitem, op, sum
from ..ir.atoms import Var
from .table import defprim


def logistic_bce(y, z):
    """y log σ(z) + (1 - y) log(1 - σ(z)), σ(z) = 1 / (1 + exp(-z)), as the user spells it."""
    p = 1.0 / (1.0 + np.exp(-z))
    return y * np.log(p) + (1.0 - y) * np.log(1.0 - p)


def _bce_of(y, p):
    return y * op("log")(p) + (1.0 - y) * op("log")(1.0 - p)


def _bce_kind(y, z):
    return K.floating(K.broadcast(y, z))


_Y = np.array([0.0, 1.0, 1.0, 0.0])
_Z = np.array([0.3, -1.2, 2.0, -0.4])

defprim("logistic_bce", logistic_bce, ("impl", "logistic_bce"), arg_names=("y", "z"),
        kind=_bce_kind, shape_from="args",
        jvp=(lambda dy, ans, y, z: expand_to(dy * z, ans),
             lambda dz, ans, y, z: expand_to(dz * (y - op("logistic")(z)), ans)),
        vjp=(lambda g, ans, y, z: reduce_to(g * z, y),
             lambda g, ans, y, z: reduce_to(g * (y - op("logistic")(z)), z)),
        value=lambda y, z: _bce_of(y, op("logistic")(z)),
        samples=[(_Y, _Z), (0.3, _Z), (np.array([0.2, 0.9]), 0.5)],
        doc="binary cross-entropy on logits, y log σ(z) + (1 - y) log(1 - σ(z)), what that "
            "expression with p = 1 / (1 + np.exp(-z)) becomes in reverse mode; derivative "
            "y - σ(z) in z")


def log_softmax(x, axis):
    """The stable log-softmax, with the operations of the pattern it stands for."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(g, ans, x, axis):
    """g - exp(ans) sum(g), spelled exp(ans) * -sum(g) + g: the same numbers (a - b c is
    -(b c) + a exactly), and the full-size product is a temporary the sum adds g into in
    place (NumPy's temporary elision) instead of one more array for the difference. Where g
    is the adjoint of a distinct pick of ans (`-np.sum(log_probs[np.arange(N), y])`), the
    same without g's dense array (log_softmax_picked_adjoint)."""
    scatter = g.builder.defined_by.get(g.atom) if isinstance(g.atom, Var) else None
    if scatter is not None and scatter.prim == "distinct_scatter" and \
            scatter.args[1] is ans.atom:
        v, _, index = (type(g)(g.builder, a) for a in scatter.args)
        kept = _counts_in_kept_axis(g.builder.definitions(), scatter.args[2], axis.atom)
        return g._op("log_softmax_picked_adjoint", v, ans, index, axis, kept)
    return exp(ans) * -sum(g, axis, True) + g


def _counts_in_kept_axis(defs, index, axis):
    """Whether the pick's index is a tuple one of whose parts, on an axis the sum keeps, is
    np.arange(n) (rules.core.counts_from_zero): its picks then fall on distinct positions of
    the sum (the lengths of its parts are checked when it runs)."""
    made = defs.get(index) if isinstance(index, Var) else None
    position = getattr(axis, "value", None)
    if made is None or made.prim != "make_tuple" or type(position) is not int:
        return False
    parts = made.args
    position %= max(len(parts), 1)
    return any(counts_from_zero(defs.get(p)) for i, p in enumerate(parts)
               if i != position and isinstance(p, Var))


def log_softmax_picked_adjoint(v, ans, index, axis, distinct=False):
    """log_softmax's adjoint `exp(ans) * -np.sum(g, axis, keepdims=True) + g` for the adjoint
    of a distinct pick, g = distinct_scatter(v, ans, index), without g: its sum is v assigned
    into the reduced shape, and v is added at the index into the result (`dx[np.arange(N), y]
    -= 1` of a hand-written backward pass). The same numbers, where no two picks share a
    position of the reduced shape (`distinct`: known from the index, else checked here);
    elsewhere g is made."""
    reduced = _reduced_picks(ans, index, axis, distinct)
    if reduced is None:
        g = distinct_scatter(v, ans, index)
        return np.exp(ans) * -np.sum(g, axis=axis, keepdims=True) + g
    shape, at = reduced
    total = np.zeros(shape, dtype=np.result_type(v, ans, 1.0))
    total[at] = v
    out = np.exp(ans)
    if out.dtype == total.dtype:
        out *= -total                   # the product's numbers, in the array exp made
    else:
        out = out * -total
    out[index] += v
    return out


def _reduced_picks(ans, index, axis, distinct):
    """(the shape of ans summed over `axis` with keepdims, the index into it) where `index`
    holds one 1-d integer array of one length per dimension of ans, and no two of the
    positions it picks fall on one position of the sum; None otherwise."""
    parts, ndim = index if type(index) is tuple else (index,), np.ndim(ans)
    if type(ans) is not np.ndarray or type(axis) is not int or not -ndim <= axis < ndim or \
            len(parts) != ndim or len({len(p) for p in parts if type(p) is np.ndarray}) != 1 or \
            not all(type(p) is np.ndarray and p.ndim == 1 and p.dtype.kind in "iu" for p in parts):
        return None
    axis %= ndim
    shape = ans.shape[:axis] + (1,) + ans.shape[axis + 1:]
    at = parts[:axis] + (0,) + parts[axis + 1:]
    if distinct:
        return shape, at
    ids = np.arange(len(parts[0]))
    probe = np.full(shape, -1, dtype=ids.dtype)
    probe[at] = ids                     # where two picks share a position, one id is lost
    return (shape, at) if np.array_equal(probe[at], ids) else None


distinct_scatter_op = op("distinct_scatter")


def _picked_tangent_in_ans(da, out, v, a, index, axis, distinct):
    return da * (out - distinct_scatter_op(v, a, index))


def _picked_adjoint_in_v(h, out, v, a, index, axis, distinct):
    return reduce_to(getitem(h - sum(h * exp(a), axis, True), index), v)


_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])

defprim("log_softmax", log_softmax, ("impl", "log_softmax"), arg_names=("x", "axis"),
        kind=lambda x, axis: K.floating(x), shape_from=0,
        jvp=(lambda dx, ans, x, axis: dx - sum(exp(ans) * dx, axis, True), ZERO),
        vjp=(_log_softmax_vjp, ZERO),
        samples=[(_M, 1), (_M, 0), (_M, -1), (_M, None)],
        doc="x - max - log(sum(exp(x - max))) along axis, what the stable log-softmax becomes "
            "in reverse mode; the shift by the maximum is not differentiated (it cancels)")


_P, _PICK = np.array([[-1.2, -0.4, -2.0], [-0.3, -1.9, -0.8]]), (np.arange(2), np.array([2, 0]))

defprim("log_softmax_picked_adjoint", log_softmax_picked_adjoint,
        ("impl", "log_softmax_picked_adjoint"),
        kind=lambda v, ans, index, axis, distinct: K.floating(ans), shape_from=1,
        arg_names=("v", "ans", "index", "axis", "distinct"), defaults={"distinct": False},
        jvp=(lambda dv, out, v, a, i, axis, d:
             dv._op("log_softmax_picked_adjoint", dv, a, i, axis, d),
             _picked_tangent_in_ans, ZERO, ZERO, ZERO),
        vjp=(_picked_adjoint_in_v, lambda h, out, v, a, i, axis, d:
             h * (out - distinct_scatter_op(v, a, i)), ZERO, ZERO, ZERO),
        samples=[(np.array([0.5, -1.0]), _P, _PICK, 1, True), (0.25, _P, _PICK, -1, False),
                 (np.array([0.5, -1.0]), _P, (np.arange(2), np.array([1, 1])), 0, False)],
        doc="log_softmax's adjoint where g is the adjoint of a distinct pick of its result "
            "(reverse mode): exp(ans) * -sum(g) + g without g's dense array")


def masked_logistic(x):
    """The logistic written with two masks so that exp never overflows, with the operations
    of the pattern it stands for (srcad/transforms/masked_logistic.py): e^-x / (1 + e^-x)
    where x >= 0, e^x / (1 + e^x) where x < 0, 1 where neither holds (NaN)."""
    up, down = x >= 0, x < 0
    e = np.zeros_like(x)
    e[up] = np.exp(-x[up])
    e[down] = np.exp(x[down])
    top = np.ones_like(x)
    top[down] = e[down]
    return top / (1 + e)


_S = np.array([-30.0, -2.0, -0.3, 0.0, 0.4, 2.5, 40.0])

defprim("masked_logistic", masked_logistic, ("impl", "masked_logistic"), arg_names=("x",),
        kind=lambda x: x, shape_from=0,
        jvp=(lambda dx, ans, x: dx * (ans * (1.0 - ans)),),
        vjp=(lambda g, ans, x: g * (ans * (1.0 - ans)),),
        samples=[(_S,), (_S.reshape(1, 7) * 0.1,)],
        doc="the logistic written with masks (`z[mask] = np.exp(...)`, then `top / (1 + z)`), "
            "what that helper's result becomes in reverse mode: derivative σ(1 - σ) of its "
            "output instead of the masked reads and writes differentiated one by one")
