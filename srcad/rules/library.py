"""More of NumPy that published models call (issue 20): np.take, np.nan_to_num, np.interp (in
x and fp), np.convolve and np.correlate in every mode, and np.searchsorted /
np.digitize (integer positions: no derivative)."""

import numpy as np

from .. import kinds as K
from .core import reduce_to
from .ops import ZERO, index_adjoint, op
from .table import defprim

_V = np.array([0.3, -1.2, 0.5, 0.8, 0.1, -0.6, 1.1])
_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])


# ----- np.take -------------------------------------------------------------------------------
def take_index(indices, x, axis):
    """The index that makes x[index] equal np.take(x, indices, axis)."""
    shape = np.shape(x)
    if axis is None:
        return np.unravel_index(indices, shape)
    return (slice(None),) * (axis % len(shape)) + (indices,)


def _take(x, indices, axis=None):
    return np.take(x, indices, axis=axis)


def _take_kind(x, indices, axis):
    """From the atoms: a constant axis (or None) and an int or int-array index."""
    xk, ik = x.kind, indices.kind
    n_index = ik.ndim if ik.is_array else 0 if ik.tag == "int" else None
    axis = getattr(axis, "value", "unknown")
    if not xk.is_array or n_index is None or not (axis is None or isinstance(axis, int)):
        return K.UNKNOWN
    return K.array(n_index if axis is None else xk.ndim - 1 + n_index, xk.dtype)


defprim("take_index", take_index, ("impl", "take_index"), arg_names=("indices", "x", "axis"),
        jvp=(ZERO,) * 3, vjp=(ZERO,) * 3, doc="the index np.take(x, indices, axis) takes")
defprim("take", _take, ("call", "np.take"), arg_names=("a", "indices", "axis"),
        defaults={"axis": None}, functions=(np.take,), methods=("take",), kind=_take_kind,
        kind_from_atoms=True,
        jvp=(lambda dx, ans, x, indices, axis: op("take")(dx, indices, axis), ZERO, ZERO),
        vjp=(lambda g, ans, x, indices, axis:
             index_adjoint(g, x, op("take_index")(indices, x, axis)), ZERO, ZERO),
        doc="repeated indices accumulate in the adjoint",
        samples=[(_M, np.array([2, 0, 2]), 1), (_M, np.array([[1], [0]]), 0),
                 (_M, np.array([5, 0, 5]), None), (_V, 3, None), (_M, 1, -1)])


# ----- np.nan_to_num -------------------------------------------------------------------------
def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


def _finite(x):
    return op("isfinite")(x)


defprim("nan_to_num", _nan_to_num, ("call", "np.nan_to_num"),
        arg_names=("x", "copy", "nan", "posinf", "neginf"),
        defaults={"copy": True, "nan": 0.0, "posinf": None, "neginf": None},
        functions=(np.nan_to_num,), kind=lambda x, *rest: K.floating(x), shape_from=0,
        jvp=(lambda dx, ans, x, *rest: op("where")(_finite(x), dx, 0.0),
             ZERO, ZERO, ZERO, ZERO),
        vjp=(lambda g, ans, x, *rest: op("where")(_finite(x), g, 0.0),
             ZERO, ZERO, ZERO, ZERO),
        doc="derivative 1 at finite elements, 0 at the NaN and infinities it replaces",
        samples=[(_M, True, 0.0, None, None), (0.7, True, 0.0, None, None)])


# ----- np.interp in its first argument ---------------------------------------------------------
def interp_slope(x, xp, fp, left=None, right=None, period=None):
    """d np.interp(x, xp, fp) / dx: the slope of the segment x falls in, 0 outside xp (where
    interp is constant) and at a knot the slope of the segment to its right."""
    if period is not None:
        raise ValueError("np.interp(period=...) is not differentiated")
    xp, fp, x = np.asarray(xp, float), np.asarray(fp, float), np.asarray(x, float)
    slopes = np.diff(fp) / np.diff(xp)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(slopes) - 1)
    inside = (x >= xp[0]) & (x < xp[-1])
    return np.where(inside, slopes[i], 0.0)


