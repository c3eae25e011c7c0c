"""The atoms of the IR: `Var`, an SSA value, and `Const`, a constant. They sit below the rule
table (rules build and inspect atoms), and the IR's statements, its printer and its interpreter
sit above it (srcad/ir/nodes.py).
"""

from .. import kinds as K

_set = object.__setattr__


class Var:
    """An SSA value, compared by identity and frozen: `hint` is the user's name for it (or the
    name a transform gives it), `kind` what is known of its type, `same_shape_as` a var known
    to have its shape, and `soft_hint` that the name is only a suggestion (`bh` for h's
    adjoint: read once, the value may be inlined). A fact a pass learns later is kept in that
    pass's side table (srcad/ir/facts.py), never set on the Var."""

    __slots__ = ("hint", "kind", "same_shape_as", "soft_hint")

    def __init__(self, hint=None, kind=K.UNKNOWN, same_shape_as=None, soft_hint=False):
        _set(self, "hint", hint)
        _set(self, "kind", kind)
        _set(self, "same_shape_as", same_shape_as)
        _set(self, "soft_hint", soft_hint)

    def __setattr__(self, name, value):
        raise AttributeError(f"a Var is frozen: {name} is given when it is made "
                             "(a pass keeps later facts in a side table, srcad/ir/facts.py)")

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
