"""Activity analysis and small IR utilities the transforms share.

A value is *varied* when it depends differentiably on a `wrt` input. Only varied values get
tangents (forward mode) or adjoint contributions (reverse mode); the reverse sweep itself only
visits values whose adjoint is non-zero, which makes them *useful* as well.
"""

from .ir import Block, Eqn, For, If, Var, While, block_params, stmt_inputs, sub_blocks
from .rules import RULES, ZERO


def varied_vars(fn, wrt_params):
    """The set of vars that depend differentiably on any of `wrt_params`."""
    varied = set(wrt_params)
    _varied_block(fn.body, varied)
    return varied


def _is_varied(atom, varied):
    return isinstance(atom, Var) and atom in varied


def _varied_block(block, varied):
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            rule = RULES[stmt.prim]
            if any(_is_varied(a, varied) and rule.vjp_rule(i) is not ZERO
                   for i, a in enumerate(stmt.args)):
                varied.update(stmt.outs)
        elif isinstance(stmt, If):
            _varied_block(stmt.then, varied)
            _varied_block(stmt.orelse, varied)
            for out, a, b in zip(stmt.outs, stmt.then.results, stmt.orelse.results):
                if _is_varied(a, varied) or _is_varied(b, varied):
                    varied.add(out)
        else:
            _varied_loop(stmt, varied)


def _varied_loop(stmt, varied):
    """Iterate to a fixed point: a carry is varied if its start or its update is."""
    while True:
        before = len(varied)
        for param, init, result in zip(stmt.carry_params, stmt.carry_init, stmt.body.results):
            if _is_varied(init, varied) or _is_varied(result, varied):
                varied.add(param)
        for sub in sub_blocks(stmt):
            _varied_block(sub, varied)
        if len(varied) == before:
            break
    for out, param in zip(stmt.outs, stmt.carry_params):
        if param in varied:
            varied.add(out)


def bound_vars(block):
    """Every var bound inside `block`, in nested blocks too (loop indices, carries, outs)."""
    bound = set()
    for stmt in block.stmts:
        bound.update(stmt.outs)
        bound.update(block_params(stmt))
        for sub in sub_blocks(stmt):
            bound |= bound_vars(sub)
    return bound


def substitute(stmts, mapping):
    """Statements with every read of a var in `mapping` replaced by its image."""
    return [_substitute_stmt(s, mapping) for s in stmts]


def substitute_block(block, mapping):
    return Block(substitute(block.stmts, mapping), tuple(_sub(a, mapping) for a in block.results))


def _sub(atom, mapping):
    return mapping.get(atom, atom) if isinstance(atom, Var) else atom


def _substitute_stmt(stmt, m):
    if isinstance(stmt, Eqn):
        return Eqn(stmt.outs, stmt.prim, tuple(_sub(a, m) for a in stmt.args), stmt.line)
    if isinstance(stmt, If):
        return If(_sub(stmt.cond, m), substitute_block(stmt.then, m),
                  substitute_block(stmt.orelse, m), stmt.outs, stmt.line)
    inits = tuple(_sub(a, m) for a in stmt.carry_init)
    if isinstance(stmt, For):
        return For(stmt.index, _sub(stmt.start, m), _sub(stmt.stop, m), _sub(stmt.step, m),
                   inits, stmt.carry_params, substitute_block(stmt.body, m), stmt.outs,
                   stmt.reverse, stmt.line)
    return While(inits, stmt.carry_params, substitute_block(stmt.cond, m),
                 substitute_block(stmt.body, m), stmt.outs, stmt.line)


def reads(stmts, results=()):
    """Vars read by these statements (nested blocks included) or by `results`, in order of
    first reading (a dict, not a set: tape layouts built from it must not depend on ids)."""
    from .ir import free_vars
    return dict.fromkeys(free_vars(Block(list(stmts), tuple(results))))


__all__ = ["varied_vars", "bound_vars", "substitute", "substitute_block", "reads",
           "stmt_inputs"]
