"""Random well-formed NumPy programs for fuzzing srcad: a hypothesis strategy over a grammar.

    program = draw(programs())
    f = program.define()              # the function, its source registered in linecache
    f(*program.args)                  # a scalar: np.sum of the final value

The grammar (shapes in (), (3,), (2,), (2,3), (2,1), (1,3), broadcasting between them):

    module   ::= helper* main
    helper   ::= def hK(p, ...): stmt* return expr
    main     ::= def f(x0, ...): stmt* return np.sum(expr)
    stmt     ::= tK = expr | v = expr | v += expr | v *= expr
               | if scalar > c: stmt* else: stmt* | for i in range(n): stmt*
    expr     ::= name | const | expr (+ - *) expr | expr / positive | expr * (1.0 / positive)
               | -expr | expr ** 2 | expr ** 3
               | positive ** 0.5 | positive ** -1.5 | np.sin/cos/tanh(expr)
               | np.exp(np.sin/tanh(expr)) | 1.0 / (1.0 + np.exp(-expr))
               | np.log/np.sqrt(positive) | np.maximum(expr, expr) | np.abs(expr)
               | np.where(expr > c, expr, expr) | np.sum/np.mean(expr, axis=k[, keepdims=True])
               | expr @ expr | hK(expr, ...)
    positive ::= (1.5 + expr * expr) | (2.0 + np.cos(expr))

Every expression is generated for a target shape and has a shape that broadcasts into it, so
programs never fail on shapes. Values stay bounded (exp of bounded arguments, divisors at least
1, loops of at most 3 steps) and inputs have |x| in [0.5, 1.5].

Non-differentiable points are avoided by measurement, not hope: each program also renders as a
*probe* in which every kink (`maximum`, `abs`, a comparison in `where` or `if`) is a call that
records its distance from the tie, and every assignment records its magnitude; `Program.probe`
runs it, and the fuzzer skips inputs closer to a kink than a finite-difference step tolerates
(exact ties are kept: at random inputs they only arise between identical values, which stay
tied under perturbation) and programs whose values grow past what differences can resolve.

In-place augmented assignment (`v += e` on an array) mutates the array, so the generator only
applies it to variables that own a fresh array (never a parameter or an alias of another name);
otherwise Python's aliasing semantics, not differentiation, would decide the value.
"""

import itertools
import linecache
import math
import os
from dataclasses import dataclass, field

import numpy as np
from fuzz_base import CONSTANTS, INPUT_SHAPES, SHAPES, Text, Var, broadcast, disown, fits
from fuzz_constructs import Constructs
from hypothesis import strategies as st

_COUNTER = itertools.count()
# Productions and checks left out (by name, as in Generator.EXPRESSIONS / STATEMENTS, or
# "invariants", "no_source", "autograd" in test_fuzz) while the fix of what they find is in
# progress; SRCAD_FUZZ_SKIP= (empty) runs everything.
PENDING = {}
SKIPPED = set(filter(None, os.environ.get("SRCAD_FUZZ_SKIP", ",".join(PENDING)).split(",")))
__all__ = ["CONSTANTS", "INPUT_SHAPES", "SHAPES", "SKIPPED", "Program", "Var", "broadcast",
           "fits", "inputs", "programs"]


# Reductions that land in a target shape: (operand shape, keyword text, result shape).
REDUCTIONS = [
    ((3,), "", ()), ((2, 3), "", ()), ((2, 1), "", ()), ((3,), ", axis=0", ()),
    ((2, 3), ", axis=0", (3,)), ((1, 3), ", axis=0", (3,)), ((2, 3), ", axis=1", (2,)),
    ((2, 3), ", axis=-1", (2,)), ((2, 1), ", axis=1", (2,)),
    ((2, 3), ", axis=1, keepdims=True", (2, 1)), ((2, 3), ", axis=0, keepdims=True", (1, 3)),
]
# Matrix products: (left shape, right shape, result shape).
MATMULS = [((3,), (3,), ()), ((2, 3), (3,), (2,)), ((2, 1), (1, 3), (2, 3))]


@dataclass
class Helper:
    name: str
    params: list
    results: list            # one shape, or two for a helper that returns a pair
    source: str
    probe: str
    optional: Var = None     # a parameter with a default (`c=C0`, `c=0.5`), if any

    @property
    def result(self):
        return self.results[0]


