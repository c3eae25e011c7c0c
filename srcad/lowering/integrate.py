"""Lowering calls of `scipy.integrate.odeint` and `solve_ivp`: the user's dynamics function,
known now, becomes a constant of the `odeint` / `solve_ivp` primitive (srcad/integrate.py),
whose rules differentiate the solution by the adjoint method or the sensitivity equations
(srcad/ode.py), with srcad's own derivative of the dynamics.

    ys = odeint(dynamics, y0, t, args=(theta,), rtol=1e-8)
    sol = solve_ivp(fun, (0.0, 2.0), y0, t_eval=ts, args=(k,));  sol.y

The dynamics must be known when srcad transforms the function (a module-level function, or
any function object bound before the call): a lambda or a def inside the differentiated
function may close over differentiated values, which the solver cannot pass on, so it is
refused with the rewrite (pass those values through `args=`). Of solve_ivp's result srcad
reads `.y` and `.t`; it needs `t_eval=`, and refuses dense output and events.
"""

import ast
import inspect
import sys
from dataclasses import dataclass

from ..ir.nodes import Const
from .dispatch import NOT_MINE
from ..rules import RULES
from .values import LocalFunction, Static

_SCIPY_DEFAULTS = {        # options srcad accepts only at SciPy's default value
    "odeint": {"Dfun": None, "col_deriv": 0, "full_output": 0, "ml": None, "mu": None,
               "tcrit": None, "ixpr": 0, "mxhnil": 0, "mxordn": 12, "mxords": 5,
               "printmessg": 0},
    "solve_ivp": {"dense_output": False, "events": None, "vectorized": False},
}
_POSITIONAL = {"odeint": ("func", "y0", "t", "args"),
               "solve_ivp": ("fun", "t_span", "y0", "method", "t_eval")}


def integrator(fn):
    """"odeint" or "solve_ivp" when `fn` is that function of SciPy's, else None."""
    integrate = sys.modules.get("scipy.integrate")
    if integrate is None:
        return None
    for name in ("odeint", "solve_ivp"):
        if fn is getattr(integrate, name, None):
            return name
    return None


@dataclass
class SolveIvpResult:
    """What `solve_ivp(...)` stands for while lowering: its `.y` (a value) and `.t`."""
    y: object
    t: object


class Integration:
    """A part of the lowering `lw` of a function: calls of odeint and solve_ivp, and the
    result of solve_ivp, as handlers of its hooks (lowering/dispatch.py)."""

    def __init__(self, lw):
        self.lw = lw

    def call(self, node, callee, args, kwargs, builder):
        """`odeint(...)` or `solve_ivp(...)`; NOT_MINE for any other call."""
        name = integrator(callee.obj) if isinstance(callee, Static) else None
        if name == "odeint":
            return self.integrator_call(node, "odeint", args, kwargs, builder)
        if name == "solve_ivp":
            return self.solve_ivp(node, args, kwargs, builder)
        return NOT_MINE

    def solve_ivp(self, node, args, kwargs, builder):
        bound = self.bind_integrator(node, "solve_ivp", args, kwargs)
        if "t_eval" not in bound:
            self.lw.refuse(node, "solve_ivp without t_eval=: the times of its output are the "
                                 "solver's own steps; pass the times you need as t_eval=")
        y = self.integrator_call(node, "solve_ivp", args, kwargs, builder)
        return SolveIvpResult(y, bound["t_eval"])

    def integrator_call(self, node, prim, args, kwargs, builder):
        bound = self.bind_integrator(node, prim, args, kwargs)
        rule = RULES[prim]
        atoms = [self.dynamics_constant(node, prim, bound[rule.arg_names[0]])]
        for name in rule.arg_names[1:]:
            value = bound.get(name, Const(rule.defaults.get(name)))
            atoms.append(self.lw.atom(value, builder, node))
        return self.lw.emit(prim, atoms, builder, node)

    def bind_integrator(self, node, prim, args, kwargs):
        """The arguments of an odeint / solve_ivp call by name; an option srcad does not pass
        on is refused unless it has SciPy's default value."""
        names = _POSITIONAL[prim]
        if len(args) > len(names):
            self.lw.refuse(node, f"{len(args)} positional arguments to {prim}; pass the options "
                                 "by keyword")
        bound = dict(zip(names, args))
        known = RULES[prim].arg_names
        for key, value in kwargs.items():
            default = _SCIPY_DEFAULTS[prim].get(key, _MISSING)
            if key in known and key not in bound:
                bound[key] = value
            elif default is _MISSING or not (isinstance(value, Const) and
                                             value.value == default):
                self.lw.refuse(node, f"the argument {key}= of {prim}: srcad differentiates "
                                     f"{prim} with the options {', '.join(known[3:])}")
        return bound

    def dynamics_constant(self, node, prim, value):
        """The dynamics function as a constant of the primitive."""
        if isinstance(value, LocalFunction):
            self.lw.refuse(node, f"a lambda or a def inside the differentiated function as "
                                 f"{prim}'s dynamics: it may close over differentiated values, "
                                 "which the solver cannot pass on; define the dynamics at module "
                                 "level and pass those values through args=(...)")
        if not isinstance(value, Static) or not callable(value.obj):
            self.lw.refuse(node, f"{prim}'s dynamics must be a function known when srcad "
                                 "transforms the code (a module-level def), not a value computed "
                                 "by the function")
        return Const(value.obj, getattr(value.obj, "__name__", "dynamics"))

    def attribute(self, node, env, builder):
        """`sol.y` and `sol.t` of a solve_ivp result."""
        if isinstance(node.ctx, ast.Load) and self.solve_ivp_result(node.value, env, builder):
            result = self.lw.expr(node.value, env, builder)
            if node.attr not in ("y", "t"):
                self.lw.refuse(node, f"the attribute .{node.attr} of solve_ivp's result: srcad "
                                     "reads its .y and .t (the derivative raises where the "
                                     "solver fails)")
            return getattr(result, node.attr)
        return NOT_MINE

    def solve_ivp_result(self, node, env, builder):
        """Whether `node` stands for a solve_ivp result: a name bound to one, or a call of
        solve_ivp (its callee, a name or a dotted name, is looked at without the call)."""
        if isinstance(node, ast.Name):
            return isinstance(env.get(node.id), SolveIvpResult)
        if not isinstance(node, ast.Call):
            return False
        callee = _dotted_value(node.func, env, self.lw.parsed)
        return callee is not None and integrator(callee) == "solve_ivp"


_MISSING = object()


def _dotted_value(node, env, parsed):
    """The object a dotted name of globals or closure variables stands for (`solve_ivp`,
    `scipy.integrate.solve_ivp`), found without lowering anything; None for anything else."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id in env:
        return None
    try:
        value = parsed.lookup(node.id)
        for name in reversed(attributes):
            value = inspect.getattr_static(value, name)
    except (KeyError, AttributeError):
        return None
    return value
