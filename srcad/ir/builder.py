"""Building IR one equation at a time, and the symbolic values derivative rules are written in.

`Builder.emit` appends `out = prim(args)` to a statement list, inferring the result's kind and
folding the trivial cases (`x + 0`, `x * 1`, constant arithmetic) so that no transform ever
writes `0 * x` or `g * 1`. `Sym` gives rules operator syntax: inside a rule, `g * cos(x)` emits
`cos` and `mul` equations into the builder the arguments belong to.
"""

from collections import ChainMap

import math

import numpy as np

from .. import kinds as K
from ..errors import NonDifferentiableError, SrcadError
from .index_ones import constructed_kind, indexed_kind
from .nodes import Block, Const, Eqn, Var, free_vars, is_const, walk_eqns
from ..rules import RULES


def as_atom(value):
    if isinstance(value, Sym):
        return value.atom
    if isinstance(value, (Var, Const)):
        return value
    return Const(value)


class Builder:
    """Collects statements; `line` is the user's source line new equations come from."""

    def __init__(self, line=None, known=None, facts=None):
        self.stmts = []
        self.line = line
        self.defined_by = {}         # var -> the equation of this builder that defines it
        self.known = known or {}     # var -> its equation elsewhere (the primal a reverse sweep
        #                              reads): where an index or a shape was made, for kinds
        self.reads = {}              # index var -> the getitem equations here reading with it
        self.facts = facts           # the side table of the transform building (ir/facts.py)

    def hint(self, var):
        """var's name, as the transform building knows it now."""
        return var.hint if self.facts is None else self.facts.hint(var)

    def shape_class(self, var):
        """A representative of the values known to share var's shape (the transform's facts
        included)."""
        return var.shape_class() if self.facts is None else self.facts.shape_class(var)

    def emit(self, prim, *args, hint=None, kind=None, exact=False):
        """The output of `prim(*args)`: a new Var named `hint`, of the kind the rule infers
        (or `kind`, where the caller knows better), or what folding leaves. `exact`: the
        user's own computation (lowering), whose values must be Python's to the last bit, so
        no rewrite that rounds differently (`a * (1 / x)` stays as written)."""
        args = tuple(as_atom(a) for a in args)
        folded = _fold(prim, args)
        if folded is None:
            folded = self.rewrite(prim, args, exact)
        if folded is not None:
            return folded
        rule = RULES[prim]
        known, kind = kind, self.inferred_kind(prim, *args)
        if rule.nout == 1:
            shaped = self.alike_read(*args) if prim == "getitem" else \
                _shape_source(rule, args, kind, self.shape_class)
            out = Var(hint, kind if known is None else known, shaped)
            outs = (out,)
        else:
            outs = tuple(Var(None, k) for k in _split_kinds(kind, rule.nout))
        eqn = Eqn(outs, prim, args, self.line)
        self.stmts.append(eqn)
        self.defined_by[outs[0]] = eqn
        if prim == "getitem" and isinstance(args[1], Var):
            self.reads.setdefault(args[1], []).append(eqn)
        return outs[0] if rule.nout == 1 else outs

    def alike_read(self, x, index):
        """A var `y[index]` read before (here, or in the equations this builder was given)
        with y an array of x's shape: x[index] has its shape (the same index picks the same
        number of elements from arrays of one shape), so `unbroadcast` between the adjoints
        of masked reads and writes (`z[mask] = np.exp(x[mask])`) goes."""
        if not (isinstance(index, Var) and isinstance(x, Var) and x.kind.is_array):
            return None
        base = self.shape_class(x)
        for eqn in self.reads.get(index, []) + getattr(self.known, "reads", {}).get(index, []):
            y = eqn.args[0]
            if isinstance(y, Var) and y.kind.is_array and self.shape_class(y) is base:
                return eqn.outs[0]
        return None

    def definitions(self):
        """The equations defining vars, this builder's and those it was given."""
        return ChainMap(self.defined_by, self.known) if self.known else self.defined_by

    def inferred_kind(self, prim, *args):
        """The kind the rule infers for `prim(*args)` (atoms), as `emit` gives it."""
        rule = RULES[prim]
        kind = _with_output_ones(rule, args, rule.kind(
            *(args if rule.kind_from_atoms else (a.kind for a in args))))
        if prim == "getitem":
            return indexed_kind(kind, *args, self.definitions())
        if prim in ("zeros", "ones", "empty"):
            return constructed_kind(kind, args[0], self.definitions())
        return kind

    def stored_item(self, d, key):
        """v where `d` is a dict known (in this builder) to hold v at the constant `key`:
        `d = {"W": v, ...}` or `d[key] = v` (with_item) since; else None."""
        if not (isinstance(key, Const) and _plain_key(key.value)):
            return None
        eqn = self.defined_by.get(d) if d.kind.tag == "dict" else None
        while eqn is not None and eqn.prim == "with_item" and isinstance(eqn.args[1], Const) \
                and _plain_key(eqn.args[1].value):
            if eqn.args[1].value == key.value:
                return eqn.args[2]
            eqn = self.defined_by.get(eqn.args[0])
        if eqn is not None and eqn.prim == "make_dict" and key.value in eqn.args[0].value:
            return eqn.args[1 + list(eqn.args[0].value).index(key.value)]
        return None

    def negated(self, atom):
        """b if `atom` is -b (emitted here), else None."""
        eqn = self.defined_by.get(atom)
        return eqn.args[0] if eqn is not None and eqn.prim == "neg" else None

    def broadcast_scalar(self, atom, other):
        """s if `atom` is a scalar s broadcast to the shape `other` already has, else None:
        broadcasting in the product does the same for free."""
        eqn = self.defined_by.get(atom)
        if eqn is None or eqn.prim != "broadcast_like" or not eqn.args[0].kind.is_scalar:
            return None
        target = eqn.args[1]
        if isinstance(other, Var) and isinstance(target, Var) and (
                self.shape_class(other) is self.shape_class(target) or
                other.kind.dtype == target.kind.dtype and
                K.fills_broadcast(other.kind, K.broadcast(other.kind, target.kind))):
            return eqn.args[0]
        return None

    def spread_into_slot(self, value):
        """s * u if `value` is broadcast_like(s, t) * u for a number s, known to have t's
        shape, in float64: added or subtracted in place into a slot (`bw[f] += value`), s * u
        broadcasts there itself, with the same numbers (the product is elementwise), and no
        array of t's shape filled with s is made first."""
        eqn = self.defined_by.get(value)
        if eqn is None or eqn.prim != "mul" or not value.kind.is_array:
            return None
        for k in (0, 1):
            spread, other = self.defined_by.get(eqn.args[k]), eqn.args[1 - k]
            if spread is None or spread.prim != "broadcast_like" or not isinstance(other, Var):
                continue
            s, t = spread.args
            if s.kind.tag in ("float", "int") and isinstance(t, Var) and \
                    t.kind.dtype == other.kind.dtype == value.kind.dtype == "float64" and \
                    self.shape_class(value) is self.shape_class(t):
                return (s, other) if k == 0 else (other, s)
        return None

    def reciprocal_of(self, atom):
        """x if `atom` is 1 / x (emitted here), else None: a * (1 / x) is one division."""
        eqn = self.defined_by.get(atom)
        if eqn is None or eqn.prim != "div" or not is_const(eqn.args[0], 1):
            return None
        return eqn.args[1]

    def scaled(self, atom):
        """(c, x) if `atom` is c * x or x * c for a number c (emitted here), else None."""
        eqn = self.defined_by.get(atom)
        if eqn is None or eqn.prim != "mul":
            return None
        for k in (0, 1):
            if _is_number(eqn.args[k]) and isinstance(eqn.args[1 - k], Var):
                return eqn.args[k], eqn.args[1 - k]
        return None

    def sigmoid_of(self, div_args):
        """z if `div_args` are the operands of 1 / (1 + exp(-z)), else None. The sigmoid
        is one primitive so that its derivative σ(1 - σ) reads only its output, as a
        hand-written backward pass does, instead of exp(-z) and 1 + exp(-z) as well."""
        one, denominator = div_args
        add = self.defined_by.get(denominator)
        if not _is_number(one) or one.value != 1 or add is None or add.prim != "add":
            return None
        for k in (0, 1):
            exp = self.defined_by.get(add.args[1 - k])
            if _is_number(add.args[k]) and add.args[k].value == 1 and exp is not None \
                    and exp.prim == "exp" and self.negated(exp.args[0]) is not None:
                return self.negated(exp.args[0])
        return None

    def drop_if_unread(self, var, depth=None):
        """Remove the unnamed temporary `var` (a piece of an expression a rewrite replaced) if
        nothing reads it, then the temporaries it read, `depth` levels down (None: all):
        `srcad.lower` and the trace tables show what is computed, not the pieces of
        1 / (1 + exp(-z)) before it became σ(z). In a reverse sweep a primal temporary
        unread so far may be read by an adjoint not emitted yet: there the depth is bounded
        to the pieces the rewrite itself replaced."""
        eqn = self.defined_by.get(var)
        if eqn is None or self.hint(var) is not None or RULES[eqn.prim].effect:
            return
        at = _position(self.stmts, eqn)        # only a statement after it may read it (SSA)
        if at is None or any(var in free_vars(Block([s])) for s in self.stmts[at + 1:]):
            return
        del self.stmts[at]
        del self.defined_by[var]
        if depth == 0:
            return
        for arg in eqn.args:
            if isinstance(arg, Var):
                self.drop_if_unread(arg, None if depth is None else depth - 1)

    def rewrite(self, prim, args, exact=False):
        """1 / (1 + exp(-z)) -> logistic(z);  a * (1 / x) -> a / x;  x * -1 -> -x;
        a + (-b) -> a - b;  (-a) + b -> b - a;  a - (-b) -> a + b;  -(-a) -> a;
        (-a) * b, a * (-b), (-a) / b -> -(a * b), -(a * b), -(a / b) (unless a is smaller);
        sum(-a), mean(-a), unbroadcast(-a, x) -> -sum(a), ...;  x[i] += -a -> x[i] -= a;
        x[i] += broadcast_like(s, t) * u -> x[i] += s * u (spread_into_slot): signs move
        outwards, where they
        cancel or become a subtraction, or onto the smaller array (exactly: rounding is
        symmetric); `a * (1 / x)` only where not `exact` (a / x rounds once, not twice)."""
        if prim == "neg" and self.negated(args[0]) is not None:
            return self.negated(args[0])
        if prim in ("sum", "mean", "unbroadcast") and self.negated(args[0]) is not None and \
                _inexact(args[0].kind):            # -x of int8 -128 wraps: ints stay as written
            return self.emit("neg", self.emit(prim, self.negated(args[0]), *args[1:]))
        if prim == "getitem" and self.stored_item(*args) is not None:
            return self.stored_item(*args)
        if prim in ("iadd_at", "isub_at") and self.negated(args[2]) is not None and \
                _inexact(args[0].kind) and _inexact(args[2].kind):
            return self.emit("isub_at" if prim == "iadd_at" else "iadd_at", args[0], args[1],
                             self.negated(args[2]))
        if prim in ("iadd_at", "isub_at") and self.spread_into_slot(args[2]) is not None:
            product = self.emit("mul", *self.spread_into_slot(args[2]))
            self.drop_if_unread(args[2], depth=1)     # the product and its broadcast_like
            return self.emit(prim, args[0], args[1], product)
        if prim == "div" and self.sigmoid_of(args) is not None:
            sigma = self.emit("logistic", self.sigmoid_of(args))
            self.drop_if_unread(args[1])
            return sigma
        if prim in ("mul", "div"):
            for k in (0, 1) if prim == "mul" else (0,):
                inner = self.negated(args[k])
                if inner is not None and not (prim == "mul" and _smaller(inner, args[1 - k])):
                    rest = (inner, args[1]) if k == 0 else (args[0], inner)
                    return self.emit("neg", self.emit(prim, *rest))
        if prim == "mul":
            return self.rewrite_product(args, exact)
        if prim == "div" and not exact and self.halved_divisor(args) is not None:
            x, divisor = self.halved_divisor(args)
            self.drop_if_unread(args[0], depth=0)
            return self.emit("div", x, divisor)
        if prim in ("add", "sub"):
            right = self.negated(args[1])
            if right is not None:
                return self.emit("sub" if prim == "add" else "add", args[0], right)
            left = self.negated(args[0])
            if prim == "add" and left is not None:
                return self.emit("sub", args[1], left)
        return None

    def rewrite_product(self, args, exact):
        """a * b: see rewrite."""
        for k in (0, 1):
            if is_const(args[k], -1) and isinstance(args[1 - k], Var) and \
                    _negates(args[1 - k].kind):
                return self.emit("neg", args[1 - k])
            spread = self.broadcast_scalar(args[k], args[1 - k])
            if spread is not None:
                return self.emit("mul", spread, args[1 - k])
            scaled = self.scaled(args[1 - k])
            if _is_number(args[k]) and scaled is not None and \
                    _exact_product(args[k].value, scaled[0].value):
                return self.emit("mul", Const(args[k].value * scaled[0].value), scaled[1])
        for k in (0, 1) if not exact else ():
            denominator = self.reciprocal_of(args[1 - k])
            if denominator is not None:
                return self.emit("div", args[k], denominator)
        return None

    def halved_divisor(self, args):
        """(x, s / c) for (c * x) / s, c a power of two (emitted here), s a number and x a
        float array: one pass over x where there were two (`2 * v / v.size` in the
        adjoint of a mean of squares). Exactly the same values: c * x and s / c are
        exact, so both round the one quotient 2x / s once."""
        scaled = self.scaled(args[0])
        s = args[1]
        if scaled is None or not _power_of_two(scaled[0].value) or \
                not (s.kind.tag in ("int", "float") or _is_number(s)) or \
                not scaled[1].kind.is_array or not _inexact(scaled[1].kind):
            return None
        if _is_number(s):
            return scaled[1], Const(s.value / scaled[0].value)
        return scaled[1], self.emit("div", s, scaled[0])

    def append(self, stmt):
        self.stmts.append(stmt)

    def sym(self, atom):
        return Sym(self, as_atom(atom))


