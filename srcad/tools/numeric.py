"""Finite differences and the gradient checker: is this gradient right?

    numeric_grad(f, 2.0, 5.0, wrt=(0, 1))   # central differences, in the arguments' structure
    check_grad(f, 2.0, 5.0, wrt=(0, 1))     # srcad's gradient against them, or GradientCheckError

`numeric_grad` differentiates a scalar-valued f one input element at a time with a
Richardson-extrapolated central difference (error O(h^4)) over x_i +- h and x_i +- 2h,
h = eps * max(1, |x_i|) with eps chosen per dtype (float32 included); the quotients divide
by the distances between the points actually reached after rounding to the leaf's dtype.
Within about 10 h of a singularity (log near 0) pass a smaller eps.
`check_grad` compares element by element and reports the worst mismatches; for a
vector-valued f it uses the dot-product test of DESIGN.md section 7 (`dot_product_check`):
random u in input space and v in output space, <u, vjp(v)> against <v, J u> by a central
difference along u, which costs four evaluations of f in any dimension.

Tolerances: an element passes when |analytic - numeric| <= atol + rtol * |numeric| + noise,
where noise bounds the rounding error of the difference quotient itself (a few ulps of
f's value divided by the step), so that a large loss with small gradient entries does not
fail for want of digits the finite difference never had.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import api, family, tree
from .grad_compare import REPORT_ROWS, Stats, compare_tree, table
from ..frontend.signature import Fn, Wrt

# Rounding noise of a difference quotient, in units of ulp(f(x)) / step; measured errors stay
# under 2 units even for float32 sums of thousands of terms, so 8 leaves a margin.
_ROUNDING_ULPS = 8
_MODES = ("reverse", "forward")


class GradientCheckError(AssertionError):
    """A gradient disagrees with finite differences; `.report` is the per-element table."""

    def __init__(self, report: str):
        super().__init__(report)
        self.report = report


@dataclass(frozen=True)
class CheckReport:
    """What a passing `check_grad` compared: truthy, and prints as a one-line summary."""

    method: str  # "elementwise" or "dot-product"
    checked: int  # elements (elementwise) or comparisons (dot-product)
    max_abs_err: float
    max_rel_err: float
    text: str

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return self.text


# ----- which arguments: wrt -------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    key: int | str  # index into args, or keyword name
    label: str  # the parameter's name, for messages


def _name(f) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def _positional_names(f) -> list[str] | None:
    """f's positional parameter names, or None when f has no inspectable signature."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in params if p.kind in positional]


def _slot(f, item, args, kwargs) -> _Slot:
    """The argument of this call that one wrt entry (an index or a name) refers to."""
    names = _positional_names(f) or []
    if isinstance(item, bool) or not isinstance(item, (int, str)):
        raise ValueError(f"wrt must be an int index, a parameter name, or a tuple of those; "
                         f"got {item!r}")
    if isinstance(item, int):
        if not 0 <= item < len(args):
            raise ValueError(f"wrt={item} is out of range: {_name(f)} was called with "
                             f"{len(args)} positional argument(s), "
                             f"so expected 0 <= wrt < {len(args)}")
        return _Slot(item, names[item] if item < len(names) else f"args[{item}]")
    if item in kwargs:
        return _Slot(item, item)
    if item in names and names.index(item) < len(args):
        return _Slot(names.index(item), item)
    passed = names[: len(args)] + list(kwargs)
    raise ValueError(f"wrt={item!r} names no argument of this call to {_name(f)}; "
                     f"expected one of {passed}")


def _resolve_wrt(f, wrt, args, kwargs) -> tuple[tuple[_Slot, ...], bool]:
    """The argument slots wrt names, and whether wrt was a tuple (so results are too)."""
    many = isinstance(wrt, tuple)
    items = wrt if many else (wrt,)
    if not items:
        raise ValueError("wrt is an empty tuple; expected at least one index or parameter name")
    slots = tuple(_slot(f, item, args, kwargs) for item in items)
    if len({s.key for s in slots}) < len(slots):
        raise ValueError(f"wrt={wrt!r} names the same argument twice")
    return slots, many


def _get(args, kwargs, slot: _Slot):
    return args[slot.key] if isinstance(slot.key, int) else kwargs[slot.key]


