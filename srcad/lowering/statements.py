"""AST -> SSA: every statement becomes primitives applied to SSA values or constants.

Re-assigned Python names become new SSA values; `if`, `for` and `while` become structured
statements that name the values they carry in and out; an `if` whose branches return gets the
rest of the function copied into the branches that fall through, so every block ends in one
result. Calls to the user's own functions are inlined; calls to NumPy and math become
primitives through the rule table. What cannot be lowered raises `UnsupportedSyntaxError`
naming file, line and construct.
"""

import ast
import functools
from dataclasses import replace

from ..frontend import desugar, live
from .. import naming
from .. import kinds as K
from ..analysis.activity import bound_vars
from ..ir.builder import Builder
from ..ir.facts import Facts
from ..ir.nodes import Block, Const, For, If, Var, While
from .argument_writes import ArgumentWrites
from .caller import Objects
from .dispatch import NOT_MINE, Dispatching, first_named
from .expressions import own_parts
from .forms import has_star
from .function import FALLTHROUGH, lower_function
from .methods import CHANGING_METHODS
from . import numpy_writes
from .stores import same_object
from ..frontend.syntax import names_read_outside, nodes_below, returns_inside_of
from .values import StaticSeq

_MAX_KIND_ROUNDS = 3


def to_ssa(parsed, arg_kinds=None, bound=None, guards=None, derive=None):
    """Lower a parsed function to an IR Function (srcad/lowering/function.py says how)."""
    return lower_function(FunctionLowering, parsed, arg_kinds, bound, guards, derive)


