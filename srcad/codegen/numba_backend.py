"""Compiled derivatives through Numba: `srcad.grad(f, backend="numba")`.

The derivative srcad generates is plain Python on floats and small arrays, which is what
`numba.njit` compiles. This module takes the `Generated` derivative of one specialisation
(srcad/codegen/compiled.py) and hands its code object to Numba, with the globals it reads
replaced by versions Numba can compile: srcad's runtime helpers by Numba implementations of
the same helpers (`_numba_helpers`), and `reversed`, which the reverse sweep of every loop
says (of a range, or of the tape it walks back through), by a range counting down or a
reversed copy of the list. The generated source is the same as the Python backend's
(`srcad.source` shows it); only what runs it changes.

What Numba cannot compile is refused before it is asked to, at the user's line:

- an argument that is not a float, an int, a bool, a NumPy array of numbers or a tuple of
  those (a list, a dict, an object), named with its parameter;
- a global the derivative reads at each call (Numba freezes globals when it compiles, where
  Python reads them afresh: a float changed later would give a stale number);
- a call of something Numba does not know (a SciPy function, a user object's method);
- a dict or a set the derivative builds;

and what Numba's own type inference rejects is refused with Numba's reason, at the user's line
the failing generated line comes from. With `fallback=True` a refusal is a RuntimeWarning at
that line instead, and the Python backend computes the derivative.

Numba is imported on the first derivative compiled with it, never by `import srcad`.
"""

import ast
import functools
import math
import re
import types
import warnings

import numpy as np

from . import compiled
from .. import naming, runtime
from .compiled import Generated
from ..errors import SrcadError

BACKENDS = ("python", "numba")
_HINT = ("use the default backend (backend='python'), or pass fallback=True to compute it "
         "with the Python backend when Numba cannot")
_LINE_COMMENT = re.compile(r"#\s*line (\d+):")
_NUMBA_LOCATION = re.compile(r'File "([^"]+)", line (\d+)')
_TERMINAL_STYLE = re.compile(r"\x1b\[[0-9;]*m")    # Numba colours its messages on some setups
_NUMBER_KINDS = "biuf"          # bool, signed and unsigned ints, floats


class NumbaBackendError(SrcadError):
    """The derivative cannot be compiled with Numba: the message says which value or call,
    and where in the user's function."""


def choose(backend, fallback):
    """The backend a transform compiles with: None for Python's, or ("numba", fallback)."""
    if backend not in BACKENDS:
        raise ValueError(f"srcad: backend must be one of {BACKENDS}, got {backend!r}")
    if not isinstance(fallback, bool):
        raise TypeError(f"srcad: fallback must be True or False, got {fallback!r}")
    return None if backend == "python" else (backend, fallback)


def compile_with(choice, generated, args, names, first_line=None):
    """`generated` compiled with the chosen backend for these arguments (the first call's),
    as a new `Generated` whose function is Numba's; or, refused with `fallback=True`,
    `generated` itself after a warning at the user's line. `names` are the derivative's
    parameters, `first_line` the user's `def` line (where an argument is refused)."""
    if choice is None:
        return generated
    try:
        return _numba_compiled(generated, args, names, first_line)
    except NumbaBackendError as refusal:
        if not choice[1]:
            raise
        warnings.warn_explicit(f"srcad: {refusal.bare_message}; the Python backend computes "
                               "it instead", RuntimeWarning, refusal.filename or "<srcad>",
                               refusal.line or 0)
        return generated


def _numba_compiled(generated, args, names, first_line):
    nb = _numba(generated, first_line)
    _check_arguments(generated, args, names, first_line)
    _check_syntax(generated)
    code = _without_releases(generated)
    function = types.FunctionType(code, _numba_globals(generated, nb), code.co_name,
                                  generated.function.__defaults__)
    dispatcher = nb["numba"].njit(function)
    try:
        dispatcher.compile(tuple(nb["numba"].typeof(a) for a in args))
    except Exception as err:  # noqa: BLE001 - Numba's refusal, said at the user's line
        raise _numba_refusal(generated, err) from None
    result = Generated(generated.source, dispatcher, generated.namespace, generated.filename,
                       generated.param_kinds)
    result.check, result.roots, result.backend = generated.check, generated.roots, "numba"
    return result


def _numba(generated, first_line):
    """numba and the Numba versions of srcad's helpers; refused when Numba is missing."""
    try:
        return _loaded()
    except ImportError:
        raise _at_user_line(generated, first_line, "backend='numba' needs Numba, which is not "
                            "installed: pip install 'srcad[numba]'") from None


@functools.cache
def _loaded():
    import numba                     # optional: only a derivative asking for it loads it
    return {"numba": numba, **_numba_helpers(numba)}


