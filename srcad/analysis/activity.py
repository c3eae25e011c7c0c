"""Activity analysis and small IR utilities the transforms share.

A value is *varied* when it depends differentiably on a `wrt` input. Only varied values get
tangents (forward mode) or adjoint contributions (reverse mode); the reverse sweep itself only
visits values whose adjoint is non-zero, which makes them *useful* as well.
"""

from ..ir.nodes import (Block, Const, Eqn, For, If, Var, While, block_params, free_vars,
                        stmt_inputs, sub_blocks)
from ..rules import RULES, ZERO


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
    """Iterate to a fixed point: a carry is varied if its start or its update is. The body
    is walked again only after a carry became varied: nothing else it reads changes between
    two walks (a walk to confirm the last one was a walk of every loop inside, at each level)."""
    walked = False
    while True:
        added = False
        for param, init, result in zip(stmt.carry_params, stmt.carry_init, stmt.body.results):
            if param not in varied and (_is_varied(init, varied) or _is_varied(result, varied)):
                varied.add(param)
                added = True
        if walked and not added:
            break
        for sub in sub_blocks(stmt):
            _varied_block(sub, varied)
        walked = True
    for out, param in zip(stmt.outs, stmt.carry_params):
        if param in varied:
            varied.add(out)


def useful_vars(fn):
    """The vars whose tangent may reach one of fn's results: those results, and, backwards,
    every argument an equation with a useful output reads where its jvp rule is not ZERO (an
    index, a shape, a sample drawn by a library call only indexed with: not useful), and
    every argument of an effect one of whose arguments is useful (it may have moved a value
    into that object: a checkpoint schedule's store). Loops go to a fixed point over their
    carries. Forward mode refuses a missing rule only for a
    useful output (reverse mode never reaches the others)."""
    useful = {r for r in fn.body.results if isinstance(r, Var)}
    _useful_block(fn.body, useful)
    return useful


def _useful_block(block, useful):
    for stmt in reversed(block.stmts):
        if isinstance(stmt, Eqn):
            rule = RULES.get(stmt.prim)
            moves = rule is None or rule.effect        # it may move a value into an argument
            if any(o in useful for o in stmt.outs) or \
                    moves and any(a in useful for a in stmt.args if isinstance(a, Var)):
                useful.update(a for i, a in enumerate(stmt.args) if isinstance(a, Var) and
                              (moves or rule.jvp_rule(i) is not ZERO))
        elif isinstance(stmt, If):
            for branch in (stmt.then, stmt.orelse):
                useful.update(r for o, r in zip(stmt.outs, branch.results)
                              if o in useful and isinstance(r, Var))
                _useful_block(branch, useful)
        else:
            _useful_loop(stmt, useful)


def _useful_loop(stmt, useful):
    """A carry is useful where its out is, or where the body's useful values read it."""
    while True:
        before = len(useful)
        for out, param, init, result in zip(stmt.outs, stmt.carry_params, stmt.carry_init,
                                            stmt.body.results):
            if out in useful or param in useful:
                useful.update(a for a in (param, init, result) if isinstance(a, Var))
        for sub in sub_blocks(stmt):
            _useful_block(sub, useful)
        if len(useful) == before:
            break


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
                   stmt.reverse, stmt.line, _sub(stmt.snapshots, m))
    return While(inits, stmt.carry_params, substitute_block(stmt.cond, m),
                 substitute_block(stmt.body, m), stmt.outs, stmt.line)


def reads(stmts, results=()):
    """Vars read by these statements (nested blocks included) or by `results`, in order of
    first reading (a dict, not a set: tape layouts built from it must not depend on ids)."""
    return dict.fromkeys(free_vars(Block(list(stmts), tuple(results))))


__all__ = ["varied_vars", "bound_vars", "substitute", "substitute_block", "reads",
           "stmt_inputs"]


_PYTHON_ARITHMETIC = {"add", "sub", "mul", "div", "neg", "pos", "pow", "mod", "floor_divide",
                      "to_float"}


def python_float(atom, params, definitions):
    """Whether the generated code computes `atom` as a Python number: every value it comes
    from is a Python float parameter or a number constant, and every operation on the way is
    Python arithmetic or a `math.*` call (codegen spells a rule with a `math` form that way on
    scalars). A NumPy scalar or a 0-d array (np.sum of a float, np.squeeze) never gets through,
    nor a value a loop or a branch defines. `definitions` maps vars to the equations that
    define them. Iterative: expression chains can be thousands of equations long."""
    known = {}
    stack = [atom]
    while stack:
        top = stack[-1]
        if isinstance(top, Const):
            known[id(top)] = type(top.value) in (float, int, bool)
            stack.pop()
            continue
        inputs = _number_inputs(top, params, definitions)
        waiting = [a for a in inputs or () if id(a) not in known]
        if waiting:
            stack.extend(waiting)
            continue
        known[id(top)] = inputs is not None and all(known[id(a)] for a in inputs)
        stack.pop()
    return known[id(atom)]


def _number_inputs(var, params, definitions):
    """The atoms a Python-number `var` is computed from ([] for a float parameter or a math
    call), or None where it is not (known to be) a Python number."""
    eqn = definitions.get(var)
    if eqn is None:
        return [] if var in params and var.kind.tag == "float" else None
    if eqn.prim in _PYTHON_ARITHMETIC:
        return list(eqn.args)
    if RULES[eqn.prim].math and all(a.kind.is_scalar for a in eqn.args):
        return []
    return None