@dataclass
class Program:
    """A generated module: helpers, then `f`; `args` are its inputs."""
    source: str
    probe_source: str
    shapes: list
    args: list = field(default_factory=list)
    refs: list = field(default_factory=list)
    features: set = field(default_factory=set)     # "alias": in-place updates of aliases

    def define(self, probe=False, source=True, numpy=np):
        """Exec the module from a linecache-registered file (srcad reads source from there);
        `source=False`: from an unregistered one, so srcad rebuilds it from bytecode (or
        refuses), as for a function typed at a prompt. `numpy`: the module named `np`."""
        text = self.probe_source if probe else self.source
        filename = f"<fuzz {next(_COUNTER)}>"
        if source:
            linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            self.refs.append(filename)
        record = Record()
        namespace = {"np": numpy, "_gap": record.gap, "_mag": record.mag}
        exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - defining it is the point
        return (namespace["f"], record) if probe else namespace["f"]

    def forget(self):
        """Drop this program's linecache entries (a long run makes tens of thousands)."""
        for filename in self.refs:
            linecache.cache.pop(filename, None)
        self.refs.clear()

    def probe(self, args):
        """Run the probe at args: the Record of kink distances and value magnitudes."""
        f, record = self.define(probe=True)
        with np.errstate(all="ignore"):
            f(*[_copy(a) for a in args])
        return record

    def __str__(self):
        shapes = ", ".join(f"x{i}: {s}" for i, s in enumerate(self.shapes))
        return f"{self.source}\n# inputs {shapes}\n# args = {self.args!r}"


def _copy(a):
    return a.copy() if isinstance(a, np.ndarray) else a


class Record:
    """What a probe run saw: the closest approach to a kink and the largest value."""

    def __init__(self):
        self.min_gap = math.inf      # min |a - b| / (1 + |a| + |b|) over kinks with a != b
        self.max_abs = 0.0           # max |v| over every assigned and returned value

    def gap(self, a, b):
        """Note how far a kink's arguments are from their tie; return a - b."""
        diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
        rel = np.abs(diff) / (1.0 + np.abs(a) + np.abs(b))
        rel = rel[rel > 0]
        if rel.size:
            self.min_gap = min(self.min_gap, float(rel.min()))
        return diff

    def mag(self, v):
        self.max_abs = max(self.max_abs, float(np.max(np.abs(v))))
        return v