# ----- what is refused before Numba is asked -------------------------------------------------
def _check_arguments(generated, args, names, first_line):
    for name, value in zip(names, args):
        why = _unsupported_value(value)
        if why is not None:
            raise _at_user_line(
                generated, first_line, f"argument {name!r} is {why}; the numba backend "
                "compiles floats, ints, bools, NumPy arrays of numbers and tuples of those: "
                f"pass the numbers it holds as such arguments, or {_HINT}")


def _unsupported_value(value):
    """Why Numba's backend does not take `value`, or None when it does."""
    if type(value) is int and not -2 ** 63 <= value < 2 ** 63:
        return "an int beyond 64 bits (Numba's ints are 64-bit)"
    if type(value) in (float, int, bool) or type(value) in (np.float64, np.int64, np.bool_):
        return None
    if type(value) is np.ndarray:
        if value.dtype.kind not in _NUMBER_KINDS or value.dtype.kind == "f" and \
                value.dtype != np.float64:
            return f"an array of dtype {value.dtype} (float64, ints and bools are compiled)"
        return None
    if type(value) is tuple and value:
        return next(filter(None, map(_unsupported_value, value)), None)
    if type(value) is tuple:
        return "an empty tuple"
    return f"a {type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")


def _check_syntax(generated):
    """Refuse a dict or set the derivative builds, where it is built."""
    for node in ast.walk(ast.parse(generated.source)):
        what = _unsupported_node(node)
        if what is not None:
            raise _refusal(generated, node.lineno, f"the derivative builds {what}, which the "
                           f"numba backend does not compile; {_HINT}")


def _unsupported_node(node):
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return "a dict"
    if isinstance(node, (ast.Set, ast.SetComp)):
        return "a set"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("dict", "set", "frozenset"):
        return f"a {node.func.id}"
    return None


def _without_releases(generated):
    """The derivative's code with its `del` lines (codegen/release.py) read as `pass`, on the
    same lines: Numba refuses `del`, and frees its arrays by its own reference counts."""
    code = generated.function.__code__
    if not any(line.lstrip().startswith("del ") for line in generated.source.split("\n")):
        return code
    lines = [line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith("del ")
             else line for line in generated.source.split("\n")]
    namespace = {}
    exec(compile("\n".join(lines), generated.filename, "exec"), namespace)
    return namespace[code.co_name].__code__


def _numba_globals(generated, nb):
    """The globals the Numba-compiled derivative reads: NumPy, math and the Numba versions of
    srcad's helpers; anything else is refused where the derivative first reads it."""
    helpers = nb["helpers"]
    names = {"np": np, "math": nb["math"], "reversed": nb["reversed"]}
    for name, value in generated.namespace.items():
        if name == "__builtins__" or value is np or value is math or \
                name == generated.function.__name__:
            continue
        if _is_function(value) and value in helpers:
            names[name] = helpers[value]
            continue
        if type(value) is dict and name.startswith(naming.CHECKED_SHAPES):
            names[name] = 0        # the memo of a loop of checks: compiled code checks always
            continue
        raise _refusal(generated, _first_use(generated, name),
                       _global_reason(generated, name, value))
    return names


def _is_function(value):
    return isinstance(value, types.FunctionType)


def _global_reason(generated, name, value):
    if isinstance(value, dict) and name.startswith("globals_"):
        read = ", ".join(_keys_read(generated, name)) or "module globals"
        return (f"the derivative reads {read} from the module at each call, and Numba would "
                f"freeze them when it compiles; pass them as arguments, or {_HINT}")
    if isinstance(value, np.ufunc) and getattr(np, value.__name__, None) is not value:
        return (f"the derivative calls the ufunc {value.__name__} (not NumPy's; SciPy's or "
                f"another library's), which Numba cannot compile; {_HINT}")
    if callable(value):
        what = getattr(value, "__module__", None) or type(value).__module__
        label = ".".join(filter(None, (what, getattr(value, "__name__", name))))
        if _is_function(value) and value.__module__ == runtime.__name__:
            return (f"the derivative calls srcad's helper {label}, which has no Numba "
                    f"version; {_HINT}")
        return f"the derivative calls {label}, which Numba cannot compile; {_HINT}"
    kind = f"{type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")
    return (f"the derivative reads {name!r}, a {kind}, which Numba cannot compile (it "
            f"compiles floats, ints, NumPy arrays and tuples of them); pass the numbers it "
            f"holds as arguments, or {_HINT}")


def _keys_read(generated, name):
    """The names read through the module dict `name` (`globals_m['C']` reads C)."""
    return list(dict.fromkeys(
        node.slice.value for node in ast.walk(ast.parse(generated.source))
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and
        node.value.id == name and isinstance(node.slice, ast.Constant)))


