"""Standalone export: a derivative as a Python module that needs NumPy and nothing else.

    grad_f = srcad.grad(f, wrt=(0, 1))
    grad_f(2.0, 5.0)
    srcad.export(grad_f, "grad_f.py")      # then, without srcad: from grad_f import grad_f

The module holds the generated source (what `srcad.source` shows), the runtime helpers it
calls (`unbroadcast`, `finish_adjoint`, ...) copied from their source together with the helpers
those call in turn, and the constants it reads. It is a snapshot: where the derivative reads a
global, a closure variable or an attribute when it runs (`W = globals_model['W']`), the module
defines that name once, from the value it has at export time; small arrays become
`np.array([...])` literals. Anything else it cannot write down is refused with a
`SrcadError`, never left for an `ImportError` at the user's site.
"""

import ast
import builtins
import dis
import inspect
import math
import os
import re
import textwrap
import types

import numpy as np

from .. import runtime
from ..api import Transform
from ..display import GeneratedSource
from ..effects import Statement
from ..errors import SrcadError
from ..frontend.signature import Fn

MAX_ARRAY_SIZE = 10_000      # larger captured arrays are refused: pass them as arguments
_MODULES = {np: "numpy", math: "math"}


def export(g: Fn, path: str | os.PathLike | None = None,
           args: tuple | None = None) -> GeneratedSource:
    """The source of derivative `g` (a function srcad.grad / value_and_grad / vjp / jvp
    returned) as a standalone module; written to `path` when given.

    Without `args` the exported code is the specialisation `srcad.source(g)` shows (the one
    compiled for the latest call, or the generic one); with `args` (a tuple of example
    arguments, as for the primal) it is specialised to the kinds of those arguments.
    """
    if path is not None and overwritten_source(path, g) is not None:
        raise SrcadError(f"srcad.export will not write {os.fspath(path)}: it is the source file "
                         f"of {_describe(g)}; write the derivative to another file, e.g. "
                         f"{suggested_path(path, g)}", construct="export")
    generated = generated_code(g, args)
    module = Module(generated)
    module.guard_size_one_dims(len(g.__srcad__.names))
    text = module.text(_describe(g))
    if path is not None:
        with open(os.fspath(path), "w", encoding="utf-8") as out:
            out.write(text)
    return GeneratedSource(text)


