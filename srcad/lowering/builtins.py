"""Lowering the builtins that mean something at transformation time (`range`, `zip`,
`enumerate`, `reversed`, `len`, `sum`, `max`/`min`, `float`, `list`/`tuple`; `isinstance`,
`type`, `hasattr` and `callable` in srcad/lowering/types.py) and the iteration of `for`
loops over them.

A `for` loop always becomes a loop over an index: `Iteration` says its bounds and how to
compute the element at an index (the index itself for a `range`, `seq[i]` for a sequence,
pairs for `zip` and `enumerate`, the mirrored index for `reversed`).
"""

import ast
import builtins
import functools
from dataclasses import dataclass, replace

import numpy as np

from .. import kinds as K
from .. import naming
from ..errors import PythonTypeError
from ..ir.builder import Builder
from ..ir.nodes import Block, Const, For, Var
from ..revolve import check_snapshots, checkpointed
from . import made_operators
from .dispatch import NOT_MINE
from .objects import MadeObject, iterated
from .selection import select_by_key
from .values import EnumerateValue, RangeValue, ReversedValue, StaticSeq, ZipValue


@dataclass
class Iteration:
    """A loop's index bounds and how to compute the element at an index."""
    bounds: tuple
    element: object          # (index var, builder) -> lowered value
    is_range: bool = False   # the element is the index itself
    snapshots: object = None  # srcad.checkpointed(..., snapshots=k): k (srcad/revolve.py)


@dataclass
class CheckpointedValue:
    """`srcad.checkpointed(iterable, snapshots=k)`: the iterable, its loop checkpointed."""
    iterable: object
    snapshots: object


