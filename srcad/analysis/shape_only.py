"""An optimizer pass: values computed only for their shape are not computed.

The adjoint of a reduction or a broadcast needs the shape of its argument (`x.size`,
`unbroadcast(g, x)`), not its value. In `grad(lambda w: np.mean(y * np.log(p(w)) + ...))`
the elementwise expression under the mean is needed for nothing else, yet computing it is
most of the forward sweep. Here such a value is replaced, in those shape-only uses, by a
stand-in with the same shape and dtype (its elementwise input itself, or a zero-stride
`shape_like` view that costs no arithmetic), and dead-code elimination removes the rest.
An array made by np.zeros/np.ones/np.empty and read only for its shape (`h = np.zeros(...)`
filled by a loop whose writes the gradient does not need, then broadcast against `dout` in a
check) becomes a zero-stride `zeros_view` of that shape and dtype: no memory held.
"""

from collections import Counter

import numpy as np

from .. import kinds as K
from ..ir.nodes import (Block, Eqn, For, If, Var, While, stmt_inputs, sub_blocks, walk_eqns,
                        walk_stmts)
from ..rules import RULES
from ..rules.writes import WRITES

SHAPE_ONLY = {("size", 0), ("shape", 0), ("ndim", 0), ("unbroadcast", 1),
              ("broadcast_like", 1), ("unreduce", 1), ("count", 0), ("zeros_like", 0),
              ("index_adjoint", 1), ("adjoint_item", 2), ("shape_like", None),
              ("check_broadcast", None), ("shape_record", 0)}

CONSTRUCTORS = ("zeros", "ones", "empty")      # (shape, dtype): what zeros_view reads


def shape_only_values(fn, rebuild):
    """fn with elementwise values read only for their shape replaced by stand-ins."""
    defs = {o: e for e in walk_eqns(fn.body) for o in e.outs}
    value_uses = _value_uses(fn.body)
    stand_ins = {}
    for var, eqn in defs.items():
        if eqn.prim in CONSTRUCTORS and var not in value_uses:
            stand_ins[var] = ("view", eqn.args)
            continue
        if eqn.prim == "shape_like":
            same = _one_input(eqn)
            if same is not None:
                stand_ins[var] = ("var", same)     # shape_like(x, x) is x's shape: x
            continue
        if var in value_uses or RULES[eqn.prim].shape_from != "args" or len(eqn.outs) != 1:
            continue
        stand_in = _stand_in(eqn, lambda a: a not in defs or value_uses[a] > 1)
        if stand_in is not None:
            stand_ins[var] = stand_in
    stand_ins.update(_written_loop_outs(fn.body, defs, value_uses))
    mapped = _map(fn.body, stand_ins) if stand_ins else fn.body
    return fn if mapped is fn.body else rebuild(fn, mapped)


def shape_reads_of_inputs(block, defining, available):
    """The block's statements with each read, for its shape only, of a value that `defining`
    (an equation per var) makes elementwise and that the block reads for nothing else replaced
    by an input of that equation of its shape and dtype, where `available(input, read)` (read:
    the block reads it for its value) says it costs no more to have there: a loop's reverse
    body then recomputes the input (an `x[i]`) instead of the tape recording the value, each
    iteration, for its shape (`broadcast_like(g, x[i] * w)`)."""
    value_uses = _value_uses(block)
    usable = lambda a: available(a, a in value_uses)          # noqa: E731
    stand_ins = {}
    for var, eqn in defining.items():
        if var in value_uses or RULES[eqn.prim].shape_from != "args" or len(eqn.outs) != 1:
            continue
        stand_in = _stand_in(eqn, usable)
        if stand_in is not None and stand_in[0] == "var" and usable(stand_in[1]):
            stand_ins[var] = stand_in
    return _map(block, stand_ins).stmts if stand_ins else block.stmts


def read_for_shape_only(block, candidates):
    """Those of `candidates` that the block (its results included) reads for nothing but their
    shape, where it reads them at all."""
    value_uses = _value_uses(block)
    return [v for v in candidates if v not in value_uses]


def rename_shape_reads(block, stand_ins):
    """The block with each read, for its shape only, of a var of `stand_ins` ({var: stand-in})
    reading its stand-in instead."""
    return _map(block, {v: ("var", s) for v, s in stand_ins.items()})


def _written_loop_outs(body, defs, value_uses):
    """{loop out: ('var', its start)} for an array a loop only writes into (`out[n, f, i, j] =
    ...` each iteration, loops nested inside included), read after it for its shape alone:
    the writes do not change the shape, so the start stands in, and the loop, if nothing else
    is live in it, is dead code (a forward sweep filling an array the gradient never reads)."""
    loops = {}
    for stmt in walk_stmts(body):
        if isinstance(stmt, (For, While)):
            loops.update((out, (stmt, j)) for j, out in enumerate(stmt.outs))
    stand_ins = {}
    for out, (loop, j) in loops.items():
        start = loop.carry_init[j]
        if out not in value_uses and isinstance(start, Var) and out.kind.is_array and \
                K.alike(start.kind, out.kind) and _only_written(loop, j, defs, loops):
            stand_ins[out] = ("var", start)
    return stand_ins