def as_given(args):
    """The arguments with their arrays copied and their lists, tuples and dicts rebuilt
    (other leaves the same objects): each evaluation of a function that writes into what it
    is given starts from the values as given."""
    def fresh(value):
        if type(value) in (list, tuple):
            return type(value)(fresh(v) for v in value)
        if type(value) is dict:
            return {k: fresh(v) for k, v in value.items()}
        return value.copy() if type(value) is np.ndarray else value
    return fresh(args)


def _call_with(f, args, kwargs, slots, values):
    """f called with the wrt arguments replaced by values (the others as given), each
    array a copy: f may write into any of them (the other wrt arguments' included)."""
    new_args, new_kwargs = list(as_given(list(args))), as_given(dict(kwargs))
    for slot, value in zip(slots, as_given(list(values))):
        if isinstance(slot.key, int):
            new_args[slot.key] = value
        else:
            new_kwargs[slot.key] = value
    return f(*new_args, **new_kwargs)


def _wrt_values(f, args, kwargs, slots) -> list:
    """The wrt arguments, checked to be floats or trees of floats."""
    values = [_get(args, kwargs, slot) for slot in slots]
    for slot, value in zip(slots, values):
        tree.check_differentiable(value, f"argument {slot.label!r} of {_name(f)}", slot.label)
    return values


# ----- difference quotients -------------------------------------------------------------


def default_eps(dtype) -> float:
    """The relative step for a leaf of this float dtype: about 9e-5 for float64, 5e-3 for
    float32. eps**(1/5) balances the h^4 truncation error of the extrapolated difference
    against rounding; the factor 1/8 keeps the step clear of nearby singularities."""
    return float(np.finfo(dtype).eps) ** 0.2 / 8


def _unit(value) -> float:
    """The rounding unit of a value's dtype (float64 for Python numbers and non-floats)."""
    dtype = np.result_type(value)
    return float(np.finfo(dtype if dtype.kind == "f" else np.float64).eps)


def _extrapolate(f1p, f1m, f2p, f2m, w1, w2, unit):
    """Richardson extrapolation of central differences over widths w1 and w2 ~ 2 * w1.

    f1p, f1m are f at the ends of the narrow interval, f2p, f2m of the wide one. Returns
    the derivative, with O(h^4) error, and a bound on its rounding noise.
    """
    narrow = (f1p - f1m) / w1
    wide = (f2p - f2m) / w2
    size = np.maximum(np.maximum(np.abs(f1p), np.abs(f1m)), np.maximum(np.abs(f2p), np.abs(f2m)))
    return narrow + (narrow - wide) / 3, _ROUNDING_ULPS * unit * size / w1


def _scalar_output(out, f) -> tuple[float, float]:
    """f's value as a float, and its rounding unit; f must return a real scalar."""
    if tree.node_type(out) is not None or np.ndim(out) != 0:
        raise ValueError(f"numeric_grad needs {_name(f)} to return a scalar; "
                         f"it returned {_describe_output(out)}")
    if np.iscomplexobj(out):
        raise TypeError(f"srcad: {_name(f)} returned a complex number; "
                        f"complex numbers are not supported")
    return float(out), _unit(out)


def _fd_scalar(value_at, x, eps: float | None):
    """d value_at / dx at the float x (a Python float or a NumPy scalar), and its noise."""
    cast = type(x) if isinstance(x, np.generic) else float
    h = (eps or default_eps(np.result_type(x))) * max(1.0, abs(float(x)))
    points = [cast(float(x) + k * h) for k in (1, -1, 2, -2)]
    values = [value_at(p) for p in points]
    w1, w2 = float(points[0]) - float(points[1]), float(points[2]) - float(points[3])
    unit = max(u for _, u in values)
    deriv, noise = _extrapolate(*(v for v, _ in values), w1, w2, unit)
    return float(deriv), float(noise)


def _fd_leaf(value_at, leaf, eps):
    """The derivative of value_at(leaf) in the leaf's type, with a float64 noise bound."""
    if not isinstance(leaf, np.ndarray):
        deriv, noise = _fd_scalar(value_at, leaf, eps)
        return (type(leaf) if isinstance(leaf, np.generic) else float)(deriv), noise
    grad, noise = np.empty_like(leaf), np.empty(leaf.shape)
    for idx in np.ndindex(leaf.shape):
        def at_point(p, idx=idx):
            moved = leaf.copy()
            moved[idx] = p
            return value_at(moved)

        grad[idx], noise[idx] = _fd_scalar(at_point, leaf[idx], eps)
    return grad, noise