class Builtins:
    """A part of the lowering `lw` of a function: calls of the builtins that mean something
    at transformation time, and how a `for` loop walks its iterable."""

    def __init__(self, lw):
        self.lw = lw

    # ----- builtins with meaning at transformation time --------------------------------------
    def call_range(self, node, args, kwargs, builder):
        atoms = [self.lw.atom(a, builder, node) for a in args]
        if not 1 <= len(atoms) <= 3 or kwargs:
            self.lw.refuse(node, "range() with these arguments")
        for a in atoms:     # Python raises here whether or not the loop's values are needed
            if isinstance(a, Var) and a.kind.is_float_scalar:
                raise PythonTypeError("'float' object cannot be interpreted as an integer "
                                      "(range() needs ints; write range(int(n)) if n is a "
                                      "whole float)", filename=self.lw.filename,
                                      line=getattr(node, "lineno", None),
                                      construct=self.lw.source_of(node))
        if len(atoms) == 1:
            atoms = [Const(0), atoms[0], Const(1)]
        elif len(atoms) == 2:
            atoms.append(Const(1))
        return RangeValue(*atoms)

    def call_checkpointed(self, node, args, kwargs, builder):
        """srcad.checkpointed(iterable, snapshots=k): marks the loop it is iterated by."""
        values = dict(zip(("iterable", "snapshots"), args), **kwargs)
        if set(values) - {"iterable", "snapshots"} or "iterable" not in values or \
                len(args) > 2:
            self.lw.refuse(node, "srcad.checkpointed() with these arguments; write "
                                 "srcad.checkpointed(range(n), snapshots=k)")
        snapshots = self.lw.atom(values.get("snapshots", Const(10)), builder, node)
        if isinstance(snapshots, Const):
            try:
                check_snapshots(snapshots.value)
            except (TypeError, ValueError) as err:
                self.lw.refuse(node, f"srcad.checkpointed(..., snapshots={snapshots.value!r}): "
                                     f"{err}; give a positive int, e.g. snapshots=10")
        return CheckpointedValue(values["iterable"], snapshots)

    def call_zip(self, node, args, kwargs, builder):
        return ZipValue(args)

    def call_enumerate(self, node, args, kwargs, builder):
        """enumerate(seq, start) or enumerate(seq, start=k)."""
        if not args or set(kwargs) - {"start"} or len(args) + len(kwargs) > 2:
            self.lw.refuse(node, "enumerate() with these arguments")
        start = args[1] if len(args) > 1 else kwargs.get("start", Const(0))
        return EnumerateValue(args[0], self.lw.atom(start, builder, node))

    def call_reversed(self, node, args, kwargs, builder):
        return ReversedValue(args[0])

    def call_list(self, node, args, kwargs, builder):
        """list(seq): dispatched by the callee object, so `builtins.list` or an alias is a list."""
        return self.call_sequence(node, args, kwargs, "list", builder)

    def call_tuple(self, node, args, kwargs, builder):
        """tuple(seq): dispatched by the callee object, like list()."""
        return self.call_sequence(node, args, kwargs, "tuple", builder)

    def call_sequence(self, node, args, kwargs, tag, builder):
        """list()/tuple(): a new literal of the items where they are known now."""
        if kwargs or len(args) > 1:
            self.lw.refuse(node, f"{tag}() with these arguments")
        if not args:
            return StaticSeq([], tag)
        if isinstance(args[0], StaticSeq):
            return StaticSeq(list(args[0].items), tag)
        return self.lw.calls.list_of_runtime(node, args[0], tag, builder)

    def call_next(self, node, args, kwargs, builder):
        """next(it), run as written; of a list, which a generator of the user's becomes
        (srcad/lowering/generators.py), refused."""
        seq = args[0] if args else None
        if isinstance(seq, StaticSeq) and seq.tag == "list" or \
                (isinstance(seq, Var) and seq.kind.tag == "list" or
                 isinstance(seq, Const) and isinstance(seq.value, list)):
            self.lw.refuse(node, "next() of a generator of yours (or of a list): srcad runs a "
                                 "generator to its end first, as the list of what it yields; "
                                 "take `list(gen)[0]`, or loop over it")
        return self.lw.opaque.opaque_call(node, next, args, kwargs, builder)

    def call_len(self, node, args, kwargs, builder):
        seq = args[0]
        if (made := made_operators.length(self.lw, node, seq, builder)) is not NOT_MINE:
            return made                                 # its class's __len__
        if isinstance(seq, StaticSeq):
            return Const(len(seq.items))
        if isinstance(seq, Var) and seq.kind.is_container and seq.kind.items is not None:
            return Const(len(seq.kind.items))
        if isinstance(seq, RangeValue):
            return self.lw.emit("range_len", [seq.start, seq.stop, seq.step], builder, node)
        return self.lw.emit("len", [self.lw.atom(seq, builder, node)], builder, node)

    def call_sum(self, node, args, kwargs, builder):
        if kwargs or not 1 <= len(args) <= 2:
            self.lw.refuse(node, "sum() with these arguments; write sum(items) or "
                                 "sum(items, start)")
        seq = args[0]
        total = self.lw.atom(args[1], builder, node) if len(args) > 1 else Const(0)
        if not isinstance(seq, StaticSeq):
            return self.sum_loop(node, self.lw.atom(seq, builder, node), total, builder)
        for item in seq.items:
            total = self.lw.emit("add", [total, self.lw.atom(item, builder, node)], builder, node)
        return total

    def sum_loop(self, node, seq, start, builder):
        """sum(seq) of a sequence whose length is known only at run time, as Python runs it:
        `total = start; for item in seq: total = total + item` (a list grown in a loop)."""
        n = self.lw.emit("len", [seq], builder, node)
        index, carry = Var(naming.LOOP_INDEX, K.INT), Var(naming.SUM, K.UNKNOWN)
        body = Builder(node.lineno, facts=builder.facts)
        item = self.lw.emit("getitem", [seq, index], body, node)
        total = self.lw.emit("add", [carry, item], body, node)
        out = Var(naming.SUM, K.UNKNOWN)
        builder.append(For(index, Const(0), n, Const(1), (start,), (carry,),
                           Block(body.stmts, (total,)), (out,), line=node.lineno))
        return out

    def call_minmax(self, node, args, kwargs, builder):
        prim = "maximum" if node.func.id == "max" else "minimum"
        if len(args) == 1 and isinstance(args[0], StaticSeq):
            args = args[0].items or [None]
        if set(kwargs) == {"key"} and len(args) >= 1 and args[0] is not None and \
                (len(args) >= 2 or isinstance(node.args[0], (ast.List, ast.Tuple))):
            return select_by_key(self.lw, node, args, kwargs["key"], node.func.id, builder)
        if "key" in kwargs:
            self.lw.refuse(node, f"{node.func.id}(..., key=...) of a sequence whose length is "
                                 "known only when the function runs; write the items out "
                                 f"(`{node.func.id}(a, b, key=f)`), or pick by index: "
                                 f"`xs[int(np.arg{prim[:3]}([f(v) for v in xs]))]`")
        if len(args) < 2 or kwargs:
            self.lw.refuse(node, f"{node.func.id}() of a runtime sequence; use np.{prim[:3]}")
        result = self.lw.atom(args[0], builder, node)
        for a in args[1:]:
            result = self.lw.emit(prim, [result, self.lw.atom(a, builder, node)], builder, node)
        return result

    def call_asarray(self, node, args, kwargs, builder):
        """np.asarray(a) of an array is `a` itself, the same object (a later `+=` on one
        changes the other, as in Python); of a list or number, or with a dtype, a new array."""
        source = args[0] if args else kwargs.get("a")
        if not (isinstance(source, Var) and source.kind.is_array):
            return self.lw.expressions.bind_and_emit("array", args, kwargs, builder, node)
        dtype = args[1] if len(args) > 1 else kwargs.get("dtype", Const(None))
        same = _same_dtype(dtype, source.kind.dtype)
        if same and len(args) + len(kwargs) <= 2:
            return source                   # np.asarray(x, dtype=float) of float64 x is x
        out = self.lw.expressions.bind_and_emit("array", args, kwargs, builder, node)
        if same is not False:
            self.lw.may_be(out, [source])      # NumPy may return x itself: no in-place update
        return out

    def call_float(self, node, args, kwargs, builder):
        atom = self.lw.atom(args[0], builder, node)
        if isinstance(atom, Const):
            return Const(float(atom.value))
        return self.lw.emit("to_float", [atom], builder, node)

    # ----- iteration -------------------------------------------------------------------------
    def iteration(self, node, env, builder):
        """How a for loop walks its iterable: index bounds and the element at an index."""
        value = self.lw.expr(node, env, builder)
        return self.iteration_of(node, value, builder)

    def iteration_of(self, node, value, builder):
        if isinstance(value, CheckpointedValue):
            return replace(self.iteration_of(node, value.iterable, builder),
                           snapshots=value.snapshots)
        if isinstance(value, RangeValue):
            return Iteration((value.start, value.stop, value.step), lambda i, b: i, True)
        if isinstance(value, EnumerateValue):
            inner = self.iteration_of(node, value.seq, builder)
            return Iteration(inner.bounds, lambda i, b: StaticSeq(
                [self.lw.emit("add", [value.start, i], b, node), inner.element(i, b)]))
        if isinstance(value, ZipValue):
            parts = [self.iteration_of(node, p, builder) for p in value.parts]
            stop = parts[0].bounds[1]
            for p in parts[1:]:
                stop = self.lw.emit("minimum", [stop, p.bounds[1]], builder, node)
            return Iteration((Const(0), stop, Const(1)),
                             lambda i, b: StaticSeq([p.element(i, b) for p in parts]))
        if isinstance(value, ReversedValue):
            inner = self.iteration_of(node, value.seq, builder)
            n = self.length_of(node, inner, builder)
            last = self.lw.emit("sub", [n, Const(1)], builder, node)
            return Iteration((Const(0), n, Const(1)), lambda i, b: inner.element(
                self.position(node, inner, self.lw.emit("sub", [last, i], b, node), b), b))
        if isinstance(value, MadeObject):
            return self.iteration_of(node, iterated(self.lw, node, value, builder), builder)
        seq = self.lw.atom(value, builder, node)
        if seq.kind.tag == "dict" or isinstance(seq, Const) and isinstance(seq.value, dict):
            keys = self.lw.container_methods.keys_of(node, seq, builder)
            return self.iteration_of(node, keys, builder)
        n = self.lw.emit("len", [seq], builder, node)
        return Iteration((Const(0), n, Const(1)),
                         lambda i, b: self.lw.emit("getitem", [seq, i], b, node))

    def length_of(self, node, iteration, builder):
        start, stop, step = iteration.bounds
        if isinstance(start, Const) and start.value == 0 and isinstance(step, Const) and \
                step.value == 1:
            return stop
        return self.lw.emit("range_len", [start, stop, step], builder, node)

    def position(self, node, iteration, k, builder):
        """The loop index that visits the k-th element (k counted from 0)."""
        start, _, step = iteration.bounds
        offset = self.lw.emit("mul", [k, step], builder, node)
        return self.lw.emit("add", [start, offset], builder, node)


SPECIAL_CALLS = {range: "call_range", zip: "call_zip", enumerate: "call_enumerate",
                  reversed: "call_reversed", list: "call_list", tuple: "call_tuple",
                  len: "call_len", isinstance: "call_isinstance", builtins.sum: "call_sum",
                  max: "call_minmax", min: "call_minmax", float: "call_float",
                  np.asarray: "call_asarray", np.asanyarray: "call_asarray",
                  sorted: "call_sorted", dict: "call_dict", np.finfo: "call_finfo",
                  np.iinfo: "call_iinfo", np.dtype: "call_dtype",
                  getattr: "call_getattr", checkpointed: "call_checkpointed",
                  type: "call_type", hasattr: "call_hasattr", callable: "call_callable",
                  next: "call_next", map: "call_map", functools.reduce: "call_reduce"}


def _same_dtype(dtype, kind_dtype):
    """Whether np.asarray's `dtype` argument is the array's own dtype: True, False, or None
    when that is not known now."""
    if not isinstance(dtype, Const):
        return None
    if dtype.value is None:
        return True
    try:
        return kind_dtype is not None and np.dtype(dtype.value) == np.dtype(kind_dtype)
    except TypeError:
        return None
