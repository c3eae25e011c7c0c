"""The logistic as people write it to keep np.exp from overflowing, recognised before reverse
mode (issue 21, the corpus LSTM's gates):

    pos_mask = x >= 0                       (or x > 0 and x <= 0)
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])      (the two writes in either order)
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)

Where x >= 0 it is 1 / (1 + e^-x) and where x < 0 e^x / (1 + e^x), the logistic σ(x) both;
where neither mask holds (x is NaN) it is 1, and its derivative through the masks 0. The
division becomes `masked_logistic(x)` (srcad/rules/losses.py), computed with the same
operations (the same value, NaN giving 1 as before), whose adjoint is `g * σ(1 - σ)` of its
output (0 where it is 1): where the masks hold, the derivative of each piece is σ(1 - σ);
x == 0 is in one mask whichever pair is written, and both pieces give 1/2 there. The masked
reads and writes stay where something else reads them and are dropped as dead code where
nothing does. Forward mode is left as written."""

from ..ir.atoms import Const, Var

_PAIRS = (("ge", "lt"), ("gt", "le"))       # (the mask of e^-x, the mask of e^x)


def masked_logistic_of(eqn, defs):
    """x if `eqn` is the division `top / (1 + z)` of the pattern above, else None."""
    if eqn.prim != "div" or not eqn.outs[0].kind.is_array:
        return None
    z = _one_plus(eqn.args[1], defs)
    top = _defined(eqn.args[0], defs, "setitem")
    pick = top and _defined(top.args[2], defs, "getitem")
    ones = top and _defined(top.args[0], defs, "ones_like")
    if not (z is not None and pick and ones and pick.args[0] is z and
            pick.args[1] is top.args[1] and _none(ones.args[1])):
        return None
    x, neg = ones.args[0], top.args[1]
    kind = x.kind if isinstance(x, Var) else None
    if kind is None or not kind.is_array or not str(kind.dtype).startswith("float"):
        return None
    writes = _two_writes(z, x, defs)
    if writes is None:
        return None
    (m1, e1), (m2, e2) = writes
    pos = m2 if m1 is neg else m1
    if {m1, m2} != {pos, neg} or pos is neg or not _masks(pos, neg, x, defs):
        return None
    exps = {m1: e1, m2: e2}
    return x if _exp_of(exps[pos], x, pos, defs, True) and \
        _exp_of(exps[neg], x, neg, defs, False) else None


def _two_writes(z, x, defs):
    """[(mask, value)] of z = zeros_like(x) written at two masks, else None."""
    second = _defined(z, defs, "setitem")
    first = second and _defined(second.args[0], defs, "setitem")
    zeros = first and _defined(first.args[0], defs, "np_zeros_like")
    if not (zeros and zeros.args[0] is x and _none(zeros.args[1])):
        return None
    return [(first.args[1], first.args[2]), (second.args[1], second.args[2])]


def _masks(pos, neg, x, defs):
    """pos is x >= 0 and neg x < 0 (or x > 0 and x <= 0)."""
    p, n = defs.get(pos), defs.get(neg)
    return p is not None and n is not None and (p.prim, n.prim) in _PAIRS and \
        all(e.args[0] is x and _zero(e.args[1]) for e in (p, n))


def _exp_of(value, x, mask, defs, negated):
    """value is exp(-x[mask]) (negated) or exp(x[mask])."""
    exp = _defined(value, defs, "exp")
    arg = exp and exp.args[0]
    if negated:
        neg = _defined(arg, defs, "neg")
        arg = neg and neg.args[0]
    read = _defined(arg, defs, "getitem")
    return bool(read) and read.args[0] is x and read.args[1] is mask


def _one_plus(atom, defs):
    """z if `atom` is 1 + z or z + 1, else None."""
    add = _defined(atom, defs, "add")
    if not add:
        return None
    for k in (0, 1):
        if isinstance(add.args[k], Const) and type(add.args[k].value) in (int, float) and \
                add.args[k].value == 1 and isinstance(add.args[1 - k], Var):
            return add.args[1 - k]
    return None


def _defined(atom, defs, prim):
    eqn = defs.get(atom) if isinstance(atom, Var) else None
    return eqn if eqn is not None and eqn.prim == prim else None


def _none(atom):
    return isinstance(atom, Const) and atom.value is None


def _zero(atom):
    return isinstance(atom, Const) and type(atom.value) in (int, float) and atom.value == 0