def _fd_gradient(f, args, kwargs, slots, index, eps):
    """Central-difference gradient of scalar f w.r.t. argument slots[index], and its noise.

    Every evaluation gets fresh copies of the argument's arrays: the user's are never
    written to, even by an f that updates its inputs in place.
    """
    values = [_get(args, kwargs, s) for s in slots]
    leaves, treedef = tree.flatten(values[index])

    def value_at_leaf(k, leaf):
        fresh = [np.copy(v) if isinstance(v, np.ndarray) else v for v in leaves]
        fresh[k] = leaf
        values[index] = tree.unflatten(treedef, fresh)
        return _scalar_output(_call_with(f, args, kwargs, slots, values), f)

    pairs = [_fd_leaf(lambda p, k=k: value_at_leaf(k, p), leaf, eps) if leaf is not None
             else (None, None) for k, leaf in enumerate(leaves)]     # None's gradient: None
    return (tree.unflatten(treedef, [g for g, _ in pairs]),
            tree.unflatten(treedef, [n for _, n in pairs]))


def numeric_grad(f: Fn, *args: Any, wrt: Wrt = 0, eps: float | None = None,
                 **kwargs: Any) -> Any:
    """The gradient of scalar-valued f(*args, **kwargs) by central differences.

    wrt is an index into args, a parameter name, or a tuple of those (then a tuple of
    gradients is returned). Each gradient has its argument's structure and dtypes: a float
    for a float, an array of the same shape and dtype for an array, the same list / tuple /
    dict nesting. eps is the relative step (default: `default_eps` of each leaf's dtype);
    element x_i moves by eps * max(1, |x_i|). The arguments are never modified.
    """
    slots, many = _resolve_wrt(f, wrt, args, kwargs)
    _wrt_values(f, args, kwargs, slots)
    grads = tuple(_fd_gradient(f, args, kwargs, slots, i, eps)[0] for i in range(len(slots)))
    return grads if many else grads[0]


# ----- element-by-element comparison (the table: grad_compare.py) --------------------


def _elementwise_check(f, args, kwargs, slots, analytic, rtol, atol, eps) -> CheckReport:
    """Compare analytic gradients (one per slot) with central differences, element by element."""
    problems, rows, stats = [], [], Stats()
    for i, (slot, grad) in enumerate(zip(slots, analytic)):
        numeric, noise = _fd_gradient(f, args, kwargs, slots, i, eps)
        more_problems, more_rows, more = compare_tree(slot.label, grad, numeric, noise, rtol, atol)
        problems, rows, stats = problems + more_problems, rows + more_rows, stats + more
    tolerance = f"rtol={rtol:g}, atol={atol:g}"
    if problems or rows:
        text = [f"srcad.check_grad: the gradient of {_name(f)} disagrees with central "
                f"differences ({tolerance})"] + [f"  {p}" for p in problems]
        if rows:
            worst = sorted(rows, key=lambda r: -r.excess)[:REPORT_ROWS]
            text += [f"{stats.failing} of {stats.checked} elements differ; worst first:",
                     table(worst)]
        raise GradientCheckError("\n".join(text))
    elements = f"{stats.checked} element{'s' if stats.checked != 1 else ''}"
    text = (f"srcad.check_grad: the gradient of {_name(f)} matches central differences in "
            f"{elements} (max abs err {stats.max_abs_err:.1e}, "
            f"max rel err {stats.max_rel_err:.1e}; {tolerance})")
    return CheckReport("elementwise", stats.checked, stats.max_abs_err, stats.max_rel_err, text)


# ----- the dot-product test -------------------------------------------------------------


def random_direction(x, rng):
    """A random tree like x; each element is N(0, 1) times max(1, |x_i|), in x's dtype."""
    def leaf(v):
        if v is None:
            return None
        u = rng.standard_normal(np.shape(v)) * np.maximum(1.0, np.abs(v))
        if isinstance(v, np.ndarray):
            return u.astype(v.dtype)
        return type(v)(u) if isinstance(v, np.generic) else float(u)

    return tree.map_leaves(leaf, x)


def _shift(x, u, t: float):
    """x + t * u computed in float64, rounded to x's type."""
    moved = np.asarray(x, np.float64) + t * np.asarray(u, np.float64)
    if isinstance(x, np.ndarray):
        return moved.astype(x.dtype)
    return type(x)(moved) if isinstance(x, np.generic) else float(moved)


