"""Which part of the lowering lowers a construct: the hooks several parts claim.

An attribute may be one of an object made in the function (lowering/objects.py), one the
function set (lowering/dynamic.py), `sol.y` of a solve_ivp result (lowering/integrate.py), or
any other (lowering/expressions.py). Each such hook has an ordered tuple of handlers (Handlers
below, the one place that says who comes first); the first handler whose answer is not
NOT_MINE lowers the construct, and the last one lowers whatever the others leave. A new
capability is one new handler put in its place in a tuple.

The loop over a hook's handlers runs in the hook's own frame: lowering a call nested in a
call costs the same number of Python frames however many handlers there are (a chain of
overrides calling each other costs one per override; tests/test_transform_growth.py lowers
190 nested calls within Python's recursion limit).

A hook that several parts follow, each before or after the one that lowers the construct
(`x += v` on the caller's array or list, `xs.append(v)`, `d[k] = v`), calls their steps by
name, in the order they run (below the handler loops): no part overrides another.
"""

import ast
import functools
from dataclasses import dataclass

from ..errors import NameResolutionError, UnsupportedSyntaxError
from .values import is_atom

NOT_MINE = object()          # a handler's answer for what another handler lowers


def first_named(name, *owners):
    """The method `name` of the first of `owners` (the lowering, its parts) that has one."""
    for owner in owners:
        if (method := getattr(owner, name, None)) is not None:
            return method
    return None


@dataclass(frozen=True)
class Handlers:
    """For each hook, the handlers that may lower it, in the order they are asked."""

    statement: tuple         # a statement lowered with the rest of its block: the block's value
    expression_statement: tuple     # an expression as a statement (`xs.append(v)`, `g(x)`)
    store_item: tuple        # `x.T[i] = v`, `obj.a[k] = v`, `c[i][k] = v` (else store_item's steps)
    atom: tuple              # a lowered value as an IR atom
    attribute: tuple         # `x.name` read
    known_attribute: tuple   # `obj.name` of an object known now
    subscript: tuple         # `x[i]` read
    store_attribute: tuple   # `x.name = value`
    method_call: tuple       # `x.name(...)` of a value that is not known now
    call: tuple              # a call of a lowered callee
    call_object: tuple       # a call of an object known now, with no rule and not the user's
    compare: tuple           # `a < b`, `a is b`
    index: tuple             # the index of a subscript
    sorted: tuple            # `sorted(...)`
    update_item: tuple       # `x[i] op= v`
    update_container_item: tuple    # `c[k] op= v` on a list or dict
    store_into_item: tuple   # `c[k][i] = v` (or op=) on an array a container holds
    foreign_write: tuple     # refuse a write into an array others see (None: allowed)
    visible_change: tuple    # refuse a change in place others see (None: allowed)
    # Steps that all run, in order:
    may_be: tuple            # note that a value may be the same object as others
    carries: tuple           # more names a loop carries (each returns the longer list)
    undefined: tuple         # explain a name read where it is not bound (each may raise)


def handlers_of(lw):
    """The handlers of the lowering `lw` (statements.FunctionLowering), each bound to it."""
    return Handlers(
        statement=(lw.peeling.statement, lw.forms.statement_form, lw.dynamic.loop_over_objects,
                   lw.opaque.lower_raising, lw.opaque.unread_method_result),
        expression_statement=(lw.forms.local_call_statement,
                              lw.caller_objects.changing_call_statement,
                              lw.stores.expression_statement),
        store_item=(lw.view_writes.store_transposed_item, lw.caller_objects.store_held_item),
        atom=(lw.forms.local_function_atom, lw.frozen.atom, lw.made.atom,
              lw.expressions.value_atom),
        attribute=(lw.made.attribute, lw.dynamic.stored_attribute, lw.dynamic.known_property,
                   lw.integration.attribute, lw.expressions.value_attribute),
        known_attribute=(lw.frozen.attribute, lw.expressions.live_attribute),
        subscript=(lw.made.slice, lw.made.item, lw.dynamic.specialised_subscript),
        store_attribute=(lw.made.store_attribute, lw.dynamic.store_object_attribute),
        method_call=(lw.made.method_call, lw.expressions.value_method_call),
        call=(lw.forms.call_format, lw.integration.call, lw.made.super_call,
              lw.expressions.call_value),
        call_object=(lw.frozen.call, lw.dynamic.call_known_object),
        compare=(lw.made.identity, lw.operators.expr_Compare),
        index=(lw.writes.range_index, lw.expressions.value_index),
        sorted=(lw.forms.sorted_by_known_keys, lw.calls.sorted_items),
        update_item=(lw.view_writes.update_transposed_item,
                     lw.attribute_changes.update_attribute_item, lw.writes.update_any_item),
        update_container_item=(lw.caller_arrays.update_argument_item, lw.writes.update_held_item),
        store_into_item=(lw.caller_arrays.store_into_argument_item, lw.writes.store_into_held_item),
        foreign_write=(lw.caller_objects.refuse_write_into_stored,
                       lw.caller_arrays.refuse_argument_write, lw.writes.refuse_write_into_shared),
        visible_change=(lw.caller_objects.refuse_caller_object_change,
                        lw.stores.refuse_shared_change),
        may_be=(lw.stores.may_be_origins, lw.caller_arrays.may_be_argument,
                lw.caller_objects.may_be_caller_object),
        carries=(lw.forms.carry_changed_by_calls, lw.caller_objects.carry_passed),
        undefined=(lw.forms.refuse_deleted, lw.unbound.refuse_unbound),
    )


