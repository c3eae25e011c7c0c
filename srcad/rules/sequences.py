"""Python lists, tuples and dicts as values that change: `a + b` on two lists or two tuples,
and the functional item store that `x[k] = v`, `xs.append(v)` and `xs += [v]` lower to.

A container's adjoint is a container of the same length (None in a slot nothing reached), so

    seq_concat(a, b) = a + b          vjp_a(g) = g[:len(a)]      vjp_b(g) = g[len(a):]
    with_item(x, k, v)                vjp_x(g) = g with slot k emptied (x's own item there
                                                 was replaced)   vjp_v(g) = g[k]

Where a length is known from the kinds, the slices are written with constants (`g[:-1]` for
`hs + [h]`), so a loop that grows a list records nothing for its reverse sweep. The tangent
of each is the same operation on the tangents (zeros where none): forward mode builds it
with `Tangents.structural`.
"""

import operator

import numpy as np

from .. import kinds as K
from .. import runtime
from ..ir.atoms import Const
from .ops import ZERO, adjoint_item, getitem
from .table import defprim

_LIST = [0.5, 2.0]


def _length(kind):
    """The number of items of a list/tuple kind, or None where the kind does not say."""
    return len(kind.items) if kind.tag in ("list", "tuple") and kind.items is not None else None


def _concat_kind(a, b):
    if "unknown" in (a.tag, b.tag):          # a slice by bounds known at run time
        tags = {a.tag, b.tag} - {"unknown"}
        return K.Kind(tags.pop()) if tags else K.UNKNOWN
    if a.tag != b.tag or a.tag not in ("list", "tuple"):
        raise TypeError(f"can only concatenate {a.tag} (not {b.tag!r}) to {a.tag}")
    if a.items is None or b.items is None:
        return K.Kind(a.tag)
    return K.Kind(a.tag, items=a.items + b.items)


def _cut(g, a, b, head):
    """g[:len(a)] (head) or g[len(a):], with constant bounds where a length is known."""
    na, nb = _length(a.kind), _length(b.kind)
    if na is not None:
        return getitem(g, Const(slice(None, na) if head else slice(na, None)))
    if nb == 0:
        return g if head else g._op("getitem", g, Const(slice(0, 0)))
    if nb is not None:
        return getitem(g, Const(slice(None, -nb) if head else slice(-nb, None)))
    n = g._op("len", a)
    cut = g._op("make_slice", Const(None), n, Const(None)) if head else \
        g._op("make_slice", n, Const(None), Const(None))
    return getitem(g, cut)


defprim("seq_concat", operator.add, ("binop", "+"), arg_names=("a", "b"), symbol="+",
        kind=_concat_kind,
        jvp=(lambda da, ans, a, b: da, lambda db, ans, a, b: db),
        vjp=(lambda g, ans, a, b: _cut(g, a, b, True),
             lambda g, ans, a, b: _cut(g, a, b, False)),
        samples=[([0.5, 1.5], [-0.7]), ((0.3,), (1.2, 2.2))],
        doc="`a + b` on two lists or two tuples (NumPy's + is `add`)")


def _with_item_kind(x, key, value):
    """x's kind with the item at a constant key replaced (or, for a dict, added)."""
    kind = x.kind
    if kind.tag == "tuple":
        raise TypeError("'tuple' object does not support item assignment")
    k = key.value if isinstance(key, Const) else None
    if kind.tag == "dict" and kind.items is not None and k is not None:
        items = dict(kind.items)
        items[k] = value.kind
        return K.Kind("dict", items=tuple(items.items()))
    if kind.tag == "list" and kind.items is not None and isinstance(k, int) and \
            -len(kind.items) <= k < len(kind.items):
        items = list(kind.items)
        items[k] = value.kind
        return K.Kind("list", items=tuple(items))
    return K.Kind(kind.tag) if kind.tag in ("list", "dict") else K.UNKNOWN


