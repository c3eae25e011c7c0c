"""Loss expressions recognised before reverse mode, so that their adjoints are the one-step
formulas of a hand-written gradient (issue 21).

Binary cross-entropy on a logistic, as people write it,

    p = 1 / (1 + np.exp(-z))
    y * np.log(p) + (1 - y) * np.log(1 - p)        (either order of each sum and product)

becomes `logistic_bce(y, z)` (srcad/rules/losses.py): the same value, computed with the same
operations, and an adjoint `g * (y - p)` in z where differentiating term by term gives
`(g * y / p - g * (1 - y) / (1 - p)) * (p * (1 - p))`, six passes over the data instead of
two. Only the sum is replaced: `p`, `np.log(p)` and the rest stay where something else reads
them, and dead-code elimination drops them where nothing does. Array results only, so a
number stays the Python float the function returns.

The stable log-softmax,

    shifted = x - np.max(x, axis=k, keepdims=True)
    shifted - np.log(np.sum(np.exp(shifted), axis=k, keepdims=True))

becomes `log_softmax(x, k)`, the same operations, where nothing else reads the pieces: the
shift by the maximum cancels, so it is not differentiated (differentiated, it is a mask of
where the maxima are times a sum that is zero but for rounding, five passes over the data).

A read whose index picks distinct elements, `log_probs[np.arange(N), y]`, becomes
`distinct_pick` (srcad/transforms/distinct_index.py): its adjoint assigns where np.add.at would add.

The logistic written with masks (`z[pos_mask] = np.exp(-x[pos_mask])`, ...,
`top / (1 + z)`) becomes `masked_logistic(x)` (srcad/transforms/masked_logistic.py).

Forward mode is left as written (its tangents have no such shortcut). Once reverse mode
has taken the adjoints, `computed_as_written` puts back, where the forward sweep computes such
a primitive's value (value_and_grad), the operations it stands for (its rule's `value`): the
value is computed once, by the function's own operations, from what the forward sweep holds
(`p`, which the adjoint `y - p` reads too), not by a call recomputing the logistic.
"""

from ..ir.atoms import Const, is_const
from ..ir.builder import Builder, Sym
from .distinct_index import picks_distinct
from .masked_logistic import masked_logistic_of
from ..ir.nodes import Block, Eqn, Function, Var, read_counts, walk_eqns, with_sub_blocks
from ..rules import RULES


def recognise_losses(fn):
    """fn with each recognised loss expression replaced by its primitive (a new Function
    where anything changed; fn itself is never modified)."""
    defs = {out: eqn for eqn in walk_eqns(fn.body) for out in eqn.outs}
    reads = read_counts(fn.body)
    replaced = {}
    for eqn in walk_eqns(fn.body):
        if picks_distinct(eqn, defs):
            replaced[id(eqn)] = Eqn(eqn.outs, "distinct_pick", eqn.args, eqn.line)
        if masked_logistic_of(eqn, defs) is not None:
            replaced[id(eqn)] = Eqn(eqn.outs, "masked_logistic", (masked_logistic_of(eqn, defs),),
                                    eqn.line)
        bce = _binary_cross_entropy(eqn, defs)
        if bce is not None:
            replaced[id(eqn)] = Eqn(eqn.outs, "logistic_bce", bce, eqn.line)
        pieces = _stable_log_softmax(eqn, defs, reads)
        if pieces is not None:         # read nowhere else: gone, with no broadcast check left
            replaced.update((id(piece), None) for piece in pieces)
            replaced[id(eqn)] = Eqn(eqn.outs, "log_softmax", (pieces[0].args[0], pieces[1].args[1]),
                                    eqn.line)
    if not replaced:
        return fn
    return Function(fn.name, fn.params, _rebuilt(fn.body, replaced), fn.filename, fn.line,
                    fn.source_lines, fn.param_names)


def computed_as_written(fn):
    """fn (a derivative) with each recognised loss primitive it computes replaced by the
    operations its rule's `value` spells, ending in the same output var (a new Function where
    anything changed)."""
    replaced = {}
    for eqn in walk_eqns(fn.body):
        rule = RULES.get(eqn.prim)
        if rule is not None and rule.value is not None and len(eqn.outs) == 1:
            stmts = _as_written(eqn, rule)
            if stmts is not None:
                replaced[id(eqn)] = stmts
    if not replaced:
        return fn
    return Function(fn.name, fn.params, _rebuilt(fn.body, replaced), fn.filename, fn.line,
                    fn.source_lines, fn.param_names)


