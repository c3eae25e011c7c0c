"""Names first bound inside a loop or in one branch of an `if`, read after it.

Python allows this and raises `UnboundLocalError` only when the read runs and the loop ran no
iteration, or the branch that binds the name was not taken. srcad does the same: before such a
loop (and in the branch that does not bind the name) the name holds a marker, `None`, carried
like any other value; a read that may find the marker becomes `check_bound(y, 'y')`, which
raises `UnboundLocalError` there and is `y` otherwise (its derivative is the identity).

`None` can stand for "unbound" only where the name is never bound to `None` itself: where the
values it is bound to have a kind that excludes it (a number, an array, a container, a
string). Elsewhere a read that may find the name unbound is refused, naming the loop or the
`if` and what to write instead.
"""

import ast

from .. import kinds as K
from ..errors import NameResolutionError
from ..ir.nodes import Const, Var
from .values import StaticSeq

_SAFE = ("float", "int", "bool", "array", "list", "tuple", "dict", "str")


class Unbound:
    """A part of the lowering `lw` of a function: the names that may be unbound where they
    are read (its `unbound`)."""

    def __init__(self, lw):
        self.lw = lw
        self.marks = {}          # var -> the kind of the values it has when bound (None: not
                                 # known), for the vars that may be unbound
        self.markers = {}        # the markers, by id
        self.loop_locals = {}    # name -> line of the loop that binds it first
        self.branch_only = {}    # name -> line of the if that binds it in one branch only

    def unbound_state(self):
        """(marks, markers), as above."""
        return self.marks, self.markers

    def marker(self):
        """A new marker, held by the lowering for as long as it lives: a marker of a loop
        body's discarded lowering round would otherwise be freed, and a value made later
        could get its id and read as unbound (a NameResolutionError that came and went)."""
        marker = Const(None, "unbound")
        self.unbound_state()[1][id(marker)] = marker
        return marker

    def carried_or_marked(self, assigned, env, node, read_outside):
        """The names a loop carries: those it assigns that exist before it, and those it
        binds first that code after it reads (holding the marker until it runs); a `for`
        target read after the loop holds the marker too (stmt_For carries it)."""
        self.loop_locals = {n: node.lineno for n in assigned if n not in env}
        targets = [t.id for t in ast.walk(node.target) if isinstance(t, ast.Name)] \
            if isinstance(node, ast.For) else []
        carried = [n for n in assigned if n in env]
        for name in list(assigned) + targets:
            if name not in env and name in read_outside:
                env[name] = self.marker()
                carried += [name] if name in assigned else []
        return carried

    def fill_unbound(self, env, branches, read_outside):
        """A name that one branch of an if binds first, read after the if: the marker in the
        other branch, so the if yields it (marked as maybe unbound)."""
        (then_env, _), (else_env, _) = branches
        for name in set(then_env) ^ set(else_env):
            if name in env or name not in read_outside:
                continue
            bound = then_env.get(name, else_env.get(name))
            if _kind_of(bound) is None:
                continue
            (else_env if name in then_env else then_env)[name] = self.marker()

    def note_may_be(self, out, values):
        """`out` may be any of `values`: it may be unbound where one of them may."""
        marks, markers = self.unbound_state()
        flags = [id(v) in markers or isinstance(v, Var) and v in marks for v in values]
        if not any(flags):
            return
        kinds = []
        for v, flag in zip(values, flags):
            kind = None if id(v) in markers else marks.get(v) if flag else _kind_of(v)
            if kind is not None or not flag:
                kinds.append(kind)
        joined = K.join_all(kinds) if kinds and None not in kinds else None
        marks[out] = joined if joined is not None and joined.tag in _SAFE else None

    def read_local(self, node, env, builder):
        """The value of a local name; checked where the name may be unbound."""
        value = env[node.id]
        marks, markers = self.unbound_state()
        if not (isinstance(value, Var) and value in marks) and id(value) not in markers:
            return value
        kind = marks.get(value) if isinstance(value, Var) else None
        if kind is None or kind.tag not in _SAFE:
            self.lw.refuse_undefined(node, node.id)
        return self.lw.emit("check_bound", [value, Const(node.id)], builder, node, kind=kind)

    def refuse_unbound(self, node, name):
        """`name` bound only inside a loop, or in one branch of an if."""
        line = self.loop_locals.get(name)
        if line is not None:
            raise NameResolutionError(
                f"'{name}' is assigned only inside the loop at line {line}, to values srcad "
                "cannot tell from None; assign it before the loop so its value after the "
                "loop is defined", filename=self.lw.filename, line=node.lineno, construct=name)
        line = self.branch_only.get(name)
        if line is not None:
            raise NameResolutionError(
                f"'{name}' is assigned in only one branch of the if at line {line}, to values "
                "srcad cannot tell from None; assign it in both branches (or before the if)",
                filename=self.lw.filename, line=node.lineno, construct=name)


def _kind_of(value):
    """The kind of a bound value where it excludes None, else None."""
    if isinstance(value, StaticSeq):
        return K.Kind(value.tag)
    kind = getattr(value, "kind", None)
    return kind if kind is not None and kind.tag in _SAFE else None
