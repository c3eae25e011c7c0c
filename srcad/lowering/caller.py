"""Lowering changes to lists and dicts the function did not make: the caller's, passed as an
argument (`bn_param['running_mean'] = ...`, `config.setdefault('m', m0)`), one an attribute
of an object holds (`self.params['W'] = ...`), and a helper's changes to its caller's.

srcad's IR has values, not objects: `d[k] = v` binds the name to a new version of d
(srcad/lowering/stores.py). Python changes the object itself, and every name bound to it sees
the change. So lowering keeps, for each version, the object it is a version of, and that
object's latest version (`Objects`):

- after a call of a helper, the caller's names still bound to an older version of an object
  the helper changed are bound to its latest version, as Python's names see it;
- a change to an object the caller can see is also made on that object, in the forward
  sweep, on the primal values, once per call, where the function makes it: generated code
  writes it as the function does (`bn_param['running_mean'] = v`, `config.setdefault('m',
  m0)`). It has no derivative: what the function stores is differentiated where the
  function reads it again, through the versions;
- what the function reads of such an object is read from a shallow copy taken on entry
  (`snapshot_caller_objects`), since the reverse sweep or the code generator may place a
  read after the change (the caller's object changes as the function runs).

What this cannot follow is refused at the user's line with a rewrite that works: an array
the caller's container holds, changed in place (`d['m'] += g` on an array, which Python
changes where the caller holds it too); a dict of the caller's reached in other ways than a
plain name, an argument or an object's attribute; a change on some paths of a helper only.
"""

import ast
import functools
import inspect
from dataclasses import replace

from . import aliasing
from ..frontend import live
from ..frontend.user_code import user_function
from .. import kinds as K
from ..analysis.activity import bound_vars, substitute_block
from ..errors import SrcadError
from ..ir.nodes import Block, Const, Eqn, If, Var, While, sub_blocks, walk_eqns
from .dispatch import NOT_MINE
from .dynamic import store_key
from .methods import CHANGING_METHODS
from .objects import MadeObject
from .stores import Argument, NewObject, describe_holders
from .writes import refuse_repeated
from .values import LocalFunction, Static, StaticSeq

CALLER_CHANGES = ("store_item", "mutate")
_NUMBERS = ("int", "float", "bool", "complex")
_NOT_NONE = ("dict", "list", "tuple", "array", "str", *_NUMBERS)
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
        ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//"}


class Objects:
    """The object each list or dict version is a version of, and each object's latest."""

    def __init__(self):
        self.base = {}          # id(version) -> (version, the object's first version)
        self.latest = {}        # id(first version) -> its latest version
        self.stored = {}        # id(value) -> (line, value): values stored into a caller's
                                # object (held, so that no later value gets the id)

    def base_of(self, value):
        entry = self.base.get(id(value))
        return entry[1] if entry else value

    def add(self, old, new):
        base = self.base_of(old)
        self.base[id(new)] = (new, base)
        self.latest[id(base)] = new


