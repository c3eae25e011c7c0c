"""The registry of primitives: `Rule` (one primitive's implementation, spelling, tangent and
adjoint rules, kind inference and samples), `defprim`, which the rule families call to fill it,
and the tables lowering looks callables up in. It imports nothing but `kinds`, so that every
family, and `ops`, can import it without importing the package that loads the families.
"""

from dataclasses import dataclass, field
from typing import Callable

from .. import kinds as K

ZERO = "zero"   # in a jvp/vjp table: the derivative with respect to this argument is zero


@dataclass
class Rule:
    name: str
    impl: Callable
    syntax: tuple                        # how codegen spells it, see codegen.SYNTAX
    arg_names: tuple = ("x",)
    defaults: dict = field(default_factory=dict)
    jvp: tuple = ()
    vjp: tuple = ()
    kind: Callable = None                # (*arg_kinds) -> Kind, or tuple of kinds if nout > 1
    samples: list = field(default_factory=list)
    math: str = None                     # spelling for all-float arguments ("math.sin")
    effect: bool = False                 # mutates or has side effects: never removed or merged
    symbol: str = None                   # infix symbol for the printer
    nout: int = 1
    shape_from: object = None            # "args": output shaped like its array arguments
                                         # (elementwise); an int i: shaped like argument i
    ones: object = None                  # (*arg atoms) -> the output's size-1 pattern, for
                                         # rules that change shape (see kinds.Kind.ones);
                                         # True: `kind` gives it (container items)
    kind_from_atoms: bool = False        # `kind` receives the argument atoms, not their kinds
    variadic: bool = False               # any number of arguments, one jvp/vjp for all
    adjoint_order: tuple = None          # the argument positions in the order the reverse
                                         # sweep derives them (default: left to right)
    value: Callable = None               # a loss recognised in reverse mode: (*argument Syms) ->
                                         # its value, in the primitives the user wrote, which
                                         # the forward sweep computes (loss_patterns.py)
    doc: str = ""

    @property
    def differentiable(self):
        return any(r is not None for r in self.vjp) or any(r is not None for r in self.jvp)

    def vjp_rule(self, i):
        """The adjoint rule for argument i: a function, ZERO, or None (not differentiable)."""
        return self._entry(self.vjp, i)

    def jvp_rule(self, i):
        return self._entry(self.jvp, i)

    def _entry(self, table, i):
        if self.variadic:
            return table if table in (None, ZERO) else (lambda *a, _i=i: table(_i, *a))
        return table[i] if i < len(table) else None


RULES = {}          # prim name -> Rule
FUNCTIONS = {}      # Python/NumPy callable -> prim name
METHODS = {}        # array method name -> prim name (the array is the first argument)
ATTRIBUTES = {}     # array attribute name -> prim name ("T" -> "transpose")
SUBSCRIPTS = {}     # object whose subscript is a call -> prim name (np.r_[a, b] -> "r_")


def defprim(name, impl, syntax=None, *, functions=(), methods=(), attributes=(), **fields):
    """Register a primitive and the callables that lower to it."""
    n_args = len(fields.get("arg_names", ("x",)))
    blank = None if fields.get("variadic") else (None,) * n_args
    fields.setdefault("jvp", blank)
    fields.setdefault("vjp", blank)
    fields.setdefault("kind", lambda *ks: K.UNKNOWN)
    rule = Rule(name=name, impl=impl, syntax=syntax or ("call", f"np.{name}"), **fields)
    RULES[name] = rule
    for fn in functions:
        FUNCTIONS[fn] = name
    for m in methods:
        METHODS[m] = name
    for a in attributes:
        ATTRIBUTES[a] = name
    return rule


def subscript_prim(obj):
    """The primitive `obj[a, b, ...]` lowers to (np.r_, np.c_), or None."""
    try:
        return SUBSCRIPTS.get(obj)
    except TypeError:
        return None
