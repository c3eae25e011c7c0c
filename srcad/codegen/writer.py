"""IR -> Python source -> code object.

Each statement becomes one line of ordinary Python; expressions are built as `ast` nodes
(srcad/codegen/spelling.py) and printed with `ast.unparse`, so precedence and parentheses are always
right. What is inlined and which lines one pattern says is decided on the IR
(srcad/codegen/plan.py); the writer here prints and chooses the names. Runs of statements that
come from one source line are headed by a `# line N: <source>` comment: the source map. The
source is registered in `linecache` under its own file name (srcad/codegen/compiled.py), so
tracebacks and pdb show the generated lines.
"""

import ast
import math

import numpy as np

from . import layout
from .plan import Plan
from .in_place_arithmetic import ARITHMETIC_INTO, arithmetic_in_place, arithmetic_lines
from .compiled import Generated, register_source, release_with
from .hoisting import hoist_math_lookups
from .release import release_dead_arrays
from ..ir.nodes import Eqn, For, If, Var, sub_blocks, walk_eqns
from ..naming import Namer, written_names
from ..rules import RULES
from ..rules.writes import WRITES
from .spelling import BINOPS, Spelling

_BOOKKEEPING = ("tape_push", "tape_pop")


def compile_function(fn, name, comments=True):
    """Generate, compile and return `Generated` for the IR function `fn`."""
    fn = arithmetic_in_place(fn)
    writer = Writer(fn, comments)
    source = release_dead_arrays(writer.function_source(name), writer.namer.names)
    source = hoist_math_lookups(source, writer.namer)
    filename = register_source(source, fn.filename, name)
    namespace = writer.namespace
    exec(compile(source, filename, "exec"), namespace)
    release_with(namespace[name].__code__, filename)
    return Generated(source, namespace[name], namespace, filename,
                     tuple(p.kind for p in fn.params))