def _only_written(loop, j, defs, loops):
    """Whether the loop's carry j leaves each iteration as it came in but for writes into it."""
    v = loop.body.results[j]
    while v is not loop.carry_params[j]:
        if v in defs and defs[v].prim in WRITES:
            v = defs[v].args[0]
        elif v in loops and _only_written(*loops[v], defs, loops):
            inner, k = loops[v]
            v = inner.carry_init[k]
        else:
            return False
    return True


def _is_shape_only(prim, position):
    return (prim, position) in SHAPE_ONLY or (prim, None) in SHAPE_ONLY


def _value_uses(block, uses=None):
    """How often each var is read for its value (by anything but a shape-only argument)."""
    uses = Counter() if uses is None else uses
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            uses.update(a for k, a in enumerate(stmt.args)
                        if isinstance(a, Var) and not _is_shape_only(stmt.prim, k))
        else:
            uses.update(a for a in stmt_inputs(stmt) if isinstance(a, Var))
            for sub in sub_blocks(stmt):
                _value_uses(sub, uses)
    uses.update(a for a in block.results if isinstance(a, Var))
    return uses


def _one_input(eqn):
    """x if a shape_like equation reads only x, of its own kind; else None."""
    inputs = list(dict.fromkeys(eqn.args))
    if len(inputs) == 1 and isinstance(inputs[0], Var) and K.alike(inputs[0].kind, eqn.out.kind) \
            and inputs[0].kind.is_array:
        return inputs[0]
    return None


def _stand_in(eqn, computed_anyway):
    """('var', x) when an input already has the value's shape and dtype (one computed anyway,
    where it is not the only array input), else the arguments of a shape_like equation;
    None for a value of constants alone (it costs nothing)."""
    arrays = [a for a in eqn.args if isinstance(a, Var) and not a.kind.is_scalar]
    out = eqn.out
    if len(arrays) == 1 and out.same_shape_as is not None and \
            K.alike(arrays[0].kind, out.kind):
        return ("var", arrays[0])
    filling = [a for a in arrays if K.fills_broadcast(a.kind, out.kind) and
               a.kind.dtype == out.kind.dtype and computed_anyway(a)]
    if filling:
        return ("var", filling[0])      # an input with the size-1 dimensions of the result
    # constant arrays shape it too
    shaping = tuple(a for a in eqn.args if isinstance(a, Var) or
                    isinstance(getattr(a, "value", None), np.ndarray))
    return ("like", shaping) if shaping else None


def _map(block, stand_ins):
    stmts = []
    for stmt in block.stmts:
        if isinstance(stmt, Eqn) and stmt.out in stand_ins:
            how, what = stand_ins[stmt.out]
            if how == "like":
                stmts.append(Eqn(stmt.outs, "shape_like", what, stmt.line))
            elif how == "view":
                stmts.append(Eqn(stmt.outs, "zeros_view", what, stmt.line))
            else:       # now unread: dead-code elimination keeps its broadcasting check
                stmts.append(stmt)
            continue
        stmts.append(_rename_shape_uses(stmt, stand_ins))
    if all(new is old for new, old in zip(stmts, block.stmts)):
        return block        # nothing to change: the caller's rounds end (pipeline.simplify)
    return Block(stmts, block.results)


def _rename_shape_uses(stmt, stand_ins):
    def image(atom):
        while atom in stand_ins and stand_ins[atom][0] == "var":
            atom = stand_ins[atom][1]
        return atom
    if isinstance(stmt, Eqn):
        args = tuple(image(a) if isinstance(a, Var) and _is_shape_only(stmt.prim, k) else a
                     for k, a in enumerate(stmt.args))
        same = all(new is old for new, old in zip(args, stmt.args))
        return stmt if same else Eqn(stmt.outs, stmt.prim, args, stmt.line)
    blocks = tuple(_map(sub, stand_ins) for sub in sub_blocks(stmt))
    if all(new is old for new, old in zip(blocks, sub_blocks(stmt))):
        return stmt
    if isinstance(stmt, If):
        return If(stmt.cond, blocks[0], blocks[1], stmt.outs, stmt.line)
    if isinstance(stmt, For):
        return For(stmt.index, stmt.start, stmt.stop, stmt.step, stmt.carry_init,
                   stmt.carry_params, blocks[0], stmt.outs, stmt.reverse, stmt.line,
                   stmt.snapshots)
    return While(stmt.carry_init, stmt.carry_params, blocks[0], blocks[1], stmt.outs,
                 stmt.line)
