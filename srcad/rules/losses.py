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
from .core import reduce_to
from .elementwise import expand_to
from .ops import ZERO, exp, op, sum
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
    place (NumPy's temporary elision) instead of one more array for the difference."""
    return exp(ans) * -sum(g, axis, True) + g


_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])

defprim("log_softmax", log_softmax, ("impl", "log_softmax"), arg_names=("x", "axis"),
        kind=lambda x, axis: K.floating(x), shape_from=0,
        jvp=(lambda dx, ans, x, axis: dx - sum(exp(ans) * dx, axis, True), ZERO),
        vjp=(_log_softmax_vjp, ZERO),
        samples=[(_M, 1), (_M, 0), (_M, -1), (_M, None)],
        doc="x - max - log(sum(exp(x - max))) along axis, what the stable log-softmax becomes "
            "in reverse mode; the shift by the maximum is not differentiated (it cancels)")


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
