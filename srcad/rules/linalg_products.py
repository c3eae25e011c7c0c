"""np.cross, np.tensordot and np.kron, with the adjoints of tensordot and kron as primitives
(runtime helpers) so that second derivatives go through them.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from .core import reduce_to
from .linalg_common import constant_of, A, B, V3, T3
from .ops import ZERO
from .table import defprim


# ----- cross, tensordot, kron ------------------------------------------------------------------
def _cross_impl(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.cross(a, b, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def _negative_axis(axis, x):
    """axis counted from the end of x (where x is broadcast, leading axes are added)."""
    value = constant_of(axis)
    if isinstance(value, int) and value < 0:
        return value
    if isinstance(value, int) and x.kind.is_array:
        return value - x.kind.ndim
    return axis - x._op("ndim", x)


def _cross_axes(a, b, ans, axisa, axisb, axisc, axis):
    """(axisa, axisb, axisc) counted from the end; `axis`, when given, sets all three."""
    if constant_of(axis) is not None:
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
        samples=[(V3, V3[::-1] + 0.3, -1, -1, -1, None), (_C34, V3, -1, -1, -1, None),
                 (_C34.T, _C34, 0, 1, 0, None), (_C34, _C34.T * 2.0, 1, 0, -1, None),
                 (V3, _C34.T, 0, 0, 0, None), (_C34.T[None], _C34.T, -1, -1, -1, -2),
                 (_C34.T, V3[:, None], -1, -1, -1, 0)],
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
        samples=[(T3, T3[0] * 0.5, 2), (A, B, 1), (B, A, 0), (T3, B, ([1], [0])),
                 (T3, T3, ([0, 2], [0, 2])), (T3, A[:2], ((-2, 0), (1, 0))), (A, A, 2),
                 (V3, V3, 1), (T3, V3[::-1], (1, 0))])


def _tadj_vjp_g(h, ans, g, mine, other, axes, which):
    """The adjoint of an adjoint is the product again."""
    if constant_of(which) == 0:
        return h._op("tensordot", h, other, axes)
    return h._op("tensordot", other, h, axes)


def _tadj_vjp_other(h, ans, g, mine, other, axes, which):
    """<h, adj_a(g, b)> = <g, a=h . b>, so the adjoint in b is adj_b(g) at a = h (and the
    other way round)."""
    return _tadj(g, other, h, axes, 1 - constant_of(which))


defprim("tensordot_adjoint", runtime.tensordot_adjoint, ("runtime", "tensordot_adjoint"),
        arg_names=("g", "mine", "other", "axes", "which"), shape_from=1,
        kind=lambda g, m, o, axes, which: m if m.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, m, o, axes, w: _tadj(dg, m, o, axes, w), ZERO,
             lambda do, ans, g, m, o, axes, w: _tadj(g, m, do, axes, w), ZERO, ZERO),
        vjp=(_tadj_vjp_g, ZERO, _tadj_vjp_other, ZERO, ZERO),
        samples=[(A @ B, A, B, 1, 0), (A @ B, B, A, 1, 1),
                 (np.ones((2, 4, 2)), T3, B, ([1], [0]), 0),
                 (np.ones((2, 4, 2)) * 0.5, B, T3, ([1], [0]), 1)])


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
        samples=[(A, B), (B, V3), (V3, V3[:2]), (T3, B), (B, T3[:, :2])])


def _kadj_vjp_g(h, ans, g, mine, other, which):
    if constant_of(which) == 0:
        return h._op("kron", h, other)
    return h._op("kron", other, h)


defprim("kron_adjoint", runtime.kron_adjoint, ("runtime", "kron_adjoint"),
        arg_names=("g", "mine", "other", "which"), shape_from=1,
        kind=lambda g, m, o, which: m if m.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, m, o, w: _kadj(dg, m, o, w), ZERO,
             lambda do, ans, g, m, o, w: _kadj(g, m, do, w), ZERO),
        vjp=(_kadj_vjp_g, ZERO,
             lambda h, ans, g, m, o, w: _kadj(g, o, h, 1 - constant_of(w)), ZERO),
        samples=[(np.kron(A, B) * 0.5, A, B, 0), (np.kron(A, B) - 0.2, B, A, 1),
                 (np.kron(T3, B), B, T3, 1)])