def _as_written(eqn, rule):
    """The equations computing eqn's output as its rule's `value` spells it, or None where
    that folds to no equation of its own."""
    bb = Builder(eqn.line)
    result = rule.value(*[Sym(bb, a) for a in eqn.args]).atom
    if not bb.stmts or bb.stmts[-1].outs != (result,):
        return None
    last = bb.stmts[-1]
    return bb.stmts[:-1] + [Eqn(eqn.outs, last.prim, last.args, last.line)]


def _rebuilt(block, replaced):
    """block with the statements in `replaced` (by id) replaced: by one statement, by a list
    of them, or by None (dropped)."""
    stmts = []
    for stmt in block.stmts:
        stmt = with_sub_blocks(stmt, lambda sub: _rebuilt(sub, replaced))
        new = replaced.get(id(stmt), stmt)
        stmts.extend(new if isinstance(new, list) else [new])
    return Block([s for s in stmts if s is not None], block.results)


def _binary_cross_entropy(eqn, defs):
    """(y, z) if `eqn` is y * log(p) + (1 - y) * log(1 - p) with p = logistic(z), else None."""
    if eqn.prim != "add" or not eqn.outs[0].kind.is_array:
        return None
    for first, second in (eqn.args, eqn.args[::-1]):
        y, p = _times_log(first, defs)
        one_minus_y, one_minus_p = _times_log(second, defs)
        if p is None or one_minus_p is None:
            continue
        logistic = defs.get(p)
        if logistic is not None and logistic.prim == "logistic" and \
                _one_minus(one_minus_p, defs) is p and _same(_one_minus(one_minus_y, defs), y):
            return (y, logistic.args[0])
    return None


def _stable_log_softmax(eqn, defs, reads):
    """The equations of s = x - max(x, axis, True), max, sum(exp(s), axis, True), exp and log
    if `eqn` is s - log of that sum, each piece read only there; else None."""
    if eqn.prim != "sub" or not eqn.outs[0].kind.is_array:
        return None
    shifted, log = _defined(eqn.args[0], defs, "sub"), _defined(eqn.args[1], defs, "log")
    total = log and _defined(log.args[0], defs, "sum")
    exp = total and _defined(total.args[0], defs, "exp")
    top = shifted and _defined(shifted.args[1], defs, "max")
    if not (exp and top) or exp.args[0] is not eqn.args[0] or top.args[0] is not shifted.args[0]:
        return None
    axis = total.args[1]
    if not isinstance(axis, Const) or not _same(top.args[1], axis) or \
            not _same(total.args[2], Const(True)) or not _same(top.args[2], Const(True)):
        return None
    once = (eqn.args[1], log.args[0], total.args[0], shifted.args[1])
    if any(reads.get(v) != 1 for v in once) or reads.get(eqn.args[0]) != 2:
        return None
    return (shifted, top, total, exp, log)


def _defined(atom, defs, prim):
    """The equation defining `atom` if it is a `prim`, else None."""
    eqn = defs.get(atom) if isinstance(atom, Var) else None
    return eqn if eqn is not None and eqn.prim == prim else None


def _times_log(atom, defs):
    """(a, x) if `atom` is a * log(x) or log(x) * a, else (None, None)."""
    eqn = defs.get(atom) if isinstance(atom, Var) else None
    if eqn is None or eqn.prim != "mul":
        return None, None
    for k in (1, 0):
        log = defs.get(eqn.args[k]) if isinstance(eqn.args[k], Var) else None
        if log is not None and log.prim == "log":
            return eqn.args[1 - k], log.args[0]
    return None, None


def _one_minus(atom, defs):
    """x if `atom` is 1 - x, else None."""
    eqn = defs.get(atom) if isinstance(atom, Var) else None
    if eqn is None or eqn.prim != "sub" or not is_const(eqn.args[0], 1):
        return None
    return eqn.args[1]


def _same(a, b):
    return a is not None and (a is b or is_const(a) and is_const(b) and
                              type(a.value) is type(b.value) and a.value == b.value)
