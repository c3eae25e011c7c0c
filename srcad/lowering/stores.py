"""Lowering the statements that change an object in place: `a += b`, `xs.append(v)`,
`xs.extend(vs)`, `xs[k] = v` and `d[k] = v`.

srcad's IR has values, not objects: each of these becomes a new value bound to the same name
(`xs = xs + [v]`, `d = with_item(d, k, v)`). That is what Python computes only when nothing
else reaches the object being changed, so each one first asks `holders` what else may: another
name, a list or tuple holding it, or an array it is a view of. The answer follows every path
the function can take: an `if` whose result may be either branch's value (`v = x if c else
2 * x`), a loop carry that may be its start or what an earlier iteration left in it, and a
helper whose result may be one of its arguments. Where something else may reach it, lowering
refuses at the user's line and shows the rewrite that builds a new value.
"""

import ast

import numpy as np

from .. import effects
from . import aliasing, made_operators, numpy_writes
from .dispatch import NOT_MINE
from ..analysis.activity import substitute_block
from ..analysis.fresh import allocates
from ..errors import PythonTypeError
from ..ir.nodes import Const, Var, free_vars
from ..rules.writes import WRITES
from ..frontend.syntax import fix_missing_locations
from .values import StaticSeq

# Python operators that always make a new object, whatever their value folds to
_NEW_OBJECT = {"add", "sub", "mul", "div", "pow", "neg", "pos", "copy", "array"}

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
        ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//"}
_UFUNCS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power", ast.FloorDiv: "floor_divide", ast.Mod: "remainder",
           ast.MatMult: "matmul"}
_GROW = {"append": "xs = xs + [v]", "extend": "xs = xs + list(vs)"}
_OTHER_METHODS = ("insert", "pop", "remove", "clear", "sort", "reverse", "update",
                  "setdefault", "popitem", "fill", "resize", "put", "itemset")
# list and dict methods srcad/lowering/methods.py lowers, as statements too (`hs.pop()`)
CONTAINER_METHODS = {"pop", "insert", "reverse", "clear", "setdefault", "update", "remove",
                     "sort", "popitem"}