def overwritten_source(path, fn):
    """The source file of `fn` (or of the function behind a derivative, a bound method or a
    decorator's wrapper) that writing to `path` would overwrite; None when there is none."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        return None
    seen = set()
    while fn is not None and id(fn) not in seen:
        seen.add(id(fn))
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        source = code.co_filename if code is not None else None
        if source and os.path.isfile(source) and os.path.samefile(path, source):
            return source
        fn = getattr(fn, "__wrapped__", None)
    return None


def suggested_path(path, g):
    """Where to write instead: `grad_f.py` (the derivative's name) next to `path`."""
    return os.path.join(os.path.dirname(os.fspath(path)), f"{getattr(g, '__name__', 'grad')}.py")


def generated_code(g, args=None):
    """The compiled derivative (`compiled.Generated`) behind `g`: the latest specialisation,
    or the one for the kinds of `args`."""
    transform = getattr(g, "__srcad__", None)
    if transform is None:
        raise TypeError(f"srcad.export expects a function srcad returned (srcad.grad(f), ...), "
                        f"got {getattr(g, '__name__', type(g).__name__)!r}")
    if not isinstance(transform, Transform):
        raise SrcadError(f"{getattr(g, '__name__', 'this function')} loops over derivative "
                         "sweeps in Python (srcad.jacobian, hessian, hvp); export the "
                         "srcad.grad, vjp or jvp it is built from instead",
                         construct=getattr(g, "__name__", None))
    if args is None:
        return transform.latest()
    return transform.generate(transform.kinds_of(tuple(args)))


def _describe(g):
    """Where g comes from, as text for the module's docstring: names and file names are the
    user's, so anything but plain printable characters is escaped."""
    f = getattr(g, "__wrapped__", g)
    code = getattr(f, "__code__", None)
    where = f" ({os.path.basename(code.co_filename)}, line {code.co_firstlineno})" if code else ""
    text = f"{getattr(f, '__name__', 'f')}{where}"
    return "".join(c if c.isprintable() and c not in '\\"' else
                   c.encode("unicode_escape").decode("ascii") if c != '"' else '\\"'
                   for c in text)


class Module:
    """The definitions an exported derivative needs, collected from its namespace."""

    def __init__(self, generated):
        self.function_name = generated.function.__name__
        self.function = generated.function
        self.param_kinds = generated.param_kinds
        self.source = generated.source
        self.imports = {"math": "math", "np": "numpy"}    # alias -> module
        self.helpers = {}                                  # name -> source text
        self.constants = {}                                # name -> expression text
        self.owners = {}                                   # name -> the object it names
        self.snapshot_reads(generated.namespace, generated.roots)
        for name, value in generated.namespace.items():
            if name not in ("__builtins__", self.function_name) and name not in generated.roots:
                self.add(name, value, "the generated code")

    def snapshot_reads(self, namespace, roots):
        """Each run-time read `W = globals_model['W']` (or `= self.W`, `= k_cell.cell_contents`)
        becomes the module-level constant `W`, with the value it has now."""
        if not roots:
            return
        dropped = set()
        for node in ast.walk(ast.parse(self.source)):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name):
                found, value = _read_now(node.value, namespace, roots)
                if found:
                    dropped.add(node.lineno)
                    self.add(node.targets[0].id, value, "the generated code")
        lines = self.source.splitlines(True)
        self.source = "".join(line for n, line in enumerate(lines, 1) if n not in dropped)
        left = [n.id for n in ast.walk(ast.parse(self.source))
                if isinstance(n, ast.Name) and n.id in roots]
        if left:
            raise SrcadError(f"cannot export {self.function_name}: it reads {left[0]} in a way "
                             "the exporter cannot snapshot", construct=left[0])

    def guard_size_one_dims(self, n_primal):
        """Make the exported function check the size-1 dimensions of its array arguments,
        which the code is specialised on (srcad itself dispatches on them)."""
        names = list(inspect.signature(self.function).parameters)[:n_primal]
        expected = tuple(_size_one_pattern(k) for k in self.param_kinds[:n_primal])
        if all(p is None for p in expected):
            return
        self.add("check_size_one_dims", runtime.check_size_one_dims, "the argument check")
        values = ", ".join(names) + ("," if len(names) == 1 else "")
        pattern = literal_text(expected)
        if pattern is None:
            raise SrcadError(f"cannot export {self.function_name}: a key of a dict argument is "
                             "not a plain number or string", construct=self.function_name)
        call = (f"    check_size_one_dims({self.function_name!r}, {tuple(names)!r}, ({values}),\n"
                f"                        {pattern})\n")
        head, _, body = self.source.partition(f"def {self.function_name}(")
        signature, _, rest = body.partition("\n")
        self.source = f"{head}def {self.function_name}({signature}\n{call}{rest}"

    def text(self, origin):
        header = (f'"""{self.function_name}: the derivative of {origin}, generated by srcad.\n\n'
                  "Standalone: needs NumPy only, not srcad.\n\"\"\"\n")
        used = "\n".join([self.source, *self.helpers.values(), *self.constants.values()])
        imports = [f"import {m}" if alias == m else f"import {m} as {alias}"
                   for alias, m in sorted(self.imports.items())
                   if re.search(rf"\b{alias}\b", used)]
        parts = [header + "\n" + "\n".join(imports)]
        parts += list(self.helpers.values())
        if self.constants:
            parts.append("\n".join(f"{n} = {e}" for n, e in self.constants.items()))
        parts.append(self.source.rstrip("\n"))
        parts.append(f'__all__ = ["{self.function_name}"]')
        return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"

    def claim(self, name, value, user):
        """Record that `name` stands for `value`; False if it already does."""
        if name in self.owners:
            if self.owners[name] is value or _same_constant(self.owners[name], value):
                return False
            raise SrcadError(f"cannot export {self.function_name}: the name {name!r} means two "
                             f"different things ({user} and an earlier definition)",
                             construct=name)
        self.owners[name] = value
        return True

    def add(self, name, value, user):
        if not self.claim(name, value, user):
            return
        if isinstance(value, types.ModuleType):
            self.add_module(name, value, user)
        elif isinstance(value, types.FunctionType) and value.__module__ != "numpy":
            self.add_function(name, value)
        elif isinstance(value, type) and value.__module__.startswith("srcad."):
            self.add_class(name, value)
        elif isinstance(value, Statement):
            self.add_statement(name, value)
        else:
            self.constants[name] = constant_source(value, name, user)

    def add_module(self, name, module, user):
        if module not in _MODULES:
            raise SrcadError(f"cannot export: {user} uses the module {module.__name__} "
                             f"(as {name}); an exported derivative may import only numpy and "
                             "math", construct=name)
        self.imports[name] = _MODULES[module]

    def add_statement(self, name, statement):
        """A statement the function runs as written (print, assert, raise): its definition,
        and the globals it reads. (The exported module passes it writable values.)"""
        self.helpers[name] = statement.source
        self.add_globals_of(statement.fn, f"the statement at line {statement.line}")

    def add_function(self, name, fn):
        """Copy fn's source under `name`, and whatever globals it reads."""
        if fn.__closure__ or fn.__name__ == "<lambda>":
            raise SrcadError(f"cannot export: the helper {name} ({fn.__module__}."
                             f"{fn.__qualname__}) is a closure or lambda, whose source cannot "
                             "be copied on its own; define it at module level", construct=name)
        try:
            text = textwrap.dedent(inspect.getsource(fn))
        except (OSError, TypeError):
            raise SrcadError(f"cannot export: the source of the helper {name} "
                             f"({fn.__module__}.{fn.__qualname__}) is not available",
                             construct=name) from None
        if fn.__name__ != name:
            text += f"\n\n{name} = {fn.__name__}\n"
            self.claim(fn.__name__, fn, f"the helper {name}")
        self.helpers[name] = text
        self.add_globals_of(fn, f"the helper {fn.__qualname__}")

    def add_class(self, name, cls):
        """Copy a runtime class's source under `name` (revolve.Schedule), and the globals its
        methods read; srcad classes it derives from first (errors.RunTimeRefusal)."""
        for base in cls.__bases__:
            if base.__module__.startswith("srcad.") and base.__name__ not in self.helpers:
                self.add(base.__name__, base, f"the helper {cls.__qualname__}")
        self.helpers[name] = textwrap.dedent(inspect.getsource(cls)) + (
            f"\n\n{name} = {cls.__name__}\n" if cls.__name__ != name else "")
        for method in vars(cls).values():
            if isinstance(method, types.FunctionType):
                self.add_globals_of(method, f"the helper {cls.__qualname__}")

    def add_globals_of(self, fn, user):
        for ref in global_names(fn.__code__):
            if ref in fn.__globals__:
                self.add(ref, fn.__globals__[ref], user)
            elif not hasattr(builtins, ref):
                raise SrcadError(f"cannot export: {user} reads the undefined name {ref!r}",
                                 construct=ref)


