"""Kinds: what srcad knows statically about a value.

A compiled derivative is specialised on the kinds of its arguments (Python float, array of a
given ndim and dtype, container of such), the way the design asks. Kinds flow through the IR
so that the transforms can emit `math.sin` for floats, drop `unbroadcast` where shapes cannot
differ and pick the right adjoint for `@`. `UNKNOWN` is always safe: it selects generic code.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Kind:
    tag: str                 # float int bool array list tuple dict none str other unknown
    ndim: int = None         # arrays only
    dtype: str = None        # arrays only: numpy dtype name
    items: tuple = None      # list/tuple: kinds of the items; dict: ((key, kind), ...)

    def __str__(self):
        if self.tag == "array":
            return f"{self.dtype}[{self.ndim}d]"
        if self.tag in ("list", "tuple", "dict") and self.items is not None:
            inner = ", ".join(str(k) for k in self.items)
            return f"{self.tag}({inner})"
        return self.tag

    @property
    def is_scalar(self):
        return self.tag in ("float", "int", "bool")

    @property
    def is_array(self):
        return self.tag == "array"

    @property
    def is_numeric(self):
        return self.is_scalar or self.is_array

    @property
    def is_container(self):
        return self.tag in ("list", "tuple", "dict")

    @property
    def is_float_scalar(self):
        return self.tag == "float"


UNKNOWN = Kind("unknown")
FLOAT = Kind("float")
INT = Kind("int")
BOOL = Kind("bool")
NONE = Kind("none")
OTHER = Kind("other")


def array(ndim, dtype="float64"):
    return Kind("array", ndim=ndim, dtype=dtype)


def kind_of(value, depth=0):
    """The kind of a runtime value; containers are described item by item (a few levels)."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating)):
        return FLOAT
    if isinstance(value, np.ndarray):
        return array(value.ndim, value.dtype.name)
    if value is None:
        return NONE
    if isinstance(value, str):
        return Kind("str")
    if isinstance(value, (list, tuple)) and depth < 4:
        tag = "list" if isinstance(value, list) else "tuple"
        if len(value) > 64:
            return Kind(tag)
        return Kind(tag, items=tuple(kind_of(v, depth + 1) for v in value))
    if isinstance(value, dict) and depth < 4:
        return Kind("dict", items=tuple((k, kind_of(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, (list, tuple, dict)):
        return Kind(type(value).__name__)
    return OTHER


def join(a, b):
    """The most precise kind that describes both `a` and `b`."""
    if a == b:
        return a
    if a.is_scalar and b.is_scalar and "bool" not in (a.tag, b.tag):
        return FLOAT if FLOAT in (a, b) else INT
    if a.tag == b.tag and a.tag in ("list", "tuple", "dict"):
        return Kind(a.tag)
    return UNKNOWN


def join_all(kinds):
    kinds = list(kinds)
    if not kinds:
        return UNKNOWN
    result = kinds[0]
    for k in kinds[1:]:
        result = join(result, k)
    return result


def broadcast(*kinds):
    """Kind of an elementwise NumPy operation applied to values of these kinds."""
    if any(k.tag == "unknown" or not k.is_numeric for k in kinds):
        return UNKNOWN
    arrays = [k for k in kinds if k.is_array]
    if not arrays:
        return INT if all(k.tag in ("int", "bool") for k in kinds) else FLOAT
    dtype = np.result_type(*[np.dtype(k.dtype) for k in arrays]).name
    if any(k.is_float_scalar for k in kinds) and not np.issubdtype(np.dtype(dtype), np.inexact):
        dtype = "float64"
    return array(max(k.ndim for k in arrays), dtype)


def floating(kind):
    """Kind of a float-valued function (sin, exp, /) of a value of this kind."""
    if kind.is_scalar:
        return FLOAT
    if kind.is_array and not np.issubdtype(np.dtype(kind.dtype), np.inexact):
        return array(kind.ndim, "float64")
    return kind


def item_kind(container, index):
    """Kind of `container[index]` for a constant index, where the container kind says it."""
    if container.items is None:
        return UNKNOWN
    if container.tag == "dict":
        return dict(container.items).get(index, UNKNOWN)
    if isinstance(index, int) and -len(container.items) <= index < len(container.items):
        return container.items[index]
    return UNKNOWN


def element_kind(container):
    """Kind of any one element of a list or tuple (their join)."""
    if container.tag in ("list", "tuple") and container.items:
        return join_all(container.items)
    return UNKNOWN
