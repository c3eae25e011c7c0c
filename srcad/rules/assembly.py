"""Rearranging and assembling arrays: moveaxis, flip, roll, rot90, pad, the split family
(which returns lists), atleast_nd, the stacking family (hstack, vstack, dstack, column_stack,
np.r_ and np.c_), sort along an axis, and np.select.

All of them but sort and select move elements without changing them, so each tangent is the
same operation applied to the tangent, and each adjoint is the inverse movement (moveaxis back,
flip again, roll by -shift, rot90 by -k) or a runtime helper that cuts or joins pieces. A split
returns a list; its adjoint is a list with None for the pieces nothing used, and `join_like`
fills those with zeros. np.r_[a, b] and np.c_[a, b] are subscripts, not calls: the lowering
turns them into the primitives r_ and c_ through the SUBSCRIPTS table.
"""

import numpy as np

from .. import kinds as K
from .. import runtime
from ..ir.atoms import Const
from .core import reduce_to
from .elementwise import expand_to
from .ops import ZERO, reshape, shape, sum
from .table import SUBSCRIPTS, defprim

_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])
_T3 = np.arange(24.0).reshape(2, 3, 4) / 10.0 - 1.1
_V = np.array([0.5, -1.5, 2.0, 0.25])
_UNKNOWN = "unknown"


def _value(atom):
    """The value of a constant argument (an atom or a Sym), or "unknown" at run time."""
    return getattr(getattr(atom, "atom", atom), "value", _UNKNOWN)


def _same_kind(x, *rest):
    return x if x.is_array else K.UNKNOWN


def _moved(name, inverse, arg_names, defaults=None, samples=(), functions=(), doc=""):
    """A primitive that only moves elements: jvp applies it to dx, vjp applies `inverse`
    (a function of g and the other arguments) to g."""
    n_rest = len(arg_names) - 1
    defprim(name, getattr(np, name), arg_names=arg_names, defaults=defaults or {},
            functions=(getattr(np, name),) + tuple(functions), kind=_same_kind, doc=doc,
            jvp=(lambda dx, ans, x, *rest: dx._op(name, dx, *rest),) + (ZERO,) * n_rest,
            vjp=(lambda g, ans, x, *rest: inverse(g, *rest),) + (ZERO,) * n_rest,
            samples=list(samples))


def _negated(atom):
    """-shift or -k: a constant folded here, a run-time int negated in the generated code."""
    value = _value(atom)
    if isinstance(value, (int, np.integer)):
        return Const(-int(value))
    if isinstance(value, (tuple, list)):
        return Const(tuple(-int(v) for v in value))
    return -atom


# ----- moving elements -----------------------------------------------------------------------
_moved("moveaxis", lambda g, s, d: g._op("moveaxis", g, d, s),
       ("x", "source", "destination"),
       samples=[(_T3, 0, 2), (_T3, (0, 1), (2, 0)), (_T3, -1, 0), (_M, 0, 1)])
_moved("flip", lambda g, axis: g._op("flip", g, axis), ("x", "axis"), defaults={"axis": None},
       samples=[(_T3, None), (_T3, 1), (_T3, (0, 2)), (_M, -1), (_V, None)])
_moved("fliplr", lambda g: g._op("fliplr", g), ("x",), samples=[(_M,), (_T3,)])
_moved("flipud", lambda g: g._op("flipud", g), ("x",), samples=[(_M,), (_V,)])
_moved("roll", lambda g, shift, axis: g._op("roll", g, _negated(shift), axis),
       ("x", "shift", "axis"), defaults={"axis": None},
       samples=[(_M, 1, None), (_M, -2, 1), (_T3, (1, 2), (0, 2)), (_V, 5, None),
                (_T3, 1, (0, 1))])
_moved("rot90", lambda g, k, axes: g._op("rot90", g, _negated(k), axes),
       ("x", "k", "axes"), defaults={"k": 1, "axes": (0, 1)},
       samples=[(_M, 1, (0, 1)), (_M, 2, (0, 1)), (_T3, -1, (1, 2)), (_T3, 3, (2, 0))])

# ----- pad ---------------------------------------------------------------------------------
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _pad_impl(x, pad_width, mode="constant", constant_values=0):
    if mode == "constant":
        return np.pad(x, pad_width, mode, constant_values=constant_values)
    return np.pad(x, pad_width, mode)


