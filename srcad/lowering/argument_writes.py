"""Lowering writes into an array the caller passed: `x[mask] = 0`, `out[...] = h`, `x += v`
where `x` is a parameter of the function being differentiated (or of a helper it calls with
one).

Python changes the caller's array itself. srcad lowers each write as the functional update it
computes (`x_2 = setitem(x_1, mask, 0.0)`, srcad/lowering/writes.py), so the function reads the
values it wrote and the derivative flows through the write; and it follows the versions of that
array (`ArgumentWrites`) through branches and loop carries to the one the function leaves in
it, which is written back into the caller's array at the end of the function's lines, once
(`write_back`, generated as `x[...] = x_3`). The derivative's own reads of the argument, in the
forward sweep and in the backward sweep, go to a copy taken on entry (`copy_written_arguments`):
the backward sweep runs after the write-back and must read the values the function read. The
derivative with respect to such an argument is the derivative with respect to its value on
entry (docs/dynamic_python.md says why, and how JAX and PyTorch differ).

Writing back at the end, not where the function writes, is what Python computes wherever no
other name the function reads is the same array: lowering refuses another name, a view or a
container of the function's that shows it and is read again (srcad/lowering/stores.py), and
the derivative checks when it runs that no other argument is, holds or overlaps the array
(`check_unshared_array`), raising a SrcadError at the line of the write where one does.
"""

import ast

from . import aliasing
from ..analysis.activity import bound_vars, substitute_block
from .. import kinds as K
from ..errors import UnsupportedSyntaxError
from ..ir.nodes import Block, Const, Eqn, Var, sub_blocks, walk_eqns
from .dispatch import NOT_MINE
from .dynamic import store_key
from .numpy_writes import Known
from .stores import Argument, describe_holders, resolved


class ArgumentWrites:
    """The versions of the caller's arrays a function writes into (shared with the helpers
    it inlines): each version's argument, and each argument's latest version."""

    def __init__(self):
        self.argument = {}      # id(version) -> the Argument (or item root) it is a version of
        self.latest = {}        # id(Argument) -> [Argument, latest version, line of 1st write]
        self.item_reads = {}    # id(var) -> (dict Argument, key): `params['W']` as passed
        self.item_roots = {}    # (id(dict Argument), key) -> the root Var standing for it
        self.root_items = {}    # root Var -> (dict Argument, key)
        self.held = []          # the vars keyed by id above: a freed one's id could be
                                # reused by a later var, which would read as a version

    def add_version(self, version, arg):
        self.argument[id(version)] = arg
        self.held.append(version)

    def note_item_read(self, var, base, key):
        self.item_reads[id(var)] = (base, key)
        self.held.append(var)


def only_origin(value, origins, versions):
    """The one object `value` is on every path, following `origins` (a value with none is
    itself) and `versions` (a version of the caller's array stands for that array); None
    where there are two. It stops at the second, looking at a value's origins as it meets
    them: the result of a chain of n `elif` branches is not walked to its end at every
    level of the chain."""
    found, seen, stack = {}, {id(value)}, []
    if isinstance(value, Var) and origins.get(value):
        stack.append(value)
    else:
        found[id(versions.get(id(value), value))] = versions.get(id(value), value)
    while stack and len(found) < 2:
        for s in origins.get(stack.pop(), ()):
            if id(s) in seen:
                continue
            seen.add(id(s))
            if isinstance(s, Var) and origins.get(s):
                stack.append(s)
            else:
                found[id(versions.get(id(s), s))] = versions.get(id(s), s)
    return next(iter(found.values())) if len(found) == 1 else None


