"""Lowering what a call or an attribute means before any rule is looked up.

- `*args` in a call: the items of a sequence whose length is known now are passed one by one
  (`x.reshape(*shape)`, `zip(*pairs)`, `rng.rand(*x.shape)`).
- Attributes the kinds answer: `x.ndim` and `x.dtype` of an array are constants of the
  specialisation (a compiled derivative is specialised on ndim and dtype); `x.shape`, `x.T`
  and the other array attributes are primitives.
- `np.finfo`, `np.iinfo` and `np.dtype` of constants are constants (other calls with no
  rule run as written: srcad/lowering/effects.py).
- `sorted`, `dict` and `list` of containers, with their items where those are known now.
"""

from functools import partialmethod

import numpy as np

from .. import kinds as K
from ..ir.nodes import Const, Var
from .methods import container_tag, known_keys
from .stores import NewObject
from ..rules import ATTRIBUTES
from .values import RangeValue, StaticSeq, from_python


class Calls:
    """A part of the lowering `lw` of a function: a call's arguments, the attributes of
    values it computes, and `sorted`, `dict`, `list`, `np.finfo` (its `call_*` methods,
    found by dispatch.special_call)."""

    def __init__(self, lw):
        self.lw = lw

    # ----- *args -----------------------------------------------------------------------------
    def call_args(self, node, env, builder):
        """The positional arguments of a call, the items of each `*seq` spliced in."""
        args = []
        for a in node.args:
            if type(a).__name__ != "Starred":
                args.append(self.lw.expr(a, env, builder))
                continue
            value = self.lw.expr(a.value, env, builder)
            if isinstance(value, StaticSeq):
                args.extend(value.items)
                continue
            atom = self.lw.atom(value, builder, a)
            if isinstance(atom, Const) and isinstance(atom.value, (list, tuple)):
                args.extend(from_python(v) for v in atom.value)
            elif atom.kind.tag in ("list", "tuple") and atom.kind.items is not None:
                args.extend(self.lw.emit("getitem", [atom, Const(k)], builder, a)
                            for k in range(len(atom.kind.items)))
            else:
                self.lw.refuse(a, "*args of a sequence whose length is known only at run time; "
                                  "pass the arguments one by one")
        return args

    # ----- **kwargs --------------------------------------------------------------------------
    def call_kwargs(self, node, env, builder):
        """The keyword arguments of a call, in Python's order, the items of each `**mapping`
        spliced in: a dict whose keys are known now (a literal, dict(...), a dict argument
        whose kind lists its keys)."""
        kwargs = {}
        for k in node.keywords:
            if k.arg is not None:
                pairs = [(k.arg, self.lw.expr(k.value, env, builder))]
            else:
                mapping = self.lw.expr(k.value, env, builder)
                keys, values = self.dict_pairs(k.value, mapping, builder) \
                    if container_tag(mapping) == "dict" else (None, None)
                if keys is None or not all(isinstance(key.value, str) for key in keys):
                    self.lw.refuse(k.value, "**mapping of a dict whose string keys are known "
                                            "only at run time; pass the keyword arguments one "
                                            "by one")
                pairs = [(key.value, v) for key, v in zip(keys, values)]
            for name, value in pairs:
                if name in kwargs:
                    self.lw.refuse(node, f"the keyword argument {name}= given twice; Python "
                                         "raises TypeError")
                kwargs[name] = value
        return kwargs

    # ----- attributes ------------------------------------------------------------------------
    def runtime_attribute(self, node, atom, builder):
        """`value.name` for a value computed by the function."""
        kind = atom.kind
        if node.attr == "ndim" and kind.is_array:
            return Const(kind.ndim)
        if node.attr == "dtype" and kind.is_array and kind.dtype is not None:
            return Const(np.dtype(kind.dtype), "dtype")
        field = K.field_key(kind, node.attr)        # a namedtuple's or a record's field
        prim = "getitem" if field is not None else ATTRIBUTES.get(node.attr)
        if prim is None and (kind.tag == "other" or atom in self.lw.opaque.instances):
            return self.lw.emit("attr", [atom, Const(node.attr)], builder, node)
        if prim is None:
            self.lw.refuse(node, K.attribute_problem(kind, node.attr))
        if prim in ("transpose", "getitem"):       # x.T is transpose(x, None)
            return self.lw.emit(prim, [atom, Const(field)], builder, node)
        return self.lw.emit(prim, [atom], builder, node)

    # ----- np.finfo, np.iinfo, np.dtype: constants of constants ---------------------------
    def type_info(self, fn, node, args, kwargs, builder):
        """np.finfo(x.dtype).eps: a constant where the dtype is one (the kinds say it), else
        the call runs as written (srcad/lowering/effects.py)."""
        atoms = [self.lw.atom(a, builder, node) for a in args]
        if not kwargs and all(isinstance(a, Const) for a in atoms):
            return Const(fn(*[a.value for a in atoms]), fn.__name__)
        return self.lw.opaque.opaque_call(node, fn, args, kwargs, builder)

    call_finfo = partialmethod(type_info, np.finfo)
    call_iinfo = partialmethod(type_info, np.iinfo)
    call_dtype = partialmethod(type_info, np.dtype)

    def range_atom(self, value, builder, node):
        """A `range` used as a value (`x[range(1, n)]`): the list of its ints."""
        bounds = [self.lw.atom(b, builder, node) for b in (value.start, value.stop, value.step)]
        if all(isinstance(b, Const) for b in bounds):
            return Const(list(range(*[b.value for b in bounds])))
        return self.lw.emit("range_list", bounds, builder, node)

    # ----- sorted, dict, list ----------------------------------------------------------------
    def sorted_items(self, node, args, kwargs, builder):
        if len(args) != 1 or not all(isinstance(v, Const) for v in kwargs.values()):
            self.lw.refuse(node, "sorted() with these arguments; sort a list of constants or "
                                 "of a dict's keys")
        options = {k: v.value for k, v in kwargs.items()}
        value = args[0]
        if container_tag(value) == "dict" or isinstance(value, Var) and \
                value.kind.tag == "dict":
            value = self.lw.container_methods.keys_of(node, value, builder)
        if isinstance(value, StaticSeq) and all(isinstance(v, Const) for v in value.items):
            return Const(sorted((v.value for v in value.items), **options))
        atom = self.lw.atom(value, builder, node)
        if isinstance(atom, Const):
            return Const(sorted(atom.value, **options))
        if options:
            self.lw.refuse(node, "sorted() with keyword arguments (key=, reverse=) of a sequence "
                                 "whose values are known only at run time; sort an array: "
                                 "`np.sort(np.array(xs))[::-1]` for reverse=True, "
                                 "`np.array(xs)[np.argsort(keys)]` for a key")
        return self.lw.emit("sorted", [atom], builder, node)

    def call_dict(self, node, args, kwargs, builder):
        """dict(mapping), dict(pairs) with constant keys, dict(k=v, ...)."""
        if len(args) > 1:
            self.lw.refuse(node, "dict() with more than one positional argument")
        keys, values = [], []
        if args:
            keys, values = self.dict_pairs(node, args[0], builder)
            if keys is None:
                if kwargs:
                    self.lw.refuse(node, "dict(mapping, k=v) of a dict whose keys are known "
                                         "only at run time")
                return self.lw.container_methods.new_container(node, args[0], builder)
        for k, v in kwargs.items():          # as dict.update: a key it has keeps its place
            at = next((j for j, key in enumerate(keys) if key.value == k), None)
            keys, values = (keys + [Const(k)], values + [v]) if at is None else \
                (keys, values[:at] + [v] + values[at + 1:])
        atoms = [self.lw.atom(v, builder, node) for v in values]
        return self.lw.containers.make_dict(node, keys, atoms, builder)

    def dict_pairs(self, node, value, builder):
        """The constant keys and the values of dict(value); (None, None) for a dict whose
        keys are known only at run time."""
        if container_tag(value) == "dict":
            keys = known_keys(value)
            if keys is None:
                return None, None
            item = self.lw.container_methods.dict_item
            return [Const(k) for k in keys], [item(node, value, Const(k), builder)
                                              for k in keys]
        pairs = self.lw.containers.static_items(node, value, builder)
        keys, values = [], []
        for pair in pairs:
            items = pair.items if isinstance(pair, StaticSeq) else None
            if items is None or len(items) != 2:
                self.lw.refuse(node, "dict() of items that are not (key, value) pairs known now")
            key = self.lw.atom(items[0], builder, node)
            if not isinstance(key, Const):
                self.lw.refuse(node, "a dict whose keys are computed at run time")
            keys, values = [k for k in keys if k.value != key.value] + [key], \
                [v for k, v in zip(keys, values) if k.value != key.value] + [items[1]]
        return keys, values

    def list_of_runtime(self, node, value, tag, builder):
        """list(value) / tuple(value) of a value that is not a literal."""
        if isinstance(value, RangeValue):
            return self.range_atom(value, builder, node)
        if container_tag(value) == "dict" or isinstance(value, Var) and \
                value.kind.tag == "dict":
            keys = self.lw.container_methods.keys_of(node, value, builder)
            return keys if tag == "list" or not isinstance(keys, StaticSeq) else \
                StaticSeq(keys.items, tag)
        if not isinstance(value, (Var, Const)):
            return StaticSeq(self.lw.containers.static_items(node, value, builder), tag)
        atom = self.lw.atom(value, builder, node)
        if isinstance(atom, Const) and isinstance(atom.value, (list, tuple, str, range)):
            return Const((list if tag == "list" else tuple)(atom.value))
        kind = atom.kind
        if kind.tag in ("list", "tuple") and kind.items is not None:
            return StaticSeq([self.lw.emit("getitem", [atom, Const(k)], builder, node)
                              for k in range(len(kind.items))], tag)
        if kind.tag == tag:
            return NewObject(atom) if tag == "list" else atom
        self.lw.refuse(node, f"{tag}() of a value whose length is known only at run time; "
                             f"write a comprehension `[v for v in xs]`")