def _position(stmts, stmt):
    """Where `stmt` (this object) is in `stmts`, looked for from the end, where the pieces a
    rewrite or a reverse sweep drops were just emitted: not a scan of all the statements (by
    their ==) for each, which made a long sweep of index reads quadratic."""
    return next((k for k in range(len(stmts) - 1, -1, -1) if stmts[k] is stmt), None)


def _split_kinds(kind, n):
    return kind if isinstance(kind, tuple) else (K.UNKNOWN,) * n


def _with_output_ones(rule, args, kind):
    """The output kind with its size-1 pattern (kinds.Kind.ones) as far as it is known: the
    kind function's own where the rule says it gives one (containers and their items), else
    from the rule's `ones`, the argument the output is shaped like or the broadcast of its
    array arguments; none for any other rule, whatever its kind function returned."""
    if rule.ones is True:
        return kind
    if isinstance(kind, tuple) or rule.nout != 1:
        return tuple(K.erase_ones(k) for k in kind) if isinstance(kind, tuple) else kind
    return K.with_ones(K.erase_ones(kind), _output_ones(rule, args))


def _output_ones(rule, args):
    if rule.ones is not None:
        return rule.ones(*args)
    if isinstance(rule.shape_from, int):
        source = args[rule.shape_from].kind
        return source.ones if source.is_array else () if source.is_scalar else None
    if rule.shape_from == "args":
        return K.broadcast_ones(*(a.kind for a in args if a.kind.is_numeric))
    return None


