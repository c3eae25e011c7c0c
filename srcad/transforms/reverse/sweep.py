"""Reverse mode: a forward sweep that records what it must, then a reverse sweep that
accumulates adjoints, as a new IR function.

The reverse sweep walks the statements backwards. An equation hands its output's adjoint to
its rule, which returns one contribution per varied argument; the first contribution to a
value's adjoint is assigned, later ones are added. An `if` is reversed branch by branch (the
forward `if` exports the values its reverse branch reads). A loop is replayed backwards: the
forward body pushes onto a tape only the values the reverse body reads that the loop itself
computes (the to-be-recorded set), and the reverse body pops them.
"""

from collections import ChainMap
from functools import partial

from ... import kinds as K
from ... import naming
from ...analysis.activity import (bound_vars, python_float, reads, substitute, substitute_block,
                                  varied_vars)
from ...ir.builder import Builder, Definitions, Sym, apply_rule
from ...ir.facts import Facts
from ...analysis.contributions import Contributions
from ...errors import NonScalarOutputError, SrcadError, not_differentiable
from ..forward import refuse_reverse_through_tapes
from ..runtime_calls import runtime_adjoint, runtime_adjoint_of_adjoint
from ...ir.nodes import Block, Const, Eqn, For, Function, If, Var, While, walk_eqns
from .chain import chain_levels, reverse_chain
from .checkpoint import checkpointed_replay
from .factoring import factored_sum
from .tape import (LoopPlan, carried_records, carry_pairs, clone_eqns, counted_while, forward_loop,
                   push, to_record)
from ...rules import RULES, ZERO
from ...rules.writes import may_repeat

_MAX_ROUNDS = 8


def adjoint(fn, wrt, *, mode="grad", wrt_tuple=False, helpers=None, again=False):
    """The reverse-mode derivative of `fn` with respect to the params at indices `wrt`.

    mode "grad": returns the gradients; "value_and_grad": (value, gradients); "vjp": takes a
    cotangent after fn's parameters and returns (value, gradients). Gradients are a tuple when
    `wrt_tuple`, else the single gradient. `helpers(fn, positions)` gives the derivative of a
    helper called by name (srcad/pipeline.py: `helper_vjp`). `again`: the derivative will be
    differentiated again (hessian, jvp of grad), so it is written as that can follow.
    """
    forward, reverse, seed, grads = sweeps(fn, wrt, mode, wrt_tuple, helpers=helpers,
                                           again=again)
    result = fn.body.results[0]
    results = grads if mode == "grad" else (result,) + grads
    params = fn.params + ((seed,) if mode == "vjp" else ())
    return Function(fn.name, params, Block(forward + reverse, results), fn.filename, fn.line,
                    fn.source_lines, param_names=fn.param_names)


def sweeps(fn, wrt, mode="vjp", wrt_tuple=True, seed_shaped_like_output=False, helpers=None,
           again=False):
    """(forward statements, reverse statements, the seed, the gradient atoms) of fn.
    `seed_shaped_like_output`: the caller guarantees the cotangent has the output's shape
    (a helper's backward sweep), so no adjoint needs reducing to it."""
    refuse_reverse_through_tapes(fn, wrt)      # a derivative's tape: never drop that path
    wrt_params = [fn.params[i] for i in wrt]
    sweep = Sweep(fn, varied_vars(fn, wrt_params), helpers or no_helpers, again)
    result = fn.body.results[0]
    shaped = result if seed_shaped_like_output and isinstance(result, Var) else None
    seed = Var(naming.SEED, result.kind, shaped) if mode == "vjp" else Const(1.0)
    adj = {}
    rb = Builder(fn.line, sweep.definitions, facts=sweep.facts)
    if mode != "vjp":
        _check_scalar_output(fn, result, rb)
    if isinstance(result, Var) and result in sweep.varied:
        sweep.accumulate(adj, result, seed, rb)
    forward = sweep.block_stmts(fn.body.stmts, adj, rb)
    grads = tuple(sweep.gradient(p, adj, rb) for p in wrt_params)
    if wrt_tuple and (len(grads) == 1 or mode != "grad"):
        grads = (rb.emit("make_tuple", *grads),)
    stmts, atoms = sweep.facts.baked(forward + rb.stmts, (seed,) + grads)   # adjoints named
    return stmts[:len(forward)], stmts[len(forward):], atoms[0], atoms[1:]


