"""The user's own functions a lowered function calls. A call is inlined: the callee's code is
lowered in place with its parameters bound to the argument values, as Python binds them
(defaults, *args, keyword-only). A module-level function called from several places, on
values only, stays a call by name instead, differentiated once as a unit (pipeline.helper_vjp).
"""

import ast
import functools
from collections import Counter
import inspect
from dataclasses import fields, replace

from . import aliasing, generators
from .. import kinds as K
from ..frontend import live, parse as frontend
from ..errors import SrcadError
from ..ir.nodes import Block, Const
from .function import FALLTHROUGH, lower_function, lowered_for_kinds
from .caller import changes_parameters
from ..frontend.signature import parameter_names
from .values import LocalFunction, RangeValue, Static, StaticSeq, ZipValue

MAX_INLINE_DEPTH = 50


class UserFunctions:
    """Calls of the user's functions, for the lowering that holds it (its `functions`)."""

    def __init__(self, lowering):
        self.lowering = lowering

    def call(self, node, fn, args, kwargs, builder):
        """A call of the user's function `fn`: by name, or inlined."""
        if _called_by_name(fn) and _all_atoms(args, kwargs) and not self.called_once(node, fn) \
                and not _changes_what_it_is_given(fn):
            return self.call_helper(node, fn, args, kwargs, builder)
        return self.inline(node, fn, args, kwargs, builder)

    def inline(self, node, fn, args, kwargs, builder):
        if self.lowering.depth >= MAX_INLINE_DEPTH:
            self.lowering.refuse(node, f"recursion through {fn.__name__}: recursive helpers "
                                       "are not supported; write the recursion as a loop")
        parsed = frontend.parse(fn)
        return self.inline_parsed(node, parsed, {}, args, kwargs, builder, fn)

    def run_to_its_end(self, node, parsed):
        """A generator as the function returning the list it yields (srcad/lowering/
        generators.py), or refused at the call, saying why."""
        found = generators.problem(parsed.node)
        if found is not None:
            where, why = found
            self.lowering.refuse(node, f"calling {parsed.name}, {why} (line {where.lineno})")
        return generators.as_list_function(parsed)

    def called_once(self, node, fn):
        """True when this is the only call of `fn` written in the function being lowered and
        fn is not already being inlined: its code then goes in place, as a person writing the
        gradient by hand would put it, instead of a forward and a backward helper with a
        residual tuple between them. Helpers called from several places stay called by name."""
        if fn in self.lowering.inlining:
            return False
        sites = _call_sites(self.lowering.parsed.node)[ast.unparse(node.func)]
        return sites == 1 and not _inside_comprehension(self.lowering.parsed.node, node)

    def call_helper(self, node, fn, args, kwargs, builder):
        """A call of a module-level function stays a call; it is differentiated as a unit."""
        lw = self.lowering
        parsed = frontend.parse(fn)
        bound = self.bind_params(node, parsed, args, kwargs, builder)
        names = parameter_names(parsed.node.args)
        atoms = [lw.atom(bound[n], builder, node) for n in names]
        guards = lw.live.guards       # what fn reads decides its result's kind too

        def lower(parsed, kinds):
            return lower_function(type(lw), parsed, kinds, guards=guards, derive=lw.derive)
        lowered = lowered_for_kinds(fn, [a.kind for a in atoms], lower)
        kind = K.UNKNOWN if lowered is None else lowered.body.results[0].kind
        builder.line = node.lineno
        out = builder.emit("call", Const(fn, fn.__name__), *atoms, kind=kind)
        returned = aliasing.returned_params(lowered) if lowered is not None \
            else range(len(atoms))
        lw.may_be(out, [atoms[k] for k in returned])     # `return a`: the caller's object
        return out

    def inline_local(self, node, local, args, kwargs, builder):
        outer = self.lowering.parsed
        parsed = frontend.Parsed(node=local.node, name=local.name, filename=outer.filename,
                                 globals=outer.globals, closure=outer.closure,
                                 cells=outer.cells, lines=outer.lines,
                                 local_defaults=local.defaults or {})
        return self.inline_parsed(node, parsed, local.env, args, kwargs, builder)

    def inline_parsed(self, node, parsed, outer_env, args, kwargs, builder, fn=None):
        lw = self.lowering
        if generators.is_generator(parsed.node):
            parsed = self.run_to_its_end(node, parsed)
        env = dict(outer_env)
        env.update(self.bind_params(node, parsed, args, kwargs, builder))
        inner = type(lw)(parsed, lw.depth + 1, lw.derive)
        inner.inlining = lw.inlining | {fn}
        inner.origins, inner.views, inner.contains = lw.origins, lw.views, lw.contains
        inner.view_base, inner.opaque.instances = lw.view_base, lw.opaque.instances
        inner.live, inner.writes.owned, inner.objects = lw.live, lw.writes.owned, lw.objects
        inner.argument_writes = lw.argument_writes
        inner.facts = lw.facts
        inner.made.enter(parsed, env)
        body = parsed.node.body
        stmts = body if isinstance(body, list) else [ast.copy_location(ast.Return(body), body)]
        saved, first = builder.line, len(builder.stmts)
        result = inner.suite(stmts, env, builder)
        builder.line = saved
        if parsed.filename != lw.filename or _one_return(stmts):
            # another file's line numbers mean nothing here, and a one-expression helper
            # (`return 1 / (1 + np.exp(-z))`, a lambda) reads best as the line calling it
            relabel(builder, first, node.lineno)
        return Const(None) if result is FALLTHROUGH else result

    def bind_params(self, node, parsed, args, kwargs, builder):
        """Parameter name -> lowered value, as Python binds a call (defaults, *args, kw-only,
        **kw: a dict of the keyword arguments no parameter takes)."""
        params = parsed.node.args
        positional = [a.arg for a in params.posonlyargs + params.args]
        if len(args) > len(positional) and params.vararg is None:
            self.lowering.refuse(node, f"{parsed.name}() takes {len(positional)} arguments, "
                                       f"{len(args)} given")
        bound = dict(zip(positional, args))
        if params.vararg is not None:
            bound[params.vararg.arg] = StaticSeq(list(args[len(positional):]))
        keywords = [a.arg for a in params.kwonlyargs]
        extra = {}                  # what **kw of the callee collects, in the call's order
        for key, value in kwargs.items():
            if key in bound:
                self.lowering.refuse(node, f"{parsed.name}() got two values for {key}")
            if key in positional[len(params.posonlyargs):] + keywords:
                bound[key] = value
            elif params.kwarg is not None:
                extra[key] = value
            else:
                self.lowering.refuse(node, f"unexpected argument {key}= to {parsed.name}()")
        if params.kwarg is not None:
            bound[params.kwarg.arg] = self.lowering.containers.make_dict(
                node, [Const(k) for k in extra],
                [self.lowering.atom(v, builder, node) for v in extra.values()], builder)
        for name, default in self.defaults_of(parsed).items():
            if name not in bound:
                bound[name] = default
        missing = [n for n in positional + keywords if n not in bound]
        if missing:
            self.lowering.refuse(
                node, f"{parsed.name}() is missing the argument {missing[0]!r}")
        return bound

    def defaults_of(self, parsed):
        """Parameter name -> default value: the function object's own `__defaults__` and
        `__kwdefaults__`, which Python evaluated once, when the def ran, and reads at each
        call (read like a global: live.default_origins); a local function's, lowered where
        it is defined."""
        if parsed.local_defaults is not None:
            return parsed.local_defaults
        params = parsed.node.args
        positional = [a.arg for a in params.posonlyargs + params.args]
        found = live.default_origins(parsed.function, positional)
        return {name: self.lowering.live.value(value, origin)
                for name, (value, origin) in found.items()}