def _shape_source(rule, args, kind, shape_class):
    """A var whose shape the output is known to share, for eliding `unbroadcast`: all its
    array arguments share one shape, or one of them has the size-1 dimensions of the result."""
    if isinstance(rule.shape_from, int):
        source = args[rule.shape_from]
        return source if isinstance(source, Var) else None
    if rule.shape_from != "args" or not kind.is_array and kind.tag != "unknown":
        return None
    candidates = [a for a in args if isinstance(a, Var) and not a.kind.is_scalar]
    filling = [c for c in candidates if K.fills_broadcast(c.kind, kind)]
    if filling:
        return shape_class(filling[0])
    scalars_ok = all(isinstance(a, Var) or a.kind.is_scalar for a in args)
    if not candidates or not scalars_ok:
        return None
    first = shape_class(candidates[0])
    if all(shape_class(c) is first for c in candidates):
        return first
    return None


_IDENTITIES = {
    "add": ((1, 0), (0, 0)),        # (position of the neutral constant, its value)
    "sub": ((1, 0),),
    "mul": ((1, 1), (0, 1)),
    "div": ((1, 1),),
    "pow": ((1, 1),),
}


def _fold(prim, args):
    """A simpler atom equal to prim(args), or None: constant folding and neutral elements."""
    for position, neutral in _IDENTITIES.get(prim, ()):
        other = args[1 - position]
        if is_const(args[position], neutral) and _keeps_kind(prim, other, args[position]):
            return other
    rule = RULES[prim]
    if prim in ("eq", "ne") and all(isinstance(a, Const) and type(a.value) is str for a in args):
        return Const(rule.impl(*(a.value for a in args)))      # name == "act", keys known now
    if prim in ("is_", "is_not") and all(isinstance(a, Const) for a in args) and \
            any(_is_singleton(a.value) for a in args):
        return Const(rule.impl(*(a.value for a in args)))      # `self.act is None`
    if not rule.effect and args and rule.nout == 1 and \
            all(_is_number(a) or isinstance(a, Const) and type(a.value) is bool for a in args):
        try:
            return Const(rule.impl(*(a.value for a in args)))
        except (ArithmeticError, ValueError, TypeError):
            return None
    return None


