"""Inlining an IR function: its body appended to a builder with its parameters bound to the
caller's atoms and every var it binds renamed, so the same function can be inlined twice; and
the walk that puts what an inliner makes of each call in its place (`expand_calls`).
"""

from ..analysis.activity import substitute
from ..ir.nodes import Block, Eqn, For, If, Var, While, with_sub_blocks


def inline(fn, arg_atoms, builder):
    """Append fn's body to `builder` with its params bound to `arg_atoms` and every var it
    binds renamed; returns the atoms of its results."""
    mapping = dict(zip(fn.params, arg_atoms))
    block = _copy_block(fn.body, mapping)
    for stmt in block.stmts:
        builder.append(stmt)
    return block.results


def expand_calls(block, expand, mapping=None):
    """`block` with each `call` equation replaced by the statements `expand(eqn, stmts,
    mapping)` appends to `stmts` (where it also maps the call's out to the atom standing for
    it), in nested blocks too: the one walk of the inliners, forward mode's (the helpers that
    tangents flow through, transforms/forward.py) and that for code differentiated twice (all
    helpers, transforms/helpers.py)."""
    mapping = {} if mapping is None else mapping
    stmts = []
    for original in block.stmts:
        stmt = substitute([original], mapping)[0]       # reads of calls inlined before it
        if isinstance(stmt, Eqn) and stmt.prim == "call":
            expand(stmt, stmts, mapping)
        else:
            stmts.append(with_sub_blocks(stmt, lambda b: expand_calls(b, expand, mapping)))
    return Block(stmts, tuple(_read(a, mapping) for a in block.results))


def copied(stmt, mapping=None):
    """A copy of `stmt` with every var it binds renamed (`mapping`: reads to rebind too)."""
    return _copy_stmt(stmt, {} if mapping is None else mapping)


def _fresh(var, mapping):
    new = Var(var.hint, var.kind)
    mapping[var] = new
    return new


def _read(atom, mapping):
    return mapping.get(atom, atom) if isinstance(atom, Var) else atom


def _copy_block(block, mapping):
    stmts = [_copy_stmt(s, mapping) for s in block.stmts]
    return Block(stmts, tuple(_read(a, mapping) for a in block.results))


def _copy_stmt(stmt, m):
    if isinstance(stmt, Eqn):
        args = tuple(_read(a, m) for a in stmt.args)
        return Eqn(tuple(_fresh(o, m) for o in stmt.outs), stmt.prim, args, stmt.line)
    if isinstance(stmt, If):
        cond = _read(stmt.cond, m)
        then, orelse = _copy_block(stmt.then, m), _copy_block(stmt.orelse, m)
        return If(cond, then, orelse, tuple(_fresh(o, m) for o in stmt.outs), stmt.line)
    inits = tuple(_read(a, m) for a in stmt.carry_init)
    params = tuple(_fresh(p, m) for p in stmt.carry_params)
    if isinstance(stmt, For):
        bounds = [_read(a, m) for a in (stmt.start, stmt.stop, stmt.step)]
        index = _fresh(stmt.index, m)
        body = _copy_block(stmt.body, m)
        return For(index, *bounds, inits, params, body, tuple(_fresh(o, m) for o in stmt.outs),
                   stmt.reverse, stmt.line, _read(stmt.snapshots, m))
    cond, body = _copy_block(stmt.cond, m), _copy_block(stmt.body, m)
    return While(inits, params, cond, body, tuple(_fresh(o, m) for o in stmt.outs), stmt.line)