class FunctionLowering(Dispatching):
    """Lowers one function: its statements here; the state its parts share; expressions and
    the rest: its parts (own_parts); the hooks the parts call: lowering/dispatch.py."""

    def __init__(self, parsed, depth=0, derive=None):
        self.parsed = parsed
        self.derive = derive         # derivatives taken inside (lowering/nested.py)
        self.filename = parsed.filename
        self.depth = depth
        self.origins = {}            # var -> values it may be the same object as
        self.views = set()           # values that may share memory with another array
        self.facts = Facts()         # the names assignments give (ir/facts.py), made in at the end
        self.view_base = {}          # a view -> the array it was taken from
        self.contains = {}           # a container var -> the values it holds
        self.inlining = frozenset()  # the user functions whose code is being inlined here
        self.live = live.Reads()     # globals, cells and attributes read (to_ssa sets it)
        self.returns_inside = returns_inside_of(parsed.node)    # does a statement hold a return
        self.objects = Objects()     # versions of lists and dicts (caller.py), shared with
        self.argument_writes = ArgumentWrites()   # the helpers inlined, as these two
        own_parts(self)

    def suite(self, stmts, env, builder):
        """Lower statements into `builder`; the returned value, or FALLTHROUGH."""
        for k, stmt in enumerate(stmts):
            builder.line = stmt.lineno
            if (value := self.special_statement(stmt, stmts[k + 1:], env, builder)) \
                    is not NOT_MINE:
                return value
            if isinstance(stmt, ast.Return):
                return self.expr(stmt.value, env, builder) if stmt.value else Const(None)
            if isinstance(stmt, ast.If) and self.returns_inside(stmt):
                return self.if_returning(stmt, stmts[k + 1:], env, builder)
            if isinstance(stmt, (ast.For, ast.While)) and self.returns_inside(stmt):
                rewritten = desugar.returning_loop(stmt, self.taken_names())
                if rewritten is None:
                    self.refuse(stmt, "return inside nested loops; assign the result to a "
                                      "variable, break out of each loop, and return after them")
                return self.suite(rewritten + stmts[k + 1:], env, builder)
            self.stmt(stmt, env, builder)
        return FALLTHROUGH

    def taken_names(self):
        """The names of the function's source, and the flags chosen so far: a desugared
        loop's flags are fresh against them (srcad/naming.py)."""
        if "taken" not in vars(self):
            self.taken = naming.names_in(self.parsed.node)
        return self.taken

    def stmt(self, node, env, builder):
        """Lower a statement: by the lowering's stmt_X, or a part's (lw.opaque, lw.forms)."""
        method = first_named("stmt_" + type(node).__name__, self, self.opaque, self.forms)
        if method is None:
            self.refuse(node, _UNSUPPORTED.get(type(node).__name__,
                                               f"the statement {type(node).__name__}"))
        method(node, env, builder)

    # ----- assignment ------------------------------------------------------------------------
    def stmt_Assign(self, node, env, builder):
        value = self.expr(node.value, env, builder)
        for target in node.targets:
            self.assign(target, value, env, builder)

    def stmt_AnnAssign(self, node, env, builder):
        if node.value is not None:
            self.assign(node.target, self.expr(node.value, env, builder), env, builder)

    def assign(self, target, value, env, builder):
        if isinstance(target, ast.Name):
            if isinstance(value, Var) and self.facts.hint(value) is None:
                self.facts.name(value, target.id)      # the Var made with it at the end
            env[target.id] = value
        elif has_star(target):                  # `a, *rest = seq` (lowering/forms.py)
            self.forms.assign_starred(target, value, env, builder)
        elif isinstance(target, (ast.Tuple, ast.List)):
            value = self.view_writes.unpackable(value, target, builder)   # zip(...), (w, m)
            if isinstance(value, StaticSeq):
                items = self.view_writes.unpacked_items(value, target, env, builder)
                for t, v in zip(target.elts, items):
                    self.assign(t, v, env, builder)
                return
            atom = self.atom(value, builder, target)
            self.view_writes.check_unpacked_length(atom, len(target.elts), target)
            for k, t in enumerate(target.elts):      # depth first: `(W, b), ... = params`
                self.assign(t, builder.emit("getitem", atom, Const(k)), env, builder)
        elif isinstance(target, ast.Subscript):
            self.store_item(target, value, env, builder)
        else:
            self.store_attribute(target, value, env, builder)

    # ----- simple statements -----------------------------------------------------------------
    def stmt_Pass(self, node, env, builder):
        pass

    def stmt_FunctionDef(self, node, env, builder):
        if node.decorator_list:
            self.refuse(node, "a decorated function defined inside the function")
        env[node.name] = self.expressions.local_function(node, env, builder)

    # ----- if --------------------------------------------------------------------------------
    def stmt_If(self, node, env, builder):
        cond = self.expressions.condition(node.test, env, builder)
        if isinstance(cond, Const):
            self.run_suite(node.body if cond.value else node.orelse, env, builder)
            return
        branches = []
        for stmts in (node.body, node.orelse):
            branch_env, branch_builder = dict(env), Builder(node.lineno, facts=builder.facts)
            self.run_suite(stmts, branch_env, branch_builder)
            branches.append((branch_env, branch_builder))
        self.merge_branches(node, cond, env, branches, builder)

    def run_suite(self, stmts, env, builder):
        if self.suite(stmts, env, builder) is not FALLTHROUGH:
            self.refuse(stmts[0], "return inside a loop; assign the result to a variable, "
                                  "break, and return after the loop")

    def merge_branches(self, node, cond, env, branches, builder):
        self.unbound.fill_unbound(env, branches, names_read_outside(self.parsed.node, node))
        (then_env, then_b), (else_env, else_b) = branches
        names = [n for n in then_env if n in else_env and
                 not (n in env and then_env[n] is env[n] and else_env[n] is env[n])]
        names = [n for n in names if then_env[n] is not else_env[n]]
        then_results = tuple(self.atom(then_env[n], then_b, node) for n in names)
        else_results = tuple(self.atom(else_env[n], else_b, node) for n in names)
        outs = tuple(Var(n, K.join(a.kind, b.kind)) for n, a, b in
                     zip(names, then_results, else_results))
        builder.append(If(cond, Block(then_b.stmts, then_results),
                          Block(else_b.stmts, else_results), outs, node.lineno))
        for out, n, a, b in zip(outs, names, then_results, else_results):
            self.may_be(out, (same_object(then_env[n], a), same_object(else_env[n], b)))
        for n in list(env):
            if n not in then_env or n not in else_env:
                del env[n]
        for n in then_env:
            if n in else_env and then_env[n] is else_env[n]:
                env[n] = then_env[n]
        env.update(zip(names, outs))
        self.unbound.branch_only = {n: node.lineno for n in set(then_env) ^ set(else_env)}

    def if_returning(self, node, rest, env, builder):
        """An if whose branches return: the rest of the code runs in each branch that falls
        through, so the if itself yields the function's result."""
        cond = self.expressions.condition(node.test, env, builder)
        if isinstance(cond, Const):
            return self.suite((node.body if cond.value else node.orelse) + rest, env, builder)
        results, blocks = [], []
        for stmts in (node.body, node.orelse):
            branch_builder = Builder(node.lineno, facts=builder.facts)
            result = self.suite(stmts + rest, dict(env), branch_builder)
            if result is FALLTHROUGH:
                result = Const(None)
            results.append(self.atom(result, branch_builder, node))
            blocks.append(Block(branch_builder.stmts, (results[-1],)))
        out = Var(None, K.join(results[0].kind, results[1].kind))
        builder.append(If(cond, blocks[0], blocks[1], (out,), node.lineno))
        self.may_be(out, results)
        return out

    # ----- loops -----------------------------------------------------------------------------
    def without_jumps(self, node, env, builder):
        """Lower a loop that breaks or continues as the flag-guarded loop it equals."""
        before, loop = desugar.rewrite_loop(node, self.taken_names())
        for stmt in before:
            self.stmt(stmt, env, builder)
        self.stmt(loop, env, builder)

    def stmt_For(self, node, env, builder):
        if node.orelse:
            self.refuse(node, "for ... else; set a flag in the loop and test it after")
        if desugar.has_jumps(node.body):
            return self.without_jumps(node, env, builder)
        value = self.expr(node.iter, env, builder)
        if self.container_methods.unrolled_over_keys(node, value, env, builder):
            return
        iteration = self.builtins.iteration_of(node.iter, value, builder)
        if self.peel_first(node, iteration, env, builder):
            iteration = _after_first(iteration)
        carried = self.carried_names(node.body, env, node)
        # The target keeps its last element after the loop (or its old value if the loop
        # does not run): carry it where code outside the loop may read it.
        read_outside = names_read_outside(self.parsed.node, node)
        carried += [t.id for t in ast.walk(node.target) if isinstance(t, ast.Name) and
                    t.id in env and t.id in read_outside and t.id not in carried]
        inits = [self.atom(env[n], builder, node) for n in carried]
        objects = [same_object(env[n], a) for n, a in zip(carried, inits)]
        start, stop, step = iteration.bounds
        plain_range = isinstance(node.target, ast.Name) and iteration.is_range
        index = Var(node.target.id if plain_range else "i", K.INT)

        def lower_body(params, body_env, body_builder):
            element = iteration.element(index, body_builder)
            self.assign(node.target, element, body_env, body_builder)
            self.run_suite(node.body, body_env, body_builder)

        params, body = self.loop_body(node, carried, objects, env, lower_body)
        outs = tuple(Var(n, p.kind) for n, p in zip(carried, params))
        builder.append(For(index, start, stop, step, tuple(inits), params, body, outs,
                           line=node.lineno, snapshots=iteration.snapshots))
        self.after_loop(node, env, carried, outs, objects, params, body)

    def peel_first(self, node, iteration, env, builder):
        """Lower the first iteration on its own when the loop surely runs and binds a name
        that code outside the loop reads (`for W, b in params: out = ...`, then `out`):
        after it, Python finds the name bound, and so the loop proper carries it."""
        start, stop, step = iteration.bounds
        if not (isinstance(start, Const) and isinstance(step, Const) and
                _static_trip_count([_known_int(b, builder) for b in iteration.bounds])):
            return False
        bound_inside = {n for n in _assigned_names([node]) if n not in env}
        if not bound_inside & names_read_outside(self.parsed.node, node):
            return False
        self.assign(node.target, iteration.element(start, builder), env, builder)
        self.run_suite(node.body, env, builder)
        return True

    def stmt_While(self, node, env, builder):
        if node.orelse:
            self.refuse(node, "while ... else; set a flag in the loop and test it after")
        if desugar.has_jumps(node.body):
            return self.without_jumps(node, env, builder)
        carried = self.carried_names(node.body, env, node)
        inits = [self.atom(env[n], builder, node) for n in carried]
        objects = [same_object(env[n], a) for n, a in zip(carried, inits)]
        cond_block = []

        def lower_body(params, body_env, body_builder):
            cond_builder = Builder(node.lineno, facts=body_builder.facts)
            cond = self.expressions.condition(node.test, dict(body_env), cond_builder)
            cond_block[:] = [Block(cond_builder.stmts, (self.atom(cond, cond_builder, node),))]
            self.run_suite(node.body, body_env, body_builder)

        params, body = self.loop_body(node, carried, objects, env, lower_body)
        outs = tuple(Var(n, p.kind) for n, p in zip(carried, params))
        builder.append(While(tuple(inits), params, cond_block[0], body, outs, node.lineno))
        self.after_loop(node, env, carried, outs, objects, params, body)

    def loop_body(self, node, carried, inits, env, lower_body):
        """Lower a loop body, re-lowering until the carried kinds are stable and each carry
        is known to be what the previous iteration may have left in it (for `holders`)."""
        kinds = [a.kind for a in inits]
        shared = [frozenset()] * len(carried)
        for _ in range(_MAX_KIND_ROUNDS + 1):
            params, body = self.lower_loop_once(node, carried, kinds, inits, env, lower_body,
                                                shared)
            new_kinds = [K.join(k, r.kind) for k, r in zip(kinds, body.results)]
            new_shared = [s | n for s, n in zip(shared, self.carried_sharing(params, body))]
            if new_kinds == kinds and all(n == s or k.is_scalar for n, s, k in
                                          zip(new_shared, shared, kinds)):
                return params, body      # a number's sharing: no round (2 ** depth in nests)
            kinds, shared = new_kinds, new_shared
        return self.lower_loop_once(node, carried, [K.UNKNOWN] * len(carried), inits, env,
                                    lower_body, shared)

    def lower_loop_once(self, node, carried, kinds, inits, env, lower_body, shared):
        params = tuple(Var(n, k) for n, k in zip(carried, kinds))
        for param, init, marks in zip(params, inits, shared):
            before = [v if how == "outer" else params[v] for how, v in marks]
            self.may_be(param, [init] + before)     # the start, or what an iteration left
        body_env, body_builder = dict(env), Builder(node.lineno, facts=self.facts)
        body_env.update(zip(carried, params))
        lower_body(params, body_env, body_builder)
        results = tuple(self.atom(body_env[n], body_builder, node) for n in carried)
        return params, Block(body_builder.stmts, results)

    def carried_sharing(self, params, body):
        """For each carry, what its new value may be besides a value made in this iteration:
        a value from before the loop ("outer", var) or the value of another carry ("carry",
        k), now or in the next iteration; not what its parameter may be already (_new_marks)."""
        made = bound_vars(body)
        index = {id(p): k for k, p in enumerate(params)}
        shared = []
        for j, result in enumerate(body.results):
            marks = set()
            for v in self.stores.same_objects(result):
                if id(v) in index:
                    marks.add(("carry", index[id(v)]))
                elif isinstance(v, Var) and v not in made:
                    marks.add(("outer", v))
            marks.update(("carry", k) for k, r in enumerate(body.results)
                         if r is result and isinstance(r, Var))
            shared.append(_new_marks(marks, params, self.stores.same_objects(params[j])))
        return shared

    def carried_names(self, body, env, node):
        """Names the loop body assigns that exist before the loop (or that code after it
        reads: srcad/lowering/unbound.py): its carried values."""
        return self.loop_carries(_assigned_names(body), env, node,
                                 names_read_outside(self.parsed.node, node))

    def after_loop(self, node, env, carried, outs, inits, params, body):
        env.update(zip(carried, outs))
        for out, init, param, result in zip(outs, inits, params, body.results):
            self.may_be(out, (init, param, result))    # no iteration, or the last one




