"""An element added into a slot at every iteration of a loop nest: one sum after the nest.

The adjoint of `out[n, f, i, j] = ... + b[f]` is `bb[f] += bout[n, f, i, j]` in the innermost
of four loops: 4,608 additions of one number into one element, where a hand-written backward
pass sums `dout` over the other axes once. Where a loop nest carries an accumulator only to
add into it, at indices made of some of the nest's counters, an element of an array the nest
does not change read at all of its counters (each counter once), the accumulator leaves the
nest and is given after it by

    bb = add_summed(bb, bout, (N, F, H, W), (1,))

`bout[:N, :F, :H, :W]` summed over the axes whose counters the slot's index does not hold and
added into `bb[:F]`: the same sum in another order (rounding may differ; the values are the
loop's to rounding). The helper raises the IndexError the loop would where a range runs past
an axis. The nest qualifies where its loops are reverse sweeps (adjoints only: the function's
own values stay Python's to the last bit) over ranges counting by 1 from 0, each holding only
the next one, so that every counter runs over all of its range with all the others.
"""

from dataclasses import replace

from .. import kinds as K
from ..ir.nodes import Block, Const, Eqn, For, Var, is_const, read_counts
from .passes import eliminate_dead_code


def sum_slot_additions(fn):
    """fn with each slot addition of a top-level loop nest moved after it as one sum."""
    stmts, changed = [], False
    for stmt in fn.body.stmts:
        after = []
        while isinstance(stmt, For):
            found = _summed_slot(_nest(stmt))
            if found is None:
                break
            stmt, given = _without_carry(stmt, *found)
            after = given + after
            changed = True
        stmts.append(stmt)
        stmts.extend(after)
    if not changed:
        return fn
    return eliminate_dead_code(replace(fn, body=Block(stmts, fn.body.results)))


def _nest(loop):
    """The loops of a perfect nest, outermost first (each body holds only the next loop and
    passes its carries through in place), each counting by 1 from 0 to a stop bound outside
    the nest (not an enclosing counter: every counter runs over all of its range)."""
    nest = [loop]
    while True:
        last = nest[-1]
        inside = {level.index for level in nest[:-1]} | set(loop.carry_params)
        if last.snapshots is not None or not last.reverse or not is_const(last.start, 0) or \
                not is_const(last.step, 1) or last.stop in inside:
            return nest[:-1]
        inner = last.body.stmts[0] if len(last.body.stmts) == 1 else None
        if not isinstance(inner, For) or inner.carry_init != last.carry_params or \
                last.body.results != inner.outs:
            return nest
        nest.append(inner)


def _summed_slot(nest):
    """(carry position, source array outside the nest, its index's counters, the slot's
    counters) of an accumulator the innermost body only adds an element into; or None."""
    if not nest:
        return None
    inner = nest[-1]
    counters = [loop.index for loop in nest]
    defs = {o: s for s in inner.body.stmts if isinstance(s, Eqn) for o in s.outs}
    reads = read_counts(inner.body)
    for p, (param, result) in enumerate(zip(inner.carry_params, inner.body.results)):
        add = defs.get(result)
        if add is None or add.prim != "iadd_at" or add.args[0] is not param or \
                reads.get(param) != 1 or reads.get(result) != 1:
            continue
        slot = _counters_of(add.args[1], defs, counters)
        element = defs.get(add.args[2])
        if slot is None or element is None or element.prim != "getitem":
            continue
        source = _outside(element.args[0], nest)
        parts = _counters_of(element.args[1], defs, counters)
        if source is None or parts is None or sorted(parts, key=id) != sorted(counters, key=id) \
                or source.kind.ndim != len(parts) or not _in_order(slot, parts) or \
                not _array_of_ndim(nest[0].carry_init[p], len(slot)):
            continue
        return p, source, parts, slot
    return None


def _array_of_ndim(atom, ndim):
    return atom.kind.is_array and atom.kind.ndim == ndim


def _counters_of(index, defs, counters):
    """The counters an index is made of (a counter, or a tuple of distinct counters)."""
    if any(index is c for c in counters):
        return [index]
    eqn = defs.get(index) if isinstance(index, Var) else None
    if eqn is None or eqn.prim != "make_tuple" or not eqn.args:
        return None
    parts = list(eqn.args)
    if not all(any(a is c for c in counters) for a in parts) or len(set(parts)) != len(parts):
        return None
    return parts


def _in_order(slot, parts):
    at = [next(k for k, p in enumerate(parts) if p is s) for s in slot]
    return at == sorted(at)


def _outside(atom, nest):
    """The value outside the nest that `atom` (read in the innermost body) is: a var bound
    outside it, or a carry every loop passes through unchanged; None otherwise."""
    if not isinstance(atom, Var) or not atom.kind.is_array:
        return None
    inner = nest[-1]
    if atom in inner.carry_params:
        q = inner.carry_params.index(atom)
        if inner.body.results[q] is not atom:
            return None
        return nest[0].carry_init[q]
    bound = {loop.index for loop in nest} | {p for loop in nest for p in loop.carry_params}
    bound |= {o for s in inner.body.stmts for o in s.outs}
    return None if atom in bound else atom


def _without_carry(loop, p, source, parts, slot):
    """(the nest without carry p, the equation giving its out after the nest)."""
    stops = {id(level.index): level.stop for level in _nest(loop)}
    sizes = Var(None, K.Kind("tuple"))
    kept = tuple(k for k, part in enumerate(parts) if any(part is s for s in slot))
    out = loop.outs[p]
    shape = Eqn((sizes,), "make_tuple", tuple(stops[id(part)] for part in parts), loop.line)
    total = Eqn((out,), "add_summed", (loop.carry_init[p], source, sizes, Const(kept)),
                loop.line)
    return _drop(loop, p), [shape, total]


def _drop(loop, p):
    cut = lambda seq: tuple(seq[:p]) + tuple(seq[p + 1:])      # noqa: E731
    inner = loop.body.stmts[0] if len(loop.body.stmts) == 1 and \
        isinstance(loop.body.stmts[0], For) and loop.body.results == loop.body.stmts[0].outs \
        else None
    if inner is not None and len(inner.carry_params) == len(loop.carry_params):
        body = Block([_drop(inner, p)], cut(loop.body.results))
    else:
        body = Block(loop.body.stmts, cut(loop.body.results))
    return For(loop.index, loop.start, loop.stop, loop.step, cut(loop.carry_init),
               cut(loop.carry_params), body, cut(loop.outs), loop.reverse, loop.line,
               loop.snapshots)
