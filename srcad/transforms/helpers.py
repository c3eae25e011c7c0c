"""Calls to the user's own module-level functions, as IR: the two halves of a helper's
reverse-mode derivative (`split_vjp`), and, for a derivative that is differentiated again, the
helpers' code put in place of their calls (`inline_helper_calls`). srcad/pipeline.py compiles
the halves once per helper and argument kinds and hands them to reverse mode.
"""

from ..ir import nodes as ir
from .. import naming
from ..optimize import passes as optimize
from .reverse import sweep as reverse
from .. import kinds as K
from ..analysis.activity import substitute
from ..ir.builder import Builder
from ..errors import SrcadError
from .inline import inline
from ..ir.nodes import Block, Eqn, For, Function, If, Var, While


def split_vjp(fn, positions, helpers):
    """fn's reverse-mode derivative as two IR functions: fwd(*params) -> (value, residuals)
    and bwd(residuals, g) -> adjoint(s) of the params at `positions`. `helpers` gives the
    derivatives of the helpers fn calls in turn (srcad/pipeline.py)."""
    forward, backward, seed, grads = reverse.sweeps(fn, positions, "vjp", len(positions) > 1,
                                                    seed_shaped_like_output=True, helpers=helpers)
    bwd_body = optimize.simplify(_function(fn, (seed,), Block(backward, grads))).body
    residuals = [v for v in ir.free_vars(bwd_body) if v is not seed]
    saved = Var(naming.RESIDUALS, K.Kind("tuple"))
    copies = [Var(v.hint, v.kind, v.same_shape_as) for v in residuals]
    mapping = dict(zip(residuals, copies))
    unpack = [Eqn(tuple(copies), "unpack", (saved, ir.Const(len(copies))), fn.line)]
    bwd = _function(fn, (saved, seed), Block(unpack + substitute(bwd_body.stmts, mapping),
                                              tuple(mapping.get(a, a) for a in bwd_body.results)))
    record = Var(naming.RESIDUALS, K.Kind("tuple"))
    pack = Eqn((record,), "make_tuple", tuple(residuals), fn.line)
    fwd = _function(fn, fn.params, Block(forward + [pack], (fn.body.results[0], record)))
    return ir.verify(optimize.simplify(fwd)), ir.verify(optimize.simplify(bwd))


def _function(fn, params, body):
    return Function(fn.name, params, body, fn.filename, fn.line, fn.source_lines,
                    fn.param_names)


def inline_helper_calls(fn, lower, depth=0):
    """fn with every call to a user function replaced by the function's own code, lowered by
    `lower(helper, arg_kinds)`: for a derivative that will be differentiated again (hessian,
    grad of grad), whose transforms must see through the helpers."""
    if depth > 20:
        raise SrcadError("a recursive helper cannot be differentiated twice; write the "
                         "recursion as a loop", filename=fn.filename, line=fn.line)

    def expand(eqn, builder, mapping):
        callee, args = eqn.args[0].value, eqn.args[1:]
        inner = inline_helper_calls(lower(callee, [a.kind for a in args]), lower, depth + 1)
        mapping[eqn.out] = inline(inner, list(args), builder)[0]

    return _with_body(fn, _inline_block(fn.body, {}, expand, Builder))


def _inline_block(block, mapping, expand, builder_class):
    builder = builder_class()
    for original in block.stmts:
        stmt = substitute([original], mapping)[0]       # reads of calls inlined before it
        if isinstance(stmt, Eqn) and stmt.prim == "call":
            expand(stmt, builder, mapping)
            continue
        builder.append(_inline_nested(stmt, mapping, expand, builder_class))
    results = tuple(mapping.get(a, a) if isinstance(a, Var) else a for a in block.results)
    return Block(builder.stmts, results)


def _inline_nested(stmt, mapping, expand, builder_class):
    sub = lambda b: _inline_block(b, mapping, expand, builder_class)   # noqa: E731
    if isinstance(stmt, If):
        return If(stmt.cond, sub(stmt.then), sub(stmt.orelse), stmt.outs, stmt.line)
    if isinstance(stmt, For):
        return For(stmt.index, stmt.start, stmt.stop, stmt.step, stmt.carry_init,
                   stmt.carry_params, sub(stmt.body), stmt.outs, stmt.reverse, stmt.line,
                   stmt.snapshots)
    if isinstance(stmt, While):
        return While(stmt.carry_init, stmt.carry_params, sub(stmt.cond), sub(stmt.body),
                     stmt.outs, stmt.line)
    return stmt


def _with_body(fn, body):
    return Function(fn.name, fn.params, body, fn.filename, fn.line, fn.source_lines,
                    fn.param_names)
