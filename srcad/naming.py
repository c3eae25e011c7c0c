"""Names in generated code: deterministic, from the math, uniquified with counters.

User names are kept (`x`, `h`); a re-assigned name gets a suffix (`h_1`); adjoints are `b` +
the primal's name (`bx`), tangents `d` + the name (`dx`); temporaries are `v1`, `v2`, ... in
order of appearance. Nothing depends on ids or hash order, so the same function always gives
byte-identical source.

This module is the one authority on names srcad writes: every name in generated code, in the
flags of a desugared loop, in a wrapper or a derivative's added parameters is chosen here,
fresh against the names the user's code uses; none is a fixed string that a user's variable
could shadow. Where nothing collides the names are the readable ones (`broke`, `bx`, `v1`,
`unbroadcast`); on a collision the name srcad writes gets a suffix (`broke_1`).
"""

import ast
import keyword
import math
import re

from .ir.nodes import walk_eqns
from .rules import RULES

RESERVED = {"np", "math", "tape", "record"}
# builtins generated code calls by name (loops, slices, attribute access by string), and the
# argument check an exported module adds to it
_BUILTINS = {"range", "reversed", "slice", "getattr", "check_size_one_dims"}


LITERAL_TYPES = (bool, int, float, str, type(None), type(Ellipsis))

# The hints srcad gives the values it creates; codegen's Namer makes each name fresh against the
# user's names and the ones written before it (`bx`, or `bx_1` where `bx` is taken).
ADJOINT = "b{}"              # the adjoint of x: bx
TANGENT = "d{}"              # the tangent of x: dx
SEED = "g"                   # the cotangent a vjp takes
RESIDUALS = "res"            # residuals: what a helper's forward half or a branch saves
PULLBACK = "pullback"        # a run-time call's forward half: value, back = pullback(fn, x)
BACK = "back"                # its backward half, kept by the forward sweep: bx = back(g)
PUSHFORWARD = "pushforward"  # a run-time call's jvp: value, dvalue = pushforward(fn, x, dx)
TAPE = "tape"                # the values a loop records for its reverse replay
SCHEDULE = "schedule"        # a checkpointed loop's revolve schedule (srcad/revolve.py)
STATE = "state"              # a checkpointed loop's state of several values, stored at once
SEGMENT = ("start", "stop")  # the bounds of a segment a checkpointed loop runs forward
TAPE_TANGENT = "drecord"     # the tangents of one tape record (forward over reverse)
LOOP_COUNT = "n_iter"        # the trip count of a while loop, for its reverse replay
LOOP_INDEX = "i"             # a loop index srcad adds
CHECKED_SHAPES = "checked_shapes"   # the keys a loop of broadcasting checks has passed for
SHAPE_KEY = "shapes"         # such a key: the shapes and ints the loop reads
BRANCH = "branch"            # which branch of an if/elif chain ran, for its reverse sweep
SUM = "total"                # the running sum of sum(xs) over a list grown at run time
AUX = "aux"                  # what a has_aux function returns beside its value (jaxlike)
VALUE = "value"              # value_and_grad's (value, aux) pair, with has_aux
VALUE, TANGENTS = "value", "tangent"    # a jvp's results, when f returns several


def adjoint(hint):
    """The hint of an adjoint, from its primal's (None for an unnamed primal)."""
    return ADJOINT.format(hint) if hint else None


def tangent(hint):
    """The hint of a tangent, from its primal's (None for an unnamed primal)."""
    return TANGENT.format(hint) if hint else None


def globals_root(module):
    """The name generated code reads a module's globals through: `globals_model`."""
    short = re.sub(r"\W", "_", module.rsplit(".", 1)[-1]).strip("_")
    return f"globals_{short}" if short else "globals_"


def cell_root(name):
    """The name generated code reads a closure variable's cell through: `k_cell`."""
    return f"{name}_cell"


def statement_name(label, line):
    """The name of a statement run as written (srcad/effects.py): `print_line12`."""
    return f"{label}_line{line}"


def function_value_name(fn):
    """The name of a function held as a value in generated code (`tanh`), or None."""
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else None


