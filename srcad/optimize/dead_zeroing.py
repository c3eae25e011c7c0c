"""An optimizer pass: a reverse loop's zeroing of an adjoint element no later iteration reads.

The adjoint of a write `out[n, f, i, j] = v` reads the adjoint of out at the written place
and then zeroes it there (`bout[n, f, i, j] = 0.0`): the value out held before the write was
overwritten, so what an earlier write or read of that place receives must not include it.
Where every enclosing loop's counter is a part of the index, each iteration writes a place
no other iteration of those loops touches (the counters run from a start >= 0 upwards, so
two iterations differ in a part and name distinct places), and where the adjoint is read
nowhere after the loops, no one reads a zeroed place again: the zeroing is dropped and the
adjoint passes through the loops unchanged (C1's `bh[:, t, :] = 0.0` each step, C3's per
element). An adjoint read elsewhere in the body with another index keeps its zeroing.
"""

from ..ir.atoms import Const, Var
from ..ir.nodes import Block, Eqn, For, Function, read_counts


def drop_dead_zeroing(fn):
    """fn without such zeroing writes (fn itself where there is none)."""
    reads = read_counts(fn.body)
    stmts = list(fn.body.stmts)
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, For) and stmt.reverse:
            for j, out in enumerate(stmt.outs):
                if reads.get(out, 0) == 0:
                    stmts[k] = _without_zeroing(stmts[k], j, ()) or stmts[k]
    if all(new is old for new, old in zip(stmts, fn.body.stmts)):
        return fn
    return Function(fn.name, fn.params, Block(stmts, fn.body.results), fn.filename, fn.line,
                    fn.source_lines, fn.param_names)


def _without_zeroing(loop, j, counters):
    """`loop` with the zeroing of carry j dropped (in it or in the loops it nests), or None
    where it does not apply. `counters`: the index vars of the enclosing reverse loops."""
    if not (isinstance(loop, For) and loop.reverse and loop.snapshots is None and
            counts_up(loop)):
        return None
    counters += (loop.index,)
    body, param, result = loop.body, loop.carry_params[j], loop.body.results[j]
    reads = read_counts(body)
    if not isinstance(result, Var) or reads.get(result) != 1:
        return None
    at = next((k for k, s in enumerate(body.stmts) if result in getattr(s, "outs", ())), None)
    if at is None:
        return None
    stmt = body.stmts[at]
    if isinstance(stmt, For):                 # the carry goes through an inner loop
        inner = stmt.outs.index(result)
        if stmt.carry_init[inner] is not param or reads.get(param) != 1:
            return None
        new = _without_zeroing(stmt, inner, counters)
        return None if new is None else with_body(loop, body.stmts[:at] + [new] +
                                                   body.stmts[at + 1:], body.results)
    if not _is_dead_zeroing(stmt, param, body, reads, counters):
        return None
    results = tuple(param if k == j else r for k, r in enumerate(body.results))
    return with_body(loop, body.stmts[:at] + body.stmts[at + 1:], results)


def _is_dead_zeroing(stmt, param, body, reads, counters):
    """stmt is `param[idx] = 0.0`, idx holds every counter as a part, and param is read only
    there and at that same idx (the read of the written place, before the zeroing)."""
    if not (isinstance(stmt, Eqn) and stmt.prim == "setitem" and stmt.args[0] is param and
            isinstance(stmt.args[2], Const) and stmt.args[2].value == 0.0):
        return False
    idx = stmt.args[1]
    made = next((s for s in body.stmts if isinstance(s, Eqn) and idx in s.outs), None)
    if made is None or made.prim != "make_tuple" or \
            not all(any(part is c for part in made.args) for c in counters):
        return False
    region_reads = [s for s in body.stmts if isinstance(s, Eqn) and s.prim == "getitem" and
                    s.args[0] is param and s.args[1] is idx]
    return reads.get(param, 0) == 1 + len(region_reads)


def counts_up(loop):
    """The loop's counter runs over ints >= 0 upwards (reversed in the reverse sweep)."""
    start, step = loop.start, loop.step
    return isinstance(start, Const) and type(start.value) is int and start.value >= 0 and \
        isinstance(step, Const) and type(step.value) is int and step.value > 0


def with_body(loop, stmts, results):
    return For(loop.index, loop.start, loop.stop, loop.step, loop.carry_init,
               loop.carry_params, Block(stmts, results), loop.outs, loop.reverse, loop.line,
               loop.snapshots)
