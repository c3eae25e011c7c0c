"""Series and NaN-aware reductions: np.diff, np.linspace with active endpoints, np.isnan /
isinf / isfinite / logical_not, np.nansum and np.nanmean.

np.diff is linear: its tangent is the diff of the tangent, and its adjoint (`diff_adjoint`)
spreads each difference back onto its two neighbours, n times; the two are each other's
transpose, so every order of derivative is made of them. np.linspace(start, stop) is
start * (1 - t) + stop * t with t = np.linspace(0, 1, num): the tangent is a linspace of the
tangents, the adjoint the sum of g weighted by 1 - t (start) or t (stop). The NaN reductions
skip NaNs, and so do their derivatives: a NaN element gets 0.
"""

import numpy as np

from .. import kinds as K
from ..ir.atoms import Const
from ..runtime import is_foreign
from .arrays import keyword_impl, mean_kind, sum_kind, with_dtype
from .core import reduce_to
from .ops import ZERO, logical_not, matmul, moveaxis, sum, where, zeros_like
from .reductions import unreduce
from .table import defprim

_V = np.array([0.3, -1.2, 0.5, 0.9, 0.1])
_M = np.array([[0.3, -1.2, 0.5, 0.7], [0.8, 0.1, -0.6, 1.3], [0.2, 0.4, 1.1, -0.3]])
_V7 = np.linspace(-1.0, 1.3, 7)


# ----- np.diff --------------------------------------------------------------------------------
def diff_adjoint(g, n=1, axis=-1):
    """The adjoint of np.diff(x, n, axis): each difference g spread back onto the two elements
    it subtracts, n times (x[i] receives g[i - 1] - g[i])."""
    g = g if is_foreign(g) else np.asarray(g)
    widths = [(0, 0)] * g.ndim
    widths[axis] = (1, 1)
    for _ in range(n):
        g = -np.diff(np.pad(g, widths), axis=axis)
    return g


def _same_ndim(x, *rest):
    return K.array(x.ndim, x.dtype) if x.is_array else K.UNKNOWN


def _diff_impl(x, n=1, axis=-1, prepend=None, append=None):
    ends = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return np.diff(x, n=n, axis=axis, **ends)


def _absent(end):
    return isinstance(end.atom, Const) and end.atom.value is None


def _diff_jvp(which):
    """The tangent from argument `which` (0: x, 3: prepend, 4: append): np.diff of the
    tangent with zeros in place of the other two parts (np.diff is linear in all three)."""
    def jvp(d, ans, x, n, axis, prepend, append):
        parts = {0: x, 3: prepend, 4: append}
        tangents = {k: d if k == which else None if _absent(p) else _zero_like(p)
                    for k, p in parts.items()}
        return d._op("diff", tangents[0], n, axis, tangents[3], tangents[4])
    return jvp


def _diff_vjp(which):
    """The adjoint for argument `which`: diff_adjoint over the joined length, then the part
    that argument was (summed back to a number for a number prepended or appended)."""
    def vjp(g, ans, x, n, axis, prepend, append):
        full = g._op("diff_adjoint", g, n, axis)
        if _absent(prepend) and _absent(append):
            return full
        return full._op("diff_part", full, x, prepend, append, axis, Const(which))
    return vjp


def diff_part(full, x, prepend, append, axis, which):
    """The part of an array joined as np.diff joins prepend, x and append along `axis` that
    `which` (0: x, 3: prepend, 4: append) was; a number's part summed to a number."""
    bounds, shape = _diff_layout(x, prepend, append, axis, which)
    index = [slice(None)] * len(shape)
    index[axis] = slice(*bounds)
    part = full[tuple(index)]          # a slice: lazy on Dask, a view copied by the caller
    return np.sum(part) if np.ndim({0: x, 3: prepend, 4: append}[which]) == 0 else part


def diff_part_adjoint(h, x, prepend, append, axis, which):
    """The transpose of diff_part: zeros of the joined shape with h (broadcast, for a number)
    where that part was."""
    bounds, shape = _diff_layout(x, prepend, append, axis, which)
    out = np.zeros(shape, dtype=np.result_type(h, x, np.float32))
    index = [slice(None)] * len(shape)
    index[axis] = slice(*bounds)
    out[tuple(index)] = h
    return out


