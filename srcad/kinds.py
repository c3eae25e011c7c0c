"""Kinds: what srcad knows statically about a value.

A compiled derivative is specialised on the kinds of its arguments (Python float, array of a
given ndim and dtype, container of such), the way the design asks. Kinds flow through the IR
so that the transforms can emit `math.sin` for floats, drop `unbroadcast` where shapes cannot
differ and pick the right adjoint for `@`. `UNKNOWN` is always safe: it selects generic code.

An array kind also says which of its dimensions have size 1 (`ones`), not the sizes: one
compiled gradient still serves every batch size, yet `b + x @ W` with `b` of shape (m,) is known
to have the shape of `x @ W`, and the adjoint of `b` is `np.sum(g, axis=0)` rather than a
runtime `unbroadcast`. Broadcasting succeeds only where sizes agree or one is 1, so knowing the
size-1 dimensions of the operands tells which operand the result has the shape of.
"""

import functools
import types
from dataclasses import dataclass, field, replace

import numpy as np

from . import tree


@dataclass(frozen=True)
class Kind:
    tag: str                 # float int bool array list tuple dict none str other unknown
    ndim: int = None         # arrays only
    dtype: str = None        # arrays only: numpy dtype name
    items: tuple = None      # list/tuple: kinds of the items; dict: ((key, kind), ...)
    ones: tuple = None       # arrays only: per dimension True (size 1), False (not 1) or None
    node: type = None        # a namedtuple's class (tag tuple); a dataclass's or registered
    #                          class's (tag dict: the derivative reads it as a dict, tree.py)
    value: object = field(default=None, compare=False)   # a string or a callable argument:
    ident: object = None     # the derivative is specialised on it; compared by `ident` (static)
    lib: str = None          # arrays only: "dask" or "cupy" for their arrays; None: NumPy's


    def __str__(self):
        if self.tag == "array":
            return f"{self.lib + ':' if self.lib else ''}{self.dtype}[{self.ndim}d]"
        if self.tag in ("list", "tuple", "dict") and self.items is not None:
            inner = ", ".join(str(k) for k in self.items)
            return f"{self.node.__name__ if self.node else self.tag}({inner})"
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

    @property
    def is_static(self):
        """A string or a callable, known when srcad transforms the function (`value`)."""
        return self.ident is not None


UNKNOWN = Kind("unknown")
FLOAT = Kind("float")
INT = Kind("int")
BOOL = Kind("bool")
NONE = Kind("none")
OTHER = Kind("other")


def array(ndim, dtype="float64"):
    return Kind("array", ndim=ndim, dtype=dtype)


def kind_of(value, depth=0, records=False):
    """The kind of a runtime value; containers are described item by item (a few levels).
    With `records`, a dataclass or a registered class is described as the dict of its
    attributes that the derivative receives in its place (tree.to_builtin)."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, np.floating):       # a NumPy scalar computes as a 0-d array does
        return Kind("array", ndim=0, dtype=value.dtype.name, ones=())
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, np.ndarray):
        return Kind("array", ndim=value.ndim, dtype=value.dtype.name,
                    ones=tuple(size == 1 for size in value.shape))
    if value is None:
        return NONE
    lib = array_library(type(value))
    if lib is not None:
        return _library_array(value, lib)
    if isinstance(value, str):
        return Kind("str", value=value, ident=value)
    if isinstance(value, (list, tuple)) and depth < 4:
        tag = "list" if isinstance(value, list) else "tuple"
        node = type(value) if tag == "tuple" and hasattr(type(value), "_fields") else None
        if len(value) > 64:
            return Kind(tag, node=node)
        return Kind(tag, items=tuple(kind_of(v, depth + 1, records) for v in value), node=node)
    if isinstance(value, dict) and depth < 4:                 # tree.Fields: a record's
        node = getattr(value, "node", None) if type(value) is not dict else None
        return Kind("dict", items=tuple((k, kind_of(v, depth + 1, records))
                                        for k, v in value.items()), node=node)
    if records and depth < 4 and tree.is_record(tree.node_type(value)):
        return Kind("dict", node=type(value), items=tuple(
            (k, kind_of(v, depth + 1, records)) for k, v in tree.record_items(value).items()))
    if isinstance(value, (list, tuple, dict)):
        return Kind(type(value).__name__)
    if callable(value):
        return Kind("other", value=value, ident=callable_key(value))
    return OTHER


_LIBRARIES = ("dask", "cupy")      # array libraries whose arrays compute through NumPy's
#                                     protocols (__array_function__, __array_ufunc__)


def array_library(t):
    """"dask" or "cupy" for the type of an array of those libraries, told by the module that
    defines the type (so neither is imported); None for any other type."""
    module = getattr(t, "__module__", None) or ""
    root = module.partition(".")[0]
    if root in _LIBRARIES and hasattr(t, "__array_function__") and hasattr(t, "ndim"):
        return root
    return None


def libraries(kinds):
    """The array libraries other than NumPy ("dask", "cupy") whose arrays these kinds (and
    the kinds inside them) describe."""
    found = set()
    for kind in kinds:
        if kind.lib is not None:
            found.add(kind.lib)
        elif kind.items is not None:
            found |= libraries(v for _, v in kind.items) if kind.tag == "dict" else \
                libraries(kind.items)
    return found


def _library_array(value, lib):
    """The kind of a Dask or CuPy array. A Dask array whose chunk sizes are not known (made
    by boolean selection) has no shape to compute with: refused, saying how to know them."""
    if any(size != size for size in value.shape):       # nan: a chunk of unknown size
        raise ValueError(f"srcad: a Dask array of unknown shape {value.shape} (chunks of "
                         "unknown size, as boolean selection makes); call "
                         "x.compute_chunk_sizes() on it first")
    return Kind("array", ndim=value.ndim, dtype=value.dtype.name, lib=lib,
                ones=tuple(size == 1 for size in value.shape))


_CALLABLE_TYPES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, np.ufunc,
                   functools.partial)


def callable_key(fn):
    """What a derivative specialised on the callable `fn` (an argument) depends on: a plain
    function without closure cells or defaults by its code and globals (a lambda written in
    a loop is the same function at each step); a bound method by its function and object
    (made anew at each access); anything else by its identity."""
    if isinstance(fn, types.FunctionType) and not fn.__closure__ and not fn.__defaults__ \
            and not fn.__kwdefaults__:
        return (types.FunctionType, fn.__code__, Identity(fn.__globals__))
    if isinstance(fn, types.MethodType):
        return (types.MethodType, callable_key(fn.__func__), Identity(fn.__self__))
    return (type(fn), Identity(fn))


class Identity:
    """An object compared by identity (a key holding it keeps it alive, so its id is not
    reused by another object while the key exists)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return isinstance(other, Identity) and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)


