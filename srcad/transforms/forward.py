"""Forward mode: IR -> IR with a tangent alongside every varied value, in one sweep.

`tangent(fn, wrt)` walks the statements once. Each equation is followed by its tangent
equations, built from the rule table's jvp entries:

    dv = sum_i jvp_i(dx_i, v, *args)      over the args x_i whose tangent is non-zero

A value that does not depend on a wrt input has no tangent at all (a symbolic zero), so no
`0 * dx` is ever written. `if` carries the tangents of its varied outs as extra outs; a loop
carries the tangents of its varied carries as extra carries.

Reverse-mode output can be differentiated again (forward-over-reverse, for Hessians): a
tape that records a varied value records its tangent right after it (`tape_push` twice), and
the reverse sweep pops the tangent first (last in, first out). `tape_activity` pairs each
tape's pops with its pushes so that popped values are known to be varied.
"""

import numpy as np

from .. import kinds as K
from .. import naming
from ..analysis.activity import substitute, useful_vars, varied_vars
from ..ir.builder import Builder, Sym, apply_rule, as_atom
from ..ir.facts import Facts
from .inline import expand_calls
from ..errors import NonDifferentiableError, SrcadError, not_differentiable
from ..ir.nodes import Block, Const, Eqn, For, Function, If, Var, While, read_counts, walk_eqns
from ..rules import RULES, ZERO
from ..rules.writes import dtype_known, into_integers
from .runtime_calls import RUN_TIME_CALLS
from .tangent_checks import check_tangent, check_tangents  # noqa: F401 (api, family use them)


def tangent(fn, wrt, lower=None, again=False):
    """The jvp of `fn` with respect to the params at indices `wrt`.

    The new function takes fn's params followed by one tangent per wrt index (`dx` for `x`)
    and returns (value, tangent_out), tangent_out = sum_i d fn / d params[wrt_i] . dx_i.
    A function with several results returns them, and their tangents, as tuples.
    `lower(helper, arg_kinds)` lowers a helper that tangents flow through, to inline it
    (srcad/pipeline.py passes it). `again`: the derivative will be differentiated again.
    """
    wrt_params = [fn.params[i] for i in wrt]
    fn = inline_calls(fn, varied_vars(fn, wrt_params), lower)
    sweep = Tangents(fn, *tape_activity(fn, wrt_params), again)
    tb = Builder(fn.line, facts=sweep.facts)
    dparams = tuple(Var(_dhint(p), p.kind, p) for p in wrt_params)
    tan = {}
    for p, dp in zip(wrt_params, dparams):
        sweep.accumulate(tan, p, dp, tb)
    sweep.block_stmts(fn.body.stmts, tan, tb)
    value, dvalue = sweep.outputs(fn.body.results, tan, tb)
    stmts, (value, dvalue) = sweep.facts.baked(tb.stmts, (value, dvalue))   # tangents named
    names = (fn.param_names or tuple(p.hint for p in fn.params)) + tuple(d.hint for d in dparams)
    return Function(fn.name, fn.params + dparams, Block(stmts, (value, dvalue)),
                    fn.filename, fn.line, fn.source_lines, param_names=names)


def _dhint(var):
    return naming.tangent(var.hint)


# ----- helpers: inlined where tangents flow through them -------------------------------------
_MAX_INLINE_DEPTH = 16


def inline_calls(fn, varied, lower, depth=0):
    """fn with every `call` of a user helper that receives a varied value replaced by the
    helper's own statements (lowered for the arguments' kinds by `lower`), so one sweep
    covers both."""
    if not any(e.prim == "call" for e in walk_eqns(fn.body)):
        return fn

    def expand(eqn, stmts, mapping):
        if any(isinstance(a, Var) and a in varied for a in eqn.args[1:]):
            inlined, mapping[eqn.out] = _callee_stmts(fn, eqn, varied, lower, depth)
            stmts += inlined
        else:
            stmts.append(eqn)

    body = expand_calls(fn.body, expand)
    return Function(fn.name, fn.params, body, fn.filename, fn.line, fn.source_lines,
                    fn.param_names)