class Stores:
    """A part of the lowering `lw` of a function: what else may reach an object (on the
    object graph lw.origins, lw.views, lw.contains), and the statements that change one in
    place by rebinding its name (steps of the write hooks in lowering/dispatch.py)."""

    def __init__(self, lw):
        self.lw = lw

    # ----- what else may reach an object -----------------------------------------------------
    def new_object(self, prim, operands, out, builder):
        """The value of `prim(operands)` as lowering binds it: `out`, or, where the builder
        folded an operator that makes a new object in Python (`x * 1.0`, `-(-x)`) to an
        operand (or an operand's operand), a `NewObject` standing for that value, so that
        changing it in place changes nothing else (`y = x * 1.0; y += x`). A new array is
        noted as made here (`owned`): the function may write into it."""
        inner = [b for a in operands if isinstance(a, Var) and a in builder.defined_by
                 for b in builder.defined_by[a].args]
        if prim not in _NEW_OBJECT or not isinstance(out, Var) or out.kind.tag == "other" or \
                not any(out is v for v in list(operands) + inner):
            if not (prim in WRITES or prim == "copy" or allocates(prim)) or \
                    not (out.kind.is_array or isinstance(out, Var) and out.kind.tag in
                         ("unknown", "other")) or any(out is v for v in list(operands) + inner):
                return out                  # (an array, or a new value of a kind not known)
            if isinstance(out, Const):         # np.zeros((2, 3)), folded: a new array still
                out = NewObject(out)
            self.lw.writes.owned.add(out)
            return out
        made = NewObject(out)
        self.lw.writes.owned.add(made)
        return made

    def may_be_origins(self, out, values):
        """Record that `out` may be the same object as any of `values` (an if's out, a loop's
        carry, a helper's result)."""
        self.lw.unbound.note_may_be(out, values)       # may be unbound (srcad/lowering/unbound.py)
        others = tuple(v for v in values if isinstance(v, Var) and v is not out)
        if others:
            self.lw.origins[out] = tuple(dict.fromkeys(self.lw.origins.get(out, ()) + others))

    def same_objects(self, value):
        """`value` and every value it may be the same object as, following `may_be`."""
        seen, ids, stack = [], set(), [value]      # `seen` holds them: their ids stay theirs
        while stack:
            v = stack.pop()
            if id(v) in ids:
                continue
            seen.append(v)
            ids.add(id(v))
            if isinstance(v, Var):
                stack.extend(self.lw.origins.get(v, ()))
        return seen

    def holders(self, value, env, builder, name=None):
        """What else reaches a mutable value than the name `name`: the other names that may
        be it or hold it (in a list, tuple or dict, on some path), or "view" (it is a view of
        another array or an item taken from a container); [] when nothing does, or for a
        number or tuple."""
        if not _mutable(value):
            return []
        same = {id(s) for s in self.same_objects(value)}
        others = [n for n, v in env.items() if n != name and not _immutable(v) and
                  any(id(r) in same or self.is_view_into(r, same) for r in self.reach(v))]
        if others:
            return others
        return ["view"] if any(isinstance(s, Var) and s in self.lw.views
                               for s in self.same_objects(value)) else []

    def refuse_shared_parameter_change(self, node, callee, args, kwargs, env, builder):
        """A function doing `p += ...` on its parameter p changes the caller's array in
        place; srcad writes `p = p + ...`, which agrees only where the caller reads that
        array nowhere after (a temporary, as in `h(x * 2.0)`). The last step of
        `refuse_changed_arguments` (lowering/dispatch.py)."""
        definition = aliasing.source_definition(callee, aliasing.is_srcad_transform)
        if definition is None:
            return
        positional = [a.arg for a in definition.args.posonlyargs + definition.args.args]
        bound = dict(zip(positional, args), **kwargs)
        for param, symbol in aliasing.params_changed_in_place(definition).items():
            holders = self.holders(bound.get(param), env, builder)
            if _is_list(bound.get(param)) or _is_dict(bound.get(param)):    # inlined: names
                holders = [h for h in holders if env.get(h) is not bound[param]]  # rebound
            twin = self.passed_twice(param, bound)
            if twin is not None:
                holders = [twin]             # h(t, t): inside h, p and twin are one object
            elif not holders or not aliasing.may_read_again(self.lw.parsed.node, node, holders):
                continue
            change, rewrite = (f"{param}[...] = ...", f"{param} = {param}.copy()` first") \
                if symbol == "[...]" else (f"{param} {symbol}= ...",
                                           f"{param} = {param} {symbol} ...`")
            given = describe_holders(holders)
            self.lw.refuse(node, f"{definition.name}() changes its parameter '{param}' in place "
                                 f"(`{change}`), and here it is given {given}: Python would "
                                 f"change the caller's array too; in {definition.name}, write "
                                 f"`{rewrite}")

    def passed_twice(self, param, bound):
        """Another parameter bound to the same mutable object as `param` in a call (`h(t, t)`):
        the callee's `param += ...` changes that one too. None when there is none."""
        value = bound.get(param)
        if not _mutable(value):
            return None
        same = {id(s) for s in self.same_objects(value)}
        return next((other for other, v in bound.items() if other != param and
                     any(id(r) in same or self.is_view_into(r, same) for r in self.reach(v))),
                    None)

    def is_view_into(self, value, same):
        """Whether `value` is a view taken (through views) from one of the objects `same`
        (ids): `v = y[1:]` sees a later `y += 1`, as in Python. An item taken from a list or
        dict is no view of it: `d[k] = v` leaves `m = d["m"]` as it was."""
        seen = set()
        while isinstance(value, Var) and value in self.lw.view_base and id(value) not in seen:
            seen.add(id(value))
            value = self.lw.view_base[value]
            if value.kind.tag in ("list", "tuple", "dict"):
                return False
            if any(id(s) in same for s in self.same_objects(value)):
                return True
        return False

    def reach(self, value):
        """Every object `value` may be or hold: through may_be, the items of containers
        made in the function, and list and tuple literals."""
        seen, stack = {}, [value]
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen[id(v)] = v
            if isinstance(v, StaticSeq):
                stack.extend(v.items)
            elif isinstance(v, Var):
                stack.extend(self.lw.origins.get(v, ()))
                stack.extend(self.lw.contains.get(v, ()))
        return list(seen.values())

    def refuse_shared_change(self, node, name, env, builder, change, rewrite):
        """Refuse changing the object `name` holds in place where something else reaches it."""
        value = env.get(name)
        holders = self.holders(value, env, builder, name)
        if not holders and (_is_list(value) or _is_dict(value)) and \
                any(isinstance(s, Argument) for s in self.same_objects(value)):
            self.lw.refuse(node, f"{change} on a list or dict the caller passed as an argument: "
                                 "Python changes the caller's object too, and a derivative "
                                 f"leaves its arguments as they are; write `{rewrite}`, which "
                                 "builds a new one")
        if holders:
            self.lw.refuse(node, f"{change} on {describe_holders(holders)}: Python would change "
                                 "both (on some path through the function); write "
                                 f"`{rewrite}` (or copy it first)")

    # ----- a += b ----------------------------------------------------------------------------
    def update_in_place(self, node, env, builder):
        """`x op= v` on a name or an item (the middle step of stmt_AugAssign, dispatch.py)."""
        if isinstance(node.target, ast.Subscript):
            return self.lw.update_item(node, env, builder)
        if not isinstance(node.target, ast.Name):
            self.lw.refuse(node, "in-place update of an attribute (`obj.a += ...`); build a new "
                                 "value instead")
        name, symbol = node.target.id, _OPS.get(type(node.op), "?")
        self.lw.refuse_visible_change(node, name, env, builder, f"in-place `{name} {symbol}= ...`",
                                      f"{name} = {name} {symbol} ...")
        current = self.lw.expr(ast.Name(name, ast.Load(), lineno=node.lineno,
                                        col_offset=node.col_offset), env, builder)
        if (made := made_operators.in_place(self.lw, node, current, env, builder)) \
                is not NOT_MINE:
            return self.lw.assign(node.target, made, env, builder)   # its class's __iadd__
        if isinstance(node.op, ast.Add) and _is_list(current):
            extra = self.as_list(node, self.lw.expr(node.value, env, builder), builder)
            self.lw.assign(node.target, self.concat(node, current, extra, builder), env, builder)
            return
        binop = ast.BinOp(ast.Name(name, ast.Load()), node.op, node.value)
        ast.copy_location(binop, node)
        fix_missing_locations(binop)
        new = self.lw.expr(binop, env, builder)
        if (cast := in_place_cast_error(current, new, node.op)) is not None:
            raise PythonTypeError(f"{cast}, as Python raises at `{name} {symbol}= ...`; write "
                                  f"`{name} = {name} {symbol} ...` for a new array",
                                  filename=self.lw.filename, line=node.lineno,
                                  construct=self.lw.source_of(node))
        self.lw.assign(node.target, new, env, builder)

    def expr_Known(self, node, env, builder):
        return node.value               # a value a rewritten statement names (numpy_writes)

    # ----- xs.append(v), xs.extend(vs) -------------------------------------------------------
    def expression_statement(self, node, env, builder):
        """An expression as a statement (the last handler of stmt_Expr, dispatch.py)."""
        call = node.value
        if isinstance(call, ast.Constant):
            return                      # a docstring or a bare constant
        if isinstance(call, (ast.Yield, ast.YieldFrom, ast.Await)):
            self.lw.refuse(node, "yield/await: srcad differentiates plain functions, not "
                                 "generators or coroutines; return a value (or a list) instead")
        method = call.func.attr if isinstance(call, ast.Call) and \
            isinstance(call.func, ast.Attribute) else None
        target = call.func.value if method else None
        if method in _GROW and isinstance(target, ast.Name) and target.id in env and \
                _is_list(env[target.id]):
            return self.lw.grow_list(node, call, target.id, env, builder)
        if method in CONTAINER_METHODS and isinstance(target, ast.Name) and \
                (_is_list(env.get(target.id)) or _is_dict(env.get(target.id))):
            self.lw.expr(call, env, builder)      # hs.pop(), hs.insert(0, h), d.update(e): the
            return                             # change rebinds the name (lowering/methods.py)
        if isinstance(call, ast.Call) and numpy_writes.names_put_along_axis(call):
            write = numpy_writes.as_element_write(
                call, getattr(self.lw.expr(call.func, env, builder), "obj", None),
                lambda *nodes, prim="along_axis_index": self.lw.expressions.bind_and_emit(prim, [
                    self.lw.expr(n, env, builder) for n in nodes], {}, builder, call))
            if write is not None:
                return self.lw.stmt(write, env, builder)
        if method in _OTHER_METHODS and effects.numpy_rewrite(f".{method}("):
            self.lw.refuse(node, f"`.{method}()` changes an array in place; "
                                 f"{effects.numpy_rewrite(f'.{method}(')}")
        if method in _OTHER_METHODS:
            self.lw.refuse(node, f"`.{method}()` changes an object in place; build a new value "
                                 "instead (`y = np.sort(y)`; for a list `xs = xs + [v]`, "
                                 "`xs = xs[:-1]`, `xs = xs[::-1]`)")
        self.lw.opaque.run_as_written(node, [node], env, builder)

    def append_to_list(self, node, call, name, env, builder):
        """`xs.append(v)`, `xs.extend(vs)`: xs rebound to the longer list (grow_list's first
        step, lowering/dispatch.py)."""
        method = call.func.attr
        if len(call.args) != 1 or call.keywords:
            self.lw.refuse(node, f"list.{method}() takes exactly one argument")
        self.lw.refuse_visible_change(node, name, env, builder, f"`{name}.{method}(...)`",
                                      _GROW[method].replace("xs", name))
        item = self.lw.expr(call.args[0], env, builder)
        extra = StaticSeq([item], "list") if method == "append" else \
            self.as_list(node, item, builder)
        target = ast.Name(name, ast.Store())
        self.lw.assign(target, self.concat(node, env[name], extra, builder), env, builder)

    def as_list(self, node, value, builder):
        """The items of `value` as a list, for `xs += value` and `xs.extend(value)`."""
        if isinstance(value, StaticSeq):
            return StaticSeq(list(value.items), "list")
        atom = self.lw.atom(value, builder, node)
        kind = atom.kind
        if kind.tag == "list":
            return atom
        if kind.tag == "tuple" and kind.items is not None:
            return StaticSeq([self.lw.emit("getitem", [atom, Const(k)], builder, node)
                              for k in range(len(kind.items))], "list")
        if isinstance(atom, Const) and isinstance(atom.value, (list, tuple)):
            return Const(list(atom.value))
        self.lw.refuse(node, "extending a list by a value that is not a list or tuple of known "
                             "length; write `xs = xs + [v]` for each item")

    def concat(self, node, left, right, builder):
        """left + right for two lists: a literal while both are, else seq_concat."""
        if isinstance(left, StaticSeq) and isinstance(right, StaticSeq):
            return StaticSeq(left.items + right.items, "list")
        return self.lw.emit("seq_concat", [self.lw.atom(left, builder, node),
                                           self.lw.atom(right, builder, node)], builder, node)

    # ----- xs[k] = v, d[k] = v ---------------------------------------------------------------
    def store_named_item(self, target, value, env, builder):
        """`xs[k] = v` on a list or dict named by a plain name: the name is rebound to a copy
        with the item replaced (or, for a dict, added); `x[i] = v` on an array (the middle
        step of store_item, lowering/dispatch.py)."""
        base = target.value
        if self.lw.writes.is_item_of_container(base, env):
            return self.lw.store_into_item(target, None, value, env, builder)
        container = env.get(base.id) if isinstance(base, ast.Name) else None
        if isinstance(base, ast.Name) and base.id not in env:          # a global: G[0] = v
            self.lw.refuse_foreign_write(target, base.id, self.lw.expr(base, env, builder), env, "")
        if _is_array(container) or isinstance(container, Var) and container.kind.tag in \
                ("unknown", "other"):
            return self.lw.store_into_array(target, None, value, env, builder)
        if container is None or not (_is_list(container) or _is_dict(container)) or \
                isinstance(target.slice, ast.Slice):
            self.lw.refuse(target, "assignment into an element (`x[i] = ...`) of something "
                                   "that is not an array, list or dict the function names (a "
                                   "number, a tuple, an attribute's value); write into an array "
                                   "the function made (`y = np.array(x)`, then `y[i] = ...`)")
        name = base.id
        self.lw.refuse_visible_change(target, name, env, builder, f"`{name}[...] = ...`",
                                      f"{name} = {name}.copy(); {name}[...] = ...")
        key = self.lw.index(target.slice, env, builder)
        if isinstance(container, StaticSeq) and isinstance(key, Const) and \
                isinstance(key.value, int) and -len(container.items) <= key.value < \
                len(container.items):
            items = list(container.items)
            items[key.value] = value
            env[name] = StaticSeq(items, container.tag)
            return
        new = self.lw.emit("with_item", [self.lw.atom(container, builder, target), key,
                                         self.lw.atom(value, builder, target)], builder, target)
        self.lw.assign(ast.Name(name, ast.Store()), new, env, builder)


