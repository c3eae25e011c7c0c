"""Writes through the transpose of a named array: `D.T[i] = v` and `D.T[i] op= v`; and the
refusal of a write that a view assigned after it in the same statement would show.

`D.T` is a view of D, so Python's write changes D: `D.T[:] -= x` subtracts x from D's
columns (as pairwise-difference code writes it). Lowered as the write into the transpose,
transposed back: `D = transpose(setitem(transpose(D), i, v))`, under the same checks as a
write into D itself (D must be the function's own or an argument srcad follows, and no other
name that is read again may show it).

`B[:, 0], B[:, 1] = B[:, 1], B[:, 0]`: Python evaluates both views first, then assigns left
to right, so the second view shows column 0 already overwritten and the "swap" copies
column 1 onto column 0. srcad's values are what the views held when read, so it refuses the
statement at the line and asks for copies on the right.
"""

import ast

from ..errors import PythonValueError
from ..ir.nodes import Const, Var
from .containers import RuntimeLength
from .dispatch import NOT_MINE
from .values import EnumerateValue, ReversedValue, StaticSeq, ZipValue, from_python

_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}


class ViewWrites:
    """A part of the lowering `lw` of a function: writes through a view (`D.T[i] = v`), and
    unpacking that a view assigned later in the same statement would see, and unpacking's
    length, checked as Python checks it (its `view_writes`)."""

    def __init__(self, lw):
        self.lw = lw

    def unpackable(self, value, target, builder):
        """`value` as the StaticSeq a tuple target unpacks, where its items are known now: a
        constant list or tuple, or zip / enumerate / reversed of sequences of known length
        (`a, b = zip(*pairs)`); else as it is."""
        if isinstance(value, Const) and type(value.value) in (list, tuple):
            return StaticSeq([from_python(v) for v in value.value])
        if isinstance(value, (ZipValue, EnumerateValue, ReversedValue)):
            try:
                return StaticSeq(self.lw.containers.static_items(target, value, builder))
            except RuntimeLength:
                return value
        return value

    def unpacked_items(self, value, target, env, builder):
        """The items of `value` for the targets of `target`, refused where a later item is a
        view of an array an earlier target writes into (below)."""
        items = self.unpack(value, len(target.elts), target, builder)
        self.refuse_view_of_written(target, items, env, builder)
        return items

    def check_unpacked_length(self, atom, n, node):
        """`a, b = seq` with a seq of another length raises, as Python does when it runs."""
        items = atom.kind.items if atom.kind.tag in ("list", "tuple") else None
        if items is not None and len(items) != n:
            too = "too many" if len(items) > n else "not enough"
            raise PythonValueError(f"{too} values to unpack (expected {n}, got {len(items)}), "
                                   "as Python raises when the function runs",
                                   filename=self.lw.filename, line=node.lineno,
                                   construct=f"{self.lw.source_of(node)} = ...")

    def unpack(self, value, n, node, builder):
        if isinstance(value, StaticSeq):
            if len(value.items) != n:
                too = "too many" if len(value.items) > n else "not enough"
                raise PythonValueError(f"{too} values to unpack (expected {n}, got "
                                       f"{len(value.items)}), as Python raises when the "
                                       "function runs", filename=self.lw.filename,
                                       line=node.lineno, construct=self.lw.source_of(node))
            return value.items
        atom = self.lw.atom(value, builder, node)
        return [builder.emit("getitem", atom, Const(i)) for i in range(n)]

    def refuse_view_of_written(self, target, items, env, builder):
        """`B[i], B[j] = B[j], B[i]` where a later value is a view of an array an earlier
        target writes into: Python's view would show the write."""
        for k, written in enumerate(target.elts):
            if not (isinstance(written, ast.Subscript) and isinstance(written.value, ast.Name)
                    and isinstance(env.get(written.value.id), Var)):
                continue
            name = written.value.id
            same = self.lw.stores.same_objects(env[name])
            if any(_basic_view(builder, item, same) for item in items[k + 1:]):
                self.lw.refuse(written, f"`{ast.unparse(written)} = ...` writes into '{name}', "
                                        "and a value assigned after it in the same statement is "
                                        f"a view of '{name}' (a slice or row of it): Python "
                                        "assigns left to right, so that view already shows the "
                                        "write (a swap through views copies one side onto the "
                                        "other); take copies on the right "
                                        f"(`{name}[...].copy()`)")

    def update_transposed_item(self, node, env, builder):
        """The update_item handler (lowering/dispatch.py) of `name.T[i] op= v`."""
        if self.write_through_transpose(node.target, node.op, node.value, env, builder):
            return None
        return NOT_MINE

    def store_transposed_item(self, target, value, env, builder):
        """The store_item handler (lowering/dispatch.py) of `name.T[i] = v`."""
        if self.write_through_transpose(target, None, value, env, builder):
            return None
        return NOT_MINE

    def write_through_transpose(self, target, op, value, env, builder):
        """`name.T[index] = value` (op None, value lowered) or `name.T[index] op= value` on
        an array `name`: True when lowered here, False for anything else."""
        view = target.value
        if not (isinstance(view, ast.Attribute) and view.attr == "T" and
                isinstance(view.value, ast.Name)):
            return False
        name = view.value.id
        array = env.get(name)
        if not (isinstance(array, Var) and array.kind.is_array):
            return False
        argument = self.lw.caller_arrays.written_argument(array)
        self.lw.refuse_foreign_write(target, name, array, env,
                                     "" if op is None else _SYMBOLS.get(type(op), "?"))
        flipped = self.lw.emit("transpose", [self.lw.atom(array, builder, target), Const(None)],
                               builder, target)
        written = self.lw.writes.store_through(f"{name}.T", flipped, target, op, value, env,
                                               builder)
        new = self.lw.emit("transpose", [self.lw.atom(written, builder, target), Const(None)],
                           builder, target)
        self.lw.views.discard(new)          # D itself again, not a view of the written transpose
        self.lw.view_base.pop(new, None)
        self.lw.writes.owned.add(new)
        self.lw.assign(ast.Name(name, ast.Store()), new, env, builder)
        if argument is not None:
            self.lw.caller_arrays.note_version(argument, env[name], target, builder)
        return True


def _basic_view(builder, item, same):
    """Whether `item` is an array `base[index]` taken here with a basic index (ints, slices:
    a view, not a copy) of an object in `same`."""
    eqn = builder.defined_by.get(item) if isinstance(item, Var) else None
    if eqn is None or eqn.prim != "getitem" or not (item.kind.is_array and item.kind.ndim):
        return False
    index = eqn.args[1]
    if isinstance(index, Const):
        parts = index.value if isinstance(index.value, tuple) else (index.value,)
        basic = all(isinstance(p, (int, slice, type(None), type(Ellipsis))) and
                    not isinstance(p, bool) for p in parts)
    else:
        kinds = index.kind.items if index.kind.tag == "tuple" else (index.kind,)
        basic = kinds is not None and all(k.tag in ("int", "slice", "none", "ellipsis")
                                          for k in kinds)
    return basic and any(eqn.args[0] is s for s in same)
