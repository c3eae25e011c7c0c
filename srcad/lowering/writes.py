"""Lowering element and slice writes into arrays: `x[i] = v` and `x[i] op= v`.

Each becomes a new version of the array bound to the same name, `x = setitem(x, i, v)` (or
`iadd_at`, `isub_at`, `imul_at`, `idiv_at`; srcad/rules/writes.py). That is what Python
computes where the array is the function's own: made in the function (`np.zeros`, an
arithmetic result, `x.copy()`), and reached by no other name, view or container that is read
again. A write into an array the caller passed is followed too (srcad/lowering/
argument_writes.py). Anything else would change an object srcad does not see change (a global,
a view, the array another name still shows), so it is refused at the user's line, with the
rewrite that works.
"""

import ast

from . import aliasing
from ..ir.nodes import Var
from .dispatch import NOT_MINE
from .stores import describe_holders
from ..frontend.syntax import fix_missing_locations
from .values import RangeValue, StaticSeq

_UPDATES = {ast.Add: "iadd_at", ast.Sub: "isub_at", ast.Mult: "imul_at", ast.Div: "idiv_at"}
_BINOPS = {ast.Pow: "pow", ast.FloorDiv: "floor_divide", ast.Mod: "mod", ast.MatMult: "matmul"}
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}


class Writes:
    """A part of the lowering `lw` of a function: element and slice writes into arrays, and
    the arrays it may write into (`owned`; its `writes`)."""

    def __init__(self, lw):
        self.lw = lw
        self.owned = set()           # arrays made in the function: it may write into them

    def write_into_array(self, target, op, value, env, builder, checked=False):
        """`name[index] = value` (op None: `value` is lowered already) or
        `name[index] op= value` (op an ast operator, `value` an expression node): the step
        of store_into_array (lowering/dispatch.py) that lowers the write."""
        name = target.value.id
        array = env[name]
        symbol = "" if op is None else _SYMBOLS.get(type(op), "?")
        if not checked:
            self.lw.refuse_foreign_write(target, name, array, env, symbol)
        atom = self.lw.atom(array, builder, target)
        index = self.lw.index(target.slice, env, builder)
        if op is None:
            new = self.lw.emit("setitem", [atom, index, self.lw.atom(value, builder, target)],
                            builder, target)
        else:
            update = self.lw.atom(self.lw.expr(value, env, builder), builder, target)
            if type(op) in _UPDATES:
                new = self.lw.emit(_UPDATES[type(op)], [atom, index, update], builder, target)
            else:                    # x[i] **= v: x[i] = x[i] ** v
                old = self.lw.emit("getitem", [atom, index], builder, target)
                combined = self.lw.emit(_BINOPS[type(op)], [old, update], builder, target)
                new = self.lw.emit("setitem", [atom, index, combined], builder, target)
        self.lw.assign(ast.Name(name, ast.Store()), new, env, builder)

    def is_item_of_container(self, node, env):
        """Whether `node` is `c[k]` for a list or dict `c` the function names."""
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
            return False
        container = env.get(node.value.id)
        tag = container.tag if isinstance(container, StaticSeq) else \
            getattr(getattr(container, "kind", None), "tag", None)
        return tag in ("list", "dict")

    def store_into_held_item(self, target, op, value, env, builder):
        """`c[k][index] = value` (or `op=`) on an array that the list or dict `c` holds: the
        array gets the new version, and c the new array at k. Python changes the array that
        c holds, so every array c holds must be the function's own, held by nothing else."""
        holder = target.value
        name = holder.value.id
        array = self.lw.expr(holder, env, builder)
        refuse_repeated(self.lw, target, f"{ast.unparse(target)} = ...", name, env[name],
                        array)
        items = self.lw.stores.reach(env[name]) if self.made_here(env[name]) else [array]
        for item in items:
            if isinstance(item, Var) and item.kind.tag not in ("list", "dict", "tuple") and \
                    _may_be_array(item):
                self.lw.refuse_foreign_write(target, f"{name}[...]", item, env, "", name)
        new = self.store_through(f"{name}[...]", array, target, op, value, env, builder)
        self.lw.store_item(holder, new, env, builder)

    def store_through(self, scratch, array, target, op, value, env, builder):
        """`target[index] op= value` into `array`, reached through a container or an
        attribute (`target.value`), lowered under the name `scratch`: the array after it."""
        inner = dict(env, **{scratch: array})
        self.lw.store_into_array(ast.Subscript(ast.Name(scratch, ast.Load()), target.slice,
                                               ast.Store(), lineno=target.lineno,
                                               col_offset=target.col_offset),
                                 op, value, inner, builder, checked=True)
        return inner[scratch]

    def update_any_item(self, node, env, builder):
        """`target[index] op= value`: on an array, an update in place; on a list or dict
        item, `target[index] = target[index] op value`."""
        target = node.target
        if self.is_item_of_container(target.value, env):
            return self.lw.store_into_item(target, node.op, node.value, env, builder)
        base = env.get(target.value.id) if isinstance(target.value, ast.Name) else None
        if isinstance(base, Var) and (base.kind.is_array or base.kind.tag in ("unknown",
                                                                             "other")):
            return self.lw.store_into_array(target, node.op, node.value, env, builder)
        if self.is_item_of_container(target, env):
            return self.lw.update_container_item(node, env, builder)
        self.lw.refuse(node, "in-place update of an element (`x[i] += ...`) of something that "
                             "is not an array, list or dict the function names; build the new "
                             "value in a local name")

    def update_held_item(self, node, env, builder):
        """`c[k] op= v` on a list or dict: `c[k] = c[k] op v`. On an array item Python
        changes that array in place, so the arrays c holds must be the function's own and
        held by no other name read again (else the rewrite below is what it differentiates)."""
        target, symbol = node.target, _SYMBOLS.get(type(node.op), "?")
        name = target.value.id
        load = ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()), target)
        current = self.lw.expr(load, env, builder)
        if _may_be_array(current) or isinstance(current, StaticSeq):
            refuse_repeated(self.lw, node, f"{ast.unparse(target)} {symbol}= ...", name,
                            env[name], current)
        items = self.lw.stores.reach(env[name]) if self.made_here(env[name]) else \
            [current]                                # a container from outside: its item
        for item in items:
            if isinstance(item, Var) and item.kind.tag not in ("list", "dict", "tuple") and \
                    _may_be_array(item) and self.shared(node, item, env, name):
                self.lw.refuse(node, f"`{name}[...] {symbol}= ...` changes in place an array that "
                                     f"{name} holds, and the caller or another name sees it too; "
                                     f"write `{name}[k] = {name}[k] {symbol} ...`")
        combined = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        self.lw.store_item(target, self.lw.expr(fix_missing_locations(combined), env, builder),
                           env, builder)

    def made_here(self, container):
        """Whether the list or dict is one the function built (so it knows what it holds)."""
        return isinstance(container, StaticSeq) or any(
            isinstance(v, Var) and v in self.lw.contains
            for v in self.lw.stores.same_objects(container))

    def shared(self, node, array, env, holder):
        """Whether the array is not the function's own, or a name but `holder` that reads it
        again also shows it."""
        if any(not self.lw.origins.get(s) and s not in self.owned
               for s in self.lw.stores.same_objects(array)):
            return True
        holders = [h for h in self.lw.stores.holders(array, env, None, holder) if h != holder]
        return bool(holders) and aliasing.may_read_again(self.lw.parsed.node, node, holders)

    def range_index(self, node, env, builder):
        """An index; `range(n)` in one is the integer array NumPy makes of it
        (`probs[range(n), y]`)."""
        if isinstance(node, (ast.Slice, ast.Tuple)):
            return NOT_MINE
        value = self.lw.expr(node, env, builder)
        if isinstance(value, RangeValue):
            bounds = [self.lw.atom(v, builder, node)
                      for v in (value.start, value.stop, value.step)]
            return self.lw.emit("arange", bounds, builder, node)
        return self.lw.atom(value, builder, node)

    def refuse_write_into_shared(self, node, name, array, env, symbol, holder=None):
        """Refuse a write into an array that is not the function's own, or that another
        name, view or container (but `holder`) still shows and reads again."""
        write = f"`{name}[...] {symbol}= ...`"
        foreign = [s for s in self.lw.stores.same_objects(array)
                   if not self.lw.origins.get(s) and s not in self.owned]
        if foreign:
            self.lw.refuse(node, f"{write} writes into an array the function did not make, and "
                                 "srcad cannot tell whose array it is here (a view of an "
                                 "argument, a global, an item of a container, a helper's "
                                 "result, or one of several arrays on different paths): Python "
                                 "would change it where the caller or another name sees it; "
                                 f"{_owner_rewrite(name, env)}, or, where no one else needs "
                                 f"to see the change, write into a copy (`{name} = "
                                 f"{name}.copy()` first)")
        holders = [h for h in self.lw.stores.holders(array, env, None, holder or name)
                   if h != holder]
        if holders and aliasing.may_read_again(self.lw.parsed.node, node, holders):
            self.lw.refuse(node, f"{write} on {describe_holders(holders)}, read again "
                                 f"after: Python would change both; copy it first, "
                                 f"`{name} = {name}.copy()`, then write into the copy")


