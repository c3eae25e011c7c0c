"""Size-1 patterns (kinds.Kind.ones) of an array read with a basic index, `x[:, t, :]`.

A full slice `:` keeps its dimension as it is, an integer removes it, `None` adds one of
size 1 and `...` stands for as many full slices as the dimensions left. The pattern of
`x[:, t, :]` is then x's without its second entry, so an adjoint computed from the read
(`h[:, t, :] = tanh(x[:, t, :] @ Wx + ...)`) needs no `unbroadcast` where x's shape is
known to match. Any other slice (`a[:, :H]`: H may be 1) leaves its dimension unknown; an
array, boolean or unknown index part leaves the whole pattern unknown.
"""

from .. import kinds as K
from .atoms import Const, Var

_FULL = slice(None)


def indexed_kind(kind, x, index, defined_by):
    """`kind` (of x[index]) with its size-1 pattern where x's and the index say it.
    `defined_by` maps a var to the equation defining it, to read a tuple index's parts."""
    if not (kind.is_array and x.kind.is_array and x.kind.ones is not None):
        return kind
    parts = _index_parts(index, defined_by)
    ones = None if parts is None else _read_ones(x.kind.ones, parts)
    return kind if ones is None else K.with_ones(kind, ones)


def _index_parts(index, defined_by):
    """The parts of the index: atoms, or None where they are not known."""
    if isinstance(index, Const):
        value = index.value
        return tuple(Const(v) for v in value) if isinstance(value, tuple) else (index,)
    eqn = defined_by.get(index) if isinstance(index, Var) else None
    if eqn is not None and eqn.prim == "make_tuple":
        return eqn.args
    return (index,) if index.kind.tag == "int" else None


def _read_ones(ones, parts):
    """Size-1 pattern of x[parts] for x's pattern `ones`; None where a part is not basic."""
    steps = [_part(p) for p in parts]
    if None in steps or steps.count("...") > 1:
        return None
    taken = len([s for s in steps if s in ("int", "full", "slice")])
    if taken > len(ones):
        return None
    if "..." in steps:
        at = steps.index("...")
        steps[at:at + 1] = ["full"] * (len(ones) - taken)
    result, axis = [], 0
    for step in steps:
        if step == "new":
            result.append(True)
            continue
        if step != "int":
            result.append(ones[axis] if step == "full" else None)
        axis += 1
    return tuple(result) + tuple(ones[axis:])


def _part(atom):
    """'int', 'full' (`:`), 'slice' (any other), 'new' (None), '...', or None: not basic."""
    if isinstance(atom, Const):
        value = atom.value
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return "int"
        if isinstance(value, slice):
            return "full" if value == _FULL or value == slice(None, None, 1) else "slice"
        if value is None:
            return "new"
        return "..." if value is Ellipsis else None
    return "int" if atom.kind.tag == "int" else None


def constructed_kind(kind, shape, defined_by):
    """`kind` (of np.zeros(shape), np.ones, np.empty) with the size-1 pattern its shape says:
    a literal size, or one read from an array's shape whose pattern the kinds know
    (`N, T, D = x.shape; np.zeros((N, T, H))`), so that slices of the buffer filled in a
    loop (`h[:, t, :] = prev_h`) have the pattern of what is written into them."""
    if not kind.is_array:
        return kind
    eqn = defined_by.get(shape) if isinstance(shape, Var) else None
    if isinstance(shape, Const) and isinstance(shape.value, tuple):
        sizes = tuple(Const(v) for v in shape.value)
    elif eqn is not None and eqn.prim == "make_tuple":
        sizes = eqn.args
    elif shape.kind.tag == "int":
        sizes = (shape,)
    else:
        return kind
    return K.with_ones(kind, tuple(_size_is_one(s, defined_by) for s in sizes))


def _size_is_one(size, defined_by):
    """True, False or None (not known): whether the int `size` is 1."""
    if isinstance(size, Const):
        value = size.value
        return value == 1 if isinstance(value, int) and not isinstance(value, bool) else None
    eqn = defined_by.get(size)
    if eqn is None or eqn.prim != "getitem" or not isinstance(eqn.args[1], Const):
        return None
    at, dims = eqn.args[1].value, defined_by.get(eqn.args[0])
    if dims is None or dims.prim != "shape" or not isinstance(at, int) or isinstance(at, bool):
        return None
    ones = dims.args[0].kind.ones if dims.args[0].kind.is_array else None
    if ones is None or not -len(ones) <= at < len(ones):
        return None
    return ones[at]