class Writer:
    """Prints an IR function as Python source, one line per statement, consulting its
    `Plan` (srcad/codegen/plan.py) for what to inline and which lines one pattern says, and its
    `Spelling` (srcad/codegen/spelling.py) for each equation's expression."""

    def __init__(self, fn, comments=True):
        self.fn = fn
        self.comments = comments
        self.namer = Namer(taken=written_names(fn))     # no user name shadows them
        self.namespace = {"np": np, "math": math}
        self.last_line = None
        self.plan = Plan(fn)
        self.spelling = Spelling(self.expr, self.namer, self.namespace, self.plan,
                                 fn.numpy_only)
        self.pending = {}            # single-use temporaries, inlined at their one use
        self.depths = {}             # id(pending expression) -> (expression, its depth)
        self.skip = self.plan.index_definitions()   # and equations a `for x in seq:` header
                                                     # or an unpacking already says
        self.entering = {}    # the next block is a loop's body: its carry params -> results
        self.last_if = None   # (header line, number of lines) of the last `if` printed

    # ----- function --------------------------------------------------------------------------
    def function_source(self, name):
        self.namer.used.add(name)
        params = [self.namer.name(p) for p in self.fn.params]
        body = self.block_lines(self.fn.body.stmts, 1, self.fn.body.results, returning=True)
        results = [ast.unparse(self.expr(a)) for a in self.fn.body.results]
        body.append("    return " + ", ".join(results))
        header = f"def {name}({', '.join(params)}):"
        return "\n".join([header] + body) + "\n"

    def block_lines(self, stmts, depth, tail=(), assign_to=None, returning=False):
        """Lines for `stmts`; with `assign_to`, also the assignments of the block's results
        (`tail`) to those names, while single-use temporaries can still be inlined there;
        `returning`: the function's body, whose results the return statement inlines."""
        saved, self.pending = self.pending, {}
        owned, self.entering = self.entering, {}
        inlinable = self.plan.inlinable(stmts, tail)
        lines = []
        for k, stmt in enumerate(stmts):
            if id(stmt) in self.skip:
                continue
            if isinstance(stmt, Eqn) and stmt.outs[0] in inlinable:
                value = self.spelling.call(stmt)
                nesting = layout.depth(value, self.depths)
                if nesting > layout.MAX_INLINED_DEPTH:
                    lines.append("    " * depth + f"{self.namer.name(stmt.out)} = "
                                 f"{ast.unparse(value)}")     # keep expressions printable
                else:
                    self.pending[stmt.out] = value
                    self.depths[id(value)] = (value, nesting)
                continue
            if isinstance(stmt, Eqn) and RULES[stmt.prim].effect:
                lines += self.flush(depth, keep=set(stmt.args))
            if isinstance(stmt, Eqn):      # (what this one line reads is read before it binds)
                lines += self.flush_readers_of(stmt.outs, depth, inline_here(stmt))
            self.source_comment(stmt, depth, lines)
            nested = self.nested_unpack(stmts, k, inlinable)
            if nested is not None:
                lines.append("    " * depth + nested)
                continue
            if isinstance(stmt, Eqn) and self.plan.unpacks(stmt, stmts, k):
                lines.append("    " * depth + self.unpack_line(stmt, stmts[k + 1:]))
                continue
            lines.extend(self.stmt_lines(stmt, depth, stmts, k, tail, owned))
        lines += self.flush(depth, keep={a for a in tail if isinstance(a, Var)})
        if returning:
            return lines
        if assign_to is not None:
            lines += self.assignments(assign_to, tail, depth)
        lines += self.flush(depth, keep=set())
        self.pending = saved
        return lines

    def flush_readers_of(self, outs, depth, keep=()):
        """Assign the pending temporaries that read a name `outs` are about to rebind (a loop
        result that took its carry's name): inlined later, they would read the new value.
        Those in `keep` are inlined into the line that rebinds it, which reads them first."""
        names = {self.namer.name(o) for o in outs if self.namer.has(o)}
        stale = [v for v, value in self.pending.items() if names and v not in keep and any(
            isinstance(n, ast.Name) and n.id in names for n in ast.walk(value))]
        lines = []
        for var in stale:
            value = self.pending.pop(var)
            lines.append("    " * depth + f"{self.namer.name(var)} = {ast.unparse(value)}")
        return lines

    def flush(self, depth, keep):
        """Assign the pending temporaries that are not about to be used by `keep`."""
        lines = []
        for var in [v for v in self.pending if v not in keep]:
            value = self.pending.pop(var)
            lines.append("    " * depth + f"{self.namer.name(var)} = {ast.unparse(value)}")
        return lines

    def source_comment(self, stmt, depth, lines):
        if isinstance(stmt, Eqn) and stmt.prim in _BOOKKEEPING:
            return                       # the tape is srcad's, not a line of the user's
        line = getattr(stmt, "line", None)
        if not self.comments or line is None or line == self.last_line:
            return
        self.last_line = line
        text = self.fn.source_lines.get(line, "").strip()
        if not text.isprintable():                               # one line of comment
            text = "".join(c if c.isprintable() else " " for c in text)
        if text:
            lines.append("    " * depth + f"# line {line}: {text}")

    def stmt_lines(self, stmt, depth, stmts, k, tail, owned):
        """Lines for stmts[k]; a loop's also depend on what is bound before it and read after."""
        if isinstance(stmt, Eqn):
            return ["    " * depth + line for line in self.eqn_lines(stmt)]
        if isinstance(stmt, If):
            return self.if_lines(stmt, depth)
        context = ({o for s in stmts[:k] for o in s.outs}, stmts[k + 1:], tail, owned)
        if isinstance(stmt, For):
            return self.for_lines(stmt, depth, context)
        return self.while_lines(stmt, depth, context)

    def eqn_lines(self, eqn):
        if eqn.prim in STATEMENT_LINES:
            return STATEMENT_LINES[eqn.prim](self, eqn)
        value = self.spelling.call(eqn)
        if len(eqn.outs) == 1 and eqn.out.kind.tag == "none" and RULES[eqn.prim].effect:
            return [ast.unparse(value)]
        targets = [self.namer.name(o) for o in eqn.outs]
        if not targets:
            return [ast.unparse(value)]
        comma = "," if len(targets) == 1 and eqn.prim == "unpack" else ""
        return [", ".join(targets) + comma + " = " + ast.unparse(value)]

    # ----- control flow ----------------------------------------------------------------------
    def if_lines(self, stmt, depth):
        pad = "    " * depth
        names = [self.namer.name(o) for o in stmt.outs]
        lines = [pad + "if " + ast.unparse(self.expr(stmt.cond)) + ":"]
        lines += self.branch_lines(stmt.then, names, depth + 1)
        else_lines = self.branch_lines(stmt.orelse, names, depth)    # where an elif would be
        lines += layout.else_part(else_lines, pad, self.last_if)
        self.last_if = (lines[0], len(lines))
        return lines

    def branch_lines(self, block, names, depth):
        self.claim_results(block, names)
        lines = self.block_lines(block.stmts, depth, block.results, assign_to=names)
        return lines or ["    " * depth + "pass"]

    def claim_results(self, block, names):
        """Let a value computed in a block take the name it is yielded as (no copy needed),
        when nothing read after it in the block goes by that name."""
        for j, (name, result) in enumerate(zip(names, block.results)):
            if self.can_claim(block.stmts, block.results, j, name):
                self.namer.alias(result, name)

    def can_claim(self, stmts, results, j, name, also=()):
        """May result j, defined in `stmts`, be named `name`? Only if no var read after its
        definition (or read by the other results) is already called `name`."""
        if self.namer.has(results[j]):
            return False
        later = self.plan.read_after(stmts, results, j)
        if later is None:
            return False
        held = written_in_place(self, stmts, set(also) | {
            v for v in later if self.namer.has(v) and self.namer.name(v) == name})
        return not any(v in held for v in later)

    def assignments(self, names, atoms, depth):
        pad = "    " * depth
        pairs = [(n, self.expr(a)) for n, a in zip(names, atoms)]
        pairs = [(n, e) for n, e in pairs if not (isinstance(e, ast.Name) and e.id == n)]
        if not pairs:
            return []
        if len(pairs) == 1:
            return [pad + f"{pairs[0][0]} = " + ast.unparse(pairs[0][1])]
        lhs = ", ".join(n for n, _ in pairs)
        return [pad + lhs + " = " + ast.unparse(ast.Tuple([e for _, e in pairs], ast.Load()))]

    def loop_slots(self, stmt, context):
        """One name per carried value, shared by its start, body parameter, update and out.
        The start's own name is reused when it is defined in this block (or is a carry of the
        loop whose body this block is, and this loop's out is that body's result for it) and
        read nowhere after the loop, nor inside it (where the name is rebound each
        iteration): no second name keeps the start's value alive."""
        defined_here, rest, tail, owned = context
        later = self.plan.read_by_or_after(stmt, rest, tail)
        pending_reads = {n.id for value in self.pending.values() for n in ast.walk(value)
                         if isinstance(n, ast.Name)}     # inlined later, after the loop
        names = []
        for init, param, out in zip(stmt.carry_init, stmt.carry_params, stmt.outs):
            mine = isinstance(init, Var) and (init in defined_here or owned.get(init) is out)
            if mine and init not in later and \
                    list(stmt.carry_init).count(init) == 1 and self.namer.has(init) and \
                    self.namer.name(init) not in pending_reads:
                name = self.namer.name(init)
            else:
                name = self.namer.fresh(out.hint or param.hint)
            self.namer.alias(param, name)
            self.namer.alias(out, name)
            names.append(name)
        return names

    def for_lines(self, stmt, depth, context):
        pad = "    " * depth
        flushed, names = flush_changed_carries(self, stmt, depth), self.loop_slots(stmt, context)
        lines = flushed + self.assignments(names, stmt.carry_init, depth)
        header = self.sequence_header(stmt, context)
        if header is None:
            bounds = _range_args([self.expr(a) for a in (stmt.start, stmt.stop, stmt.step)])
            rng = ast.Call(ast.Name("range", ast.Load()), bounds, [])
            if stmt.reverse:
                rng = ast.Call(ast.Name("reversed", ast.Load()), [rng], [])
            header = f"for {self.namer.name(stmt.index)} in {ast.unparse(rng)}:"
        lines.append(pad + header)
        lines += self.loop_body_lines(stmt, names, depth + 1)
        return lines

    def sequence_header(self, stmt, context):
        """`for W, b in params:` when the loop index only picks the elements of a sequence;
        `for x_2 in reversed(tape):` when a reverse loop's index only counts its tape's pops."""
        popped = self.plan.tape_loop(stmt, context[1], context[2])
        first = popped or self.plan.sequence_loop(stmt)
        if first is None:
            return None
        self.skip.add(id(first))
        if popped is not None:
            targets = ", ".join(self.namer.name(o) for o in popped.outs)
            return f"for {targets} in reversed({ast.unparse(self.expr(popped.args[0]))}):"
        targets = self.unpacked(first.out, stmt.body.stmts[1:])
        return f"for {targets} in {ast.unparse(self.expr(first.args[0]))}:"

    def unpack_line(self, stmt, rest):
        items = rest[:self.plan.uses[stmt.out]]
        self.skip.update(id(e) for e in items)
        targets = ", ".join(self.namer.name(e.out) for e in items)
        return f"{targets} = {ast.unparse(self.spelling.call(stmt))}"

    def nested_unpack(self, stmts, k, inlinable):
        """`(W1, b1), (W2, b2) = params` (see Plan.nested_unpack)."""
        groups, matched = self.plan.nested_unpack(stmts, k, inlinable)
        targets = [self.namer.name(take.out) if parts is None else
                   "(" + ", ".join(self.namer.name(e.out) for e in parts) + ")"
                   for take, parts in groups]
        if not matched:
            return None
        self.skip.update(id(e) for take, parts in groups for e in [take] + (parts or []))
        return f"{', '.join(targets)} = {self.namer.name(stmts[k].args[0])}"

    def unpacked(self, element, rest):
        """`W, b` if the element is only taken apart by constant indices 0..n-1 right away."""
        items = self.plan.taken_apart(element, rest)
        if items is None:
            return self.namer.name(element)
        self.skip.update(id(e) for e in items)
        return ", ".join(self.namer.name(e.out) for e in items)

    def loop_body_lines(self, stmt, names, depth):
        self.claim_loop_results(stmt, names)
        self.entering = dict(zip(stmt.carry_params, stmt.body.results))
        lines = self.block_lines(stmt.body.stmts, depth, stmt.body.results, assign_to=names)
        return lines or ["    " * depth + "pass"]

    def claim_loop_results(self, stmt, names):
        """A body value may take its slot's name if the old value is not read after it."""
        for j, name in enumerate(names):
            if self.can_claim(stmt.body.stmts, stmt.body.results, j, name,
                              also=(stmt.carry_params[j],)):
                self.namer.alias(stmt.body.results[j], name)

    def while_lines(self, stmt, depth, context):
        pad = "    " * depth
        flushed, names = flush_changed_carries(self, stmt, depth), self.loop_slots(stmt, context)
        lines = flushed + self.assignments(names, stmt.carry_init, depth)
        cond = self.expr(stmt.cond.results[0]) if not stmt.cond.stmts else None
        if cond is not None:
            lines.append(pad + f"while {ast.unparse(cond)}:")
        else:
            lines.append(pad + "while True:")
            lines += self.block_lines(stmt.cond.stmts, depth + 1)
            test = ast.UnaryOp(ast.Not(), self.expr(stmt.cond.results[0]))
            lines.append(pad + f"    if {ast.unparse(test)}:")
            lines.append(pad + "        break")
        lines += self.loop_body_lines(stmt, names, depth + 1)
        return lines

    # ----- expressions -----------------------------------------------------------------------
    def expr(self, atom):
        if isinstance(atom, Var):
            if atom in self.pending:
                return self.pending.pop(atom)
            return ast.Name(self.namer.name(atom), ast.Load())
        return self.spelling.constant(atom)


