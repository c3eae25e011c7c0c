"""The derivatives of run-time calls (`dyncall`, srcad/lowering/runtime_calls.py): the callee
is known only when the code runs, so the derivative asks for the callee's derivative there.

Reverse mode: the forward sweep calls the callee's forward half once, `v, back = pullback(fn,
x)`, which keeps what its backward half reads; the reverse sweep calls `bx = back(g)` (a tuple
of adjoints where several arguments vary). Forward mode: `v, dv = pushforward(fn, x, dx)`
computes the value and its tangent in one run of the callee's jvp, in place of the call.
"""

from .. import kinds as K
from .. import naming
from ..errors import NonDifferentiableError
from ..ir.nodes import Const, Eqn, Var


def runtime_adjoint(sweep, eqn, g, adj, rb):
    """Reverse a run-time call into rb; returns the forward sweep's equation for it."""
    site, args = eqn.args[0].value, eqn.args[2:]
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Var) and a in sweep.varied)
    if not positions:
        return [eqn]
    if sweep.again:
        return adjoint_to_differentiate_again(sweep, eqn, g, adj, rb, positions)
    return kept_halves(sweep, eqn, g, adj, rb, site.pullback(len(args), positions), positions)


def runtime_adjoint_of_adjoint(sweep, eqn, g, adj, rb):
    """Reverse mode over `bh = pullback(fn, h, g)` (jacobian of grad, vjp of vjp): its
    forward half runs the callee's vjp and keeps what the reverse of that reads."""
    pullback, args = eqn.args[0].value, eqn.args[2:]
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Var) and a in sweep.varied)
    if not positions:
        return [eqn]
    if sweep.again:
        raise NonDifferentiableError(
            "a third derivative through a call whose callee is known only when it runs; "
            "choose the function from what srcad can see (an argument, a constant key; "
            "docs/dynamic_python.md)", filename=sweep.fn.filename, line=eqn.line,
            construct="run-time call")
    return kept_halves(sweep, eqn, g, adj, rb, pullback.reverse(positions), positions)


def kept_halves(sweep, eqn, g, adj, rb, pullback, positions):
    """`v, back = pullback(fn, *args)` in the forward sweep, `bx = back(g)` in the reverse."""
    fn, args = eqn.args[1], eqn.args[2:]
    back = Var(naming.BACK, K.OTHER)
    forward = Eqn((eqn.out, back), "dyncall_fwd", (Const(pullback, naming.PULLBACK), fn) + args,
                  eqn.line)
    grads = tuple(Var(_adjoint_hint(args[i]), args[i].kind) for i in positions)
    rb.append(Eqn(grads, "dyncall_back", (back, g), eqn.line))
    sweep.finished.update(grads)            # the callee's backward half finished them
    for i, grad in zip(positions, grads):
        sweep.accumulate(adj, args[i], grad, rb)
    return [forward]


def adjoint_to_differentiate_again(sweep, eqn, g, adj, rb, positions):
    """In a derivative that is differentiated again (hessian, jvp of grad), each adjoint is
    one equation of the call's arguments and g, `bh = pullback(fn, h, g)` (running the
    callee's forward half again), which forward mode (`runtime_tangent_of_adjoint`) and
    reverse mode (`runtime_adjoint_of_adjoint`) follow; the forward sweep keeps the call."""
    site, fn, args = eqn.args[0].value, eqn.args[1], eqn.args[2:]
    for i in positions:
        pullback = Const(site.pullback_at(len(args), (i,)), naming.PULLBACK)
        grad = Var(_adjoint_hint(args[i]), args[i].kind)
        rb.append(Eqn((grad,), "dyncall_vjp", (pullback, fn) + args + (g,), eqn.line))
        sweep.finished.add(grad)
        sweep.accumulate(adj, args[i], grad, rb)
    return [eqn]


def runtime_tangent_of_adjoint(tangents, eqn, tan, tb):
    """`bh = pullback(fn, h, g)` in forward mode: `bh, dbh = pushforward_pullback(fn, h, g,
    dh, dg)`, the callee's jvp of its vjp, compiled when the call meets it."""
    _pushforward_again(tangents, eqn, tan, tb, "dyncall_vjp_pushforward")