class Generator(Constructs):
    """Draws statements and expressions; `scope` maps names to their Var."""

    EXPRESSIONS = ["leaf", "binop", "binop", "div", "neg", "pow", "unary", "unary", "exp",
                   "logsqrt", "maximum", "abs", "where", "reduce", "matmul", "call",
                   "index", "index", "ifexp", "numpy_float", "numpy_float", "einsum", "batch",
                   "stack_one", "moments"]
    STATEMENTS = ["temp", "temp", "temp", "reassign", "reassign", "augment", "augment",
                  "ifassign", "swap", "multi", "chain", "unpack", "listgrow", "lambdas",
                  "alias", "fill", "fill", "dicts"]

    def __init__(self, draw, helpers, max_depth=3, temps=None):
        self.draw = draw
        self.helpers = helpers
        self.max_depth = max_depth
        self.lines = []          # (indent, Text)
        self.temps = temps if temps is not None else itertools.count()
        self.shapes = SHAPES
        self.features = set()
        self.skipped = SKIPPED

    # ----- expressions ---------------------------------------------------------------------

    def expr(self, scope, target, depth=0):
        """(Text, shape) of an expression whose shape broadcasts into target."""
        leaf_only = depth >= self.max_depth
        kinds = ["leaf"] if leaf_only else [k for k in self.EXPRESSIONS if k not in SKIPPED]
        kind = self.draw(st.sampled_from(kinds))
        made = getattr(self, "_" + kind)(scope, tuple(target), depth + 1)
        return made if made is not None else self._leaf(scope, tuple(target), depth + 1)

    def exact(self, scope, shape, depth):
        """An expression of exactly this shape (broadcast up where the draw came out smaller)."""
        text, got = self.expr(scope, shape, depth)
        if got == tuple(shape):
            return text
        return text.map("np.broadcast_to({}, " + repr(tuple(shape)) + ")", fresh=False)

    def _leaf(self, scope, target, depth):
        names = [v for v in scope if fits(v.shape, target)]
        others = [v for v in scope if not v.name.startswith("i") and v not in names]
        if not names and others and self.draw(st.integers(0, 2)) > 0:
            # no name fits: keep the expression a function of the inputs all the same
            return Text(f"np.mean({self.draw(st.sampled_from(others)).name})"), ()
        use_const = not names or self.draw(st.integers(0, 4)) == 0
        if use_const:
            return Text(self.draw(st.sampled_from(CONSTANTS))), ()
        var = self.draw(st.sampled_from(names))
        if var.name.startswith("i"):    # a loop index: an int, kept out of in-place float arrays
            return Text(f"({var.name} + 0.5)"), ()
        return Text(var.name, fresh=False), var.shape

    def _binop(self, scope, target, depth):
        op = self.draw(st.sampled_from(["+", "-", "*"]))
        a, sa = self.expr(scope, target, depth)
        b, sb = self.expr(scope, target, depth)
        return a.map("({} " + op + " {})", b), broadcast(sa, sb)

    def positive(self, scope, target, depth):
        """A divisor / log / sqrt argument that is at least 1 everywhere."""
        a, sa = self.expr(scope, target, depth)
        form = self.draw(st.sampled_from(["(1.5 + {0} * {0})", "(2.0 + np.cos({0}))"]))
        return a.map(form), sa

    def _div(self, scope, target, depth):
        a, sa = self.expr(scope, target, depth)
        b, sb = self.positive(scope, target, depth)
        form = self.draw(st.sampled_from(["({} / {})", "({} * (1.0 / {}))"]))
        return a.map(form, b), broadcast(sa, sb)

    def _neg(self, scope, target, depth):
        a, sa = self.expr(scope, target, depth)
        return a.map("(-{})"), sa

    def _pow(self, scope, target, depth):
        form = self.draw(st.sampled_from(["({} ** 2)", "({} ** 3)", "({} ** 0.5)", "({} ** -1.5)"]))
        make = self.expr if form in ("({} ** 2)", "({} ** 3)") else self.positive
        a, sa = make(scope, target, depth)
        return a.map(form), sa

    def _unary(self, scope, target, depth):
        fn = self.draw(st.sampled_from(["np.sin", "np.cos", "np.tanh"]))
        a, sa = self.expr(scope, target, depth)
        return a.map(fn + "({})"), sa

    def _exp(self, scope, target, depth):
        form = self.draw(st.sampled_from(["np.exp(np.sin({}))", "np.exp(np.tanh({}))",
                                          "(1.0 / (1.0 + np.exp(-{})))"]))
        a, sa = self.expr(scope, target, depth)
        return a.map(form), sa

    def _logsqrt(self, scope, target, depth):
        fn = self.draw(st.sampled_from(["np.log", "np.sqrt"]))
        a, sa = self.positive(scope, target, depth)
        return a.map(fn + "({})"), sa

    def _maximum(self, scope, target, depth):
        a, sa = self.expr(scope, target, depth)
        b, sb = self.expr(scope, target, depth)
        if a.plain == b.plain:          # a tie everywhere: move it, so the kink is reachable
            b = b.map("({} - 0.5)")
        return (a.map("np.maximum({}, {})", b,
                      probe_fmt="np.maximum({0}, {1} + 0 * _gap({0}, {1}))"),
                broadcast(sa, sb))

    def _abs(self, scope, target, depth):
        a, sa = self.expr(scope, target, depth)
        return a.map("np.abs({})", probe_fmt="np.abs({0} + 0 * _gap({0}, 0.0))"), sa

    def _where(self, scope, target, depth):
        c, sc = self.expr(scope, target, depth)
        k = Text(self.draw(st.sampled_from(CONSTANTS)))
        a, sa = self.expr(scope, target, depth)
        b, sb = self.expr(scope, target, depth)
        text = c.map("np.where({} > {}, {}, {})", k, a, b,
                     probe_fmt="np.where(_gap({0}, {1}) > 0, {2}, {3})")
        return text, broadcast(broadcast(sc, sa), sb)

    def _reduce(self, scope, target, depth):
        options = [r for r in REDUCTIONS if fits(r[2], target)]
        operand, keywords, result = self.draw(st.sampled_from(options))
        fn = self.draw(st.sampled_from(["np.sum", "np.mean"]))
        a = self.exact(scope, operand, depth)
        return a.map(fn + "({}" + keywords + ")"), result

    def _matmul(self, scope, target, depth):
        options = [m for m in MATMULS if fits(m[2], target)]
        if not options:
            return None
        left, right, result = self.draw(st.sampled_from(options))
        a = self.exact(scope, left, depth)
        b = self.exact(scope, right, depth)
        return a.map("({} @ {})", b), result

    def _call(self, scope, target, depth):
        options = [h for h in self.helpers if len(h.results) == 1 and fits(h.result, target)]
        if not options:
            return None
        helper = self.draw(st.sampled_from(options))
        return self.helper_call(scope, helper, depth), helper.result

    def helper_call(self, scope, helper, depth):
        """`hK(args)`: the optional parameter omitted, passed by position or by keyword."""
        args = [self.exact(scope, p.shape, depth) for p in helper.params]
        if helper.optional is not None:
            how = self.draw(st.sampled_from(["omit", "position", "keyword"]))
            if how != "omit":
                value = self.exact(scope, (), depth)
                args.append(value.map("c={}") if how == "keyword" else value)
        plain = f"{helper.name}({', '.join(a.plain for a in args)})"
        probe = f"{helper.name}({', '.join(a.probe for a in args)})"
        return Text(plain, probe, fresh=False)      # a helper may return its parameter

    # ----- statements ----------------------------------------------------------------------

    def emit(self, indent, text):
        self.lines.append((indent, text))

    def assign(self, indent, name, op, text):
        """`name op text`; the probe also records the magnitude of the new value."""
        self.emit(indent, text.map(f"{name} {op} {{}}"))
        self.emit(indent, Text(None, f"_mag({name})"))

    def block(self, scope, indent, n_min, n_max, nesting):
        """Statements; returns the scope after them (same names as before plus new temps)."""
        count = self.draw(st.integers(n_min, n_max))
        for _ in range(count):
            scope = self.statement(scope, indent, nesting)
        return scope

    def statement(self, scope, indent, nesting):
        kinds = [k for k in self.STATEMENTS if k not in SKIPPED]
        if nesting < 2:
            kinds += ["if", "for", "if", "for"]
        kind = self.draw(st.sampled_from(kinds))
        return getattr(self, "_s_" + kind)(scope, indent, nesting)

    def _s_temp(self, scope, indent, nesting):
        shape = self.draw(st.sampled_from(SHAPES))
        text, got = self.expr(scope, shape, 0)
        name = f"t{next(self.temps)}"
        self.assign(indent, name, "=", text)
        return disown(scope, text) + [Var(name, got, got != () and text.fresh)]

    def _s_reassign(self, scope, indent, nesting):
        names = [v for v in scope if not v.name.startswith("i")]    # loop indices stay ints
        if not names:
            return self._s_temp(scope, indent, nesting)
        var = self.draw(st.sampled_from(names))
        text = self.exact(scope, var.shape, 0)
        self.assign(indent, var.name, "=", text)
        owned = var.shape != () and text.fresh
        return [Var(v.name, v.shape, owned) if v.name == var.name else v
                for v in disown(scope, text)]

    def _s_augment(self, scope, indent, nesting):
        # In place on an array only where the variable owns its array (see module docstring).
        candidates = [v for v in scope if (v.owned or v.shape == ()) and not v.name.startswith("i")]
        if not candidates:
            return self._s_temp(scope, indent, nesting)
        var = self.draw(st.sampled_from(candidates))
        op = self.draw(st.sampled_from(["+=", "-=", "*="]))
        text, _ = self.expr(scope, var.shape, 1)
        if op == "*=":
            text = text.map("np.tanh({})")
        self.assign(indent, var.name, op, text)
        return scope

    def _s_if(self, scope, indent, nesting):
        cond, _ = self.expr(scope, (), 1)
        k = Text(self.draw(st.sampled_from(CONSTANTS)))
        self.emit(indent, cond.map("if {} > {}:", k, probe_fmt="if _gap({0}, {1}) > 0:"))
        after_then = self.branch(scope, indent + 1, nesting + 1)
        self.emit(indent, Text("else:"))
        after_else = self.branch(scope, indent + 1, nesting + 1)
        owned = {v.name for v in after_then if v.owned} & {v.name for v in after_else if v.owned}
        return [Var(v.name, v.shape, v.name in owned) for v in scope]

    def branch(self, scope, indent, nesting):
        """A block whose new temporaries are not used after it (they may not exist there)."""
        after = self.block(scope, indent, 1, 3, nesting)
        names = {v.name for v in scope}
        return [v for v in after if v.name in names]

    def _s_for(self, scope, indent, nesting):
        steps = self.draw(st.integers(1, 3))
        index = f"i{nesting}"
        self.emit(indent, Text(f"for {index} in range({steps}):"))
        # An alias made late in one iteration is live early in the next, so the body starts
        # owning nothing; what it assigns fresh, it owns at its end, and so after the loop.
        inner = [Var(v.name, v.shape) for v in scope] + [Var(index, ())]
        after = self.branch(inner, indent + 1, nesting + 1)
        return [v for v in after if v.name != index]

    def render(self, probe=False):
        texts = ((indent, t.probe if probe else t.plain) for indent, t in self.lines)
        return "".join("    " * indent + text + "\n" for indent, text in texts if text is not None)


