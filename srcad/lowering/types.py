"""isinstance() and type() in a lowered function, answered as Python answers them.

Most answers are known when srcad transforms the function: an object made in the function
(its class), a function or object the derivative is specialised on, a literal, an array of
one or more dimensions, a Python float, a list, tuple or dict (a namedtuple's or a record's
own class, which the derivative stands in for with a tuple or dict). They become constants,
and a branch on them is decided then, as a person writing the gradient by hand would. Where
the kinds leave the answer open (a 0-d result may be an ndarray or a NumPy scalar, an int a
Python int or a NumPy one, an object argument is not specialised on) the check runs when the
derivative runs, on the value the function computes; a branch on it is an `if` of the
derivative, each side differentiated.
"""

import inspect
import types

import numpy as np

from .. import naming
from ..ir.nodes import Const, Var
from .objects import MadeObject
from .values import LocalFunction, RangeValue, Static, StaticSeq

_SCALARS = {"float": (float, np.float64), "int": (int, np.int64, np.int32),
            "bool": (bool, np.bool_), "none": (type(None),), "str": (str,)}
_CONTAINERS = {"list": list, "tuple": tuple, "dict": dict}


def classes_of(value):
    """A tuple of classes for isinstance's second argument, or None where it is not one
    known now (a class, a tuple literal of classes, a tuple constant of them)."""
    if isinstance(value, Static) and isinstance(value.obj, type):
        return (value.obj,)
    items = value.items if isinstance(value, StaticSeq) else \
        [Const(v) for v in value.value] if isinstance(value, Const) and \
        isinstance(value.value, tuple) else None
    if items is None:
        return None
    found = []
    for item in items:
        inner = classes_of(item) if isinstance(item, (Static, StaticSeq)) else \
            (item.value,) if isinstance(item, Const) and isinstance(item.value, type) else None
        if inner is None:
            return None
        found.extend(inner)
    return tuple(found)


def candidate_classes(value):
    """The classes the running value may have, as far as the transform knows; None where
    the value can be anything (checked when the derivative runs)."""
    if isinstance(value, MadeObject):
        return (value.cls,)
    if isinstance(value, Static):
        return (type(value.obj),)
    if isinstance(value, StaticSeq):
        return (list if value.tag == "list" else tuple,)
    if isinstance(value, LocalFunction):
        return (types.FunctionType,)
    if isinstance(value, RangeValue):
        return (range,)
    if isinstance(value, Const):
        return (type(value.value),)
    if not isinstance(value, Var):
        return None
    kind = value.kind
    if kind.value is not None and kind.tag == "other":
        return (type(kind.value),)     # an object the derivative is specialised on
    if kind.tag == "array":
        if kind.ndim is not None and kind.ndim > 0:
            return (np.ndarray,)
        if kind.dtype is None:
            return None                # a 0-d value of a dtype not known now
        return (np.ndarray, np.dtype(kind.dtype).type)
    if kind.tag in _CONTAINERS:
        return (kind.node,) if kind.node is not None else (_CONTAINERS[kind.tag],)
    return _SCALARS.get(kind.tag)


def static_isinstance(value, classes):
    """True or False where every class the value may have answers alike, else None."""
    candidates = candidate_classes(value)
    if candidates is None:
        return None
    answers = {issubclass(c, classes) for c in candidates}
    if len(answers) != 1:
        return None
    answer = answers.pop()
    base = _CONTAINERS.get(value.kind.tag) if isinstance(value, Var) else None
    if base is not None and value.kind.node is None and not answer and \
            any(issubclass(c, base) for c in classes):
        return None    # a subclass of dict or list (OrderedDict), which the kinds do not tell
    return answer


class TypeQuestions:
    """A part of the lowering `lw` of a function: isinstance(), type(), hasattr() and
    callable(), answered now where they can be."""

    def __init__(self, lw):
        self.lw = lw

    def call_isinstance(self, node, args, kwargs, builder):
        if len(args) != 2 or kwargs:
            self.lw.refuse(node, "isinstance() takes two arguments")
        classes = classes_of(args[1])
        if classes is None:
            self.lw.refuse(node, "isinstance() of classes known only at run time; name the "
                                 "classes (a class or a tuple of classes)")
        answer = static_isinstance(args[0], classes)
        if answer is not None:
            return Const(answer)
        if isinstance(args[0], Var) and args[0].kind.tag in _CONTAINERS:
            self.lw.refuse(node, "isinstance() of a list, tuple or dict against a subclass of "
                                 "it: srcad knows the container's items, not its class; test "
                                 "a value known when srcad transforms the function")
        atom = self.lw.atom(args[0], builder, node)
        named = Const(classes, naming.classes_name(classes))
        return self.lw.emit("isinstance", [atom, named], builder, node)

    def call_type(self, node, args, kwargs, builder):
        """type(value): the class, where only one is possible."""
        if len(args) != 1 or kwargs:
            self.lw.refuse(node, "type() with other than one argument (making a class)")
        candidates = candidate_classes(args[0])
        if candidates is None or len(set(candidates)) != 1:
            self.lw.refuse(node, "type() of a value whose class srcad knows only at run time "
                                 "(an ndarray or a NumPy scalar, an int or a NumPy int, an "
                                 "object argument); test it with isinstance()")
        return Static(candidates[0])

    def call_hasattr(self, node, args, kwargs, builder):
        """hasattr(obj, "name") of an object made in the function, a module or a class: known
        now; of another value, asked when the derivative runs."""
        value, name = (args + [None, None])[:2]
        if isinstance(name, Const) and isinstance(name.value, str) and not kwargs:
            if isinstance(value, MadeObject) and \
                    inspect.getattr_static(value.cls, "__getattr__", None) is None:
                return Const(name.value in value.attributes or
                             _class_has(value.cls, name.value))
            if isinstance(value, Static) and isinstance(value.obj, (type, types.ModuleType)):
                return Const(hasattr(value.obj, name.value))
        return self.lw.opaque.opaque_call(node, hasattr, args, kwargs, builder)

    def call_callable(self, node, args, kwargs, builder):
        value = args[0] if len(args) == 1 and not kwargs else None
        if isinstance(value, MadeObject):
            return Const(_class_has(value.cls, "__call__"))
        if isinstance(value, (Static, LocalFunction)):
            return Const(True if isinstance(value, LocalFunction) else callable(value.obj))
        if isinstance(value, Var) and value.kind.tag == "other" and value.kind.value is not None:
            return Const(callable(value.kind.value))
        return self.lw.opaque.opaque_call(node, callable, args, kwargs, builder)


def _class_has(cls, name):
    return inspect.getattr_static(cls, name, _MISSING) is not _MISSING


_MISSING = object()