class CallerArrays:
    """A part of the lowering `lw` of a function: writes into the caller's arrays, followed
    through their versions (the state, shared with the helpers inlined, is lw.argument_writes);
    its steps run in the write hooks of lowering/dispatch.py."""

    def __init__(self, lw):
        self.lw = lw

    def written_argument(self, array):
        """The argument (an array the caller passed) that `array` is, or is a version of, on
        every path through the function; None where it may be anything else too."""
        arg = only_origin(array, self.lw.origins, self.lw.argument_writes.argument)
        if arg is None:
            return None
        if not (isinstance(arg, Argument) or
                self.lw.caller_objects.attribute_of(arg) is not None) or \
                not (arg.kind.is_array or arg.kind.tag == "unknown"):
            return None
        return arg

    def note_version(self, arg, new, node, builder=None):
        """`new` is the caller's array `arg` as the function has changed it so far (and, for
        an array an object held, what reading that attribute gives from now on)."""
        writes = self.lw.argument_writes
        writes.add_version(new, arg)
        line = writes.latest.get(id(arg), (None, None, node.lineno))[2]
        writes.latest[id(arg)] = [arg, new, line]
        attribute = self.lw.caller_objects.attribute_of(arg) if builder is not None else None
        if attribute is not None:
            self.lw.live.stores[attribute] = (new, builder)

    def refuse_argument_write(self, node, name, array, env, symbol, holder=None):
        """A write into the caller's array is followed (module docstring) where no other
        name, view or container the function reads again shows it."""
        if holder is not None or not isinstance(self.written_argument(array), Argument):
            return NOT_MINE
        holders = self.lw.stores.holders(array, env, None, name)
        if holders and aliasing.may_read_again(self.lw.parsed.node, node, holders):
            self.lw.refuse(node, f"`{name}[...] {symbol}= ...` writes into the array the caller "
                                 f"passed as '{name}', on {describe_holders(holders)}, read "
                                 "again after: Python would change both; read it through one "
                                 "name")

    def updated_argument(self, old):
        """`x += v` on the caller's array: Python changes it in place (x stays that array).
        The argument `old` is a version of, where stmt_AugAssign (dispatch.py) follows it."""
        return self.written_argument(old) if isinstance(old, Var) and old.kind.is_array and \
            old.kind.ndim != 0 else None

    def note_updated_argument(self, arg, old, node, env, builder):
        """After `x += v`: the new version of the caller's array `arg` (None: not one)."""
        if arg is not None and env.get(node.target.id) is not old:
            self.note_version(arg, env[node.target.id], node, builder)

    def unfollowed(self, args, kwargs):
        """A helper writing into its parameter, given the caller's array: its writes are
        followed as the function's own (the helper is inlined), and the names bound to that
        array see them after the call (`expr_Call`). Given it twice, still refused. The
        arguments with the followed ones as fresh values, for refuse_changed_arguments
        (dispatch.py) to check the others."""
        given = [a for a in list(args) + list(kwargs.values()) if isinstance(a, Var)]
        followed = {id(a) for a in given if self.written_argument(a) is not None and
                    sum(a is b for b in given) == 1}
        args = [Var(None, a.kind) if id(a) in followed else a for a in args]
        kwargs = {k: Var(None, a.kind) if id(a) in followed else a for k, a in kwargs.items()}
        return args, kwargs

    def written_so_far(self):
        """Each written argument's latest version, before a call (for `rebind_written`)."""
        return {key: entry[1] for key, entry in self.lw.argument_writes.latest.items()}

    def rebind_written(self, before, env):
        """After a call of a helper that wrote into the caller's array: the names bound to
        the version before the call are bound to the latest (called by expr_Call, in
        srcad/lowering/caller.py, not as an override: deep expressions recurse through it)."""
        for key, (arg, last, _) in self.lw.argument_writes.latest.items():
            old = before.get(key, arg)
            if old is not last:
                env.update((name, last) for name, value in env.items() if value is old)

    def update_attribute_array(self, node, current, env, builder):
        """`self.W += v` on the array the object held when the function began: Python
        changes that array in place (the attribute still holds it); followed as a write into
        an argument. False where `current` is not such an array."""
        root = self.held_array_root(node, current, env, builder,
                                    f"`{ast.unparse(node.target)} ...` changes in place")
        if root is None:
            return False
        combined = ast.copy_location(ast.BinOp(Known(current), node.op, node.value), node)
        new = self.lw.expr(ast.fix_missing_locations(combined), env, builder)
        owner = self.lw.dynamic.attribute_owner(node.target, env, builder)
        self.lw.live.stores[store_key(owner, node.target.attr)] = (new, builder)
        self.note_version(root, resolved(new), node)
        return True

    def write_attribute_element(self, target, op, value, array, env, builder):
        """`self.W[i] = v` (op None, `value` lowered) or `self.W[i] op= v` on the array the
        object held when the function began: a write into it. False where it is not one."""
        root = self.held_array_root(target, array, env, builder,
                                    f"`{ast.unparse(target)} = ...` writes into")
        if root is None:
            return False
        new = self.lw.writes.store_through(f"{ast.unparse(target.value)}[...]", array, target, op,
                                           value, env, builder)
        owner = self.lw.dynamic.attribute_owner(target.value, env, builder)
        self.lw.live.stores[store_key(owner, target.value.attr)] = (new, builder)
        self.note_version(root, resolved(new), target)
        return True

    def held_array_root(self, node, array, env, builder, change):
        """The caller's array `array` is, where it is one an object of the caller's held when
        the function began (None otherwise); a change another name reads again after is
        refused (`change`: what the statement does, for the message)."""
        root = self.written_argument(array) if isinstance(array, Var) and \
            array.kind.is_array and array.kind.ndim != 0 else None
        if root is None or isinstance(root, Argument):
            return None
        holders = [h for h in self.lw.stores.holders(array, env, builder) if h != "view"]
        if holders and aliasing.may_read_again(self.lw.parsed.node, node, holders):
            self.lw.refuse(node, f"{change} the array the object holds, on "
                                 f"{describe_holders(holders)}, read again after: Python would "
                                 "change both; read it through the attribute")
        return root

    def item_after(self, root, inner, builder):
        """The array the caller's dict holds at the end, read from the dict's last version
        (what a loop or branch changing it left), or None where that is not known here."""
        owner, key = self.lw.argument_writes.root_items[root]
        last = self.lw.objects.latest.get(id(owner))
        if not isinstance(last, Var) or last in inner or last.kind.tag != "dict":
            return None
        return builder.emit("getitem", last, Const(key))

    # ----- `params['W'] -= lr * g`: an array the caller's dict holds --------------------------
    def note_item_read(self, out, atoms):
        """Note `params[k]` (`out`, a getitem of `atoms`) read from the caller's dict (a
        version of it): that array is the caller's, and an in-place update of it is followed
        as a write into an argument."""
        if isinstance(out, Var) and len(atoms) == 2 and isinstance(atoms[0], Var) and \
                isinstance(atoms[1], Const):
            base = self.lw.objects.base_of(atoms[0])
            if isinstance(base, Argument) and base.kind.tag == "dict":
                self.lw.argument_writes.note_item_read(out, base, atoms[1].value)

    def item_root(self, item):
        """The Var standing for the caller's array `item` is (a version of), as the caller's
        dict held it on entry; None where `item` is not one."""
        writes = self.lw.argument_writes
        if id(item) in writes.argument:
            root = writes.argument[id(item)]
            return root if root in writes.root_items else None
        read = writes.item_reads.get(id(item))
        if read is None or not (item.kind.is_array and item.kind.ndim != 0):
            return None
        key = (id(read[0]), _hashable(read[1]))
        if key not in writes.item_roots:
            hint = read[1] if isinstance(read[1], str) and read[1].isidentifier() else None
            root = Argument(hint or read[0].hint, item.kind)
            writes.item_roots[key] = root
            writes.root_items[root] = read
        return writes.item_roots[key]

    def update_argument_item(self, node, env, builder):
        """`params[k] op= v` on an array the caller's dict holds: Python changes that array
        in place (the dict still holds it); followed as a write into an argument."""
        target = node.target
        load = ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()), target)
        item = self.lw.expr(load, env, builder)
        root = self.item_root(item) if isinstance(item, Var) else None
        if root is None:
            return NOT_MINE
        self.refuse_item_seen_elsewhere(node, target.value.id, root, item, env)
        combined = ast.copy_location(ast.BinOp(Known(item), node.op, node.value), node)
        new = self.lw.expr(ast.fix_missing_locations(combined), env, builder)
        self.item_changed(target, root, new, env, builder)

    def store_into_argument_item(self, target, op, value, env, builder):
        """`params[k][i] = v` (or `op=`) on an array the caller's dict holds: as above."""
        holder = target.value
        item = self.lw.expr(holder, env, builder)
        root = self.item_root(item) if isinstance(item, Var) else None
        if root is None:
            return NOT_MINE
        self.refuse_item_seen_elsewhere(target, holder.value.id, root, item, env)
        scratch = f"{holder.value.id}[...]"
        inner = dict(env, **{scratch: item})
        self.lw.store_into_array(ast.Subscript(ast.Name(scratch, ast.Load()), target.slice,
                                               ast.Store(), lineno=target.lineno,
                                               col_offset=target.col_offset),
                                 op, value, inner, builder, checked=True)
        self.item_changed(holder, root, inner[scratch], env, builder)

    def item_changed(self, target, root, new, env, builder):
        """The caller's dict `target.value` holds the array changed to `new`: its next
        version holds `new` at the key (no change to the caller's dict itself, which holds
        the same array), and `new` is the array's latest version."""
        name = target.value.id
        container = env[name]
        key = self.lw.index(target.slice, env, builder)
        version = self.lw.emit("with_item", [self.lw.atom(container, builder, target), key,
                                             self.lw.atom(new, builder, target)], builder, target)
        self.lw.objects.add(container, version)
        env[name] = version
        self.note_version(root, resolved(new), target)

    def refuse_item_seen_elsewhere(self, node, holder, root, item, env):
        """Another name than the dict `holder` bound to the caller's array (`W = params['W']`
        before the update), read again after it: Python's name sees the change, srcad's
        would not."""
        writes = self.lw.argument_writes
        for name, value in env.items():
            if name == holder or not isinstance(value, Var) or value is item:
                continue
            if (writes.argument.get(id(value)) is root or _read_of(writes, value, root)) and \
                    aliasing.may_read_again(self.lw.parsed.node, node, [name]):
                self.lw.refuse(node, "a change in place to the array the caller's dict "
                                     f"'{holder}' holds, which '{name}' also names and is read "
                                     "after: Python would change both; read it through the dict "
                                     "after the change")

    def may_be_argument(self, out, values):
        """An if's result or a loop's carry that is, on every path, a version of the
        caller's array: the latest version where it may be the latest one so far."""
        arg = self.written_argument(out) if isinstance(out, Var) else None
        entry = self.lw.argument_writes.latest.get(id(arg)) if arg is not None else None
        if entry is not None and any(entry[1] is s for s in self.lw.stores.same_objects(out)):
            self.lw.argument_writes.add_version(out, arg)
            entry[1] = out

    def write_backs(self, builder):
        """The statements writing each changed argument's last version back into it, at the
        end of the function's lines; refused where that version is bound inside a branch or
        loop only (a write before a `return` inside an `if`, a name rebound in a loop)."""
        inner = {v for s in builder.stmts for b in sub_blocks(s) for v in bound_vars(b)}
        stmts = []
        writes = self.lw.argument_writes
        for arg, last, line in writes.latest.values():
            last = resolved(last)
            if last is arg:
                continue
            if isinstance(last, Var) and last in inner and arg in writes.root_items:
                last = self.item_after(arg, inner, builder) or last
            if isinstance(last, Var) and last in inner:
                self.lw.refuse(ast.Pass(lineno=line, col_offset=0),
                               f"a write into the array the caller passed as '{arg.hint}', which "
                               "srcad cannot follow to the end of the function (the write is "
                               "inside a branch that returns, or the name is bound to another "
                               "array inside a loop or branch after it); write on every path "
                               "before the `return`, or keep the changed array in one name")
            stmts.append(Eqn((Var(None, K.NONE),), "write_back", (arg, last), line))
        return stmts


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