def _first_use(generated, name):
    """The generated line that first reads global `name`."""
    for node in ast.walk(ast.parse(generated.source)):
        if isinstance(node, ast.Name) and node.id == name:
            return node.lineno
    return None


# ----- where: the user's line a generated line comes from ------------------------------------
def _at_user_line(generated, line, message):
    """A NumbaBackendError at line `line` of the user's file."""
    user_file = compiled.USER_FILES.get(generated.filename, generated.filename)
    return NumbaBackendError(message, user_file, line, "backend='numba'")


def _refusal(generated, generated_line, message):
    """A NumbaBackendError at the user's line that generated line `generated_line` comes
    from (the nearest `# line N:` comment above it)."""
    lines = generated.source.splitlines()
    start = len(lines) if generated_line is None else min(generated_line, len(lines))
    for k in range(start - 1, -1, -1):
        match = _LINE_COMMENT.search(lines[k])
        if match and lines[k].strip().startswith("#"):
            return _at_user_line(generated, int(match.group(1)), message)
    return _at_user_line(generated, None, message)


def _numba_refusal(generated, err):
    """Numba's own refusal, at the user's line, with the first line of Numba's reason."""
    text = _TERMINAL_STYLE.sub("", str(err))
    lines = [line.strip().removeprefix(">>> ") for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("Failed in", "During"))]
    reason = lines[0] if lines else type(err).__name__
    if reason.endswith(":") and len(lines) > 1:     # "No implementation ... for signature:"
        reason = f"{reason} {lines[1]}"
    located = [int(m.group(2)) for m in _NUMBA_LOCATION.finditer(text)
               if m.group(1) == generated.filename]
    return _refusal(generated, located[-1] if located else None,
                    f"Numba cannot compile the derivative: {reason}; {_HINT}")


# ----- Numba versions of srcad's helpers -------------------------------------------------------
def _numba_helpers(numba):
    """{srcad helper: its Numba version}, and a `reversed` for ranges and lists. Each is a
    stub with a Numba overload (numba.extending), so Numba picks the code for the argument
    types."""
    from numba import types as nt
    from numba.extending import overload

    def zeros_like(x):
        raise NotImplementedError("called only from Numba-compiled code")

    def check_broadcast(*arrays):
        raise NotImplementedError("called only from Numba-compiled code")

    def unbroadcast(g, x):
        raise NotImplementedError("called only from Numba-compiled code")

    def broadcast_like(x, target):
        raise NotImplementedError("called only from Numba-compiled code")

    def reversed_(seq):
        raise NotImplementedError("called only from Numba-compiled code")

    def zeros_view(shape, dtype=None):
        raise NotImplementedError("called only from Numba-compiled code")

    overload(zeros_like)(_zeros_like_impl(nt))
    overload(check_broadcast)(_check_broadcast_impl())
    overload(unbroadcast)(_unbroadcast_impl(nt))
    overload(broadcast_like)(_broadcast_like_impl(nt))
    overload(zeros_view)(_zeros_view_impl(nt))
    helpers = {runtime.zeros_like: zeros_like, runtime.check_broadcast: check_broadcast,
               runtime.unbroadcast: unbroadcast, runtime.broadcast_like: broadcast_like,
               runtime.zeros_view: zeros_view,
               runtime.shape_record: numba.njit(_kept_whole),
               runtime.shapes_unchecked: numba.njit(_always),
               runtime.shapes_checked: numba.njit(_nothing),
               runtime.sampled_stop: numba.njit(_stop_as_is),
               runtime.sampled_step: numba.njit(_step_one)}
    overload(reversed_)(_reversed_impl(nt, numba.njit(_reversed_range)))
    return {"helpers": helpers, "reversed": reversed_,
            "math": _checked_math(numba)}


def _checked_math(numba):
    """`math` for compiled code, with Python's errors: Numba's math.log(-1.0) is nan and its
    math.exp(1000.0) inf, where Python's raise ValueError and OverflowError; srcad's
    derivative then goes the way the Python backend's does (api.Transform.as_numpy)."""
    checked = types.ModuleType("math")
    checked.__dict__.update({k: v for k, v in vars(math).items() if not k.startswith("__")})
    for function in (sqrt, log, log2, log10, log1p, exp, expm1, cosh, sinh, acos, asin, acosh,
                     atanh):
        setattr(checked, function.__name__, numba.njit(function))
    return checked


def sqrt(x):
    if x < 0.0:
        raise ValueError("math domain error")
    return math.sqrt(x)


def log(x, base=math.e):
    if x <= 0.0 or base <= 0.0:
        raise ValueError("math domain error")
    if base == math.e:
        return math.log(x)
    return math.log(x) / math.log(base)


def log2(x):
    if x <= 0.0:
        raise ValueError("math domain error")
    return math.log2(x)


