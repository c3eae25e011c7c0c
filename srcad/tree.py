"""Nested containers of arrays ("pytrees"): flatten them, rebuild them, map over them.

A gradient has the structure of its argument: a float for a float, an array of the same
shape and dtype for an array, and the same nesting for a list / tuple / dict of those.
This module lets the rest of srcad treat such an argument as a flat list of leaves plus a
`TreeDef` describing the nesting:

    leaves, treedef = flatten({"W": W, "b": [b1, b2]})   # [W, b1, b2], {'W': *, 'b': [*, *]}
    unflatten(treedef, [2 * leaf for leaf in leaves])    # the same nesting again

Containers are `list`, `tuple`, `dict` (keys in insertion order), namedtuples, dataclasses
(their fields, in order; a field declared `dataclasses.field(metadata={"static": True})` is
carried along, not a child, as in `jax.tree_util.register_dataclass`) and the classes
registered with `register`, as JAX's `register_pytree_node`. Everything else is a leaf:
floats, ints, NumPy arrays and scalars, None.
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass

import numpy as np

_CONTAINERS = (list, tuple, dict)
_HOOK = "__srcad_tree__"       # a registered class's (flatten, unflatten), on the class itself


def register(cls: type, flatten, unflatten) -> None:
    """Make instances of `cls` containers, as JAX's `register_pytree_node` does.

    `flatten(obj)` returns `(children, aux)`: the items gradients flow through, and whatever
    else rebuilding needs (hashable; it is copied into a gradient, not differentiated);
    `unflatten(aux, children)` builds an instance from them. A gradient with respect to such
    an instance is `unflatten(aux, gradients of the children)`. A differentiated function
    reads the children through the attributes that hold them (`p.W` where `p.W` is a child).
    """
    if not isinstance(cls, type):
        raise TypeError(f"srcad.tree.register: expected a class, got {cls!r}")
    if cls in _CONTAINERS or not callable(flatten) or not callable(unflatten):
        raise TypeError(f"srcad.tree.register({cls.__name__}, flatten, unflatten): flatten and "
                        "unflatten must be functions, and cls a class of your own")
    setattr(cls, _HOOK, (flatten, unflatten))


@dataclass(frozen=True)
class TreeDef:
    """The nesting of a tree without its leaves; immutable and hashable.

    `node` is the container type (list, tuple, dict, a namedtuple class) or None for a leaf;
    `keys` are a dict's keys in order; `children` are the TreeDefs of the items.
    """

    node: type | None = None
    children: tuple[TreeDef, ...] = ()
    keys: tuple = ()           # a dict's keys; a dataclass's field names and static fields;
    #                            a registered class's aux data

    @property
    def num_leaves(self) -> int:
        """How many leaves a tree of this structure holds."""
        if self.node is None:
            return 1
        return sum(child.num_leaves for child in self.children)

    def __str__(self) -> str:
        items = [str(child) for child in self.children]
        if self.node is None:
            return "*"
        if self.node is list:
            return "[" + ", ".join(items) + "]"
        if self.node is dict:
            return "{" + ", ".join(f"{k!r}: {s}" for k, s in zip(self.keys, items)) + "}"
        if self.node is tuple:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        names = _field_names(self.node, self.keys)
        fields = ", ".join(f"{k}={s}" for k, s in zip(names, items)) if names else \
            ", ".join(items)
        return f"{self.node.__name__}({fields})"

    def __repr__(self) -> str:
        return f"TreeDef({self})"


LEAF = TreeDef()


def node_type(x) -> type | None:
    """The container type of x (list, tuple, dict, a namedtuple class, a dataclass or a
    registered class), None for a leaf."""
    kind = type(x)
    if kind is np.ndarray or kind is float:             # the common leaves, first
        return None
    if kind in _CONTAINERS or _HOOK in kind.__dict__:
        return kind
    if isinstance(x, tuple) and hasattr(kind, "_fields"):
        return kind
    if dataclasses.is_dataclass(kind):
        return kind
    return None


def is_record(node: type | None) -> bool:
    """Whether containers of type `node` are read by attribute only (a dataclass or a
    registered class), not by index as a list, tuple, namedtuple or dict is."""
    return node is not None and (_HOOK in node.__dict__ or (
        dataclasses.is_dataclass(node) and not issubclass(node, (list, tuple, dict))))


_LAYOUTS = weakref.WeakKeyDictionary()  # a dataclass -> its field names, data and static:
#                                         dataclasses.fields() costs microseconds per call


def _layout(node: type) -> tuple[tuple, tuple]:
    """(the names of a dataclass's data fields, those of its static fields)."""
    layout = _LAYOUTS.get(node)
    if layout is None:
        fields = dataclasses.fields(node)
        layout = _LAYOUTS[node] = (
            tuple(f.name for f in fields if not f.metadata.get("static")),
            tuple(f.name for f in fields if f.metadata.get("static")))
    return layout


def children(x, node: type | None = None) -> tuple[list, tuple]:
    """(the children of container x, in order; its keys): a dict's keys, a dataclass's
    data field names and (name, value) of its static fields, a registered class's aux."""
    node = node or node_type(x)
    if node is dict:
        return list(x.values()), tuple(x)
    if _HOOK in node.__dict__:
        items, aux = node.__dict__[_HOOK][0](x)
        return list(items), aux
    if is_record(node):
        names, static_names = _layout(node)
        static = tuple((name, getattr(x, name)) for name in static_names)
        return [getattr(x, name) for name in names], (names, static)
    return list(x), ()


def _field_names(node: type, keys) -> tuple:
    """The attribute names a path or a message shows for the children of a node."""
    if hasattr(node, "_fields") and issubclass(node, tuple):
        return node._fields
    return keys[0] if is_record(node) and _HOOK not in node.__dict__ else ()


def _rebuild(node: type, items: list, keys: tuple = ()):
    """A container of type node holding items (under keys, for a dict). A dataclass is
    built without calling its __init__ or __post_init__ (as equinox does): a gradient is a
    value of the class, not a new model whose construction may have side effects."""
    if node is dict:
        return dict(zip(keys, items))
    if node in (list, tuple):
        return node(items)
    if _HOOK in node.__dict__:
        return node.__dict__[_HOOK][1](keys, items)
    if is_record(node):
        names, static = keys
        out = object.__new__(node)
        for name, value in zip(names, items):
            object.__setattr__(out, name, value)
        for name, value in static:
            object.__setattr__(out, name, value)
        return out
    return node(*items)


def flatten(x) -> tuple[list, TreeDef]:
    """Split x into its leaves (depth first, left to right) and its structure."""
    node = node_type(x)
    if node is None:
        return [x], LEAF
    leaves, defs = [], []
    items, keys = children(x, node)
    for item in items:
        item_leaves, item_def = flatten(item)
        leaves.extend(item_leaves)
        defs.append(item_def)
    return leaves, TreeDef(node, tuple(defs), keys)


def unflatten(treedef: TreeDef, leaves) -> object:
    """The inverse of `flatten`: put leaves back into treedef's nesting."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"unflatten: {treedef} holds {treedef.num_leaves} leaves, "
                         f"got {len(leaves)}")
    return _build(treedef, iter(leaves))


def _build(treedef: TreeDef, leaves):
    if treedef.node is None:
        return next(leaves)
    children = [_build(child, leaves) for child in treedef.children]
    return _rebuild(treedef.node, children, treedef.keys)


def _step(node: type, i: int, keys: tuple = ()) -> str:
    """How a path names item i: "[0]", "['W']" (keys: a dict's), ".x" for a field."""
    if node is dict:
        return f"[{keys[i]!r}]"
    names = _field_names(node, keys)
    return f".{names[i]}" if names else f"[{i}]"


def paths(treedef: TreeDef) -> list[str]:
    """Each leaf's location as an indexing suffix, in flatten order: "[0]['W']", ".x", ""."""
    if treedef.node is None:
        return [""]
    steps = [_step(treedef.node, i, treedef.keys) for i in range(len(treedef.children))]
    return [step + rest for step, child in zip(steps, treedef.children) for rest in paths(child)]


def _describe(x) -> str:
    """How a mismatch message names x: 'a list of 3 items', "a dict with keys ['W']"."""
    node = node_type(x)
    if node is None:
        return f"a leaf ({type(x).__name__})"
    if node is dict:
        return f"a dict with keys {list(x)}"
    if is_record(node):
        return f"a {node.__name__}"
    return f"a {node.__name__} of {len(x)} item{'' if len(x) == 1 else 's'}"


def _same_node(ref, other) -> bool:
    """Whether other is the same kind of container as ref (dicts: the same keys, any order)."""
    node = node_type(ref)
    if node is not node_type(other):
        return False
    if node is dict:
        return ref.keys() == other.keys()
    if node is None:
        return True
    return len(children(ref, node)[0]) == len(children(other, node)[0])


def map_leaves(fn, *trees):
    """fn applied leafwise to trees of one structure; the result has trees[0]'s structure.

    Dicts match when their keys do, in any order. A mismatch raises ValueError naming where
    and what: "structure mismatch at [0]: expected a list of 3 items, got a list of 2 items"
    (with "in tree i" when more than two trees are mapped).
    """
    if not trees:
        raise ValueError("map_leaves needs at least one tree")
    return _map(fn, trees, "")


def _map(fn, trees, path: str):
    ref = trees[0]
    for i, other in enumerate(trees[1:], start=1):
        if not _same_node(ref, other):
            where = (f" in tree {i}" if len(trees) > 2 else "") + (f" at {path}" if path else "")
            raise ValueError(f"structure mismatch{where}: expected {_describe(ref)}, "
                             f"got {_describe(other)}")
    node = node_type(ref)
    if node is None:
        return fn(*trees)
    if node is dict:
        return {k: _map(fn, [t[k] for t in trees], f"{path}[{k!r}]") for k in ref}
    items, keys = children(ref, node)
    each = [items] + [children(t, node)[0] for t in trees[1:]]
    mapped = [_map(fn, column, path + _step(node, i, keys))
              for i, column in enumerate(zip(*each))]
    return _rebuild(node, mapped, keys)


def _zero(v):
    if isinstance(v, np.ndarray):
        return np.zeros_like(v)
    if isinstance(v, np.generic):
        return v.dtype.type(0)
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return 0.0
    raise TypeError(f"zeros_like: no zero for a leaf of type {type(v).__name__}")


def zeros_like(x):
    """A tree of zeros shaped like x: 0.0 for a Python float or int, np.zeros_like for an
    array (same dtype), a zero of the same type for a NumPy scalar, None for None."""
    return map_leaves(_zero, x)


def is_float_leaf(v) -> bool:
    """True for a Python float, a NumPy floating scalar or a floating array (complex: False)."""
    if isinstance(v, np.ndarray) or _is_foreign_array(v):
        return v.dtype.kind == "f"
    return isinstance(v, (float, np.floating))


def _is_foreign_array(v) -> bool:
    """An array of another library that computes through NumPy's protocols (Dask, CuPy)."""
    return hasattr(type(v), "__array_function__") and hasattr(v, "dtype")


def leaf_kind(v) -> tuple:
    """The kind of a leaf, for cache keys: ("float",), ("array", ndim, dtype.str), ..."""
    if isinstance(v, np.ndarray):
        return ("array", v.ndim, v.dtype.str)
    if isinstance(v, np.generic):
        return ("scalar", v.dtype.str)
    if _is_foreign_array(v):
        return ("array", v.ndim, v.dtype.str, type(v).__module__)
    for kind in (bool, int, float, complex):
        if isinstance(v, kind):
            return (kind.__name__,)
    if v is None:
        return ("none",)
    return ("object", type(v).__qualname__)


def structure_of(x) -> tuple:
    """A hashable description of x: its TreeDef and the kind of each leaf (no values)."""
    leaves, treedef = flatten(x)
    return treedef, tuple(leaf_kind(v) for v in leaves)


def _what_it_is(v) -> str:
    """How an error message names a non-float leaf: 'an integer array (int64)'."""
    if isinstance(v, np.ndarray):
        names = {"i": "an integer array", "u": "an unsigned integer array",
                 "b": "a boolean array", "c": "a complex array"}
        return f"{names.get(v.dtype.kind, 'an array')} ({v.dtype})"
    if isinstance(v, np.generic):
        return f"a NumPy {v.dtype} scalar ({v!r})"
    if v is None:
        return "None"
    names = {int: "an integer", bool: "a bool", complex: "a complex number", str: "a string"}
    return f"{names.get(type(v), 'a ' + type(v).__name__)} ({v!r})"


def _hint(v, expr: str | None) -> str:
    """What to do instead of passing the non-float leaf v."""
    if isinstance(v, complex) or np.iscomplexobj(v):
        return "complex numbers are not supported"
    need = "gradients need float inputs"
    if isinstance(v, np.ndarray) and v.dtype.kind in "iub":
        return f"{need} — pass {expr}.astype(float)" if expr else f"{need} — use .astype(float)"
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return f"{need} — pass {float(v)!r} instead of {v!r}"
    return f"{need}: a float, a float array, or a list / tuple / dict of them"


def check_differentiable(x, what: str, name: str | None = None) -> None:
    """Raise TypeError unless every leaf of x is a float (see `is_float_leaf`) or, inside a
    container, None (its gradient is None, as in JAX, where None is an empty subtree).

    `what` names x in the message ("argument 'x' of f"); `name`, when given, is the
    expression the fix suggests ("pass x.astype(float)"). The message says which leaf
    of a nested x is at fault.
    """
    leaves, treedef = flatten(x)
    for leaf, path in zip(leaves, paths(treedef)):
        if is_float_leaf(leaf) or leaf is None and path:
            continue
        expr = name + path if name else None
        where = f" at {name or ''}{path}" if path else ""
        field = path.rsplit(".", 1)[-1] if "." in path else None
        static = f"; or, in a dataclass, declare it {field}: ... = dataclasses.field(" \
            "metadata={'static': True}) to carry it along undifferentiated" if field else ""
        raise TypeError(f"srcad: {what}{where} is {_what_it_is(leaf)}; {_hint(leaf, expr)}"
                        f"{static}")


# ----- records: how a differentiated function sees dataclasses and registered classes -------
def record_items(x, node: type | None = None) -> dict:
    """What a differentiated function reads of a record, {attribute: value}: a dataclass's
    fields (static ones too), or a registered class's children, each under the name of the
    attribute that holds it (its index where none does: then no code can read it)."""
    node = node or type(x)
    if _HOOK not in node.__dict__:
        names, static = _layout(node)
        return {name: getattr(x, name) for name in names + static}
    attributes = _attributes(x)
    out = {}
    for i, item in enumerate(children(x, node)[0]):
        name = next((n for n, v in attributes.items() if v is item and n not in out), i)
        out[name] = item
    return out


def _attributes(x) -> dict:
    found = dict(getattr(x, "__dict__", {}))
    for cls in type(x).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in found and hasattr(x, name):
                found[name] = getattr(x, name)
    return found


def has_records(x) -> bool:
    """Whether the tree x holds a dataclass or a registered class anywhere."""
    node = node_type(x)
    if node is None:
        return False
    return is_record(node) or any(has_records(item) for item in children(x, node)[0])


class Fields(dict):
    """A record as the compiled derivative receives it: the dict of its fields, which knows
    the record's class, so that the kind of a helper's argument says it too."""

    __slots__ = ("node",)


def to_builtin(x):
    """x as the compiled derivative receives it: each record replaced by the `Fields` of its
    `record_items` (so `p.W` is read as `p['W']`), other containers kept."""
    node = node_type(x)
    if node is None:
        return x
    if is_record(node):
        fields = Fields((k, to_builtin(v)) for k, v in record_items(x, node).items())
        fields.node = node
        return fields
    if node is dict:
        return {k: to_builtin(v) for k, v in x.items()}
    items, keys = children(x, node)
    return _rebuild(node, [to_builtin(v) for v in items], keys)


def from_builtin(like, g):
    """The gradient g computed on `to_builtin(like)`, in like's own structure: records of
    like's classes again (a dataclass's static fields copied from like)."""
    node = node_type(like)
    if node is None or g is None:
        return g
    items, keys = children(like, node)
    if node is dict:
        return {k: from_builtin(v, g[k]) for k, v in like.items()}
    if is_record(node):
        names = keys[0] if _HOOK not in node.__dict__ else list(record_items(like, node))
        parts = [g[name] for name in names]
    else:
        parts = list(g)
    return _rebuild(node, [from_builtin(v, part) for v, part in zip(items, parts)], keys)
