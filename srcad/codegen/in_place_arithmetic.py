"""Arithmetic into an array the generated code owns: `bb += np.sum(v, axis=0)`,
`v = np.exp(ans); v *= -s; v += g` (issue 21: buffer reuse, adjoints accumulated in place).

`c = a + b` (also -, *, /) becomes `a += b`, c taking a's name, where that changes nothing
anyone can see:

- a is an array the code owns and nothing reads after this line (srcad/analysis/inplace.py
  decides that as for element writes: made in this block by an operation that allocates, or
  a loop's accumulator that starts from such an array, its other reads earlier and done);
- c has a's shape (a's shape class, or the same known size-1 pattern, b no larger) and a's
  dtype, so NumPy computes the same numbers into a that it would into a new array (and
  where the shapes would not broadcast, both raise).

For + and * with an array b that qualifies where a does not, `b += a` (the same numbers: IEEE
addition and multiplication are commutative). Below NumPy's temporary elision (arrays under
256 KiB, or a named temporary) each such line is one allocation less, and an accumulator round
a loop (`bWh = bWh + h.T @ v`) no longer allocates per iteration. The equations are marked
just before code is written (their prims `iadd`, ..., spelled `a + b` where the writer does
not write them in place), after every pass that differentiates or simplifies.
"""

import ast
from dataclasses import replace

from .. import kinds as K
from ..analysis import inplace
from ..ir.nodes import Block, Eqn, Var, read_counts, sub_blocks, walk_eqns, with_sub_blocks
from ..rules import RULES
from ..rules.writes import ARITHMETIC_INTO
from .spelling import BINOPS

IN_PLACE = {"add": "iadd", "sub": "isub", "mul": "imul", "div": "idiv"}
assert set(IN_PLACE.values()) == set(ARITHMETIC_INTO)
PLAIN = {v: k for k, v in IN_PLACE.items()}
_COMMUTATIVE = ("add", "mul")


def arithmetic_in_place(fn):
    """fn with the binary operations that may write into their first operand marked
    (`iadd`, ...; operands swapped where the second one qualifies); fn itself where none."""
    slots, originals = _slots(fn.body), {}
    marked, changed = _map(fn.body, lambda e: _candidate(e, slots, originals))
    if not changed:
        return fn
    fn = replace(fn, body=marked)
    kept, renamed = _chains(fn.body, inplace.plan(fn), slots)
    body, changed = _map(fn.body, lambda e: _final(originals.get(id(e), e) if id(e) not in kept
                                                   else e, kept, renamed))
    return replace(fn, body=body) if changed else fn


def _chains(body, approved, slots):
    """(the ids of the marked equations to keep, a new named var for each temporary a chain
    of them starts from). A chain `v = ...; v *= s; v += g` is kept where it builds a named
    value (`bx`) from a temporary read nowhere else, which then takes that name, or where it
    starts from a loop's carry and leaves what the iteration leaves in its slot
    (`bW += h.T @ v`); elsewhere (`np.tanh(a + b)`) the expression stays one line."""
    eqns = [e for e in walk_eqns(body) if id(e) in approved and e.prim in PLAIN]
    results = set(slots.values())       # named by their loop's slot, not by their hint
    reads = read_counts(body)           # a temporary read elsewhere keeps its own name
    held = {a for e in walk_eqns(body) if _holds(e) for a in e.args if isinstance(a, Var)}
    into = {e.args[0]: e for e in eqns}
    continued = {e.out for e in eqns} & set(into)
    kept, renamed = set(), {}
    for start in (e for e in eqns if e.args[0] not in continued):
        chain = [start]
        while chain[-1].out in into:
            chain.append(into[chain[-1].out])
        root, end = start.args[0], chain[-1].out
        if held & {root, *(e.out for e in chain[:-1])}:
            continue
        if slots.get(root) is end:
            kept.update(id(e) for e in chain)
        elif root not in slots and root.hint is None and end.hint is not None and \
                end not in results and reads[root] == 1:
            kept.update(id(e) for e in chain)
            renamed[root] = Var(end.hint, root.kind, root.same_shape_as)
        elif root not in slots and K.smaller_operand(start.args[1].kind, root.kind) and (
                reads[start.out] > 1 if root.hint is not None else reads[root] > 1):
            kept.update(id(e) for e in _unnamed_head(chain, results))
    return kept, renamed


def _unnamed_head(chain, results):
    """The part of a chain to keep in place that starts by scaling or shifting, by a smaller
    operand, an array with a name of its own: a named value whose scaled version is a line
    of its own anyway (read more than once: no expression is split to write into a user's
    name), or a temporary read more than once. Its steps up to the first that makes a named
    value, which takes its own name (`bx = bg; bx += v`: see _own_name). Such an array is no
    temporary NumPy could reuse, so each step kept is an allocation less: `bg /= s` where
    g's last read divides it (batch norm's gradient: four full-size arrays at the peak
    where it had five)."""
    head = []
    for e in chain:
        if e.out in results:
            break
        head.append(e)
        if e.out.hint is not None:
            break
    return head


