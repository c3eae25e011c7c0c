"""What a function reads besides its arguments: module globals, closure cells, attributes.

Python reads them each time the function runs, and so does a derivative. Each free value the
lowering meets is sorted by what it is:

- data (a float, an array, a NumPy scalar, a list, tuple or dict holding any of those) is
  read when the derivative runs, once, at its top (`W = globals_model['W']`,
  `k = k_cell.cell_contents`, `W_1 = self.W`), and used like an input that is not
  differentiated; the specialisation depends on its kind (float, array ndim, dtype, sizes of
  1), so that kind is guarded;
- values that decide the code's structure (an int, a bool, a string, None, a tuple of those,
  a function, a class, an object whose attributes are read) are specialised on, and guarded
  by value (ints, bools, strings, tuples) or by identity (functions, classes, objects; a
  list or tuple of objects by the identity of its items, so that a property building the
  list anew on each access does not recompile);
- modules are not guarded (rebinding `np` is not supported), and module attributes of NumPy,
  math, SciPy and srcad (`np.pi`, `np.float32`, `np.sin`) are constants.

A compiled specialisation keeps its guards; the transform checks them before each call and
compiles another specialisation where one fails (srcad/api.py).
"""

import operator
import types

import numpy as np

from .. import kinds as K
from .. import naming
from ..ir.builder import Builder
from ..ir.nodes import Const
from ..lowering.values import Static, from_python

CONSTANT_MODULES = ("numpy", "math", "cmath", "scipy", "srcad")
_NUMBERS = (float, complex, np.floating, np.complexfloating, np.ndarray)
_STRUCTURAL = (bool, int, str, bytes, type(None), slice, type(Ellipsis), np.integer, np.bool_)


class Root(Const):
    """A constant that reads reach through at run time (a module's globals dict, a closure
    cell, an object): its own kind is never needed, so it is not computed."""

    __slots__ = ()

    def __init__(self, value, name):
        self.value = value
        self.kind = K.OTHER
        self.name = name


class Origin:
    """Where a value is read when the function runs: `root`, then `steps`, each
    ("item", key) for `root[key]` or ("attr", name) for `root.name`."""

    __slots__ = ("root", "root_name", "steps", "name")

    def __init__(self, root, root_name, steps, name):
        self.root = root
        self.root_name = root_name
        self.steps = steps
        self.name = name                # what the user calls it, for names and messages

    def key(self):
        return (id(self.root), self.steps)

    def read(self):
        value = self.root
        for how, name in self.steps:
            value = value[name] if how == "item" else getattr(value, name)
        return value

    def text(self, root_text):
        """Python text reading it, from `root_text` (steps are identifiers from the source)."""
        for how, name in self.steps:
            root_text += f"[{name!r}]" if how == "item" else f".{name}"
        return root_text


def global_origin(namespace, name):
    module = namespace.get("__name__") if isinstance(namespace.get("__name__"), str) else ""
    return Origin(namespace, naming.globals_root(module), (("item", name),), name)


def cell_origin(cell, name):
    return Origin(cell, naming.cell_root(name), (("attr", "cell_contents"),), name)


def attribute_origin(obj, obj_name, attr):
    name = (obj_name or type(obj).__name__.lower()).rsplit(".", 1)[-1]
    return Origin(obj, name, (("attr", attr),), attr)


def default_origins(fn, positional):
    """Parameter name -> (value, Origin) for each default of fn: Python reads a function's
    `__defaults__` and `__kwdefaults__` at each call, so a default assigned after the
    transform (`helper.__defaults__ = (0.5,)`) is seen, as a global is."""
    fn = getattr(fn, "__func__", fn)                # a bound method reads its function's
    name = getattr(fn, "__name__", "fn")
    values = tuple(getattr(fn, "__defaults__", None) or ())
    found = {}
    for k, (param, value) in enumerate(zip(positional[len(positional) - len(values):], values)):
        found[param] = value, Origin(fn, name, (("attr", "__defaults__"), ("item", k)), param)
    for param, value in (getattr(fn, "__kwdefaults__", None) or {}).items():
        found[param] = value, Origin(fn, name, (("attr", "__kwdefaults__"), ("item", param)),
                                     param)
    return found


def is_constant_attribute(obj):
    """Attributes of NumPy, math, SciPy and srcad modules are constants; of other modules,
    classes and objects, they are read when the function runs."""
    if not isinstance(obj, types.ModuleType):
        return False
    return obj.__name__.split(".")[0] in CONSTANT_MODULES


def has_live_attributes(obj):
    """Objects whose attributes may be rebound: not numbers, strings, tuples, None."""
    return not isinstance(obj, (int, float, complex, str, bytes, tuple, frozenset,
                                type(None), slice, np.generic))


def is_data(value, depth=0):
    """Numbers and arrays, and containers holding at least one: read at run time."""
    if isinstance(value, _NUMBERS) and not isinstance(value, bool):
        return True
    if isinstance(value, (list, tuple, dict)) and depth < 4:
        items = value.values() if isinstance(value, dict) else value
        return any(is_data(v, depth + 1) for v in items)
    return False


def _objects_with_numbers(value):
    """A list, tuple or dict of objects paired with Python numbers (`[(0.3, model), ...]`):
    guarded by the identity of its items like a list of objects (each a tuple, which cannot
    change), so the models are known now; never when it holds an array, list or dict."""
    items = list(value.values()) if type(value) is dict else value
    if type(value) not in (list, tuple, dict):
        return False
    leaves = [leaf for item in items for leaf in (item if type(item) is tuple else (item,))]
    return any(not isinstance(v, (*_NUMBERS, *_STRUCTURAL, tuple, list, dict)) for v in leaves) \
        and not any(isinstance(v, (np.ndarray, list, dict, tuple)) for v in leaves)


