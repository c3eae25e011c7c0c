"""The tape of a loop's reverse replay: which values the reverse body reads are recorded by
the forward loop (pushed each iteration, popped backwards) and which cheap equations are
recomputed in the reverse body instead; the forward loop that pushes them; and the iteration
count a `while` loop keeps so that its reverse can run as a counted `for`.
"""

from dataclasses import dataclass

from ... import kinds as K
from ... import naming
from ...analysis.activity import reads
from ...analysis.shape_only import read_for_shape_only, rename_shape_reads, shape_reads_of_inputs
from ...ir.builder import Builder
from ...ir.nodes import Block, Const, Eqn, For, Var, While
from ...rules import RULES


@dataclass(frozen=True)
class LoopPlan:
    """What the reverse of one loop is made from (Sweep.reverse_loop): the loop (`stmt`), its
    body's forward sweep, the builder holding its body's reverse (`bb`) and that reverse's
    results, the adjoints reaching the loop's outs (`seeds`), the positions of its varied
    carries (`active`), the values from outside that its body contributes to (`outer`), and
    the reverse loop's adjoint carries, one per active carry (`gparams`) and one per outer
    value (`accs`). A checkpointed loop reverses each segment with a plan of its own
    (transforms/reverse/checkpoint.py: the segment and its seeds replaced)."""

    stmt: object
    forward_body: list
    bb: object
    results: tuple
    seeds: dict
    active: list
    outer: list
    gparams: list
    accs: list


def to_record(reverse_body, results, forward_body, local, skip, carries=()):
    """(reverse body, values to record on the tape, cheap equations to recompute, equations
    the forward body adds before its push): of the values the reverse body reads that the
    forward body makes (in `local`, not in `skip`), those to record and the cheap equations
    (indexing, shapes, integer arithmetic) to recompute there instead. A value read for its
    shape only is read from an input of its shape instead (shape_only.shape_reads_of_inputs),
    or else recorded as a stand-in holding no memory (shape_records). An elementwise function
    of one carry's new value (`np.tanh(c)`, `carries`: (param, result) pairs) whose param the
    reverse body reads is recomputed from that value, which the tape holds anyway as the next
    iteration's param (carried_records), as a hand-written gradient recomputes it."""
    defs = {o: st for st in forward_body if isinstance(st, Eqn) for o in st.outs}
    reverse_body = shape_reads_of_inputs(
        Block(reverse_body, results), defs,
        lambda a, read: read or a not in local or a in defs and is_cheap(defs[a]))
    needed = [v for v in reads(reverse_body, results) if v in local and v not in skip]
    recompute, record = {}, {}
    free = {r for p, r in carries if p in needed}

    stack = list(reversed(needed))       # depth first, in order, without recursion
    while stack:                        # (a chain of thousands of scalar operations)
        v = stack.pop()
        if v in recompute or v in record:
            continue
        eqn = defs.get(v)
        if eqn is None or not (is_cheap(eqn) or _of_one_array(eqn, free)):
            record[v] = None
            continue
        recompute[v] = eqn
        stack.extend(a for a in reversed(eqn.args) if isinstance(a, Var) and a in local)
    chosen = {id(e) for e in recompute.values()}
    recomputed = [st for st in forward_body if id(st) in chosen]
    return shape_records(reverse_body, results, recomputed, list(record), defs)


def shape_records(reverse_body, results, recomputed, record, defs):
    """to_record's result where an array to record is read, by the reverse body and the
    equations it recomputes, for its shape alone (`index_adjoint(g, a, index)`,
    `unbroadcast(g, h @ W)`): the tape keeps `shape_record(a)`, a zero-stride stand-in with
    a's shape and dtype, and a's buffer is freed with its iteration (a hand-written gradient
    keeps no such array either)."""
    n = len(reverse_body)
    block = Block(reverse_body + recomputed, results)
    shaped = read_for_shape_only(block, [v for v in record if v.kind.is_array])
    if not shaped:
        return reverse_body, record, recomputed, []
    stand_ins = {v: Var(v.hint, v.kind, v) for v in shaped}
    stmts = rename_shape_reads(block, stand_ins).stmts
    made, kept = [], {}
    for v, s in stand_ins.items():
        line = getattr(defs.get(v), "line", None)
        if _unbroadcast_only(stmts, results, s):
            kept[s] = Var(v.hint, K.Kind("tuple", items=(K.INT,) * v.kind.ndim))
            made.append(Eqn((kept[s],), "shape", (v,), line))
        else:
            made.append(Eqn((s,), "shape_record", (v,), line))
    stmts = [Eqn(st.outs, "unbroadcast_to", (st.args[0], kept[st.args[1]]), st.line)
             if _unbroadcasting(st) and st.args[1] in kept else st for st in stmts]
    record = [stand_ins.get(v, v) for v in record]
    return stmts[:n], [kept.get(v, v) for v in record], stmts[n:], made


def _unbroadcasting(stmt):
    return isinstance(stmt, Eqn) and stmt.prim == "unbroadcast"