def _helper(draw, index, helpers, temps):
    """A helper of 1-2 parameters, built from the earlier helpers; it may have a parameter
    with a default (a literal, or a module global rebound after the def: the default is the
    value when `def` ran) and may return a pair. Returns the Helper and module-level lines
    to write before and after it."""
    n = draw(st.integers(1, 2))
    params = [Var(f"a{i}", draw(st.sampled_from(INPUT_SHAPES))) for i in range(n)]
    default = draw(st.sampled_from([None, None, "literal", "global"]))
    if default == "global" and "default_global" in SKIPPED:
        default = "literal"
    optional = Var("c", ()) if default else None
    gen = Generator(draw, helpers, max_depth=2, temps=temps)
    scope = gen.block(list(params) + ([optional] if optional else []), 1, 0, 3, 1)
    if draw(st.integers(0, 3)) == 0:
        results = [draw(st.sampled_from(SHAPES)), draw(st.sampled_from(SHAPES))]
        texts = [gen.exact(scope, shape, 0) for shape in results]
        plain = ", ".join(t.plain for t in texts)
        probe = ", ".join(f"_mag({t.probe})" for t in texts)
    else:
        result, shape = gen.expr(scope, draw(st.sampled_from(SHAPES)), 0)
        results, plain, probe = [shape], result.plain, f"_mag({result.probe})"
    name, before, after = f"h{index}", "", ""
    names = [p.name for p in params]
    if default == "literal":
        names.append(f"c={draw(st.sampled_from(CONSTANTS))}")
    elif default == "global":
        first, later = draw(st.sampled_from(CONSTANTS)), draw(st.sampled_from(CONSTANTS))
        names.append(f"c=C{index}")
        before, after = f"C{index} = {first}\n", f"C{index} = {later}\n"
    head = f"def {name}({', '.join(names)}):\n"
    helper = Helper(name, params, results, head + gen.render() + f"    return {plain}\n",
                    head + gen.render(probe=True) + f"    return {probe}\n", optional)
    return helper, before, after, gen.features


