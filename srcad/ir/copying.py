"""Copying IR with every var it binds renamed: an IR function inlined into a builder, its
parameters bound to the caller's atoms, so the same function can be inlined twice (a
derivative taken inside a function, lowering/nested.py; a helper, transforms/helpers.py), and
one statement copied (a checkpointed loop run again in its schedule,
transforms/reverse/checkpoint.py).
"""

from .nodes import Block, Eqn, For, If, Var, While


def inline(fn, arg_atoms, builder):
    """Append fn's body to `builder` with its params bound to `arg_atoms` and every var it
    binds renamed; returns the atoms of its results."""
    mapping = dict(zip(fn.params, arg_atoms))
    block = _copy_block(fn.body, mapping)
    for stmt in block.stmts:
        builder.append(stmt)
    return block.results


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