def _new_marks(marks, params, known):
    """The marks of what a carry may be that its parameter may not be already (`known`: its
    start, and the marks of the round before). The others would change nothing in another
    round: with them, each loop of a nest lowered its body twice, the innermost 2 ** depth
    times (the four loops of a naive convolution: 16)."""
    known = {id(v) for v in known}
    return frozenset(m for m in marks if id(params[m[1]] if m[0] == "carry" else m[1])
                     not in known)


def _known_int(atom, builder):
    """The int value of a loop bound when it is known now: a constant, or the length of a
    list or tuple whose kind lists its items (a list of (W, b) pairs); else None."""
    if isinstance(atom, Const):
        return atom.value if type(atom.value) is int else None
    eqn = builder.defined_by.get(atom)
    if eqn is not None and eqn.prim == "len" and eqn.args[0].kind.tag in ("list", "tuple") \
            and eqn.args[0].kind.items is not None:
        return len(eqn.args[0].kind.items)
    return None


def _static_trip_count(bounds):
    """True when the loop's bounds are known now and it runs at least once."""
    if any(b is None for b in bounds):
        return False
    start, stop, step = bounds
    return step != 0 and len(range(start, stop, step)) > 0


def _after_first(iteration):
    """The same iteration without its first element: the index starts one step later."""
    start, stop, step = iteration.bounds
    return replace(iteration, bounds=(Const(start.value + step.value), stop, step))