def log10(x):
    if x <= 0.0:
        raise ValueError("math domain error")
    return math.log10(x)


def log1p(x):
    if x <= -1.0:
        raise ValueError("math domain error")
    return math.log1p(x)


def exp(x):
    value = math.exp(x)
    if math.isinf(value) and not math.isinf(x):
        raise OverflowError("math range error")
    return value


def expm1(x):
    value = math.expm1(x)
    if math.isinf(value) and not math.isinf(x):
        raise OverflowError("math range error")
    return value


def cosh(x):
    value = math.cosh(x)
    if math.isinf(value) and not math.isinf(x):
        raise OverflowError("math range error")
    return value


def sinh(x):
    value = math.sinh(x)
    if math.isinf(value) and not math.isinf(x):
        raise OverflowError("math range error")
    return value


def acos(x):
    if abs(x) > 1.0:
        raise ValueError("math domain error")
    return math.acos(x)


def asin(x):
    if abs(x) > 1.0:
        raise ValueError("math domain error")
    return math.asin(x)


def acosh(x):
    if x < 1.0:
        raise ValueError("math domain error")
    return math.acosh(x)


def atanh(x):
    if abs(x) >= 1.0:
        raise ValueError("math domain error")
    return math.atanh(x)


def _reversed_range(r):
    """reversed(range(...)) as a range counting down (Numba has no reversed)."""
    n = len(r)
    return range(r.start + (n - 1) * r.step, r.start - r.step, -r.step)


def _reversed_impl(nt, reversed_range):
    """reversed() of a range (the reverse sweep's loops) and of a list (a tape the reverse
    loop walks back through instead of popping it)."""
    def typed(seq):
        if isinstance(seq, nt.RangeType):
            return lambda seq: reversed_range(seq)
        if isinstance(seq, nt.List):
            return lambda seq: seq[::-1]
        return None
    return typed


def _kept_whole(x):
    """Numba's tape keeps the array itself (one type per tape slot)."""
    return x


def _always(memo, key):
    return True


def _nothing(memo, key):
    return None


def _stop_as_is(stop, *sizes):
    return stop


def _step_one(*sizes):
    return 1


def _zeros_like_impl(nt):
    def typed(x):
        if isinstance(x, nt.Array) and isinstance(x.dtype, nt.Float):
            return lambda x: np.zeros_like(x)
        if isinstance(x, nt.Array):
            return lambda x: np.zeros(x.shape)
        if isinstance(x, (nt.Float, nt.Integer, nt.Boolean)):
            return lambda x: 0.0
        return None
    return typed


def _zeros_view_impl(nt):
    """Numba has no zero-stride stand-in: zeros of that shape (what the Python code read)."""
    def typed(shape, dtype=None):
        if dtype is None or isinstance(dtype, (nt.NoneType, nt.Omitted)):
            return lambda shape, dtype=None: np.zeros(shape)
        return lambda shape, dtype=None: np.zeros(shape, dtype)
    return typed


def _check_broadcast_impl():
    def typed(*arrays):
        if len(arrays) == 1:
            return lambda *arrays: None
        if len(arrays) == 2:
            return lambda *arrays: np.broadcast_shapes(np.shape(arrays[0]),
                                                       np.shape(arrays[1]))
        if len(arrays) == 3:
            return lambda *arrays: np.broadcast_shapes(
                np.shape(arrays[0]), np.shape(arrays[1]), np.shape(arrays[2]))
        return None
    return typed


def _unbroadcast_impl(nt):
    def typed(g, x):
        if not isinstance(g, nt.Array):
            return lambda g, x: g
        if not isinstance(x, nt.Array):
            return lambda g, x: np.sum(g)
        return _sum_to_shape
    return typed


def _broadcast_like_impl(nt):
    def typed(x, target):
        if not isinstance(target, nt.Array):
            return lambda x, target: x
        if not isinstance(x, nt.Array):
            return lambda x, target: np.full(target.shape, x, dtype=target.dtype)
        return lambda x, target: np.broadcast_to(x, target.shape)
    return typed


def _sum_to_shape(g, x):
    """g summed over the axes NumPy broadcast x along: the leading axes x lacks and those
    where x has size 1 (a fresh array of x's shape)."""
    out = np.zeros(x.shape, dtype=g.dtype)
    flat_out = out.reshape(out.size)
    flat_g = np.ascontiguousarray(g).reshape(g.size)
    extra = g.ndim - x.ndim
    for k in range(flat_g.size):
        rest, at, stride = k, 0, 1
        for d in range(g.ndim - 1, -1, -1):
            i = rest % g.shape[d]
            rest //= g.shape[d]
            if d >= extra:
                size = x.shape[d - extra]
                if size != 1:
                    at += i * stride
                stride *= size
        flat_out[at] += flat_g[k]
    return out
