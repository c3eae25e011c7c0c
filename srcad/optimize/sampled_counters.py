"""In a loop of broadcasting checks, a counter that only indexes an axis runs twice at most.

The naive convolution's loop of checks (checked_shapes.py) reads its counters `n` and `f`
only as integer indices, `x_pad[n, :, i:i + HH, j:j + WW]` and `w[f]`: the shapes it checks
do not depend on them, so every `n` in bounds does what `n = 0` does, and the first `n` out
of bounds, the smallest size m of an axis it indexes, raises the IndexError. Such a counter
runs over `range(0, sampled_stop(N, m), sampled_step(m))`, which is 0 alone where N <= m and
0, m where N > m (the loop raises at m, where and as the whole range would). C3's first call
checks 144 windows instead of 4,608; later calls with the same shapes skip the loop anyway.

A counter qualifies where its loop counts by 1 from 0 to a bound from outside and every read
of it is an integer part of the index of an array the loop reads from outside (of known
axis: the parts before it are integers, slices or None).
"""

from dataclasses import replace

from .. import kinds as K
from ..ir.nodes import Block, Const, Eqn, For, Var, is_const, read_counts, walk_eqns


def sample_counters(loop, arrays):
    """(equations to put before `loop`, loop with its index-only counters sampled);
    `arrays`: the arrays the loop reads from outside."""
    shapes = set(arrays)
    axes = _index_only_counters(loop, shapes)
    outside = set(shapes) | {a for a in _loop_bounds(loop) if isinstance(a, Var)}
    eqns = []

    def visit(stmt):
        if not isinstance(stmt, For):
            return stmt
        body = Block([visit(s) for s in stmt.body.stmts], stmt.body.results)
        uses = axes.get(stmt.index)
        if not uses or not (is_const(stmt.start, 0) and is_const(stmt.step, 1)) or \
                not (isinstance(stmt.stop, Const) or stmt.stop in outside):
            return replace(stmt, body=body)
        stop, step = Var(None, K.INT), Var(None, K.INT)
        eqns.extend([*_sizes(uses, stmt.line, "sampled_stop", stop, stmt.stop),
                     *_sizes(uses, stmt.line, "sampled_step", step)])
        return replace(stmt, stop=stop, step=step, body=body)

    return eqns, visit(loop)


def _sizes(uses, line, prim, out, *first):
    """[array.shape, its size at the axis, ..., out = prim(*first, sizes...)]: each size read
    where it is used (x_pad.shape[0] in the call)."""
    eqns, sizes = [], []
    for array, axis in uses:
        shape, size = Var(None, K.Kind("tuple")), Var(None, K.INT)
        eqns += [Eqn((shape,), "shape", (array,), line),
                 Eqn((size,), "getitem", (shape, Const(axis)), line)]
        sizes.append(size)
    return eqns + [Eqn((out,), prim, (*first, *sizes), line)]


def _loop_bounds(loop):
    """The stop bounds of the loop and the loops nested in it that are read from outside."""
    bound = set()
    stack, bounds = [loop], []
    while stack:
        stmt = stack.pop()
        bound.add(stmt.index)
        bounds.append(stmt.stop)
        stack.extend(s for s in stmt.body.stmts if isinstance(s, For))
    bound |= {o for e in walk_eqns(Block([loop], ())) for o in e.outs}
    return [b for b in bounds if b not in bound]


def _index_only_counters(loop, shapes):
    """{counter: [(array, axis), ...]} for the counters of the nest whose every read is an
    integer part of the index of an array in `shapes`."""
    counters, stack = set(), [loop]
    while stack:
        stmt = stack.pop()
        counters.add(stmt.index)
        stack.extend(s for s in stmt.body.stmts if isinstance(s, For))
    eqns = list(walk_eqns(Block([loop], ())))
    tuples = {e.out: e.args for e in eqns if e.prim == "make_tuple"}
    reads = read_counts(Block([loop], ()))
    indexings = [e for e in eqns if e.prim == "getitem" and e.args[0] in shapes]
    found, valid = {c: [] for c in counters}, {}
    for eqn in indexings:
        for counter, axis in _axes(tuples.get(eqn.args[1], (eqn.args[1],)), counters):
            found[counter].append((eqn.args[0], axis))
        if eqn.args[1] in counters:
            valid[eqn.args[1]] = valid.get(eqn.args[1], 0) + 1
    for t, parts in tuples.items():     # a tuple read only as an index: its counters' reads
        if sum(e.args[1] is t for e in indexings) == reads.get(t, 0):
            for counter, _ in _axes(parts, counters):
                valid[counter] = valid.get(counter, 0) + 1
    return {c: uses for c, uses in found.items()
            if uses and valid.get(c, 0) == reads.get(c, 0)}


def _axes(parts, counters):
    """(counter, the axis it indexes) for the counters among an index's parts; none after a
    part whose axes are not known (an Ellipsis, a bool, an array, a tuple)."""
    axis = 0
    for part in parts:
        if isinstance(part, Const):
            if part.value is None:
                continue
            if part.value is Ellipsis or isinstance(part.value, bool) or \
                    not isinstance(part.value, (int, slice)):
                return
        elif part.kind.tag in ("bool", "tuple", "unknown", "array"):
            return
        elif part in counters:
            yield part, axis
        axis += 1
