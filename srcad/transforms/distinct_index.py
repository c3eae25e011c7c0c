"""Array reads whose index picks distinct elements, `log_probs[np.arange(N), y]` (issue 21).

The adjoint of `x[index]` adds g at the index with np.add.at, so that repeated positions
accumulate. Where one part of the index is `np.arange(n)` (its values 0 .. n-1, distinct and
not negative) and the other array parts are 1-d, every position the read takes differs in
that part's axis, provided the arrays have one length (checked when the adjoint runs:
`rules.core.distinct_scatter`); the adjoint then assigns, as a hand-written backward pass does
(`dx[np.arange(N), y] -= 1`). Such a read becomes `distinct_pick`, the same `x[index]`, before
reverse mode; forward mode has no scatter and is left as it is.
"""

from ..ir.atoms import Const, Var
from ..rules.core import counts_from_zero


def picks_distinct(eqn, defs):
    """Whether `eqn` is x[index] with such an index (`defs`: var -> defining equation)."""
    if eqn.prim != "getitem" or not eqn.args[0].kind.is_array:
        return False
    tuple_eqn = defs.get(eqn.args[1]) if isinstance(eqn.args[1], Var) else None
    if tuple_eqn is None or tuple_eqn.prim != "make_tuple":
        return False
    parts = tuple_eqn.args
    return all(_basic_or_vector(p) for p in parts) and \
        any(counts_from_zero(defs.get(p)) for p in parts if isinstance(p, Var))


def _basic_or_vector(part):
    """An int, a slice, None, ..., or a 1-d integer array."""
    kind = part.kind
    if isinstance(part, Const):
        value = part.value
        return not isinstance(value, bool) and (
            isinstance(value, (int, slice)) or value is None or value is Ellipsis)
    if kind.tag == "int":
        return True
    return kind.is_array and kind.ndim == 1 and kind.dtype is not None and \
        kind.dtype.startswith(("int", "uint"))