def _output_leaves(out, f, treedef=None) -> tuple[list[np.ndarray], tree.TreeDef]:
    """f's (tree-valued) output as float64 arrays, checked to keep one structure."""
    leaves, out_def = tree.flatten(out)
    if treedef is not None and out_def != treedef:
        raise ValueError(f"{_name(f)} returned {out_def} at one point and {treedef} at another")
    return [np.asarray(v, np.float64) for v in leaves], out_def


def _fd_dot(f, args, kwargs, slots, xs, us, v, eps):
    """<v, J u> by an extrapolated central difference along u; its scale and noise bound.

    The scale is sum |v_i (J u)_i|, the size the dot product is rounded against.
    """
    x_leaves = [leaf for x in xs for leaf in tree.flatten(x)[0] if leaf is not None]
    u_max = max((float(np.max(np.abs(u))) for u in tree.flatten(us)[0]
                 if u is not None and np.size(u)), default=0)
    eps = eps or max(default_eps(np.result_type(leaf)) for leaf in x_leaves)
    t = eps / (u_max or 1.0)
    v_leaves, out_def = _output_leaves(v, f)
    ends = []
    for k in (1, -1, 2, -2):
        moved = [tree.map_leaves(lambda x, u, k=k: x if x is None else _shift(x, u, k * t), x, u)
                 for x, u in zip(xs, us)]
        ends.append(_output_leaves(_call_with(f, args, kwargs, slots, moved), f, out_def)[0])
    unit = max((_unit(leaf) for leaf in tree.flatten(v)[0]), default=_unit(1.0))
    total = scale = noise = 0.0
    for w, *values in zip(v_leaves, *ends):
        deriv, leaf_noise = _extrapolate(*values, 2 * t, 4 * t, unit)
        total += float(np.sum(w * deriv))
        scale += float(np.sum(np.abs(w * deriv)))
        noise += float(np.sum(np.abs(w) * leaf_noise))
    return total, scale, noise


def _dot(a, b, what: str) -> tuple[float, float]:
    """<a, b> over two trees of one structure, and sum |a_i b_i|; a mismatch fails the check."""
    products = []

    def leaf(x, y):
        if x is None or y is None:
            if x is not y:
                raise ValueError(f"expected {x!r} where the other has {y!r}")
            return
        if np.shape(x) != np.shape(y):
            raise ValueError(f"expected shape {np.shape(x)}, got {np.shape(y)}")
        products.append(np.asarray(x, np.float64) * np.asarray(y, np.float64))

    try:
        tree.map_leaves(leaf, a, b)
    except ValueError as err:
        message = f"srcad.check_grad: {what} has the wrong structure: {err}"
        raise GradientCheckError(message) from None
    return sum(float(np.sum(p)) for p in products), sum(float(np.sum(np.abs(p))) for p in products)


def _as_tuple(grads, many: bool, count: int, what: str) -> tuple:
    """Gradients as a tuple with one entry per wrt argument."""
    if not many:
        return (grads,)
    if not isinstance(grads, tuple) or len(grads) != count:
        raise GradientCheckError(f"srcad.check_grad: wrt names {count} arguments, so {what} "
                                 f"should be a tuple of {count} gradients; got {grads!r}")
    return grads