def erase_ones(kind):
    """`kind` without size-1 patterns, in its items too: what the kind was before sizes of 1
    were tracked, for comparisons that only care about ndim, dtype and structure."""
    if kind.ones is not None:
        return replace(kind, ones=None)
    if kind.items is not None and kind.tag in ("list", "tuple"):
        return replace(kind, items=tuple(erase_ones(k) for k in kind.items))
    if kind.items is not None and kind.tag == "dict":
        return replace(kind, items=tuple((key, erase_ones(k)) for key, k in kind.items))
    return kind


def alike(a, b):
    """Whether kinds agree up to their size-1 patterns."""
    return a == b or erase_ones(a) == erase_ones(b)


def join(a, b):
    """The most precise kind that describes both `a` and `b`."""
    if a == b:
        return a
    if alike(a, b):
        return _join_ones(a, b)
    if a.tag == b.tag and (a.is_static or b.is_static):
        return Kind(a.tag)          # one string or function or another: not known now
    if a.is_scalar and b.is_scalar and "bool" not in (a.tag, b.tag):
        return FLOAT if FLOAT in (a, b) else INT
    if a.tag == b.tag and a.tag in ("list", "tuple", "dict"):
        return Kind(a.tag, node=a.node if a.node is b.node else
                    AnyRecord if a.tag == "dict" and a.node and b.node else None)
    return UNKNOWN


class AnyRecord:
    """The `node` of a dict kind that stands for records of several classes (the items of
    a list of layers of different classes): `x.name` reads `x['name']` in each of them."""


def _join_ones(a, b):
    """Join of kinds alike but for size-1 patterns: a dimension whose entry differs is not
    known (an array carried around a loop keeps the entries every iteration agrees on)."""
    if a == b or a.items is None and not a.is_array:
        return a
    if a.is_array:
        if a.ones == b.ones:
            return a
        if a.ones is None or b.ones is None:
            return replace(a, ones=None)
        return with_ones(a, tuple(x if x == y else None for x, y in zip(a.ones, b.ones)))
    if a.tag == "dict":
        return replace(a, items=tuple((key, _join_ones(x, y))
                                      for (key, x), (_, y) in zip(a.items, b.items)))
    return replace(a, items=tuple(_join_ones(x, y) for x, y in zip(a.items, b.items)))


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
    return with_ones(array(max(k.ndim for k in arrays), dtype), broadcast_ones(*arrays))


def with_ones(kind, ones):
    """`kind` with this size-1 pattern; an array kind without one where it is not known."""
    if not kind.is_array:
        return kind
    if ones is None or len(ones) != kind.ndim or ones and all(o is None for o in ones):
        ones = None
    return kind if kind.ones == ones else replace(kind, ones=None if ones is None else tuple(ones))


def broadcast_ones(*kinds):
    """Size-1 pattern of the broadcast of values of these numeric kinds (None: not known). An
    array of known ndim whose pattern is not known counts as unknown in each dimension, so a
    dimension another operand has not of size 1 is not of size 1 in the result."""
    return broadcast_patterns(*(_pattern(k) for k in kinds))


def _pattern(kind):
    if not kind.is_array:
        return ()
    return (None,) * kind.ndim if kind.ones is None and kind.ndim is not None else kind.ones