def runtime_tangent_of_tangent(tangents, eqn, tan, tb):
    """`v, dv = pushforward(fn, x, dx)` in forward mode again (jvp of jvp): `v, dv, v', dv' =
    pushforward(fn, x, dx, x', dx')`, the callee's jvp of its jvp."""
    _pushforward_again(tangents, eqn, tan, tb, "dyncall_jvp_pushforward")


def _pushforward_again(tangents, eqn, tan, tb, prim):
    """The equation `eqn` (a run-time call's derivative) pushed forward along the tangents of
    its arguments, as `prim`: the call site's pushforward of what it already computes."""
    site, fn, args = eqn.args[0].value, eqn.args[1], eqn.args[2:]
    along = tuple(i for i, a in enumerate(args) if isinstance(a, Var) and a in tan)
    if not along or not any(o in tangents.varied for o in eqn.outs):
        tb.append(eqn)
        return
    again = Const(site.pushforward(along), naming.PUSHFORWARD)
    douts = tuple(Var(None, o.kind) for o in eqn.outs)
    dargs = tuple(tan[args[i]] for i in along)
    tb.append(Eqn(eqn.outs + douts, prim, (again, fn) + args + dargs, eqn.line))
    for out, dout in zip(eqn.outs, douts):
        tan[out] = dout
        tangents.name_tangent(out, dout)


def refuse_third_forward(tangents, eqn, tan, tb):
    """Forward mode over a run-time call's second derivative (or over its kept halves, which
    a gradient to be differentiated again does not write) is not derived."""
    if not any(isinstance(a, Var) and a in tan for a in eqn.args):
        tb.append(eqn)
        return
    raise NonDifferentiableError(
        "a third derivative through a call whose callee is known only when it runs; choose "
        "the function from what srcad can see (an argument, a constant key; "
        "docs/dynamic_python.md)",
        filename=tangents.fn.filename, line=eqn.line, construct="run-time call")


def _adjoint_hint(var):
    return naming.adjoint(var.hint) if var.hint else None


def runtime_tangent(tangents, eqn, tan, tb):
    """A run-time call with its tangent, `v, dv = pushforward(fn, *args, *dargs)`."""
    site, fn, args = eqn.args[0].value, eqn.args[1], eqn.args[2:]
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Var) and a in tan)
    if not positions or eqn.out not in tangents.varied:
        tb.append(eqn)
        return
    dargs = tuple(tan[args[i]] for i in positions)
    if tangents.again:                    # to be differentiated again: the tangent alone
        return tangent_to_differentiate_again(tangents, eqn, tan, tb, positions, dargs)
    pushforward = Const(site.pushforward(len(args), positions), naming.PUSHFORWARD)
    dout = Var(None, eqn.out.kind)
    tb.append(Eqn((eqn.out, dout), "dyncall_pushforward", (pushforward, fn) + args + dargs,
                  eqn.line))
    tan[eqn.out] = dout
    tangents.name_tangent(eqn.out, dout)


def tangent_to_differentiate_again(tangents, eqn, tan, tb, positions, dargs):
    """The call as written, and its tangent as one equation, `dv = pushforward(fn, x, dx)`,
    which forward mode (`runtime_tangent_of_tangent`) and reverse mode
    (`runtime_adjoint_of_adjoint`) follow."""
    site, fn, args = eqn.args[0].value, eqn.args[1], eqn.args[2:]
    tb.append(eqn)
    pushforward = Const(site.pushforward_at(len(args), positions), naming.PUSHFORWARD)
    dout = tb.emit("dyncall_tangent", pushforward, fn, *args, *dargs, kind=eqn.out.kind)
    tan[eqn.out] = dout
    tangents.name_tangent(eqn.out, dout)


# forward mode's handlers of run-time calls and of what their derivatives write
RUN_TIME_CALLS = {"dyncall": runtime_tangent, "dyncall_vjp": runtime_tangent_of_adjoint,
                  "dyncall_pushforward": runtime_tangent_of_tangent,
                  "dyncall_tangent": runtime_tangent_of_tangent,
                  "dyncall_fwd": refuse_third_forward, "dyncall_back": refuse_third_forward,
                  "dyncall_vjp_pushforward": refuse_third_forward,
                  "dyncall_jvp_pushforward": refuse_third_forward}
