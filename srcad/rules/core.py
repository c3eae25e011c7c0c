"""Structural primitives: containers, indexing, comparisons, shape queries, the runtime helpers
derivative code calls, and the tape loops record on."""

import operator

import numpy as np

from .. import kinds as K
from .. import runtime
from ..errors import SrcadError
from ..ir.atoms import Const, Var
from ..runtime import is_foreign, scatter_add
from .ops import (ZERO, adjoint_item, broadcast_like, getitem, index_adjoint, op, sum,
                  unbroadcast)
from .table import defprim


def reduce_to(g, x):
    """g summed back to x's shape (the adjoint of broadcasting); nothing where shapes agree.
    A complex g for a real x (a real factor of a complex product) gives its real part."""
    gk, xk = g.kind, x.kind
    if is_complex(gk) and is_real(xk):
        g = op("real")(g)
        gk = g.kind
    if (gk.is_scalar or gk.is_array and gk.ndim == 0) and \
            (xk.is_scalar or xk.is_array and xk.ndim == 0):
        return g                      # shape () everywhere: nothing to reduce
    if isinstance(g.atom, Var) and isinstance(x.atom, Var) and \
            g.builder.shape_class(g.atom) is g.builder.shape_class(x.atom):
        return g
    if xk.is_scalar and gk.is_array:
        return sum(g)
    axes = _broadcast_axes(gk, xk)
    if axes is None:
        return unbroadcast(g, x)
    leading, stretched = axes
    if stretched:
        g = sum(g, _axis_arg(stretched), True)
    return sum(g, _axis_arg(leading)) if leading else g


def is_complex(kind):
    return kind.is_array and str(kind.dtype).startswith("complex")


def is_real(kind):
    """True where the kind says the value is real (an unknown kind may be complex)."""
    return kind.tag in ("float", "int", "bool") or (
        kind.is_array and kind.dtype is not None and not is_complex(kind))


def _axis_arg(axes):
    return axes[0] if len(axes) == 1 else axes


def _broadcast_axes(gk, xk):
    """(the leading axes g has and x has not, the axes where x has size 1 and g has not):
    what x was broadcast along, known from their size-1 dimensions; None where not known or
    the dtypes differ (runtime.unbroadcast casts)."""
    if not (gk.is_array and xk.is_array) or gk.dtype != xk.dtype or gk.ones is None \
            or xk.ones is None or None in gk.ones or None in xk.ones or gk.ndim < xk.ndim:
        return None
    lead = gk.ndim - xk.ndim
    stretched = tuple(lead + d for d, (mine, theirs) in enumerate(zip(xk.ones, gk.ones[lead:]))
                      if mine and not theirs)
    return tuple(range(lead)), stretched


def shaped_like(target, value):
    """Kind of `value` brought to target's shape: target's ndim, in the dtype value and
    target promote to (the helpers keep value's dtype where no work is needed)."""
    if not target.is_numeric:
        return K.UNKNOWN
    if target.is_scalar or not value.is_numeric:
        return target
    return K.array(target.ndim, K.broadcast(value, target).dtype)


# ----- containers ----------------------------------------------------------------------------
def _container_kind(tag):
    return lambda *ks: K.Kind(tag, items=tuple(ks))


defprim("make_tuple", lambda *xs: xs, ("tuple",), variadic=True, arg_names=("items",),
        ones=True,
        kind=_container_kind("tuple"),
        jvp=lambda i, dx, ans, *xs: None, vjp=lambda i, g, ans, *xs: adjoint_item(g, i, xs[i]),
        samples=[(np.array([0.5, -1.0]), 0.7)])
defprim("make_list", lambda *xs: list(xs), ("list",), variadic=True, arg_names=("items",),
        ones=True,
        kind=_container_kind("list"),
        jvp=lambda i, dx, ans, *xs: None, vjp=lambda i, g, ans, *xs: adjoint_item(g, i, xs[i]),
        samples=[(np.array([0.5, -1.0]), 0.7, np.array([[1.5]]))])


