"""An optimizer pass: a variance computed beside the centred values it is made of.

Batch normalisation (C4) and its kin compute `mu = np.mean(x, axis=0)`, `var = np.var(x,
axis=0)` and `x - mu`: np.var computes the mean again, and x minus it, into an array of its
own, before it squares and sums. Where the function computes `d = x - np.mean(x, axis)` over
the same axes anyway, the variance is `np.mean(d * d, axis)`: the operations np.var performs
(NumPy's _var: the sum of x over the axes divided by their count, x minus it, squared, summed,
divided by the count), on the same numbers in the same order, so the same floats bit for bit,
with one reduction and one pass over x fewer and no array of np.var's own. It applies to real
float32/float64 NumPy arrays with ddof 0 and no other option, where the mean broadcasts back
as np.var's keepdims mean does (keepdims=True, over all axes, or over axis 0), and where the
variance can be computed after d (nothing between reads it).
"""

from dataclasses import replace

from ..ir.atoms import Const, Var
from ..ir.nodes import Block, Eqn, read_counts, stmt_inputs, sub_blocks, with_sub_blocks

_FLOATS = ("float64", "float32")


def reuse_centered_values(fn):
    """fn with each such variance computed from the centred values (fn itself where none)."""
    body = _block(fn.body)
    return fn if body is fn.body else replace(fn, body=body)


def _block(block):
    stmts = [with_sub_blocks(s, _block) for s in block.stmts]
    for var in [s for s in stmts if isinstance(s, Eqn) and s.prim == "var" and _plain(s)]:
        stmts = _rewritten(stmts, next(k for k, s in enumerate(stmts) if s is var)) or stmts
    if all(new is old for new, old in zip(stmts, block.stmts)) and \
            len(stmts) == len(block.stmts):
        return block
    return Block(stmts, block.results)


def _plain(var):
    """np.var(x, axis) of a real float NumPy array, ddof 0, axes known."""
    x, axis, ddof, keepdims = var.args
    kind = getattr(x, "kind", None)
    return isinstance(x, Var) and kind.is_array and kind.lib is None and \
        kind.dtype in _FLOATS and isinstance(axis, Const) and isinstance(ddof, Const) and \
        type(ddof.value) is int and ddof.value == 0 and isinstance(keepdims, Const)


def _rewritten(stmts, at):
    """The statements with stmts[at] (a var) computed from a centred value, or None."""
    var = stmts[at]
    x, axis = var.args[0], var.args[1].value
    defs = {o: (k, s) for k, s in enumerate(stmts) if isinstance(s, Eqn) for o in s.outs}
    for k, stmt in enumerate(stmts):
        if not (isinstance(stmt, Eqn) and stmt.prim == "sub" and stmt.args[0] is x and
                isinstance(stmt.args[1], Var)):
            continue
        mean = defs.get(stmt.args[1], (None, None))[1]
        if mean is None or mean.prim != "mean" or mean.args[0] is not x or \
                not _same_axes(mean.args[1], axis) or not _broadcasts_back(mean, axis):
            continue
        if k > at and any(var.out in _reads(s) for s in stmts[at + 1:k + 1]):
            continue
        centred = stmt.out
        squared = Var(None, centred.kind, centred.same_shape_as)
        new = [Eqn((squared,), "mul", (centred, centred), var.line),
               Eqn(var.outs, "mean", (squared, var.args[1], var.args[3]), var.line)]
        if k < at:
            return stmts[:at] + new + stmts[at + 1:]
        return stmts[:at] + stmts[at + 1:k + 1] + new + stmts[k + 1:]
    return None


def _same_axes(atom, axis):
    return isinstance(atom, Const) and type(atom.value) is type(axis) and atom.value == axis


def _broadcasts_back(mean, axis):
    """x - mean gives x minus np.var's keepdims mean at every place."""
    keepdims = mean.args[2]
    return isinstance(keepdims, Const) and keepdims.value is True or axis is None or \
        type(axis) is int and axis == 0


def _reads(stmt):
    reads = set(a for a in stmt_inputs(stmt) if isinstance(a, Var))
    for sub in sub_blocks(stmt):
        reads |= set(read_counts(sub))
    return reads
