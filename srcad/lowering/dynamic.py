"""Lowering of Python's dynamic calls where the callee is an object known now: a loop over a
list of layer objects or functions (`for layer in self.layers: x = layer.forward(x)`), a
callable object (`loss_fn(y_hat, y)` with a `__call__` written in Python), and
`functools.partial`.

These are resolved when srcad transforms the function, as Python would resolve them when it
runs: the list of objects is guarded (srcad/frontend/live.py), so replacing a layer, or the list,
transforms again; the objects' attributes (`self.W`) are read when the derivative runs. A
loop over objects is unrolled, one copy of the body per object, because each object may
run different code. A callee known only at run time (a function chosen by a value computed
in the function) is refused by the call's lowering, naming the line.
"""

import ast
import functools
import inspect

import numpy as np

from ..frontend import desugar, live
from ..ir.nodes import Const, Var
from .dispatch import NOT_MINE
from .made_records import generated_dataclass
from .objects import MadeObject, plain_class, property_setter
from ..frontend.syntax import nodes_below
from ..frontend.user_code import user_function
from .values import (EnumerateValue, LocalFunction, ReversedValue, Static, StaticSeq, is_atom,
                     from_python)

_DICT_VIEWS = {"items", "values", "keys"}
_WALKS = {"reversed", "enumerate", "list", "tuple"}      # builtins that only walk a sequence
_PLAIN = (bool, int, float, complex, str, bytes, type(None), np.ndarray, np.generic)