class AttributeChanges:
    """A part of the lowering `lw` of a function: `obj.attr[k] = v`, `obj.attr[k] op= v` and
    `obj.a op= v` on objects of the user's (with lw.caller_objects: whose they are)."""

    def __init__(self, lw):
        self.lw = lw

    def store_attribute_item(self, target, value, env, builder):
        """`obj.attr[k] = v` on the list or dict an object of the user's holds."""
        if self.lw.made.store_item(target, value, env, builder) is not NOT_MINE:
            return None
        holder = target.value
        owner = self.lw.dynamic.attribute_owner(holder, env, builder)
        container = self.lw.expr(holder, env, builder)
        if self.lw.caller_arrays.write_attribute_element(target, None, value, container, env,
                                                         builder):
            return None
        caller = self.lw.caller_objects
        root = caller.caller_object(container)
        if root is None and _is_container(container) and \
                store_key(owner, holder.attr) in self.lw.live.stores:
            return self.store_into_set_attribute(target, holder, container, value, env,
                                                 builder)
        if root is None or caller.attribute_of(self.lw.objects.base_of(container)) is None:
            self.lw.refuse(target, "assignment into an item of an attribute's value that is not "
                                   "a list or dict read from an object of your own classes; "
                                   f"name it first (`d = {ast.unparse(holder)}; d[k] = ...; "
                                   f"{ast.unparse(holder)} = d`)")
        holders = [h for h in self.lw.stores.holders(container, env, builder) if h != "view"]
        if holders and aliasing.may_read_again(self.lw.parsed.node, target, holders):
            self.lw.refuse(target, f"`{ast.unparse(holder)}[...] = ...` on "
                                   f"{describe_holders(holders)}: Python would change both; "
                                   f"read `{ast.unparse(holder)}` again after the change instead")
        key = self.lw.index(target.slice, env, builder)
        item = self.lw.atom(value, builder, target)
        new = self.lw.emit("with_item", [self.lw.atom(container, builder, target), key, item],
                           builder, target)
        self.lw.objects.add(container, new)
        caller.expose(item, target)
        builder.line = target.lineno
        builder.emit("store_item", root, key, item)
        self.lw.live.stores[store_key(owner, holder.attr)] = (new, builder)

    def store_into_set_attribute(self, target, holder, container, value, env, builder):
        """`self.cache[k] = v` on the dict `self.cache = {}` set earlier in this call: the
        attribute is set to the new version (nothing else holds the dict it had)."""
        others = [h for h in self.lw.stores.holders(container, env, builder) if h != "view"]
        if others:
            self.lw.refuse(target, f"`{ast.unparse(target)} = ...` on "
                                   f"{describe_holders(others)}: Python would change both; "
                                   f"read `{ast.unparse(holder)}` again after the change instead")
        key = self.lw.index(target.slice, env, builder)
        new = self.lw.emit("with_item", [self.lw.atom(container, builder, target), key,
                                         self.lw.atom(value, builder, target)], builder, target)
        self.lw.objects.add(container, new)
        self.lw.store_attribute(holder, new, env, builder)

    def update_attribute(self, node, env, builder):
        """`obj.a op= v`: on a number, `obj.a = obj.a op v` (what Python does); on the array
        the object held on entry, a write into it (srcad/lowering/argument_writes.py); on
        another array, which Python changes in place where whoever holds it sees it: refused."""
        target = node.target
        load = ast.copy_location(ast.Attribute(target.value, target.attr, ast.Load()), target)
        made = self.lw.made.owner(target.value, env, builder) is not None   # an object made here
        counted = None if made else self.counter(target, env, builder)
        current = counted or self.lw.expr(load, env, builder)
        kind = getattr(current, "kind", None)
        text, symbol = ast.unparse(target), _OPS.get(type(node.op), "?")
        if kind is not None and kind.tag not in _NUMBERS and not made and \
                self.lw.caller_arrays.update_attribute_array(node, current, env, builder):
            return
        if kind is None or kind.tag not in _NUMBERS:
            self.lw.refuse(node, f"`{text} {symbol}= ...` on an array the object did not hold "
                                 "when the function began (or whose kind srcad does not know): "
                                 "Python changes it in place, where whoever holds it sees it "
                                 f"too; write `{text} = {text} {symbol} ...`, which binds a "
                                 "new one")
        if counted is not None:          # the number read when the derivative runs, not
            env = dict(env, **{text: counted})      # a constant read again now (an int is)
            load = ast.copy_location(ast.Name(text, ast.Load()), target)
        combined = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        self.lw.store_attribute(target, self.lw.expr(ast.fix_missing_locations(combined), env,
                                                     builder), env, builder)

    def counter(self, target, env, builder):
        """`self.count` that `self.count += 1` changes, read as a number when the derivative
        runs (not as a constant to specialise on, which each call would change); None when it
        is not a number on an object known now, or the function set it already."""
        if isinstance(target.value, ast.Name) and \
                isinstance(env.get(target.value.id), MadeObject):
            return None                           # its attributes are followed: objects.py
        owner = self.lw.dynamic.attribute_owner(target, env, builder)
        if not isinstance(owner, Const) or store_key(owner, target.attr) in self.lw.live.stores:
            return None
        value = getattr(owner.value, target.attr, None)
        if type(value) not in (int, float):
            return None
        origin = live.attribute_origin(owner.value, owner.name, target.attr)
        self.lw.live.guard(origin, "kind", value)
        return self.lw.live.load(origin, value)

    def update_attribute_item(self, node, env, builder):
        """`obj.attr[k] op= v`: `obj.attr[k] = obj.attr[k] op v` (see update_container_item)."""
        target = node.target
        if not isinstance(target.value, ast.Attribute):
            return NOT_MINE
        load = ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()), target)
        item = self.lw.expr(load, env, builder)
        if not (isinstance(item, (Var, Const)) and item.kind.tag in _NUMBERS) and \
                self.lw.caller_arrays.write_attribute_element(
                    target, node.op, node.value, self.lw.expr(target.value, env, builder), env,
                    builder):
            return None
        if not (isinstance(item, (Var, Const)) and item.kind.tag in _NUMBERS):
            text = ast.unparse(target)
            self.lw.refuse(node, f"`{text} {_OPS.get(type(node.op), '?')}= ...` changes in place "
                                 "an array an object of yours holds, where the caller sees it "
                                 f"too; write `{text} = {text} {_OPS.get(type(node.op), '?')} ...`")
        combined = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        self.store_attribute_item(target, self.lw.expr(ast.fix_missing_locations(combined), env,
                                                       builder), env, builder)