def _pad_kind(x, pad_width, mode, constant_values):
    """Refuses (at lowering, with the user's line) the modes whose values are not copies of
    x's elements: linear_ramp, maximum, mean, median, minimum, empty, callables."""
    if _value(mode) not in _PAD_MODES:
        raise ValueError(f"np.pad with mode={_value(mode)!r} is not supported; srcad "
                         f"differentiates the modes {', '.join(_PAD_MODES)} (given as constants)")
    return x.kind if x.kind.is_array else K.UNKNOWN


def _check_single(constant_values):
    kind = constant_values.kind
    if kind.is_container or kind.is_array and kind.ndim:
        raise ValueError("np.pad: only a single number as constant_values is differentiated")


def _pad_constant_vjp(g, ans, x, pad_width, mode, constant_values):
    """Every padded element is constant_values: its adjoint is the sum of g outside x."""
    _check_single(constant_values)
    return sum(g) - sum(g._op("pad_adjoint", g, x, pad_width, mode))


def _pad_constant_jvp(dc, ans, x, pad_width, mode, constant_values):
    _check_single(constant_values)
    zeros = dc._op("np_zeros_like", x, None)
    return dc._op("pad", zeros, pad_width, mode, dc)


defprim("pad", _pad_impl, ("call", "np.pad"),
        arg_names=("x", "pad_width", "mode", "constant_values"),
        defaults={"mode": "constant", "constant_values": 0}, functions=(np.pad,),
        kind=_pad_kind, kind_from_atoms=True,
        jvp=(lambda dx, ans, x, pw, mode, c: dx._op("pad", dx, pw, mode, 0), ZERO, ZERO,
             _pad_constant_jvp),
        vjp=(lambda g, ans, x, pw, mode, c: g._op("pad_adjoint", g, x, pw, mode), ZERO, ZERO,
             _pad_constant_vjp),
        samples=[(_M, 1, "constant", 0.0), (_M, ((1, 0), (0, 2)), "constant", 0.7),
                 (_T3, (1, 2), "constant", 0), (_V, 2, "edge", 0), (_M, (2, 1), "reflect", 0),
                 (_T3, ((0, 1), (2, 0), (1, 1)), "symmetric", 0), (_V, (3, 5), "wrap", 0)],
        doc="modes constant (constant_values a number), edge, reflect, symmetric, wrap")
defprim("pad_adjoint", runtime.pad_adjoint, ("runtime", "pad_adjoint"),
        arg_names=("g", "x", "pad_width", "mode"), defaults={"mode": "constant"},
        shape_from=1, kind=lambda g, x, pw, mode: x if x.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, x, pw, mode: dg._op("pad_adjoint", dg, x, pw, mode),
             ZERO, ZERO, ZERO),
        vjp=(lambda h, ans, g, x, pw, mode: h._op("pad", h, pw, mode, 0), ZERO, ZERO, ZERO),
        samples=[(np.arange(20.0).reshape(4, 5) / 7, _M, (1, 1), "constant"),
                 (np.arange(30.0).reshape(5, 6) / 7, _M, (2, 1), "reflect")])


# ----- the split family: lists out ---------------------------------------------------------
def _split_kind(x, sections, *rest):
    """A list of arrays like x; its length where the number of sections is a constant."""
    value = _value(sections)
    n = value if isinstance(value, int) else len(value) + 1 \
        if isinstance(value, (list, tuple, np.ndarray)) else None
    if not x.kind.is_array or n is None:
        return K.Kind("list")
    return K.Kind("list", items=(x.kind,) * n)


def _splitter(name, how, arg_names, defaults=None, samples=()):
    """np.<name>: jvp splits dx the same way; vjp joins the pieces' adjoints back (`how`:
    the axis argument's position, or the np function that undoes the split)."""
    def joined(g, ans, x, *rest):
        axis = rest[-1] if isinstance(how, int) else Const(how)
        return g._op("join_like", g, ans, axis)
    n_rest = len(arg_names) - 1
    defprim(name, getattr(np, name), arg_names=arg_names, defaults=defaults or {},
            functions=(getattr(np, name),), kind=_split_kind, kind_from_atoms=True,
            jvp=(lambda dx, ans, x, *rest: dx._op(name, dx, *rest),) + (ZERO,) * n_rest,
            vjp=(joined,) + (ZERO,) * n_rest, samples=list(samples),
            doc="returns a list; pieces nothing uses get zero adjoints")


