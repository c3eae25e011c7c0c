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
from ..ir.nodes import Block, Const, Eqn, Var, sub_blocks, walk_eqns
from .stores import Argument, describe_holders, resolved


class ArgumentWrites:
    """The versions of the caller's arrays a function writes into (shared with the helpers
    it inlines): each version's argument, and each argument's latest version."""

    def __init__(self):
        self.argument = {}      # id(version) -> the Argument it is a version of
        self.latest = {}        # id(Argument) -> [Argument, latest version, line of 1st write]


class ArgumentWriteLowering:
    """Mixin for Lowering, before WriteLowering: needs same_objects, origins, holders, refuse,
    assign and store_into_array (WriteLowering, StoreLowering)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.argument_writes = ArgumentWrites()

    def written_argument(self, array):
        """The argument (an array the caller passed) that `array` is, or is a version of, on
        every path through the function; None where it may be anything else too."""
        versions = self.argument_writes.argument
        leaves = [s for s in self.same_objects(array)
                  if not (isinstance(s, Var) and self.origins.get(s))]
        found = {id(versions.get(id(s), s)): versions.get(id(s), s) for s in leaves}
        if len(found) != 1:
            return None
        (arg,) = found.values()
        if not isinstance(arg, Argument) or not (arg.kind.is_array or arg.kind.tag == "unknown"):
            return None
        return arg

    def note_version(self, arg, new, node):
        """`new` is the caller's array `arg` as the function has changed it so far."""
        writes = self.argument_writes
        writes.argument[id(new)] = arg
        line = writes.latest.get(id(arg), (None, None, node.lineno))[2]
        writes.latest[id(arg)] = [arg, new, line]

    def refuse_foreign_write(self, node, name, array, env, symbol, holder=None):
        """A write into the caller's array is followed (module docstring) where no other
        name, view or container the function reads again shows it."""
        if holder is not None or self.written_argument(array) is None:
            return super().refuse_foreign_write(node, name, array, env, symbol, holder)
        holders = self.holders(array, env, None, name)
        if holders and aliasing.may_read_again(self.parsed.node, node, holders):
            self.refuse(node, f"`{name}[...] {symbol}= ...` writes into the array the caller "
                              f"passed as '{name}', on {describe_holders(holders)}, read "
                              "again after: Python would change both; read it through one "
                              "name")

    def store_into_array(self, target, op, value, env, builder, checked=False):
        name = target.value.id
        arg = None if checked else self.written_argument(env[name])
        super().store_into_array(target, op, value, env, builder, checked)
        if arg is not None:
            self.note_version(arg, env[name], target)

    def stmt_AugAssign(self, node, env, builder):
        """`x += v` on the caller's array: Python changes it in place (x stays that array)."""
        target = node.target
        old = env.get(target.id) if isinstance(target, ast.Name) else None
        arg = self.written_argument(old) if isinstance(old, Var) and old.kind.is_array and \
            old.kind.ndim != 0 else None
        super().stmt_AugAssign(node, env, builder)
        if arg is not None and env.get(target.id) is not old:
            self.note_version(arg, env[target.id], node)

    def refuse_changed_arguments(self, node, callee, args, kwargs, env, builder):
        """A helper writing into its parameter, given the caller's array: its writes are
        followed as the function's own (the helper is inlined), and the names bound to that
        array see them after the call (`expr_Call`). Given it twice, still refused."""
        given = [a for a in list(args) + list(kwargs.values()) if isinstance(a, Var)]
        followed = {id(a) for a in given if self.written_argument(a) is not None and
                    sum(a is b for b in given) == 1}
        args = [Var(None, a.kind) if id(a) in followed else a for a in args]
        kwargs = {k: Var(None, a.kind) if id(a) in followed else a for k, a in kwargs.items()}
        super().refuse_changed_arguments(node, callee, args, kwargs, env, builder)

    def expr_Call(self, node, env, builder):
        before = {key: entry[1] for key, entry in self.argument_writes.latest.items()}
        out = super().expr_Call(node, env, builder)
        for key, (arg, last, _) in self.argument_writes.latest.items():
            old = before.get(key, arg)
            if old is not last:
                env.update((name, last) for name, value in env.items() if value is old)
        return out

    def may_be(self, out, values):
        """An if's result or a loop's carry that is, on every path, a version of the
        caller's array: the latest version where it may be the latest one so far."""
        super().may_be(out, values)
        arg = self.written_argument(out) if isinstance(out, Var) else None
        entry = self.argument_writes.latest.get(id(arg)) if arg is not None else None
        if entry is not None and any(entry[1] is s for s in self.same_objects(out)):
            self.argument_writes.argument[id(out)] = arg
            entry[1] = out

    def write_backs(self, builder):
        """The statements writing each changed argument's last version back into it, at the
        end of the function's lines; refused where that version is bound inside a branch or
        loop only (a write before a `return` inside an `if`, a name rebound in a loop)."""
        inner = {v for s in builder.stmts for b in sub_blocks(s) for v in bound_vars(b)}
        stmts = []
        for arg, last, line in self.argument_writes.latest.values():
            last = resolved(last)
            if last is arg:
                continue
            if isinstance(last, Var) and last in inner:
                self.refuse(ast.Pass(lineno=line, col_offset=0),
                            f"a write into the array the caller passed as '{arg.hint}', which "
                            "srcad cannot follow to the end of the function (the write is "
                            "inside a branch that returns, or the name is bound to another "
                            "array inside a loop or branch after it); write on every path "
                            "before the `return`, or keep the changed array in one name")
            stmts.append(Eqn((Var(None, K.NONE),), "write_back", (arg, last), line))
        return stmts


def copy_written_arguments(block, start, params):
    """`block` reading each argument it writes back into (`write_back`) from a copy taken at
    statement `start`, after checking that no other argument is, holds or overlaps it."""
    written = list(dict.fromkeys(e.args[0] for e in walk_eqns(block) if e.prim == "write_back"))
    if not written:
        return block
    lines = {e.args[0]: e.line for e in walk_eqns(block) if e.prim == "write_back"}
    copies = {p: Var(p.hint, p.kind) for p in written}
    new = substitute_block(block, copies)
    back = {c: p for p, c in copies.items()}
    stmts = [Eqn(s.outs, s.prim, (back[s.args[0]], s.args[1]), s.line)
             if isinstance(s, Eqn) and s.prim == "write_back" else s for s in new.stmts]
    others = [p for p in params if not p.kind.is_static and p.kind.tag not in _IMMUTABLE]
    taken = [Eqn((Var(None, K.NONE),), "check_unshared_array",
                 (p, Const(p.hint), *[o for o in others if o is not p]),
                 lines[p]) for p in written if len(others) > 1]
    taken += [Eqn((c,), "copy", (p,), None) for p, c in copies.items()]
    return Block(stmts[:start] + taken + stmts[start:], new.results)


_IMMUTABLE = ("int", "float", "bool", "complex", "str", "none")