class CallerObjects:
    """A part of the lowering `lw` of a function: versions of lists and dicts (the state,
    shared with the helpers inlined, is lw.objects), changes made on the caller's objects
    (write hooks' steps, dispatch.py), names rebound after a helper changed what they hold."""

    def __init__(self, lw):
        self.lw = lw

    # ----- which object a value is -------------------------------------------------------
    def caller_object(self, value):
        """The caller's list or dict that `value` is a version of (an argument, or a list
        or dict an object's attribute holds, read on entry), or None."""
        base = self.lw.objects.base_of(value)
        if not isinstance(base, Var) or isinstance(base, NewObject) or \
                base.kind.tag not in ("list", "dict"):
            return None
        if isinstance(base, Argument) or self.attribute_of(base) is not None:
            return base
        return None

    def attribute_of(self, var):
        """(id of the object, attribute name) when `var` is an attribute read on entry."""
        for (root, steps), load in self.lw.live.loads.items():
            if load is var and len(steps) == 1 and steps[0][0] == "attr":
                return root, steps[0][1]
        return None

    def may_be_caller_object(self, out, values):
        """An if's result, a loop's carry or result: a version of a list or dict when every
        value it may be is a version of that one, and it is one whose versions are followed
        (changed already, or the caller's)."""
        values = [v for v in values if isinstance(v, (Var, Const))]
        bases = {id(self.lw.objects.base_of(v)) for v in values}
        if len(bases) == 1 and _is_container(out) and any(
                id(v) in self.lw.objects.base or id(v) in self.lw.objects.latest or
                self.caller_object(v) is not None for v in values):
            self.lw.objects.add(values[0], out)

    def known_identity(self, prim, atoms):
        """`config is None` of a value whose kind is a dict (or any kind but None's) is False
        when the function runs, and of None's kind True: the specialisation knows which
        (`if config is None: config = {}` then changes the caller's dict, or a new one).
        NOT_MINE where it is not known now."""
        if len(atoms) == 2:
            known = [a for a in atoms if not (isinstance(a, Const) and a.value is None)]
            tag = known[0].kind.tag if len(known) == 1 and isinstance(known[0], Var) else \
                "none" if not known else None
            if tag in _NOT_NONE or tag == "none":
                return Const((prim == "is_") == (tag == "none"))
        return NOT_MINE

    # ----- changes made through a name ---------------------------------------------------
    def changed(self, node, old, new, builder, change):
        """`old` became `new` (a list or dict changed in place): note the version, and on the
        caller's object make the change `change(root)` emits."""
        if new is old or not isinstance(new, (Var, Const, StaticSeq)):
            return
        root = self.caller_object(old)
        self.lw.objects.add(old, new)
        if root is None:
            return
        builder.line = node.lineno
        change(root)
        attribute = self.attribute_of(root)
        if attribute is not None:       # `d = self.params; d[k] = v`: self.params is new too
            self.lw.live.stores[attribute] = (new, builder)

    def store_held_item(self, target, value, env, builder):
        """A store_item handler (lowering/dispatch.py): `obj.a[k] = v`, and `c[i][k] = v`
        on a list or dict that the list or dict `c` holds."""
        base = target.value
        if isinstance(base, ast.Attribute):
            return self.lw.attribute_changes.store_attribute_item(target, value, env, builder)
        if self.lw.writes.is_item_of_container(base, env) and \
                _is_container(self.lw.expr(base, env, builder)):
            return self.store_into_inner(target, value, env, builder)
        return NOT_MINE

    def before_item_store(self, target, env, builder):
        """store_item's first step: `G[k] = v` on a global list or dict refused; what the
        name held before (for `item_stored`)."""
        base = target.value
        name = base.id if isinstance(base, ast.Name) else None
        if name is not None and name not in env:
            self.refuse_global_change(target, name, env, builder)
        return env.get(name)

    def item_stored(self, target, old, env, builder):
        """store_item's last step: `d[k] = v` on the caller's dict is made on it too."""
        name = target.value.id if isinstance(target.value, ast.Name) else None
        if name is None or not _is_container(old):
            return
        new = env.get(name)

        def store(root):
            eqn = builder.defined_by.get(new)
            if eqn is None or eqn.prim != "with_item":
                self.lw.refuse(target, "a change to a list or dict the caller passed, in a way "
                                       "srcad does not follow; build a new one "
                                       f"(`{name} = {name}.copy()` first)")
            self.expose(eqn.args[2], target)
            builder.emit("store_item", root, eqn.args[1], eqn.args[2])
        self.changed(target, old, new, builder, store)

    def store_into_inner(self, target, value, env, builder):
        """`c[i][k] = v` on a list or dict that the list or dict `c` holds: `c[i]` becomes
        the inner one with the item replaced, where nothing else reaches the inner one."""
        holder = target.value
        outer = holder.value.id
        inner = self.lw.expr(holder, env, builder)
        refuse_repeated(self.lw, target, f"{ast.unparse(target)} = ...", outer, env[outer],
                        inner)
        text = ast.unparse(holder)
        if self.caller_object(env[outer]) is not None:
            self.lw.refuse(target, f"`{ast.unparse(target)} = ...` changes a list or dict that "
                                   f"the caller's '{outer}' holds: srcad makes the changes to the "
                                   f"caller's list or dict itself, not to the ones inside it; "
                                   f"replace the item instead: `{text} = dict({text}, k=...)` "
                                   f"(or `{text} = {text}[:i] + [v] + {text}[i + 1:]`)")
        others = [h for h in self.lw.stores.holders(inner, env, builder, outer) if h != outer]
        if others:
            self.lw.refuse(target, f"`{ast.unparse(target)} = ...` on {describe_holders(others)}: "
                                   f"Python would change both; replace the item instead: "
                                   f"`{text} = dict({text}, k=...)`")
        key = self.lw.index(target.slice, env, builder)
        new = self.lw.emit("with_item", [self.lw.atom(inner, builder, target), key,
                                         self.lw.atom(value, builder, target)], builder, target)
        self.lw.store_item(holder, new, env, builder)

    def refuse_global_change(self, node, name, env, builder):
        value = self.lw.expr(ast.Name(name, ast.Load(), lineno=node.lineno), env, builder)
        if _is_container(value):
            self.lw.refuse(node, f"changing '{name}', a global list or dict, in place: srcad "
                                 "makes the changes Python makes to a list or dict the caller "
                                 f"passes, not to a global; pass it as an argument (`def "
                                 f"f(..., {name.lower()})`, called as `f(..., {name})`)")

    def changing_call_statement(self, node, env, builder):
        """A stmt_Expr handler (dispatch.py): `xs.append(v)` on a value of a kind not known
        here refused; `helper(xs)` of a helper that changes what it is given lowered."""
        call = node.value
        target = call.func.value if isinstance(call, ast.Call) and \
            isinstance(call.func, ast.Attribute) else None
        if isinstance(target, ast.Name) and call.func.attr in CHANGING_METHODS:
            value = env.get(target.id)
            if isinstance(value, Var) and value.kind.tag == "unknown":
                self.lw.refuse(node, f"`{target.id}.{call.func.attr}(...)` on '{target.id}', "
                                     "whose kind srcad cannot tell here (it may be None or a "
                                     "container, as a loop carries it); give it one kind before "
                                     f"(`{target.id} = {{}}` or `{target.id} = []` instead of "
                                     "None)")
        if isinstance(call, ast.Call) and self.changing_helper(call.func, env, builder):
            self.lw.expr(call, env, builder)       # its changes are the caller's (call_helper)
            return None
        return self.lw.made.statement_call(node, env, builder)    # a method (objects.py)

    def changing_helper(self, func, env, builder):
        """Whether `func` names a function of the user's that changes what it is given, or
        a method of the user's that sets attributes (`obj.step(x)`, whose `self.n += 1` the
        code after the call reads): lowered, not run as written."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            return attribute_setting_method(self.lw, func, env, builder)
        if not isinstance(func, ast.Name):
            return False
        callee = env.get(func.id)
        if callee is None:
            try:
                callee = self.lw.expr(func, env, builder)
            except SrcadError:
                return False
        definition = aliasing.source_definition(callee, aliasing.is_srcad_transform) \
            if isinstance(callee, (Static, LocalFunction)) else None
        return definition is not None and (bool(changes_parameters(definition)) or
                                           aliasing.sets_parameter_attributes(definition))

    def method_changed(self, node, base, args, env, builder):
        """container_method's last step (dispatch.py): `xs.pop()`, `d.update(e)` on the
        caller's list or dict is made on it too."""
        method = node.func.attr
        if method not in CHANGING_METHODS or not isinstance(node.func.value, ast.Name):
            return
        def call(root):
            atoms = [self.lw.atom(a, builder, node) for a in args]
            for atom in atoms:
                self.expose(atom, node)
            builder.emit("mutate", root, Const(method), *atoms)
        self.changed(node, base, env.get(node.func.value.id), builder, call)

    def updated_list(self, node, old, env, builder):
        """stmt_AugAssign's last step (dispatch.py): `xs += [v]` grows the caller's list."""
        if isinstance(node.target, ast.Name) and _is_container(old):
            self.grown(node, old, env[node.target.id], builder)

    def grown(self, node, old, new, builder):
        """`xs.append(v)`, `xs.extend(vs)`, `xs += vs`: the caller's list grows as well."""
        def extend(root):
            eqn = builder.defined_by.get(new)
            extra = eqn.args[1] if eqn is not None and eqn.prim == "seq_concat" else None
            if extra is None:
                self.lw.refuse(node, "growing a list the caller passed in a way srcad does not "
                                     "follow; build a new list (`xs = xs + [v]`)")
            items = builder.defined_by.get(extra)
            if items is not None and items.prim == "make_list" and len(items.args) == 1:
                self.expose(items.args[0], node)
                builder.emit("mutate", root, Const("append"), items.args[0])
            else:
                self.expose(extra, node)
                builder.emit("mutate", root, Const("extend"), extra)
        self.changed(node, old, new, builder, extend)

    def refuse_caller_object_change(self, node, name, env, builder, change, rewrite):
        """The caller's object may change: only another name or container still showing the
        old version is refused (the change itself is made on the caller's object too)."""
        value = env.get(name)
        if self.caller_object(value) is None:
            return NOT_MINE
        holders = [h for h in self.lw.stores.holders(value, env, builder, name) if h != "view"]
        if holders:
            self.lw.refuse(node, f"{change} on {describe_holders(holders)}: Python would change "
                                 f"both; write `{rewrite}` (or copy it first)")

    # ----- what the caller's containers hold ---------------------------------------------
    def expose(self, atom, node):
        """`atom` is now held by the caller's object: changing it in place later in the
        function would change what the caller sees."""
        for value in self.lw.stores.same_objects(atom):
            self.lw.objects.stored[id(value)] = (node.lineno, value)

    def refuse_write_into_stored(self, node, name, array, env, symbol, holder=None):
        """A write into an array a list or dict of the caller's holds."""
        line = next((self.lw.objects.stored[id(v)][0] for v in self.lw.stores.same_objects(array)
                     if id(v) in self.lw.objects.stored), None)
        if line is not None:
            self.lw.refuse(node, f"`{name}[...] {symbol}= ...` changes in place an array that a "
                                 f"list or dict of the caller's holds since line {line}, which "
                                 "Python would change there too; store a copy "
                                 f"(`{name}.copy()`) there, or write into a copy here")
        return NOT_MINE

    # ----- helpers that change their caller's objects ------------------------------------
    def expr_Call(self, node, env, builder):
        entered = self.lw.forms.enter_local_call(node, env)     # a function defined here (forms.py)
        before, written = dict(self.lw.objects.latest), self.lw.caller_arrays.written_so_far()
        try:
            out = self.lw.expressions.call_expression(node, env, builder)
        finally:
            self.lw.forms.restore_local(entered, env)
        self.lw.caller_arrays.rebind_written(written, env)
        changed = {b: v for b, v in self.lw.objects.latest.items() if before.get(b) is not v}
        if not changed:
            return self.lw.forms.leave_local_call(entered, out, node, env, builder)
        for name, value in list(env.items()):
            latest = changed.get(id(self.lw.objects.base_of(value)))
            if latest is None or latest is value or _is_static(value):
                continue
            if not _visible_after(builder, latest):
                self.lw.refuse(node, f"the call changes '{name}' in place on some of its paths "
                                     "only (a change inside a branch that returns); return the "
                                     f"changed value and assign it (`{name} = helper(...)`)")
            env[name] = latest
        return self.lw.forms.leave_local_call(entered, out, node, env, builder)

    def refuse_unknown_changed(self, node, callee, env):
        """A helper changing what it is given, given a value whose kind is not known here
        (None or a dict, as a loop carries it): which object it changes is not known.
        The first step of refuse_changed_arguments (dispatch.py)."""
        definition = aliasing.source_definition(callee, aliasing.is_srcad_transform)
        changed = changes_parameters(definition) if definition is not None else []
        positional = [a.arg for a in definition.args.posonlyargs + definition.args.args] \
            if definition is not None else []
        for param, arg in zip(positional, node.args):
            if param in changed:
                value = env.get(arg.id) if isinstance(arg, ast.Name) else None
                if isinstance(value, Var) and value.kind.tag == "unknown":
                    self.lw.refuse(node, f"{definition.name}() changes what it is given in place, "
                                         f"and here '{arg.id}' may be None or a container (a "
                                         "loop carries it): srcad cannot tell which; give it one "
                                         f"kind before (`{arg.id} = {{}}` or `{arg.id} = []` "
                                         "instead of None)")

    def carry_passed(self, assigned, env, node):
        """Also carry a list or dict a loop passes to a helper (`step(w, config)`, by its
        name): the helper may change it, and the next iteration and the code after the
        loop see the change."""
        extra = [n for n in _passed_names(node) if n not in assigned and
                 _is_container(env.get(n))]
        return list(assigned) + extra