class Argument(Var):
    """A parameter of the function being lowered: the object the caller passed, which the
    caller still holds (a list or dict changed in place changes the caller's)."""

    __slots__ = ()


class NewObject(Var):
    """A new object whose value is the var `value` (what `x * 1.0` folds to): the aliasing
    questions tell it from `value`; the IR reads `value` itself (`resolve_new_objects`)."""

    __slots__ = ("value",)

    def __init__(self, value):
        super().__init__(None, value.kind, value)
        object.__setattr__(self, "value", value)      # a Var is frozen once made


def in_place_cast_error(current, new, op):
    """NumPy's error where `a op= v` on the array `a` would store `a op v`, of `new`'s dtype,
    into a's dtype, which casting='same_kind' forbids (floats into an int or bool array, ints
    into a bool one); None where the kinds do not say, or the update is allowed."""
    if not (isinstance(current, Var) and current.kind.is_array and current.kind.ndim and
            current.kind.dtype and isinstance(new, Var) and new.kind.is_array and
            new.kind.dtype):
        return None
    if np.can_cast(np.dtype(new.kind.dtype), np.dtype(current.kind.dtype), casting="same_kind"):
        return None
    ufunc = _UFUNCS.get(type(op), "?")
    return f"numpy UFuncTypeError: Cannot cast ufunc '{ufunc}' output from " \
        f"dtype('{new.kind.dtype}') to dtype('{current.kind.dtype}') with casting rule " \
        "'same_kind'"


