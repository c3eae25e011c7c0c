"""Evaluation-trace tables: the forward primal, forward tangent and reverse adjoint traces of
the AD literature, with the numbers filled in.

    >>> t = srcad.trace(f, 2.0, 5.0)          # f(x1, x2) = ln x1 + x1 x2 - sin x2
    >>> print(t)
    Forward primal trace
      v-1 = x1               =  2.000
      v0  = x2               =  5.000
      v1  = log(v-1)         =  0.693
      ...

The tables are built on the IR (`srcad.lower(f, *args)`): each equation is run with its
rule's NumPy implementation, its tangent is the sum of the rule's jvp entries and each adjoint
contribution is the rule's vjp entry, emitted on a scratch builder, printed as a formula and
run with the reference interpreter. The formulas are therefore exactly what forward and
reverse mode generate, and the numbers are those the generated code computes.

Control flow is shown flattened: the trace is that of the path the arguments execute (the
taken branch, every loop iteration unrolled), as in the literature's figures.
"""

import inspect
from typing import Any
from dataclasses import dataclass

import numpy as np

from ..ir import nodes as ir
from ..api import lower
from ..ir.builder import Builder, Sym
from ..ir.facts import Facts
from ..errors import NonDifferentiableError, SrcadError
from ..ir.nodes import Block, Const, Eqn, For, Function, If, TraceNames, Var
from ..rules import RULES, ZERO
from ..frontend.signature import Fn, Wrt, normalise_wrt
from .trace_format import (barred, dotted, format_expr, format_value, html_table, markdown_table,
                           paren, rule_formula, shorten, text_table)



@dataclass
class Row:
    """One line of a trace table: `name = definition = value`."""

    name: str
    definition: str
    value: object


@dataclass
class Table:
    """One trace: a title and its rows."""

    title: str
    rows: list

    def __str__(self):
        return text_table(self, 3)

    def __repr__(self):
        return str(self)


class Trace:
    """The three trace tables of f at one point, and the numbers they end in.

    `value` is f(*args); `tangent_out` the directional derivative along the seed;
    `gradient` the adjoints of the wrt inputs (a tuple, one per wrt entry); `values`, `tangents`
    and `adjoints` map each row name ("v3", "v̇3", "v̄3") to its value.
    """

    def __init__(self, tables, value, tangent_out, gradient, digits):
        self.primal, self.tangent, self.adjoint = tables
        self.value = value
        self.tangent_out = tangent_out
        self.gradient = gradient
        self.digits = digits
        self.values = {r.name: r.value for r in self.primal.rows}
        self.tangents = {r.name: r.value for r in self.tangent.rows}
        self.adjoints = {r.name: r.value for r in self.adjoint.rows}

    @property
    def tables(self):
        return (self.primal, self.tangent, self.adjoint)

    def __str__(self):
        return "\n\n".join(text_table(t, self.digits) for t in self.tables)

    def to_markdown(self):
        """The tables as GitHub-flavoured Markdown."""
        return "\n\n".join(markdown_table(t, self.digits) for t in self.tables) + "\n"

    def to_html(self):
        """The tables as an HTML fragment (one <table> per trace)."""
        return "\n".join(html_table(t, self.digits) for t in self.tables) + "\n"

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        return self.to_html()

    def _repr_markdown_(self):
        return self.to_markdown()