def _diff_layout(x, prepend, append, axis, which):
    """(start, stop) of part `which` along `axis` in the joined array, and its shape."""
    widths = [0 if e is None else 1 if np.ndim(e) == 0 else np.shape(e)[axis]
              for e in (prepend, append)]
    nx = np.shape(x)[axis]
    bounds = {0: (widths[0], widths[0] + nx), 3: (0, widths[0]),
              4: (widths[0] + nx, widths[0] + nx + widths[1])}[which]
    shape = list(np.shape(x))
    shape[axis] = widths[0] + widths[1] + nx
    return bounds, shape


def _diff_part_kind(full, x, prepend, append, axis, which):
    end = {0: x, 3: prepend, 4: append}.get(getattr(which, "value", None))
    return K.UNKNOWN if end is None else end.kind


defprim("diff", _diff_impl, ("call", "np.diff"),
        arg_names=("x", "n", "axis", "prepend", "append"),
        defaults={"n": 1, "axis": -1, "prepend": None, "append": None}, functions=(np.diff,),
        kind=_same_ndim,
        jvp=(_diff_jvp(0), ZERO, ZERO, _diff_jvp(3), _diff_jvp(4)),
        vjp=(_diff_vjp(0), ZERO, ZERO, _diff_vjp(3), _diff_vjp(4)),
        samples=[(_V, 1, -1, None, None), (_V, 2, -1, None, None), (_M, 1, 0, None, None),
                 (_M, 2, 1, None, None), (_M, 3, -1, None, None), (_V, 1, -1, 0.5, None),
                 (_V, 2, 0, None, -0.4), (_M, 1, 0, 2.0 * _M[:1], 0.3),
                 (_M, 2, 1, None, _M[:, :2])],
        doc="prepend= and append= too, numbers or arrays")
defprim("diff_part", diff_part, ("impl", "diff_part"),
        arg_names=("full", "x", "prepend", "append", "axis", "which"),
        kind=_diff_part_kind, kind_from_atoms=True,
        jvp=(lambda d, ans, full, *rest: d._op("diff_part", d, *rest), ZERO, ZERO, ZERO, None,
             None),
        vjp=(lambda h, ans, full, *rest: h._op("diff_part_adjoint", h, *rest), ZERO, ZERO,
             ZERO, None, None),
        samples=[(_V7, _V[:4], 0.5, _V[:2], -1, 0), (_V7, _V[:4], 0.5, _V[:2], -1, 3),
                 (_M, _M[:, :2], _M[:, :1], 0.2, 1, 4)],
        doc="a part of the array np.diff joins (an adjoint of np.diff with prepend=/append=)")
defprim("diff_part_adjoint", diff_part_adjoint, ("impl", "diff_part_adjoint"),
        arg_names=("h", "x", "prepend", "append", "axis", "which"),
        kind=lambda h, x, *rest: x.kind if x.kind.is_array else K.UNKNOWN, kind_from_atoms=True,
        jvp=(lambda d, ans, h, *rest: d._op("diff_part_adjoint", d, *rest), ZERO, ZERO, ZERO,
             None, None),
        vjp=(lambda g, ans, h, *rest: g._op("diff_part", g, *rest), ZERO, ZERO, ZERO, None,
             None),
        samples=[(_V[:4], _V[:4], 0.5, _V[:2], -1, 0), (0.7, _V[:4], 0.5, _V[:2], -1, 3),
                 (0.2 * _M[:, :1], _M[:, :2], _M[:, :1], 0.2, 1, 3)],
        doc="the transpose of diff_part")
defprim("diff_adjoint", diff_adjoint, ("impl", "diff_adjoint"), arg_names=("g", "n", "axis"),
        defaults={"n": 1, "axis": -1}, kind=_same_ndim,
        jvp=(lambda dg, ans, g, n, axis: dg._op("diff_adjoint", dg, n, axis), ZERO, ZERO),
        vjp=(lambda h, ans, g, n, axis: h._op("diff", h, n, axis), ZERO, ZERO),
        samples=[(_V[:4], 1, -1), (_M[:2], 1, 0), (_M[:, :2], 2, 1)])


# ----- np.linspace -------------------------------------------------------------------------------
def _linspace_impl(start, stop, num=50, endpoint=True):
    return np.linspace(start, stop, num, endpoint)