def _dict_kind(keys, *values):
    names = getattr(keys, "value", None)
    if names is None:
        return K.Kind("dict")
    return K.Kind("dict", items=tuple(zip(names, (v.kind for v in values))))


def _dict_vjp(i, g, ans, keys, *values):
    """Position 0 holds the constant keys and is never differentiated."""
    return adjoint_item(g, keys.atom.value[i - 1], values[i - 1])


defprim("make_dict", lambda keys, *values: dict(zip(keys, values)), ("dict",), variadic=True,
        ones=True,
        arg_names=("keys", "values"), kind=_dict_kind, kind_from_atoms=True,
        jvp=None, vjp=_dict_vjp,
        samples=[(("W", "b"), np.array([0.5, -1.0]), 0.7)])
defprim("attr", getattr, ("getattr",), arg_names=("obj", "name"), kind=lambda o, n: K.UNKNOWN,
        doc="an attribute of a plain object argument (not differentiated through)")


def _getitem_kind(x, index):
    """Kind of x[index]; the index is an atom so constant indices can be read."""
    value = getattr(index, "value", None) if not hasattr(index, "hint") else None
    if x.kind.is_container:
        if isinstance(value, slice) and x.kind.tag != "dict" and x.kind.items is not None:
            return K.Kind(x.kind.tag, items=x.kind.items[value])
        if isinstance(value, slice) and x.kind.tag != "dict":
            return K.Kind(x.kind.tag)
        if value is not None:
            return K.item_kind(x.kind, value)
        return K.element_kind(x.kind) if index.kind.tag == "int" else K.UNKNOWN
    if not x.kind.is_array:
        return K.UNKNOWN
    dims = _indexed_ndim(x.kind.ndim, value, index.kind)
    if dims is None:
        return K.UNKNOWN
    if dims == 0 and x.kind.dtype == "float64":
        return K.FLOAT
    return K.array(dims, x.kind.dtype)


def _indexed_ndim(ndim, value, index_kind):
    """ndim of an array indexed by ints, slices, None and Ellipsis; None when unknown."""
    if index_kind.tag == "int":
        return ndim - 1 if ndim >= 1 else None
    if value is None:
        return _advanced_ndim(ndim, index_kind)
    parts = value if isinstance(value, tuple) else (value,)
    parts = [np.asarray(p) if isinstance(p, list) else p for p in parts]
    if not all(isinstance(p, (int, slice, type(None), type(Ellipsis), np.ndarray)) for p in parts):
        return None
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    if any(a.dtype.kind not in "iub" for a in arrays):
        return None
    consumed = sum_ints(isinstance(p, (int, slice)) for p in parts) + \
        len(arrays) + _bool_extra(arrays)
    if consumed > ndim:
        return None
    kept = sum_ints(isinstance(p, slice) for p in parts) + sum_ints(p is None for p in parts)
    advanced = max((1 if a.dtype == bool else a.ndim for a in arrays), default=0)
    return kept + (ndim - consumed) + advanced


def _advanced_ndim(ndim, index_kind):
    """ndim of x[idx] for an integer or boolean array index, or a tuple of integers and
    integer arrays (which broadcast together); None when the kinds do not say."""
    if index_kind.is_array:
        if index_kind.dtype == "bool":
            return ndim - index_kind.ndim + 1
        return ndim - 1 + index_kind.ndim if ndim >= 1 else None
    items = index_kind.items if index_kind.tag == "tuple" else None
    if items and ndim is not None and all(k.tag in ("int", "other", "none") for k in items):
        ints = sum_ints(k.tag == "int" for k in items)    # x[:, t, :], x[..., k]: the
        return ndim - ints + sum_ints(k.tag == "none" for k in items) \
            if ints <= ndim else None                     # slices and ... keep the rest
    if not items or len(items) > ndim:
        return None
    if not all(k.tag == "int" or (k.is_array and k.dtype.startswith(("int", "uint")))
               for k in items):
        return None
    return ndim - len(items) + max(k.ndim or 0 for k in items)


