"""What a Python expression stands for while it is being lowered.

Most expressions lower to an IR atom (a runtime value). Some stand for things that exist only
at transformation time and never reach the IR: a module or function (`np`, `np.linalg.norm`),
a tuple literal whose items are still separate values, a `range(...)`, `zip(...)` or
`enumerate(...)` being iterated, or a lambda defined inside the function.
"""

import types
from dataclasses import dataclass, field

import numpy as np

from ..ir.nodes import Const, Var


@dataclass
class Static:
    """A Python object known at transformation time: a module, function, class, ..."""
    obj: object


@dataclass
class StaticSeq:
    """A tuple or list literal; its items are lowered values, kept apart until needed."""
    items: list
    tag: str = "tuple"


class KeysSeq(StaticSeq):
    """The keys (or items, or values) of a dict whose keys are known now: a loop over them is
    unrolled, one copy of the body per key, as a person writes `params["W"] = ...`."""


@dataclass
class RangeValue:
    start: object
    stop: object
    step: object


@dataclass
class ZipValue:
    parts: list


@dataclass
class EnumerateValue:
    seq: object
    start: object


@dataclass
class ReversedValue:
    seq: object


@dataclass
class LocalFunction:
    """A lambda or nested def inside the differentiated function, with the names it sees."""
    node: object
    env: dict
    name: str
    defaults: dict = None       # parameter name -> its default, lowered where it was defined
    scope: object = field(default=None, compare=False, repr=False)  # the lowering it is in


_CONSTANT_TYPES = (bool, int, float, complex, str, bytes, type(None), slice, type(Ellipsis),
                   np.ndarray, np.generic)


def from_python(obj, name=None):
    """The lowered value for a Python object found by name (a global, closure or builtin)."""
    if isinstance(obj, _CONSTANT_TYPES):
        return Const(obj, name)
    if isinstance(obj, (tuple, list, dict)) and _all_constant(obj):
        return Const(obj, name)
    if isinstance(obj, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                        type, np.ufunc, types.MethodType)) or callable(obj):
        return Static(obj)
    return Const(obj, name)


def _all_constant(obj):
    items = obj.values() if isinstance(obj, dict) else obj
    return all(isinstance(v, _CONSTANT_TYPES) or
               (isinstance(v, (tuple, list, dict)) and _all_constant(v)) for v in items)


def is_atom(value):
    return isinstance(value, (Var, Const))
