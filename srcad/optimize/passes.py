"""Optimizer passes over the IR. Each is small and separately tested; `simplify` runs them all.

- `eliminate_dead_code`: drop equations whose values nobody reads (effects are kept), unused
  outs of `if`s and unused loop carries.
- `eliminate_common_subexpressions`: one equation per distinct (prim, args) in a block.

Constant folding and the neutral elements (`x + 0`, `g * 1`) are folded as equations are
built (`builder.Builder.emit`), so no pass ever sees them.
"""

from .. import kinds as K
from ..analysis.activity import substitute_block
from ..ir.nodes import (Block, Const, Eqn, For, FreeVars, Function, If, Var, While, block_params,
                        free_vars, is_const, read_counts, stmt_inputs, sub_blocks, walk_eqns,
                        walk_stmts, with_sub_blocks)
from ..rules import RULES
from ..analysis.shape_only import shape_only_values
from .covered_checks import array_operands, covering_operation
from .dead_zeroing import drop_dead_zeroing
from .centered_variance import reuse_centered_values
from .first_writes import assign_first_writes
from .spread_operands import spread_by_broadcasting


def simplify(fn, check=None):
    """The passes in order; `check` (the pipeline's verify under SRCAD_VERIFY=1) sees the
    output of each."""
    check = check or _as_is
    for simplify_pass in (shape_queries_on_inputs, eliminate_common_subexpressions,
                          assemble_container_adjoints, finish_known_structures,
                          drop_dead_zeroing, assign_first_writes, reuse_centered_values,
                          spread_by_broadcasting, eliminate_dead_code):
        fn = check(simplify_pass(fn))
    for _ in range(8):                  # each round can free the inputs of the last one
        reduced = shape_only_values(fn, _replace_body)
        if reduced is fn:
            break
        fn = check(eliminate_dead_code(check(reduced)))
    return fn


def _as_is(fn):
    return fn


# ----- dead code ----------------------------------------------------------------------------
def eliminate_dead_code(fn):
    return _replace_body(fn, _DeadCode().block(fn.body, set()))


def eliminate_dead_compounds(fn, keep=()):
    """fn with its loops and branches cut down to what is read after them (the vars in
    `keep` are read after fn's body), its own equations kept: reverse mode then neither tapes
    nor carries a value only a dead carry needed, while a value the final dead-code pass may
    still join with one the reverse sweep recomputes keeps its name (`y - p`)."""
    dead = _DeadCode()
    live = _reads(keep) | _reads(fn.body.results)
    kept = []
    for stmt in reversed(fn.body.stmts):
        new = stmt if isinstance(stmt, Eqn) else dead.stmt(stmt, live)
        if new is not None:
            kept.append(new)
            live |= dead.stmt_reads(new)
    kept.reverse()
    return _replace_body(fn, Block(kept, fn.body.results))


def _replace_body(fn, body):
    return Function(fn.name, fn.params, body, fn.filename, fn.line, fn.source_lines,
                    fn.param_names)


def _reads(atoms):
    return {a for a in atoms if isinstance(a, Var)}


