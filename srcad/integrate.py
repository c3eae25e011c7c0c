"""The primitives `scipy.integrate.odeint` and `solve_ivp` lower to, and their rules.

    odeint(func, y0, t, args, ...)                       -> ys, shape (len(t), len(y0))
    solve_ivp(fun, t_span, y0, t_eval, args, ...)        -> sol.y, shape (len(y0), len(t_eval))

Lowering (srcad/lowering/integrate.py) makes the call one of these, with the user's dynamics as a
constant. Their adjoint and tangent rules emit `odeint_adjoint` / `odeint_tangent` (and the
`ivp_` pair), which solve the adjoint or sensitivity equations (srcad/ode.py); those have no
rules of their own, so a second derivative through an ODE solve is refused.

Registered when srcad is imported (this module never imports SciPy: the primitives are reached
only from a call of scipy.integrate's own functions, which the user has imported).
"""

import importlib.util

import numpy as np

from . import kinds as K
from . import ode
from .ir.nodes import Const
from .rules.ops import getitem, op
from .rules.table import defprim

ODEINT_OPTIONS = {"args": (), "rtol": None, "atol": None, "tfirst": False, "h0": 0.0,
                  "hmax": 0.0, "hmin": 0.0, "mxstep": 0}
IVP_OPTIONS = {"t_eval": None, "args": None, "method": "RK45", "rtol": 1e-3, "atol": 1e-6,
               "max_step": np.inf, "first_step": None}


_HAS_SCIPY = importlib.util.find_spec("scipy") is not None      # else no samples to sweep


def _exponential_decay(y, t, k):
    """y' = -k y: a sample for the table-wide sweep."""
    return -k * y


def _rotation(t, y, w):
    """y' = (w y1, -w y0) (+ a forcing in t): a sample for the table-wide sweep."""
    return np.array([w * y[1], -w * y[0] + 0.1 * t])


# ----- odeint --------------------------------------------------------------------------------
def odeint(func, y0, t, args=(), rtol=None, atol=None, tfirst=False, h0=0.0, hmax=0.0,
           hmin=0.0, mxstep=0):
    """scipy.integrate.odeint with the options srcad differentiates through."""
    return ode.integrate_module().odeint(func, y0, t, args=args, rtol=rtol, atol=atol,
                                         tfirst=tfirst, h0=h0, hmax=hmax, hmin=hmin,
                                         mxstep=mxstep)


def _odeint_parts(func, y0, t, args, options):
    """The dynamics, the solver and the times of an odeint call with these options (rtol,
    atol, tfirst, h0, hmax, hmin, mxstep, in odeint's order)."""
    options = dict(zip(list(ODEINT_OPTIONS)[1:], options))
    tfirst = options.pop("tfirst")
    times = np.asarray(t, dtype=float)
    return ode.Dynamics(func, args, tfirst, y0, times[0]), ode.odeint_solver(options), times


def odeint_adjoint(g, ys, func, y0, t, args, rtol=None, atol=None, tfirst=False, h0=0.0,
                   hmax=0.0, hmin=0.0, mxstep=0):
    """(adjoint of y0, of t, of args) for the adjoint g of ys = odeint(...)."""
    options = (rtol, atol, tfirst, h0, hmax, hmin, mxstep)
    dynamics, solve, times = _odeint_parts(func, y0, t, args, options)
    g = np.reshape(np.asarray(g, dtype=float), np.shape(ys))
    by0, bt, bp = ode.adjoint(dynamics, solve, ys, times, g)
    return (ode.like(by0, y0), ode.like(bt, t), ode.args_adjoint(dynamics, bp))


def odeint_tangent(d, ys, which, func, y0, t, args, rtol=None, atol=None, tfirst=False,
                   h0=0.0, hmax=0.0, hmin=0.0, mxstep=0):
    """The tangent of ys = odeint(...) for the tangent d of y0, t or args (`which`)."""
    options = (rtol, atol, tfirst, h0, hmax, hmin, mxstep)
    dynamics, solve, times = _odeint_parts(func, y0, t, args, options)
    dy0, dp, dtimes = ode.seeds(dynamics, which, d)
    return ode.tangent(dynamics, solve, ys, times, dy0, dp, dtimes)


