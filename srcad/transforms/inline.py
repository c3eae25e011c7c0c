"""The walk that puts what an inliner makes of each call in its place (`expand_calls`); the
copy of a function's body with its vars renamed that an inliner appends is ir/copying.py.
"""

from ..analysis.activity import substitute
from ..ir.nodes import Block, Eqn, Var, with_sub_blocks


def expand_calls(block, expand, mapping=None):
    """`block` with each `call` equation replaced by the statements `expand(eqn, stmts,
    mapping)` appends to `stmts` (where it also maps the call's out to the atom standing for
    it), in nested blocks too: the one walk of the inliners, forward mode's (the helpers that
    tangents flow through, transforms/forward.py) and that for code differentiated twice (all
    helpers, transforms/helpers.py)."""
    mapping = {} if mapping is None else mapping
    stmts = []
    for original in block.stmts:
        stmt = substitute([original], mapping)[0]       # reads of calls inlined before it
        if isinstance(stmt, Eqn) and stmt.prim == "call":
            expand(stmt, stmts, mapping)
        else:
            stmts.append(with_sub_blocks(stmt, lambda b: expand_calls(b, expand, mapping)))
    return Block(stmts, tuple(_read(a, mapping) for a in block.results))


def _read(atom, mapping):
    return mapping.get(atom, atom) if isinstance(atom, Var) else atom