class _DeadCode:
    """One dead-code pass. A compound statement is cut down once per set of its outs that are
    live (a loop's fixed point asks again for the same inner statements, which would be
    exponential in the nesting depth), and the free vars of the blocks it builds are kept,
    not walked again at every level of a nest."""

    def __init__(self):
        self.free = FreeVars()
        self.memo = {}           # (id(stmt), live outs) -> (stmt, its live part or None)

    def block(self, block, live_after):
        """The block without dead statements, given the vars read after it; a dead elementwise
        computation leaves NumPy's broadcasting check behind (see _broadcast_checks)."""
        kept = self.live_stmts(block, live_after)
        checks = _broadcast_checks(block.stmts, kept)
        if not checks:
            return kept
        moved = {id(c) for c in checks.values()}       # a covering operation moves up
        with_checks = [c for s in block.stmts if id(s) not in moved
                       for c in ((checks[id(s)], s) if id(s) in checks else (s,))]
        return self.live_stmts(Block(with_checks, block.results), live_after)

    def live_stmts(self, block, live_after):
        live = set(live_after) | _reads(block.results)
        kept = []
        for stmt in reversed(block.stmts):
            new = self.stmt(stmt, live)
            if new is not None:
                kept.append(new)
                live |= self.stmt_reads(new)
        kept.reverse()
        return Block(kept, block.results)

    def stmt_reads(self, stmt):
        """The vars a statement reads from outside it, nested blocks included."""
        if isinstance(stmt, Eqn):
            return _reads(stmt.args)
        params = set(block_params(stmt))
        inner = {v for sub in sub_blocks(stmt) for v in self.free(sub) if v not in params}
        return _reads(stmt_inputs(stmt)) | inner

    def stmt(self, stmt, live):
        if isinstance(stmt, Eqn):
            if RULES[stmt.prim].effect or any(o in live for o in stmt.outs):
                return stmt
            return None
        key = (id(stmt), frozenset(o for o in stmt.outs if o in live))
        hit = self.memo.get(key)
        if hit is None:
            hit = (stmt, self.if_(stmt, key[1]) if isinstance(stmt, If)
                   else self.loop(stmt, key[1]))
            self.memo[key] = hit
        return hit[1]

    def if_(self, stmt, live):
        keep = [j for j, o in enumerate(stmt.outs) if o in live]
        outs = tuple(stmt.outs[j] for j in keep)
        blocks = []
        for b in (stmt.then, stmt.orelse):
            results = tuple(b.results[j] for j in keep)
            blocks.append(self.block(Block(b.stmts, results), set()))
        if not keep and not blocks[0].stmts and not blocks[1].stmts:
            return None                  # what is left of a dead branch is its effects
        return If(stmt.cond, blocks[0], blocks[1], outs, stmt.line)

    def loop(self, stmt, live):
        """Keep the carries that are live after the loop or feed a live carry or an effect."""
        keep = {j for j, o in enumerate(stmt.outs) if o in live}
        while True:
            results = tuple(stmt.body.results[j] for j in sorted(keep))
            trial = self.block(Block(stmt.body.stmts, results), set())
            extra = _cond_reads(stmt)
            reads = set(self.free(trial)) | extra
            grown = keep | {j for j, p in enumerate(stmt.carry_params) if p in reads}
            if grown == keep:
                break
            keep = grown
        if not keep and not trial.stmts:         # what is left of a dead loop is its effects
            return None
        idx = sorted(keep)
        pick = lambda seq: tuple(seq[j] for j in idx)   # noqa: E731
        body = Block(trial.stmts, pick(stmt.body.results))
        if isinstance(stmt, For):
            return For(stmt.index, stmt.start, stmt.stop, stmt.step, pick(stmt.carry_init),
                       pick(stmt.carry_params), body, pick(stmt.outs), stmt.reverse, stmt.line,
                       stmt.snapshots)
        return While(pick(stmt.carry_init), pick(stmt.carry_params), stmt.cond, body,
                     pick(stmt.outs), stmt.line)


def _broadcast_checks(stmts, kept):
    """{id(dead equation): its check}: NumPy's broadcasting check for dead elementwise
    equations whose operands' shapes were inferred to agree from their size-1 dimensions
    (kinds.fills_broadcast). Computing the value would have made the check; without it
    `np.sum(a * b)` with a of shape (3,) and b of shape (4,) would differentiate instead of
    raising. One check covers a tree of dead elementwise equations, over its live leaves.
    Where a live operation of the block makes the same check, that operation is the check,
    moved up to its place (covered_checks.py)."""
    alive = {id(s) for s in kept.stmts}
    dead = {s.outs[0]: s for s in stmts
            if isinstance(s, Eqn) and id(s) not in alive and len(s.outs) == 1}
    checks, covered, checked = {}, set(), []
    for eqn in reversed(list(dead.values())):
        if id(eqn) in covered or not _relies_on_broadcasting(eqn):
            continue
        leaves = {}                     # one per shape class: the others have its shape
        for leaf in _elementwise_leaves(eqn, dead, covered):
            leaves.setdefault(leaf.shape_class() if isinstance(leaf, Var) else id(leaf), leaf)
        if len(leaves) > 1 and not any(leaves.keys() <= done for done in checked):
            checked.append(leaves.keys())
            checks[id(eqn)] = covering_operation(eqn, set(leaves), stmts, kept.stmts) or \
                Eqn((Var(None, K.NONE),), "check_broadcast", tuple(leaves.values()), eqn.line)
    return checks