def _bool_extra(arrays):
    """Axes a multi-dimensional boolean index consumes beyond the one counted per array."""
    extra = 0
    for a in arrays:
        if a.dtype == bool:
            extra += a.ndim - 1
    return extra


def sum_ints(flags):
    return len([f for f in flags if f])


defprim("getitem", operator.getitem, ("subscript",), arg_names=("x", "index"),
        ones=True,
        kind=_getitem_kind, kind_from_atoms=True,
        jvp=(lambda dx, ans, x, index: getitem(dx, index), ZERO),
        vjp=(lambda g, ans, x, index: index_adjoint(g, x, index), ZERO),
        samples=[(np.array([1.0, 2.0, 3.0]), 1), (np.array([[1.0, 2.0], [3.0, 4.0]]), (0, 1))])


def counts_from_zero(eqn):
    """Whether `eqn` is np.arange(n) or np.arange(start, stop, step) with a constant
    start >= 0 and step > 0: distinct values, none negative."""
    if eqn is None or eqn.prim != "arange":
        return False
    start, stop, step = eqn.args
    if isinstance(stop, Const) and stop.value is None:
        return True                                   # np.arange(n): 0 .. n-1
    return _const_int(start) and start.value >= 0 and _const_int(step) and step.value > 0


def _const_int(atom):
    return isinstance(atom, Const) and isinstance(atom.value, int) and \
        not isinstance(atom.value, bool)