def no_helpers(fn, positions):
    """The `helpers` of a sweep run outside the pipeline, which compiles no helper."""
    raise SrcadError(f"reverse.adjoint without helpers= met a call of {fn.__name__}; the "
                     "pipeline passes them (srcad/pipeline.py)")


def _check_scalar_output(fn, result, rb):
    """grad of a non-scalar function is an error, never a silent sum."""
    kind = result.kind
    if kind.is_scalar or (kind.is_array and kind.ndim == 0):
        return
    if kind.is_array or kind.is_container or kind.tag in ("none", "str"):
        raise NonScalarOutputError(
            f"srcad.grad: {fn.name} must return a scalar, but it returns {_describe(kind)}; "
            "use srcad.vjp or srcad.jacobian for non-scalar outputs (or sum the output "
            "yourself); an array of one element is refused too, as in JAX: return out[0]",
            filename=fn.filename, line=fn.line)
    rb.emit("check_scalar", result)


def _describe(kind):
    if kind.is_array:
        return f"a {kind.ndim}-d array"
    return {"none": "None", "str": "a string"}.get(kind.tag, f"a {kind.tag}")


def _in_dtype_of(param, atom, rb):
    """A float32 (or float16) array's gradient in its own dtype, also where the function mixed
    in float64 constants (np.asarray copies nothing when the dtype is right already)."""
    kind = param.kind
    if not kind.is_array or kind.dtype in ("float64", "longdouble") or \
            not kind.dtype.startswith("float"):
        return atom
    name = _adjoint_name(param)
    if isinstance(atom, Var) and rb.hint(atom) == name:
        rb.facts.unname(atom)            # the name goes to the cast gradient
    return rb.emit("cast", atom, Const(kind.dtype), hint=name)