def _is_singleton(value):
    """None, a bool, a function, a class or an object of one: `is` on it is decided now
    (not a number, string, array or container, which a run could make anew)."""
    return value is None or isinstance(value, bool) or not isinstance(
        value, (int, float, complex, str, bytes, np.ndarray, np.generic, list, tuple, dict))


def _keeps_kind(prim, other, neutral):
    """`other op neutral` has other's kind and dtype: always for a float (an int neutral never
    turns a float into an int) and a value whose kind does not say; for an integer only with
    an int neutral and not `/` (`k * 1.0` and `k / 1` are floats); never for a boolean
    (`mask * 1` is an int)."""
    if isinstance(other, Const):
        return isinstance(other.value, type(neutral.value)) and \
            not (prim == "div" and not isinstance(other.value, (float, complex)))
    kind = other.kind
    if _inexact(kind) or kind.tag in ("unknown", "other") or kind.is_array and \
            kind.dtype is None:
        return True                   # (a value of no known kind is taken as a float)
    integer = kind.tag == "int" or kind.is_array and \
        np.issubdtype(np.dtype(kind.dtype), np.integer)
    return integer and type(neutral.value) is int and prim != "div"


def _smaller(a, b):
    """Whether a is known to broadcast to b's shape with fewer elements: a sign stays on a in
    a * b, where negating costs less than on the product (`np.exp(ans) * -s + g` adds g into
    the product's temporary in place, where `g - np.exp(ans) * s` makes one more array)."""
    return K.smaller_operand(a.kind, b.kind)