def _callee_stmts(fn, eqn, varied, lower, depth):
    """The helper's statements with its params replaced by the call's arguments."""
    helper, args = eqn.args[0].value, eqn.args[1:]
    if depth >= _MAX_INLINE_DEPTH:
        raise NonDifferentiableError(
            f"forward mode inlines the helper {helper.__name__}, which calls itself "
            "recursively; write the recursion as a loop", filename=fn.filename, line=eqn.line,
            construct=helper.__name__)
    if lower is None:
        raise SrcadError(f"forward.tangent without lower= met a call of {helper.__name__}; "
                         "the pipeline passes it (srcad/pipeline.py)")
    callee = lower(helper, [a.kind for a in args])
    inner_wrt = [p for p, a in zip(callee.params, args) if isinstance(a, Var) and a in varied]
    callee = inline_calls(callee, varied_vars(callee, inner_wrt), lower, depth + 1)
    known = Facts()                          # shapes known inside the helper stay known
    known.shapes.update((p, a) for p, a in zip(callee.params, args)
                        if isinstance(a, Var) and p.same_shape_as is None)
    stmts, atoms = known.baked(callee.body.stmts, callee.params + callee.body.results[:1])
    mapping = dict(zip(atoms[:-1], args))
    return substitute(stmts, mapping), mapping.get(atoms[-1], atoms[-1])


# ----- activity through tapes ------------------------------------------------------------------
def tape_activity(fn, wrt_params):
    """(varied vars, tape layout) where values popped from a tape are varied when the values
    pushed at their position are. The layout maps a tape var to (root tape, record flags)."""
    eqns = list(walk_eqns(fn.body))
    defs = {o: e for e in eqns for o in e.outs}
    extra = set()
    while True:
        varied = varied_vars(fn, list(wrt_params) + sorted(extra, key=id))
        layout = TapeLayout(eqns, defs, varied)
        popped = layout.varied_pops()
        if popped <= extra:
            return varied, layout
        extra |= popped


def refuse_reverse_through_tapes(fn, wrt):
    """Raise NonDifferentiableError where a varied value of `fn` goes through a tape.

    Reverse mode does not differentiate the tape a gradient's loop records on (grad of grad
    of a function with a loop); it must refuse rather than drop that path silently.
    """
    _, layout = tape_activity(fn, [fn.params[i] for i in wrt])
    for push in layout.pushes:
        if any(layout.tape_flags(push.args[0])):
            raise NonDifferentiableError(
                "reverse mode over the loop of a derivative (srcad.grad of srcad.grad of a "
                "function with a loop) is not supported; use srcad.hessian or srcad.hvp "
                "(forward over reverse), or srcad.jvp of the gradient",
                filename=fn.filename, line=push.line, construct="loop")


class TapeLayout:
    """Which positions of each tape's records hold varied values, and which var is which tape.

    A tape is the out of a `tape_new` (its root); a tape pushed inside an outer loop's record
    and popped in the outer reverse loop is the same tape under a new var.
    """

    def __init__(self, eqns, defs, varied):
        self.defs = defs
        self.pushes = [e for e in eqns if e.prim == "tape_push"]
        self.pops = [e for e in eqns if e.prim == "tape_pop"]
        self.roots = {e.out: e.out for e in eqns if e.prim == "tape_new"}
        self.flags = {}
        self.resolve(varied)

    def resolve(self, varied):
        """Follow tapes through records to a fixed point, then flag the varied positions."""
        while self.follow_round():
            pass
        for push in self.pushes:
            root = self.roots.get(push.args[0])
            if root is not None:
                items = self.items(push)
                flags = tuple(isinstance(a, Var) and a in varied for a in items)
                old = self.flags.get(root, (False,) * len(flags))
                self.flags[root] = tuple(a or b for a, b in zip(old, flags))

    def follow_round(self):
        changed = False
        for push in self.pushes:
            root = self.roots.get(push.args[0])
            if root is None:
                continue
            for k, item in enumerate(self.items(push)):
                inner = self.roots.get(item)
                for pop in self.pops_of(root):
                    if inner is not None and pop.outs[k] not in self.roots:
                        self.roots[pop.outs[k]] = inner
                        changed = True
        return changed

    def pops_of(self, root):
        return [p for p in self.pops if self.roots.get(p.args[0]) is root]

    def items(self, push):
        """The values one push records: the items of its record, or the one value."""
        pops = self.pops_of(self.roots.get(push.args[0]))
        n = len(pops[0].outs) if pops else 1
        value = push.args[1]
        record = self.defs.get(value)
        if n > 1 and record is not None and record.prim == "make_tuple" and \
                len(record.args) == n:
            return record.args
        return (value,)

    def varied_pops(self):
        return {out for pop in self.pops for out, flag in
                zip(pop.outs, self.flags.get(self.roots.get(pop.args[0]), ())) if flag}

    def tape_flags(self, tape):
        return self.flags.get(self.roots.get(tape), ())


