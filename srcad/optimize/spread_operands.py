"""An optimizer pass: a reduction's adjoint spread over x's shape only to meet an array of it.

The adjoint of `np.mean(x, axis=0)` is g spread back over x's shape, `unreduce(g, x, 0,
False)`: a helper call that reshapes g and makes a broadcast view. Where that view is read
once, by an elementwise operation whose other operand has at least x's shape on the reduced
axes (as many dimensions, none of them of size 1 there: batch norm's `bx += unreduce(-(v4 /
v5), x, 0, False)`), NumPy's broadcasting spreads g the same way by itself when the reduced
axes lead (a reduction over axis 0, over leading axes, over everything, or one that kept its
axes): the operation reads g (`bx += -(v4 / v5)`), the same numbers into the same shape. So
does `np.expand_dims(g, 0)` read once by an operation with an array of at least its number
of dimensions (`v1 *= np.expand_dims(s, 0)` is `v1 *= s`): broadcasting prepends the axis.
"""

from dataclasses import replace

from ..ir.atoms import Const, Var
from ..ir.nodes import Block, Eqn, read_counts, with_sub_blocks

_ELEMENTWISE = ("add", "sub", "mul", "div")


def spread_by_broadcasting(fn):
    """fn with such spreads left to broadcasting (fn itself where there is none)."""
    reads = read_counts(fn.body)
    body = _block(fn.body, reads, {})
    return fn if body is fn.body else replace(fn, body=body)


def _block(block, reads, defs):
    stmts, changed = [], False
    for stmt in block.stmts:
        new = with_sub_blocks(stmt, lambda b: _block(b, reads, defs))
        if isinstance(new, Eqn):
            new = _operation(new, reads, defs) or new
            defs.update((o, new) for o in new.outs)
        changed = changed or new is not stmt
        stmts.append(new)
    return Block(stmts, block.results) if changed else block


def _operation(eqn, reads, defs):
    """`eqn` reading g where it read its spread, or None."""
    if eqn.prim not in _ELEMENTWISE or len(eqn.args) != 2:
        return None
    for k, other in ((0, eqn.args[1]), (1, eqn.args[0])):
        spread = eqn.args[k]
        made = defs.get(spread) if isinstance(spread, Var) else None
        if made is not None and reads.get(spread) == 1 and (
                made.prim == "unreduce" and _broadcasts_alike(made, other) or
                made.prim == "expand_dims" and _leading_ones(made, other)):
            args = list(eqn.args)
            args[k] = made.args[0]
            return Eqn(eqn.outs, eqn.prim, tuple(args), eqn.line)
    return None


def _leading_ones(expand, other):
    """np.expand_dims(g, axes) adds only leading axes, which broadcasting against `other`
    (an array of at least as many dimensions) prepends to g by itself."""
    g, axis = expand.args
    kg, ko = getattr(g, "kind", None), getattr(other, "kind", None)
    if kg is None or ko is None or not (kg.is_array and ko.is_array) or kg.ndim is None or \
            ko.ndim is None or not isinstance(axis, Const):
        return False
    added = (axis.value,) if type(axis.value) is int else axis.value
    if type(added) is not tuple or not all(type(a) is int for a in added):
        return False
    ndim = kg.ndim + len(added)
    axes = _axes(added, ndim)
    return axes == tuple(range(len(added))) and ko.ndim >= ndim


def _broadcasts_alike(unreduce, other):
    """g broadcast against `other` gives what its spread over x's shape does."""
    _, x, axis, keepdims = unreduce.args
    kx, ko = x.kind, getattr(other, "kind", None)
    if ko is None or not (kx.is_array and ko.is_array) or kx.ndim is None or \
            ko.ndim != kx.ndim or ko.ones is None or not isinstance(axis, Const) or \
            not isinstance(keepdims, Const):
        return False
    reduced = _axes(axis.value, kx.ndim)
    if reduced is None:
        return False
    leading = reduced == tuple(range(len(reduced)))
    return (keepdims.value is True or leading) and all(ko.ones[i] is False for i in reduced)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if type(axis) is int else axis
    if type(axes) is not tuple or not all(type(a) is int and -ndim <= a < ndim for a in axes):
        return None
    return tuple(sorted(a % ndim for a in axes))