class Sweep:
    def __init__(self, fn, varied, helpers, again=False):
        self.fn = fn
        self.varied = varied
        self.helpers = helpers       # (fn, positions) -> a helper's derivative (pipeline.py)
        self.again = again           # to be differentiated again (transforms/runtime_calls.py)
        self.finished = set()        # adjoints that already have their primal's structure
        self.contributions = Contributions(varied)
        self.definitions = Definitions(fn.body)  # var -> primal equation, index -> reads
        self.facts = Facts()         # adjoints' names and shapes, given to the output's Vars
        self.spent = []              # (builder, a dense index adjoint _add scattered instead)

    # ----- adjoint bookkeeping ---------------------------------------------------------------
    def accumulate(self, adj, var, contribution, rb):
        """adj[var] += contribution; the first contribution is assigned, not added to zero."""
        if isinstance(contribution, Sym):
            contribution = contribution.atom
        if var not in adj:
            adj[var] = contribution
            self.name_adjoint(var, contribution, rb)
            return
        prim = "add" if var.kind.is_numeric else "add_any"
        previous = adj[var]
        total, spent = _add(var, prim, previous, contribution, rb)
        if spent is not None:
            self.spent.append((rb, spent))
        if previous in rb.defined_by and var.hint and rb.hint(previous) == _adjoint_name(var):
            self.facts.unname(previous)  # a partial sum: the name goes to the total
        self.name_adjoint(var, total, rb)
        adj[var] = total

    def name_adjoint(self, var, atom, rb=None):
        """Name a new adjoint value after its primal (`bx`); primal values keep their names."""
        if not isinstance(atom, Var) or atom is var:
            return
        if rb is not None and atom not in rb.defined_by:
            return
        facts = self.facts
        if facts.hint(atom) is None and var.hint is not None:
            facts.name(atom, naming.adjoint(var.hint), soft=True)
        if facts.shape_source(atom) is None and var.kind.is_numeric and \
                facts.shape_class(var) is not atom:
            facts.same_shape(atom, var)

    def zeros(self, var, rb):
        if var.kind.is_scalar:
            return Const(0.0)
        if var.kind.is_container:
            return rb.emit("empty_adjoint", var, hint=_adjoint_name(var))
        return rb.emit("zeros_like", var, hint=_adjoint_name(var))

    def gradient(self, param, adj, rb):
        """The adjoint of a wrt parameter, finished to the parameter's structure and dtype."""
        if adj.get(param) in self.finished:
            return adj[param]        # a helper's backward sweep returned it finished
        if param.kind.is_container or param.kind.tag == "unknown":
            return rb.emit("finish_adjoint", adj.get(param, Const(None)), param,
                           hint=_adjoint_name(param))
        if param not in adj:
            return rb.emit("zeros_like", param, hint=_adjoint_name(param))
        if param.kind.is_float_scalar and not self.python_float(adj[param], rb):
            return rb.emit("to_float", adj[param], hint=_adjoint_name(param))   # np.float64
        if param.kind.is_array and param.kind.ndim == 0:       # a NumPy scalar or 0-d array:
            return rb.emit("like_number", adj[param], param,             # its type and dtype
                           hint=_adjoint_name(param))
        return _in_dtype_of(param, adj[param], rb)

    def python_float(self, atom, rb):
        """Whether the gradient `atom` of a float parameter is a Python float already."""
        definitions = ChainMap(rb.defined_by, self.definitions)
        return python_float(atom, set(self.fn.params), definitions)

    # ----- statements ------------------------------------------------------------------------
    def block_stmts(self, stmts, adj, rb):
        """Reverse `stmts` into `rb` (backwards); returns the forward sweep's statements."""
        forward = []
        for stmt in reversed(stmts):
            rb.line = getattr(stmt, "line", rb.line)
            if isinstance(stmt, Eqn):
                forward.extend(reversed(self.eqn(stmt, adj, rb)))
            elif isinstance(stmt, If):
                forward.extend(reversed(self.if_(stmt, adj, rb)))
            else:
                forward.extend(reversed(self.loop(stmt, adj, rb)))
        forward.reverse()
        return forward

    def eqn(self, eqn, adj, rb):
        """Reverse one equation into rb; returns the forward sweep's equations for it."""
        if len(eqn.outs) != 1 or eqn.out not in adj:
            for out in eqn.outs:
                if out in adj:
                    self.refuse(eqn, "a multi-output operation")
            return [eqn]
        g = adj.pop(eqn.out)
        if eqn.prim == "getitem" and eqn.args[0].kind.is_container:
            self.accumulate_item(adj, eqn.args[0], eqn.args[1], g, rb)
            return [eqn]
        if eqn.prim in _CALLS:
            return _CALLS[eqn.prim](self, eqn, g, adj, rb)
        rule = RULES[eqn.prim]
        args = [Sym(rb, a) for a in eqn.args]
        for i, arg in _in_adjoint_order(rule, eqn.args):
            if not (isinstance(arg, Var) and arg in self.varied):
                continue
            vjp = rule.vjp_rule(i)
            if vjp is ZERO:
                continue
            if vjp is None:
                name = rule.arg_names[min(i, len(rule.arg_names) - 1)]
                self.refuse(_opaque_source(self.fn, arg) or eqn, f"argument {i + 1} ({name})")
            self.accumulate(adj, arg, self.apply_rule(eqn, vjp, g, args, rb), rb)
        self.drop_spent(adj, rb)
        return [eqn]

    def drop_spent(self, adj, rb):
        """Drop the dense index adjoints that _add scattered instead, once every contribution
        of the equation is added (the same one goes to both operands of x + y), and the
        product that iadd_at spread itself; not one that is still some value's adjoint, nor
        the primal array it read (a later adjoint may read it)."""
        if not self.spent:
            return
        held = {id(v) for v in adj.values()}
        for b in [b for owner, b in self.spent if owner is rb and id(b) not in held]:
            product = rb.defined_by[b].args[0] if b in rb.defined_by else None
            rb.drop_if_unread(b, depth=0)
            if isinstance(product, Var) and id(product) not in held:
                rb.drop_if_unread(product, depth=1)
        self.spent = [(owner, b) for owner, b in self.spent if owner is not rb]

    def call(self, eqn, g, adj, rb):
        """A call to a user function: its own forward half records residuals here, its
        backward half turns them and g into the adjoints of the varied arguments."""
        fn, args = eqn.args[0].value, eqn.args[1:]
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Var) and a in self.varied)
        derivative = self.helpers(fn, positions)
        pair = derivative.specialised([a.kind for a in args])
        fwd, bwd = pair or (derivative.forward, derivative.backward)
        residuals = Var(naming.helper_part(naming.RESIDUALS, fn), K.Kind("tuple"))
        forward = Eqn((eqn.out, residuals), "call_fwd", (Const(fwd, naming.helper_part("fwd", fn)),)
                      + args, eqn.line)
        grads = tuple(Var(None, args[i].kind) for i in positions)
        rb.append(Eqn(grads, "call_bwd", (Const(bwd, naming.helper_part("bwd", fn)), residuals, g),
                      eqn.line))
        self.finished.update(grads)
        for i, grad in zip(positions, grads):
            self.accumulate(adj, args[i], grad, rb)
        return [forward]

    def accumulate_item(self, adj, seq, index, g, rb):
        """The adjoint of `seq[index]` for a list/tuple/dict: add g into slot `index` of
        seq's adjoint (a list or dict of adjoints, None standing for zero)."""
        if not (isinstance(seq, Var) and seq in self.varied):
            return
        acc = adj.get(seq)
        if acc is None:
            acc = rb.emit("empty_adjoint", seq)
        adj[seq] = rb.emit("add_at", acc, index, g, hint=naming.adjoint(seq.hint))

    def apply_rule(self, eqn, vjp, g, args, rb):
        return apply_rule(vjp, g, eqn, args, rb, self.fn.filename)

    def refuse(self, eqn, what):
        raise not_differentiable(self.fn, eqn, what, "reverse")

    # ----- if --------------------------------------------------------------------------------
    def if_(self, stmt, adj, rb):
        seeds = {o: adj.pop(o) for o in stmt.outs if o in adj}
        outer = self.outer_contributions(stmt, seeds, adj)
        if not seeds and not outer:
            return [stmt]            # nothing active flows through this if
        levels = chain_levels(stmt, self.varied)
        if levels is not None:       # if/elif/.../else: one multi-way branch
            return reverse_chain(self, stmt, levels, seeds, outer, adj, rb)
        branches = []
        for block in (stmt.then, stmt.orelse):
            branches.append(self.reverse_branch(block, stmt, seeds, outer, adj))
        (fwd_then, rev_then, need_then), (fwd_else, rev_else, need_else) = branches
        exports = [Var(self.facts.hint(v), v.kind, v) for v in need_then + need_else]
        none_then = (Const(None),) * len(need_else)
        none_else = (Const(None),) * len(need_then)
        then_block = Block(fwd_then, stmt.then.results + tuple(need_then) + none_then)
        else_block = Block(fwd_else, stmt.orelse.results + none_else + tuple(need_else))
        forward_if = If(stmt.cond, then_block, else_block, stmt.outs + tuple(exports), stmt.line)
        mapping = dict(zip(need_then + need_else, exports))
        rev_then = substitute_block(rev_then, mapping)     # results too: a contribution may
        rev_else = substitute_block(rev_else, mapping)     # be an exported value itself
        outs = tuple(Var(naming.adjoint(u.hint), u.kind, _shaped_like(u)) for u in outer)
        rb.append(If(stmt.cond, rev_then, rev_else, outs, stmt.line))
        for u, out in zip(outer, outs):
            adj[u] = out
            self.name_adjoint(u, out)
        return [forward_if]

    def reverse_branch(self, block, stmt, seeds, outer, adj, tested=frozenset()):
        """One branch reversed: (forward stmts, reverse block, own or `tested` values read)."""
        branch_adj = {u: adj[u] for u in outer if u in adj}
        bb = Builder(stmt.line, self.definitions, facts=self.facts)
        for out, result in zip(stmt.outs, block.results):
            if out in seeds and isinstance(result, Var) and result in self.varied:
                self.accumulate(branch_adj, result, seeds[out], bb)
        forward = self.block_stmts(block.stmts, branch_adj, bb)
        results = tuple(branch_adj.get(u) or self.zeros(u, bb) for u in outer)
        local = bound_vars(Block(forward)) | tested
        needed = [v for v in reads(bb.stmts, results) if v in local]
        return forward, Block(bb.stmts, results), needed

    def outer_contributions(self, stmt, seeds, adj):
        """Vars defined outside a compound statement that its reverse contributes to, from the
        static analysis (contributions.py): those with an adjoint already first, in adj's
        order, then the others in the order the reverse contributes to them."""
        found = self.contributions.outer(stmt, frozenset(seeds))
        if not found:
            return []
        members = set(found)
        return [v for v in adj if v in members] + [v for v in found if v not in adj]

    # ----- loops -----------------------------------------------------------------------------
    def loop(self, stmt, adj, rb):
        seeds = {o: adj.pop(o) for o in stmt.outs if o in adj}
        outer = self.outer_contributions(stmt, seeds, adj)
        if isinstance(stmt, While):
            stmt, before = counted_while(stmt)
        else:
            before = []
        active = [j for j, p in enumerate(stmt.carry_params) if p in self.varied]
        if not seeds and not outer:
            return before + [stmt]   # nothing active flows through this loop
        return before + self.reverse_loop(stmt, seeds, active, outer, adj, rb)

    def reverse_loop(self, stmt, seeds, active, outer, adj, rb):
        body = stmt.body
        gparams = [Var(_adjoint_name(stmt.carry_params[j]), stmt.carry_params[j].kind,
                       _shaped_like(body.results[j]))       # the adjoint of this iteration's
                                                             # result, shaped like it
                   for j in active]
        accs = [Var(_adjoint_name(u), u.kind, _shaped_like(u)) for u in outer]
        body_adj = dict(zip(outer, accs))
        bb = Builder(stmt.line, self.definitions, facts=self.facts)
        for j, gp in zip(active, gparams):
            result = body.results[j]
            if isinstance(result, Var) and result in self.varied:
                self.accumulate(body_adj, result, gp, bb)
        forward_body = self.block_stmts(body.stmts, body_adj, bb)
        results = tuple(body_adj.get(stmt.carry_params[j]) or self.zeros(stmt.carry_params[j], bb)
                        for j in active) + tuple(body_adj.get(u) or self.zeros(u, bb)
                                                 for u in outer)
        plan = LoopPlan(stmt, forward_body, bb, results, seeds, active, outer, gparams, accs)
        replay = self.record_and_replay if getattr(stmt, "snapshots", None) is None or \
            not stmt.carry_params else partial(checkpointed_replay, self)   # revolve
        return replay(plan, adj, rb)

    def record_and_replay(self, plan, adj, rb):
        """The forward sweep's statements for the loop of `plan`, taped; its reverse, a loop
        popping the tape, goes into rb."""
        stmt, results, active, outer = plan.stmt, plan.results, plan.active, plan.outer
        forward_body, gparams, accs = plan.forward_body, plan.gparams, plan.accs
        is_for = isinstance(stmt, For)
        local = bound_vars(Block(forward_body)) | set(stmt.carry_params)
        rev_index = Var(stmt.index.hint if is_for else naming.LOOP_INDEX, K.INT)
        index_map = {stmt.index: rev_index} if is_for else {}
        stmts, needed, recomputed, made = to_record(plan.bb.stmts, results, forward_body, local,
                                                    index_map, carry_pairs(stmt))
        needed, shared = carried_records(stmt, needed)
        tape = Var(naming.TAPE, K.Kind("list"))
        popped = [Var(self.facts.hint(v), v.kind, v) for v in needed]   # same values, shapes
        later = [Var(self.facts.hint(r), r.kind, r) for r, _ in shared]  # next step's param
        mapping = dict(zip(needed + [r for r, _ in shared], popped + later))
        mapping.update(index_map)
        clones = clone_eqns(recomputed, mapping)
        pops = [Eqn(tuple(popped), "tape_pop", (tape,), stmt.line)] if needed else []
        rev_block = Block(pops + clones + substitute(stmts, mapping),
                          tuple(mapping.get(a, a) if isinstance(a, Var) else a for a in results)
                          + tuple(mapping[stmt.carry_params[j]] for _, j in shared))
        pushed = made + push(tape, needed, stmt.line)
        fwd_loop = forward_loop(stmt, forward_body, pushed, needed)
        inits = tuple(plan.seeds.get(stmt.outs[j]) or self.zeros(stmt.outs[j], rb) for j in active)
        inits += tuple(adj.get(u) or self.zeros(u, rb) for u in outer)
        shapes = [_shaped_like(stmt.carry_init[j]) for j in active] + list(outer)
        outs = tuple(Var(p.hint, p.kind, shape if isinstance(shape, Var) else None)
                     for p, shape in zip(gparams + accs, shapes))
        start, stop, step = ((stmt.start, stmt.stop, stmt.step) if is_for
                             else (Const(0), stmt.outs[-1], Const(1)))
        rb.append(For(rev_index, start, stop, step, inits + tuple(stmt.outs[j] for _, j in shared),
                      tuple(gparams + accs + later), rev_block,
                      outs + tuple(Var(v.hint, v.kind, v) for v in later), reverse=True,
                      line=stmt.line))
        for u, out in zip(outer, outs[len(active):]):
            adj[u] = out
        for j, out in zip(active, outs):
            init = stmt.carry_init[j]
            if isinstance(init, Var) and init in self.varied:
                self.accumulate(adj, init, out, rb)
        new_tape = [Eqn((tape,), "tape_new", (), stmt.line)] if needed else []
        return new_tape + [fwd_loop]