def broadcast_patterns(*patterns):
    """Size-1 pattern of the broadcast of shapes with these size-1 patterns.

    Dimensions are aligned from the right; a missing dimension counts as size 1. A result
    dimension has size 1 where every operand's has, and has not where some operand's has not
    (broadcasting keeps that size); otherwise it is not known."""
    if any(p is None for p in patterns):
        return None
    ndim = max((len(p) for p in patterns), default=0)
    result = []
    for axis in range(-ndim, 0):
        sizes = [p[axis] if -axis <= len(p) else True for p in patterns]
        result.append(False if False in sizes else True if all(sizes) else None)
    return tuple(result)


def smaller_operand(a, b):
    """Whether a value of kind a is known to broadcast to the shape of one of kind b with
    fewer elements: a number against an array of at least one dimension, or an array with a
    size-1 (or missing) dimension where b's is known not to be 1."""
    if not a.is_array or not b.is_array:
        return b.is_array and a.tag == "float" and bool(b.ndim)
    pa, pb = _pattern(a), _pattern(b)
    if pa is None or pb is None or len(pa) > len(pb) or broadcast_patterns(pa, pb) != pb:
        return False
    pa = (True,) * (len(pb) - len(pa)) + pa
    return any(x is True and y is False for x, y in zip(pa, pb))


def fills_broadcast(operand, result):
    """Whether an operand of an elementwise operation is known to have its result's shape:
    the same ndim and the same size-1 dimensions, every one known (sizes that are not 1 must
    agree for broadcasting to succeed)."""
    return (operand.is_array and result.is_array and operand.ndim == result.ndim and
            result.ones is not None and operand.ones == result.ones and None not in result.ones)


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


_ONE = (1).__eq__
_SIZE_ONE_DIMS = {}        # shape -> its size-1 pattern: a dict lookup is 3x faster than
_MAX_REMEMBERED = 4096     # building the tuple, on a path every array argument takes


def _size_one_dims(shape):
    pattern = _SIZE_ONE_DIMS.get(shape)
    if pattern is None:
        pattern = tuple(map(_ONE, shape))
        if len(_SIZE_ONE_DIMS) < _MAX_REMEMBERED:
            _SIZE_ONE_DIMS[shape] = pattern
    return pattern


def _item_key(v):
    """kind_key of an item of a list or tuple: arrays, and tuples of arrays (a list of
    (W, b) pairs), keyed here without a call of kind_key each; the same keys."""
    t = type(v)
    if t is np.ndarray:
        shape = v.shape
        return (t, v.dtype.char, _size_one_dims(shape) if 1 in shape else len(shape))
    if t is not tuple or len(v) > 64:
        return kind_key(v)
    keys = [t]
    for x in v:
        if type(x) is np.ndarray:
            shape = x.shape
            keys.append((np.ndarray, x.dtype.char,
                         _size_one_dims(shape) if 1 in shape else len(shape)))
        else:
            keys.append(kind_key(x))
    return tuple(keys)


def kind_key(value):
    """A cheap hashable stand-in for kinds.kind_of(value): equal keys, equal kinds."""
    t = type(value)
    if t is float or t is int:
        return t
    if t is np.ndarray:
        shape = value.shape               # which sizes are 1 is part of the kind
        return (t, value.dtype.char, _size_one_dims(shape) if 1 in shape else len(shape))
    if (t is list or t is tuple) and len(value) <= 64:
        return (t, *map(_item_key, value))
    if t is dict:
        return (t,) + tuple((k, kind_key(v)) for k, v in value.items())
    if t is str:
        return (t, value)
    if t in _CALLABLE_TYPES:          # never a record: no tree lookup
        return callable_key(value)
    if t.__module__ == "numpy" and hasattr(value, "dtype"):
        return (t, value.dtype.char)
    if array_library(t) is not None:    # a Dask or CuPy array: its library is in the key
        return kind_of(value)
    node = tree.node_type(value)
    if tree.is_record(node):        # a record: its class and its fields' keys
        return (t,) + tuple((k, kind_key(v)) for k, v in tree.record_items(value, node).items())
    if callable(value):
        return callable_key(value)
    return kind_of(value, records=True)


def field_key(kind, name):
    """The key `x.name` reads for x of this kind, where x is a namedtuple (an index) or a
    record received as a dict (the name); None otherwise."""
    if kind.node is None:
        return None
    if kind.tag == "tuple":
        fields = kind.node._fields
        return fields.index(name) if name in fields else None
    return name if kind.items is None or name in dict(kind.items) else None


def attribute_problem(kind, name):
    """Why `x.name` cannot be read, for a value of this kind."""
    if kind.node is not None and (kind.items is not None or kind.tag == "tuple"):
        keys = kind.node._fields if kind.tag == "tuple" else [k for k, _ in kind.items]
        return (f"the attribute .{name} of a {kind.node.__name__}: a differentiated argument's "
                f"fields are read ({', '.join(map(str, keys))}), not its methods or properties;"
                " compute it from the fields in the function")
    return f"the attribute .{name} of a runtime value"
