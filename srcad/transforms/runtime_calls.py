"""The derivatives of run-time calls (`dyncall`, srcad/lowering/runtime_calls.py): the callee
is known only when the code runs, so the derivative asks for the callee's derivative there.

Reverse mode: the forward sweep calls the callee's forward half once, `v, back = pullback(fn,
x)`, which keeps what its backward half reads; the reverse sweep calls `bx = back(g)` (a tuple
of adjoints where several arguments vary). Forward mode: `v, dv = pushforward(fn, x, dx)`
computes the value and its tangent in one run of the callee's jvp, in place of the call.
"""

from .. import kinds as K
from .. import naming
from ..ir.nodes import Const, Eqn, Var


def runtime_adjoint(sweep, eqn, g, adj, rb):
    """Reverse a run-time call into rb; returns the forward sweep's equation for it."""
    site, fn, args = eqn.args[0].value, eqn.args[1], eqn.args[2:]
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Var) and a in sweep.varied)
    if not positions:
        return [eqn]
    pullback = Const(site.pullback(len(args), positions), naming.PULLBACK)
    back = Var(naming.BACK, K.OTHER)
    forward = Eqn((eqn.out, back), "dyncall_fwd", (pullback, fn) + args, eqn.line)
    grads = tuple(Var(_adjoint_hint(args[i]), args[i].kind) for i in positions)
    rb.append(Eqn(grads, "dyncall_back", (back, g), eqn.line))
    sweep.finished.update(grads)            # the callee's backward half finished them
    for i, grad in zip(positions, grads):
        sweep.accumulate(adj, args[i], grad, rb)
    return [forward]


def _adjoint_hint(var):
    return naming.adjoint(var.hint) if var.hint else None


def runtime_tangent(tangents, eqn, tan, tb):
    """A run-time call with its tangent, `v, dv = pushforward(fn, *args, *dargs)`."""
    site, fn, args = eqn.args[0].value, eqn.args[1], eqn.args[2:]
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Var) and a in tan)
    if not positions or eqn.out not in tangents.varied:
        tb.append(eqn)
        return
    pushforward = Const(site.pushforward(len(args), positions), naming.PUSHFORWARD)
    dout = Var(None, eqn.out.kind)
    dargs = tuple(tan[args[i]] for i in positions)
    tb.append(Eqn((eqn.out, dout), "dyncall_pushforward", (pushforward, fn) + args + dargs,
                  eqn.line))
    tan[eqn.out] = dout
    tangents.name_tangent(eqn.out, dout)
