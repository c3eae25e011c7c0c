"""More of NumPy that published models call: np.linalg.multi_dot, np.logaddexp.reduce,
np.trapezoid, np.polyval and np.choose.

Each rule is written over other primitives (dot, getitem, diff, runtime helpers with rules of
their own), so second derivatives go through them.
"""

import numpy as np

from .. import kinds as K
from ..runtime import array_of
from .core import reduce_to
from .elementwise import expand_to
from .ops import ZERO, exp, getitem, index_adjoint, op, sum
from .reductions import unreduce
from .table import RULES, defprim

_V = np.array([0.3, -1.2, 0.5, 0.9, 0.1])
_M = np.array([[0.3, -1.2, 0.5, 0.7], [0.8, 0.1, -0.6, 1.3], [0.2, 0.4, 1.1, -0.3]])


# ----- np.linalg.multi_dot: a chain of np.dot ---------------------------------------------------
def _items(arrays):
    """The arrays of multi_dot's list, as atoms; their number must be known now."""
    items = arrays.kind.items if arrays.kind.tag in ("list", "tuple") else None
    if not items:
        raise ValueError("np.linalg.multi_dot: srcad differentiates it for a list of arrays "
                         "whose length is known when the function is transformed "
                         "(`multi_dot([a, b, c])`)")
    return [getitem(arrays, k) for k in range(len(items))]


def _chain(parts):
    out = parts[0]
    for p in parts[1:]:
        out = op("dot")(out, p)
    return out