def inline_here(eqn):
    """The operands an equation printed as one assignment reads in that line (a write into an
    array may take more lines: its operands are read after the first)."""
    return () if eqn.prim in STATEMENT_LINES else set(eqn.args)


def written_in_place(writer, stmts, held):
    """`held` and the versions the writes done in place in `stmts` make of them: each takes
    its array's name (write_lines), so a value read after them cannot take that name too
    (`bs[2:] += v; bs = other; b = bs` would read `other`)."""
    held = set(held)
    for eqn in writer.plan.in_place_within(stmts) if held else ():
        if eqn.args[0] in held:
            held.update(eqn.outs)
    return held


def flush_changed_carries(writer, stmt, depth):
    """Assign, before a loop that writes into arrays in place, the pending expressions that
    read its carries' initial values: a carry starts as the same array (`bo_1 = bo`), so an
    expression inlined after the loop would read it changed."""
    if not any(id(e) in writer.plan.in_place for b in sub_blocks(stmt) for e in walk_eqns(b)):
        return []
    inits = [a for a in stmt.carry_init if isinstance(a, Var)]
    names = {writer.namer.name(v) for v in inits if writer.namer.has(v)}
    stale = [v for v, value in writer.pending.items() if v not in inits and any(
        isinstance(n, ast.Name) and n.id in names for n in ast.walk(value))]
    return ["    " * depth + f"{writer.namer.name(v)} = {ast.unparse(writer.pending.pop(v))}"
            for v in stale]