class Dispatching:
    """What the parts call as `lw.X`: `expr`, `refuse` and the hooks of Handlers, each asking
    its handlers in order. The one base of FunctionLowering; no state of its own (that is
    FunctionLowering's, made in its __init__)."""

    @functools.cached_property
    def handlers(self):
        return handlers_of(self)

    @functools.cached_property
    def expression_methods(self):
        """expr_X by node type, found once per lowering (`expr` runs for every node)."""
        return {}

    def refuse(self, node, what):
        raise UnsupportedSyntaxError(f"unsupported: {what}", filename=self.filename,
                                     line=getattr(node, "lineno", None),
                                     construct=self.source_of(node))

    def source_of(self, node):
        try:
            return ast.unparse(node)[:80]
        except Exception:           # noqa: BLE001 - a best-effort description only
            return type(node).__name__

    def expr(self, node, env, builder):
        """The lowered value of an expression: by a hook's expr_X (below), or the first part's
        that lowers such a node (expressions.py, forms, operators, containers, ...)."""
        if (method := self.expression_methods.get(type(node))) is None:
            method = first_named("expr_" + type(node).__name__, self, self.expressions,
                                 self.forms, self.operators, self.containers, self.dynamic,
                                 self.caller_objects, self.stores)
            if method is None:
                self.refuse(node, f"the expression {type(node).__name__} "
                                  f"({self.source_of(node)})")
            self.expression_methods[type(node)] = method
        return method(node, env, builder)

    def special_call(self, name):
        """The method named in SPECIAL_CALLS (lowering/builtins.py) for a builtin called:
        one of the builtins part, of the type questions part, of the dynamic calls part
        (getattr), of the forms part (map, reduce), of the calls part (sorted's items, dict,
        np.finfo), or of the lowering itself."""
        return first_named(name, self.builtins, self.types, self.dynamic, self.forms, self.calls,
                           self)

    def special_statement(self, stmt, rest, env, builder):
        """The value of the block `stmt` starts, with `rest`; NOT_MINE where no handler
        lowers the statement with the rest of its block (FunctionLowering.suite lowers it alone)."""
        for handler in self.handlers.statement:
            if (value := handler(stmt, rest, env, builder)) is not NOT_MINE:
                return value
        return NOT_MINE

    def index(self, node, env, builder):
        for handler in self.handlers.index:
            if (out := handler(node, env, builder)) is not NOT_MINE:
                return out

    def call_sorted(self, node, args, kwargs, builder):
        for handler in self.handlers.sorted:
            if (out := handler(node, args, kwargs, builder)) is not NOT_MINE:
                return out

    def update_item(self, node, env, builder):
        for handler in self.handlers.update_item:
            if handler(node, env, builder) is not NOT_MINE:
                return

    def update_container_item(self, node, env, builder):
        for handler in self.handlers.update_container_item:
            if handler(node, env, builder) is not NOT_MINE:
                return

    def store_into_item(self, target, op, value, env, builder):
        for handler in self.handlers.store_into_item:
            if handler(target, op, value, env, builder) is not NOT_MINE:
                return

    def refuse_foreign_write(self, node, name, array, env, symbol, holder=None):
        for handler in self.handlers.foreign_write:
            if handler(node, name, array, env, symbol, holder) is not NOT_MINE:
                return

    def refuse_visible_change(self, node, name, env, builder, change, rewrite):
        for handler in self.handlers.visible_change:
            if handler(node, name, env, builder, change, rewrite) is not NOT_MINE:
                return

    def emit(self, prim, atoms, builder, node, kind=None):
        """prim(*atoms) lowered: `x is None` where the kind of x answers it (caller.py),
        else the primitive (expressions.py); a read of an item of the caller's dict is
        noted (argument_writes.py)."""
        if prim in ("is_", "is_not") and \
                (known := self.caller_objects.known_identity(prim, atoms)) is not NOT_MINE:
            return known
        out = self.expressions.emit_primitive(prim, atoms, builder, node, kind)
        if prim == "getitem":
            self.caller_arrays.note_item_read(out, atoms)
        return out

    def may_be(self, out, values):
        """`out` may be the same object as any of `values` (an if's out, a loop's carry)."""
        for note in self.handlers.may_be:
            note(out, values)

    def loop_carries(self, assigned, env, node, read_outside):
        """The names a loop carries, of those it `assigned` and those the steps add."""
        for more in self.handlers.carries:
            assigned = more(assigned, env, node)
        return self.unbound.carried_or_marked(assigned, env, node, read_outside)

    def refuse_undefined(self, node, name):
        for explain in self.handlers.undefined:
            explain(node, name)
        raise NameResolutionError(f"name '{name}' is not defined", filename=self.filename,
                                  line=node.lineno, construct=name)

    def atom(self, value, builder, node):
        if is_atom(value):
            return value            # a NewObject stays one until the end (lowering/stores.py)
        for handler in self.handlers.atom:
            if (out := handler(value, builder, node)) is not NOT_MINE:
                return out

    def expr_Attribute(self, node, env, builder):
        for handler in self.handlers.attribute:
            if (out := handler(node, env, builder)) is not NOT_MINE:
                return out

    def object_attribute(self, node, obj, obj_name):
        for handler in self.handlers.known_attribute:
            if (out := handler(node, obj, obj_name)) is not NOT_MINE:
                return out

    def expr_Subscript(self, node, env, builder):
        for handler in self.handlers.subscript:
            if (out := handler(node, env, builder)) is not NOT_MINE:
                return out

    def store_attribute(self, target, value, env, builder):
        for handler in self.handlers.store_attribute:
            if handler(target, value, env, builder) is not NOT_MINE:
                return

    def method_call(self, node, base, env, builder):
        for handler in self.handlers.method_call:
            if (out := handler(node, base, env, builder)) is not NOT_MINE:
                return out

    def call(self, node, callee, args, kwargs, builder):
        for handler in self.handlers.call:
            if (out := handler(node, callee, args, kwargs, builder)) is not NOT_MINE:
                return out

    def call_object(self, node, fn, args, kwargs, builder):
        for handler in self.handlers.call_object:
            if (out := handler(node, fn, args, kwargs, builder)) is not NOT_MINE:
                return out

    def expr_Compare(self, node, env, builder):
        for handler in self.handlers.compare:
            if (out := handler(node, env, builder)) is not NOT_MINE:
                return out

    def stmt_Expr(self, node, env, builder):
        for handler in self.handlers.expression_statement:
            if handler(node, env, builder) is not NOT_MINE:
                return

    # ----- hooks whose steps all run, in order ------------------------------------------------
    def store_item(self, target, value, env, builder):
        """`x[k] = v`: a handler's, or the store into the named list, dict or array
        (stores.py), made on the caller's list or dict too (caller.py)."""
        for handler in self.handlers.store_item:
            if handler(target, value, env, builder) is not NOT_MINE:
                return
        old = self.caller_objects.before_item_store(target, env, builder)
        self.stores.store_named_item(target, value, env, builder)
        self.caller_objects.item_stored(target, old, env, builder)

    def store_into_array(self, target, op, value, env, builder, checked=False):
        """`x[i] = v` or `x[i] op= v` on an array (writes.py), followed as a version of the
        caller's array where x is one (argument_writes.py; `checked`: the caller did)."""
        name = target.value.id
        arg = None if checked else self.caller_arrays.written_argument(env[name])
        self.writes.write_into_array(target, op, value, env, builder, checked)
        if arg is not None:
            self.caller_arrays.note_version(arg, env[name], target, builder)

    def stmt_AugAssign(self, node, env, builder):
        """`x op= v`: on an attribute (caller.py), else on a name or item (stores.py),
        followed on the caller's array (argument_writes.py) and list (caller.py)."""
        if isinstance(node.target, ast.Attribute):
            return self.attribute_changes.update_attribute(node, env, builder)
        old = env.get(node.target.id) if isinstance(node.target, ast.Name) else None
        arg = self.caller_arrays.updated_argument(old)
        self.stores.update_in_place(node, env, builder)
        self.caller_arrays.note_updated_argument(arg, old, node, env, builder)
        self.caller_objects.updated_list(node, old, env, builder)
        return None

    def grow_list(self, node, call, name, env, builder):
        """`xs.append(v)`, `xs.extend(vs)` (stores.py), on the caller's list too (caller.py)."""
        old = env[name]
        self.stores.append_to_list(node, call, name, env, builder)
        self.caller_objects.grown(node, old, env[name], builder)

    def container_method(self, node, base, args, kwargs, env, builder):
        """A list or dict method's value, or None (methods.py); its change made on the
        caller's list or dict too (caller.py)."""
        found = self.container_methods.call_container_method(node, base, args, kwargs, env, builder)
        if found is not None:
            self.caller_objects.method_changed(node, base, args, env, builder)
        return found

    def refuse_changed_arguments(self, node, callee, args, kwargs, env, builder):
        """A call of a helper that changes what it is given: refused where the kind of an
        argument is not known (caller.py), or where another name shows an argument whose
        change is not followed (argument_writes.py, stores.py)."""
        self.caller_objects.refuse_unknown_changed(node, callee, env)
        args, kwargs = self.caller_arrays.unfollowed(args, kwargs)
        self.stores.refuse_shared_parameter_change(node, callee, args, kwargs, env, builder)
