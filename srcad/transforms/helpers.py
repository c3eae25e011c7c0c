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
from ..errors import SrcadError
from ..ir.copying import inline
from .inline import expand_calls
from .loss_patterns import computed_as_written
from ..ir.nodes import Block, Eqn, Function, Var


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
    fwd = computed_as_written(_function(fn, fn.params, Block(forward + [pack],
                                                             (fn.body.results[0], record))))
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

    def expand(eqn, stmts, mapping):
        callee, args = eqn.args[0].value, eqn.args[1:]
        inner = inline_helper_calls(lower(callee, [a.kind for a in args]), lower, depth + 1)
        mapping[eqn.out] = inline(inner, list(args), stmts)[0]

    return _with_body(fn, expand_calls(fn.body, expand))


def _with_body(fn, body):
    return Function(fn.name, fn.params, body, fn.filename, fn.line, fn.source_lines,
                    fn.param_names)
