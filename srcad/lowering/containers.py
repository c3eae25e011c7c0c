"""Lowering container expressions: comprehensions, and the dicts they and literals make.

A comprehension over something whose length is known when the function is transformed (a
tuple or list literal, `range` with constant bounds, an argument whose kind lists its items,
`zip`/`enumerate` of those) is unrolled into its items, so `[W @ x for W in Ws]`,
`sum(x * x for x in xs)` and `{k: v for k, v in zip(names, values)}` differentiate like the
equivalent hand-written code. One over a length known only at run time, or with an `if` that
depends on data, is lowered as the loop Python runs: `out = []; for v in seq: if c:
out.append(f(v))` (a dict comprehension fills `out[k] = v`).
"""

import ast

from ..ir.nodes import Const, Var
from ..naming import fresh_name
from ..frontend.syntax import fix_missing_locations
from .values import EnumerateValue, RangeValue, ReversedValue, StaticSeq, ZipValue
from .objects import MadeObject, iterated

MAX_UNROLLED = 256


class RuntimeLength(Exception):
    """A comprehension's items are known only when the code runs: it becomes a loop."""


class Containers:
    """A part of the lowering `lw` of a function: dicts made and comprehensions (its
    `expr_*` methods lower those expressions, lowering/expressions.py `expr`)."""

    def __init__(self, lw):
        self.lw = lw

    def make_dict(self, node, keys, values, builder):
        if not all(isinstance(k, Const) for k in keys):
            self.lw.refuse(node, "a dict whose keys are computed at run time")
        return self.lw.emit("make_dict", [Const(tuple(k.value for k in keys))] + values,
                            builder, node)

    def expr_ListComp(self, node, env, builder):
        items = self.comprehension(node, node.elt, env, builder)
        return self.comprehension_loop(node, env, builder) if items is None else \
            StaticSeq(items, "list")

    def expr_GeneratorExp(self, node, env, builder):
        items = self.comprehension(node, node.elt, env, builder)
        return self.comprehension_loop(node, env, builder) if items is None else \
            StaticSeq(items, "tuple")

    def expr_DictComp(self, node, env, builder):
        pairs = self.comprehension(node, ast.Tuple([node.key, node.value], ast.Load()), env,
                                   builder)
        if pairs is None:
            return self.comprehension_loop(node, env, builder)
        keys = [self.lw.atom(p.items[0], builder, node) for p in pairs]
        values = [self.lw.atom(p.items[1], builder, node) for p in pairs]
        return self.make_dict(node, keys, values, builder)

    def expr_SetComp(self, node, env, builder):
        self.lw.refuse(node, "a set comprehension: sets have no order to differentiate in; "
                             "use a list")

    def comprehension(self, node, element, env, builder):
        """The lowered items of a comprehension, unrolled generator by generator; None where
        they are known only when the code runs (what was emitted for them is taken back)."""
        scopes, mark = [dict(env)], len(builder.stmts)
        for gen in node.generators:
            if gen.is_async:
                self.lw.refuse(node, "an async comprehension")
            try:
                scopes = [scope for outer in scopes
                          for scope in self.expand(node, gen, outer, builder)]
            except RuntimeLength:
                del builder.stmts[mark:]
                return None
        items = [self.lw.expr(element, scope, builder) for scope in scopes]
        if scopes:              # a closure made here reads the variables when it is called,
            names = {n.id for gen in node.generators for n in ast.walk(gen.target)
                     if isinstance(n, ast.Name)}  # after the loop: their last values
            last = {n: scopes[-1][n] for n in names if n in scopes[-1]}
            for scope in scopes:                 # (`[lambda: k for k in ks]`: every one
                scope.update(last)               # sees the last k, as in Python)
        return items

    def expand(self, node, gen, env, builder):
        """One environment per item of `gen`'s iterable that passes its `if` clauses."""
        items = self.static_items(node, self.lw.expr(gen.iter, env, builder), builder)
        scopes = []
        for item in items:
            scope = dict(env)
            self.lw.assign(gen.target, item, scope, builder)
            if all(self.static_test(node, test, scope, builder) for test in gen.ifs):
                scopes.append(scope)
        return scopes

    def static_test(self, node, test, scope, builder):
        cond = self.lw.expressions.condition(test, scope, builder)
        if not isinstance(cond, Const):
            raise RuntimeLength
        return bool(cond.value)

    def static_items(self, node, value, builder):
        """The items of an iterable whose length is known now, as lowered values."""
        if isinstance(value, StaticSeq):
            items = list(value.items)
        elif isinstance(value, RangeValue):
            bounds = [value.start, value.stop, value.step]
            if not all(isinstance(b, Const) for b in bounds):
                raise RuntimeLength
            items = [Const(i) for i in range(*[b.value for b in bounds])]
        elif isinstance(value, ZipValue):
            parts = [self.static_items(node, p, builder) for p in value.parts]
            items = [StaticSeq(list(t)) for t in zip(*parts)]
        elif isinstance(value, EnumerateValue):
            inner = self.static_items(node, value.seq, builder)
            items = [StaticSeq([self.lw.emit("add", [value.start, Const(k)], builder, node), v])
                     for k, v in enumerate(inner)]          # a start known only at run time too
        elif isinstance(value, ReversedValue):
            items = self.static_items(node, value.seq, builder)[::-1]
        elif isinstance(value, MadeObject):              # its __iter__, a generator of yours
            items = self.static_items(node, iterated(self.lw, node, value, builder),
                                      builder)
        else:
            items = self.items_of_atom(node, self.lw.atom(value, builder, node), builder)
        if len(items) > MAX_UNROLLED:
            self.lw.refuse(node, f"a comprehension over {len(items)} items (unrolled up to "
                                 f"{MAX_UNROLLED}); use a for loop")
        return items

    def items_of_atom(self, node, atom, builder):
        if isinstance(atom, Const) and isinstance(atom.value, (list, tuple, dict)):
            keys = list(atom.value) if isinstance(atom.value, dict) else None
            return [Const(k) for k in keys] if keys is not None else \
                [Const(v) for v in atom.value]
        kind = atom.kind
        if isinstance(atom, Var) and kind.tag in ("list", "tuple") and kind.items is not None:
            return [self.lw.emit("getitem", [atom, Const(k)], builder, node)
                    for k in range(len(kind.items))]
        if isinstance(atom, Var) and kind.tag == "dict" and kind.items is not None:
            return [Const(k) for k, _ in kind.items]
        raise RuntimeLength

    def comprehension_loop(self, node, env, builder):
        """A comprehension as the loop Python runs, in a scope of its own: `out = []`, the
        generators as nested `for`s and `if`s, `out.append(element)` (`out[k] = v`)."""
        out = fresh_name("dict" if isinstance(node, ast.DictComp) else "items",
                         self.lw.taken_names())
        if isinstance(node, ast.DictComp):
            start = ast.Dict([], [])
            inner = ast.Assign([ast.Subscript(ast.Name(out, ast.Load()), node.key,
                                              ast.Store())], node.value)
        else:
            start = ast.List([], ast.Load())
            inner = ast.Expr(ast.Call(ast.Attribute(ast.Name(out, ast.Load()), "append",
                                                    ast.Load()), [node.elt], []))
        body = [inner]
        for gen in reversed(node.generators):
            for test in reversed(gen.ifs):
                body = [ast.If(test, body, [])]
            body = [ast.For(gen.target, gen.iter, body, [])]
        stmts = [ast.Assign([ast.Name(out, ast.Store())], start)] + body
        scope = dict(env)
        for stmt in stmts:
            fix_missing_locations(ast.copy_location(stmt, node))
            self.lw.stmt(stmt, scope, builder)
        return scope[out]