def _interp(x, xp, fp, left=None, right=None, period=None):
    return np.interp(x, xp, fp, left=left, right=right, period=period)


def interp_slope_adjoint(g, x, xp, left=None, right=None, period=None):
    """g . d interp_slope(x, xp, fp) / d fp (the slope is linear in fp): each x inside xp
    gives -g / h to its segment's left knot and g / h to its right one (h: its width)."""
    x, xp = np.asarray(x, float), np.asarray(xp, float)
    g = np.broadcast_to(g, x.shape).ravel()
    x, n = x.ravel(), len(xp)
    if n == 1:
        return np.zeros(1)
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    w = np.where((x >= xp[0]) & (x < xp[-1]), g / (xp[j + 1] - xp[j]), 0.0)
    return np.bincount(j + 1, w, n) - np.bincount(j, w, n)


_INTERP_NAMES = ("x", "xp", "fp", "left", "right", "period")
_XP, _FP = np.array([0.0, 1.0, 2.0, 3.5]), np.array([1.0, -0.5, 2.0, 0.3])
_XS = np.array([0.25, 1.3, 2.7, -0.5, 3.9])    # no knot: the slope jumps there
# the slope is piecewise constant in x (derivative 0 almost everywhere) and linear in fp
defprim("interp_slope", interp_slope, ("impl", "interp_slope"),
        arg_names=("x", "xp", "fp", "left", "right", "period"),
        jvp=(ZERO, None, lambda d, ans, x, xp, fp, *rest: op("interp_slope")(x, xp, d, *rest),
             None, None, None),
        vjp=(ZERO, None, lambda g, ans, x, xp, fp, *rest:
             op("interp_slope_adjoint")(g, x, xp, *rest), None, None, None),
        kind=lambda x, *rest: K.floating(x), shape_from=0,
        samples=[(_XS, _XP, _FP, None, None, None)])
defprim("interp_slope_adjoint", interp_slope_adjoint, ("impl", "interp_slope_adjoint"),
        arg_names=("g", "x", "xp", "left", "right", "period"),
        kind=lambda *ks: K.array(1, "float64"),
        jvp=(lambda dg, ans, g, *rest: op("interp_slope_adjoint")(dg, *rest), ZERO)
        + (None,) * 4,
        vjp=(lambda h, ans, g, x, xp, *rest: op("interp_slope")(x, xp, h, *rest), ZERO)
        + (None,) * 4, samples=[(np.linspace(-1.0, 1.0, 5), _XS, _XP, None, None, None)])
def interp_fp_tangent(x, xp, dfp, left=None, right=None, period=None):
    """The tangent of np.interp(x, xp, fp) along dfp: interp is linear in fp, and where a
    `left` or `right` value replaces it (outside xp), the tangent is 0."""
    return np.interp(x, xp, dfp, left=None if left is None else 0.0,
                     right=None if right is None else 0.0, period=period)


def interp_fp_adjoint(g, x, xp, left=None, right=None, period=None):
    """g . d np.interp(x, xp, fp) / d fp: each x gives its two knots' weights (1 - t, t) of
    g, summed per knot (interp_fp_tangent's transpose)."""
    if period is not None:
        raise ValueError("np.interp(period=...) is not differentiated")
    x, xp = np.asarray(x, float), np.asarray(xp, float)
    g = np.broadcast_to(g, x.shape).ravel()
    x, n = x.ravel(), len(xp)
    if n == 1:
        keep = ~(((x < xp[0]) & (left is not None)) | ((x > xp[0]) & (right is not None)))
        return np.array([np.sum(g * keep)])
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    t = np.clip((x - xp[j]) / (xp[j + 1] - xp[j]), 0.0, 1.0)
    g = g * ~(((x < xp[0]) & (left is not None)) | ((x > xp[-1]) & (right is not None)))
    return np.bincount(j, g * (1.0 - t), n) + np.bincount(j + 1, g * t, n)