# ----- the sweep -------------------------------------------------------------------------------
class Tangents:
    def __init__(self, fn, varied, layout, again=False):
        self.fn = fn
        self.varied = varied
        self.layout = layout
        self.again = again           # to be differentiated again (transforms/runtime_calls.py)
        self.facts = Facts()         # tangents' names and shapes, given to the output's Vars
        self.useful = None           # useful_vars(fn), found where a rule is missing

    def reaches_output(self, eqn):
        """Whether a tangent of eqn's outputs may reach fn's results (analysis.activity's
        useful_vars), or its outputs are read nowhere (a call made for what it does to its
        arguments): a missing rule is refused only then, as reverse mode does."""
        if self.useful is None:
            self.useful = useful_vars(self.fn)
            self.read = read_counts(self.fn.body)
        return any(o in self.useful or not self.read.get(o) for o in eqn.outs)

    # ----- tangent bookkeeping ---------------------------------------------------------------
    def accumulate(self, tan, var, contribution, tb):
        """tan[var] += contribution; the first contribution is assigned, not added to zero."""
        contribution = as_atom(contribution)
        if var in tan:
            prim = "add" if var.kind.is_numeric else "add_any"
            contribution = tb.emit(prim, tan[var], contribution)
        tan[var] = contribution
        self.name_tangent(var, contribution)

    def name_tangent(self, var, atom):
        """A fresh tangent takes the name `d` + its primal's, and is known to share its shape."""
        if not isinstance(atom, Var) or atom is var or self.facts.hint(atom) is not None:
            return
        self.facts.name(atom, _dhint(var))
        if self.facts.shape_source(atom) is None and self.facts.shape_class(var) is not atom:
            self.facts.same_shape(atom, var)

    def zeros(self, atom, tb):
        """A materialised zero tangent for `atom` (where a block must yield one)."""
        kind = atom.kind
        if kind.is_scalar or _is_number(atom):
            return Const(0.0)
        if kind.tag in ("none", "str", "other") or (kind.tag == "list" and kind.items is None
                                                    and _is_tape(atom)):
            return Const(None)
        return tb.emit("zeros_like", atom)

    def tangent_or_zeros(self, atom, tan, tb):
        if isinstance(atom, Var) and atom in tan:
            return tan[atom]
        return self.zeros(atom, tb)

    def outputs(self, results, tan, tb):
        """(value, tangent) of the function's results; several results become tuples."""
        tangents = [self.tangent_or_zeros(r, tan, tb) for r in results]
        if len(results) == 1:
            return results[0], tangents[0]
        return (tb.emit("make_tuple", *results, hint=naming.VALUE),
                tb.emit("make_tuple", *tangents, hint=naming.TANGENTS))

    # ----- statements ------------------------------------------------------------------------
    def block_stmts(self, stmts, tan, tb):
        """Each statement of `stmts` into `tb`, followed by its tangent statements."""
        for stmt in stmts:
            tb.line = getattr(stmt, "line", tb.line)
            if isinstance(stmt, Eqn):
                self.eqn(stmt, tan, tb)
            elif isinstance(stmt, If):
                self.if_(stmt, tan, tb)
            else:
                self.loop(stmt, tan, tb)

    def eqn(self, eqn, tan, tb):
        special = _SPECIAL.get(eqn.prim)
        if special is not None:
            special(self, eqn, tan, tb)
            return
        tb.append(eqn)
        if not any(o in self.varied for o in eqn.outs) or _is_effect_only(eqn):
            return
        if len(eqn.outs) != 1:
            if self.reaches_output(eqn):
                self.refuse(eqn, "a multi-output operation")
            return
        for term in self.contributions(eqn, tan, tb):
            self.accumulate(tan, eqn.out, term, tb)

    def contributions(self, eqn, tan, tb):
        """jvp_i(dx_i, ans, *args) for each arg with a non-zero tangent."""
        rule = RULES[eqn.prim]
        args = [Sym(tb, a) for a in eqn.args]
        terms = []
        for i, arg in enumerate(eqn.args):
            if not (isinstance(arg, Var) and arg in tan):
                continue
            jvp = rule.jvp_rule(i)
            if jvp is ZERO:
                continue
            term = None if jvp is None else self.apply_rule(eqn, jvp, tan[arg], args, tb)
            if (term is None or term is ZERO) and not self.reaches_output(eqn):
                continue             # a sample drawn with p, only indexed with: no tangent
            if term is None or term is ZERO:
                self.refuse(eqn, f"argument {i + 1} ({_arg_name(rule, i)})")
            terms.append(term)
        return terms

    def apply_rule(self, eqn, jvp, dx, args, tb):
        return apply_rule(jvp, dx, eqn, args, tb, self.fn.filename)

    def refuse(self, eqn, what):
        raise not_differentiable(self.fn, eqn, what, "forward")

    # ----- if --------------------------------------------------------------------------------
    def if_(self, stmt, tan, tb):
        """The tangents of the varied outs leave each branch as extra outs."""
        active = [j for j, o in enumerate(stmt.outs) if o in self.varied]
        blocks = [self.branch(block, active, tan, stmt.line) for block in (stmt.then, stmt.orelse)]
        douts = tuple(Var(_dhint(stmt.outs[j]), stmt.outs[j].kind, stmt.outs[j]) for j in active)
        tb.append(If(stmt.cond, blocks[0], blocks[1], stmt.outs + douts, stmt.line))
        for j, dout in zip(active, douts):
            tan[stmt.outs[j]] = dout

    def branch(self, block, active, tan, line):
        inner, bb = dict(tan), Builder(line, facts=self.facts)
        self.block_stmts(block.stmts, inner, bb)
        dresults = tuple(self.tangent_or_zeros(block.results[j], inner, bb) for j in active)
        return Block(bb.stmts, block.results + dresults)

    # ----- loops -----------------------------------------------------------------------------
    def loop(self, stmt, tan, tb):
        """Tangents of the varied carries become extra carries (varied_vars found the fixed
        point: a carry is varied if its start or its update is)."""
        active = [j for j, p in enumerate(stmt.carry_params) if p in self.varied]
        params = stmt.carry_params
        dparams = tuple(Var(_dhint(params[j]), params[j].kind, params[j]) for j in active)
        dinits = tuple(self.tangent_or_zeros(stmt.carry_init[j], tan, tb) for j in active)
        inner, bb = dict(tan), Builder(stmt.line, facts=self.facts)
        inner.update((params[j], dp) for j, dp in zip(active, dparams))
        self.block_stmts(stmt.body.stmts, inner, bb)
        dresults = tuple(self.tangent_or_zeros(stmt.body.results[j], inner, bb) for j in active)
        body = Block(bb.stmts, stmt.body.results + dresults)
        douts = tuple(Var(_dhint(stmt.outs[j]), stmt.outs[j].kind, stmt.outs[j]) for j in active)
        tb.append(_rebuild_loop(stmt, stmt.carry_init + dinits, params + dparams, body,
                                stmt.outs + douts))
        for j, dout in zip(active, douts):
            tan[stmt.outs[j]] = dout

    # ----- structural primitives -------------------------------------------------------------
    def container(self, eqn, tan, tb):
        """make_tuple / make_list / make_dict(keys, ...): the container of the items'
        tangents (zeros where none), under the same keys."""
        tb.append(eqn)
        if eqn.out in self.varied:
            keys = eqn.args[:1] if eqn.prim == "make_dict" else ()
            items = [self.tangent_or_zeros(a, tan, tb) for a in eqn.args[len(keys):]]
            tan[eqn.out] = tb.emit(eqn.prim, *keys, *items, hint=_dhint(eqn.out))

    def structural(self, eqn, tan, tb):
        """seq_concat / with_item: the same operation on the tangents of the containers and
        items (zeros where none); the arguments whose jvp is None (a key) stay as they are."""
        tb.append(eqn)
        if eqn.out in self.varied:
            rule = RULES[eqn.prim]
            args = [a if rule.jvp_rule(i) is None else self.tangent_or_zeros(a, tan, tb)
                    for i, a in enumerate(eqn.args)]
            tan[eqn.out] = tb.emit(eqn.prim, *args, hint=_dhint(eqn.out))

    def unpack(self, eqn, tan, tb):
        """`a, b = x`: the tangents are `da, db = dx`."""
        tb.append(eqn)
        x = eqn.args[0]
        if not (isinstance(x, Var) and x in tan):
            return
        douts = tuple(Var(_dhint(o), o.kind, o) for o in eqn.outs)
        tb.append(Eqn(douts, "unpack", (tan[x],) + eqn.args[1:], eqn.line))
        tan.update((o, d) for o, d in zip(eqn.outs, douts) if o in self.varied)

    def tape_push(self, eqn, tan, tb):
        """Record the tangents of the record's varied items right after the record."""
        tb.append(eqn)
        tape = eqn.args[0]
        flags = self.layout.tape_flags(tape)
        if not any(flags):
            return
        items = self.layout_items(eqn)
        dvalues = [self.tangent_or_zeros(a, tan, tb) for a, f in zip(items, flags) if f]
        record = dvalues[0] if len(dvalues) == 1 else tb.emit("make_tuple", *dvalues,
                                                              hint=naming.TAPE_TANGENT)
        tb.append(Eqn((Var(None, K.NONE),), "tape_push", (tape, record), eqn.line))

    def layout_items(self, push):
        items = self.layout.items(push)
        if len(items) != len(self.layout.tape_flags(push.args[0])):
            raise SrcadError("forward mode: a tape whose records change shape between pushes",
                             filename=self.fn.filename, line=push.line, construct="tape")
        return items

    def tape_pop(self, eqn, tan, tb):
        """The tangents were pushed last, so they are popped first."""
        flags = self.layout.tape_flags(eqn.args[0])
        if any(flags):
            douts = tuple(Var(_dhint(o), o.kind, o) for o, f in zip(eqn.outs, flags) if f)
            tb.append(Eqn(douts, "tape_pop", eqn.args, eqn.line))
            tan.update(zip([o for o, f in zip(eqn.outs, flags) if f], douts))
        tb.append(eqn)

    def helper_sweep(self, eqn, tan, tb):
        """A gradient that calls a helper's compiled sweeps (call_fwd / call_bwd) is opaque."""
        tb.append(eqn)
        if any(o in self.varied for o in eqn.outs):
            name = getattr(eqn.args[0], "name", None) or "a helper"
            raise NonDifferentiableError(
                f"forward mode does not go through {name}, the compiled reverse sweep of a "
                "module-level helper inside a gradient (srcad.hessian, srcad.hvp, or jvp of "
                "grad); define the helper inside the function instead (nested helpers are "
                "inlined)",
                filename=self.fn.filename, line=eqn.line, construct=name)

    def linear_in_first(self, eqn, tan, tb):
        """Adjoint plumbing from reverse mode, linear in its first argument: the tangent is
        the same operation applied to that argument's tangent (the others are structure)."""
        tb.append(eqn)
        first = eqn.args[0]
        if eqn.out in self.varied and isinstance(first, Var) and first in tan:
            tan[eqn.out] = tb.emit(eqn.prim, tan[first], *eqn.args[1:], hint=_dhint(eqn.out))

    def add_at(self, eqn, tan, tb):
        """acc[index] += g, in place: the tangent accumulator gets dg the same way (a zero
        where g has no tangent: consumers of a filled accumulator expect every slot)."""
        acc, index, g = eqn.args
        if eqn.out not in self.varied:
            tb.append(eqn)
            return
        dacc = tan[acc] if _has_tangent(acc, tan) else tb.emit("empty_adjoint", acc)
        dg = self.tangent_or_zeros(g, tan, tb)
        tb.append(eqn)
        tan[eqn.out] = tb.emit("add_at", dacc, index, dg, hint=_dhint(eqn.out))

    def empty_adjoint(self, eqn, tan, tb):
        """An empty accumulator is a zero; its tangent is an empty accumulator of its own,
        made from the tangent (add_at fills accumulators in place: they must not be shared,
        so it is not the same equation twice, which common-subexpression elimination would
        merge)."""
        tb.append(eqn)
        x = eqn.args[0]
        if eqn.out in self.varied and _has_tangent(x, tan):
            tan[eqn.out] = tb.emit("empty_adjoint", tan[x], hint=_dhint(eqn.out))

    def product_vjp(self, eqn, tan, tb):
        """matmul_vjp / dot_vjp / inner_vjp(g, a, b, which): the adjoint of factor `which`
        of a product, e.g. g @ b^T or a^T @ g; linear in g and in the other factor, and
        independent of the values (only the shape) of factor `which` itself."""
        tb.append(eqn)
        if eqn.out not in self.varied:
            return
        which = eqn.args[3]
        other = 2 if which.value == 0 else 1
        for k in (0, other):
            arg = eqn.args[k]
            if isinstance(arg, Var) and arg in tan:
                args = list(eqn.args)
                args[k] = tan[arg]
                self.accumulate(tan, eqn.out, tb.emit(eqn.prim, *args), tb)

    def write(self, eqn, tan, tb):
        """x[i] = v, x[i] op= v: the same update on the tangent of x (zeros where x has
        none, made before the write reads x), with the tangent of v (or a zero):
        d(x[i] = v) is dx[i] = dv; d(x[i] += v) is dx[i] += dv; d(x[i] *= v) is
        dx[i] *= v, then dx[i] += x[i] dv; d(x[i] /= v) is dx[i] /= v, then
        dx[i] -= ans[i] dv / v."""
        x, index, v = eqn.args
        if eqn.out not in self.varied:
            tb.append(eqn)
            return
        dx = tan.get(x) if _has_tangent(x, tan) else None
        dv = tan.get(v) if _has_tangent(v, tan) and not into_integers(x) else None
        if dx is None and dv is None:                    # (an int array stores v cast)
            tb.append(eqn)
            return
        if dx is None and (dv is not None or eqn.prim in ("setitem", "imul_at", "idiv_at")):
            dx = tb.emit("zeros_like", x)
        old = tb.emit("getitem", x, index) if eqn.prim == "imul_at" and dv is not None \
            else None
        tb.append(eqn)
        if dv is not None and not dtype_known(x):
            dv = tb.emit("stored_derivative", dv, eqn.out)
        hint = _dhint(eqn.out)
        if eqn.prim == "setitem":
            tan[eqn.out] = tb.emit("setitem", dx, index, Const(0.0) if dv is None else dv,
                                   hint=hint)
        elif eqn.prim in ("iadd_at", "isub_at"):
            tan[eqn.out] = dx if dv is None else tb.emit(eqn.prim, dx, index, dv, hint=hint)
        else:
            scaled = tb.emit(eqn.prim, dx, index, v, hint=None if dv is not None else hint)
            if dv is not None:
                term = tb.emit("mul", old, dv) if eqn.prim == "imul_at" else \
                    tb.emit("div", tb.emit("mul", tb.emit("getitem", eqn.out, index), dv), v)
                update = "iadd_at" if eqn.prim == "imul_at" else "isub_at"
                scaled = tb.emit(update, scaled, index, term, hint=hint)
            tan[eqn.out] = scaled