def _read_now(node, namespace, roots):
    """(True, value) when `node` is `root[key]` or `root.name` for a root of the reads."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
            node.value.id in roots and isinstance(node.slice, ast.Constant):
        return True, namespace[node.value.id][node.slice.value]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
            node.value.id in roots:
        return True, getattr(namespace[node.value.id], node.attr)
    return False, None


def _size_one_pattern(kind):
    """What runtime.check_size_one_dims expects of a value of this kind (None: anything)."""
    if kind.is_array:
        return kind.ones
    if kind.tag in ("list", "tuple") and kind.items is not None:
        items = [_size_one_pattern(k) for k in kind.items]
        return items if any(i is not None for i in items) else None
    if kind.tag == "dict" and kind.items is not None:
        items = {key: _size_one_pattern(k) for key, k in kind.items}
        return items if any(i is not None for i in items.values()) else None
    return None


def global_names(code):
    """The global names a code object (and the functions nested in it) reads."""
    names = {ins.argval for ins in dis.get_instructions(code)
             if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.update(global_names(const))
    return sorted(names)


def constant_source(value, name, user):
    """A Python expression (over `np` and `math`) that rebuilds `value`, or SrcadError."""
    if isinstance(value, np.ndarray):
        return _array_source(value, name, user)
    for module, alias in ((np, "np"), (math, "math"), (builtins, None)):
        attr = getattr(value, "__name__", None)
        if isinstance(attr, str) and getattr(module, attr, None) is value:
            return f"{alias}.{attr}" if alias else attr
    if isinstance(value, np.dtype):
        return f"np.dtype({value.str!r})"
    text = literal_text(value)
    if text is not None:
        return text
    raise SrcadError(f"cannot export: {user} reads {name}, a {type(value).__name__} that "
                     "cannot be written as a literal; pass it as an argument instead",
                     construct=name)


def literal_text(value):
    """Source text that rebuilds `value`, written by srcad from exactly the plain types
    (never a repr of a user's class, which could be any text), or None."""
    t = type(value)
    if t in (bool, int, str, type(None)) or t is float and math.isfinite(value):
        return repr(value)
    if t is float:
        return "math.nan" if math.isnan(value) else "math.inf" if value > 0 else "-math.inf"
    if value is Ellipsis:
        return "..."
    if t in (tuple, list):
        items = [literal_text(v) for v in value]
        if None in items:
            return None
        inner = ", ".join(items) + ("," if t is tuple and len(items) == 1 else "")
        return f"({inner})" if t is tuple else f"[{inner}]"
    if t is dict:
        pairs = [(literal_text(k), literal_text(v)) for k, v in value.items()]
        if any(None in pair for pair in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    if t is slice:
        parts = [literal_text(p) for p in (value.start, value.stop, value.step)]
        return None if None in parts else f"slice({', '.join(parts)})"
    if isinstance(value, np.generic) and t.__module__ == "numpy" and t.__name__.isidentifier() \
            and getattr(np, t.__name__, None) is t and value.dtype.kind in "biuf":
        item = literal_text(value.item())
        return None if item is None else f"np.{t.__name__}({item})"
    return None


def _array_source(value, name, user):
    if value.size > MAX_ARRAY_SIZE or value.dtype == object:
        raise SrcadError(f"cannot export: {user} reads the array {name} of shape {value.shape} "
                         f"and dtype {value.dtype}; arrays of up to {MAX_ARRAY_SIZE} numbers "
                         "are written into the module, larger ones must be passed as "
                         "arguments", construct=name)
    dtype = value.dtype.name if np.dtype(value.dtype.name) == value.dtype else value.dtype.str
    if np.issubdtype(value.dtype, np.inexact) and not np.all(np.isfinite(value)):
        return (f"np.frombuffer(bytes.fromhex({value.tobytes().hex()!r}), "
                f"dtype={dtype!r}).reshape({value.shape!r})")
    text = f"np.array({value.tolist()!r}, dtype={dtype!r})"
    return text if value.size else f"{text}.reshape({value.shape!r})"


def _same_constant(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _short(text):
    return text if len(text) <= 40 else text[:37] + "..."


__all__ = ["MAX_ARRAY_SIZE", "constant_source", "export", "generated_code", "global_names",
           "overwritten_source", "suggested_path"]
