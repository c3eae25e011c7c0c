"""Derivatives of ODE solutions: `scipy.integrate.odeint` and `solve_ivp` with respect to the
initial state, the parameters passed through `args=`, and the times.

The user's dynamics `f(y, t, *args)` is the user's own code: srcad differentiates it (its
vector-Jacobian product for reverse mode, its Jacobian-vector product for forward mode), and
the derivative of the solution comes from a second solve with the same solver and tolerances:

- reverse mode, the adjoint method (Pontryagin; Chen et al. 2018, "Neural ordinary
  differential equations"; autograd's `odeint`): from the last output time back to the first,
  the augmented state [y, a, a_t, a_p] follows

        y' = f(y, t)    a' = -a . df/dy    a_t' = -a . df/dt    a_p' = -a . df/dp

  with a(t_i) jumping by the output's adjoint g_i at each output time; a(t_0) is the adjoint
  of y0, a_p(t_0) that of the parameters, and the adjoint of t_i is g_i . f(y_i, t_i) (and
  a_t(t_0) for t_0);
- forward mode, the forward sensitivity equations: the state [y, s] follows y' = f(y, t),
  s' = df/dy . s + df/dp . dp from s(t_0) = dy0 - f(y0, t0) dt0, and the tangent of the output
  at t_i is s(t_i) + f(y_i, t_i) dt_i.

So the derivative is that of the exact solution, computed to the solver's tolerance: it agrees
with finite differences of the solver to about rtol, not to rounding error, and it is not the
derivative of the solver's discrete steps (docs/odes.md).

This module sits above the transforms (it calls srcad.vjp / srcad.jvp on the dynamics) and
imports SciPy only through `sys.modules`: the user has imported scipy.integrate to call it.
"""

import importlib
import sys

import numpy as np

from . import api, tree
from .tools.numeric import positional


def integrate_module():
    """scipy.integrate: the user imported it to call it (the table-wide sweep imports it
    here)."""
    return sys.modules.get("scipy.integrate") or importlib.import_module("scipy.integrate")


def _parameter(value):
    """Whether an item of `args` is a parameter: a float, a float array, or a container of
    them (a list of (W, b) pairs); an item mixing floats with other values is refused."""
    leaves = tree.flatten(value)[0]
    floats = [tree.is_float_leaf(v) for v in leaves]
    if any(floats) and not all(f or v is None for f, v in zip(floats, leaves)):
        raise TypeError("srcad: an item of the ODE solver's args= mixes floats with other "
                        "values; pass the floats (the parameters) and the others as separate "
                        "items of args=, so that the parameters can be differentiated")
    return any(floats)


class Dynamics:
    """The user's f called as the solver calls it, with the float leaves of `args` (the
    parameters) gathered in one flat vector p, and its derivatives by srcad."""

    def __init__(self, func, args, tfirst, y0, t0):
        self.func, self.args, self.tfirst = func, tuple(args), bool(tfirst)
        self.active = [k for k, a in enumerate(self.args) if _parameter(a)]
        self.trees = [tree.flatten(self.args[k]) for k in self.active]
        self.size = len(np.ravel(y0))
        y_at, t_at = (1, 0) if self.tfirst else (0, 1)
        self.wrt = (y_at, t_at) + tuple(2 + k for k in self.active)
        # srcad's derivatives of f, compiled once per kinds; the cotangent and the tangents
        # passed last, by name where f has defaults (srcad.tools.numeric.positional)
        self.pullback = positional(api.vjp(func, wrt=self.wrt), 1)
        self.pushforward = positional(api.jvp(func, wrt=self.wrt[:1] + self.wrt[2:]),
                                      len(self.wrt) - 1)
        self.list_output = isinstance(self.call(np.ravel(np.asarray(y0, float)), t0,
                                                self.p0()), (list, tuple))

    def p0(self):
        return self.flat([self.args[k] for k in self.active])

    def flat(self, values):
        """The float leaves of values (one per parameter, shaped like it) in one vector."""
        pieces = []
        for value, (leaves, treedef) in zip(values, self.trees):
            found = [value] if treedef.node is None else tree.flatten(value)[0]
            pieces.extend(np.zeros(np.size(like)) if v is None else np.ravel(v)
                          for v, like in zip(found, leaves) if like is not None)
        return np.concatenate(pieces).astype(float, copy=False) if pieces else np.zeros(0)

    def unflatten(self, p):
        """The parameters of the flat vector p, each shaped (and typed) like its argument."""
        out, start = [], 0
        for leaves, treedef in self.trees:
            rebuilt = []
            for leaf in leaves:
                n = 0 if leaf is None else int(np.size(leaf))
                piece = None if leaf is None else p[start:start + n].reshape(np.shape(leaf))
                rebuilt.append(piece if isinstance(leaf, np.ndarray) or piece is None
                               else float(piece[()]))
                start += n
            out.append(rebuilt[0] if treedef.node is None else tree.unflatten(treedef, rebuilt))
        return out

    def arguments(self, y, t, p):
        args = list(self.args)
        for k, value in zip(self.active, self.unflatten(p)):
            args[k] = value
        return (t, y, *args) if self.tfirst else (y, t, *args)

    def call(self, y, t, p):
        return self.func(*self.arguments(y, t, p))

    def __call__(self, y, t, p):
        return np.ravel(np.asarray(self.call(y, t, p), dtype=float))

    def vjp(self, y, t, p, v):
        """(f, v . df/dy, v . df/dt, v . df/dp), each flat."""
        cotangent = [float(c) for c in v] if self.list_output else v
        value, grads = self.pullback(*self.arguments(y, t, p), cotangent)
        by, bt = grads[:2]
        return (np.ravel(np.asarray(value, float)), np.ravel(np.asarray(by, float)),
                float(bt), self.flat(grads[2:]))

    def jvp(self, y, t, p, dy, dp):
        """(f, df/dy . dy + df/dp . dp)."""
        dyt = np.asarray(dy, float)
        value, out = self.pushforward(*self.arguments(y, t, p), dyt, *self.unflatten(dp))
        return np.ravel(np.asarray(value, float)), np.ravel(np.asarray(out, float))


