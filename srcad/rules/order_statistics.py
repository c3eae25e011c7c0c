"""Order statistics: np.median, np.quantile, np.percentile and their NaN-skipping forms
(np.nanmedian, np.nanquantile, np.nanpercentile), for NumPy's default method ("linear").

Each is a weighted sum of (at most) two sorted elements per result, with weights set by q
and the count alone (srcad/runtime_order.py), so the tangent is the same weighted sum of the
tangents (`quantile_tangent`) and the adjoint puts g back with those weights
(`quantile_adjoint`); the two are each other's transpose and linear in their first argument,
so every order of derivative is made of them. q itself is not differentiated; `method=`,
`out=` and `weights=` are refused as unknown arguments.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from ..ir.atoms import Const
from .arrays import mean_kind
from .ops import ZERO
from .table import defprim

_V = np.array([0.3, -1.2, 0.5, 0.9, 0.1])
_M = np.array([[0.3, -1.2, 0.5, 0.7], [0.8, 0.1, -0.6, 1.3], [0.2, 0.4, 1.1, -0.3]])


def _quantile_kind(x, q, axis, keepdims):
    """One q: the kind of a mean over the same axes; several: unknown."""
    scalar_q = isinstance(q, Const) and np.ndim(q.value) == 0 or q.kind.is_scalar
    return mean_kind(x, axis, keepdims) if scalar_q else K.UNKNOWN


def _family(fn, q=None, scale=1.0, nan=False):
    """Register fn: np.quantile-like (q an argument) or np.median-like (q fixed at 0.5)."""
    name = fn.__name__

    def rule(op):
        if q is None:
            return lambda d, ans, x, qs, axis, keep: d._op(
                op, d, x, qs, axis, keep, Const(nan), Const(scale))
        return lambda d, ans, x, axis, keep: d._op(
            op, d, x, Const(q), axis, keep, Const(nan), Const(scale))

    if q is None:
        def impl(x, q, axis=None, keepdims=False):
            return fn(x, q, axis=axis, keepdims=keepdims)
        names, none = ("x", "q", "axis", "keepdims"), (None, None, None)
        kind, samples = _quantile_kind, [(_V, 30 / scale / 100, None, False),
                                         (_M, 0.7 / scale, 1, True),
                                         (_M, [0.2 / scale, 0.5 / scale], 0, False)]
    else:
        def impl(x, axis=None, keepdims=False):
            return fn(x, axis=axis, keepdims=keepdims)
        names, none = ("x", "axis", "keepdims"), (None, None)
        kind = mean_kind
        samples = [(_V, None, False), (_M, 0, False), (_M, 1, True), (_M, (0, 1), False)]
    impl.__name__ = name
    defprim(name, impl, ("call", f"np.{name}"), arg_names=names,
            defaults={"axis": None, "keepdims": False}, functions=(fn,), kind=kind,
            kind_from_atoms=True, jvp=(rule("quantile_tangent"),) + none,
            vjp=(rule("quantile_adjoint"),) + none, samples=samples,
            doc=("the mean of the two middle elements for an even count" if q is not None else
                 "NumPy's linear method; q is not differentiated") + (
                "; NaNs are skipped, their derivative is 0" if nan else ""))


def _tangent_kind(d, x, q, axis, keepdims, nan, scale):
    return _quantile_kind(x, q, axis, keepdims)


_LINEAR = dict(arg_names=("d", "x", "q", "axis", "keepdims", "nan", "scale"),
               defaults={"axis": None, "keepdims": False, "nan": False, "scale": 1.0})
defprim("quantile_tangent", runtime.quantile_tangent, ("runtime", "quantile_tangent"),
        kind=_tangent_kind, kind_from_atoms=True,
        jvp=(lambda e, ans, d, *rest: e._op("quantile_tangent", e, *rest),) + (ZERO,) + (None,) * 5,
        vjp=(lambda h, ans, d, *rest: h._op("quantile_adjoint", h, *rest),) + (ZERO,) + (None,) * 5,
        samples=[(np.ones(5) * 0.5, _V, 0.3, None, False, False, 1.0),
                 (np.arange(12.0).reshape(3, 4), _M, 0.5, 1, True, False, 1.0)],
        **_LINEAR)
defprim("quantile_adjoint", runtime.quantile_adjoint, ("runtime", "quantile_adjoint"),
        shape_from=1, kind=lambda g, x, *rest: x.kind if x.kind.is_array else K.UNKNOWN,
        kind_from_atoms=True,
        jvp=(lambda e, ans, g, *rest: e._op("quantile_adjoint", e, *rest),) + (ZERO,) + (None,) * 5,
        vjp=(lambda h, ans, g, *rest: h._op("quantile_tangent", h, *rest),) + (ZERO,) + (None,) * 5,
        samples=[(1.5, _V, 0.3, None, False, False, 1.0),
                 (np.arange(3.0).reshape(3, 1), _M, 0.5, 1, True, False, 1.0)],
        **_LINEAR)

_family(np.median, q=0.5)
_family(np.nanmedian, q=0.5, nan=True)
_family(np.quantile)
_family(np.nanquantile, nan=True)
_family(np.percentile, scale=0.01)
_family(np.nanpercentile, scale=0.01, nan=True)