def _multi_dot_jvp(ds, ans, arrays):
    mats = _items(arrays)
    tangents = [getitem(ds, k) for k in range(len(mats))]
    terms = [_chain(mats[:k] + [t] + mats[k + 1:]) for k, t in enumerate(tangents)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _multi_dot_vjp(g, ans, arrays):
    """Each array's adjoint through the two dots around it (np.dot's own rules, 1-d ends
    included): out = (left . a_k) . right."""
    mats = _items(arrays)
    dot_a, dot_b = RULES["dot"].vjp_rule(0), RULES["dot"].vjp_rule(1)
    adjoints = []
    for k, a in enumerate(mats):
        left, right = mats[:k], mats[k + 1:]
        middle = op("dot")(_chain(left), a) if left else a
        g_middle = dot_a(g, ans, middle, _chain(right)) if right else g
        adjoints.append(dot_b(g_middle, middle, _chain(left), a) if left else g_middle)
    return op("make_list")(*adjoints)


def _multi_dot_kind(arrays):
    items = arrays.items if arrays.tag in ("list", "tuple") else None
    if not items or not all(k.is_array for k in items):
        return K.UNKNOWN
    ndim = (items[0].ndim == 2) + (items[-1].ndim == 2)
    return K.array(ndim, K.broadcast(*items).dtype) if ndim else K.UNKNOWN


_A = np.array([[0.9, 0.3, -0.2], [0.1, 1.1, 0.4]])
defprim("multi_dot", np.linalg.multi_dot, ("call", "np.linalg.multi_dot"), arg_names=("arrays",),
        functions=(np.linalg.multi_dot,), kind=_multi_dot_kind,
        jvp=(_multi_dot_jvp,), vjp=(_multi_dot_vjp,),
        samples=[([_A, _A.T, _A],), ([_A[0], _A.T, _A, _A.T[:, 1]],), ([_A.T, _A],),
                 ([_A[1], _A.T, _A],)],
        doc="a chain of np.dot (1-d ends as NumPy takes them); the list's length known now")


# ----- np.logaddexp.reduce: logsumexp along an axis ----------------------------------------------
def _lae_reduce(a, axis=0, dtype=None, out=None, keepdims=False):
    return np.logaddexp.reduce(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def _lae_share(a, ans, axis, keepdims):
    return exp(a - unreduce(ans, a, axis, keepdims))


defprim("logaddexp_reduce", _lae_reduce, ("impl", "logaddexp_reduce"),
        arg_names=("a", "axis", "dtype", "out", "keepdims"),
        defaults={"axis": 0, "dtype": None, "out": None, "keepdims": False},
        functions=(np.logaddexp.reduce,), kind=lambda *ks: K.UNKNOWN,
        jvp=(lambda da, ans, a, axis, dt, o, kd: sum(_lae_share(a, ans, axis, kd) * da, axis, kd),
             ZERO, ZERO, None, ZERO),
        vjp=(lambda g, ans, a, axis, dt, o, kd:
             unreduce(g, a, axis, kd) * _lae_share(a, ans, axis, kd), ZERO, ZERO, None, ZERO),
        samples=[(_M, 0, None, None, False), (_M, 1, None, None, True), (_V, 0, None, None, False),
                 (_M, None, None, None, False)],
        doc="log sum exp along axis (out= is refused)")


# ----- np.trapezoid -----------------------------------------------------------------------------
def trapezoid_spacing(x, y, axis=-1):
    """np.diff of the sample points, shaped to broadcast against y's pairs along axis (as
    np.trapezoid does): linear in x."""
    x = array_of(x)
    if x.ndim == 1:
        shape = [1] * np.ndim(y)
        shape[axis] = x.shape[0] - 1
        return np.diff(x).reshape(shape)
    return np.diff(x, axis=axis)


def trapezoid_spacing_adjoint(v, x, axis=-1):
    """trapezoid_spacing's transpose: v (shaped like the spacing) back onto x."""
    v = array_of(v)
    if np.ndim(x) == 1:
        v = np.sum(v, axis=tuple(d for d in range(v.ndim) if d != axis % v.ndim))
        return diff_like(v, 0)
    return diff_like(v, axis)


def diff_like(v, axis):
    widths = [(0, 0)] * v.ndim
    widths[axis] = (1, 1)
    return -np.diff(np.pad(v, widths), axis=axis)


def _pairs_index(axis, which):
    """y[..., 1:] (which=1) or y[..., :-1] along axis, as an index built from axis alone."""
    part = slice(1, None) if which else slice(None, -1)
    if axis < 0:
        return (Ellipsis, part) + (slice(None),) * (-axis - 1)
    return (slice(None),) * axis + (part,)


def _pair_means(y, axis):
    return (getitem(y, _pairs_index(axis, 1)) + getitem(y, _pairs_index(axis, 0))) * 0.5


def _pair_means_adjoint(v, y, axis):
    return (index_adjoint(v, y, _pairs_index(axis, 1)) +
            index_adjoint(v, y, _pairs_index(axis, 0))) * 0.5


def _has_x(x):
    return getattr(x.atom, "value", "unknown") is not None


def _trapezoid_impl(y, x=None, dx=1.0, axis=-1):
    return np.trapezoid(y, x, dx, axis)


def _spacing(x, y, dx, axis):
    return op("trapezoid_spacing")(x, y, axis) if _has_x(x) else dx


def _trapezoid_vjp_y(g, ans, y, x, dx, axis):
    spread = op("expand_dims")(g, axis) * _spacing(x, y, dx, axis)
    return _pair_means_adjoint(spread, y, axis)


def _trapezoid_vjp_x(g, ans, y, x, dx, axis):
    weights = op("expand_dims")(g, axis) * _pair_means(y, axis)
    like = op("trapezoid_spacing")(x, y, axis)
    return op("trapezoid_spacing_adjoint")(reduce_to(weights, like), x, axis)


def _trapezoid_vjp_dx(g, ans, y, x, dx, axis):
    if _has_x(x):                   # NumPy reads dx only where x is not given
        return op("zeros_like")(dx)
    return reduce_to(g * sum(_pair_means(y, axis), axis), dx)


def _axis_of(axis):
    value = getattr(axis.atom, "value", "unknown")
    if not isinstance(value, int):
        raise ValueError("np.trapezoid: srcad differentiates it for an axis known when the "
                         "function is transformed")
    return value


def _with_axis(rule):
    return lambda g, ans, y, x, dx, axis: rule(g, ans, y, x, dx, _axis_of(axis))


defprim("trapezoid", _trapezoid_impl, ("call", "np.trapezoid"), arg_names=("y", "x", "dx", "axis"),
        defaults={"x": None, "dx": 1.0, "axis": -1},
        functions=tuple(getattr(np, n) for n in ("trapezoid", "trapz") if hasattr(np, n)),
        kind=lambda y, *rest: K.UNKNOWN,
        jvp=(lambda dy, ans, y, x, dx, axis: op("trapezoid")(dy, x, dx, axis),
             lambda dxs, ans, y, x, dx, axis: sum(
                 _pair_means(y, _axis_of(axis)) * op("trapezoid_spacing")(dxs, y, axis),
                 _axis_of(axis)),
             lambda ddx, ans, y, x, dx, axis: op("zeros_like")(ans) if _has_x(x) else expand_to(
                 ddx * sum(_pair_means(y, _axis_of(axis)), _axis_of(axis)), ans),
             ZERO),
        vjp=(_with_axis(_trapezoid_vjp_y), _with_axis(_trapezoid_vjp_x),
             _with_axis(_trapezoid_vjp_dx), ZERO),
        samples=[(_V, None, 0.5, -1), (_M, None, 0.3, 0),
                 (_M, np.array([0.0, 0.5, 1.5, 1.7]), 1.0, 1),
                 (_M, np.array([0.0, 0.5, 1.5]), 1.0, 0), (_V, _V * 2.0 + 3.0, 1.0, -1),
                 (_M, _M * 0.5 + np.arange(4.0), 1.0, -1)],
        doc="in y, x and dx; np.trapz where NumPy still has it")
defprim("trapezoid_spacing", trapezoid_spacing, ("impl", "trapezoid_spacing"),
        arg_names=("x", "y", "axis"), kind=lambda *ks: K.UNKNOWN,
        jvp=(lambda dx, ans, x, y, axis: op("trapezoid_spacing")(dx, y, axis), ZERO, ZERO),
        vjp=(lambda g, ans, x, y, axis: op("trapezoid_spacing_adjoint")(g, x, axis), ZERO, ZERO),
        samples=[(_V, _V, -1), (np.array([0.0, 0.5, 1.5]), _M, 0), (_M, _M, 1)])
defprim("trapezoid_spacing_adjoint", trapezoid_spacing_adjoint,
        ("impl", "trapezoid_spacing_adjoint"), arg_names=("v", "x", "axis"),
        kind=lambda *ks: K.UNKNOWN,
        jvp=(lambda dv, ans, v, x, axis: op("trapezoid_spacing_adjoint")(dv, x, axis), ZERO, ZERO),
        vjp=(lambda h, ans, v, x, axis: expand_to(op("trapezoid_spacing")(h, v, axis), v),
             ZERO, ZERO),
        samples=[(_V[:4], _V, -1), (_M[:2], np.array([0.0, 0.5, 1.5]), 0), (_M[:, :3], _M, 1)])


# ----- np.polyval ------------------------------------------------------------------------------
def poly_derivative(p):
    """The coefficients of p's derivative, highest first (np.polyder, but [] for a constant):
    linear in p."""
    p = array_of(p)
    return p[:-1] * np.arange(p.shape[0] - 1, 0, -1)


def poly_derivative_adjoint(v, p):
    v = array_of(v)
    return np.append(v * np.arange(v.shape[0], 0, -1), 0.0).astype(np.result_type(v, p))


def poly_powers(g, p, x):
    """[sum(g * x ** (n - 1 - k))] for k < n = len(p): polyval's adjoint in p."""
    g, x = np.broadcast_arrays(array_of(g), array_of(x))
    powers = np.arange(np.shape(p)[0] - 1, -1, -1)
    return np.sum(g[..., None] * x[..., None] ** powers, axis=tuple(range(g.ndim)))


def _polyval_jvp_x(dx, ans, p, x):
    return dx * op("polyval")(op("poly_derivative")(p), x)


def _polyval_vjp_x(g, ans, p, x):
    return reduce_to(g * op("polyval")(op("poly_derivative")(p), x), x)


def _powers_vjp_g(h, ans, g, p, x):
    return reduce_to(expand_to(op("polyval")(h, x), g), g)


def _powers_vjp_x(h, ans, g, p, x):
    return reduce_to(g * op("polyval")(op("poly_derivative")(h), x), x)


def _powers_jvp_x(dx, ans, g, p, x):
    inner = op("poly_powers")(g * dx, op("poly_derivative")(p), x)
    return op("poly_derivative_adjoint")(inner, p)


_P = np.array([0.5, -1.2, 0.3, 2.0])
defprim("polyval", np.polyval, ("call", "np.polyval"), arg_names=("p", "x"),
        functions=(np.polyval,), kind=lambda p, x: K.floating(x) if x.is_numeric else K.UNKNOWN,
        jvp=(lambda dp, ans, p, x: expand_to(op("polyval")(dp, x), ans), _polyval_jvp_x),
        vjp=(lambda g, ans, p, x: op("poly_powers")(g, p, x), _polyval_vjp_x),
        samples=[(_P, _V), (_P, 0.7), (_P[:2], _M), (_P[:1], _V)],
        doc="p a 1-d array of coefficients, highest first")
defprim("poly_derivative", poly_derivative, ("impl", "poly_derivative"), arg_names=("p",),
        kind=lambda p: p,
        jvp=(lambda dp, ans, p: op("poly_derivative")(dp),),
        vjp=(lambda g, ans, p: op("poly_derivative_adjoint")(g, p),), samples=[(_P,), (_P[:1],)])
defprim("poly_derivative_adjoint", poly_derivative_adjoint, ("impl", "poly_derivative_adjoint"),
        arg_names=("v", "p"), kind=lambda v, p: p,
        jvp=(lambda dv, ans, v, p: op("poly_derivative_adjoint")(dv, p), ZERO),
        vjp=(lambda h, ans, v, p: op("poly_derivative")(h), ZERO), samples=[(_P[:3], _P)])
defprim("poly_powers", poly_powers, ("impl", "poly_powers"), arg_names=("g", "p", "x"),
        kind=lambda g, p, x: p,
        jvp=(lambda dg, ans, g, p, x: op("poly_powers")(dg, p, x), ZERO, _powers_jvp_x),
        vjp=(_powers_vjp_g, ZERO, _powers_vjp_x),
        samples=[(_V * 0.5, _P, _V), (0.7, _P, 0.4), (_M, _P[:2], _M * 0.3)])


# ----- np.choose --------------------------------------------------------------------------------
def _picked(a, n, mode):
    a = array_of(a)
    return np.mod(a, n) if mode == "wrap" else np.clip(a, 0, n - 1) if mode == "clip" else a


def choose_adjoint(g, a, choices, mode="raise"):
    """g . d choose(a, choices) / d choices: each choice gets g where a picked it, summed back
    to that choice's shape; a list for a list, an array for an array."""
    g = array_of(g)
    picked = _picked(a, len(choices), mode)
    parts = [_unbroadcast_to(np.where(picked == j, g, 0.0), np.shape(c))
             for j, c in enumerate(choices)]
    if isinstance(choices, np.ndarray):
        return np.stack(parts) if parts else np.zeros_like(choices)
    return type(choices)(parts) if isinstance(choices, tuple) else parts


def _unbroadcast_to(g, shape):
    lead = g.ndim - len(shape)
    g = np.sum(g, axis=tuple(range(lead))) if lead else g
    kept = tuple(d for d, n in enumerate(shape) if n == 1 and g.shape[d] != 1)
    return np.sum(g, axis=kept, keepdims=True) if kept else g


def _choose(a, choices, out=None, mode="raise"):
    return np.choose(a, choices, out=out, mode=mode)


defprim("choose", _choose, ("call", "np.choose"), arg_names=("a", "choices", "out", "mode"),
        defaults={"out": None, "mode": "raise"}, functions=(np.choose,),
        kind=lambda *ks: K.UNKNOWN,
        jvp=(ZERO, lambda dc, ans, a, c, out, mode: op("choose")(a, dc, out, mode), None, ZERO),
        vjp=(ZERO, lambda g, ans, a, c, out, mode: op("choose_adjoint")(g, a, c, mode),
             None, ZERO),
        samples=[(np.array([0, 2, 1, 1, 0]), [_V, _V * 2.0, -_V], None, "raise"),
                 (np.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 0, 0]]), [_M, _M[0] * 0.5],
                  None, "raise"),
                 (np.array([0, 3, -1, 1, 0]), np.stack([_V, -_V]), None, "wrap"),
                 (np.array([0, 3, -1, 1, 0]), (_V, 0.5 * _V), None, "clip")],
        doc="in the choices (a list, a tuple or an array); a is an index")
