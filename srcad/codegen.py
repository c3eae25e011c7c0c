"""IR -> Python source -> code object.

Each statement becomes one line of ordinary Python; expressions are built as `ast` nodes and
printed with `ast.unparse`, so precedence and parentheses are always right. Runs of statements
that come from one source line are headed by a `# line N: <source>` comment: the source map.
The source is registered in `linecache` under its own file name, so tracebacks and pdb show
the generated lines.
"""

import ast
import itertools
import linecache
import math
import weakref

import numpy as np

from . import inplace, layout, runtime
from .ir import (Block, Const, Eqn, For, FreeVars, If, Var, is_const, read_counts, stmt_inputs,
                 sub_blocks, walk_eqns)
from .naming import LITERAL_TYPES, Namer, is_identifier, is_literal, written_names
from .rules import RULES
from .rules.writes import WRITES

_BINOPS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "**": ast.Pow,
           "@": ast.MatMult, "%": ast.Mod, "//": ast.FloorDiv}
_UNARY = {"-": ast.USub, "+": ast.UAdd, "not": ast.Not, "~": ast.Invert}
_COMPARE = {">": ast.Gt, "<": ast.Lt, ">=": ast.GtE, "<=": ast.LtE, "==": ast.Eq,
            "!=": ast.NotEq, "is": ast.Is, "is not": ast.IsNot, "in": ast.In}
_counter = itertools.count()
_BOOKKEEPING = ("tape_push", "tape_pop")
USER_FILES = {}           # generated file name -> the user's file its comments refer to,
                          # while code compiled from it lives (see release_with)


def add_source_note(error):
    """Add to an exception raised inside generated code the generated line and the user's
    source line it came from (the nearest `# line N: ...` comment above it)."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in USER_FILES:
            frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    if not frames or not hasattr(error, "add_note") or getattr(error, "_srcad_noted", False):
        return
    filename, lineno = frames[-1]
    lines = linecache.getlines(filename)
    comment = next((lines[k].strip() for k in range(lineno - 1, -1, -1)
                    if lines[k].strip().startswith("# line ")), None)
    note = f"srcad: raised by generated code {filename}, line {lineno}: {lines[lineno - 1].strip()}"
    if comment is not None:
        note += f"\n       which comes from {USER_FILES[filename]}, {comment[2:]}"
    error.add_note(note)
    error._srcad_noted = True


class Generated:
    """A compiled derivative: its source, the function object and the names it needs."""

    def __init__(self, source, function, namespace, filename, param_kinds=()):
        self.source = source
        self.function = function
        self.namespace = namespace
        self.filename = filename
        self.param_kinds = param_kinds     # what it is specialised on, for export's guard
        self.check = None                  # its guards on globals and attributes (live.py)
        self.roots = set()                 # names it reads globals and attributes through


def compile_function(fn, name, comments=True):
    """Generate, compile and return `Generated` for the IR function `fn`."""
    writer = Writer(fn, comments)
    source = writer.function_source(name)
    filename = register_source(source, fn.filename, name)
    namespace = writer.namespace
    exec(compile(source, filename, "exec"), namespace)
    release_with(namespace[name].__code__, filename)
    return Generated(source, namespace[name], namespace, filename,
                     tuple(p.kind for p in fn.params))


def register_source(source, user_file, name="wrapper"):
    """A file name for generated source, registered in linecache so that tracebacks show
    its lines, and mapped to the user's file its `# line N:` comments refer to."""
    filename = f"<srcad {name} #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    USER_FILES[filename] = USER_FILES.get(user_file, user_file)
    return filename


def release_with(code, filename):
    """Forget the lines of generated file `filename` when `code`, compiled from it, is gone
    (its function dropped and no traceback holding a frame of it): a process that creates many
    derivatives keeps the lines of the live ones only."""
    weakref.finalize(code, _forget_source, filename).atexit = False


def _forget_source(filename):
    linecache.cache.pop(filename, None)
    USER_FILES.pop(filename, None)