def write_lines(writer, eqn):
    """`x[i] = v` or `x[i] += v`: in place, the result taking x's name, after the pending
    expressions that read x (srcad/analysis/inplace.py); or on a copy."""
    array, index, value = eqn.args
    lines = []
    if id(eqn) in writer.plan.in_place and not writer.namer.has(eqn.out):
        writer.namer.alias(eqn.out, writer.namer.name(array))
        lines = [line.strip() for line in writer.flush_readers_of(eqn.outs, 0)]
    target, source = writer.namer.name(eqn.out), writer.expr(array)
    store = ast.Subscript(ast.Name(target, ast.Load()),
                          writer.spelling.subscript_index(index, writer.expr(index)), ast.Store())
    value = writer.expr(value)
    symbol = WRITES[eqn.prim]
    write = ast.Assign([store], value, lineno=0) if not symbol else \
        ast.AugAssign(store, BINOPS[symbol](), value)
    if id(eqn) not in writer.plan.in_place:     # np.copy keeps the layout (an F-ordered
        copy = ast.Call(ast.parse("np.copy" if array.kind.is_array and array.kind.ndim != 0
                                  else "np.array", mode="eval").body, [source], [])
        # array stays one: a sum over it adds in Python's order, to the last bit)
        return lines + [f"{target} = {ast.unparse(copy)}", ast.unparse(write)]
    if isinstance(source, ast.Name) and source.id == target:
        return lines + [ast.unparse(write)]
    return lines + [f"{target} = {ast.unparse(source)}", ast.unparse(write)]