defprim("choose_adjoint", choose_adjoint, ("impl", "choose_adjoint"),
        arg_names=("g", "a", "choices", "mode"), defaults={"mode": "raise"},
        kind=lambda g, a, c, mode: c,
        jvp=(lambda dg, ans, g, a, c, mode: op("choose_adjoint")(dg, a, c, mode), ZERO, ZERO,
             ZERO),
        vjp=(lambda h, ans, g, a, c, mode: reduce_to(expand_to(op("choose")(a, h, None, mode),
                                                               g), g), ZERO, ZERO, ZERO),
        samples=[(_V, np.array([0, 2, 1, 1, 0]), [_V, _V, _V], "raise")])


# ----- np.gradient: linear in f ------------------------------------------------------------------
def _spacings(h0, h1, h2):
    return [h for h in (h0, h1, h2) if h is not None]


def _gradient(f, h0=None, h1=None, h2=None, axis=None, edge_order=1):
    return np.gradient(f, *_spacings(h0, h1, h2), axis=axis, edge_order=edge_order)


def _axes_and_spacings(ndim, h0, h1, h2, axis):
    axes = list(range(ndim)) if axis is None else \
        [a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    hs = _spacings(h0, h1, h2)
    hs = [1.0] * len(axes) if not hs else hs * len(axes) if len(hs) == 1 else hs
    return axes, hs


def _transposed_along(g, n, h, edge_order):
    """M^T g along the last axis, M the banded matrix np.gradient applies along an axis of
    length n: its entries read off np.gradient of three combs (each row touches at most
    three neighbouring entries, whose positions differ mod 3)."""
    width = min(3, n)
    rows = np.arange(n)
    start = np.clip(rows - 1, 0, n - width)
    combs = [np.gradient((rows % width == r).astype(float), h, edge_order=edge_order)
             for r in range(width)]
    out = np.zeros(g.shape[:-1] + (n,), dtype=np.result_type(g, float))
    for d in range(width):
        cols = start + d
        coef = np.choose(cols % width, combs)
        np.add.at(out, (Ellipsis, cols), g * coef)
    return out


def gradient_adjoint(g, f, h0=None, h1=None, h2=None, axis=None, edge_order=1):
    """The adjoint of np.gradient(f, ...) in f, for g shaped like its result (an array, or a
    list of one array per axis)."""
    f = np.asarray(f)
    axes, hs = _axes_and_spacings(f.ndim, h0, h1, h2, axis)
    parts = g if isinstance(g, (list, tuple)) else [g]
    total = np.zeros(f.shape, dtype=np.result_type(f, float))
    for ax, h, part in zip(axes, hs, parts):
        moved = np.moveaxis(np.asarray(part), ax, -1)
        total += np.moveaxis(_transposed_along(moved, f.shape[ax], h, edge_order), -1, ax)
    return total


def _gradient_kind(f, h0, h1, h2, axis, edge_order):
    return f if f.is_array and f.ndim == 1 else K.UNKNOWN


_SPACING = (None, None, None)
defprim("gradient", _gradient, ("impl", "gradient"),
        arg_names=("f", "h0", "h1", "h2", "axis", "edge_order"),
        defaults={"h0": None, "h1": None, "h2": None, "axis": None, "edge_order": 1},
        functions=(np.gradient,), kind=_gradient_kind,
        jvp=(lambda df, ans, f, *rest: op("gradient")(df, *rest),) + (None,) * 3 + (ZERO, ZERO),
        vjp=(lambda g, ans, f, *rest: op("gradient_adjoint")(g, f, *rest),) + (None,) * 3 +
        (ZERO, ZERO),
        samples=[(_V,) + _SPACING + (None, 1), (_V, 0.5, None, None, None, 2),
                 (_M,) + _SPACING + (None, 1), (_M, 0.3, None, None, 1, 2),
                 (_M, np.array([0.0, 0.5, 1.5]), 0.4, None, None, 1),
                 (_V, np.array([0.0, 0.3, 1.0, 1.2, 2.0]), None, None, None, 2),
                 (_V[:2],) + _SPACING + (None, 1)],
        doc="in f (the spacings are constants: no rule in them); at most three spacings")
defprim("gradient_adjoint", gradient_adjoint, ("impl", "gradient_adjoint"),
        arg_names=("g", "f", "h0", "h1", "h2", "axis", "edge_order"),
        defaults={"h0": None, "h1": None, "h2": None, "axis": None, "edge_order": 1},
        kind=lambda g, f, *rest: f,
        jvp=(lambda dg, ans, g, f, *rest: op("gradient_adjoint")(dg, f, *rest), ZERO) +
        (None,) * 3 + (ZERO, ZERO),
        vjp=(lambda h, ans, g, f, *rest: op("gradient")(h, *rest), ZERO) + (None,) * 3 +
        (ZERO, ZERO),
        samples=[(_V, _V) + _SPACING + (None, 1), ([_M, _M * 0.5], _M) + _SPACING + (None, 2),
                 (_M[:, :3], _M[:, :3], 0.5, None, None, 0, 1)])


# ----- np.linalg.lstsq: (x, residuals, rank, s) -----------------------------------------------
def residual_weights(w, like):
    """The residuals' adjoint w shaped like `like` (a row of the residual vectors r): w
    reshaped where lstsq returned residuals, zeros where it returned none (m <= n or
    rank < n). Linear in w."""
    w = np.asarray(w)
    return w.reshape(np.shape(like)) if w.size else np.zeros(np.shape(like))


def residual_weights_adjoint(h, w):
    """residual_weights' transpose: h back in the shape of the residuals w."""
    w = np.asarray(w)
    return np.reshape(h, w.shape) if w.size else np.zeros(w.shape)


def _lstsq(a, b, rcond=None):
    return np.linalg.lstsq(a, b, rcond=rcond)


def _lstsq_parts(ans, a, b):
    x, residuals = getitem(ans, 0), getitem(ans, 1)
    return x, residuals, op("matmul")(a, x) - b, op("pinv")(a)


def _lstsq_jvp(which):
    def tangent(t, ans, a, b, rcond):
        x, residuals, r, P = _lstsq_parts(ans, a, b)
        flag = a.builder.sym(False)
        if which == 0:
            dP = RULES["pinv"].jvp_rule(0)(t, P, a, a.builder.sym(None))
            dx, moved = op("matmul")(dP, b), op("matmul")(t, x)
            ds = RULES["svd"].jvp_rule(0)(t, getitem(ans, 3), a, flag, flag)
        else:
            dx, moved = op("matmul")(P, t), -t
            ds = op("zeros_like")(getitem(ans, 3))
        dres = op("residual_weights_adjoint")(sum(r * moved, 0) * 2.0, residuals)
        return op("make_tuple")(dx, dres, op("zeros_like")(getitem(ans, 2)), ds)
    return tangent


def _lstsq_vjp(which):
    def adjoint(g, ans, a, b, rcond):
        x, residuals, r, P = _lstsq_parts(ans, a, b)
        gx = op("adjoint_item")(g, 0, x)
        weights = op("residual_weights")(op("adjoint_item")(g, 1, residuals), getitem(r, 0)) * 2.0
        spread = r * weights                               # 2 r_k w_k, per column k
        if which == 1:
            return RULES["matmul"].vjp_rule(1)(gx, x, P, b) - spread
        gP = RULES["matmul"].vjp_rule(0)(gx, x, P, b)
        flag = a.builder.sym(False)
        ga = RULES["pinv"].vjp_rule(0)(gP, P, a, a.builder.sym(None))
        gs = op("adjoint_item")(g, 3, getitem(ans, 3))
        return ga + op("outer_columns")(spread, x) + \
            RULES["svd"].vjp_rule(0)(gs, getitem(ans, 3), a, flag, flag)
    return adjoint


def outer_columns(u, v):
    """u v^T for vectors, u @ v^T for matrices of columns."""
    u, v = array_of(u), array_of(v)
    return np.outer(u, v) if u.ndim == 1 else u @ v.T


def _lstsq_kind(a, b):
    """(x, residuals, rank, s): four items, so `x, *_ = np.linalg.lstsq(a, b)` unpacks."""
    if not (a.is_array and b.is_array and a.dtype and b.dtype):
        return K.Kind("tuple", items=(K.UNKNOWN,) * 4)
    dtype = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype), np.float32).name
    return K.Kind("tuple", items=(K.array(b.ndim, dtype), K.array(1, dtype), K.UNKNOWN,
                                  K.array(1, dtype)))