class Dynamic:
    """A part of the lowering `lw` of a function: calls of objects known now (layers, callable
    objects, partial), resolved as Python would resolve them (its `dynamic`)."""

    def __init__(self, lw):
        self.lw = lw


    def loop_over_objects(self, stmt, rest, env, builder):
        """A loop over objects known now (layers, functions), unrolled, lowered with the
        `rest` of its block: the block's value."""
        if isinstance(stmt, ast.For) and not stmt.orelse and _plain_body(tuple(stmt.body)):
            items = self.object_items(stmt.iter, env, builder)
            if items is not None:
                for item in items:
                    self.lw.assign(stmt.target, item, env, builder)
                    self.lw.run_suite(stmt.body, env, builder)
                return self.lw.suite(rest, env, builder)
        return NOT_MINE

    def object_items(self, node, env, builder):
        """The items of a loop's iterable when they include objects known now (layers,
        functions), to unroll the loop over; None otherwise. Only an iterable read without
        calling anything is looked at (lowering it twice must not run anything twice)."""
        view = node.func.attr if isinstance(node, ast.Call) and not node.args and \
            isinstance(node.func, ast.Attribute) and node.func.attr in _DICT_VIEWS else None
        inner = node.func.value if view else node
        literal = isinstance(inner, (ast.List, ast.Tuple))   # [Affine(w1), Affine(w2)]
        if not literal and any(isinstance(n, ast.Call) and not self.walks(n.func, env)
                               for n in ast.walk(inner)):
            return None
        mark = len(builder.stmts)
        value = self.lw.expr(inner, env, builder)
        items = _dict_items(value, view) if view else _items(value)
        if literal and not (items is not None and any(_is_object(v) for v in items)):
            del builder.stmts[mark:]         # the loop lowers its literal itself, once
            return None
        if items is None and not view and isinstance(value, Var) and \
                value.kind.tag in ("list", "tuple") and value.kind.items is not None and \
                any(k.is_static for k in value.kind.items):     # an argument's functions
            return [from_python(k.value) if k.is_static else    # or names
                    self.lw.emit("getitem", [value, Const(i)], builder, node)
                    for i, k in enumerate(value.kind.items)]
        return items if items is not None and any(_is_object(v) for v in items) else None

    def walks(self, func, env):
        """Whether `func` is one of the builtins that only walk a sequence (not shadowed)."""
        return isinstance(func, ast.Name) and func.id in _WALKS and func.id not in env and \
            func.id not in self.lw.parsed.globals and func.id not in self.lw.parsed.closure

    def call_known_object(self, node, fn, args, kwargs, builder):
        """A call of `fn`, an object with no rule: a partial or an object whose `__call__` is
        Python are lowered through their code; anything else runs as written."""
        if isinstance(fn, functools.partial):
            bound = [self.partial_value(fn, ("args", k), v) for k, v in enumerate(fn.args)]
            keywords = {k: self.partial_value(fn, ("keywords", k), v)
                        for k, v in fn.keywords.items()}
            return self.lw.call(node, from_python(fn.func), [*bound, *args],
                                {**keywords, **kwargs}, builder)
        if plain_class(fn) and _user_class(fn) or generated_dataclass(fn) and \
                not all(isinstance(a, (Const, Static)) for a in [*args, *kwargs.values()]):
            return self.lw.made.construct(node, fn, args, kwargs, builder)  # lowering/objects.py
        method = next((vars(c)["__call__"] for c in type(fn).__mro__
                       if "__call__" in vars(c)), None) if callable(fn) else None
        if inspect.isfunction(method):
            receiver = Const(fn, type(fn).__name__.lower())
            return self.lw.functions.inline(node, method, [receiver, *args], kwargs, builder)
        return self.lw.opaque.opaque_call(node, fn, args, kwargs, builder)

    def call_runtime_value(self, node, callee, args, kwargs, builder):
        """A call of a value made when the function runs: an object of a class of the user's
        made here (`Tanh()(x)`) calls that class's `__call__`; anything else is refused. An
        object known now (`self(z)` in a method) is called as `call_object` says."""
        if isinstance(callee, MadeObject):
            return self.lw.made.call(node, callee, args, kwargs, builder)
        if isinstance(callee, Const) and not isinstance(callee.value, _PLAIN) and \
                callable(callee.value):
            return self.lw.call_object(node, callee.value, args, kwargs, builder)
        cls = self.lw.opaque.instances.get(callee) if isinstance(callee, Var) else None
        method = inspect.getattr_static(cls, "__call__", None) if cls is not None else None
        if inspect.isfunction(method):
            return self.lw.functions.inline(node, method, [callee, *args], kwargs, builder)
        return self.runtime_call(node, callee, args, kwargs, builder)

    def runtime_call(self, node, callee, args, kwargs, builder):
        """A call of a callable known only when the function runs (chosen by an index the
        function computes, returned by a call): a run-time call, whose derivative is the
        callee's, asked for when it runs (srcad/lowering/runtime_calls.py)."""
        calls = getattr(self.lw.derive, "runtime_calls", None)
        if not isinstance(callee, Var):
            what = repr(callee.value) if isinstance(callee, Const) else \
                self.lw.expressions.describe(callee)
            self.lw.refuse(node, f"calling {what}, which is not a function")
        made_by = builder.defined_by.get(callee)
        if made_by is not None and made_by.prim == "opaque":
            self.lw.refuse(node, "calling what a library call returned (`np.vectorize(f)(x)`): "
                                 "srcad has no derivative for it; register a rule for the "
                                 "function that calls it (srcad.extend.defprimitive, "
                                 "docs/custom_rules.md), or choose the function from what srcad "
                                 "can see (docs/dynamic_python.md)")
        if calls is None:
            self.lw.refuse(node, "calling a value known only when the function runs, where no "
                                 "derivative can be asked for when it runs (lowering outside "
                                 "srcad's transforms); choose the function from what srcad can "
                                 "see (an argument, a constant key; docs/dynamic_python.md)")
        atoms = [self.lw.atom(a, builder, node) for a in [*args, *kwargs.values()]]
        site = Const(calls.site(self.lw.filename, node.lineno, tuple(kwargs)), "call_at_run_time")
        return self.lw.emit("dyncall", [site, callee, *atoms], builder, node)

    def call_getattr(self, node, args, kwargs, builder):
        """`getattr(obj, name)` with `name` known now (a constant, a string argument the
        derivative is specialised on): the attribute `obj.name`, as Python reads it."""
        atoms = [a if isinstance(a, (Static, MadeObject)) else self.lw.atom(a, builder, node)
                 for a in args]
        if len(atoms) == 2 and not kwargs and not isinstance(atoms[1], Const) and \
                is_atom(atoms[0]) and getattr(self.lw.derive, "runtime_calls", None):
            return self.lw.emit("attr", atoms, builder, node)      # a method called at run time
        if kwargs or len(atoms) not in (2, 3) or not isinstance(atoms[1], Const) or \
                not isinstance(atoms[1].value, str):
            self.lw.refuse(node, "getattr() with a name computed when the function runs; pass "
                                 "the name as an argument or a constant, or bind the attribute "
                                 "to a variable where srcad can see it")
        base, name = atoms[0], atoms[1].value
        if isinstance(args[0], MadeObject) and len(atoms) == 2:
            return self.lw.made.read(node, args[0], name, builder)
        attribute = ast.copy_location(ast.Attribute(node.args[0], name, ast.Load()), node)
        if isinstance(base, Static) or isinstance(base, Const) and \
                not hasattr(base.value, "shape"):
            obj = base.obj if isinstance(base, Static) else base.value
            if len(atoms) == 3 and not hasattr(obj, name):
                return args[2]
            return self.lw.object_attribute(attribute, obj, getattr(obj, "__name__", None))
        if len(atoms) == 3:
            self.lw.refuse(node, "getattr() with a default, of a value computed when the function "
                                 "runs; read the attribute directly")
        return self.lw.calls.runtime_attribute(attribute, base, builder)

    def specialised_subscript(self, node, env, builder):
        """`x[i]`; an item of an argument that is a string or a function (`config['act']`)
        is the value the derivative is specialised on (srcad/kinds.py `is_static`)."""
        value = self.lw.expressions.value_subscript(node, env, builder)
        if isinstance(value, Var) and value.kind.is_static:
            return from_python(value.kind.value)
        if isinstance(value, Const) and isinstance(value.value, LocalFunction):
            return value.value                  # a lambda from a table of functions
        return value

    def expr_Dict(self, node, env, builder):
        """A dict literal holding functions (`{'relu': relu, 'tanh': np.tanh}[kind]`) is a
        table known now, looked up when srcad transforms the function; other dicts are
        built when the derivative runs."""
        if any(k is None for k in node.keys):
            self.lw.refuse(node, "`**mapping` inside a dict literal")
        keys = [self.lw.expr(k, env, builder) for k in node.keys]
        values = [self.lw.expr(v, env, builder) for v in node.values]
        if all(isinstance(k, Const) for k in keys) and any(_is_function(v) for v in values) \
                and all(isinstance(v, (Static, Const, LocalFunction)) for v in values):
            return Const({k.value: v.obj if isinstance(v, Static) else
                          v.value if isinstance(v, Const) else v for k, v in zip(keys, values)})
        keys = [self.lw.atom(k, builder, node) for k in keys]
        values = [self.lw.atom(v, builder, node) for v in values]
        return self.lw.containers.make_dict(node, keys, values, builder)

    def store_object_attribute(self, target, value, env, builder):
        """`obj.name = value` on an object of the user's (`self.lw.X = X` in a layer's forward,
        kept for its backward): set when the derivative runs, to the value the function
        computes; later reads of `obj.name` in the function get that value."""
        owner = self.attribute_owner(target, env, builder)
        cls = type(owner.value) if isinstance(owner, Const) else self.lw.opaque.instances[owner]
        if (setter := property_setter(self.lw, target, cls)) is not None:
            self.lw.functions.inline(target, setter, [owner, value], {}, builder)
            return
        atom = self.lw.atom(value, builder, target)
        builder.line = target.lineno
        builder.emit("setattr", self.lw.atom(owner, builder, target), Const(target.attr), atom)
        self.lw.live.stores[store_key(owner, target.attr)] = (value, builder)

    def attribute_owner(self, target, env, builder):
        owner = self.lw.expr(target.value, env, builder)
        if isinstance(owner, Const) and not isinstance(owner.value, _PLAIN) or \
                isinstance(owner, Var) and owner in self.lw.opaque.instances:
            return owner
        self.lw.refuse(target, owner_problem(owner, ast.unparse(target.value)))

    def stored_attribute(self, node, env, builder):
        """`obj.name` after the function set it (store_attribute) is the value it set."""
        if isinstance(node.ctx, ast.Load) and self.lw.live.stores and \
                not any(isinstance(n, ast.Call) for n in ast.walk(node.value)):
            owner = self.lw.expr(node.value, env, builder)
            stored = self.lw.live.stores.get(store_key(owner, node.attr))
            if stored is not None and stored[1] is builder:
                return stored[0]
            if stored is not None:
                self.lw.refuse(node, f"reading .{node.attr}, set inside a branch or loop that "
                                     "has ended, or before one: srcad follows an attribute the "
                                     "function sets only in straight-line code; keep the value "
                                     "in a variable")
        return NOT_MINE

    def known_property(self, node, env, builder):
        """`obj.name` where obj is an object of the user's known now (a global, a closure's,
        `self` of its inlined method) whose class makes name a property written in Python: the
        getter inlined, so it runs when the function runs, on what obj holds then, once per
        read as in Python (never when srcad transforms the function)."""
        if not isinstance(node.ctx, ast.Load) or not _name_chain(node.value):
            return NOT_MINE              # only `obj.name`, `net.layer.name`: looked up again
        base = self.lw.expr(node.value, env, builder)          # by value_attribute, at no cost
        obj = base.obj if isinstance(base, Static) else \
            base.value if isinstance(base, Const) else None
        found = inspect.getattr_static(type(obj), node.attr, None)
        if obj is None or isinstance(obj, type) or not isinstance(found, property) or \
                not user_function(found.fget):
            return NOT_MINE
        return self.lw.functions.inline(node, found.fget, [Const(obj, "self")], {}, builder)

    def partial_value(self, fn, where, value):
        """An argument a partial holds: numbers and arrays read when the derivative runs."""
        if not live.is_data(value):
            return from_python(value)
        origin = live.Origin(fn, "partial", (("attr", where[0]), ("item", where[1])),
                             str(where[1]) if where[0] == "keywords" else "arg")
        return self.lw.live.value(value, origin, self.lw.views)


