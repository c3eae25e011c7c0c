"""The atoms of the IR: `Var`, an SSA value, and `Const`, a constant. They sit below the rule
table (rules build and inspect atoms), and the IR's statements, its printer and its interpreter
sit above it (srcad/ir/nodes.py).
"""

from .. import kinds as K


class Var:
    """An SSA value. Compared by identity; `hint` is the user's name for it, if any."""

    __slots__ = ("hint", "kind", "same_shape_as", "soft_hint")

    def __init__(self, hint=None, kind=K.UNKNOWN, same_shape_as=None):
        self.hint = hint
        self.kind = kind
        self.same_shape_as = same_shape_as   # a var known to have this one's shape
        self.soft_hint = False               # the hint is only a suggestion (`bh` for h's
                                             # adjoint): read once, the value may be inlined

    def shape_class(self):
        """A representative var of the values known to share this one's shape."""
        var = self
        while var.same_shape_as is not None:
            var = var.same_shape_as
        return var

    def __repr__(self):
        return f"Var({self.hint or '_'}:{self.kind})"


class Const:
    """A constant: a number, string, None, slice, tuple of constants, array, or any object."""

    __slots__ = ("value", "kind", "name")

    def __init__(self, value, name=None):
        self.value = value
        self.kind = K.kind_of(value)
        self.name = name            # a global's name, to print it as the user wrote it

    def key(self):
        """A hashable identity for common-subexpression elimination."""
        v = self.value
        if isinstance(v, (bool, int, float, str, type(None))):
            return (type(v).__name__, v)
        if isinstance(v, (tuple, slice)):
            try:
                hash(v)
                return ("const", repr(v))
            except TypeError:
                pass
        return ("object", id(v))

    def __repr__(self):
        return f"Const({self.name or repr(self.value)})"


def is_const(atom, value=None):
    """True if `atom` is a constant (equal to `value` when given, for plain numbers)."""
    if not isinstance(atom, Const):
        return False
    if value is None:
        return True
    v = atom.value
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == value
