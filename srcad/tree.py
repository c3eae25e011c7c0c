"""Nested containers of arrays ("pytrees"): flatten them, rebuild them, map over them.

A gradient has the structure of its argument: a float for a float, an array of the same
shape and dtype for an array, and the same nesting for a list / tuple / dict of those.
This module lets the rest of srcad treat such an argument as a flat list of leaves plus a
`TreeDef` describing the nesting:

    leaves, treedef = flatten({"W": W, "b": [b1, b2]})   # [W, b1, b2], {'W': *, 'b': [*, *]}
    unflatten(treedef, [2 * leaf for leaf in leaves])    # the same nesting again

Containers are `list`, `tuple` (namedtuples included) and `dict` (keys in insertion
order); everything else is a leaf: floats, ints, NumPy arrays and scalars, None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CONTAINERS = (list, tuple, dict)


@dataclass(frozen=True)
class TreeDef:
    """The nesting of a tree without its leaves; immutable and hashable.

    `node` is the container type (list, tuple, dict, a namedtuple class) or None for a leaf;
    `keys` are a dict's keys in order; `children` are the TreeDefs of the items.
    """

    node: type | None = None
    children: tuple[TreeDef, ...] = ()
    keys: tuple = ()

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
        fields = ", ".join(f"{k}={s}" for k, s in zip(self.node._fields, items))
        return f"{self.node.__name__}({fields})"

    def __repr__(self) -> str:
        return f"TreeDef({self})"


LEAF = TreeDef()


def node_type(x) -> type | None:
    """The container type of x (list, tuple, dict or a namedtuple class), None for a leaf."""
    kind = type(x)
    if kind in _CONTAINERS:
        return kind
    if isinstance(x, tuple) and hasattr(kind, "_fields"):
        return kind
    return None


def _items(x) -> list:
    """The children of a container, dict values in insertion order."""
    return list(x.values()) if isinstance(x, dict) else list(x)


def _rebuild(node: type, children: list, keys: tuple = ()):
    """A container of type node holding children (under keys, for a dict)."""
    if node is dict:
        return dict(zip(keys, children))
    if node in (list, tuple):
        return node(children)
    return node(*children)


def flatten(x) -> tuple[list, TreeDef]:
    """Split x into its leaves (depth first, left to right) and its structure."""
    node = node_type(x)
    if node is None:
        return [x], LEAF
    leaves, children = [], []
    for item in _items(x):
        item_leaves, item_def = flatten(item)
        leaves.extend(item_leaves)
        children.append(item_def)
    keys = tuple(x) if node is dict else ()
    return leaves, TreeDef(node, tuple(children), keys)


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


def _step(node: type, i: int, key=None) -> str:
    """How a path names item i (a dict's under key): "[0]", "['W']", ".x" for a namedtuple."""
    if node is dict:
        return f"[{key!r}]"
    return f"[{i}]" if node in (list, tuple) else f".{node._fields[i]}"


def paths(treedef: TreeDef) -> list[str]:
    """Each leaf's location as an indexing suffix, in flatten order: "[0]['W']", ".x", ""."""
    if treedef.node is None:
        return [""]
    keys = treedef.keys or [None] * len(treedef.children)
    steps = [_step(treedef.node, i, key) for i, key in enumerate(keys)]
    return [step + rest for step, child in zip(steps, treedef.children) for rest in paths(child)]


def _describe(x) -> str:
    """How a mismatch message names x: 'a list of 3 items', "a dict with keys ['W']"."""
    node = node_type(x)
    if node is None:
        return f"a leaf ({type(x).__name__})"
    if node is dict:
        return f"a dict with keys {list(x)}"
    return f"a {node.__name__} of {len(x)} item{'' if len(x) == 1 else 's'}"


def _same_node(ref, other) -> bool:
    """Whether other is the same kind of container as ref (dicts: the same keys, any order)."""
    node = node_type(ref)
    if node is not node_type(other):
        return False
    if node is dict:
        return ref.keys() == other.keys()
    return node is None or len(ref) == len(other)


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
    children = [_map(fn, items, path + _step(node, i)) for i, items in enumerate(zip(*trees))]
    return _rebuild(node, children)


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
    if isinstance(v, np.ndarray):
        return v.dtype.kind == "f"
    return isinstance(v, (float, np.floating))


def leaf_kind(v) -> tuple:
    """The kind of a leaf, for cache keys: ("float",), ("array", ndim, dtype.str), ..."""
    if isinstance(v, np.ndarray):
        return ("array", v.ndim, v.dtype.str)
    if isinstance(v, np.generic):
        return ("scalar", v.dtype.str)
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
    """Raise TypeError unless every leaf of x is a float (see `is_float_leaf`).

    `what` names x in the message ("argument 'x' of f"); `name`, when given, is the
    expression the fix suggests ("pass x.astype(float)"). The message says which leaf
    of a nested x is at fault.
    """
    leaves, treedef = flatten(x)
    for leaf, path in zip(leaves, paths(treedef)):
        if is_float_leaf(leaf):
            continue
        expr = name + path if name else None
        where = f" at {name or ''}{path}" if path else ""
        raise TypeError(f"srcad: {what}{where} is {_what_it_is(leaf)}; {_hint(leaf, expr)}")