def _linspace_kind(start, stop, num, endpoint):
    ends = K.broadcast(start, stop)
    return K.array(ends.ndim + 1, "float64") if ends.is_array else \
        K.array(1, "float64") if ends.is_scalar else K.UNKNOWN


def _zero_like(x):
    return Const(0.0) if x.kind.is_scalar else zeros_like(x)


def _ramp(ans, num, endpoint, stop):
    """t = np.linspace(0, 1, num) for the adjoint of stop, 1 - t for start; g (its first axis
    last) @ that weight sums g along the values linspace made."""
    return ans._op("linspace", Const(1.0 - stop), Const(float(stop)), num, endpoint)


def _linspace_vjp(which):
    def vjp(g, ans, start, stop, num, endpoint):
        spread = g if ans.kind.is_array and ans.kind.ndim == 1 else moveaxis(g, 0, -1)
        return reduce_to(matmul(spread, _ramp(ans, num, endpoint, which)),
                         (start, stop)[which])
    return vjp


defprim("linspace", _linspace_impl, ("call", "np.linspace"),
        arg_names=("start", "stop", "num", "endpoint"), defaults={"num": 50, "endpoint": True},
        functions=(np.linspace,), kind=_linspace_kind,
        jvp=(lambda d, ans, start, stop, num, endpoint:
             d._op("linspace", d, _zero_like(stop), num, endpoint),
             lambda d, ans, start, stop, num, endpoint:
             d._op("linspace", _zero_like(start), d, num, endpoint), ZERO, ZERO),
        vjp=(_linspace_vjp(0), _linspace_vjp(1), ZERO, ZERO),
        doc="start * (1 - t) + stop * t; axis=, retstep= and dtype= are refused",
        samples=[(0.3, 1.7, 5, True), (0.3, 1.7, 4, False), (_V, 2.0, 3, True),
                 (-0.5, _M[0], 6, True)])


# ----- isnan, isinf, isfinite, logical_not ---------------------------------------------------
def _bool_like(x):
    return K.BOOL if x.is_scalar else with_dtype(x, "bool") if x.is_array else K.UNKNOWN


for _fn in (np.isnan, np.isinf, np.isfinite, np.logical_not):
    defprim(_fn.__name__, _fn, ("call", f"np.{_fn.__name__}"), functions=(_fn,),
            kind=_bool_like, shape_from=0, jvp=(ZERO,), vjp=(ZERO,),
            doc="a test of each element: no derivative")


# ----- nansum, nanmean ------------------------------------------------------------------------
def _present(x):
    return logical_not(x._op("isnan", x))


def _nansum_jvp(dx, ans, x, axis, keepdims):
    return sum(where(_present(x), dx, 0.0), axis, keepdims)


def _nansum_vjp(g, ans, x, axis, keepdims):
    return where(_present(x), unreduce(g, x, axis, keepdims), 0.0)


def _nanmean_jvp(dx, ans, x, axis, keepdims):
    present = _present(x)
    return sum(where(present, dx, 0.0), axis, keepdims) / sum(present, axis, keepdims)


def _nanmean_vjp(g, ans, x, axis, keepdims):
    present = _present(x)
    return where(present, unreduce(g / sum(present, axis, keepdims), x, axis, keepdims), 0.0)


# Central differences are NaN at a NaN: tests/test_more_numpy.py checks the 0 given there.
_NAN_SAMPLES = [(_M, None, False), (_M, 0, False), (_M, 1, True), (_M, (0, 1), False)]
for _fn, _kind, _jvp, _vjp in ((np.nansum, sum_kind, _nansum_jvp, _nansum_vjp),
                               (np.nanmean, mean_kind, _nanmean_jvp, _nanmean_vjp)):
    defprim(_fn.__name__, keyword_impl(_fn), ("call", f"np.{_fn.__name__}"),
            arg_names=("x", "axis", "keepdims"), defaults={"axis": None, "keepdims": False},
            functions=(_fn,), kind=_kind, kind_from_atoms=True,
            jvp=(_jvp, ZERO, ZERO), vjp=(_vjp, ZERO, ZERO), samples=_NAN_SAMPLES,
            doc="NaNs are skipped; their derivative is 0")
