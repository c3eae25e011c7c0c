"""Derivatives taken inside a differentiated function: `srcad.grad(lambda y: x * y**2)(x)`.

The inner function is lowered with every runtime value it closes over turned into an explicit
parameter, differentiated with respect to its own arguments only, and the derivative's IR is
inlined into the outer function. The outer transform then differentiates through it like any
other code, so closure values are never confused with the inner function's inputs
(no perturbation confusion), and third derivatives come from nesting.
"""

import ast
import inspect
from dataclasses import dataclass

from . import forward, frontend, optimize, reverse
from .builder import Builder
from .ir import Block, Const, Eqn, For, Function, If, Var, While, verify
from .lower_stores import resolve_new_objects
from .values import LocalFunction, Static, StaticSeq

TRANSFORMS = ("grad", "value_and_grad", "jvp")


@dataclass
class DerivativeValue:
    """`srcad.grad(fn, wrt=...)` seen while lowering: fn is a LocalFunction or a function."""
    mode: str
    target: object
    wrt: object


def derivative_ir(mode, primal, wrt, wrt_tuple):
    """The derivative of the primal IR function, simplified."""
    if mode == "jvp":
        derived = forward.tangent(primal, wrt)
    else:
        derived = reverse.adjoint(primal, wrt, mode=mode, wrt_tuple=wrt_tuple)
    return verify(optimize.simplify(derived))


def inline(fn, arg_atoms, builder):
    """Append fn's body to `builder` with its params bound to `arg_atoms` and every var it
    binds renamed; returns the atoms of its results."""
    mapping = dict(zip(fn.params, arg_atoms))
    block = _copy_block(fn.body, mapping)
    for stmt in block.stmts:
        builder.append(stmt)
    return block.results


def _fresh(var, mapping):
    new = Var(var.hint, var.kind)
    mapping[var] = new
    return new


def _read(atom, mapping):
    return mapping.get(atom, atom) if isinstance(atom, Var) else atom


def _copy_block(block, mapping):
    stmts = [_copy_stmt(s, mapping) for s in block.stmts]
    return Block(stmts, tuple(_read(a, mapping) for a in block.results))


def _copy_stmt(stmt, m):
    if isinstance(stmt, Eqn):
        args = tuple(_read(a, m) for a in stmt.args)
        return Eqn(tuple(_fresh(o, m) for o in stmt.outs), stmt.prim, args, stmt.line)
    if isinstance(stmt, If):
        cond = _read(stmt.cond, m)
        then, orelse = _copy_block(stmt.then, m), _copy_block(stmt.orelse, m)
        return If(cond, then, orelse, tuple(_fresh(o, m) for o in stmt.outs), stmt.line)
    inits = tuple(_read(a, m) for a in stmt.carry_init)
    params = tuple(_fresh(p, m) for p in stmt.carry_params)
    if isinstance(stmt, For):
        bounds = [_read(a, m) for a in (stmt.start, stmt.stop, stmt.step)]
        index = _fresh(stmt.index, m)
        body = _copy_block(stmt.body, m)
        return For(index, *bounds, inits, params, body, tuple(_fresh(o, m) for o in stmt.outs),
                   stmt.reverse, stmt.line)
    cond, body = _copy_block(stmt.cond, m), _copy_block(stmt.body, m)
    return While(inits, params, cond, body, tuple(_fresh(o, m) for o in stmt.outs), stmt.line)


def closure_function(name, params, captured, body_builder, result, parsed, line):
    """An IR function whose params are the inner function's own, then its captured values."""
    return Function(name, tuple(params) + tuple(captured), Block(body_builder.stmts, (result,)),
                    parsed.filename, line, parsed.lines)


class NestedLowering:
    """Mixin for ExpressionLowering: `srcad.grad(...)` and friends inside lowered code."""

    def derivative_value(self, node, fn, args, kwargs):
        from . import api
        mode = {api.grad: "grad", api.value_and_grad: "value_and_grad", api.jvp: "jvp"}[fn]
        if not args:
            self.refuse(node, f"srcad.{mode}() without a function")
        wrt = kwargs.get("wrt", args[1] if len(args) > 1 else None)
        return DerivativeValue(mode, args[0], getattr(wrt, "value", 0 if wrt is None else wrt))

    def call_derivative(self, node, value, args, kwargs, builder):
        from .api import _normalise_wrt
        """Inline the derivative of value.target at these arguments."""
        if kwargs:
            self.refuse(node, "keyword arguments to a derivative taken inside the function")
        names = self.target_param_names(node, value.target)
        wrt, wrt_tuple = _normalise_wrt(value.wrt, names, value.target)
        own = [self.atom(a, builder, node) for a in args[:len(names)]]
        primal, captured = self.target_ir(node, value.target, [a.kind for a in own])
        derived = derivative_ir(value.mode, primal, wrt, wrt_tuple)
        tangents = [self.atom(a, builder, node) for a in args[len(names):]]
        results = inline(derived, own + list(captured) + tangents, builder)
        if value.mode == "grad" and not wrt_tuple:
            return results[0]
        return StaticSeq(list(results))      # (value, grads), (value, tangent) or grads

    def target_param_names(self, node, target):
        if isinstance(target, DerivativeValue):
            return self.target_param_names(node, target.target)
        if isinstance(target, LocalFunction):
            return [a.arg for a in target.node.args.args]
        if isinstance(target, Static) and inspect.isfunction(target.obj):
            return list(inspect.signature(target.obj).parameters)
        self.refuse(node, "a derivative of something other than a lambda, a nested def or "
                          "a module-level function")

    def target_ir(self, node, target, kinds):
        """(primal IR of the target with its captured values as extra params, their atoms)."""
        from .lower import FALLTHROUGH, Lowering, to_ssa
        if isinstance(target, DerivativeValue):
            from .api import _normalise_wrt
            primal, captured = self.target_ir(node, target.target, kinds)
            names = self.target_param_names(node, target.target)
            wrt, wrt_tuple = _normalise_wrt(target.wrt, names, target.target)
            return derivative_ir(target.mode, primal, wrt, wrt_tuple), captured
        if not isinstance(target, LocalFunction):
            return to_ssa(frontend.parse(target.obj), kinds, guards=self.live.guards), []
        names = [a.arg for a in target.node.args.args]
        captured = [(n, v) for n, v in target.env.items() if isinstance(v, Var)
                    and n not in names]
        params = [Var(n, k) for n, k in zip(names, kinds)]
        stand_ins = [Var(n, v.kind) for n, v in captured]
        env = dict(target.env)
        env.update((n, p) for (n, _), p in zip(captured, stand_ins))
        env.update(zip(names, params))
        inner = Lowering(self.parsed, self.depth + 1)
        inner.live = self.live.nested(node.lineno)      # its reads go in its own body
        body = target.node.body
        stmts = body if isinstance(body, list) else [ast.copy_location(ast.Return(body), body)]
        b = Builder(node.lineno)
        result = inner.suite(stmts, env, b)
        result = Const(None) if result is FALLTHROUGH else inner.atom(result, b, node)
        b.stmts[:] = resolve_new_objects(Block(inner.live.prelude.stmts + b.stmts, ())).stmts
        fn = closure_function(target.name, params, stand_ins, b, result, self.parsed,
                              node.lineno)
        return verify(fn), [v for _, v in captured]