@functools.lru_cache(maxsize=512)
def _passed_names(loop):
    """The names the loop passes to calls by name, in order, once each (once per loop: it is
    lowered again until its kinds settle; the trees are only read)."""
    return tuple(dict.fromkeys(a.id for call in ast.walk(loop) if isinstance(call, ast.Call)
                               and _user_call(call) for a in call.args
                               if isinstance(a, ast.Name)))


@functools.lru_cache(maxsize=512)
def changes_parameters(definition):
    """The parameters a function may change in place (a list, dict or array it is given):
    `p[k] = v`, `p[k] += v`, `p += v` on one, or a method that changes it (`p.append(v)`).
    Once per definition (asked at each call site; the trees are only read): a tuple."""
    params = [a.arg for a in definition.args.posonlyargs + definition.args.args +
              definition.args.kwonlyargs]
    changed = set(aliasing.params_changed_in_place(definition))
    for node in ast.walk(definition):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id in params and \
                node.func.attr in CHANGING_METHODS:
            changed.add(node.func.value.id)
    return tuple(p for p in params if p in changed)


def snapshot_caller_objects(block, start, params=()):
    """`block` reading the caller's lists and dicts it changes from shallow copies taken at
    statement `start` (after the reads of globals and attributes): the changes
    (`store_item`, `mutate`) are made on the caller's objects themselves. An argument changed
    is first checked to be no other argument, nor held by one (`params`)."""
    changes = [e for e in walk_eqns(block) if e.prim in CALLER_CHANGES]
    roots = list(dict.fromkeys(e.args[0] for e in changes))     # (a copy read nowhere is
    if not roots:                                               # dead code, removed later)
        return block
    copies = {r: Var(r.hint, r.kind) for r in roots}
    new = _changes_on(substitute_block(block, copies), {c: r for r, c in copies.items()})
    others = [p for p in params if p.kind.tag in ("list", "dict", "tuple", "unknown")]
    taken = [Eqn((Var(None, K.NONE),), "check_unshared",
                 (r, Const(r.hint), *[p for p in others if p is not r]), None)
             for r in roots if isinstance(r, Argument) and len(others) > 1]
    taken += [Eqn((c,), "shallow_copy", (r,), None) for r, c in copies.items()]
    return Block(new.stmts[:start] + taken + new.stmts[start:], new.results)