def _owner_rewrite(name, env):
    """How to write into the owner's array instead of the one `name` shows."""
    if name not in env:
        return f"pass '{name}' as an argument (srcad follows writes into an argument)"
    return "write through the name the caller's array was passed as (`v = x[1:]; v[0] = y` " \
        "as `x[1] = y`)"


def _may_be_array(value):
    return value.kind.is_array or value.kind.tag in ("unknown", "other")


def held_repeatedly(lw, container, item):
    """Whether the object `item` sits at more than one place of `container`, a list or dict
    the function built (`[np.zeros(2)] * 3`, `[a, a]`, `[[0.0] * 3] * 2`): a change made
    in place through one place shows at the others, which srcad's versions would not."""
    ids = {id(s) for s in lw.stores.same_objects(item)}
    count, stack, seen = 0, [container], set()
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        held = list(value.items) if isinstance(value, StaticSeq) else \
            list(lw.contains.get(value, ())) if isinstance(value, Var) else []
        count += sum(id(h) in ids for h in held)
        stack.extend(h for h in held if id(h) not in ids)
    return count > 1


def refuse_repeated(lw, node, change, name, container, item):
    """Refuse `change` (`rows[0][1] = ...`) into an object `name` holds at several places."""
    if held_repeatedly(lw, container, item):
        lw.refuse(node, f"`{change}` changes in place an object that '{name}' holds at more "
                        "than one place (`[a] * n` and `[a, a]` repeat one object): Python "
                        "changes it at each of them; build separate objects (`[np.zeros(2) "
                        f"for _ in range(n)]`), or replace the item (`{name}[k] = new`)")
