"""Lowering the methods of Python's lists and dicts, as Python runs them.

A method that changes its list or dict (`hs.pop()`, `hs.insert(0, h)`, `d.setdefault(k, v)`,
`d.update(...)`) rebinds the name it was called on to a new value, the way `xs.append(v)`
becomes `xs = xs + [v]` (srcad/lowering/stores.py), after the same question: does anything else
reach the object? Where the items are known now (a list literal, a dict whose keys the kinds
list) the result is built here, item by item; otherwise it is built from slices, `seq_concat`,
`with_item` and an `if` on `key in d` when the code runs:

    last = hs.pop()        ->  last = hs[-1]; hs = hs[:-1]
    hs.insert(i, v)        ->  hs = hs[:i] + [v] + hs[i:]      (insert's clamping is slicing's)
    d.get(k, v0)           ->  d[k] if k in d else v0
    d.setdefault(k, v0)    ->  d[k] if k in d else (v0, with d = with_item(d, k, v0))
    d.keys() / .values() / .items()   the keys, `[d[k] for k in d]`, `[(k, d[k]) for k in d]`

Iterating over a dict walks its keys (as a list of constants where the kinds list them).
"""

import ast

from .. import kinds as K
from ..ir.builder import Builder
from ..ir.nodes import Block, Const, If, Var
from .stores import CONTAINER_METHODS, NewObject, resolved
from ..naming import fresh_name
from .values import KeysSeq, StaticSeq, from_python

MAX_UNROLLED_KEYS = 32

# methods that change the list or dict they are called on, and so rebind its name
CHANGING_METHODS = CONTAINER_METHODS | {"append", "extend"}
# the other methods of lists and dicts: what to write instead
_REFUSED = {
    "sort": "sorting a list is not differentiated; sort the values as an array "
            "(`np.sort(np.array(xs))`) or sort constant keys with `sorted(keys)`",
    "remove": "build the list without the item (`xs = xs[:i] + xs[i + 1:]`)",
    "popitem": "read the item (`v = d[k]`) and build the dict without it "
               "(`d = {j: d[j] for j in d if j != k}`)",
    "index": "keep the position in a variable as you build the list",
    "count": "count with a loop over the list",
}