def _name_chain(node):
    """Whether `node` is a name or a chain of attributes of one (`net.layer`)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def store_key(owner, attr):
    """The key of `owner.attr` in the stores: the object, or the var for one made here."""
    if isinstance(owner, Const):
        return (id(owner.value), attr)
    if isinstance(owner, Static):
        return (id(owner.obj), attr)
    return (owner, attr) if isinstance(owner, Var) else None


def _dict_items(value, view):
    """The items of `d.items()`, `d.values()` or `d.keys()` for a dict known now, or None."""
    if not (isinstance(value, Const) and type(value.value) is dict):
        return None
    pairs = value.value.items()
    if view == "items":
        return [StaticSeq([from_python(k), from_python(v)]) for k, v in pairs]
    return [from_python(v if view == "values" else k) for k, v in pairs]


def _items(value):
    """The lowered items of a sequence known now (a list literal, a list of objects, and
    reversed or enumerate of one); None for anything else."""
    if isinstance(value, StaticSeq):
        return list(value.items)
    if isinstance(value, Const) and type(value.value) in (list, tuple):
        return [from_python(v) for v in value.value]
    if isinstance(value, ReversedValue):
        items = _items(value.seq)
        return None if items is None else items[::-1]
    if isinstance(value, EnumerateValue) and isinstance(value.start, Const):
        items = _items(value.seq)
        return None if items is None else \
            [StaticSeq([Const(value.start.value + k), v]) for k, v in enumerate(items)]
    return None


def _is_object(value):
    if isinstance(value, StaticSeq):
        return any(_is_object(v) for v in value.items)
    return isinstance(value, (Static, MadeObject)) or \
        (isinstance(value, Const) and not isinstance(value.value, _PLAIN))


def _user_class(cls):
    """A class written in the user's code (judged by its own functions)."""
    functions = [v for c in cls.__mro__[:-1] for v in vars(c).values() if inspect.isfunction(v)]
    return bool(functions) and all(map(user_function, functions))


def _is_function(value):
    return isinstance(value, LocalFunction) or isinstance(value, Static) and callable(value.obj)


@functools.lru_cache(maxsize=512)
def _plain_body(stmts):
    """No break, continue or return: each copy of an unrolled body runs to its end (a tuple
    of statements: asked once per loop, which is lowered again until its kinds settle)."""
    return not desugar.has_jumps(stmts) and \
        not any(isinstance(n, ast.Return) for s in stmts for n in (s, *nodes_below(s)))


def owner_problem(owner, text):
    """Why `text.name = value` on `owner` is refused, and what to write instead."""
    if isinstance(owner, Var) and owner.kind.tag in ("other", "unknown"):
        return (f"assignment to an attribute of '{text}', an object whose class srcad does not "
                "know when it transforms the function (an argument, or a value computed when "
                "it runs), so it cannot follow what the function reads from it afterwards; "
                f"make the object in the function, or read it from a global (`{text}` a "
                "module-level name: `self.n += 1` on those is followed), or keep the value in "
                "a variable and return it")
    return ("assignment to an attribute of something other than an object of your own "
            "classes (a module, an array, a number, a value computed here); keep the value in "
            "a variable instead")