def _rebuild_loop(stmt, inits, params, body, outs):
    if isinstance(stmt, For):
        return For(stmt.index, stmt.start, stmt.stop, stmt.step, inits, params, body, outs,
                   stmt.reverse, stmt.line)
    return While(inits, params, stmt.cond, body, outs, stmt.line)


def _has_tangent(atom, tan):
    return isinstance(atom, Var) and atom in tan


def _is_number(atom):
    return isinstance(atom, Const) and isinstance(atom.value, (int, float, np.number))


def _is_tape(atom):
    return isinstance(atom, Var) and atom.hint in (naming.TAPE, None)


def _is_effect_only(eqn):
    """An effect that produces nothing (check_scalar): there is no value to give a tangent."""
    return RULES[eqn.prim].effect and all(o.kind.tag == "none" for o in eqn.outs)


def _arg_name(rule, i):
    return rule.arg_names[min(i, len(rule.arg_names) - 1)] if rule.arg_names else f"#{i}"


_SPECIAL = {
    "make_tuple": Tangents.container,
    "make_list": Tangents.container,
    "make_dict": Tangents.container,
    "seq_concat": Tangents.structural,
    "with_item": Tangents.structural,
    "without_item": Tangents.linear_in_first,
    "unpack": Tangents.unpack,
    "tape_push": Tangents.tape_push,
    "tape_pop": Tangents.tape_pop,
    "adjoint_item": Tangents.linear_in_first,
    "finish_adjoint": Tangents.linear_in_first,
    "empty_adjoint": Tangents.empty_adjoint,
    "add_at": Tangents.add_at,
    "call_fwd": Tangents.helper_sweep,
    "call_bwd": Tangents.helper_sweep,
    "matmul_vjp": Tangents.product_vjp,
    "dot_vjp": Tangents.product_vjp,
    "inner_vjp": Tangents.product_vjp,
    "setitem": Tangents.write,
    "iadd_at": Tangents.write,
    "isub_at": Tangents.write,
    "imul_at": Tangents.write,
    "idiv_at": Tangents.write,
}
_SPECIAL.update(RUN_TIME_CALLS)      # srcad/transforms/runtime_calls.py