def _relies_on_broadcasting(eqn):
    """An elementwise equation of array operands from different shape classes whose result's
    size-1 dimensions are all known: what later code may have taken to agree."""
    kind = eqn.outs[0].kind
    if RULES[eqn.prim].shape_from != "args" or not kind.is_array or kind.ones is None or \
            None in kind.ones:
        return False
    operands = array_operands(eqn)
    return len({a.shape_class() if isinstance(a, Var) else id(a) for a in operands}) > 1


def _elementwise_leaves(eqn, dead, covered):
    """The operands of a tree of dead elementwise equations that are not themselves dead
    elementwise values (broadcasting them together is what computing the tree checks)."""
    for a in array_operands(eqn):
        inner = dead.get(a) if isinstance(a, Var) else None
        if inner is not None and RULES[inner.prim].shape_from == "args":
            covered.add(id(inner))
            yield from _elementwise_leaves(inner, dead, covered)
        else:
            yield a


def _cond_reads(stmt):
    return set(free_vars(stmt.cond)) if isinstance(stmt, While) else set()


# ----- common subexpressions ----------------------------------------------------------------
def eliminate_common_subexpressions(fn):
    return _replace_body(fn, _cse_block(fn.body, {}, {}))


def _key(atom, rename):
    if isinstance(atom, Var):
        return ("var", id(rename.get(atom, atom)))
    return atom.key()


def _cse_block(block, seen, rename):
    seen = dict(seen)
    stmts = []
    for stmt in block.stmts:
        stmt = _rename_stmt(stmt, rename)
        if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and not RULES[stmt.prim].effect:
            key = (stmt.prim,) + tuple(_key(a, rename) for a in stmt.args)
            if key in seen:
                rename[stmt.out] = seen[key]
                continue
            seen[key] = stmt.out
            stmts.append(stmt)
        elif isinstance(stmt, Eqn):
            stmts.append(stmt)
        else:
            stmts.append(_cse_compound(stmt, seen, rename))
    results = tuple(rename.get(a, a) if isinstance(a, Var) else a for a in block.results)
    return Block(stmts, results)


def _rename_stmt(stmt, rename):
    """The statement reading the renamed vars. Only an equation, or a compound statement's own
    inputs: its blocks are renamed as `_cse_block` walks them (renaming them here too would
    copy every level of a nest once per level above it)."""
    if not rename:
        return stmt
    sub = lambda a: rename.get(a, a) if isinstance(a, Var) else a   # noqa: E731
    if isinstance(stmt, Eqn):
        return Eqn(stmt.outs, stmt.prim, tuple(sub(a) for a in stmt.args), stmt.line)
    if isinstance(stmt, If):
        return If(sub(stmt.cond), stmt.then, stmt.orelse, stmt.outs, stmt.line)
    inits = tuple(sub(a) for a in stmt.carry_init)
    if isinstance(stmt, For):
        return For(stmt.index, sub(stmt.start), sub(stmt.stop), sub(stmt.step), inits,
                   stmt.carry_params, stmt.body, stmt.outs, stmt.reverse, stmt.line,
                   sub(stmt.snapshots))
    return While(inits, stmt.carry_params, stmt.cond, stmt.body, stmt.outs, stmt.line)


def _cse_compound(stmt, seen, rename):
    if isinstance(stmt, If):
        return If(stmt.cond, _cse_block(stmt.then, seen, rename),
                  _cse_block(stmt.orelse, seen, rename), stmt.outs, stmt.line)
    body = _cse_block(stmt.body, seen, rename)
    if isinstance(stmt, For):
        return For(stmt.index, stmt.start, stmt.stop, stmt.step, stmt.carry_init,
                   stmt.carry_params, body, stmt.outs, stmt.reverse, stmt.line, stmt.snapshots)
    return While(stmt.carry_init, stmt.carry_params, _cse_block(stmt.cond, seen, rename), body,
                 stmt.outs, stmt.line)