def _negates(kind):
    """Whether `x * -1` is `-x` for x of this kind: a float or a signed integer (a boolean
    has no `-`, an unsigned integer wraps where the product is refused)."""
    return _inexact(kind) or kind.tag == "int" or kind.is_array and \
        str(kind.dtype).startswith("int")


def _exact_product(a, b):
    """Whether a * (b * x) == (a * b) * x for every x: integers, or a power of two (a scale
    by 2**k rounds nothing); `0.1 * (3.0 * x)` is not `0.30000000000000004 * x`."""
    if type(a) is int and type(b) is int:
        return True
    return any(c != 0 and math.isfinite(c) and math.frexp(abs(c))[0] == 0.5 for c in (a, b))


def _power_of_two(c):
    """Whether x * c and s / c round nothing (but overflow and underflow): c = ±2**k."""
    return type(c) in (int, float) and c != 0 and math.isfinite(c) and \
        math.frexp(abs(c))[0] == 0.5


def _inexact(kind):
    return kind.tag in ("float", "complex") or kind.is_array and \
        str(kind.dtype).startswith(("float", "complex"))


def _is_number(atom):
    return isinstance(atom, Const) and type(atom.value) in (int, float)


class Sym:
    """A value inside a derivative rule; arithmetic on it emits equations."""

    __slots__ = ("builder", "atom")

    def __init__(self, builder, atom):
        self.builder = builder
        self.atom = atom

    @property
    def kind(self):
        return self.atom.kind

    def _op(self, prim, *args):
        return Sym(self.builder, self.builder.emit(prim, *args))

    def __add__(self, o): return self._op("add", self, o)
    def __radd__(self, o): return self._op("add", o, self)
    def __sub__(self, o): return self._op("sub", self, o)
    def __rsub__(self, o): return self._op("sub", o, self)
    def __mul__(self, o): return self._op("mul", self, o)
    def __rmul__(self, o): return self._op("mul", o, self)
    def __truediv__(self, o): return self._op("div", self, o)
    def __rtruediv__(self, o): return self._op("div", o, self)
    def __pow__(self, o): return self._op("pow", self, o)
    def __rpow__(self, o): return self._op("pow", o, self)
    def __matmul__(self, o): return self._op("matmul", self, o)
    def __rmatmul__(self, o): return self._op("matmul", o, self)
    def __neg__(self): return self._op("neg", self)
    def __gt__(self, o): return self._op("gt", self, o)
    def __lt__(self, o): return self._op("lt", self, o)
    def __ge__(self, o): return self._op("ge", self, o)
    def __le__(self, o): return self._op("le", self, o)
    def __getitem__(self, index): return self._op("getitem", self, index)

    def __iter__(self):
        # without this, Python would iterate by indexing 0, 1, 2, ... and emit without end
        raise TypeError("a Sym is not iterable: a rule reads a constant argument's value as "
                        "sym.atom.value")

    @property
    def T(self):
        return self._op("transpose", self, None)

    __hash__ = object.__hash__