def distinct_scatter(g, x, index):
    """Adjoint of x[index] where one part of the index is np.arange(n)
    (srcad/transforms/distinct_index.py): zeros shaped like x with g assigned at index. The pairs
    are distinct where every array part has that one length (`x[np.arange(N), y]`); where one is
    shorter and broadcasts, they may repeat, and np.add.at accumulates them."""
    if is_foreign(g) or is_foreign(x):
        return scatter_add(g, x, index)
    out = np.zeros(np.shape(x), dtype=np.result_type(g, x, 1.0))
    lengths = {len(p) for p in index if isinstance(p, np.ndarray) and p.ndim == 1}
    if len(lengths) == 1 and all(isinstance(p, (int, slice, np.ndarray)) for p in index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _distinct_pick_vjp(g, ans, x, index):
    """A number spread to the shape of the pick is assigned as it is (NumPy spreads it)."""
    spread = g.builder.broadcast_scalar(g.atom, ans.atom)
    return g._op("distinct_scatter", spread if spread is not None else g, x, index)


defprim("distinct_pick", operator.getitem, ("subscript",), arg_names=("x", "index"),
        ones=True, kind=_getitem_kind, kind_from_atoms=True,
        jvp=(lambda dx, ans, x, index: getitem(dx, index), ZERO),
        vjp=(_distinct_pick_vjp, ZERO),
        samples=[(np.array([[1.0, 2.0], [3.0, 4.0]]), (np.arange(2), np.array([1, 0]))),
                 (np.array([[1.0, 2.0], [3.0, 4.0]]), (np.arange(1), np.array([1, 0])))],
        doc="x[index] with an index one of whose parts is np.arange(n): the elements it picks "
            "are distinct where its arrays have one length (reverse mode, "
            "srcad/transforms/distinct_index.py)")
defprim("distinct_scatter", distinct_scatter, ("impl", "distinct_scatter"),
        arg_names=("g", "x", "index"), kind=lambda g, x, i: _index_adjoint_kind(g, x, i),
        shape_from=1,
        jvp=(lambda dg, ans, g, x, i: dg._op("distinct_scatter", dg, x, i), ZERO, ZERO),
        vjp=(lambda h, ans, g, x, i: reduce_to(getitem(h, i), g), ZERO, ZERO),
        samples=[(np.array([0.5, -1.0]), np.zeros((2, 3)), (np.arange(2), np.array([2, 0]))),
                 (0.5, np.zeros((2, 3)), (np.arange(2), np.array([1, 1]))),
                 (np.array([0.5, -1.0]), np.zeros((2, 3)), (np.arange(1), np.array([2, 2])))])
defprim("unpack", lambda x, n: tuple(x), ("identity",), arg_names=("x", "n"), nout=None,
        ones=True,
        doc="multi-output: `a, b = x`; the number of outputs is the equation's")

# ----- calls to the user's own functions (srcad.transforms.helpers) -------------------------------
defprim("call", lambda fn, *args: fn(*args), ("callee",), variadic=True,
        arg_names=("fn", "args"), vjp=None, jvp=None,
        doc="a call to a module-level user function, differentiated as a unit")
defprim("call_fwd", lambda fwd, *args: fwd(*args), ("callee",), variadic=True, nout=2,
        arg_names=("fwd", "args"), effect=True)
defprim("call_bwd", lambda bwd, res, g: bwd(res, g), ("callee",), arg_names=("bwd", "res", "g"),
        nout=None, effect=True)

def _index_adjoint_kind(g, x, index):
    """x's shape, in the dtype g and x promote to (scatter_add's zeros)."""
    return shaped_like(x, g) if x.is_array else K.UNKNOWN


# ----- runtime helpers -----------------------------------------------------------------------
defprim("unbroadcast", runtime.unbroadcast, ("runtime", "unbroadcast"), arg_names=("g", "x"),
        kind=lambda g, x: shaped_like(x, g), shape_from=1,
        jvp=(lambda dg, ans, g, x: unbroadcast(dg, x), ZERO),
        vjp=(lambda h, ans, g, x: broadcast_like(h, g), ZERO),
        samples=[(np.ones((3, 2)), np.ones(2)), (np.ones((2, 3)), np.ones((2, 1)))])
defprim("broadcast_like", runtime.broadcast_like, ("runtime", "broadcast_like"),
        arg_names=("x", "target"), kind=lambda x, t: shaped_like(t, x), shape_from=1,
        jvp=(lambda dx, ans, x, t: broadcast_like(dx, t), ZERO),
        vjp=(lambda g, ans, x, t: unbroadcast(g, x), ZERO),
        samples=[(np.ones(2), np.ones((3, 2)))])
defprim("zeros_like", runtime.zeros_like, ("runtime", "zeros_like"), shape_from=0,
        kind=lambda x: K.FLOAT if x.is_scalar else x, jvp=(ZERO,), vjp=(ZERO,))
defprim("add_any", runtime.add_any, ("runtime", "add_any"), arg_names=("a", "b"),
        kind=lambda a, b: K.join(a, b) if K.alike(a, b) else K.UNKNOWN,
        jvp=(lambda da, ans, a, b: da, lambda db, ans, a, b: db),
        vjp=(lambda g, ans, a, b: g, lambda g, ans, a, b: g),
        samples=[(np.array([0.5, -1.0]), np.array([0.7, 2.0]))])
defprim("index_adjoint", runtime.index_adjoint, ("runtime", "index_adjoint"),
        arg_names=("g", "x", "index"), kind=_index_adjoint_kind,
        shape_from=1,
        jvp=(lambda dg, ans, g, x, i: index_adjoint(dg, x, i), ZERO, ZERO),
        vjp=(lambda h, ans, g, x, i: getitem(h, i), ZERO, ZERO),
        samples=[(np.array([0.5, -1.0, 2.0]), np.zeros((2, 3)), (1, slice(None))),
                 (np.array([0.5, -1.0, 2.0]), np.zeros(4), np.array([2, 0, 2]))])
defprim("adjoint_item", runtime.adjoint_item, ("runtime", "adjoint_item"),
        arg_names=("g", "index", "like"), kind=lambda g, i, like: like, shape_from=2)
defprim("empty_adjoint", runtime.empty_adjoint, ("runtime", "empty_adjoint"), effect=True,
        doc="a fresh accumulator: never merged with another, since add_at fills it in place")
defprim("add_at", runtime.add_at, ("runtime", "add_at"), arg_names=("acc", "index", "g"),
        effect=True)

defprim("shape_like", runtime.shape_like, ("runtime", "shape_like"), variadic=True,
        arg_names=("arrays",), kind=lambda *ks: K.broadcast(*ks), jvp=ZERO, vjp=ZERO,
        doc="a stand-in with the broadcast shape and dtype of its arguments (no arithmetic)")
# ----- calls of a callee known only when the code runs (srcad/lowering/runtime_calls.py) -----
# Reverse and forward mode derive `dyncall` themselves (srcad/transforms/runtime_calls.py):
# the forward sweep's `value, back = pullback(fn, *args)` runs the callee's forward half once
# and the reverse sweep's `back(g)` its backward half; forward mode's `value, tangent =
# pushforward(fn, *args, *tangents)` runs the callee's jvp in place of the call.
def _derived_by_the_transforms(i, *atoms):
    raise SrcadError("a run-time call's derivative is the transforms' own "
                     "(srcad/transforms/runtime_calls.py), not a rule's")


defprim("dyncall", lambda calls, fn, *args: fn(*args), ("called",), variadic=True,
        arg_names=("calls", "fn", "args"), vjp=_derived_by_the_transforms,
        jvp=_derived_by_the_transforms,
        doc="a call of a callee known only when the code runs; its derivative is the "
            "callee's, asked for when it runs")
defprim("dyncall_fwd", lambda pullback, fn, *args: pullback(fn, *args), ("callee",),
        variadic=True, nout=2, arg_names=("pullback", "fn", "args"), effect=True,
        doc="(value, back) of a run-time call: the callee's forward half, run once")
defprim("dyncall_back", lambda back, g: back(g), ("callee",), arg_names=("back", "g"),
        nout=None, effect=True, doc="the adjoints of a run-time call's varied arguments")
defprim("dyncall_vjp", lambda pullback, fn, *args: pullback(fn, *args), ("callee",),
        variadic=True, nout=None, arg_names=("pullback", "fn", "args"), effect=True,
        doc="the adjoints of a run-time call's arguments for cotangent g, its forward half run "
            "again: in a derivative that is differentiated again (hessian, jvp of grad)")
defprim("dyncall_vjp_pushforward", lambda pushforward, fn, *args: pushforward(fn, *args),
        ("callee",), variadic=True, nout=None, arg_names=("pushforward", "fn", "args"),
        effect=True, doc="dyncall_vjp's adjoints and their tangents (forward over reverse)")
defprim("dyncall_tangent", lambda pushforward, fn, *args: pushforward(fn, *args),
        ("callee",), variadic=True, arg_names=("pushforward", "fn", "args"), effect=True,
        kind=lambda *ks: K.UNKNOWN,
        doc="the tangent of a run-time call alone, in a derivative that is differentiated "
            "again (jvp of jvp, grad of jvp)")
defprim("dyncall_jvp_pushforward", lambda pushforward, fn, *args: pushforward(fn, *args),
        ("callee",), variadic=True, nout=None, arg_names=("pushforward", "fn", "args"),
        effect=True, doc="dyncall_pushforward's value and tangent with their tangents "
                         "(forward over forward)")
defprim("dyncall_pushforward", lambda pushforward, fn, *args: pushforward(fn, *args),
        ("callee",), variadic=True, nout=2, arg_names=("pushforward", "fn", "args"),
        effect=True, doc="(value, tangent) of a run-time call, in one run of its jvp")
defprim("setattr", setattr, ("call", "setattr"), arg_names=("obj", "name", "value"),
        effect=True, kind=lambda *ks: K.NONE, jvp=(ZERO, ZERO, ZERO), vjp=(ZERO, ZERO, ZERO),
        doc="`obj.name = value` on an object of the user's, run as written on the primal value "
            "(srcad/lowering/dynamic.py); later reads in the function see the value")
defprim("run", lambda statement, *values: statement(*values), ("callee",), variadic=True,
        arg_names=("statement", "values"), effect=True, kind=lambda *ks: K.NONE,
        doc="a statement Python runs as written on the primal values (print, assert, raise: "
            "srcad/effects.py)")
defprim("opaque", lambda fn, *args: fn(*args), ("callee",), variadic=True,
        arg_names=("fn", "args"), effect=True, kind=lambda *ks: K.UNKNOWN,
        doc="a call with no rule and no source, run as written on values that do not depend "
            "on the differentiated inputs (`rng.normal(size=...)`, `np.meshgrid`); never merged")
defprim("made_object", runtime.made_object, ("runtime", "made_object"), variadic=True,
        arg_names=("cls", "names", "values"), kind=lambda *ks: K.OTHER, jvp=ZERO, vjp=ZERO,
        doc="an object made in the function, made again for a statement run as written "
            "(`print(obj)`, srcad/lowering/objects.py); nothing differentiates through it")
defprim("check_scalar", runtime.check_scalar, ("runtime", "check_scalar"), effect=True,
        kind=lambda x: K.NONE)
defprim("check_broadcast", runtime.check_broadcast, ("runtime", "check_broadcast"),
        variadic=True, arg_names=("arrays",), effect=True, kind=lambda *ks: K.NONE,
        doc="NumPy's broadcasting check of an elementwise operation whose value is not needed")
defprim("shapes_unchecked", runtime.shapes_unchecked, ("runtime", "shapes_unchecked"),
        arg_names=("memo", "key"), kind=lambda *ks: K.BOOL,
        doc="whether a loop of broadcasting checks has yet to run for these shapes "
            "(srcad/optimize/checked_shapes.py)")
defprim("shapes_checked", runtime.shapes_checked, ("runtime", "shapes_checked"),
        arg_names=("memo", "key"), effect=True, kind=lambda *ks: K.NONE,
        doc="remember that a loop of broadcasting checks passed for these shapes")
defprim("sampled_stop", runtime.sampled_stop, ("runtime", "sampled_stop"), variadic=True,
        arg_names=("stop", "sizes"), kind=lambda *ks: K.INT,
        doc="the stop of an index-only counter of a loop of checks (its first count out of "
            "bounds, srcad/optimize/sampled_counters.py)")
defprim("sampled_step", runtime.sampled_step, ("runtime", "sampled_step"), variadic=True,
        arg_names=("sizes",), kind=lambda *ks: K.INT,
        doc="the step of an index-only counter of a loop of checks")
defprim("add_summed", runtime.add_summed, ("runtime", "add_summed"),
        arg_names=("acc", "source", "sizes", "kept"), kind=lambda acc, *ks: acc,
        doc="acc[i_kept] += source[i_0, ...] over ranges of every index, as one sum "
            "(srcad/optimize/summed_slots.py)")
defprim("finish_adjoint", runtime.finish_adjoint, ("runtime", "finish_adjoint"),
        arg_names=("acc", "x"), kind=lambda acc, x: x,
        jvp=(lambda dacc, ans, acc, x: op("finish_adjoint")(dacc, x), ZERO),
        vjp=(lambda g, ans, acc, x: g, ZERO),
        samples=[(np.array([1.5, -0.5]), np.zeros(2)), (0.7, 0.0)],
        doc="an accumulated adjoint in x's structure: linear in acc, x gives only the shape")
defprim("like_number", runtime.like_number, ("runtime", "like_number"), arg_names=("g", "x"),
        kind=lambda g, x: x, shape_from=1,
        jvp=(lambda dg, ans, g, x: dg._op("like_number", dg, x), ZERO),
        vjp=(lambda h, ans, g, x: h, ZERO),
        samples=[(np.array(0.7), np.float64(1.5)), (np.float64(0.7), np.array(1.5)),
                 (0.7, np.array(2.5))],
        doc="the gradient of a NumPy scalar or 0-d array argument, in its type and dtype")
defprim("to_float", float, ("call", "float"),
        kind=lambda x: K.FLOAT,
        jvp=(lambda dx, ans, x: dx if x.kind.is_scalar else broadcast_like(dx, ans),),
        vjp=(lambda g, ans, x: g if x.kind.is_scalar else broadcast_like(g, x),),
        samples=[(0.7,), (np.array(0.7),)])

# ----- the tape loops record on --------------------------------------------------------------
defprim("tape_new", list, ("list",), arg_names=(), effect=True, kind=lambda: K.Kind("list"))
defprim("tape_push", lambda tape, v: tape.append(v), ("method", "append"),
        arg_names=("tape", "value"), effect=True, kind=lambda t, v: K.NONE)
defprim("tape_pop", lambda tape: tape.pop(), ("method", "pop"), arg_names=("tape",),
        effect=True)

# ----- comparisons and logic: no derivative --------------------------------------------------
_COMPARISONS = {"gt": (">", operator.gt), "lt": ("<", operator.lt), "ge": (">=", operator.ge),
                "le": ("<=", operator.le), "eq": ("==", operator.eq), "ne": ("!=", operator.ne)}


def _bool_kind(*ks):
    arrays = [k for k in ks if k.is_array]
    if arrays:
        return K.array(max(k.ndim for k in arrays), "bool")
    return K.BOOL if all(k.is_scalar for k in ks) else K.UNKNOWN


for _name, (_symbol, _fn) in _COMPARISONS.items():
    defprim(_name, _fn, ("compare", _symbol), arg_names=("x", "y"), symbol=_symbol,
            kind=_bool_kind, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))