def _read_of(writes, value, root):
    read = writes.item_reads.get(id(value))
    return read is not None and writes.item_roots.get((id(read[0]), _hashable(read[1]))) is root


def copy_written_arguments(block, start, params, items, filename):
    """`block` reading each argument it writes back into (`write_back`) from a copy taken at
    statement `start`, after checking that no other argument is, holds or overlaps it; an
    array the caller's dict holds (`items`: root -> (dict, key)) is read from the dict as
    given, and the dict's other reads see the copy at that key."""
    backs = [e for e in walk_eqns(block) if e.prim == "write_back"]
    if not backs:
        return block
    _refuse_rebound_items(block, items, filename)
    written = list(dict.fromkeys(e.args[0] for e in backs))
    lines = {e.args[0]: e.line for e in backs}
    copies = {p: Var(p.hint, p.kind) for p in written}
    entry, dicts = [], {}
    for root in written:
        if root in items:
            owner, key = items[root]
            current = dicts.get(owner, owner)
            dicts[owner] = Var(owner.hint, owner.kind)
            entry += [Eqn((root,), "getitem", (owner, Const(key)), None),
                      Eqn((copies[root],), "copy", (root,), None),
                      Eqn((dicts[owner],), "with_item", (current, Const(key), copies[root]),
                          None)]
    mapping = {**{p: c for p, c in copies.items() if p not in items}, **dicts}
    new = substitute_block(block, mapping)
    back = {c: p for p, c in mapping.items()}
    stmts = [_on_the_caller(s, back) for s in new.stmts]
    others = [p for p in params if not p.kind.is_static and p.kind.tag not in _IMMUTABLE]
    taken = []
    for p in written:
        rest = [o for o in others if o is not p and o is not items.get(p, (None,))[0]]
        if rest:
            taken.append(Eqn((Var(None, K.NONE),), "check_unshared_array",
                             (p, Const(_described(p, items)), *rest), lines[p]))
    taken += [Eqn((c,), "copy", (p,), None) for p, c in copies.items() if p not in items]
    return Block(stmts[:start] + entry + taken + stmts[start:], new.results)