def _changes_on(block, roots):
    """`block` with the changes made on the caller's objects again (`roots`: copy -> the
    caller's object), not on the copies the substitution put in their place."""
    def stmt(s):
        if isinstance(s, Eqn):
            if s.prim in CALLER_CHANGES and s.args[0] in roots:
                return Eqn(s.outs, s.prim, (roots[s.args[0]], *s.args[1:]), s.line)
            return s
        if isinstance(s, If):
            return replace(s, then=_changes_on(s.then, roots),
                           orelse=_changes_on(s.orelse, roots))
        if isinstance(s, While):
            return replace(s, cond=_changes_on(s.cond, roots), body=_changes_on(s.body, roots))
        return replace(s, body=_changes_on(s.body, roots))
    return Block([stmt(s) for s in block.stmts], block.results)


def _is_container(value):
    if isinstance(value, StaticSeq):
        return value.tag == "list"
    return isinstance(value, (Var, Const)) and getattr(value, "kind", None) is not None and \
        value.kind.tag in ("list", "dict")


def _user_call(call):
    """A call that may be of a helper of the user's: `f(...)` or `self.f(...)`."""
    func = call.func
    return isinstance(func, ast.Name) or isinstance(func, ast.Attribute) and \
        isinstance(func.value, ast.Name) and func.value.id == "self"