@st.composite
def programs(draw, max_helpers=2, max_statements=6):
    """A Program: helpers, then `f(x0, ...)` returning np.sum of its final expression."""
    helpers, texts, probes, features = [], [], [], set()
    temps = itertools.count()
    for index in range(draw(st.integers(0, max_helpers))):
        helper, before, after, used = _helper(draw, index, helpers, temps)
        helpers.append(helper)
        texts.append(before + helper.source + after + "\n\n")
        probes.append(before + helper.probe + after + "\n\n")
        features |= used
    shapes = [draw(st.sampled_from(INPUT_SHAPES)) for _ in range(draw(st.integers(1, 3)))]
    params = [Var(f"x{i}", s) for i, s in enumerate(shapes)]
    gen = Generator(draw, helpers, temps=temps)
    scope = gen.block(list(params), 1, 0, max_statements, 0)
    result, _ = gen.expr(scope, draw(st.sampled_from(SHAPES)), 0)
    head = f"def f({', '.join(p.name for p in params)}):\n"
    source = ("".join(texts) + head + gen.render() + f"    return np.sum({result.plain})\n")
    probe = ("".join(probes) + head + gen.render(probe=True)
             + f"    return np.sum(_mag({result.probe}))\n")
    program = Program(source, probe, shapes, features=features | gen.features)
    seed = draw(st.integers(0, 2 ** 32 - 1))
    program.args = inputs(shapes, np.random.default_rng(seed))
    return program


def inputs(shapes, rng):
    """Inputs with |x| in [0.5, 1.5] and random signs: Python floats for shape ()."""
    args = []
    for shape in shapes:
        values = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        args.append(float(values) if shape == () else values)
    return args
