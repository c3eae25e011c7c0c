"""Writes through the transpose of a named array: `D.T[i] = v` and `D.T[i] op= v`.

`D.T` is a view of D, so Python's write changes D: `D.T[:] -= x` subtracts x from D's
columns (as pairwise-difference code writes it). Lowered as the write into the transpose,
transposed back: `D = transpose(setitem(transpose(D), i, v))`, under the same checks as a
write into D itself (D must be the function's own or an argument srcad follows, and no other
name that is read again may show it).
"""

import ast

from ..ir.nodes import Const, Var
from .dispatch import NOT_MINE

_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}


class TransposedWriteLowering:
    """Mixin for Lowering, before the others: needs emit, atom, assign, store_through,
    refuse_foreign_write, written_argument, note_version, owned and views (WriteLowering,
    ArgumentWriteLowering, ExpressionLowering)."""

    def update_transposed_item(self, node, env, builder):
        """The update_item handler (lowering/dispatch.py) of `name.T[i] op= v`."""
        if self.write_through_transpose(node.target, node.op, node.value, env, builder):
            return None
        return NOT_MINE

    def store_item(self, target, value, env, builder):
        if self.write_through_transpose(target, None, value, env, builder):
            return None
        return super().store_item(target, value, env, builder)

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
        argument = self.written_argument(array)
        self.refuse_foreign_write(target, name, array, env,
                                  "" if op is None else _SYMBOLS.get(type(op), "?"))
        flipped = self.emit("transpose", [self.atom(array, builder, target), Const(None)],
                            builder, target)
        written = self.store_through(f"{name}.T", flipped, target, op, value, env, builder)
        new = self.emit("transpose", [self.atom(written, builder, target), Const(None)],
                        builder, target)
        self.views.discard(new)          # D itself again, not a view of the written transpose
        self.view_base.pop(new, None)
        self.owned.add(new)
        self.assign(ast.Name(name, ast.Store()), new, env, builder)
        if argument is not None:
            self.note_version(argument, env[name], target, builder)
        return True