def trace(f: Fn, *args: Any, wrt: Wrt | None = None, seed: Any = None, cotangent: Any = None,
          digits: int = 3, max_rows: int = 500) -> Trace:
    """The evaluation trace tables of `f` at `args`.

    `wrt` (an index, a name or a tuple of those) picks the independent inputs; by default
    every parameter whose argument is a float or a float array (integers are counts and
    flags), or every numeric one when all are integers (`trace(f, 2, 5)`). `seed` gives the tangent
    of each wrt input (a tuple, one per entry; a single value for one entry); by default the
    unit seed on the first wrt input (for an array, the unit vector along its first element),
    so the tangent trace ends in d f / d first input. `cotangent` is the output's adjoint
    (default 1, or ones for an array output). `digits` is the number of decimals shown.
    """
    args = _bind(f, args)
    names = list(inspect.signature(f).parameters)
    indices = _wrt_indices(f, wrt, args, names)
    args = tuple(_as_float(a) if i in indices else a for i, a in enumerate(args))
    fn = lower(f, *args)
    flat = Flat(fn, args, max_rows)
    varied = flat.varied([fn.params[i] for i in indices])
    seeds = _seeds(seed, [args[i] for i in indices], [names[i] for i in indices])
    names_of = TraceNames(fn)
    for eqn in flat.eqns:
        for out in eqn.outs:
            names_of(out)
    primal = _primal_table(fn, flat, names_of)
    tangent, tangent_out = _tangent_table(fn, flat, varied, indices, seeds, names_of)
    adjoint, gradient = _adjoint_table(fn, flat, varied, indices, cotangent, names_of)
    return Trace((primal, tangent, adjoint), flat.value(flat.result), tangent_out, gradient,
                 digits)


def _bind(f, args):
    """All positional arguments of f, defaults filled in."""
    try:
        bound = inspect.signature(f).bind(*args)
    except TypeError as err:
        raise TypeError(f"srcad.trace({getattr(f, '__name__', 'f')}, ...): {err}") from None
    bound.apply_defaults()
    return tuple(bound.arguments.values())


def _wrt_indices(f, wrt, args, names):
    if wrt is not None:
        return normalise_wrt(wrt, names, f)[0]
    indices = tuple(i for i, a in enumerate(args) if _is_float(a)) or \
        tuple(i for i, a in enumerate(args) if _is_numeric(a))
    if not indices:
        raise ValueError(f"srcad.trace: no argument of {getattr(f, '__name__', 'f')} is a "
                         "number or a numeric array; name the inputs with wrt=")
    return indices


def _is_float(value):
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


def _is_numeric(value):
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.number)):
        return True
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.number)