def classes_name(classes):
    """The name of isinstance's classes in generated code: `int_or_float_classes`."""
    stem = "_or_".join(re.sub(r"\W", "_", c.__name__) for c in classes[:3])
    return f"{stem}_classes" if stem.isidentifier() else "classes"


def helper_part(part, fn):
    """The names of a helper's derivative halves and their residuals: `fwd_layer`,
    `bwd_layer`, `res_layer` (`part` is "fwd", "bwd" or RESIDUALS)."""
    return f"{part}_{fn.__name__}"


def is_literal(x):
    """Whether srcad writes `x` into source as a literal: exactly a plain type (the repr of a
    subclass, a float subclass or an IntEnum member, is the user's text), finite."""
    if type(x) is slice:
        return all(is_literal(p) for p in (x.start, x.stop, x.step))
    return type(x) in LITERAL_TYPES and not (type(x) is float and not math.isfinite(x))


def is_identifier(name):
    return type(name) is str and name.isidentifier() and not keyword.iskeyword(name)


def fresh_name(base, taken):
    """`base`, or `base_1`, `base_2`, ...: the first not in `taken`, which it is added to."""
    name, n = base, 0
    while name in taken or keyword.iskeyword(name):
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def names_in(node):
    """Every identifier an AST mentions: variables, parameters, functions, imports."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            names.update(sub.names)
        elif isinstance(sub, ast.alias):
            names.add((sub.asname or sub.name).split(".")[0])
    return names


def written_names(fn):
    """The global names generated code for the IR function `fn` reads: the modules, the
    builtins, the runtime helpers and implementations its primitives are spelled with."""
    names = set(RESERVED) | _BUILTINS
    for prim in {eqn.prim for eqn in walk_eqns(fn.body)}:
        rule = RULES.get(prim)
        if rule is not None:
            names |= _spelling_names(rule)
    return names


def _spelling_names(rule):
    form, *detail = rule.syntax
    if form in ("runtime", "impl"):
        return {detail[0]}
    texts = [t for t in ([detail[0]] if form in ("call", "template") else []) + [rule.math]
             if isinstance(t, str)]
    names = set()
    for text in texts:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names - set(rule.arg_names)


def function_name(prefix, f):
    """An identifier for a function srcad writes for `f` (`grad_loss`): f's `__name__` may be
    anything (`loss[mse]`, `<lambda>`), and only an identifier srcad made enters source."""
    base = str(getattr(f, "__name__", "f")).replace("<lambda>", "lambda").strip("<>")
    text = "".join(c if ("_" + c).isidentifier() else "_" for c in f"{prefix}_{base}")
    return text if text.isidentifier() and not keyword.iskeyword(text) else f"{prefix}_f"


def added_parameter(base, names):
    """A parameter a derivative adds to f's (`cotangent`, `dx`, hvp's `v`), fresh against
    f's parameter names `names` (a set, which it is added to)."""
    return fresh_name(base, names)


class Namer:
    def __init__(self, taken=()):
        self.names = {}              # Var -> name
        self.used = set(RESERVED) | set(taken)
        self.temp_counter = 0
        self.suffixes = {}           # base -> the first suffix n that `base_n` may be free at

    def fresh(self, base):
        """An unused name derived from `base`."""
        if base is None:
            return self.temp()
        base = base if base.isidentifier() and not keyword.iskeyword(base) else "v"
        if base not in self.used:
            self.used.add(base)
            return base
        n = self.suffixes.get(base, 1)     # names are only ever added: no free one below it
        while f"{base}_{n}" in self.used:
            n += 1
        name = f"{base}_{n}"
        self.used.add(name)
        self.suffixes[base] = n + 1
        return name

    def temp(self):
        while True:
            self.temp_counter += 1
            name = f"v{self.temp_counter}"
            if name not in self.used:
                self.used.add(name)
                return name

    def name(self, var):
        """The name of `var`, choosing one the first time it is seen."""
        if var not in self.names:
            self.names[var] = self.fresh(var.hint)
        return self.names[var]

    def alias(self, var, name):
        """Give `var` an existing name (a loop-carried slot shares one name)."""
        self.names[var] = name

    def has(self, var):
        return var in self.names