def _adjoint_kind(g, ans, func, y0, t, args, *options):
    return K.Kind("tuple", items=(y0, t, args))


def _odeint_vjp(k):
    return lambda g, ans, *a: getitem(op("odeint_adjoint")(g, ans, *a), Const(k))


def _odeint_jvp(which):
    return lambda d, ans, *a: op("odeint_tangent")(d, ans, Const(which), *a)


_N_OPTIONS = len(ODEINT_OPTIONS) - 1
defprim("odeint", odeint, ("impl", "odeint"), arg_names=("func", "y0", "t", *ODEINT_OPTIONS),
        defaults=dict(ODEINT_OPTIONS), kind=lambda *ks: K.array(2),
        jvp=(None, _odeint_jvp("y0"), _odeint_jvp("t"), _odeint_jvp("args")) +
        (None,) * _N_OPTIONS,
        vjp=(None, _odeint_vjp(0), _odeint_vjp(1), _odeint_vjp(2)) + (None,) * _N_OPTIONS,
        samples=_HAS_SCIPY * [(_exponential_decay, np.array([1.0, 2.0]), np.array([0.0, 0.5, 1.0]),
                  (0.7,), 1e-10, 1e-10),
                 (_rotation, np.array([1.0, 0.5]), np.array([0.0, 0.3, 0.8]), (1.3,),
                  1e-10, 1e-10, True)],
        doc="scipy.integrate.odeint(func, y0, t, args=...), with func the user's dynamics")
_SOLVER_OPTIONS = {k: v for k, v in ODEINT_OPTIONS.items() if k != "args"}
defprim("odeint_adjoint", odeint_adjoint, ("impl", "odeint_adjoint"),
        arg_names=("g", "ys", "func", "y0", "t", *ODEINT_OPTIONS), kind=_adjoint_kind,
        defaults=_SOLVER_OPTIONS,
        doc="the adjoints of y0, t and args of odeint, by the adjoint method (srcad/ode.py)")
defprim("odeint_tangent", odeint_tangent, ("impl", "odeint_tangent"),
        arg_names=("d", "ys", "which", "func", "y0", "t", *ODEINT_OPTIONS),
        kind=lambda d, ys, *rest: ys, defaults=_SOLVER_OPTIONS,
        doc="the tangent of odeint's output for the tangent of y0, t or args (`which`), by "
            "the forward sensitivity equations (srcad/ode.py)")


# ----- solve_ivp -----------------------------------------------------------------------------
def solve_ivp(fun, t_span, y0, t_eval=None, args=None, method="RK45", rtol=1e-3, atol=1e-6,
              max_step=np.inf, first_step=None):
    """`scipy.integrate.solve_ivp(...).y` at the times t_eval; raises where the solver fails
    (srcad reads no other field of the result)."""
    sol = ode.integrate_module().solve_ivp(fun, t_span, y0, method=method, t_eval=t_eval,
                                           args=args, rtol=rtol, atol=atol, max_step=max_step,
                                           first_step=first_step)
    if sol.status != 0:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return sol.y


def _ivp_parts(fun, t_span, y0, t_eval, args, options):
    """The dynamics, the solver and the times (t_span[0], then t_eval) of a solve_ivp call
    with these options (method, rtol, atol, max_step, first_step)."""
    options = dict(zip(list(IVP_OPTIONS)[2:], options))
    times = np.concatenate([[float(t_span[0])], np.asarray(t_eval, dtype=float)])
    dynamics = ode.Dynamics(fun, args or (), True, y0, times[0])
    return dynamics, ode.ivp_solver(options), times