defprim("is_", operator.is_, ("compare", "is"), arg_names=("x", "y"), symbol="is",
        kind=lambda a, b: K.BOOL, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))
defprim("is_not", operator.is_not, ("compare", "is not"), arg_names=("x", "y"),
        symbol="is not", kind=lambda a, b: K.BOOL, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))
defprim("not_", operator.not_, ("unary", "not"), symbol="not", kind=lambda x: K.BOOL,
        jvp=(ZERO,), vjp=(ZERO,))
defprim("truth", bool, ("call", "bool"), kind=lambda x: K.BOOL, jvp=(ZERO,), vjp=(ZERO,),
        functions=(bool,))
defprim("isinstance", isinstance, ("call", "isinstance"), arg_names=("obj", "classes"),
        kind=lambda a, b: K.BOOL, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))
defprim("contains", lambda c, x: x in c, ("compare", "in"), arg_names=("container", "x"),
        kind=lambda c, x: K.BOOL, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))

# ----- shape queries: non-differentiable values ----------------------------------------------
defprim("shape", np.shape, ("attr", "shape"), attributes=("shape",), jvp=(ZERO,), vjp=(ZERO,),
        kind=lambda x: K.Kind("tuple", items=(K.INT,) * x.ndim) if x.is_array else K.UNKNOWN,
        functions=(np.shape,))
defprim("ndim", np.ndim, ("attr", "ndim"), attributes=("ndim",), jvp=(ZERO,), vjp=(ZERO,),
        kind=lambda x: K.INT, functions=(np.ndim,))
defprim("size", np.size, ("attr", "size"), attributes=("size",), jvp=(ZERO,), vjp=(ZERO,),
        kind=lambda x: K.INT, functions=(np.size,))
defprim("len", len, ("call", "len"), jvp=(ZERO,), vjp=(ZERO,), kind=lambda x: K.INT,
        functions=(len,))
defprim("int", int, ("call", "int"), jvp=(ZERO,), vjp=(ZERO,), kind=lambda x: K.INT,
        functions=(int,))
defprim("range_len", runtime.range_len, ("runtime", "range_len"),
        arg_names=("start", "stop", "step"), jvp=(ZERO,) * 3, vjp=(ZERO,) * 3,
        kind=lambda *ks: K.INT)
defprim("make_slice", slice, ("slice",), arg_names=("start", "stop", "step"),
        jvp=(ZERO,) * 3, vjp=(ZERO,) * 3, kind=lambda *ks: K.OTHER)