defprim("interp_fp_tangent", interp_fp_tangent, ("impl", "interp_fp_tangent"),
        arg_names=_INTERP_NAMES, kind=lambda x, *rest: K.floating(x), shape_from=0,
        jvp=(lambda dx, ans, x, xp, dfp, *rest: dx * op("interp_slope")(x, xp, dfp, *rest),
             None, lambda d, ans, x, xp, dfp, *rest:
             op("interp_fp_tangent")(x, xp, d, *rest), None, None, None),
        vjp=(lambda g, ans, x, xp, dfp, *rest:
             reduce_to(g * op("interp_slope")(x, xp, dfp, *rest), x),
             None, lambda g, ans, x, xp, dfp, *rest:
             op("interp_fp_adjoint")(g, x, xp, *rest), None, None, None),
        samples=[(_XS, _XP, _FP, None, None, None), (_XS, _XP, _FP, -1.0, 4.0, None)])
defprim("interp_fp_adjoint", interp_fp_adjoint, ("impl", "interp_fp_adjoint"),
        arg_names=("g", "x", "xp", "left", "right", "period"),
        kind=lambda *ks: K.array(1, "float64"),
        jvp=(lambda dg, ans, g, *rest: op("interp_fp_adjoint")(dg, *rest),
             lambda dx, ans, g, x, xp, *rest: op("interp_slope_adjoint")(g * dx, x, xp, *rest),
             None, None, None, None),
        vjp=(lambda h, ans, g, x, xp, *rest: op("interp_fp_tangent")(x, xp, h, *rest),
             lambda h, ans, g, x, xp, *rest:
             reduce_to(g * op("interp_slope")(x, xp, h, *rest), x), None, None, None, None),
        samples=[(np.linspace(-1.0, 1.0, 5), _XS, _XP, None, None, None),
                 (np.linspace(-1.0, 1.0, 5), _XS, _XP, -1.0, 4.0, None)])
defprim("interp", _interp, ("call", "np.interp"), arg_names=_INTERP_NAMES,
        defaults={"left": None, "right": None, "period": None}, functions=(np.interp,),
        kind=lambda x, *rest: K.floating(x), shape_from=0,
        jvp=(lambda dx, ans, *args: dx * op("interp_slope")(*args), None,
             lambda dfp, ans, x, xp, fp, *rest: op("interp_fp_tangent")(x, xp, dfp, *rest),
             None, None, None),
        vjp=(lambda g, ans, *args: reduce_to(g * op("interp_slope")(*args), args[0]), None,
             lambda g, ans, x, xp, fp, *rest: op("interp_fp_adjoint")(g, x, xp, *rest),
             None, None, None),
        doc="in x (piecewise linear: at a knot the slope to its right) and in fp (linear: "
            "where left or right replace it, 0); xp has no rule",
        samples=[(_XS, _XP, _FP, None, None, None),
                 (0.6, np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0]), None, None, None),
                 (_XS, _XP, _FP, -1.0, 4.0, None)])


