"""Everyday Python forms lowered as the plainer code they mean.

- `a, *rest = seq` (and `*init, last = seq`, nested): the items of a sequence whose length is
  known now; `rest` is a list, as in Python.
- `(n := expr)`: the value, bound to `n` in the function's scope.
- `del name`: the name holds the unbound marker (srcad/lowering/unbound.py), so a later read
  raises as Python does.
- `match`: the if/elif chain it means (srcad/frontend/matching.py).
- `try: ... finally: ...` without `except`: the body, then the finally block.
"""

import ast

from .. import naming
from ..errors import NameResolutionError, PythonValueError
from ..frontend.matching import match_as_if
from ..frontend.syntax import walk_no_defs
from ..ir.nodes import Const
from .values import StaticSeq, from_python

_JUMPS = (ast.Return, ast.Break, ast.Continue)


class FormsLowering:
    """Mixin for Lowering: needs assign, atom, expr, suite, marker, refuse, taken_names."""

    def special_statement(self, stmt, rest, env, builder):
        if isinstance(stmt, ast.Match):
            subject = self.match_subject(stmt)
            return self.suite(match_as_if(stmt, subject, self.refuse) + rest, env, builder)
        if isinstance(stmt, ast.Try) and not stmt.handlers and not stmt.orelse:
            self.refuse_jump_out_of_try(stmt)
            return self.suite(stmt.body + stmt.finalbody + rest, env, builder)
        if isinstance(stmt, (ast.For, ast.While)):
            self.refuse_forms_in_loop(stmt)
        return super().special_statement(stmt, rest, env, builder)

    def match_subject(self, stmt):
        """The name the cases test: the subject's own name, or a fresh one it is bound to."""
        if isinstance(stmt.subject, ast.Name):
            return stmt.subject.id
        return naming.fresh_name("subject", self.taken_names())

    def refuse_jump_out_of_try(self, stmt):
        for node in stmt.body:
            for inner in [node, *walk_no_defs(node)]:
                if isinstance(inner, _JUMPS) and not _inside_loop_of(inner, stmt.body):
                    self.refuse(inner, f"`{type(inner).__name__.lower()}` inside `try:` with "
                                       "`finally:` (Python runs the finally block first); "
                                       "set a variable in the try block and "
                                       f"{type(inner).__name__.lower()} after the finally block")

    def refuse_forms_in_loop(self, loop):
        if isinstance(loop, ast.While):
            for node in walk_no_defs(loop.test):
                if isinstance(node, ast.NamedExpr):
                    self.refuse(node, "`:=` in a while loop's test; assign the name before "
                                      "the loop and again at the end of its body, and test it: "
                                      "`n = f()` / `while n > 0: ...; n = f()`")
        for node in walk_no_defs(loop):
            if isinstance(node, ast.Delete):
                self.refuse(node, "del inside a loop; assign the name a new value instead "
                                  "(or stop using it)")

    # ----- a, *rest = seq --------------------------------------------------------------------
    def assign_starred(self, target, value, env, builder):
        """`a, *rest, z = seq`: the items before and after the star, and the list between."""
        star = next(k for k, t in enumerate(target.elts) if isinstance(t, ast.Starred))
        after = len(target.elts) - star - 1
        items = self.known_items(value, target, builder)
        if len(items) < star + after:
            raise PythonValueError(f"not enough values to unpack (expected at least "
                                   f"{star + after}, got {len(items)}), as Python raises when "
                                   "the function runs", filename=self.filename,
                                   line=target.lineno, construct=f"{self.source_of(target)} = ...")
        middle = StaticSeq(list(items[star:len(items) - after]), "list")
        values = list(items[:star]) + [middle] + list(items[len(items) - after:])
        for t, v in zip(target.elts, values):
            self.assign(t.value if isinstance(t, ast.Starred) else t, v, env, builder)

    def known_items(self, value, target, builder):
        if isinstance(value, Const) and type(value.value) in (list, tuple):
            return [from_python(v) for v in value.value]
        if isinstance(value, StaticSeq):
            return value.items
        atom = self.atom(value, builder, target)
        items = atom.kind.items if atom.kind.tag in ("list", "tuple") else None
        if items is None:
            names = [self.source_of(t.value if isinstance(t, ast.Starred) else t)
                     for t in target.elts]
            self.refuse(target, "starred assignment of a sequence whose length is known only "
                                "at run time (an array's length is); index it instead: "
                                f"`{names[0]}, {names[1]} = x[0], x[1:]`" if len(names) == 2
                        else "starred assignment of a sequence whose length is known only at "
                             "run time (an array's length is); index it instead")
        return [builder.emit("getitem", atom, Const(k)) for k in range(len(items))]

    # ----- (n := expr) -----------------------------------------------------------------------
    def expr_NamedExpr(self, node, env, builder):
        value = self.expr(node.value, env, builder)
        self.assign(node.target, value, env, builder)
        return value

    # ----- del -------------------------------------------------------------------------------
    def stmt_Delete(self, node, env, builder):
        for target in node.targets:
            if not isinstance(target, ast.Name):
                self.refuse(target, "del of an item or attribute; build the container "
                                    "without it instead (`d = {k: v for k, v in d.items() if "
                                    "k != key}`, `xs = xs[:i] + xs[i + 1:]`)")
            if target.id not in env:
                raise NameResolutionError(f"name '{target.id}' is not defined, as Python "
                                          "raises at this del", filename=self.filename,
                                          line=node.lineno, construct=self.source_of(node))
            env[target.id] = self.marker()
            self.deleted_names()[target.id] = node.lineno

    def deleted_names(self):
        if "deleted" not in vars(self):
            self.deleted = {}
        return self.deleted

    def refuse_undefined(self, node, name):
        line = self.deleted_names().get(name)
        if line is not None:
            raise NameResolutionError(
                f"cannot access local variable '{name}' where it is not associated with a "
                f"value: the del at line {line} unbound it (Python raises UnboundLocalError "
                "here)", filename=self.filename, line=node.lineno, construct=name)
        super().refuse_undefined(node, name)


def has_star(target):
    """Whether an assignment target is `a, *rest` (a tuple or list with a starred item)."""
    return isinstance(target, (ast.Tuple, ast.List)) and \
        any(isinstance(t, ast.Starred) for t in target.elts)


def _inside_loop_of(jump, stmts):
    """Whether a break/continue belongs to a loop inside `stmts` (a return never does)."""
    if isinstance(jump, ast.Return):
        return False
    return any(jump in list(walk_no_defs(n)) for s in stmts for n in [s, *walk_no_defs(s)]
               if isinstance(n, (ast.For, ast.While)))