def _assigned_names(stmts):
    """Names the statements bind, or rebind by changing their object (`xs.append(v)`,
    `xs[k] = v`: srcad rebinds the name to a new value)."""
    names = {}
    for stmt in stmts:
        names.update(dict.fromkeys(_assigned_in(stmt)))
    return list(names)


@functools.lru_cache(maxsize=1024)
def _assigned_in(stmt):
    names = {}
    for node in (stmt, *nodes_below(stmt)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr)):
            targets = [node.target]
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            targets = [ast.Name(node.name)]
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in CHANGING_METHODS:
            targets = [node.func.value]
        elif isinstance(node, ast.Call) and numpy_writes.written_target(node) is not None:
            targets = [numpy_writes.written_target(node)]       # np.fill_diagonal(a, v)
        for t in targets:
            names.update(dict.fromkeys(_bound_by(t)))
    return tuple(names)


def _bound_by(target):
    """The names an assignment target (re)binds: `a`, `(a, b)`, and `xs` of `xs[k]`."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for t in target.elts for n in _bound_by(t)]
    if isinstance(target, (ast.Subscript, ast.Starred)):
        return _bound_by(target.value)
    return []


_UNSUPPORTED = {
    "Try": "try/except: srcad cannot differentiate through exceptions; check inputs "
           "before the call instead (`if not np.all(np.isfinite(x)): return fallback`), or "
           "keep only `try: ... finally: ...`, which srcad runs as the body then the finally "
           "block",
    "TryStar": "try/except*",
    "With": "a with block: move the context manager outside the differentiated function",
    "AsyncWith": "async with",
    "AsyncFor": "async for",
    "Global": "global: pass the value as an argument instead",
    "Nonlocal": "nonlocal: srcad does not follow an inner function's assignments to its "
                "caller's names; pass the value in and return the new one, assigning it where "
                "it is called (`def add(total, t): return total + t` ... "
                "`total = add(total, t)`)",
    "ClassDef": "a class defined inside the function: define it at module level",
    "Import": "import inside the function: import at module level",
    "ImportFrom": "import inside the function: import at module level",
}
