"""Reverse mode of a checkpointed loop (`for t in srcad.checkpointed(range(n), snapshots=k)`):
binomial checkpointing instead of a tape.

A taped loop records each iteration's residuals, so its reverse sweep needs memory in
proportion to the trip count. A checkpointed loop keeps at most k snapshots of its state (its
carried values) and recomputes the rest, in the order of Griewank's revolve schedule
(srcad/revolve.py) over segments of up to k iterations: each segment is reversed as an
unmarked loop is, with a tape (Sweep.record_and_replay), so memory is k states and k records
whatever the trip count. The generated code shows the schedule as loops over copies of the
body:

    schedule = revolve_schedule(0, n, 1, 10, s)     # the first snapshot: the initial state
    while schedule.advance():                         # forward sweep: segment by segment
        for t in range(schedule.start, schedule.stop):
            s = math.sin(s) * 0.9 + x
        schedule.store(s)                             # a snapshot where the schedule wants one
    ...
    while schedule.backward():                        # reverse sweep: a segment each time
        s_1 = schedule.restore()                      # the nearest snapshot before it
        while schedule.advance():                     # recompute up to it, storing
            for t in range(schedule.start, schedule.stop):
                s_1 = math.sin(s_1) * 0.9 + x
            schedule.store(s_1)
        tape = []                                     # the segment, taped and reversed
        for t in range(schedule.start, schedule.stop):
            ...
        for t in reversed(range(schedule.start, schedule.stop)):
            ...

Only a loop whose body recomputes to the same values can be run again: one that prints, draws
random numbers, changes an argument or an object, or carries a list, is refused.
"""

from dataclasses import replace

from ... import kinds as K
from ... import naming
from ...ir.builder import Builder
from ...errors import UnsupportedSyntaxError
from ...ir.copying import copied
from ...ir.nodes import Block, Eqn, Var, While, walk_eqns

# what a body may not do if it is to be run again: the effect would repeat
_REPEATED = {"run": "a statement run for its effect (print, an assert, a raise)",
             "setattr": "an assignment to an object's attribute",
             "store_item": "a change to a list or dict the caller passed",
             "mutate": "a change to a list or dict the caller passed",
             "opaque": "a call srcad cannot see into (a random draw, say)"}


def checkpointed_replay(sweep, plan, adj, rb):
    """The forward sweep's statements for the checkpointed loop of `plan` (a LoopPlan); its
    reverse sweep goes into rb (as Sweep.record_and_replay's, transforms/reverse/sweep.py)."""
    stmt, active, outer, gparams, accs = plan.stmt, plan.active, plan.outer, plan.gparams, \
        plan.accs
    refuse_repeated_effects(sweep.fn, stmt)
    schedule = Var(naming.SCHEDULE, K.UNKNOWN)
    forward, initial = pack(stmt.carry_init, stmt.line)
    forward.append(Eqn((schedule,), "revolve_schedule", (stmt.start, stmt.stop, stmt.step,
                                                         stmt.snapshots, initial), stmt.line))
    forward.append(advancing(stmt, schedule, stmt.carry_init, stmt.outs))
    inits = tuple(plan.seeds.get(stmt.outs[j]) or sweep.zeros(stmt.outs[j], rb) for j in active)
    inits += tuple(adj.get(u) or sweep.zeros(u, rb) for u in outer)
    shapes = [_shaped_like(stmt.carry_init[j]) for j in active] + list(outer)
    outs = tuple(Var(p.hint, p.kind, shape if isinstance(shape, Var) else None)
                 for p, shape in zip(gparams + accs, shapes))
    carried = tuple(Var(p.hint, p.kind, p.same_shape_as) for p in gparams + accs)
    body = reversing(plan, schedule, carried, sweep.record_and_replay)
    rb.append(While(inits, carried, _asking(schedule, "schedule_backward", stmt.line), body,
                    outs, stmt.line))
    for u, out in zip(outer, outs[len(active):]):
        adj[u] = out
    for j, out in zip(active, outs):
        init = stmt.carry_init[j]
        if isinstance(init, Var) and init in sweep.varied:
            sweep.accumulate(adj, init, out, rb)
    return forward