_splitter("split", 2, ("x", "indices_or_sections", "axis"), {"axis": 0},
          samples=[(_T3, 2, 0), (_M, [1, 2], 1), (_T3, (1, 3), -1), (_V, 2, 0)])
_splitter("array_split", 2, ("x", "indices_or_sections", "axis"), {"axis": 0},
          samples=[(_T3, 3, 2), (_M, 2, 1), (_V, 3, 0)])
_splitter("hsplit", "hstack", ("x", "indices_or_sections"), samples=[(_M, 3), (_V, [1])])
_splitter("vsplit", "vstack", ("x", "indices_or_sections"), samples=[(_M, 2), (_T3, [1])])
_splitter("dsplit", "dstack", ("x", "indices_or_sections"), samples=[(_T3, [1, 3])])


def _cut_kind(g, arrays, how):
    """A list of adjoints for a list or tuple of arrays; an array for an array."""
    if arrays.is_array:
        return K.array(arrays.ndim, K.broadcast(g, arrays).dtype) if g.is_numeric else K.UNKNOWN
    return arrays if arrays.is_container else K.UNKNOWN


defprim("join_like", runtime.join_like, ("runtime", "join_like"), arg_names=("gs", "pieces", "how"),
        defaults={"how": 0}, kind=lambda gs, pieces, how: _items_kind(pieces, 0),
        jvp=(lambda dg, ans, gs, pieces, how: dg._op("join_like", dg, pieces, how), ZERO, ZERO),
        vjp=(lambda h, ans, gs, pieces, how: h._op("cut_like", h, pieces, how), ZERO, ZERO),
        samples=[([_M[:, :1], _M[:, 1:]], [_M[:, :1], _M[:, 1:]], 1),
                 ([_V[:1], _V[1:]], [_V[:1], _V[1:]], "hstack")])
defprim("cut_like", runtime.cut_like, ("runtime", "cut_like"), arg_names=("g", "arrays", "how"),
        defaults={"how": 0}, kind=_cut_kind,
        jvp=(lambda dg, ans, g, arrays, how: dg._op("cut_like", dg, arrays, how), ZERO, ZERO),
        vjp=(lambda h, ans, g, arrays, how: h._op("join_like", h, arrays, how), ZERO, ZERO),
        samples=[(np.arange(12.0).reshape(2, 6) / 5, [_M, _M[:, :1], _M[:, :2]], 1),
                 (np.arange(5.0) / 3, [_V, 0.5], "r_"),
                 (np.arange(8.0).reshape(4, 2) / 3, [_V, _V], "column_stack")])


# ----- atleast_nd --------------------------------------------------------------------------
def _atleast(name, n):
    def kind(x):
        if x.is_float_scalar:
            return K.array(n)
        return K.array(max(n, x.ndim), x.dtype) if x.is_array else K.UNKNOWN

    def vjp(g, ans, x):
        if x.kind.is_scalar:
            return sum(g)
        return reshape(g, shape(x)) if x.kind.is_array else g._op("reshape_like", g, x)
    fn = getattr(np, name)
    defprim(name, fn, functions=(fn,), kind=kind,
            jvp=(lambda dx, ans, x: dx._op(name, dx),), vjp=(vjp,),
            samples=[(0.7,), (_V,), (_M,), (_T3,)],
            doc="one array per call (call it once per array)")


for _n in (1, 2, 3):
    _atleast(f"atleast_{_n}d", _n)
defprim("reshape_like", runtime.reshape_like, ("runtime", "reshape_like"), arg_names=("g", "x"),
        shape_from=1, kind=lambda g, x: K.UNKNOWN,
        jvp=(lambda dg, ans, g, x: dg._op("reshape_like", dg, x), ZERO),
        vjp=(lambda h, ans, g, x: h._op("reshape_like", h, g), ZERO),
        samples=[(np.arange(6.0).reshape(1, 6, 1), np.ones((6, 1))), (np.array([0.4]), 0.2)])