def relabel(builder, first, line):
    """Attribute the statements of `builder` from `first` on (and the blocks inside them) to
    one source line: copies, which take the originals' places, `defined_by` included."""
    for k in range(first, len(builder.stmts)):
        stmt = builder.stmts[k]
        builder.stmts[k] = _on_line(stmt, line)
        for out in stmt.outs:
            if builder.defined_by.get(out) is stmt:
                builder.defined_by[out] = builder.stmts[k]


def _on_line(stmt, line):
    """`stmt` and the statements of its blocks, on `line`."""
    changes = {f.name: Block([_on_line(s, line) for s in value.stmts], value.results)
               for f in fields(stmt) if isinstance(value := getattr(stmt, f.name), Block)}
    return replace(stmt, line=line, **changes)


def _changes_what_it_is_given(fn):
    """A helper changing a list or dict it is given, or setting an attribute of an object it
    is given (`self.n += 1` in a method), goes in place: its changes are then its caller's
    (srcad/lowering/caller.py), and the caller's later reads see them (an attribute set is
    followed by the lowering: dynamic.store_object_attribute); called by name, it would
    change a copy, or change the object unseen by the code around the call."""
    definition = aliasing.source_definition(Static(fn), aliasing.is_srcad_transform)
    return definition is not None and (bool(changes_parameters(definition)) or
                                       aliasing.sets_parameter_attributes(definition))


def _called_by_name(fn):
    """Module-level functions are called (transformed once); local ones, one-line helpers
    (`return 1 / (1 + np.exp(-z))`), whose call would cost more than their body, and those
    taking **kw (a dict of what the call names) or yielding (a generator) are inlined."""
    return "<locals>" not in fn.__qualname__ and fn.__name__ != "<lambda>" and \
        getattr(fn, "__srcad__", None) is None and not _one_expression(fn) and \
        not fn.__code__.co_flags & (inspect.CO_VARKEYWORDS | inspect.CO_GENERATOR)


def _inside_comprehension(tree, target):
    """True when `target` sits in a comprehension, which is unrolled once per element."""
    comprehensions = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    return any(isinstance(n, comprehensions) and any(m is target for m in ast.walk(n))
               for n in ast.walk(tree))


def _one_return(stmts):
    """The statements of a body are one `return <expression>` (a docstring aside)."""
    body = [s for s in stmts if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Return)


def _one_expression(fn):
    """True for a function whose body is a single `return <expression>` (a docstring aside)."""
    try:
        node = frontend.definition(fn)
    except SrcadError:
        return False
    return _one_return(node.body) and \
        not any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                and n.func.id == fn.__name__ for n in ast.walk(node))


def _all_atoms(args, kwargs):
    values = list(args) + list(kwargs.values())
    return all(not isinstance(v, (Static, LocalFunction, RangeValue, ZipValue)) for v in values)


@functools.lru_cache(maxsize=256)
def _call_sites(function):
    """How many calls of each callee, as written (`ast.unparse` of the callee), `function`
    holds: counted once per function (asked at each call; the trees are only read)."""
    return Counter(ast.unparse(n.func) for n in ast.walk(function) if isinstance(n, ast.Call))