# ----- finishing gradients -------------------------------------------------------------------
def finish_known_structures(fn):
    """`finish_adjoint([[bW, bb]], params)` -> `[(bW, bb)]` where the adjoint already has every
    slot and the parameter's kinds say which slots are tuples: no runtime walk per call. The
    same for a list adjoint that a loop over every index fills one slot at a time."""
    fn = _finish_loop_filled_lists(fn)
    defs = {o: e for e in walk_eqns(fn.body) for o in e.outs}

    def rewrite(block):
        stmts = []
        for stmt in block.stmts:
            built = _finished(stmt, defs) if isinstance(stmt, Eqn) and \
                stmt.prim == "finish_adjoint" else None
            stmts.extend(built or [stmt])
        return Block(stmts, block.results)
    return _replace_body(fn, _map_blocks(fn.body, rewrite))


def _finish_loop_filled_lists(fn):
    """`acc = empty_adjoint(params)`, a loop over `range(len(params))` whose body only does
    `acc = add_at(acc, i, [bW, bb])`, then `finish_adjoint(acc, params)`: every slot is
    written once with finished values, so writing `(bW, bb)` makes the list final."""
    defs = {o: e for e in walk_eqns(fn.body) for o in e.outs}
    loops = {o: (stmt, j) for stmt in walk_stmts(fn.body) if isinstance(stmt, For)
             for j, o in enumerate(stmt.outs)}
    finished, retyped = {}, {}
    for eqn in walk_eqns(fn.body):
        if eqn.prim == "finish_adjoint" and eqn.args[0] in loops:
            item = _loop_filled_item(eqn.args[1], *loops[eqn.args[0]], defs)
            if item is not None:
                finished[eqn.out] = eqn.args[0]
                retyped[item] = eqn.args[1].kind.items[0]
    if not finished:
        return fn

    def rewrite(block):
        stmts = []
        for stmt in block.stmts:
            if isinstance(stmt, Eqn) and stmt.out in finished:
                continue
            if isinstance(stmt, Eqn) and stmt.out in retyped:
                kind = retyped[stmt.out]
                stmt = Eqn(stmt.outs, "make_tuple" if kind.tag == "tuple" else "make_list",
                           stmt.args, stmt.line)
            stmts.append(stmt)
        return Block(stmts, block.results)
    return _replace_body(fn, substitute_block(_map_blocks(fn.body, rewrite), finished))


def _loop_filled_item(seq, loop, j, defs):
    """The item equation of `add_at(acc, i, item)` when `loop` fills every slot of the list
    `seq` exactly once through carry j, with an item of finished values; else None."""
    kind = seq.kind
    if kind.tag != "list" or not kind.items or len(set(map(K.erase_ones, kind.items))) != 1 or \
            kind.items[0].tag not in ("list", "tuple") or kind.items[0].items is None or \
            kind.items[0].node is not None:            # a namedtuple: finish_adjoint builds it
        return None
    stop = defs.get(loop.stop)
    if not (is_const(loop.start, 0) and is_const(loop.step, 1) and stop is not None
            and stop.prim == "len" and stop.args[0] is seq):
        return None
    start = defs.get(loop.carry_init[j])
    write = defs.get(loop.body.results[j])
    if start is None or start.prim != "empty_adjoint" or start.args[0] is not seq or \
            write is None or write.prim != "add_at" or \
            write.args[:2] != (loop.carry_params[j], loop.index) or \
            read_counts(loop.body).get(loop.carry_params[j]) != 1:
        return None
    item = defs.get(write.args[2])
    slots = kind.items[0].items
    if item is None or item.prim not in ("make_list", "make_tuple") or \
            len(item.args) != len(slots) or \
            not all(isinstance(a, Var) and K.alike(a.kind, k) and (k.is_array or k.is_float_scalar)
                    for a, k in zip(item.args, slots)):
        return None
    return item.out


def _finished(eqn, defs):
    """Equations building eqn's result directly, or None if the structure is not known."""
    new = []
    if _rebuild(eqn.args[0], eqn.args[1].kind, defs, new, eqn.line, eqn.out) is None:
        return None
    return new


def _rebuild(acc, kind, defs, new, line, out=None):
    """An atom equal to finish_adjoint(acc, x) for x of this kind, appending the equations
    that build it (the last one binds `out` when given), or None."""
    if out is None and isinstance(acc, Var) and K.alike(acc.kind, kind) and \
            (kind.is_array or kind.is_float_scalar):
        return acc
    eqn = defs.get(acc)
    if not (kind.tag in ("list", "tuple") and kind.items is not None and kind.node is None
            and eqn is not None
            and eqn.prim == "make_list" and len(eqn.args) == len(kind.items)):
        return None
    items = [_rebuild(a, k, defs, new, line) for a, k in zip(eqn.args, kind.items)]
    if any(i is None for i in items):
        return None
    out = out or Var(None, kind)
    new.append(Eqn((out,), "make_tuple" if kind.tag == "tuple" else "make_list", tuple(items),
                   line))
    return out