def extra_arguments(fn, extra, kwargs) -> tuple[tuple, dict]:
    """(positional, keywords) that pass `extra` (a cotangent, tangents) after fn's arguments:
    by keyword where fn takes them keyword-only (srcad's vjp and jvp do for a function with
    defaults or *args), else positionally."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return tuple(extra), dict(kwargs)
    keyword_only = [p.name for p in params if p.kind is p.KEYWORD_ONLY
                    and p.default is p.empty and p.name not in kwargs]
    if len(keyword_only) < len(extra):
        return tuple(extra), dict(kwargs)
    return (), {**kwargs, **dict(zip(keyword_only, extra))}


def _call_derivative(fn, args, extra, kwargs):
    """fn(*args, *extra, **kwargs), with `extra` passed as extra_arguments says."""
    tail, keywords = extra_arguments(fn, extra, kwargs)
    return fn(*args, *tail, **keywords)


def _dot_report(f, checks, rtol, atol) -> CheckReport:
    """Pass or raise on the dot-product comparisons: (name, value, reference, tolerance)."""
    lines, failed, max_abs, max_rel = [], False, 0.0, 0.0
    for name, value, reference, tol in checks:
        abs_err = abs(value - reference)
        rel_err = abs_err / max(abs(reference), np.finfo(np.float64).tiny)
        ok = abs_err <= tol
        failed = failed or not ok
        max_abs, max_rel = max(max_abs, abs_err), max(max_rel, rel_err)
        lines.append(f"  {name}: {value:.12g} vs {reference:.12g}   abs err {abs_err:.2e}, "
                     f"rel err {rel_err:.2e}, allowed {tol:.2e}{'' if ok else '   FAIL'}")
    head = (f"srcad.check_grad: dot-product test of {_name(f)} with random u, v "
            f"(rtol={rtol:g}, atol={atol:g}):")
    if failed:
        hint = ("  for a per-element report, check a scalar function such as "
                "lambda *a: np.sum(v * f(*a))")
        raise GradientCheckError("\n".join([head, *lines, hint]))
    return CheckReport("dot-product", len(checks), max_abs, max_rel, "\n".join([head, *lines]))


def dot_product_check(f, *args, wrt=0, vjp_fn=None, jvp_fn=None, rtol=1e-6, atol=1e-8,
                      eps=None, rng=0, **kwargs) -> CheckReport:
    """The dot-product test of a vector-Jacobian and/or Jacobian-vector product of f.

    With random u in input space and v in output space, and fd(u) the central difference
    of f along u: <u, vjp_fn(v)> and <v, jvp_fn(u)> must each equal <v, fd(u)> within
    atol + rtol * sum |v_i fd(u)_i| + rounding noise, and each other within atol + rtol *
    their size. Signatures as srcad's: vjp_fn(*args, v, **kwargs) -> (value, grads),
    jvp_fn(*args, *us, **kwargs) -> (value, tangent). rng: a seed or a np.random.Generator.
    Returns a CheckReport or raises GradientCheckError.
    """
    if vjp_fn is None and jvp_fn is None:
        raise ValueError("dot_product_check needs a vjp_fn, a jvp_fn, or both")
    rng = np.random.default_rng(rng)
    slots, many = _resolve_wrt(f, wrt, args, kwargs)
    xs = _wrt_values(f, args, kwargs, slots)
    us = [random_direction(x, rng) for x in xs]
    out = f(*args, **kwargs)
    tree.check_differentiable(out, f"the value of {_name(f)}")
    v = random_direction(tree.zeros_like(out), rng)
    fd, scale, noise = _fd_dot(f, args, kwargs, slots, xs, us, v, eps)
    fd_tol = atol + rtol * scale + noise
    checks = []
    if vjp_fn is not None:
        grads = _as_tuple(_call_derivative(vjp_fn, args, (v,), kwargs)[1], many, len(slots),
                          "vjp_fn's gradient")
        reverse, reverse_size = _dot(tuple(us), grads, "vjp_fn's gradient")
        checks.append(("<u, vjp(v)> vs <v, fd(u)>", reverse, fd, fd_tol))
    if jvp_fn is not None:
        forward, forward_size = _dot(v, _call_derivative(jvp_fn, args, us, kwargs)[1],
                                     "jvp_fn's tangent")
        checks.append(("<v, jvp(u)> vs <v, fd(u)>", forward, fd, fd_tol))
    if vjp_fn is not None and jvp_fn is not None:
        tol = atol + rtol * max(reverse_size, forward_size)
        checks.append(("<v, jvp(u)> vs <u, vjp(v)>", forward, reverse, tol))
    return _dot_report(f, checks, rtol, atol)


# ----- check_grad -----------------------------------------------------------------------


def _from_api(f, wrt, mode: str, what: str):
    """srcad's own derivative of f: "grad" (or a forward-mode jacobian), or "vjp" / "jvp"."""
    if what == "grad":
        if mode == "reverse":
            return api.grad(f, wrt=wrt)
        return family.jacobian(f, wrt=wrt, mode=mode)
    derivative = api.vjp(f, wrt=wrt) if mode == "reverse" else api.jvp(f, wrt=wrt)
    n_tangents = len(wrt) if isinstance(wrt, tuple) else 1
    return positional(derivative, 1 if mode == "reverse" else n_tangents)


