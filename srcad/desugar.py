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
"""

import ast

from .syntax import fix_missing_locations

BREAK_FLAG = "broke"
CONTINUE_FLAG = "skipped"
RETURN_FLAG = "returned"
RETURN_VALUE = "retval"


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


def returning_loop(loop):
    """Statements equal to a loop that returns from inside: the loop with flags, then
    `if returned: return retval`; the caller lowers the rest of the function after them."""
    for inner in ast.walk(loop):
        if inner is not loop and isinstance(inner, (ast.For, ast.While)) and \
                any(isinstance(n, ast.Return) for n in ast.walk(inner)):
            return None
    before, new = rewrite_loop(loop)
    flags = [_assign(RETURN_FLAG, False, loop), _assign(RETURN_VALUE, None, loop)]
    leave = _if(_name(RETURN_FLAG), [_located(ast.Return(_name(RETURN_VALUE)), loop)], loop)
    return flags + before + [new, leave]


def rewrite_loop(loop):
    """(statements to run before the loop, the loop without break/continue)."""
    uses_continue = any(isinstance(j, ast.Continue) for j in _jumps(loop.body))
    body = _guard(loop.body, uses_continue)
    if uses_continue:
        body = [_assign(CONTINUE_FLAG, False, loop)] + body
    before = [_assign(BREAK_FLAG, False, loop)]
    if isinstance(loop, ast.For):
        new = ast.For(loop.target, loop.iter, [_if(_not(_name(BREAK_FLAG)), body, loop)], [])
    else:
        test = ast.BoolOp(ast.And(), [_not(_name(BREAK_FLAG)), loop.test])
        new = ast.While(test, body, [])
    return before, _located(new, loop)


def _guard(stmts, uses_continue):
    out = []
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, ast.Break):
            out.append(_assign(BREAK_FLAG, True, stmt))
            return out
        if isinstance(stmt, ast.Continue):
            out.append(_assign(CONTINUE_FLAG, True, stmt))
            return out
        if isinstance(stmt, ast.Return):
            value = stmt.value or ast.Constant(None)
            store = _located(ast.Assign([ast.Name(RETURN_VALUE, ast.Store())], value), stmt)
            out += [store, _assign(RETURN_FLAG, True, stmt), _assign(BREAK_FLAG, True, stmt)]
            return out
        if isinstance(stmt, ast.If) and has_jumps([stmt]):
            new = ast.If(stmt.test, _guard(stmt.body, uses_continue) or [ast.Pass()],
                         _guard(stmt.orelse, uses_continue))
            out.append(_located(new, stmt))
            rest = _guard(stmts[k + 1:], uses_continue)
            if rest:
                out.append(_if(_not(_stopped(uses_continue)), rest, stmts[k + 1]))
            return out
        out.append(stmt)
    return out


def _stopped(uses_continue):
    if not uses_continue:
        return _name(BREAK_FLAG)
    return ast.BoolOp(ast.Or(), [_name(BREAK_FLAG), _name(CONTINUE_FLAG)])


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