def _plain_key(key):
    """A dict key srcad compares now: a string or an int (not a bool, which equals 1)."""
    return type(key) in (str, int)


class Definitions(dict):
    """var -> the equation defining it in `block` (nested blocks included), and `reads`:
    index var -> the getitem equations reading with it; what a reverse sweep's builders are
    given (Builder(known=)) about the primal."""

    def __init__(self, block):
        super().__init__()
        self.reads = {}
        for eqn in walk_eqns(block):
            if len(eqn.outs) == 1:
                self[eqn.outs[0]] = eqn
            if eqn.prim == "getitem" and isinstance(eqn.args[1], Var):
                self.reads.setdefault(eqn.args[1], []).append(eqn)


def apply_rule(rule, first, eqn, args, builder, filename):
    """`rule(first, ans, *args)` of a derivative rule (a jvp with the tangent first, a vjp
    with the adjoint first) over Syms emitting into `builder`. A rule that cannot handle these
    arguments is refused naming the user's file and the equation's line, in either mode."""
    try:
        return rule(Sym(builder, first), Sym(builder, eqn.out), *args)
    except SrcadError as err:
        err.locate(filename, eqn.line)
        raise
    except (ValueError, TypeError, NotImplementedError) as err:
        raise NonDifferentiableError(
            f"the derivative rule of {eqn.prim} does not apply here: {err}",
            filename=filename, line=eqn.line, construct=eqn.prim) from err