class Writer:
    def __init__(self, fn, comments=True):
        self.fn = fn
        self.comments = comments
        self.namer = Namer(taken=written_names(fn))     # no user name shadows them
        self.namespace = {"np": np, "math": math}
        self.last_line = None
        self.in_place = inplace.plan(fn)     # ids of the writes done in place (may add copies)
        self.written = {e.args[0] for e in walk_eqns(fn.body) if e.prim in WRITES}
        self.uses = read_counts(fn.body)
        self.pending = {}            # single-use temporaries, inlined at their one use
        self.depths = {}             # id(pending expression) -> (expression, its depth)
        self.defs = {o: e for e in walk_eqns(fn.body) for o in e.outs}
        self.indices = _index_tuples(fn.body, self.defs)    # `x[:, t, :]` written in place
        self.skip = {id(self.defs[v]) for v in self.indices}   # and equations a `for x in
                                                               # seq:` header already says
        self.free_vars = FreeVars()  # each nested block's inputs, found once

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
        inlinable = self.inlinable(stmts, tail)
        lines = []
        for k, stmt in enumerate(stmts):
            if id(stmt) in self.skip:
                continue
            if isinstance(stmt, Eqn) and stmt.outs[0] in inlinable:
                value = self.call(stmt)
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
            if isinstance(stmt, Eqn):
                lines += self.flush_readers_of(stmt.outs, depth)
            self.source_comment(stmt, depth, lines)
            nested = self.nested_unpack(stmts, k, inlinable)
            if nested is not None:
                lines.append("    " * depth + nested)
                continue
            if isinstance(stmt, Eqn) and self.unpacks(stmt, stmts[k + 1:]):
                lines.append("    " * depth + self.unpack_line(stmt, stmts[k + 1:]))
                continue
            lines.extend(self.stmt_lines(stmt, depth, stmts[:k], stmts[k + 1:], tail))
        lines += self.flush(depth, keep={a for a in tail if isinstance(a, Var)})
        if returning:
            return lines
        if assign_to is not None:
            lines += self.assignments(assign_to, tail, depth)
        lines += self.flush(depth, keep=set())
        self.pending = saved
        return lines

    def inlinable(self, stmts, tail):
        """Temporaries read once, by a later statement of this same block (not a nested one);
        adjoints named only after their primal (`bh`), unless what reads them is a gradient
        the function returns; and the list or tuple the function returns
        (`return [(bW1, bb1), (bW2, bb2)]`)."""
        top = {a for s in stmts for a in stmt_inputs(s) if isinstance(a, Var)}
        top |= {a for a in tail if isinstance(a, Var)}
        nested = {v for s in stmts for sub in sub_blocks(s) for v in self.free_vars(sub)}
        returned = {a for a in tail if isinstance(a, Var)}
        returned |= {a for s in stmts if isinstance(s, Eqn) and s.prim in _CONTAINERS
                     for a in s.args}
        return {s.out for s in stmts if isinstance(s, Eqn) and len(s.outs) == 1
                and (s.out.hint is None or s.out.soft_hint and s.out not in returned or
                     tail is self.fn.body.results and s.prim in ("make_list", "make_tuple"))
                and self.uses.get(s.out) == 1 and s.out in top
                and s.out not in nested and not RULES[s.prim].effect
                and s.prim not in _STATEMENTS and s.out not in self.written}

    def flush_readers_of(self, outs, depth):
        """Assign the pending temporaries that read a name `outs` are about to rebind (a loop
        result that took its carry's name): inlined later, they would read the new value."""
        names = {self.namer.name(o) for o in outs if self.namer.has(o)}
        stale = [v for v, value in self.pending.items() if names and any(
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
        text = "".join(c if c.isprintable() else " " for c in    # one line of comment
                       self.fn.source_lines.get(line, "").strip())
        if text:
            lines.append("    " * depth + f"# line {line}: {text}")

    def stmt_lines(self, stmt, depth, before, rest, tail):
        pad = "    " * depth
        if isinstance(stmt, Eqn):
            return [pad + line for line in self.eqn_lines(stmt)]
        if isinstance(stmt, If):
            return self.if_lines(stmt, depth)
        context = ({o for s in before for o in s.outs}, rest, tail)
        if isinstance(stmt, For):
            return self.for_lines(stmt, depth, context)
        return self.while_lines(stmt, depth, context)

    def eqn_lines(self, eqn):
        if eqn.prim in WRITES:
            return write_lines(self, eqn)
        value = self.call(eqn)
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
        else_lines = self.branch_lines(stmt.orelse, names, depth + 1)
        if any(not line.strip().startswith("#") and line.strip() != "pass" for line in else_lines):
            lines += layout.as_elif(else_lines, pad) or [pad + "else:"] + else_lines
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
        result = results[j]
        k = next((k for k, s in enumerate(stmts) if result in s.outs), None)
        if k is None or self.namer.has(result) or list(results).count(result) > 1:
            return False
        others = [r for i, r in enumerate(results) if i != j]
        later = set(self.free_vars(_block_of(stmts[k + 1:], others)))
        return not any(v in also or (self.namer.has(v) and self.namer.name(v) == name)
                       for v in later)

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
        The start's own name is reused when it is defined in this block and read nowhere
        after the loop, nor inside it (where the name is rebound each iteration)."""
        defined_here, rest, tail = context
        later = set(self.free_vars(_block_of(rest, tail)))
        for block in sub_blocks(stmt):
            later |= set(self.free_vars(block))
        pending_reads = {n.id for value in self.pending.values() for n in ast.walk(value)
                         if isinstance(n, ast.Name)}     # inlined later, after the loop
        names = []
        for init, param, out in zip(stmt.carry_init, stmt.carry_params, stmt.outs):
            if isinstance(init, Var) and init in defined_here and init not in later and \
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
        header = self.sequence_header(stmt)
        if header is None:
            bounds = _range_args([self.expr(a) for a in (stmt.start, stmt.stop, stmt.step)])
            rng = ast.Call(ast.Name("range", ast.Load()), bounds, [])
            if stmt.reverse:
                rng = ast.Call(ast.Name("reversed", ast.Load()), [rng], [])
            header = f"for {self.namer.name(stmt.index)} in {ast.unparse(rng)}:"
        lines.append(pad + header)
        lines += self.loop_body_lines(stmt, names, depth + 1)
        return lines

    def sequence_header(self, stmt):
        """`for W, b in params:` when the loop index only picks the elements of a sequence."""
        body = stmt.body.stmts
        if stmt.reverse or not body or not _is_zero_one(stmt.start, stmt.step):
            return None
        first = body[0]
        if not (isinstance(first, Eqn) and first.prim == "getitem" and
                first.args[1] is stmt.index and self.uses.get(stmt.index) == 1):
            return None
        seq = first.args[0]
        length = self.defs.get(stmt.stop)
        if length is None or length.prim != "len" or length.args[0] is not seq:
            return None
        self.skip.add(id(first))
        targets = self.unpacked(first.out, body[1:])
        return f"for {targets} in {ast.unparse(self.expr(seq))}:"

    def unpacks(self, stmt, rest):
        """True if stmt's value is used only by `a, b = value` right after it."""
        n = self.uses.get(stmt.outs[0], 0)
        return len(stmt.outs) == 1 and n > 1 and stmt.outs[0].hint is None and \
            _takes_apart(stmt.outs[0], rest[:n], n) and not RULES[stmt.prim].effect

    def unpack_line(self, stmt, rest):
        items = rest[:self.uses[stmt.out]]
        self.skip.update(id(e) for e in items)
        targets = ", ".join(self.namer.name(e.out) for e in items)
        return f"{targets} = {ast.unparse(self.call(stmt))}"

    def nested_unpack(self, stmts, k, inlinable):
        """`(W1, b1), (W2, b2) = params` where stmts[k:] take every item of `params` (a list or
        tuple of that length, as its kind says) and take apart the items that are pairs."""
        first = stmts[k]
        if not (isinstance(first, Eqn) and first.prim == "getitem" and
                isinstance(first.args[0], Var) and is_const(first.args[1], 0)):
            return None
        seq = first.args[0]
        if seq.kind.tag not in ("list", "tuple") or not seq.kind.items:
            return None
        targets, used, pos = [], [], k
        for i, item_kind in enumerate(seq.kind.items):
            take = stmts[pos] if pos < len(stmts) else None
            if not (isinstance(take, Eqn) and take.prim == "getitem" and
                    take.args[0] is seq and is_const(take.args[1], i)):
                return None
            parts = stmts[pos + 1:pos + 1 + self.uses.get(take.out, 0)]
            if take.out.hint is None and item_kind.items is not None and \
                    len(parts) > 1 and \
                    _takes_apart(take.out, parts, self.uses.get(take.out, 0)):
                targets.append("(" + ", ".join(self.namer.name(e.out) for e in parts) + ")")
                used += [take] + list(parts)
            else:
                targets.append(self.namer.name(take.out))
                used.append(take)
            pos = len(used) + k
        if len(targets) < 2 or not any(t.startswith("(") for t in targets) or \
                any(o in inlinable for e in used for o in e.outs):
            return None
        self.skip.update(id(e) for e in used)
        return f"{', '.join(targets)} = {self.namer.name(seq)}"

    def unpacked(self, element, rest):
        """`W, b` if the element is only taken apart by constant indices 0..n-1 right away."""
        n = self.uses.get(element, 0)
        items = rest[:n]
        if n > 1 and _takes_apart(element, items, n):
            self.skip.update(id(e) for e in items)
            return ", ".join(self.namer.name(e.out) for e in items)
        return self.namer.name(element)

    def loop_body_lines(self, stmt, names, depth):
        self.claim_loop_results(stmt, names)
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
        return self.constant(atom)

    def constant(self, const):       # a literal only for exactly the plain types: see _literal
        v = const.value
        if type(v) is float and not math.isfinite(v):
            text = "np.nan" if math.isnan(v) else ("np.inf" if v > 0 else "-np.inf")
            return ast.parse(text, mode="eval").body
        if type(v) in (int, float) and math.copysign(1, v) < 0:
            # -(0.7) as a unary minus, so unparse parenthesises it: (-0.7) ** 2, not -0.7 ** 2
            return ast.UnaryOp(ast.USub(), ast.Constant(-v))
        if type(v) in LITERAL_TYPES:
            return ast.Constant(v)
        if type(v) is tuple and all(is_literal(x) for x in v):
            return ast.Tuple([self.constant(Const(x)) for x in v], ast.Load())
        if type(v) is slice and all(is_literal(p) for p in (v.start, v.stop, v.step)):
            return ast.Call(ast.Name("slice", ast.Load()),
                            [self.constant(Const(p)) for p in (v.start, v.stop, v.step)], [])
        return ast.Name(self.global_name(const), ast.Load())

    def global_name(self, const):
        for name, value in self.namespace.items():
            if value is const.value:
                return name
        name = self.namer.fresh(const.name or "c")
        self.namespace[name] = const.value
        return name

    def call(self, eqn):
        rule = RULES[eqn.prim]
        args = [self.expr(a) for a in eqn.args]
        form, *detail = rule.syntax
        builder = getattr(self, "syntax_" + form)
        return builder(rule, eqn, args, *detail)

    def syntax_call(self, rule, eqn, args, dotted):
        if rule.math and not self.fn.numpy_only and all(a.kind.is_scalar for a in eqn.args):
            dotted = rule.math
        positional, keywords = self.split_args(rule, eqn, args)
        return ast.Call(ast.parse(dotted, mode="eval").body, positional, keywords)

    def syntax_template(self, rule, eqn, args, template):
        """An expression written out in full, its argument names standing for the arguments."""
        if rule.math and not self.fn.numpy_only and all(a.kind.is_scalar for a in eqn.args):
            template = rule.math
        by_name = dict(zip(rule.arg_names, args))

        class Substitute(ast.NodeTransformer):
            def visit_Name(self, node):
                return by_name.get(node.id, node)

        return Substitute().visit(ast.parse(template, mode="eval").body)

    def syntax_runtime(self, rule, eqn, args, name):
        self.namespace[name] = getattr(runtime, name, None) or rule.impl
        positional, keywords = self.split_args(rule, eqn, args)
        return ast.Call(ast.Name(name, ast.Load()), positional, keywords)

    def syntax_impl(self, rule, eqn, args, name):
        self.namespace[name] = rule.impl
        positional, keywords = self.split_args(rule, eqn, args)
        return ast.Call(ast.Name(name, ast.Load()), positional, keywords)

    def split_args(self, rule, eqn, args):
        if rule.variadic or not rule.defaults:
            return args, []
        positional, keywords = [], []
        for name, atom, node in zip(rule.arg_names, eqn.args, args):
            if name not in rule.defaults:
                positional.append(node)
            elif not (isinstance(atom, Const) and _same(atom.value, rule.defaults[name])):
                keywords.append(ast.keyword(name, node))
        return positional, keywords

    def syntax_binop(self, rule, eqn, args, symbol):
        return ast.BinOp(args[0], _BINOPS[symbol](), args[1])

    def syntax_unary(self, rule, eqn, args, symbol):
        return ast.UnaryOp(_UNARY[symbol](), args[0])

    def syntax_compare(self, rule, eqn, args, symbol):
        if symbol == "in":
            return ast.Compare(args[1], [ast.In()], [args[0]])
        return ast.Compare(args[0], [_COMPARE[symbol]()], [args[1]])

    def syntax_subscript(self, rule, eqn, args):
        return ast.Subscript(args[0], subscript_index(self, eqn.args[1], args[1]), ast.Load())

    def syntax_attr(self, rule, eqn, args, name):
        if not eqn.args[0].kind.is_array:      # a float or a list: np.shape(x), np.size(x)
            return ast.Call(ast.parse(f"np.{name}", mode="eval").body, args[:1], [])
        return ast.Attribute(args[0], name, ast.Load())

    def syntax_transpose(self, rule, eqn, args):
        if isinstance(eqn.args[1], Const) and eqn.args[1].value is None and \
                eqn.args[0].kind.is_array:
            return ast.Attribute(args[0], "T", ast.Load())
        return ast.Call(ast.parse("np.transpose", mode="eval").body, args, [])

    def syntax_method(self, rule, eqn, args, name):
        receiver = args[0]
        if rule.name == "astype" and not eqn.args[0].kind.is_array:   # a number: no .astype
            receiver = ast.Call(ast.parse("np.asarray", mode="eval").body, [receiver], [])
        return ast.Call(ast.Attribute(receiver, name, ast.Load()), args[1:], [])

    def syntax_callee(self, rule, eqn, args):
        return ast.Call(args[0], args[1:], [])

    def syntax_identity(self, rule, eqn, args):
        return args[0]

    def syntax_dict(self, rule, eqn, args):
        keys = [self.constant(Const(k)) for k in eqn.args[0].value]
        return ast.Dict(keys, args[1:])

    def syntax_getattr(self, rule, eqn, args):
        name = eqn.args[1].value      # getattr(x, "a b") where the name is no identifier
        return ast.Attribute(args[0], name, ast.Load()) if is_identifier(name) else \
            ast.Call(ast.Name("getattr", ast.Load()), [args[0], self.constant(Const(name))], [])

    def syntax_tuple(self, rule, eqn, args):
        return ast.Tuple(args, ast.Load())

    def syntax_list(self, rule, eqn, args):
        return ast.List(args, ast.Load())

    def syntax_slice(self, rule, eqn, args):
        return ast.Call(ast.Name("slice", ast.Load()), args, [])


_CONTAINERS = ("make_list", "make_tuple", "make_dict")
_STATEMENTS = {"unpack", *WRITES}      # `v, = res` is a target list; `x[i] = v` a statement


def flush_changed_carries(writer, stmt, depth):
    """Assign, before a loop that writes into arrays in place, the pending expressions that
    read its carries' initial values: a carry starts as the same array (`bo_1 = bo`), so an
    expression inlined after the loop would read it changed."""
    if not any(id(e) in writer.in_place for b in sub_blocks(stmt) for e in walk_eqns(b)):
        return []
    inits = [a for a in stmt.carry_init if isinstance(a, Var)]
    names = {writer.namer.name(v) for v in inits if writer.namer.has(v)}
    stale = [v for v, value in writer.pending.items() if v not in inits and any(
        isinstance(n, ast.Name) and n.id in names for n in ast.walk(value))]
    return ["    " * depth + f"{writer.namer.name(v)} = {ast.unparse(writer.pending.pop(v))}"
            for v in stale]


def write_lines(writer, eqn):
    """`x[i] = v` or `x[i] += v`: in place, the result taking x's name, after the pending
    expressions that read x (srcad/inplace.py); or on a copy."""
    array, index, value = eqn.args
    lines = []
    if id(eqn) in writer.in_place and not writer.namer.has(eqn.out):
        writer.namer.alias(eqn.out, writer.namer.name(array))
        lines = [line.strip() for line in writer.flush_readers_of(eqn.outs, 0)]
    target, source = writer.namer.name(eqn.out), writer.expr(array)
    store = ast.Subscript(ast.Name(target, ast.Load()),
                          subscript_index(writer, index, writer.expr(index)), ast.Store())
    value = writer.expr(value)
    symbol = WRITES[eqn.prim]
    write = ast.Assign([store], value, lineno=0) if not symbol else \
        ast.AugAssign(store, _BINOPS[symbol](), value)
    if id(eqn) not in writer.in_place:
        copy = ast.Call(ast.Attribute(source, "copy", ast.Load()), [], []) \
            if array.kind.is_array and array.kind.ndim != 0 else \
            ast.Call(ast.parse("np.array", mode="eval").body, [source], [])
        return lines + [f"{target} = {ast.unparse(copy)}", ast.unparse(write)]
    if isinstance(source, ast.Name) and source.id == target:
        return lines + [ast.unparse(write)]
    return lines + [f"{target} = {ast.unparse(source)}", ast.unparse(write)]


def subscript_index(writer, atom, node):
    """The index of a subscript as written: `x[:, t, :]`, `x[1:]`, `x[i, j]`."""
    if atom in writer.indices:
        node = ast.Tuple([subscript_index(writer, a, writer.expr(a))
                          for a in writer.defs[atom].args], ast.Load())
    if isinstance(node, ast.Tuple):        # x[:, t, :], not x[slice(None, None, None), ..]
        return ast.Tuple([_as_slice(e) for e in node.elts], ast.Load())
    if isinstance(atom, Const) and is_literal(atom.value) and type(atom.value) is slice:
        v = atom.value
        return ast.Slice(*[None if p is None else writer.constant(Const(p))
                           for p in (v.start, v.stop, v.step)])
    if isinstance(atom, Const) and type(atom.value) is tuple and \
            all(is_literal(x) for x in atom.value):
        return ast.Tuple([subscript_index(writer, Const(x), writer.constant(Const(x)))
                          for x in atom.value], ast.Load())
    return node


def _index_tuples(body, defs):
    """The index tuples (`(slice(None), t, slice(None))`) of constants and named values that
    only subscripts read: written in each subscript (`x[:, t, :]`), not as a variable."""
    only_index, carried = {}, set()

    def visit(block):
        for stmt in block.stmts:
            carried.update(getattr(stmt, "carry_params", ()))
            if not isinstance(stmt, Eqn):
                carried.update(stmt.outs)
            for k, a in enumerate(stmt_inputs(stmt)):
                if isinstance(a, Var):
                    subscript = isinstance(stmt, Eqn) and k == 1 and \
                        (stmt.prim == "getitem" or stmt.prim in WRITES)
                    only_index[a] = only_index.get(a, True) and subscript
            for sub in sub_blocks(stmt):
                visit(sub)
        for a in block.results:
            if isinstance(a, Var):
                only_index[a] = False

    visit(body)
    return {v for v, only in only_index.items() if only and isinstance(defs.get(v), Eqn) and
            defs[v].prim == "make_tuple" and all(
                isinstance(a, Const) or a.hint and not a.soft_hint and a not in carried
                for a in defs[v].args)}


def _as_slice(node):
    """`slice(a, b, c)` written in an index as `a:b:c`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "slice" and not node.keywords and 1 <= len(node.args) <= 3:
        parts = node.args if len(node.args) > 1 else [ast.Constant(None)] + node.args
        parts = [None if isinstance(p, ast.Constant) and p.value is None else p
                 for p in parts + [ast.Constant(None)] * (3 - len(parts))]
        return ast.Slice(*parts)
    return node


def _same(a, b):
    return type(a) is type(b) and a == b if not isinstance(a, np.ndarray) else False


def _takes_apart(element, items, uses):
    """`a, b = element` can stand for `items`: they are element[0], element[1], ... in order,
    they are all of element's `uses` (else its name is read without being assigned), and
    element is a list or tuple of exactly that length (unpacking an array of another length
    raises)."""
    kind = element.kind
    if kind.tag not in ("list", "tuple") or kind.items is None or \
            not len(kind.items) == len(items) == uses:
        return False
    return bool(items) and all(isinstance(e, Eqn) and e.prim == "getitem" and
                               e.args[0] is element and isinstance(e.args[1], Const) and
                               e.args[1].value == k for k, e in enumerate(items))


def _is_zero_one(start, step):
    return isinstance(start, Const) and start.value == 0 and isinstance(step, Const) and \
        step.value == 1


def _range_args(bounds):
    start, stop, step = bounds
    is_zero = isinstance(start, ast.Constant) and start.value == 0
    is_one = isinstance(step, ast.Constant) and step.value == 1
    if is_one:
        return [stop] if is_zero else [start, stop]
    return [start, stop, step]


def _block_of(stmts, results):
    return Block(list(stmts), tuple(results))