def _as_float(value):
    """A wrt input as floats: ints have no tangents of their own."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
        return value.astype(float)
    return value


def _seeds(seed, inputs, names):
    """One tangent per wrt input, each shaped like its input."""
    if seed is None:
        return [_unit(x) if k == 0 else _zero(x) for k, x in enumerate(inputs)]
    seeds = list(seed) if isinstance(seed, (tuple, list)) and len(inputs) > 1 else [seed]
    if len(seeds) != len(inputs):
        raise ValueError(f"srcad.trace: seed has {len(seeds)} entries, expected one per wrt "
                         f"input ({', '.join(names)})")
    out = []
    for name, x, s in zip(names, inputs, seeds):
        if np.shape(s) != np.shape(x):
            raise ValueError(f"srcad.trace: the seed for {name} has shape {np.shape(s)}, "
                             f"expected {np.shape(x)}")
        out.append(np.asarray(s, dtype=float) if np.ndim(x) else float(s))
    return out


def _unit(x):
    if np.ndim(x) == 0:
        return 1.0
    e = np.zeros(np.shape(x))
    e.flat[0] = 1.0
    return e


def _zero(x):
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0


# ----- flattening: the executed path as straight-line equations --------------------------------
class Flat:
    """The equations f executes at `args`, control flow unrolled, with their values.

    Each executed equation gets fresh output vars, so a loop body run three times gives three
    rows; a loop index becomes the constant it had in that iteration; a call of a helper
    function shows the helper's rows.
    """

    def __init__(self, fn, args, max_rows):
        self.fn = fn
        self.max_rows = max_rows
        self.eqns = []
        self.values = dict(zip(fn.params, args))
        self.facts = Facts()         # a helper call's out has its result's shape (ir/facts.py)
        env = {p: p for p in fn.params}
        results = self.block(fn.body, env)
        if len(results) != 1 or isinstance(self.value(results[0]), (list, tuple, dict)):
            raise SrcadError(f"the trace tables show a function with one number or array as "
                             f"output; {fn.name} returns {len(results)} values or a container "
                             "(trace one output at a time)", filename=fn.filename,
                             line=fn.line, construct="return")
        self.result = results[0]

    def value(self, atom):
        return self.values[atom] if isinstance(atom, Var) else atom.value

    def block(self, block, env):
        for stmt in block.stmts:
            if isinstance(stmt, Eqn):
                self.eqn(stmt, env)
            elif isinstance(stmt, If):
                branch = stmt.then if self.value(_look(stmt.cond, env)) else stmt.orelse
                env.update(zip(stmt.outs, self.block(branch, env)))
            else:
                env.update(zip(stmt.outs, self.loop(stmt, env)))
        return [_look(a, env) for a in block.results]

    def eqn(self, stmt, env):
        if len(self.eqns) >= self.max_rows:
            raise SrcadError(f"the executed trace has more than {self.max_rows} operations; "
                             "pass max_rows= to show a longer one", filename=self.fn.filename,
                             line=stmt.line, construct=stmt.prim)
        args = tuple(_look(a, env) for a in stmt.args)
        if stmt.prim == "call" and isinstance(args[0], Const):
            results = self.call(args[0].value, args[1:])
            for out, result in zip(stmt.outs, results):
                if isinstance(result, Var) and self.facts.shape_source(out) is None:
                    self.facts.same_shape(out, result)   # one value: rules see equal shapes
            env.update(zip(stmt.outs, results))
            return
        result = RULES[stmt.prim].impl(*[self.value(a) for a in args])
        results = (result,) if len(stmt.outs) == 1 else tuple(result)
        shaped = self.facts.shape_source
        outs = tuple(o if o not in self.values else Var(o.hint, o.kind, shaped(o) or o)
                     for o in stmt.outs)
        self.values.update(zip(outs, results))
        env.update(zip(stmt.outs, outs))
        self.eqns.append(Eqn(outs, stmt.prim, args, stmt.line))

    def call(self, callee, args):
        """A helper function's rows, in line: its body lowered for these arguments."""
        inner = lower(callee, *[self.value(a) for a in args])
        return self.block(inner.body, dict(zip(inner.params, args)))

    def loop(self, stmt, env):
        carried = [_look(a, env) for a in stmt.carry_init]
        if isinstance(stmt, For):
            bounds = [self.value(_look(a, env)) for a in (stmt.start, stmt.stop, stmt.step)]
            indices = range(*bounds)
            for i in (reversed(indices) if stmt.reverse else indices):
                env.update(zip(stmt.carry_params, carried))
                env[stmt.index] = Const(i)
                carried = self.block(stmt.body, env)
            return carried
        while True:
            env.update(zip(stmt.carry_params, carried))
            if not self.value(self.block(stmt.cond, env)[0]):
                return carried
            carried = self.block(stmt.body, env)

    def varied(self, wrt_params):
        """Vars that depend differentiably on the wrt inputs (as in srcad.analysis.activity)."""
        varied = set(wrt_params)
        for eqn in self.eqns:
            rule = RULES[eqn.prim]
            if any(isinstance(a, Var) and a in varied and rule.jvp_rule(i) is not ZERO
                   for i, a in enumerate(eqn.args)):
                varied.update(eqn.outs)
        return varied

    def refuse(self, eqn, what):
        raise NonDifferentiableError(
            f"{eqn.prim} is not differentiable with respect to {what}; the trace tables need "
            "a derivative at every row", filename=self.fn.filename, line=eqn.line,
            construct=eqn.prim)


def _look(atom, env):
    return env[atom] if isinstance(atom, Var) else atom


# ----- the three tables --------------------------------------------------------------------------
def _primal_table(fn, flat, names):
    rows = [Row(names(p), _hint(p, k, fn), flat.value(p)) for k, p in enumerate(fn.params)]
    for eqn in flat.eqns:
        lhs = ", ".join(names(o) for o in eqn.outs)
        rhs = format_expr(eqn.outs[0], {eqn.outs[0]: eqn}, _labels(eqn, flat, names))[0]
        value = flat.value(eqn.out) if len(eqn.outs) == 1 else \
            tuple(flat.value(o) for o in eqn.outs)
        rows.append(Row(lhs, rhs, value))
    rows.append(Row("y", names(flat.result), flat.value(flat.result)))
    return Table("Forward primal trace", rows)


