"""A broadcasting check that an operation computed anyway makes: the operation instead.

Dead-code elimination leaves `check_broadcast(y, p)` where it drops an elementwise
computation whose operands' shapes were only inferred to agree (passes.py
`_broadcast_checks`): a gradient that does not compute the loss's value must still raise
where the value's computation would. The adjoint of that same line often broadcasts the same
operands anyway: binary cross-entropy's adjoint is `y - p`, which raises exactly where
`y * np.log(p) + (1 - y) * np.log(1 - p)` does. That operation, moved up to where the check
would stand, is the check: NumPy's error is raised at the same point of the sweep, for the
same line, and the call of the check (a quarter of a microsecond, a tenth of a 4x4 logistic
regression's gradient beyond the hand-written one) is gone.

The operation qualifies when it is a live elementwise equation of the same block, from the
same source line, broadcasting arrays of exactly the shape classes the check would (so it
raises exactly when the check would), and when everything it reads is already computed
where the check would stand, with only equations in between (no loop or branch whose
results it would then outlive).
"""

import numpy as np

from ..ir.nodes import Eqn, Var
from ..rules import RULES


def covering_operation(dead, classes, stmts, kept):
    """The live equation of `stmts` after `dead` (a dead elementwise equation whose check
    would broadcast arrays of `classes`) that makes the same check, movable to dead's place;
    or None. `kept` is the block's live statements."""
    position = next(k for k, s in enumerate(stmts) if s is dead)
    made = {o for s in stmts for o in s.outs}
    before = {o for s in stmts[:position] for o in s.outs}
    alive = {id(s) for s in kept}
    for stmt in stmts[position + 1:]:
        if not isinstance(stmt, Eqn):
            return None
        if id(stmt) in alive and stmt.line == dead.line and \
                RULES[stmt.prim].shape_from == "args" and not RULES[stmt.prim].effect and \
                shape_classes(stmt) == classes and \
                all(a in before or a not in made for a in stmt.args if isinstance(a, Var)):
            return stmt
    return None


def shape_classes(eqn):
    """The shape classes of an elementwise equation's array operands (a constant array is
    its own)."""
    return {a.shape_class() if isinstance(a, Var) else id(a) for a in array_operands(eqn)}


def array_operands(eqn):
    """An equation's operands that are arrays (a Var or a constant array, not a number)."""
    return [a for a in eqn.args if not a.kind.is_scalar and
            (isinstance(a, Var) or isinstance(getattr(a, "value", None), np.ndarray))]