def _unbroadcast_only(stmts, results, s):
    """Whether `s` (an array of known ndim and dtype) is read only as the shape of top-level
    `unbroadcast(g, s)` equations whose g has its dtype: its shape, a tuple, is then all the
    tape keeps (`unbroadcast_to(g, shape)`, no array made each iteration)."""
    kind = s.kind
    if not kind.ndim or kind.dtype is None:
        return False
    users = [st for st in stmts if _unbroadcasting(st) and st.args[1] is s]
    return bool(users) and all(
        isinstance(st.args[0], Var) and st.args[0] is not s and st.args[0].kind.is_array
        and st.args[0].kind.dtype == kind.dtype for st in users) and \
        s not in reads([st for st in stmts if not any(st is u for u in users)], results)


def _of_one_array(eqn, free):
    """Whether eqn is an elementwise function of one array of `free` (numbers aside)."""
    arrays = [a for a in eqn.args if isinstance(a, Var) and not a.kind.is_scalar]
    rule = RULES[eqn.prim]
    return len(arrays) == 1 and arrays[0] in free and rule.shape_from == "args" and \
        not rule.effect and len(eqn.outs) == 1 and eqn.out.kind.is_array


def carry_pairs(stmt):
    """(param, result) of each carry of the loop whose body makes a new value for it."""
    return [(p, r) for p, r in zip(stmt.carry_params, stmt.body.results)
            if isinstance(r, Var) and r is not p and r not in stmt.carry_params]


def carried_records(stmt, needed):
    """(values to push, [(result, carry position)]): a carry's new value that the reverse
    body reads, where it reads the carry's param too, is not pushed: it is the next
    iteration's param, pushed then (the last iteration's, the loop's out), so the reverse loop
    carries it from one step to the one before (`h_next = h`), as a hand-written gradient
    reads `hs[t + 1]` from the list of states."""
    wanted, shared = set(needed), {}
    for p, r in carry_pairs(stmt):
        if p in wanted and r in wanted and r not in shared:
            shared[r] = stmt.carry_params.index(p)
    return [v for v in needed if v not in shared], list(shared.items())


def clone_eqns(eqns, mapping):
    """Copies of `eqns` with fresh outputs, their reads and outputs renamed in `mapping`."""
    clones = []
    for eqn in eqns:
        outs = tuple(Var(o.hint, o.kind, o) for o in eqn.outs)
        args = tuple(mapping.get(a, a) if isinstance(a, Var) else a for a in eqn.args)
        clones.append(Eqn(outs, eqn.prim, args, eqn.line))
        mapping.update(zip(eqn.outs, outs))
    return clones


def push(tape, needed, line):
    """The forward body's push of this iteration's recorded values (a tuple of several)."""
    if not needed:
        return []
    if len(needed) == 1:
        return [Eqn((Var(None, K.NONE),), "tape_push", (tape, needed[0]), line)]
    record = Var(None, K.Kind("tuple"))
    return [Eqn((record,), "make_tuple", tuple(needed), line),
            Eqn((Var(None, K.NONE),), "tape_push", (tape, record), line)]


def forward_loop(stmt, forward_body, pushed, needed=()):
    """The forward sweep's loop: its body reversed into `forward_body`, and the pushes of the
    `needed` values. Numbers, which nothing changes, are pushed as soon as they are all made
    (a carry before its update, `tape.append(x); x = a * math.sin(x) + b * x`, with no
    second name for the new value); anything else at the end of the body."""
    at = len(forward_body)
    if all(v.kind.is_scalar for v in needed):
        wanted = set(needed)
        at = max((k + 1 for k, st in enumerate(forward_body)
                  if any(o in wanted for o in st.outs)), default=0)
    body = Block(forward_body[:at] + pushed + forward_body[at:], stmt.body.results)
    if isinstance(stmt, For):
        return For(stmt.index, stmt.start, stmt.stop, stmt.step, stmt.carry_init,
                   stmt.carry_params, body, stmt.outs, stmt.reverse, stmt.line)
    return While(stmt.carry_init, stmt.carry_params, stmt.cond, body, stmt.outs, stmt.line)


def counted_while(stmt):
    """A while loop that also counts its iterations, for the reverse replay."""
    count = Var(naming.LOOP_COUNT, K.INT)
    body = Builder(stmt.line)
    next_count = body.emit("add", count, Const(1))
    new_body = Block(stmt.body.stmts + body.stmts, stmt.body.results + (next_count,))
    out = Var(naming.LOOP_COUNT, K.INT)
    loop = While(stmt.carry_init + (Const(0),), stmt.carry_params + (count,), stmt.cond,
                 new_body, stmt.outs + (out,), stmt.line)
    return loop, []


_CHEAP = {"getitem", "len", "shape", "ndim", "size", "make_slice", "range_len", "make_tuple",
          "truth"}


def is_cheap(eqn):
    """Recomputing it in the reverse sweep costs about what recording it would: indexing,
    shapes, integer arithmetic, and elementwise math on Python floats (a hand-written
    gradient of a scalar recurrence recomputes sin(x) from x too, rather than storing it)."""
    if eqn.prim in _CHEAP:
        return True
    if eqn.prim in ("add", "sub", "mul", "floor_divide") and eqn.out.kind.tag == "int":
        return True
    rule = RULES[eqn.prim]
    return rule.shape_from == "args" and not rule.effect and eqn.out.kind.tag == "float" and \
        all(a.kind.is_scalar for a in eqn.args)