# ----- stacking: hstack, vstack, dstack, column_stack, np.r_, np.c_ ------------------------
_MIN_NDIM = {"hstack": 1, "vstack": 2, "dstack": 3, "column_stack": 2, "r_": 1, "c_": 2}


def _items_kind(seq, min_ndim):
    """The kind of a join of the arrays and numbers in a list/tuple kind, or UNKNOWN."""
    if seq.is_array and seq.ndim >= 1:      # one array: its slices along the first axis
        return K.array(max(min_ndim, seq.ndim - 1), seq.dtype)
    items = seq.items if seq.tag in ("list", "tuple") else None
    if not items or not all(k.is_array or k.is_float_scalar for k in items):
        return K.UNKNOWN
    dtype = np.result_type(*[np.dtype(k.dtype) if k.is_array else 1.0 for k in items]).name
    return K.array(max([min_ndim] + [k.ndim for k in items if k.is_array]), dtype)


def _joiner(name, impl, samples, subscript=None):
    defprim(name, impl, ("call", f"np.{name}") if subscript is None else ("runtime", name),
            arg_names=("arrays",), functions=(getattr(np, name),) if subscript is None else (),
            kind=lambda seq: _items_kind(seq, _MIN_NDIM[name]),
            jvp=(lambda ds, ans, arrays: ds._op(name, ds),),
            vjp=(lambda g, ans, arrays: g._op("cut_like", g, arrays, Const(name)),),
            samples=samples, doc="" if subscript is None else f"written np.{name}[a, b, ...]")
    if subscript is not None:
        SUBSCRIPTS[subscript] = name


_joiner("hstack", np.hstack, [([_M, _M[:, :2]],), ((_V, _V[:2], _V),), ([_T3, _T3[:, :1]],),
                              (_M,), (_T3,)])
_joiner("vstack", np.vstack, [([_M, _M[:1]],), ([_V, _V * 2.0],), ((_T3, _T3),), (_M,), (_T3,)])
_joiner("dstack", np.dstack, [([_M, _M],), ([_V, -_V],), ([_T3, _T3[:, :, :2]],), (_M,),
                              (_T3,)])
_joiner("column_stack", np.column_stack, [([_M, _M[:, 0]],), ([_V, -_V],), (_M,), (_T3,)])
_joiner("r_", runtime.r_, [([_V, 0.3, _V[:2]],), ([_M, _M[:1]],)],
        subscript=np.r_)
_joiner("c_", runtime.c_, [([_M, _M[:, 0]],), ([_V, -_V],),
                                                   ([_T3, _T3[:, :, :1]],)],
        subscript=np.c_)


# ----- sort --------------------------------------------------------------------------------
def _sort_impl(x, axis=-1, kind=None):
    return np.sort(x, axis=axis, kind=kind)


def _sort_kind(x, axis, kind):
    if not x.is_array:
        return K.UNKNOWN
    return K.array(1, x.dtype) if axis.tag == "none" else x


defprim("sort", _sort_impl, ("call", "np.sort"), arg_names=("x", "axis", "kind"),
        defaults={"axis": -1, "kind": None}, functions=(np.sort,), kind=_sort_kind,
        jvp=(lambda dx, ans, x, axis, k: dx._op("sort_tangent", dx, x, axis), ZERO, ZERO),
        vjp=(lambda g, ans, x, axis, k: g._op("sort_adjoint", g, x, axis), ZERO, ZERO),
        samples=[(_M, -1, None), (_M, 0, None), (_T3 * np.array([1.0, -1.0, 0.5, 2.0]), 1, None),
                 (_M, None, "stable")],
        doc="ties keep their order (a stable sort); x.sort() sorts in place and is refused")
defprim("sort_tangent", runtime.sort_tangent, ("runtime", "sort_tangent"),
        arg_names=("dx", "x", "axis"), defaults={"axis": -1},
        kind=lambda dx, x, axis: _sort_kind(x, axis, None),
        jvp=(lambda d, ans, dx, x, axis: d._op("sort_tangent", d, x, axis), ZERO, ZERO),
        vjp=(lambda h, ans, dx, x, axis: h._op("sort_adjoint", h, x, axis), ZERO, ZERO),
        samples=[(np.ones((2, 3)) * 0.5, _M, 0), (np.arange(6.0).reshape(2, 3), _M, None)])