def _hint(param, k, fn):
    names = fn.param_names or ()
    return param.hint or (names[k] if k < len(names) else f"x{k + 1}")


def _tangent_table(fn, flat, varied, indices, seeds, names):
    tan = {}
    rows = []
    for k, p in enumerate(fn.params):
        if k in indices:
            tan[p] = seeds[indices.index(k)]
            rows.append(Row(dotted(names(p)), dotted(_hint(p, k, fn)), tan[p]))
        else:
            rows.append(Row(dotted(names(p)), "0", 0.0))
    for eqn in flat.eqns:
        rows.append(_tangent_row(eqn, flat, varied, tan, names))
    out = tan.get(flat.result, 0.0) if isinstance(flat.result, Var) else 0.0
    rows.append(Row(dotted("y"), _tangent_name(flat.result, tan, names), out))
    seed_text = ", ".join(f"{dotted(_hint(fn.params[i], i, fn))} = {shorten(s)}"
                          for i, s in zip(indices, seeds))
    return Table(f"Forward tangent trace (seed {seed_text})", rows), out


def _tangent_name(atom, tan, names):
    return dotted(names(atom)) if isinstance(atom, Var) and atom in tan else "0"


def _tangent_row(eqn, flat, varied, tan, names):
    """v̇ = sum_i jvp_i(v̇_i, v, *args) over the varied arguments, as a formula and a value."""
    lhs = dotted(names(eqn.outs[0]))
    if not any(o in varied for o in eqn.outs):
        return Row(lhs, "0", 0.0)
    if len(eqn.outs) != 1:
        flat.refuse(eqn, "a multi-output operation")
    _refuse_container(eqn, flat)
    rule = RULES[eqn.prim]
    b = Builder(eqn.line, facts=flat.facts)
    args = [Sym(b, a) for a in eqn.args]
    labels, env = _labels(eqn, flat, names), _env(eqn, flat)
    total = None
    for i, arg in enumerate(eqn.args):
        if not (isinstance(arg, Var) and arg in tan) or rule.jvp_rule(i) is ZERO:
            continue
        jvp = rule.jvp_rule(i)
        if jvp is None:
            flat.refuse(eqn, f"argument {i + 1}")
        dx = Var(None, arg.kind, arg)
        labels[dx], env[dx] = dotted(names(arg)), tan[arg]
        term = jvp(Sym(b, dx), Sym(b, eqn.out), *args)
        if term is None or term is ZERO:
            flat.refuse(eqn, f"argument {i + 1}")
        term = term if isinstance(term, Sym) else b.sym(term)
        total = term if total is None else total + term
    if total is None:
        return Row(lhs, "0", 0.0)
    atom = total.atom if isinstance(total, Sym) else total
    tan[eqn.out] = _run(b, atom, env)
    return Row(lhs, rule_formula(atom, b, labels)[0], tan[eqn.out])


def _adjoint_table(fn, flat, varied, indices, cotangent, names):
    result = flat.result
    y_bar = _default_cotangent(flat.value(result)) if cotangent is None else cotangent
    rows = [Row(barred(names(result)), barred("y"), y_bar)]
    adj = {result: y_bar} if isinstance(result, Var) and result in varied else {}
    for eqn in reversed(flat.eqns):
        if len(eqn.outs) == 1 and eqn.out in adj:
            rows += _adjoint_rows(eqn, flat, varied, adj, names)
    gradient = []
    for i in indices:
        p = fn.params[i]
        g = adj.get(p, _zero(flat.value(p)))
        gradient.append(g)
        rows.append(Row(barred(_hint(p, i, fn)), barred(names(p)) if p in adj else "0", g))
    title = f"Reverse adjoint trace ({barred('y')} = {shorten(y_bar)})"
    return Table(title, rows), tuple(gradient)