_CALLS = {"call": Sweep.call, "dyncall": runtime_adjoint,      # calls derived as a unit
          "dyncall_vjp": runtime_adjoint_of_adjoint,
          "dyncall_tangent": runtime_adjoint_of_adjoint}


def _add(var, prim, a, b, rb):
    """a + b (prim: add or add_any); where b is the adjoint of a read `x[i]` that names each
    position once (index_adjoint: zeros with g at i) and a is x's adjoint so far, `a[i] += g`
    instead of a dense addition."""
    scattered = rb.defined_by.get(b)
    if var.kind.is_array and scattered is not None and scattered.prim == "index_adjoint" \
            and not may_repeat(scattered.args[2]) and isinstance(a, Var) and \
            a.kind.is_array and rb.shape_class(a) is rb.shape_class(var):
        return rb.emit("iadd_at", a, scattered.args[2], scattered.args[0]), b
    return (prim == "add" and factored_sum(var, a, b, rb)) or rb.emit(prim, a, b), None


def _in_adjoint_order(rule, args):
    """(position, argument) pairs in the order the rule's adjoints are derived."""
    return [(i, args[i]) for i in rule.adjoint_order or range(len(args))]


def _shaped_like(var):
    """An adjoint has its primal's shape; numeric primal vars only (containers have none)."""
    return var if isinstance(var, Var) and var.kind.is_numeric else None


def _adjoint_name(var):
    return naming.adjoint(var.hint)


def _opaque_source(fn, arg):
    """The call srcad runs as written that made `arg` (`p = Params(W, b)`, then `p.W`), or
    None: the sweep meets the read first, but the call is what cannot be differentiated, and
    forward mode, meeting it first, names it."""
    return next((e for e in walk_eqns(fn.body) if arg in e.outs and e.prim == "opaque"), None)
