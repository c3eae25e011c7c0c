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
from types import SimpleNamespace

from ..frontend import parse as frontend
from ..ir.builder import Builder
from ..errors import SrcadError
from ..ir.copying import inline
from ..ir.nodes import Block, Const, Function, Var, verify
from .function import FALLTHROUGH, lower_function
from .stores import resolve_new_objects
from ..frontend.signature import normalise_wrt
from .values import LocalFunction, Static, StaticSeq, from_python


@dataclass
class DerivativeValue:
    """`srcad.grad(fn, wrt=...)` seen while lowering: fn is a LocalFunction or a function."""
    mode: str
    target: object
    wrt: object


def closure_function(name, params, captured, body_builder, result, parsed, line):
    """An IR function whose params are the inner function's own, then its captured values."""
    return Function(name, tuple(params) + tuple(captured), Block(body_builder.stmts, (result,)),
                    parsed.filename, line, parsed.lines)


class NestedDerivatives:
    """A part of the lowering `lw` of a function: `srcad.grad(...)` and friends inside
    lowered code (a call of `srcad.grad` makes a DerivativeValue, a call of that inlines the
    derivative: the lowering's `call_value`, expressions.py)."""

    def __init__(self, lw):
        self.lw = lw

    def derivative_value(self, node, fn, args, kwargs):
        mode = fn.__srcad_transform__
        if not args:
            self.lw.refuse(node, f"srcad.{mode}() without a function")
        wrt = kwargs.get("wrt", args[1] if len(args) > 1 else None)
        return DerivativeValue(mode, args[0], self.static_wrt(node, wrt))

    def static_wrt(self, node, wrt):
        """The Python value of a `wrt` written in the function: 0 when absent, an int, a name
        or a tuple of those; anything computed at run time is refused."""
        if wrt is None:
            return 0
        if isinstance(wrt, StaticSeq) and all(isinstance(i, (Const, Static)) for i in wrt.items):
            return tuple(self.static_wrt(node, i) for i in wrt.items)
        value = wrt.value if isinstance(wrt, Const) else getattr(wrt, "obj", wrt)
        if isinstance(value, tuple) or (isinstance(value, (int, str))
                                        and not isinstance(value, bool)):
            return value
        self.lw.refuse(node, "a wrt that is not a constant: write the parameters it names, "
                             "as wrt=0, wrt=(0, 1) or wrt='x'")

    def nested_wrt(self, node, wrt, names, target):
        """normalise_wrt for a derivative taken inside the function, refused at its line."""
        if isinstance(target, DerivativeValue):
            return self.nested_wrt(node, wrt, names, target.target)
        named = target.obj if isinstance(target, Static) else \
            SimpleNamespace(__name__=getattr(target, "name", "the function"))
        try:
            return normalise_wrt(wrt, names, named)
        except (TypeError, ValueError) as err:
            self.lw.refuse(node, str(err))

    def call_derivative(self, node, value, args, kwargs, builder):
        """Inline the derivative of value.target at these arguments."""
        if kwargs:
            self.lw.refuse(node, "keyword arguments to a derivative taken inside the function")
        names = self.target_param_names(node, value.target)
        wrt, wrt_tuple = self.nested_wrt(node, value.wrt, names, value.target)
        args = list(args) + _defaults_after(value, names, len(args))
        own = [self.lw.atom(a, builder, node) for a in args[:len(names)]]
        primal, captured = self.target_ir(node, value.target, [a.kind for a in own])
        derived = self.differentiate(node, value.mode, primal, wrt, wrt_tuple)
        tangents = [self.lw.atom(a, builder, node) for a in args[len(names):]]
        results = inline(derived, own + list(captured) + tangents, builder)
        if value.mode == "grad" and (not wrt_tuple or len(wrt) == 1):
            return results[0]                # a gradient, or the 1-tuple of one (make_tuple)
        return StaticSeq(list(results))      # (value, grads), (value, tangent) or grads

    def target_param_names(self, node, target):
        if isinstance(target, DerivativeValue):
            return self.target_param_names(node, target.target)
        if isinstance(target, LocalFunction):
            return [a.arg for a in target.node.args.args]
        if isinstance(target, Static) and inspect.isfunction(target.obj):
            return list(inspect.signature(target.obj).parameters)
        self.lw.refuse(node, "a derivative of something other than a lambda, a nested def or "
                             "a module-level function")

    def target_ir(self, node, target, kinds):
        """(primal IR of the target with its captured values as extra params, their atoms)."""
        if isinstance(target, DerivativeValue):
            primal, captured = self.target_ir(node, target.target, kinds)
            names = self.target_param_names(node, target.target)
            wrt, wrt_tuple = self.nested_wrt(node, target.wrt, names, target.target)
            return self.differentiate(node, target.mode, primal, wrt, wrt_tuple), captured
        if not isinstance(target, LocalFunction):
            return lower_function(type(self.lw), frontend.parse(target.obj), kinds,
                                  guards=self.lw.live.guards, derive=self.lw.derive), []
        names = [a.arg for a in target.node.args.args]
        captured = [(n, v) for n, v in target.env.items() if isinstance(v, Var)
                    and n not in names]
        params = [Var(n, k) for n, k in zip(names, kinds)]
        stand_ins = [Var(n, v.kind) for n, v in captured]
        env = dict(target.env)
        env.update((n, p) for (n, _), p in zip(captured, stand_ins))
        env.update(zip(names, params))
        inner = type(self.lw)(self.lw.parsed, self.lw.depth + 1, self.lw.derive)
        inner.live = self.lw.live.nested(node.lineno)      # its reads go in its own body
        body = target.node.body
        stmts = body if isinstance(body, list) else [ast.copy_location(ast.Return(body), body)]
        b = Builder(node.lineno)
        result = inner.suite(stmts, env, b)
        result = Const(None) if result is FALLTHROUGH else inner.atom(result, b, node)
        b.stmts[:] = resolve_new_objects(Block(inner.live.prelude.stmts + b.stmts, ())).stmts
        fn = closure_function(target.name, params, stand_ins, b, result, self.lw.parsed,
                              node.lineno)
        return verify(fn), [v for _, v in captured]

    def differentiate(self, node, mode, primal, wrt, wrt_tuple):
        """The derivative of the primal IR, simplified: the pipeline's own transforms, handed
        to lowering as `derive` (srcad/pipeline.py), so lowering imports none of them."""
        if self.lw.derive is None:
            raise SrcadError("srcad.lower without the pipeline met a derivative taken inside "
                             "the function; lower it through srcad.lower instead",
                             filename=self.lw.filename, line=node.lineno)
        return self.lw.derive(primal, mode, wrt, wrt_tuple)


def _defaults_after(value, names, given):
    """The defaults of a module-level function's parameters after the `given` arguments of a
    gradient taken of it inside the function (`srcad.grad(nll)(w)` for `def nll(w, X=X0)`),
    as a plain call binds them; none for jvp, whose arguments after the primals are the
    tangents."""
    target = value.target
    if value.mode == "jvp" or given >= len(names) or not isinstance(target, Static) or \
            not inspect.isfunction(target.obj):
        return []
    parameters = list(inspect.signature(target.obj).parameters.values())[given:]
    if any(p.default is p.empty for p in parameters):
        return []
    return [from_python(p.default, p.name) for p in parameters]