def _is_static(value):
    return isinstance(value, (Static, LocalFunction))


def _visible_after(builder, value):
    """Whether `value` (made by a call just lowered into `builder`) may be read after it:
    not bound only inside a branch or loop of the call's code."""
    inner = {v for s in builder.stmts for b in sub_blocks(s) for v in bound_vars(b)}
    items = value.items if isinstance(value, StaticSeq) else [value]
    return not any(isinstance(v, Var) and v in inner for v in items)


def attribute_setting_method(lw, func, env, builder):
    """Whether `obj.name` (func) is a method, written in Python, that sets attributes of its
    parameters (of `self`), on an object made here or known now (lw: the lowering)."""
    owner = env.get(func.value.id)
    if owner is None:
        try:
            owner = lw.expr(func.value, env, builder)
        except SrcadError:
            return False
    cls = owner.cls if isinstance(owner, MadeObject) else \
        type(owner.value) if isinstance(owner, Const) else \
        lw.opaque.instances.get(owner) if isinstance(owner, Var) else None
    method = inspect.getattr_static(cls, func.attr, None) if cls is not None else None
    definition = aliasing.source_definition(Static(method), aliasing.is_srcad_transform) \
        if user_function(method) else None
    return definition is not None and aliasing.sets_parameter_attributes(definition)