def ivp_adjoint(g, ys, fun, t_span, y0, t_eval, args, method="RK45", rtol=1e-3, atol=1e-6,
                max_step=np.inf, first_step=None):
    """(adjoint of t_span, y0, t_eval, args) for the adjoint g of solve_ivp(...).y."""
    options = (method, rtol, atol, max_step, first_step)
    dynamics, solve, times = _ivp_parts(fun, t_span, y0, t_eval, args, options)
    states = np.concatenate([np.ravel(np.asarray(y0, float))[None], np.transpose(ys)])
    g = np.concatenate([np.zeros((1, dynamics.size)), np.transpose(g)])
    by0, bt, bp = ode.adjoint(dynamics, solve, states, times, g)
    b_span = type(t_span)([bt[0], 0.0]) if isinstance(t_span, (list, tuple)) else \
        np.array([bt[0], 0.0])
    return (b_span, ode.like(by0, y0), ode.like(bt[1:], t_eval),
            None if args is None else ode.args_adjoint(dynamics, bp))


def ivp_tangent(d, ys, which, fun, t_span, y0, t_eval, args, method="RK45", rtol=1e-3,
                atol=1e-6, max_step=np.inf, first_step=None):
    """The tangent of solve_ivp(...).y for the tangent d of t_span, y0, t_eval or args."""
    options = (method, rtol, atol, max_step, first_step)
    dynamics, solve, times = _ivp_parts(fun, t_span, y0, t_eval, args, options)
    states = np.concatenate([np.ravel(np.asarray(y0, float))[None], np.transpose(ys)])
    if which in ("t_span", "t_eval"):
        dtimes = np.zeros(len(times))
        if which == "t_span":
            dtimes[0] = float(d[0])
        else:
            dtimes[1:] = np.ravel(d)
        dy0, dp = None, None
    else:
        dy0, dp, dtimes = ode.seeds(dynamics, "args" if which == "args" else "y0", d)
    out = ode.tangent(dynamics, solve, states, times, dy0, dp, dtimes)
    return np.transpose(out[1:])


def _ivp_vjp(k):
    return lambda g, ans, *a: getitem(op("ivp_adjoint")(g, ans, *a), Const(k))


def _ivp_jvp(which):
    return lambda d, ans, *a: op("ivp_tangent")(d, ans, Const(which), *a)


def _ivp_adjoint_kind(g, ans, fun, t_span, y0, t_eval, args, *options):
    return K.Kind("tuple", items=(t_span, y0, t_eval, args))


_IVP_ARGS = ("fun", "t_span", "y0", *IVP_OPTIONS)
_N_IVP = len(IVP_OPTIONS) - 2
defprim("solve_ivp", solve_ivp, ("impl", "solve_ivp"), arg_names=_IVP_ARGS,
        defaults=dict(IVP_OPTIONS), kind=lambda *ks: K.array(2),
        jvp=(None, _ivp_jvp("t_span"), _ivp_jvp("y0"), _ivp_jvp("t_eval"), _ivp_jvp("args"))
        + (None,) * _N_IVP,
        vjp=(None, _ivp_vjp(0), _ivp_vjp(1), _ivp_vjp(2), _ivp_vjp(3)) + (None,) * _N_IVP,
        samples=_HAS_SCIPY * [(_rotation, (0.0, 1.5), np.array([1.0, 0.5]),
                               np.array([0.2, 0.6, 1.0]), (1.3,), "RK45", 1e-10, 1e-10)],
        doc="scipy.integrate.solve_ivp(fun, t_span, y0, t_eval=..., args=...).y, with fun "
            "the user's dynamics")
_IVP_SOLVER = {k: v for k, v in IVP_OPTIONS.items() if k not in ("t_eval", "args")}
defprim("ivp_adjoint", ivp_adjoint, ("impl", "ivp_adjoint"),
        arg_names=("g", "ys", *_IVP_ARGS), kind=_ivp_adjoint_kind, defaults=_IVP_SOLVER,
        doc="the adjoints of t_span, y0, t_eval and args of solve_ivp (srcad/ode.py)")
defprim("ivp_tangent", ivp_tangent, ("impl", "ivp_tangent"),
        arg_names=("d", "ys", "which", *_IVP_ARGS), kind=lambda d, ys, *rest: ys,
        defaults=_IVP_SOLVER,
        doc="the tangent of solve_ivp's y for the tangent of one argument (`which`)")
