"""AST rewrites that turn `break`, `continue` and `return` inside loops into flags, so loops
stay structured.

    for x in xs:                    broke = False
        A                           for x in xs:
        if c:                           if not broke:
            break          ==>              skipped = False
        B                                   A
                                            if c:
                                                broke = True
                                            if not (broke or skipped):
                                                B

A `while` loop also tests the flag: `while not broke and test:`. The iterations a `for` loop
runs after its break do nothing; the reverse sweep records that like any other `if`. A
`return v` inside a loop sets `retval = v; returned = True` and breaks; after the loop,
`if returned: return retval`.

The flag names are fresh against `taken`, every name of the function (srcad/naming.py): a
parameter called `broke` keeps its value, and a loop inside a loop gets flags of its own.
"""

import ast
from dataclasses import dataclass

from ..naming import fresh_name
from .syntax import fix_missing_locations


@dataclass(frozen=True)
class Flags:
    broke: str
    skipped: str
    returned: str = None
    retval: str = None

    @classmethod
    def fresh(cls, taken, returning=False):
        names = [fresh_name(base, taken) for base in ("broke", "skipped")]
        if returning:
            names += [fresh_name(base, taken) for base in ("returned", "retval")]
        return cls(*names)


def has_jumps(stmts):
    """True if `stmts` break or continue the loop they are in (not an inner loop)."""
    return any(True for _ in _jumps(stmts))


def _jumps(stmts):
    for stmt in stmts:
        if isinstance(stmt, (ast.Break, ast.Continue, ast.Return)):
            yield stmt
        elif isinstance(stmt, ast.If):
            yield from _jumps(stmt.body)
            yield from _jumps(stmt.orelse)


def returning_loop(loop, taken):
    """Statements equal to a loop that returns from inside: the loop with flags, then
    `if returned: return retval`; the caller lowers the rest of the function after them."""
    for inner in ast.walk(loop):
        if inner is not loop and isinstance(inner, (ast.For, ast.While)) and \
                any(isinstance(n, ast.Return) for n in ast.walk(inner)):
            return None
    flags = Flags.fresh(taken, returning=True)
    before, new = rewrite_loop(loop, taken, flags)
    start = [_assign(flags.returned, False, loop), _assign(flags.retval, None, loop)]
    leave = _if(_name(flags.returned), [_located(ast.Return(_name(flags.retval)), loop)], loop)
    return start + before + [new, leave]


def rewrite_loop(loop, taken, flags=None):
    """(statements to run before the loop, the loop without break/continue)."""
    flags = flags or Flags.fresh(taken)
    uses_continue = any(isinstance(j, ast.Continue) for j in _jumps(loop.body))
    body = _guard(loop.body, uses_continue, flags)
    if uses_continue:
        body = [_assign(flags.skipped, False, loop)] + body
    before = [_assign(flags.broke, False, loop)]
    if isinstance(loop, ast.For):
        new = ast.For(loop.target, loop.iter, [_if(_not(_name(flags.broke)), body, loop)], [])
    else:
        test = ast.BoolOp(ast.And(), [_not(_name(flags.broke)), loop.test])
        new = ast.While(test, body, [])
    return before, _located(new, loop)


def _guard(stmts, uses_continue, flags):
    out = []
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, ast.Break):
            out.append(_assign(flags.broke, True, stmt))
            return out
        if isinstance(stmt, ast.Continue):
            out.append(_assign(flags.skipped, True, stmt))
            return out
        if isinstance(stmt, ast.Return):
            value = stmt.value or ast.Constant(None)
            store = _located(ast.Assign([ast.Name(flags.retval, ast.Store())], value), stmt)
            out += [store, _assign(flags.returned, True, stmt), _assign(flags.broke, True, stmt)]
            return out
        if isinstance(stmt, ast.If) and has_jumps([stmt]):
            new = ast.If(stmt.test, _guard(stmt.body, uses_continue, flags) or [ast.Pass()],
                         _guard(stmt.orelse, uses_continue, flags))
            out.append(_located(new, stmt))
            rest = _guard(stmts[k + 1:], uses_continue, flags)
            if rest:
                out.append(_if(_not(_stopped(uses_continue, flags)), rest, stmts[k + 1]))
            return out
        out.append(stmt)
    return out


def _stopped(uses_continue, flags):
    if not uses_continue:
        return _name(flags.broke)
    return ast.BoolOp(ast.Or(), [_name(flags.broke), _name(flags.skipped)])


def _name(name):
    return ast.Name(name, ast.Load())


def _not(expr):
    return ast.UnaryOp(ast.Not(), expr)


def _assign(name, value, where):
    return _located(ast.Assign([ast.Name(name, ast.Store())], ast.Constant(value)), where)


def _if(test, body, where):
    return _located(ast.If(test, body, []), where)


def _located(node, where):
    ast.copy_location(node, where)
    return fix_missing_locations(node)