def _refuse_rebound_items(block, items, filename):
    """An array the caller's dict holds, changed in place, and a new array stored at the same
    key by the function: which array an update changes depends on the order, which the
    write-back at the end does not follow."""
    for eqn in walk_eqns(block):
        if eqn.prim == "store_item" and isinstance(eqn.args[1], Const) and \
                (eqn.args[0], _hashable(eqn.args[1].value)) in \
                {(d, _hashable(k)) for d, k in items.values()}:
            raise UnsupportedSyntaxError(
                f"unsupported: `{eqn.args[0].hint}[{eqn.args[1].value!r}] = ...` stores a new "
                "array at a key whose array the function also changes in place: keep one "
                "form for that key (the in-place update, or a new array each time)",
                filename=filename, line=eqn.line)


def _on_the_caller(stmt, back):
    """A write-back, or a change to the caller's list or dict, made on the caller's object
    again, not on the copy the substitution put in its place."""
    if isinstance(stmt, Eqn) and stmt.prim in ("write_back", "store_item", "mutate") and \
            stmt.args[0] in back:
        return Eqn(stmt.outs, stmt.prim, (back[stmt.args[0]], *stmt.args[1:]), stmt.line)
    return stmt


def _described(root, items):
    if root in items:
        owner, key = items[root]
        return f"{owner.hint}[{key!r}]"
    return root.hint


_IMMUTABLE = ("int", "float", "bool", "complex", "str", "none")