def describe_holders(holders):
    """The words for what `Stores.holders` found."""
    if holders == ["packed"]:
        return "an object that a tuple or list holds"
    if holders == ["view"]:
        return "a view of (or an item taken from) another array or container"
    return f"an object that '{holders[0]}' also names"


def resolve_new_objects(block):
    """`block` with each `NewObject` read replaced by the value it stands for."""
    mapping = {v: v.value for v in free_vars(block) if isinstance(v, NewObject)}
    return substitute_block(block, mapping) if mapping else block


def same_object(value, atom):
    """What `atom`, lowered from `value`, is the same object as: `value` if it stands for a
    new object, else `atom`."""
    return value if isinstance(value, NewObject) else atom


def resolved(value):
    """The IR atom for a lowered value that may be a `NewObject`."""
    return value.value if isinstance(value, NewObject) else value


def _mutable(value):
    """Whether a lowered value may be an object that changes in place (an array, list or
    dict, or something whose kind is not known); numbers, strings and tuples do not."""
    if isinstance(value, StaticSeq):
        return value.tag == "list"
    if isinstance(value, Var):
        return value.kind.tag in ("array", "list", "dict", "unknown", "other")
    return False


def _is_array(value):
    return isinstance(value, Var) and value.kind.is_array


def _immutable(value):
    """An int, bool, string or None: it holds no object, so it reaches nothing that changes
    (`mode = bn_param["mode"]` is a str taken from the dict, not a view of it). Not a float:
    the kinds call `y[...]` of a 0-d float64 array, a view, a float too."""
    return isinstance(value, (Var, Const)) and value.kind.tag in ("int", "bool", "str", "none")


def _is_list(value):
    if isinstance(value, StaticSeq):
        return value.tag == "list"
    if isinstance(value, Const):
        return isinstance(value.value, list)
    return isinstance(value, Var) and value.kind.tag == "list"


def _is_dict(value):
    if isinstance(value, Const):
        return isinstance(value.value, dict)
    return isinstance(value, Var) and value.kind.tag == "dict"