class ContainerMethods:
    """A part of the lowering `lw` of a function: the methods of lists and dicts (the
    lowering's hook container_method calls `call_container_method`, dispatch.py)."""

    def __init__(self, lw):
        self.lw = lw

    def call_container_method(self, node, base, args, kwargs, env, builder):
        """The value of `base.name(*args)` for a list or dict method lowered here, or None
        (not one of them: the caller goes on); container_method's first step (dispatch.py)."""
        tag = container_tag(base)
        if tag is None:
            return None
        method = getattr(self, f"{tag}_{node.func.attr}", None)
        if method is None:
            rewrite = _REFUSED.get(node.func.attr, "use a method srcad lowers (see "
                                                   "docs/supported.md)")
            self.lw.refuse(node, f"the {tag} method .{node.func.attr}(); {rewrite}")
        if kwargs:
            self.lw.refuse(node, f"keyword arguments to {tag}.{node.func.attr}()")
        name = node.func.value.id if isinstance(node.func.value, ast.Name) and \
            env.get(node.func.value.id) is base else None
        if name is None and node.func.attr in CHANGING_METHODS:
            self.lw.refuse(node, f"`.{node.func.attr}()` on a {tag} that is not a plain local "
                                 f"name (it changes the {tag} in place); name it first: "
                                 f"`xs = ...; xs.{node.func.attr}(...)`")
        return method(node, base, args, name, env, builder)

    def rebind(self, node, name, value, env, builder, rewrite):
        """Bind `name` to the changed container `value`, after asking what else reaches it."""
        self.lw.refuse_visible_change(node, name, env, builder,
                                      f"`{name}.{node.func.attr}(...)`", rewrite)
        self.lw.assign(ast.Name(name, ast.Store()), value, env, builder)

    def arity(self, node, args, low, high):
        if not low <= len(args) <= high:
            self.lw.refuse(node, f".{node.func.attr}() with {len(args)} arguments")

    # ----- lists -----------------------------------------------------------------------------
    def list_pop(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 1)
        index = self.lw.atom(args[0], builder, node) if args else Const(-1)
        k = static_index(index, base)
        if k is None and isinstance(base, StaticSeq) and isinstance(index, Const):
            return self.raise_as_python(node, "IndexError", "pop from empty list" if not
                                        base.items else "pop index out of range", env, builder)
        if k is not None:
            items = list(base.items)
            item = items.pop(k)
            rest = StaticSeq(items, "list")
        else:
            seq = self.lw.atom(base, builder, node)
            item = self.lw.emit("getitem", [seq, index], builder, node)
            rest = self.list_without(node, seq, index, builder)
        self.rebind(node, name, rest, env, builder, f"{name} = {name}[:-1]")
        return item

    def list_without(self, node, seq, index, builder):
        """seq without its item at `index` (already checked to exist): seq[:i] + seq[i:][1:]."""
        i = index.value if isinstance(index, Const) else None
        if i == -1:
            return self.part(node, seq, Const(slice(None, -1)), builder)
        if i == 0:
            return self.part(node, seq, Const(slice(1, None)), builder)
        head = self.part(node, seq, self.cut(node, None, index, builder), builder)
        if isinstance(i, int):
            tail = self.part(node, seq, Const(slice(i + 1, None)), builder)
        else:           # i + 1 is wrong for i = -1: drop the first item of seq[i:] instead
            tail = self.part(node, seq, self.cut(node, index, None, builder), builder)
            tail = self.part(node, tail, Const(slice(1, None)), builder)
        return self.lw.stores.concat(node, head, tail, builder)

    def part(self, node, seq, index, builder):
        """seq[index] for a slice index: a list, whatever the kinds say of its items."""
        atoms = [resolved(seq), index]
        kind = builder.inferred_kind("getitem", *atoms) if isinstance(atoms[0], Var) else None
        kind = K.Kind(seq.kind.tag) if kind is not None and kind.tag != seq.kind.tag else None
        out = self.lw.emit("getitem", [seq, index], builder, node, kind=kind)
        if isinstance(out, Var):
            self.lw.views.discard(out)       # a new list, holding what seq holds
            self.lw.view_base.pop(out, None)
            self.lw.contains[out] = tuple(v for v in self.lw.stores.reach(seq) if v is not seq)
        return out

    def cut(self, node, start, stop, builder):
        parts = [Const(None) if p is None else p for p in (start, stop)] + [Const(None)]
        if all(isinstance(p, Const) for p in parts):
            return Const(slice(*[p.value for p in parts]))
        return self.lw.emit("make_slice", parts, builder, node)

    def list_insert(self, node, base, args, name, env, builder):
        self.arity(node, args, 2, 2)
        index = self.lw.atom(args[0], builder, node)
        if isinstance(base, StaticSeq) and isinstance(index, Const) and \
                type(index.value) is int:
            items = list(base.items)
            items.insert(index.value, args[1])
            new = StaticSeq(items, "list")
        else:
            seq = self.lw.atom(base, builder, node)
            head = self.part(node, seq, self.cut(node, None, index, builder), builder)
            tail = self.part(node, seq, self.cut(node, index, None, builder), builder)
            concat = self.lw.stores.concat
            new = concat(node, concat(node, head, StaticSeq([args[1]], "list"), builder), tail,
                         builder)
        self.rebind(node, name, new, env, builder,
                    f"{name} = {name}[:i] + [v] + {name}[i:]")
        return Const(None)

    def list_reverse(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 0)
        new = StaticSeq(base.items[::-1], "list") if isinstance(base, StaticSeq) else \
            self.part(node, self.lw.atom(base, builder, node), Const(slice(None, None, -1)),
                      builder)
        self.rebind(node, name, new, env, builder, f"{name} = {name}[::-1]")
        return Const(None)

    def list_clear(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 0)
        self.rebind(node, name, StaticSeq([], "list"), env, builder, f"{name} = []")
        return Const(None)

    def list_copy(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 0)
        return self.new_container(node, base, builder)

    def new_container(self, node, base, builder):
        """A new list or dict with the items of `base` (the same objects)."""
        if isinstance(base, StaticSeq):
            return StaticSeq(list(base.items), "list")
        atom = self.lw.atom(base, builder, node)
        if isinstance(atom, Const):
            return Const(type(atom.value)(atom.value), atom.name)
        return NewObject(atom)

    # ----- dicts -----------------------------------------------------------------------------
    def dict_get(self, node, base, args, name, env, builder):
        self.arity(node, args, 1, 2)
        key = self.lw.atom(args[0], builder, node)
        default = self.lw.atom(args[1], builder, node) if len(args) > 1 else Const(None)
        keys = known_keys(base)
        if keys is not None and isinstance(key, Const):
            return self.dict_item(node, base, key, builder) if key.value in keys else default
        d = self.lw.atom(base, builder, node)
        found = self.lw.emit("contains", [d, key], builder, node)
        return self.choose(node, found, lambda b: [self.lw.emit("getitem", [d, key], b, node)],
                           lambda b: [default], builder)[0]

    def dict_setdefault(self, node, base, args, name, env, builder):
        self.arity(node, args, 1, 2)
        key = self.lw.atom(args[0], builder, node)
        default = self.lw.atom(args[1], builder, node) if len(args) > 1 else Const(None)
        keys = known_keys(base)
        rewrite = f"{name} = {name}.copy(); v = {name}.setdefault(k, v0)"
        if keys is not None and isinstance(key, Const):
            if key.value in keys:
                return self.dict_item(node, base, key, builder)
            d = self.lw.atom(base, builder, node)
            new = self.lw.emit("with_item", [d, key, default], builder, node)
            self.rebind(node, name, new, env, builder, rewrite)
            return default
        d = self.lw.atom(base, builder, node)
        found = self.lw.emit("contains", [d, key], builder, node)
        value, new = self.choose(
            node, found, lambda b: [self.lw.emit("getitem", [d, key], b, node), d],
            lambda b: [default, self.lw.emit("with_item", [d, key, default], b, node)], builder)
        self.rebind(node, name, new, env, builder, rewrite)
        return value

    def dict_update(self, node, base, args, name, env, builder):
        self.arity(node, args, 1, 1)
        other = self.lw.atom(args[0], builder, node)
        keys = known_keys(other)
        if keys is None:
            self.lw.refuse(node, "dict.update() with a dict whose keys are known only at run "
                                 f"time; write `for k in other: {name}[k] = other[k]`")
        d = self.lw.atom(base, builder, node)
        for key in keys:
            item = self.dict_item(node, other, Const(key), builder)
            d = self.lw.emit("with_item", [d, Const(key), item], builder, node)
        self.rebind(node, name, d, env, builder, f"{name} = {name}.copy(); {name}.update(other)")
        return Const(None)

    def dict_pop(self, node, base, args, name, env, builder):
        self.arity(node, args, 1, 2)
        key = self.lw.atom(args[0], builder, node)
        keys = known_keys(base)
        if keys is None or not isinstance(key, Const):
            self.lw.refuse(node, "dict.pop() of a key or a dict known only at run time; read the "
                                 f"item (`v = {name}[k]`) and build the dict without it "
                                 f"(`{name} = {{j: {name}[j] for j in {name} if j != k}}`)")
        if key.value not in keys:
            return self.lw.atom(args[1], builder, node) if len(args) > 1 else \
                self.raise_as_python(node, "KeyError", key.value, env, builder)
        item = self.dict_item(node, base, key, builder)
        rest = [k for k in keys if k != key.value]
        new = self.lw.containers.make_dict(
            node, [Const(k) for k in rest],
            [self.dict_item(node, base, Const(k), builder) for k in rest], builder)
        self.rebind(node, name, new, env, builder,
                    f"{name} = {{j: {name}[j] for j in {name} if j != k}}")
        return item

    def raise_as_python(self, node, error, argument, env, builder):
        """What Python does at `node` (`d.pop(k)` of a key d does not hold, `xs.pop(5)` of a
        list of two): `raise error(argument)`, run where the statement runs, so it raises in
        the derivative exactly when it would in the function (a branch that does not run
        raises nothing), whether or not the result is used."""
        statement = ast.copy_location(ast.Raise(exc=ast.Call(
            ast.Name(error, ast.Load()), [ast.Constant(argument)], []), cause=None), node)
        self.lw.opaque.run_as_written(node, [ast.fix_missing_locations(statement)], env, builder)
        return Const(None)

    def dict_copy(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 0)
        return self.new_container(node, base, builder)

    def dict_keys(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 0)
        return self.keys_of(node, base, builder)

    def dict_values(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 0)
        keys = known_keys(base)
        if keys is not None:
            return KeysSeq([self.dict_item(node, base, Const(k), builder) for k in keys],
                           "list")
        return self.over_keys(node, base, "{d}[{k}]", env, builder)

    def dict_items(self, node, base, args, name, env, builder):
        self.arity(node, args, 0, 0)
        keys = known_keys(base)
        if keys is not None:
            return KeysSeq([StaticSeq([Const(k), self.dict_item(node, base, Const(k),
                                                                builder)]) for k in keys],
                           "list")
        return self.over_keys(node, base, "({k}, {d}[{k}])", env, builder)

    def keys_of(self, node, base, builder):
        """The keys of a dict in order: constants where the kinds list them."""
        keys = known_keys(base)
        if keys is not None:
            return KeysSeq([Const(k) for k in keys], "list")
        return self.lw.emit("dict_keys", [self.lw.atom(base, builder, node)], builder, node)

    def over_keys(self, node, base, element, env, builder):
        """`[element for k in d]` for a dict whose keys are known only at run time."""
        taken = self.lw.taken_names()
        d, k = (fresh_name(n, taken) for n in ("d", "k"))
        comp = ast.parse(f"[{element.format(d=d, k=k)} for {k} in {d}]", mode="eval").body
        for sub in ast.walk(comp):
            ast.copy_location(sub, node)
        scope = dict(env)
        scope[d] = self.lw.atom(base, builder, node)
        return self.lw.expr(comp, scope, builder)

    def dict_item(self, node, base, key, builder):
        if isinstance(base, Const):
            return from_python(base.value[key.value])
        return self.lw.emit("getitem", [self.lw.atom(base, builder, node), key], builder, node)

    def unrolled_over_keys(self, node, value, env, builder):
        """Lower `for k in d` (or `d.items()`, `d.values()`) over the keys of a dict known
        now as one copy of the body per key; False where the loop stays a loop."""
        if container_tag(value) == "dict" and not isinstance(value, StaticSeq):
            value = self.keys_of(node, value, builder)
        if not isinstance(value, KeysSeq) or len(value.items) > MAX_UNROLLED_KEYS:
            return False
        for item in value.items:
            self.lw.assign(node.target, item, env, builder)
            self.lw.run_suite(node.body, env, builder)
        return True

    # ----- an if on a condition known when the code runs -------------------------------------
    def choose(self, node, cond, then, orelse, builder):
        """The values `then(builder)` if cond else `orelse(builder)`, as one If."""
        blocks = []
        for make in (then, orelse):
            b = Builder(node.lineno, facts=builder.facts)
            values = [self.lw.atom(v, b, node) for v in make(b)]
            blocks.append(Block(b.stmts, tuple(values)))
        outs = tuple(Var(None, K.join(a.kind, b.kind)) for a, b in
                     zip(blocks[0].results, blocks[1].results))
        builder.append(If(cond, blocks[0], blocks[1], outs, node.lineno))
        for out, a, b in zip(outs, blocks[0].results, blocks[1].results):
            self.lw.may_be(out, (a, b))
        return outs


def container_tag(value):
    """"list" or "dict" for a list or dict value, else None."""
    if isinstance(value, StaticSeq):
        return value.tag if value.tag == "list" else None
    if isinstance(value, Const):
        return {list: "list", dict: "dict"}.get(type(value.value))
    if isinstance(value, Var) and value.kind.tag in ("list", "dict"):
        return value.kind.tag
    return None


def known_keys(value):
    """The keys of a dict known now (a constant dict, or a dict whose kind lists them)."""
    if isinstance(value, Const) and isinstance(value.value, dict):
        return tuple(value.value)
    if isinstance(value, Var) and value.kind.tag == "dict" and value.kind.items is not None:
        return tuple(k for k, _ in value.kind.items)
    return None


def static_index(index, base):
    """The position `index` names in a list literal, where both are known now; else None."""
    if not (isinstance(base, StaticSeq) and isinstance(index, Const) and
            type(index.value) is int):
        return None
    n = len(base.items)
    return index.value % n if -n <= index.value < n else None