def caller_object_lines(writer, eqn):
    """A change to the caller's list or dict, as the function writes it: `d[k] = v`,
    `d.setdefault(k, v)`, `xs.append(v)` (srcad/lowering/caller.py)."""
    obj = writer.expr(eqn.args[0])
    if eqn.prim == "store_item":
        index = writer.spelling.subscript_index(eqn.args[1], writer.expr(eqn.args[1]))
        store = ast.Subscript(obj, index, ast.Store())
        return [ast.unparse(ast.Assign([store], writer.expr(eqn.args[2]), lineno=0))]
    method = ast.Attribute(obj, eqn.args[1].value, ast.Load())
    return [ast.unparse(ast.Call(method, [writer.expr(a) for a in eqn.args[2:]], []))]


def write_back_lines(writer, eqn):
    """The caller's array gets the values the function left in it: `x[...] = x_3`."""
    store = ast.Subscript(writer.expr(eqn.args[0]), ast.Constant(Ellipsis), ast.Store())
    return [ast.unparse(ast.Assign([store], writer.expr(eqn.args[1]), lineno=0))]


STATEMENT_LINES = {**dict.fromkeys(WRITES, write_lines), "store_item": caller_object_lines,
                   "mutate": caller_object_lines, "write_back": write_back_lines,
                 **dict.fromkeys(ARITHMETIC_INTO, arithmetic_lines)}


def _range_args(bounds):
    start, stop, step = bounds
    is_zero = isinstance(start, ast.Constant) and start.value == 0
    is_one = isinstance(step, ast.Constant) and step.value == 1
    if is_one:
        return [stop] if is_zero else [start, stop]
    return [start, stop, step]