# ----- the two solvers, seen the same way: states at the given times ----------------------
def odeint_solver(options):
    """solve(rhs(t, state), state0, times) -> states, shape (len(times), n), with odeint."""
    def solve(rhs, state0, times):
        return integrate_module().odeint(rhs, state0, times, tfirst=True, **options)
    return solve


def ivp_solver(options):
    """The same with solve_ivp (the method and tolerances of the primal call)."""
    def solve(rhs, state0, times):
        if times[0] == times[-1]:
            return np.repeat(np.asarray(state0, float)[None], len(times), axis=0)
        sol = integrate_module().solve_ivp(rhs, (times[0], times[-1]), state0, t_eval=times,
                                     **options)
        if sol.status != 0:
            raise RuntimeError(f"solve_ivp failed in srcad's derivative solve: {sol.message}")
        return sol.y.T
    return solve


# ----- reverse mode: the adjoint method -----------------------------------------------------
def adjoint(dynamics, solve, ys, times, g):
    """(adjoint of y0, of each time, of the flat parameters) for outputs ys at `times`
    (ys[0] = y0 at times[0]) and their adjoint g, by the backward augmented solve."""
    n, p = dynamics.size, dynamics.p0()
    a_y, a_t, a_p = g[-1].copy(), 0.0, np.zeros_like(p)
    bt = np.zeros(len(times))

    def augmented(t, state):
        y, a = state[:n], state[n:2 * n]
        f, by, btime, bp = dynamics.vjp(y, t, p, -a)
        return np.concatenate([f, by, [btime], bp])

    for i in range(len(times) - 1, 0, -1):
        bt[i] = float(np.dot(dynamics(ys[i], times[i], p), g[i]))
        a_t -= bt[i]
        state = np.concatenate([ys[i], a_y, [a_t], a_p])
        state = solve(augmented, state, np.array([times[i], times[i - 1]]))[-1]
        a_y, a_t, a_p = state[n:2 * n] + g[i - 1], state[2 * n], state[2 * n + 1:]
    bt[0] = a_t
    return a_y, bt, a_p


# ----- forward mode: the sensitivity equations -------------------------------------------
def tangent(dynamics, solve, ys, times, dy0, dp, dtimes):
    """The tangent of the outputs ys at `times` for tangents of y0, the flat parameters and
    the times (each may be None: zero)."""
    n, p = dynamics.size, dynamics.p0()
    dp = np.zeros_like(p) if dp is None else dp
    s0 = np.zeros(n) if dy0 is None else np.ravel(np.asarray(dy0, float)).copy()
    if dtimes is not None:
        s0 = s0 - dynamics(ys[0], times[0], p) * dtimes[0]

    def augmented(t, state):
        f, ds = dynamics.jvp(state[:n], t, p, state[n:], dp)
        return np.concatenate([f, ds])

    if dy0 is None and dtimes is None and not np.any(dp):
        out = np.zeros_like(ys)
    else:
        out = solve(augmented, np.concatenate([ys[0], s0]), times)[:, n:]
    if dtimes is not None:
        out = out + np.array([dynamics(y, t, p) * d for y, t, d in zip(ys, times, dtimes)])
    return out


# ----- between the flat vectors and the user's values ------------------------------------
def like(flat, value):
    """flat shaped like value: a float for a number, an array of its shape otherwise."""
    if isinstance(value, np.ndarray):
        return np.reshape(flat, value.shape).astype(value.dtype, copy=False)
    if isinstance(value, (list, tuple)):
        return type(value)(float(v) for v in np.ravel(flat))
    return float(np.ravel(flat)[0])


def args_adjoint(dynamics, bp):
    """The adjoint of the `args` tuple: the parameters' adjoints, None for the others."""
    out = [None] * len(dynamics.args)
    for k, piece in zip(dynamics.active, dynamics.unflatten(bp)):
        out[k] = piece
    return tuple(out)


def seeds(dynamics, which, d):
    """(dy0, dp, dtimes) for the tangent d of the argument `which` ("y0", "t" or "args")."""
    if which == "y0":
        return d, None, None
    if which == "t":
        return None, None, np.ravel(np.asarray(d, dtype=float))
    return None, dynamics.flat([d[k] for k in dynamics.active]), None