def advancing(stmt, schedule, inits, outs):
    """`while schedule.advance(): for t in range(start, stop): body; schedule.store(state)`,
    carrying the loop's state from `inits` to `outs`."""
    params = tuple(Var(p.hint, p.kind) for p in stmt.carry_params)
    bounds, start, stop = _bounds(schedule, stmt.line)
    loop = replace(copied(stmt), start=start, stop=stop, carry_init=params, snapshots=None)
    stored, state = pack(loop.outs, stmt.line)
    store = Eqn((Var(None, K.NONE),), "schedule_store", (schedule, state), stmt.line)
    body = Block(bounds + [loop] + stored + [store], loop.outs)
    return While(tuple(inits), params, _asking(schedule, "schedule_advance", stmt.line), body,
                 tuple(outs), stmt.line)


def reversing(plan, schedule, carried, taping):
    """The reverse sweep's loop body: restore the nearest snapshot, advance to the iterations
    to reverse, then reverse them as an unmarked loop is, with a tape (`taping`:
    Sweep.record_and_replay, given the segment's plan); `carried` are the adjoints the body
    receives and yields."""
    stmt, active, outer = plan.stmt, plan.active, plan.outer
    restored = tuple(Var(p.hint, p.kind, p) for p in stmt.carry_params)
    state = tuple(Var(p.hint, p.kind, p) for p in stmt.carry_params)
    bounds, start, stop = _bounds(schedule, stmt.line)
    stmts = [Eqn(restored, "schedule_restore", (schedule,), stmt.line),
             advancing(stmt, schedule, restored, state)] + bounds
    segment = replace(stmt, start=start, stop=stop, carry_init=state, snapshots=None,
                      outs=tuple(Var(o.hint, o.kind) for o in stmt.outs))
    seeds = {segment.outs[j]: g for j, g in zip(active, carried)}
    adj = dict(zip(outer, carried[len(active):]))
    turn = Builder(stmt.line, facts=plan.bb.facts)   # the facts the sweep knows (ir/facts.py)
    stmts += taping(replace(plan, stmt=segment, seeds=seeds), adj, turn)
    reverse_loop = turn.stmts[-1]
    results = tuple(reverse_loop.outs[:len(active)]) + tuple(adj[u] for u in outer)
    return Block(stmts + turn.stmts, results)


def _bounds(schedule, line):
    """`start = schedule.start; stop = schedule.stop`: (the equations, start, stop)."""
    start, stop = (Var(name, K.INT) for name in naming.SEGMENT)
    return ([Eqn((start,), "schedule_start", (schedule,), line),
             Eqn((stop,), "schedule_stop", (schedule,), line)], start, stop)


def pack(atoms, line):
    """(statements, one atom): the state's one value itself, or a tuple of its values."""
    if len(atoms) == 1:
        return [], atoms[0]
    state = Var(naming.STATE, K.Kind("tuple"))
    return [Eqn((state,), "make_tuple", tuple(atoms), line)], state


def _asking(schedule, prim, line):
    answer = Var(None, K.BOOL)
    return Block([Eqn((answer,), prim, (schedule,), line)], (answer,))


def refuse_repeated_effects(fn, stmt, construct="srcad.checkpointed",
                            drop="drop srcad.checkpointed"):
    """A checkpointed loop runs its body again in the reverse sweep: refuse a body whose
    effects would repeat, and a loop that carries a list or dict (it grows with the loop and
    is changed in place: a snapshot would not keep it). `construct` is what checkpointed it
    (the marker, or grad's checkpoint= option), `drop` how to do without."""
    where = dict(filename=fn.filename, construct=construct)
    rewrite = ("keep the loop's body to computing its carried values (take the print, the "
               "random draw, the append or the change of an argument out of the loop), or "
               f"{drop}")
    for eqn in walk_eqns(stmt.body):
        what = _REPEATED.get(eqn.prim)
        if what is not None:
            raise UnsupportedSyntaxError(
                f"a checkpointed loop is run again in the reverse sweep, so its body may not "
                f"have effects, but it has {what}; {rewrite}", line=eqn.line or stmt.line,
                **where)
    for param in stmt.carry_params:
        if param.kind.tag in ("list", "dict"):
            raise UnsupportedSyntaxError(
                f"a checkpointed loop keeps snapshots of its carried values, but "
                f"'{param.hint}' is a {param.kind.tag} it changes in place; carry arrays, "
                f"numbers or tuples (stack the values after the loop), or {drop}",
                line=stmt.line, **where)


def _shaped_like(var):
    """An adjoint has its primal's shape; numeric primal vars only (containers have none)."""
    return var if isinstance(var, Var) and var.kind.is_numeric else None

