"""An optimizer pass: a reverse loop's adjoint slot added into once, into zeros, is assigned.

The adjoint of a read `x[:, t, :]` in a loop is `bx[:, t, :] += g` in the reverse sweep, into
`bx = zeros_like(x)` made before it: each step reads the slot, adds and writes it back, where
a hand-written backward pass assigns `dx[:, t, :] = g` (C1's RNN: 2 us a step of 16 x 32).
Where the loop's counter runs over ints >= 0 upwards and is a part of the index whose other
parts are constants (slices, ints), each iteration names places no other iteration touches,
so every place is still zero when its iteration adds into it, and 0.0 + g is g: the addition
becomes an assignment (`setitem`). It applies where the adjoint is made by zeros_like for this
loop alone (read nowhere else) and the body reads its carry only to add into it, and where g
has the adjoint's dtype (an assignment would cast where the addition refuses). The one value
that changes is the sign of a zero: an added -0.0 gives 0.0, an assigned one -0.0.
"""

from dataclasses import replace

from ..ir.atoms import Const, Var
from ..ir.nodes import Block, Eqn, For, read_counts
from .dead_zeroing import counts_up, with_body


def assign_first_writes(fn):
    """fn with such additions assigned (fn itself where there is none)."""
    reads = read_counts(fn.body)
    zeros = {s.outs[0] for s in fn.body.stmts
             if isinstance(s, Eqn) and s.prim == "zeros_like" and len(s.outs) == 1}
    stmts = list(fn.body.stmts)
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, For) and stmt.reverse and stmt.snapshots is None and \
                counts_up(stmt):
            for j, init in enumerate(stmt.carry_init):
                if init in zeros and reads.get(init) == 1:
                    stmts[k] = _assigned(stmts[k], j) or stmts[k]
    if all(new is old for new, old in zip(stmts, fn.body.stmts)):
        return fn
    return replace(fn, body=Block(stmts, fn.body.results))


def _assigned(loop, j):
    """`loop` with carry j's addition into its slot made an assignment, or None."""
    body, param, result = loop.body, loop.carry_params[j], loop.body.results[j]
    reads = read_counts(body)
    if not isinstance(result, Var) or reads.get(result) != 1 or reads.get(param) != 1:
        return None
    at = next((k for k, s in enumerate(body.stmts) if isinstance(s, Eqn) and
               result in s.outs), None)
    if at is None:
        return None
    add = body.stmts[at]
    if add.prim != "iadd_at" or add.args[0] is not param or \
            not _distinct_places(add.args[1], body, loop.index) or \
            not _same_dtype(add.args[2], param):
        return None
    stmts = list(body.stmts)
    stmts[at] = Eqn(add.outs, "setitem", add.args, add.line)
    return with_body(loop, stmts, body.results)


def _distinct_places(index, body, counter):
    """The index is the counter, or a tuple of it and constants (basic indexing): distinct
    counters name disjoint places."""
    if index is counter:
        return True
    made = next((s for s in body.stmts if isinstance(s, Eqn) and index in s.outs), None)
    if made is None or made.prim != "make_tuple":
        return False
    parts = made.args
    return any(p is counter for p in parts) and all(
        p is counter or isinstance(p, Const) and _basic(p.value) for p in parts)


def _basic(value):
    return type(value) in (slice, int) or value is None or value is Ellipsis


def _same_dtype(value, param):
    """g has the adjoint's dtype: assigning it stores what adding it to zero stores."""
    slot, kind = param.kind, getattr(value, "kind", None)
    if not slot.is_array or kind is None:
        return False
    if kind.is_array:
        return kind.dtype == slot.dtype
    return kind.is_float_scalar and slot.dtype == "float64"