defprim("sort_adjoint", runtime.sort_adjoint, ("runtime", "sort_adjoint"),
        arg_names=("g", "x", "axis"), defaults={"axis": -1}, shape_from=1,
        kind=lambda g, x, axis: x if x.is_array else K.UNKNOWN,
        jvp=(lambda dg, ans, g, x, axis: dg._op("sort_adjoint", dg, x, axis), ZERO, ZERO),
        vjp=(lambda h, ans, g, x, axis: h._op("sort_tangent", h, x, axis), ZERO, ZERO),
        samples=[(np.arange(6.0).reshape(2, 3), _M, 1), (np.arange(6.0), _M, None)])


def _argsort_impl(x, axis=-1, kind=None):
    return np.argsort(x, axis=axis, kind=kind)


defprim("argsort", _argsort_impl, ("call", "np.argsort"), arg_names=("x", "axis", "kind"),
        defaults={"axis": -1, "kind": None}, functions=(np.argsort,), methods=("argsort",),
        kind=lambda x, axis=None, kind=None: K.array(x.ndim, "int64") if x.is_array else K.UNKNOWN,
        jvp=(ZERO,) * 3, vjp=(ZERO,) * 3,
        doc="indices: no derivative (extends the one-argument argsort of rules/arrays.py)")


# ----- select ------------------------------------------------------------------------------
def _select_kind(condlist, choicelist, default):
    kinds = list(condlist.items or ()) + list(choicelist.items or ()) + [default]
    if condlist.items is None or choicelist.items is None or \
            not all(k.is_numeric for k in kinds):
        return K.UNKNOWN
    values = K.broadcast(*(list(choicelist.items) + [default]))
    ndim = max(k.ndim if k.is_array else 0 for k in kinds)
    return K.array(ndim, values.dtype) if values.is_array else K.array(ndim)


def _untaken_kind(condlist):
    items = condlist.items if condlist.tag in ("list", "tuple") else None
    if not items or not all(k.is_numeric for k in items):
        return K.UNKNOWN
    return K.array(max(k.ndim if k.is_array else 0 for k in items), "bool")


def _untaken(condlist):
    return condlist._op("select_untaken", condlist)


defprim("select", np.select, arg_names=("condlist", "choicelist", "default"),
        defaults={"default": 0}, functions=(np.select,), kind=_select_kind,
        jvp=(ZERO,
             lambda dch, ans, cl, ch, d: expand_to(dch._op("select", cl, dch, 0.0), ans),
             lambda dd, ans, cl, ch, d: expand_to(dd * _untaken(cl), ans)),
        vjp=(ZERO,
             lambda g, ans, cl, ch, d: g._op("select_adjoint", g, cl, ch),
             lambda g, ans, cl, ch, d: reduce_to(g * _untaken(cl), d)),
        samples=[([_M > 0.4, _M < 0.0], [_M, _M * -2.0], 0.5),
                 ([np.array([True, False, False, True])], [_V], _M[:, :1] * np.ones((2, 4))),
                 ([np.array([[True], [False]]), np.array([[False], [True]])], [0.3, _M], _M)],
        doc="the first true condition picks; the default where none holds")
defprim("select_untaken", runtime.select_untaken, ("runtime", "select_untaken"),
        arg_names=("condlist",), jvp=(ZERO,), vjp=(ZERO,), kind=_untaken_kind)


def _select_adjoint_vjp(h, ans, g, cl, ch):
    """Choice i's adjoint is g masked to where i is picked: the transpose is np.select."""
    picked = h._op("select", cl, h._op("finish_adjoint", h, ch), 0.0)
    return expand_to(picked, g)


defprim("select_adjoint", runtime.select_adjoint, ("runtime", "select_adjoint"),
        arg_names=("g", "condlist", "choicelist"),
        kind=lambda g, cl, ch: ch if ch.is_container else K.Kind("list"),
        jvp=(lambda dg, ans, g, cl, ch: dg._op("select_adjoint", dg, cl, ch), ZERO, ZERO),
        vjp=(_select_adjoint_vjp, ZERO, ZERO),
        samples=[(np.arange(6.0).reshape(2, 3) / 4, [_M > 0.4, _M < 0.0], [_M, 0.5])])