# ----- shape queries ------------------------------------------------------------------------
_SHAPE_QUERIES = ("size", "shape", "ndim")


def shape_queries_on_inputs(fn):
    """`(v3 ** 2).size` -> `v3.size`: ask an elementwise result's shape of its input instead,
    so a value computed only for its shape becomes dead code."""
    defs = {o: e for e in walk_eqns(fn.body) for o in e.outs}

    def rewrite(block):
        return Block([_query_origin(s, defs) for s in block.stmts], block.results)
    return _replace_body(fn, _map_blocks(fn.body, rewrite))


def _query_origin(stmt, defs):
    if not (isinstance(stmt, Eqn) and stmt.prim in _SHAPE_QUERIES and
            isinstance(stmt.args[0], Var)):
        return stmt
    source = _shape_origin(stmt.args[0], defs)
    return Eqn(stmt.outs, stmt.prim, (source,) + tuple(stmt.args[1:]), stmt.line)


def _shape_origin(var, defs):
    """The earliest var known to have var's shape through the elementwise ops defining it; a
    function input where one of them has it (`y.size` for `(p - y) ** 2`)."""
    while True:
        eqn = defs.get(var)
        if eqn is None or RULES[eqn.prim].shape_from != "args":
            return var
        same = [a for a in eqn.args if isinstance(a, Var) and
                (a is var.same_shape_as or K.fills_broadcast(a.kind, var.kind))]
        if not same:
            return var
        inputs = [a for a in same if a not in defs]
        var = inputs[0] if inputs else var.same_shape_as if var.same_shape_as in same else same[0]


# ----- container adjoints -------------------------------------------------------------------
def assemble_container_adjoints(fn):
    """`a = empty_adjoint(t); a = add_at(a, 0, g0); a = add_at(a, 1, g1)` covering every slot of
    a tuple or list becomes `a = [g0, g1]`: the adjoint of `W, b = layer` reads as such."""
    uses = read_counts(fn.body)
    return _replace_body(fn, _map_blocks(fn.body, lambda b: _assemble_block(b, uses)))


def _map_blocks(block, transform):
    stmts = [with_sub_blocks(stmt, lambda sub: _map_blocks(sub, transform))
             for stmt in block.stmts]
    return transform(Block(stmts, block.results))


def _assemble_block(block, uses):
    stmts = list(block.stmts)
    user = {}
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, Eqn) and stmt.prim == "add_at" and isinstance(stmt.args[0], Var):
            user[stmt.args[0]] = k
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, Eqn) and stmt.prim == "empty_adjoint":
            chain = _slot_chain(stmts, user, uses, stmt)
            if chain is not None:
                stmts = _fold_chain(stmts, k, chain)
    return Block([s for s in stmts if s is not None], block.results)


def _slot_chain(stmts, user, uses, start):
    """The add_at equations filling every slot of start's container once, or None."""
    items = start.args[0].kind.items if start.args[0].kind.tag in ("tuple", "list") else None
    if not items:
        return None                  # an empty list's adjoint stays as it is
    chain, var = [], start.out
    while var in user and uses.get(var) == 1:
        k = user[var]
        chain.append(k)
        var = stmts[k].out
    slots = [stmts[k].args[1] for k in chain]
    if not all(isinstance(s, Const) and type(s.value) is int for s in slots) or \
            sorted(s.value for s in slots) != list(range(len(items))):
        return None
    return chain


def _fold_chain(stmts, start, chain):
    by_slot = {stmts[k].args[1].value: stmts[k].args[2] for k in chain}
    last = stmts[chain[-1]]
    items = tuple(by_slot[i] for i in range(len(by_slot)))
    stmts = list(stmts)
    stmts[chain[-1]] = Eqn(last.outs, "make_list", items, last.line)
    for k in [start] + chain[:-1]:
        stmts[k] = None
    return stmts


__all__ = ["simplify", "eliminate_dead_code", "eliminate_dead_compounds",
           "eliminate_common_subexpressions", "Const"]