def _default_cotangent(value):
    return np.ones_like(value, dtype=float) if np.ndim(value) else 1.0


def _adjoint_rows(eqn, flat, varied, adj, names):
    """One row per contribution v̄_i += vjp_i(v̄, v, *args), the first one assigning."""
    _refuse_container(eqn, flat)
    rule = RULES[eqn.prim]
    rows = []
    for i, arg in enumerate(eqn.args):
        if not (isinstance(arg, Var) and arg in varied) or rule.vjp_rule(i) is ZERO:
            continue
        vjp = rule.vjp_rule(i)
        if vjp is None:
            flat.refuse(eqn, f"argument {i + 1}")
        b = Builder(eqn.line, facts=flat.facts)
        labels, env = _labels(eqn, flat, names), _env(eqn, flat)
        g = Var(None, eqn.out.kind, eqn.out)
        labels[g], env[g] = barred(names(eqn.out)), adj[eqn.out]
        term = vjp(Sym(b, g), Sym(b, eqn.out), *[Sym(b, a) for a in eqn.args])
        atom = term.atom if isinstance(term, Sym) else term
        contribution = _run(b, atom, env)
        formula = rule_formula(atom, b, labels)
        if arg in adj:
            formula = (f"{barred(names(arg))} + {paren(formula, 3)}", 2)
            adj[arg] = adj[arg] + contribution
        else:
            adj[arg] = contribution
        rows.append(Row(barred(names(arg)), formula[0], adj[arg]))
    return rows


def _refuse_container(eqn, flat):
    for atom in eqn.outs + eqn.args:
        if isinstance(atom, Var) and isinstance(flat.value(atom), (list, tuple, dict)):
            raise SrcadError(
                f"the trace tables cover scalar and array code, but a differentiated value "
                f"here is a {type(flat.value(atom)).__name__} ({eqn.prim}); use srcad.grad "
                "and srcad.source for code with containers",
                filename=flat.fn.filename, line=eqn.line, construct=eqn.prim)


def _labels(eqn, flat, names):
    return {a: names(a) for a in eqn.args + eqn.outs if isinstance(a, Var)}


def _env(eqn, flat):
    return {a: flat.value(a) for a in eqn.args + eqn.outs if isinstance(a, Var)}


def _run(builder, atom, env):
    """The value of `atom` after running the builder's equations on `env`."""
    params = tuple(env)
    scratch = Function("rule", params, Block(builder.stmts, (atom,)))
    return ir.evaluate(scratch, *(env[p] for p in params))


def render_graph(f, path, *args):
    """Draw the computational graph of f (a function or an IR Function) to `path`.

    `.dot`/`.gv` writes the Graphviz text; other suffixes (`.svg`, `.png`, `.pdf`) are
    rendered with the `graphviz` Python package when it is installed, else with Graphviz's
    `dot` program when it is on PATH. Returns the path written.
    """
    fn = f if isinstance(f, Function) else lower(f, *args)
    text = fn.to_dot()
    path = str(path)
    fmt = path.rsplit(".", 1)[-1].lower() if "." in path else "svg"
    if fmt in ("dot", "gv"):
        with open(path, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        return path
    try:
        import graphviz
    except ImportError:
        return _render_with_dot(text, path, fmt)
    try:
        graphviz.Source(text).render(outfile=path, format=fmt, cleanup=True)
    except graphviz.ExecutableNotFound:
        raise ImportError(_NO_DOT) from None
    return path


_NO_DOT = ("rendering a graph needs Graphviz's `dot` program on PATH (the graphviz Python "
           "package, pip install 'srcad[graph]', calls it too); a .dot path writes the "
           "Graphviz text without either")


def _render_with_dot(text, path, fmt):
    import shutil
    import subprocess
    program = shutil.which("dot")
    if program is None:
        raise ImportError(_NO_DOT)
    subprocess.run([program, f"-T{fmt}", "-o", path], input=text.encode(), check=True)
    return path


__all__ = ["Row", "Table", "Trace", "format_value", "render_graph", "trace"]