defprim("with_item", runtime.with_item, ("runtime", "with_item"),
        arg_names=("x", "key", "value"), kind=_with_item_kind, kind_from_atoms=True,
        jvp=(lambda dx, ans, x, k, v: dx, None, lambda dv, ans, x, k, v: dv),
        vjp=(lambda g, ans, x, k, v: g._op("without_item", g, k, x), None,
             lambda g, ans, x, k, v: adjoint_item(g, k, v)),
        samples=[(_LIST, 1, 0.7), ([0.5, 2.0, -1.0], -1, 0.25)],
        doc="`x[key] = value` on a list or dict x, as a new container")
defprim("without_item", runtime.without_item, ("runtime", "without_item"),
        arg_names=("g", "key", "x"), kind=lambda g, k, x: g,
        doc="the adjoint of with_item's container: g with the slot `key` emptied")


# ----- dict keys, sorting, dtypes: values that carry no derivative ---------------------------
defprim("dict_keys", list, ("call", "list"), arg_names=("d",), kind=lambda d: K.Kind("list"),
        jvp=(ZERO,), vjp=(ZERO,), doc="the keys of a dict, in order (`list(d)`, `for k in d`)")
defprim("range_list", lambda start, stop, step: list(range(start, stop, step)),
        ("template", "list(range(start, stop, step))"), arg_names=("start", "stop", "step"),
        kind=lambda *ks: K.Kind("list"), jvp=(ZERO,) * 3, vjp=(ZERO,) * 3,
        doc="`list(range(...))` of bounds known only at run time (a fancy index)")
defprim("sorted", sorted, ("call", "sorted"), arg_names=("items",),
        kind=lambda x: K.Kind("list"),
        doc="`sorted(xs)` of keys or constants; not differentiable (a permutation)")
defprim("dtype", lambda x: x.dtype, ("template", "x.dtype"), attributes=("dtype",),
        jvp=(ZERO,), vjp=(ZERO,), kind=lambda x: K.OTHER,
        doc="`x.dtype` where the kind does not say it (else a constant)")


def check_bound(value, name):
    """`value`, or UnboundLocalError where a name bound only in a loop that did not run (or in
    a branch not taken) holds srcad's marker, None (srcad/lowering/unbound.py)."""
    if value is None:
        raise UnboundLocalError(f"cannot access local variable {name!r} where it is not "
                                "associated with a value")
    return value


defprim("check_bound", check_bound, ("impl", "check_bound"), arg_names=("x", "name"),
        kind=lambda x, name: x, shape_from=0, effect=True,
        jvp=(lambda dx, ans, x, name: dx, None), vjp=(lambda g, ans, x, name: g, None),
        samples=[(0.7, "y"), (np.array([0.5, -1.0]), "y")],
        doc="a read of a name that may be unbound: the value, or UnboundLocalError")


# ----- the caller's list or dict, changed in place (srcad/lowering/caller.py) -------------------
def mutate(obj, method, *args):
    """`obj.method(*args)` on the caller's list or dict, for what it does."""
    getattr(obj, method)(*args)


defprim("store_item", operator.setitem, ("call", "operator.setitem"),
        arg_names=("obj", "key", "value"), effect=True, kind=lambda *ks: K.NONE,
        jvp=(ZERO, ZERO, ZERO), vjp=(ZERO, ZERO, ZERO),
        doc="`obj[key] = value` on a list or dict the caller passed (or an object's attribute "
            "holds), run as written on the primal value: the caller sees it, as in Python")
defprim("mutate", mutate, ("impl", "mutate"), variadic=True, arg_names=("obj", "method", "args"),
        effect=True, kind=lambda *ks: K.NONE,
        doc="`obj.method(*args)` (append, setdefault, update, ...) on the caller's list or "
            "dict, run as written on the primal values")
defprim("shallow_copy", lambda x: x.copy(), ("method", "copy"), kind=lambda x: x,
        jvp=(lambda dx, ans, x: dx,), vjp=(lambda g, ans, x: g,),
        samples=[(np.array([0.5, -1.0]),)],
        doc="the items of a list or dict the function changes in place, as it received them: "
            "what it reads of them (the caller's object changes as it runs)")
defprim("check_unshared", runtime.check_unshared, ("runtime", "check_unshared"), variadic=True,
        arg_names=("obj", "name", "others"), effect=True, kind=lambda *ks: K.NONE,
        doc="TypeError where another argument is (or holds) a list or dict the function "
            "changes in place")