def _holds(eqn):
    """Whether `eqn` may keep a reference to its arguments beyond its line: an effect (the
    caller's dict or list, a tape) or a container (a tuple, a dict with the array in it).
    An array written into in place after such a line would change what they hold."""
    return RULES[eqn.prim].effect or any(
        not (o.kind.is_array or o.kind.is_scalar or o.kind.tag == "bool") for o in eqn.outs)


def _final(eqn, kept, renamed):
    """`eqn` as code is written from it: marked where kept, plain elsewhere, the temporary a
    kept chain starts from renamed."""
    prim = eqn.prim
    outs = tuple(renamed.get(o, o) for o in eqn.outs)
    args = tuple(renamed.get(a, a) if isinstance(a, Var) else a for a in eqn.args)
    if outs == eqn.outs and args == eqn.args:
        return eqn
    return Eqn(outs, prim, args, eqn.line)


def _candidate(eqn, slots, originals):
    """The marked form of `eqn` if its result may be computed into an operand, else None;
    `originals` maps the id of a marked equation to `eqn`."""
    if eqn.prim not in IN_PLACE or len(eqn.outs) != 1:
        return None
    a, b = eqn.args
    swap = eqn.prim in _COMMUTATIVE and _fits(eqn.out, b, a, slots)
    if _fits(eqn.out, a, b, slots) and not (swap and b in slots and a not in slots):
        marked = Eqn(eqn.outs, IN_PLACE[eqn.prim], eqn.args, eqn.line)
    elif swap:                          # (into a loop's accumulator first: `bx += bw * 2.0`)
        marked = Eqn(eqn.outs, IN_PLACE[eqn.prim], (b, a), eqn.line)
    else:
        return None
    originals[id(marked)] = eqn
    return marked


def _fits(out, a, b, slots):
    """Whether `a op b` has a's shape and dtype (known from the kinds), a is an array variable
    of at least one dimension that is not also b, and `a op= b` reads right: a is a temporary
    without a name, an accumulator (a loop's carry, out what the iteration leaves in its
    slot: the name then stays that of the value it holds), or a named array scaled or
    shifted by a smaller operand (`bx_hat /= std`, as a hand-written gradient does)."""
    ka, kout = a.kind, out.kind
    if not (isinstance(a, Var) and a is not b and ka.is_array and kout.is_array and ka.ndim
            and ka.dtype is not None and ka.dtype == kout.dtype and ka.ndim == kout.ndim):
        return False
    if a not in slots and a.hint is not None and not K.smaller_operand(b.kind, ka):
        return False
    return a.shape_class() is out.shape_class() or K.fills_broadcast(ka, kout)


def _slots(block):
    """Each loop carry parameter -> the value its loop's body leaves in its slot."""
    found = {}
    for stmt in block.stmts:
        params = getattr(stmt, "carry_params", ())
        found.update(zip(params, stmt.body.results[:len(params)]) if params else ())
        for sub in sub_blocks(stmt):
            found.update(_slots(sub))
    return found


def _map(block, change):
    """(`block` with each equation e replaced by change(e) where that is not None, through
    nested blocks; whether anything changed)."""
    stmts, changed = [], []
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            new = change(stmt) or stmt
        else:
            new = with_sub_blocks(stmt, lambda b: _record(_map(b, change), changed))
        changed.append(new is not stmt and isinstance(stmt, Eqn))
        stmts.append(new)
    return Block(stmts, block.results), any(changed)


def _record(mapped, changed):
    changed.append(mapped[1])
    return mapped[0]


def arithmetic_lines(writer, eqn):
    """`a += b`, the result taking a's name (after the pending expressions that read a); or
    `c = a` first where the result already has a name of its own (a loop's slot)."""
    array, value = eqn.args
    if id(eqn) not in writer.plan.in_place:       # (the writer's plan decides it again)
        return [f"{writer.namer.name(eqn.out)} = {ast.unparse(writer.spelling.call(eqn))}"]
    if _own_name(writer, eqn):          # the array's buffer changes under its old name
        lines = [line.strip() for line in writer.flush_readers_of((array,), 0)]
    elif not writer.namer.has(eqn.out):
        writer.namer.alias(eqn.out, writer.namer.name(array))
        lines = [line.strip() for line in writer.flush_readers_of(eqn.outs, 0)]
    else:
        lines = []
    target, source = writer.namer.name(eqn.out), writer.expr(array)
    update = ast.AugAssign(ast.Name(target, ast.Store()),
                           BINOPS[ARITHMETIC_INTO[eqn.prim]](), writer.expr(value))
    if isinstance(source, ast.Name) and source.id == target:
        return lines + [ast.unparse(update)]
    return lines + [f"{target} = {ast.unparse(source)}", ast.unparse(update)]


def _own_name(writer, eqn):
    """Whether the result of a step in place keeps a name of its own: a named value (`bx`)
    that a chain ends in which started from an array of another name (`bg /= s; ...;
    bx = bg; bx += u`), where `bg` returned as x's adjoint would misname it."""
    if eqn.out.hint is None or writer.namer.has(eqn.out):
        return False
    root, defs = eqn.args[0], writer.plan.defs
    while root in defs and defs[root].prim in ARITHMETIC_INTO and \
            id(defs[root]) in writer.plan.in_place:
        root = defs[root].args[0]
    return root.hint != eqn.out.hint