def positional(derivative, n_added):
    """srcad's vjp / jvp of f called with its cotangent or tangents last and positional, as
    dot_product_check calls it (srcad makes them keyword-only where f has defaults)."""
    added = list(inspect.signature(derivative).parameters.values())[-n_added:]
    if all(p.kind != p.KEYWORD_ONLY for p in added):
        return derivative               # positional already: called directly, no keywords
    names = [p.name for p in added]
    return lambda *args, **kwargs: derivative(*args[:-n_added], **kwargs,
                                              **dict(zip(names, args[-n_added:])))


def _one_like(out):
    """The cotangent 1 for a scalar output, in its type."""
    if isinstance(out, (np.ndarray, np.generic)):
        return np.ones_like(out)[()]
    return 1.0


def _describe_output(out) -> str:
    """How a message names a non-scalar value of f: 'an array of shape (5,)', 'a tuple'."""
    node = tree.node_type(out)
    return f"an array of shape {np.shape(out)}" if node is None else f"a {node.__name__}"


def _vector_check(f, args, kwargs, wrt, grad_fn, vjp_fn, jvp_fn, mode, options):
    """check_grad for a vector-valued f: the dot-product test, with srcad's own vjp or jvp
    (by mode) when neither is given."""
    if grad_fn is not None and vjp_fn is None and jvp_fn is None:
        raise ValueError(f"{_name(f)} returns {_describe_output(f(*args, **kwargs))}, not a "
                         f"scalar: pass vjp_fn or jvp_fn for the dot-product test, not grad_fn")
    if vjp_fn is None and jvp_fn is None:
        if mode == "reverse":
            vjp_fn = _from_api(f, wrt, mode, "vjp")
        else:
            jvp_fn = _from_api(f, wrt, mode, "jvp")
    return dot_product_check(f, *args, wrt=wrt, vjp_fn=vjp_fn, jvp_fn=jvp_fn, **options,
                             **kwargs)


def check_grad(f: Fn, *args: Any, wrt: Wrt = 0, rtol: float = 1e-6, atol: float = 1e-8,
               grad_fn: Fn | None = None, vjp_fn: Fn | None = None, jvp_fn: Fn | None = None,
               mode: str = "reverse", eps: float | None = None, seed: int = 0,
               **kwargs: Any) -> CheckReport:
    """Check a gradient of f at args against central differences.

    For scalar f: the gradient (from grad_fn(*args, **kwargs), else vjp_fn with cotangent 1,
    else srcad's own `grad`, or forward-mode `jacobian` when mode="forward") is compared
    element by element: |analytic - numeric| <= atol + rtol * |numeric| + rounding noise.
    For vector f, when only jvp_fn is given, or in forward mode when a `wrt` argument is a
    container (list, tuple, dict): `dot_product_check` with seed (srcad's own vjp or jvp, by
    mode, when neither is given). The keywords above are the checker's; the
    remaining kwargs go to f. Returns a truthy CheckReport, or raises GradientCheckError
    whose `.report` lists the worst elements (index, analytic, numeric, abs err, rel err).
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}; got {mode!r}")
    slots, many = _resolve_wrt(f, wrt, args, kwargs)
    containers = any(tree.node_type(x) is not None for x in _wrt_values(f, args, kwargs, slots))
    out = f(*as_given(args), **as_given(kwargs))
    scalar = tree.node_type(out) is None and np.ndim(out) == 0
    only_jvp = jvp_fn is not None and grad_fn is None and vjp_fn is None
    # Forward mode has no Jacobian of a container argument: compare its jvp by the dot product.
    forward_of_container = mode == "forward" and containers and grad_fn is None and vjp_fn is None
    if not scalar or only_jvp or forward_of_container:
        options = dict(rtol=rtol, atol=atol, eps=eps, rng=seed)
        return _vector_check(f, args, kwargs, wrt, grad_fn, vjp_fn, jvp_fn, mode, options)
    _scalar_output(out, f)
    if grad_fn is not None:
        analytic = grad_fn(*as_given(args), **as_given(kwargs))
    elif vjp_fn is not None:
        analytic = _call_derivative(vjp_fn, as_given(args), (_one_like(out),),
                                    as_given(kwargs))[1]
    else:
        analytic = _from_api(f, wrt, mode, "grad")(*as_given(args), **as_given(kwargs))
    analytic = _as_tuple(analytic, many, len(slots), "the gradient")
    return _elementwise_check(f, args, kwargs, slots, analytic, rtol, atol, eps)