_TALL = np.array([[0.8, -0.3], [0.2, 1.1], [-0.5, 0.4], [0.7, 0.6]])
_RHS = np.array([[0.5, -1.0], [1.2, 0.3], [-0.4, 0.9], [0.3, 0.2]])
defprim("lstsq", _lstsq, ("call", "np.linalg.lstsq"), arg_names=("a", "b", "rcond"),
        defaults={"rcond": None}, functions=(np.linalg.lstsq,),
        kind=lambda a, b, rcond: _lstsq_kind(a, b),
        jvp=(_lstsq_jvp(0), _lstsq_jvp(1), ZERO), vjp=(_lstsq_vjp(0), _lstsq_vjp(1), ZERO),
        samples=[(_TALL, _RHS, None), (_TALL, _RHS[:, 0], None), (_TALL.T, _RHS[:2], None)],
        doc="(x, residuals, rank, s) for a of full rank: x = pinv(a) b; residuals where "
            "NumPy returns them")
defprim("residual_weights", residual_weights, ("impl", "residual_weights"),
        arg_names=("w", "r"), kind=lambda w, r: K.UNKNOWN,
        jvp=(lambda dw, ans, w, r: op("residual_weights")(dw, r), ZERO),
        vjp=(lambda h, ans, w, r: op("residual_weights_adjoint")(h, w), ZERO),
        samples=[(np.array([0.4, 1.2]), _RHS[0]), (np.array([0.4]), 0.0)])
defprim("residual_weights_adjoint", residual_weights_adjoint, ("impl", "residual_weights_adjoint"),
        arg_names=("h", "w"), kind=lambda h, w: K.UNKNOWN,
        jvp=(lambda dh, ans, h, w: op("residual_weights_adjoint")(dh, w), ZERO),
        vjp=(lambda g, ans, h, w: op("residual_weights")(g, h), ZERO),
        samples=[(np.array([0.4, 1.2]), np.array([1.0, 2.0])), (0.7, np.array([1.0]))])
defprim("outer_columns", outer_columns, ("impl", "outer_columns"), arg_names=("u", "v"),
        kind=lambda u, v: K.UNKNOWN,
        jvp=(lambda du, ans, u, v: op("outer_columns")(du, v),
             lambda dv, ans, u, v: op("outer_columns")(u, dv)),
        vjp=(lambda h, ans, u, v: op("matmul")(h, v),
             lambda h, ans, u, v: op("matmul")(op("swapaxes")(h, -1, -2), u)),
        samples=[(_RHS, _RHS[:2] * 0.5), (_RHS[:, 0], _RHS[:2, 1])])
