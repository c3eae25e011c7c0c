"""Lowering element and slice writes into arrays: `x[i] = v` and `x[i] op= v`.

Each becomes a new version of the array bound to the same name, `x = setitem(x, i, v)` (or
`iadd_at`, `isub_at`, `imul_at`, `idiv_at`; srcad/rules/writes.py). That is what Python
computes where the array is the function's own: made in the function (`np.zeros`, an
arithmetic result, `x.copy()`), and reached by no other name, view or container that is read
again. Anything else would change an object srcad does not see change (the caller's
argument, a global, the array another name or a view still shows), so it is refused at the
user's line, with the rewrite that works: copy the array first.
"""

import ast

from . import aliasing
from .ir import Var
from .lower_stores import describe_holders
from .values import StaticSeq

_UPDATES = {ast.Add: "iadd_at", ast.Sub: "isub_at", ast.Mult: "imul_at", ast.Div: "idiv_at"}
_BINOPS = {ast.Pow: "pow", ast.FloorDiv: "floor_divide", ast.Mod: "mod", ast.MatMult: "matmul"}
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}


class WriteLowering:
    """Mixin for Lowering: needs expr, index, atom, emit, assign, refuse, holders,
    same_objects and origins (StoreLowering, ExpressionLowering)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owned = set()           # arrays made in the function: it may write into them

    def store_into_array(self, target, op, value, env, builder, checked=False):
        """`name[index] = value` (op None: `value` is lowered already) or
        `name[index] op= value` (op an ast operator, `value` an expression node)."""
        name = target.value.id
        array = env[name]
        symbol = "" if op is None else _SYMBOLS.get(type(op), "?")
        if not checked:
            self.refuse_foreign_write(target, name, array, env, symbol)
        atom = self.atom(array, builder, target)
        index = self.index(target.slice, env, builder)
        if op is None:
            new = self.emit("setitem", [atom, index, self.atom(value, builder, target)],
                            builder, target)
        else:
            update = self.atom(self.expr(value, env, builder), builder, target)
            if type(op) in _UPDATES:
                new = self.emit(_UPDATES[type(op)], [atom, index, update], builder, target)
            else:                    # x[i] **= v: x[i] = x[i] ** v
                old = self.emit("getitem", [atom, index], builder, target)
                combined = self.emit(_BINOPS[type(op)], [old, update], builder, target)
                new = self.emit("setitem", [atom, index, combined], builder, target)
        self.assign(ast.Name(name, ast.Store()), new, env, builder)

    def is_item_of_container(self, node, env):
        """Whether `node` is `c[k]` for a list or dict `c` the function names."""
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
            return False
        container = env.get(node.value.id)
        tag = container.tag if isinstance(container, StaticSeq) else \
            getattr(getattr(container, "kind", None), "tag", None)
        return tag in ("list", "dict")

    def store_into_item(self, target, op, value, env, builder):
        """`c[k][index] = value` (or `op=`) on an array that the list or dict `c` holds: the
        array gets the new version, and c the new array at k. Python changes the array that
        c holds, so every array c holds must be the function's own, held by nothing else."""
        holder = target.value
        name = holder.value.id
        for item in self.reach(env[name]):
            if isinstance(item, Var) and item.kind.tag not in ("list", "dict", "tuple") and \
                    _may_be_array(item):
                self.refuse_foreign_write(target, f"{name}[...]", item, env, "", name)
        array = self.expr(holder, env, builder)
        scratch = f"{name}[...]"
        inner = dict(env, **{scratch: array})
        self.store_into_array(ast.Subscript(ast.Name(scratch, ast.Load()), target.slice,
                                            ast.Store(), lineno=target.lineno,
                                            col_offset=target.col_offset),
                              op, value, inner, builder, checked=True)
        self.store_item(holder, inner[scratch], env, builder)

    def update_item(self, node, env, builder):
        """`target[index] op= value`: on an array, an update in place; on a list or dict
        item, `target[index] = target[index] op value`."""
        target = node.target
        if self.is_item_of_container(target.value, env):
            return self.store_into_item(target, node.op, node.value, env, builder)
        base = env.get(target.value.id) if isinstance(target.value, ast.Name) else None
        if isinstance(base, Var) and (base.kind.is_array or base.kind.tag in ("unknown",
                                                                             "other")):
            return self.store_into_array(target, node.op, node.value, env, builder)
        self.refuse(node, "in-place update of an element (`x[i] += ...`) of something that "
                          "is not an array the function names; write `x[i] = x[i] + ...` "
                          "for a list or dict")

    def refuse_foreign_write(self, node, name, array, env, symbol, holder=None):
        """Refuse a write into an array that is not the function's own, or that another
        name, view or container (but `holder`) still shows and reads again."""
        write = f"`{name}[...] {symbol}= ...`"
        foreign = [s for s in self.same_objects(array)
                   if not self.origins.get(s) and s not in self.owned]
        if foreign:
            params = {a.arg for a in getattr(self.parsed.node, "args", None) and
                      self.parsed.node.args.args + self.parsed.node.args.kwonlyargs or ()}
            what = f"the argument '{name}'" if name in params and array in foreign else \
                "an argument, a global, a view of one, an item of a container or a helper's " \
                "result"
            self.refuse(node, f"{write} writes into an array the function did not make "
                              f"({what}): Python would change it where the caller or "
                              f"another name sees it too; copy it first, "
                              f"`{name} = {name}.copy()`, then write into the copy")
        holders = [h for h in self.holders(array, env, None, holder or name) if h != holder]
        if holders and aliasing.may_read_again(self.parsed.node, node, holders):
            self.refuse(node, f"{write} on {describe_holders(holders)}, read again "
                              f"after: Python would change both; copy it first, "
                              f"`{name} = {name}.copy()`, then write into the copy")


def _may_be_array(value):
    return value.kind.is_array or value.kind.tag in ("unknown", "other")