# ----- np.convolve and np.correlate ------------------------------------------------------------
def _full_offset(n, m, mode, flip=False):
    """Where the result of mode starts in the full convolution, and its length; flip: of
    np.correlate(a, v) as np.convolve(a, v[::-1]) (for 'same' with a shorter a, NumPy's
    correlate keeps the window one later where the shorter length is even)."""
    short, long_ = min(n, m), max(n, m)
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return (short - 1 - (short - 1) // 2 if flip and m > n else (short - 1) // 2), long_
    if mode == "valid":
        return short - 1, long_ - short + 1
    raise ValueError(f"np.convolve: unknown mode {mode!r}")


def convolve_embed(g, a, v, mode="full", flip=False):
    """g (shaped like np.convolve(a, v, mode)) placed in zeros shaped like the full one."""
    offset, length = _full_offset(np.size(a), np.size(v), mode, flip)
    full = np.size(a) + np.size(v) - 1
    return np.pad(np.asarray(g), (offset, full - offset - length))


def convolve_crop(h, a, v, mode="full", flip=False):
    """The part of a full convolution that mode keeps: convolve_embed's transpose."""
    offset, length = _full_offset(np.size(a), np.size(v), mode, flip)
    return np.asarray(h)[offset:offset + length].copy()


def _convolve(a, v, mode="full"):
    return np.convolve(a, v, mode)


def _correlate(a, v, mode="valid"):
    return np.correlate(a, v, mode)


def _reversed(x):
    return op("getitem")(x, slice(None, None, -1))


def _convolve_vjp(which):
    """g . d conv(a, v) / d(a or v): the full-size g correlated with the other argument."""
    def vjp(g, ans, a, v, mode):
        full = op("convolve_embed")(g, a, v, mode, False)
        other = v if which == 0 else a
        return op("convolve")(full, _reversed(other), "valid")
    return vjp


def _correlate_vjp(which):
    """correlate(a, v) is convolve(a, v[::-1]) for real arguments."""
    def vjp(g, ans, a, v, mode):
        full = op("convolve_embed")(g, a, v, mode, True)
        if which == 0:
            return op("convolve")(full, v, "valid")
        return _reversed(op("convolve")(full, _reversed(a), "valid"))
    return vjp


_PAIRS = [(_V, np.array([0.5, -1.0, 2.0])), (np.array([0.5, -1.0, 2.0]), _V),
          (_V[:4], np.array([0.7, 0.2, -0.4, 1.1])), (_V[:4], _V)]
_CONV_SAMPLES = [(a, v, mode) for a, v in _PAIRS for mode in ("full", "same", "valid")]
_vector = lambda a, v, mode: K.array(1, K.broadcast(a, v).dtype) \
    if a.is_array and v.is_array else K.UNKNOWN  # noqa: E731

defprim("convolve", _convolve, ("call", "np.convolve"), arg_names=("a", "v", "mode"),
        defaults={"mode": "full"}, functions=(np.convolve,), kind=_vector,
        jvp=(lambda da, ans, a, v, mode: op("convolve")(da, v, mode),
             lambda dv, ans, a, v, mode: op("convolve")(a, dv, mode), None),
        vjp=(_convolve_vjp(0), _convolve_vjp(1), None), samples=_CONV_SAMPLES,
        doc="every mode; real arguments")
defprim("correlate", _correlate, ("call", "np.correlate"), arg_names=("a", "v", "mode"),
        defaults={"mode": "valid"}, functions=(np.correlate,), kind=_vector,
        jvp=(lambda da, ans, a, v, mode: op("correlate")(da, v, mode),
             lambda dv, ans, a, v, mode: op("correlate")(a, dv, mode), None),
        vjp=(_correlate_vjp(0), _correlate_vjp(1), None), samples=_CONV_SAMPLES,
        doc="every mode; real arguments")
defprim("convolve_embed", convolve_embed, ("impl", "convolve_embed"),
        arg_names=("g", "a", "v", "mode", "flip"), defaults={"mode": "full", "flip": False},
        kind=lambda g, *rest: g,
        jvp=(lambda dg, ans, g, *rest: op("convolve_embed")(dg, *rest), ZERO, ZERO, None, None),
        vjp=(lambda h, ans, g, *rest: op("convolve_crop")(h, *rest), ZERO, ZERO, None, None),
        samples=[(np.array([0.3, 1.2, -0.7]), _V[:4], np.array([0.5, -1.0]), "valid", False),
                 (np.array([0.3, 1.2, -0.7, 0.4]), _V[:2], _V[:4], "same", True)])
defprim("convolve_crop", convolve_crop, ("impl", "convolve_crop"),
        arg_names=("h", "a", "v", "mode", "flip"), defaults={"mode": "full", "flip": False},
        kind=lambda h, *rest: h,
        jvp=(lambda dh, ans, h, *rest: op("convolve_crop")(dh, *rest), ZERO, ZERO, None, None),
        vjp=(lambda g, ans, h, *rest: op("convolve_embed")(g, *rest), ZERO, ZERO, None, None),
        samples=[(_V[:5], _V[:4], np.array([0.5, -1.0]), "valid", False),
                 (_V[:5], _V[:2], _V[:4], "same", True)])


# ----- np.searchsorted, np.digitize: integer positions -------------------------------------------
def _searchsorted(a, v, side="left", sorter=None):
    return np.searchsorted(a, v, side=side, sorter=sorter)


def _digitize(x, bins, right=False):
    return np.digitize(x, bins, right=right)


defprim("searchsorted", _searchsorted, ("call", "np.searchsorted"),
        arg_names=("a", "v", "side", "sorter"), defaults={"side": "left", "sorter": None},
        functions=(np.searchsorted,), methods=("searchsorted",),
        kind=lambda a, v, *rest: K.array(v.ndim, "int64") if v.is_array else K.INT
        if v.tag == "float" else K.UNKNOWN,
        jvp=(ZERO,) * 4, vjp=(ZERO,) * 4, doc="integer positions: no derivative")
defprim("digitize", _digitize, ("call", "np.digitize"), arg_names=("x", "bins", "right"),
        defaults={"right": False}, functions=(np.digitize,),
        kind=lambda x, *rest: K.array(x.ndim, "int64") if x.is_array else K.UNKNOWN,
        jvp=(ZERO,) * 3, vjp=(ZERO,) * 3, doc="integer positions: no derivative")


# ----- np.linalg.matrix_power ---------------------------------------------------------------------
def _power_of(n):
    value = getattr(n.atom, "value", "unknown")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("np.linalg.matrix_power: srcad differentiates it for an exponent "
                         "known when the function is transformed (a constant int)")
    return value


def _power_vjp(g, ans, a, n):
    """sum over k of (a^T)^k g (a^T)^(n-1-k); a negative n through inv(a)."""
    power = _power_of(n)
    base = a if power >= 0 else op("inv")(a)
    m = abs(power)
    base_t = op("swapaxes")(base, -1, -2)
    total = None
    for k in range(m):
        left = op("matrix_power")(base_t, k)
        right = op("matrix_power")(base_t, m - 1 - k)
        term = op("matmul")(op("matmul")(left, g), right)
        total = term if total is None else total + term
    if total is None:
        return op("zeros_like")(a)
    if power < 0:
        inv_t = base_t
        total = -op("matmul")(op("matmul")(inv_t, total), inv_t)
    return total


def _power_jvp(da, ans, a, n):
    power = _power_of(n)
    if power < 0:
        inv = op("inv")(a)
        da = -op("matmul")(op("matmul")(inv, da), inv)
        a = inv
    m = abs(power)
    total = None
    for k in range(m):
        term = op("matmul")(op("matmul")(op("matrix_power")(a, k), da),
                            op("matrix_power")(a, m - 1 - k))
        total = term if total is None else total + term
    return total if total is not None else op("zeros_like")(ans)


_SQUARE = np.array([[0.9, 0.3, -0.2], [0.1, 1.1, 0.4], [-0.3, 0.2, 0.8]])
defprim("matrix_power", np.linalg.matrix_power, ("call", "np.linalg.matrix_power"),
        arg_names=("a", "n"), functions=(np.linalg.matrix_power,),
        kind=lambda a, n: a if a.is_array else K.UNKNOWN,
        jvp=(_power_jvp, None), vjp=(_power_vjp, None),
        samples=[(_SQUARE, 3), (_SQUARE, 1), (_SQUARE, 0), (_SQUARE, -2),
                 (np.stack([_SQUARE, _SQUARE.T]), 2)],
        doc="for a constant int exponent")