def _structural(value, depth=0):
    if isinstance(value, _STRUCTURAL):
        return True
    if isinstance(value, (tuple, list, frozenset)) and depth < 4:
        return all(_structural(v, depth + 1) for v in value)
    return False


class Guard:
    """A condition a specialisation was compiled under: `test` of the value at `origin`."""

    __slots__ = ("origin", "test", "expected")

    def __init__(self, origin, test, expected):
        self.origin = origin
        self.test = test                # kind, value, identity, items, entries or method
        self.expected = expected


class Reads:
    """The free values one function's lowering reads: each data read is emitted once into
    a prelude (the top of the function), and every read adds its guard."""

    def __init__(self, guards=None, line=None):
        self.prelude = Builder(line)
        self.loads = {}                 # origin key -> the Var it was read into
        self.guards = {} if guards is None else guards     # origin key -> Guard
        self.changed = set()            # free names the function changes (`LOG.append(v)`)
        self.stores = {}                # (object or var, attribute) -> (value, builder)

    def nested(self, line=None):
        """Reads for a function lowered inside this one (its own prelude, shared guards)."""
        return Reads(self.guards, line)

    def value(self, value, origin, shared=None):
        """The lowered value for `value`, found at `origin` (see the module docstring); a
        value read at run time is added to `shared`: other code reaches that object too."""
        if isinstance(value, types.ModuleType):
            return Static(value)
        if origin.name in self.changed and type(value) in (list, dict):
            self.guard(origin, "identity", value)   # its items change as the function runs:
            return self.load(origin, value, K.Kind(type(value).__name__))   # read them then
        if is_data(value) and not _objects_with_numbers(value):
            self.guard(origin, "kind", value)
            var = self.load(origin, value)
            if shared is not None:
                shared.add(var)
            return var
        if _structural(value):
            self.guard(origin, "value", (type(value), value))
            return from_python(value, origin.name)
        if isinstance(value, types.MethodType):
            self.guard(origin, "method", (value.__func__, value.__self__))
        elif type(value) in (list, tuple):          # of objects: a property may build it anew
            self.guard(origin, "items", (type(value), tuple(value)))
        elif type(value) is dict:                   # of objects (layers by name): the same
            self.guard(origin, "entries", (tuple(value), tuple(value.values())))
        else:
            self.guard(origin, "identity", value)
        return from_python(value, origin.name)

    def guard(self, origin, test, expected):
        self.guards.setdefault(origin.key(), Guard(origin, test, expected))

    def load(self, origin, value, kind=None):
        var = self.loads.get(origin.key())
        if var is None:
            atom = Root(origin.root, origin.root_name)
            *through, (how, name) = origin.steps
            for step, key in through:
                atom = self.prelude.emit("getitem" if step == "item" else "attr", atom, Const(key))
            atom = self.prelude.emit("getitem" if how == "item" else "attr", atom, Const(name),
                                     hint=origin.name,
                                     kind=K.kind_of(value) if kind is None else kind)
            var = self.loads[origin.key()] = atom
        return var


def checker(guards):
    """A function of no arguments, true while every guard holds (it may raise, meaning no);
    None when there are no guards. Its source names roots and expected values through its
    namespace; the only text it splices is identifiers and string keys from the source."""
    if not guards:
        return None
    namespace = {"_key": K.kind_key, "_is": operator.is_}
    tests = []
    for i, guard in enumerate(guards):
        namespace[f"r{i}"] = guard.origin.root
        read = guard.origin.text(f"r{i}")
        if guard.test == "kind":
            namespace[f"e{i}"] = K.kind_key(guard.expected)
            tests.append(f"_key({read}) == e{i}")
        elif guard.test == "value":
            namespace[f"t{i}"], namespace[f"e{i}"] = guard.expected
            tests.append(f"(v := {read}).__class__ is t{i} and v == e{i}")
        elif guard.test == "items":
            namespace[f"t{i}"], namespace[f"e{i}"] = guard.expected
            tests.append(f"(v := {read}).__class__ is t{i} and len(v) == len(e{i}) and "
                         f"all(map(_is, v, e{i}))")
        elif guard.test == "entries":
            namespace[f"k{i}"], namespace[f"e{i}"] = guard.expected
            tests.append(f"(v := {read}).__class__ is dict and tuple(v) == k{i} and "
                         f"all(map(_is, v.values(), e{i}))")
        elif guard.test == "method":
            namespace[f"e{i}"], namespace[f"s{i}"] = guard.expected
            tests.append(f"(v := {read}).__func__ is e{i} and v.__self__ is s{i}")
        else:
            namespace[f"e{i}"] = guard.expected
            tests.append(f"{read} is e{i}")
    test = "(" + "\n            and ".join(tests) + ")"
    source = "def guards_hold():\n    return " + test + "\n"
    exec(compile(source, "<srcad guards>", "exec"), namespace)
    check = namespace["guards_hold"]
    check.source, check.test = source, test      # the test, in check.__globals__'s names
    return check


def holds(check):
    """Whether a checker's guards hold now (a global deleted, a cell emptied: they do not)."""
    try:
        return check is None or bool(check())
    except Exception:               # noqa: BLE001 - any failure to read means "recompile"
        return False
