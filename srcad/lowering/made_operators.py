"""Operators on objects the function makes of its own classes, as Python runs them: `a + b`
calls `type(a).__add__(a, b)` and, where a has none or it returns NotImplemented,
`type(b).__radd__(b, a)` (the reflected method first where b's class is a subclass of a's that
overrides it); `a += b` calls `__iadd__` where the class has one (else it is `a = a + b`);
`-a` calls `__neg__`, `len(a)` `__len__` (`a[k]`, `__getitem__`: objects.py). Each method is
inlined like any other method of the user's (srcad/lowering/objects.py), so the derivative
flows through what it computes. An operator the classes do not define raises TypeError in
Python: it is refused at the line.
"""

import ast
import inspect

from ..ir.nodes import Const
from .dispatch import NOT_MINE
from .objects import MadeObject

_BINARY = {"add": "add", "sub": "sub", "mul": "mul", "div": "truediv", "pow": "pow",
           "matmul": "matmul", "mod": "mod", "floor_divide": "floordiv"}
_AST_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
            ast.MatMult: "matmul", ast.Mod: "mod", ast.FloorDiv: "floor_divide"}
_UNARY = {"neg": "__neg__", "pos": "__pos__", "invert": "__invert__"}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@",
            "mod": "%", "floor_divide": "//"}


def _method(made, name):
    found = inspect.getattr_static(made.cls, name, None)
    return found if inspect.isfunction(found) else None


def binary(lw, node, prim, left, right, builder):
    """`left <op> right` where either is an object made here; NOT_MINE otherwise."""
    if not (isinstance(left, MadeObject) or isinstance(right, MadeObject)) or \
            prim not in _BINARY:
        return NOT_MINE
    name = _BINARY[prim]
    calls = [(left, f"__{name}__", right), (right, f"__r{name}__", left)]
    if isinstance(right, MadeObject) and isinstance(left, MadeObject) and \
            right.cls is not left.cls and issubclass(right.cls, left.cls) and \
            _method(right, f"__r{name}__") is not _method(left, f"__r{name}__"):
        calls.reverse()
    for receiver, method_name, other in calls:
        method = _method(receiver, method_name) if isinstance(receiver, MadeObject) else None
        if method is None:
            continue
        out = lw.functions.inline(node, method, [receiver, other], {}, builder)
        if not (isinstance(out, Const) and out.value is NotImplemented):
            return out
    lw.refuse(node, f"unsupported operand types for {_SYMBOLS[prim]}: "
                    f"{_type_name(left)} and {_type_name(right)} (Python raises TypeError)")


def in_place(lw, node, current, env, builder):
    """`a op= b` (node, an AugAssign) where a names an object made here whose class defines
    the in-place method (`__iadd__`): that method, inlined (what it sets on the object is
    followed), unless it returns NotImplemented; NOT_MINE otherwise (Python then falls back
    to `a = a op b`)."""
    prim = _AST_OPS.get(type(node.op))
    method = _method(current, f"__i{_BINARY[prim]}__") \
        if isinstance(current, MadeObject) and prim in _BINARY else None
    if method is None:
        return NOT_MINE
    out = lw.functions.inline(node, method, [current, lw.expr(node.value, env, builder)], {},
                              builder)
    return NOT_MINE if isinstance(out, Const) and out.value is NotImplemented else out


def unary(lw, node, prim, operand, builder):
    """`-a`, `+a`, `~a` of an object made here; NOT_MINE otherwise."""
    if not isinstance(operand, MadeObject) or prim not in _UNARY:
        return NOT_MINE
    method = _method(operand, _UNARY[prim])
    if method is None:
        lw.refuse(node, f"bad operand type for unary {_UNARY[prim][2:-2]}: "
                        f"{operand.cls.__name__} (Python raises TypeError)")
    return lw.functions.inline(node, method, [operand], {}, builder)


def length(lw, node, obj, builder):
    """`len(a)` of an object made here: its class's __len__; NOT_MINE otherwise."""
    if not isinstance(obj, MadeObject):
        return NOT_MINE
    method = _method(obj, "__len__")
    if method is None:
        lw.refuse(node, f"object of type '{obj.cls.__name__}' has no len() (Python raises "
                        "TypeError)")
    return lw.functions.inline(node, method, [obj], {}, builder)


def _type_name(value):
    if isinstance(value, MadeObject):
        return value.cls.__name__
    tag = getattr(getattr(value, "kind", None), "tag", None)
    return {"array": "numpy.ndarray", None: type(value).__name__}.get(tag, tag)
