"""The public transforms: grad, value_and_grad, vjp, source, lower.

A transform wraps the user's function in a small Python function with the same signature.
On a call it looks up the compiled derivative for the kinds of the arguments (float, array of
a given ndim and dtype and with given size-1 dimensions, container of such) and calls it; the
first call with new kinds runs the pipeline:

    parse -> lower to SSA (specialised on the kinds) -> verify -> differentiate -> simplify
    -> verify -> generate Python -> compile

The cache is keyed by the kinds; the function's code object, `wrt`, mode and options are
fixed per transform object. What else a specialisation depends on (the kinds of the globals,
closure variables and attributes it reads, the values of those that decide its structure) it
guards: each call checks the guards, and where one fails another specialisation is found or
compiled (srcad/frontend/live.py). A function that reads nothing but its arguments has no guards and
pays nothing.
"""

import inspect
import threading
import warnings
from typing import Any

import numpy as np

from . import callables, fastpath, jaxlike, naming, pipeline
from .codegen import compiled, numba_backend
from .transforms import forward
from .frontend import parse as frontend, live
from . import lazy, records, reuse
from . import kinds as K
from .display import GeneratedSource
from .errors import UnsupportedSyntaxError
from .ir.nodes import Function
from .kinds import kind_key
from .frontend.signature import Fn, Wrt, normalise_wrt, signature_of
from .revolve import check_snapshots
from .tree import check_differentiable, flatten

_MODES = ("grad", "value_and_grad", "vjp", "jvp")
_MAX_VARIANTS = 8           # specialisations kept per argument kinds, for changing guards
_MAX_KINDS = 64             # argument kinds kept compiled per transform, the oldest dropped
_WARN_KINDS = 16            # argument kinds compiled before srcad says why it recompiles


def _marked(mode):
    """Mark a transform, so lowering knows `srcad.grad(...)` inside a differentiated function
    without importing this module (srcad/lowering/aliasing.py `is_srcad_transform`)."""
    def mark(fn):
        fn.__srcad_transform__ = mode
        return fn
    return mark


@_marked("grad")
def grad(f: Fn | None = None, wrt: Wrt = 0, *, argnums: int | tuple[int, ...] | None = None,
         has_aux: bool = False, optimize: bool = True, source: str | None = None,
        backend: str = "python", fallback: bool = False,
        compute: bool = False, checkpoint: int | None = None) -> Fn:
    """The gradient of scalar-valued f: a function with f's signature.

    `wrt` is a parameter index, a parameter name, or a tuple (or list) of those (then the
    result is a tuple of gradients, one per entry). It defaults to the first parameter only.
    `argnums` is JAX's spelling: an int or a tuple / list of ints. Each gradient has the
    structure of its argument: a float for a float, an array of the same shape and dtype for
    an array, the same nesting and classes for lists, tuples, dicts, namedtuples, dataclasses
    and registered classes (srcad.tree.register). With `has_aux=True`, f returns a pair
    `(value, aux)`: value is differentiated, and the result is `(gradient, aux)`, as in JAX.
    `backend="numba"` compiles the derivative with Numba (the optional extra `srcad[numba]`):
    what Numba cannot compile is refused with a SrcadError at the user's line, or, with
    `fallback=True`, computed by the Python backend after a warning (docs/numba.md). The same
    keywords work for value_and_grad, vjp and jvp. On Dask arrays the gradient is lazy;
    `compute=True` computes every lazy result in one go (docs/big_data.md).
    `checkpoint=k` checkpoints f's loops (each `for` loop outside other loops whose carried
    values the gradient depends on) with k snapshots, as `srcad.checkpointed` marks one: the
    gradient's memory no longer grows with their trip counts (docs/checkpointing.md); so do
    value_and_grad and vjp; jvp, which keeps no tape, accepts and ignores it.
    """
    return _decorate(f, wrt, "grad", optimize, source, argnums, has_aux,
                     (backend, fallback), compute, checkpoint)


@_marked("value_and_grad")
def value_and_grad(f: Fn | None = None, wrt: Wrt = 0, *,
                   argnums: int | tuple[int, ...] | None = None, has_aux: bool = False,
                   optimize: bool = True, source: str | None = None,
                   backend: str = "python", fallback: bool = False,
                   compute: bool = False, checkpoint: int | None = None) -> Fn:
    """Like `grad`, returning `(f(*args), gradient)` from one forward sweep; with
    `has_aux=True`, `((value, aux), gradient)`, as in JAX."""
    return _decorate(f, wrt, "value_and_grad", optimize, source, argnums, has_aux,
                     (backend, fallback), compute, checkpoint)


def vjp(f: Fn | None = None, wrt: Wrt = 0, *, argnums: int | tuple[int, ...] | None = None,
        has_aux: bool = False, optimize: bool = True, source: str | None = None,
        backend: str = "python", fallback: bool = False,
        compute: bool = False, checkpoint: int | None = None) -> Fn:
    """`bf(*args, cotangent) -> (value, grads)`: the vector-Jacobian product of f at args.

    grads_i = cotangent . d f / d args[wrt_i]; the cotangent has the structure of f's output
    (an array, or a tree of them: tuples, lists, dicts, namedtuples, records). With
    `has_aux=True`, f returns `(value, aux)` and `bf` returns `(value, grads, aux)`, aux last
    as in JAX's `vjp`.
    """
    return _decorate(f, wrt, "vjp", optimize, source, argnums, has_aux,
                     (backend, fallback), compute, checkpoint)


@_marked("jvp")
def jvp(f: Fn | None = None, wrt: Wrt = 0, *, argnums: int | tuple[int, ...] | None = None,
        has_aux: bool = False, optimize: bool = True, source: str | None = None,
        backend: str = "python", fallback: bool = False,
        compute: bool = False, checkpoint: int | None = None) -> Fn:
    """`df(*args, *tangents) -> (value, tangent_out)`: forward mode, one tangent per wrt entry.

    tangent_out = sum_i d f / d args[wrt_i] . tangents[i]; each tangent has the structure of
    its argument, and tangent_out that of f's output. With `has_aux=True`, f returns
    `(value, aux)` and `df` returns `(value, tangent_out, aux)`, as JAX's `jvp` does.
    """
    return _decorate(f, wrt, "jvp", optimize, source, argnums, has_aux,
                     (backend, fallback), compute, checkpoint)


def _decorate(f, wrt, mode, optimize, source, argnums=None, has_aux=False,
              backend=("python", False), compute=False, checkpoint=None):
    if f is None:
        return lambda g: _decorate(g, wrt, mode, optimize, source, argnums, has_aux, backend,
                                   compute, checkpoint)
    if isinstance(f, (int, str, tuple, list)) and not callable(f):
        return lambda g: _decorate(g, f, mode, optimize, source, argnums, has_aux, backend,
                                   compute, checkpoint)
    if argnums is not None:
        inner = _transform_of(f, required=False)
        names = (inner.output_signature() if inner else signature_of(f)).parameters
        wrt = jaxlike.resolve_argnums(wrt, argnums, len(names), f"srcad.{mode}")
    choice = numba_backend.choose(*backend)
    if checkpoint is not None:
        check_snapshots(checkpoint, "checkpoint")   # an int >= 1: else TypeError, ValueError
        checkpoint = None if mode == "jvp" else checkpoint     # no tape to checkpoint
    options = (mode, tuple(wrt) if isinstance(wrt, list) else wrt, optimize, source, has_aux,
               choice, checkpoint)
    derivative = reuse.transform(
        lambda: Transform(f, wrt, mode, optimize, source, has_aux, choice, checkpoint), f,
        options).wrapper
    return lazy.computing(derivative) if compute else derivative


def source(g: Fn, *args: Any) -> GeneratedSource:
    """The generated Python source of a function srcad returned.

    With example `args`, the version specialised to their kinds; without, the version of the
    latest call (or, before any call, the generic version that works for any kinds).
    """
    transform = _transform_of(g)
    latest = transform.specialised(args) if args else transform.latest()
    helpers = pipeline.helper_sources(latest.namespace)
    if not helpers:
        return GeneratedSource(latest.source)
    return GeneratedSource("\n".join([latest.source, "# derivatives of the helper functions it "
                                      "calls"] + helpers))


def lower(f: Fn, *args: Any) -> Function:
    """The SSA IR of f; `str()` prints the v_i trace. With args, specialised to their kinds."""
    inner = _transform_of(f, required=False)
    if inner is not None:
        return inner.derivative_ir(inner.kinds_of(args) if args else None)
    arg_kinds = [K.kind_of(a) for a in args] if args else None
    return pipeline.lower(frontend.parse(f), arg_kinds)


def _transform_of(g, required=True):
    transform = getattr(g, "__srcad__", None)
    if transform is None and required:
        raise TypeError(f"{getattr(g, '__name__', g)!r} is not a function returned by srcad")
    return transform


class Transform:
    """One derivative of one function: options, the compile cache and the calling wrapper."""

    def __init__(self, f, wrt, mode, optimize, source, has_aux=False, backend=None,
                 checkpoint=None):
        if not callable(f):
            raise TypeError(f"srcad.{mode} expects a function, got {type(f).__name__}")
        f = self.f = callables.as_python_function(f)     # np.sin, a partial, a loss object
        self.mode = mode
        self.optimize = optimize
        self.source_text, self.has_aux = source, has_aux
        self.backend = backend      # None (Python), or ("numba", fallback): numba_backend.py
        self.inner = _transform_of(f, required=False)
        self.signature = self.inner.output_signature() if self.inner else signature_of(f)
        _refuse_var_keyword(f, self.signature)
        self.names = list(self.signature.parameters)
        self.wrt, self.wrt_is_tuple = normalise_wrt(wrt, self.names, f)
        self.spec = pipeline.Spec(f, mode, self.wrt, self.wrt_is_tuple, optimize, source,
                                  self.inner.spec if self.inner else None, has_aux, checkpoint)
        self.cache = {}
        self.scalar_cache = {}      # keyed by argument types alone, when all are int/float
        self.generated = {}         # kinds -> compiled.Generated, for srcad.source
        self.variants = {}          # kinds -> the Generated compiled for them, newest last
        self.numpy_variants = {}    # kinds -> the Generated without math.* (as_numpy)
        self.lock = threading.Lock()
        self.last = None
        self.inlined = None         # the compiled derivative written into the wrapper, if any
        self.fast_array = None      # the array kinds the wrapper tests for first (fastpath)
        self.wrapper = fastpath.make_wrapper(self)

    def output_signature(self):
        """f's signature, plus the cotangent (vjp) or the tangents (jvp); these are
        keyword-only when f has *args, keyword-only parameters or defaults (a positional
        tangent after an omitted default could not be told from the default's value)."""
        params = list(self.signature.parameters.values())
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        if any(p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY) or p.default is not p.empty
               for p in params):
            kind = inspect.Parameter.KEYWORD_ONLY
        taken = set(self.names)                 # added names are fresh against f's own
        if self.mode == "vjp":
            params.append(inspect.Parameter(naming.added_parameter("cotangent", taken), kind))
        if self.mode == "jvp":
            params += [inspect.Parameter(naming.added_parameter(naming.tangent(self.names[i]),
                                                                taken), kind) for i in self.wrt]
        return self.signature.replace(parameters=params)

    def as_numpy(self, error, args):
        """The derivative where its Python-float specialisation raised `error` (division by
        zero, overflow, a math domain error) but NumPy does not: the code a Python float
        selects uses float arithmetic and `math.*`, which raise where NumPy returns inf or nan
        with a RuntimeWarning. Python's semantics decides: f itself runs first, and where it
        raises too (`1.0 / x` on a float 0.0, `math.log(0.0)`) the error is raised, noted with
        the generated and the user's line; otherwise the derivative runs again on np.float64
        numbers (NumPy's semantics, the values f computed) and its floats come back as Python
        floats. Only this failing call pays; the specialised code stays as fast as before."""
        if not any(map(_has_float, args)) and not _math_error(error):
            compiled.add_source_note(error)
            raise error
        try:
            with np.errstate(all="ignore"):      # NumPy warns once, in the derivative's run
                value = _call(self.f, self.signature, args[:len(self.names)])
        except Exception as own:
            if type(own) is not type(error):
                raise
            compiled.add_source_note(error)   # Python raises it too: the error as before,
            raise error from None            # naming the generated and the user's line
        result = self.dispatch(tuple(map(_to_numpy, args)), numpy_only=True)
        if self.has_aux and self.mode in ("vjp", "jvp"):   # f gave (value, aux)
            return (_like(result[0], value[0]),) + tuple(result[1:])
        if self.mode in ("value_and_grad", "vjp", "jvp"):
            rest = result[1]
            if self.mode == "jvp":                    # the tangent: the value's type
                rest = _like(rest, value) if np.ndim(value) == 0 else rest
            else:
                rest = _python_floats(self, rest, args)
            return value, rest
        if self.has_aux:                                  # grad: (gradients, aux)
            return _python_floats(self, result[0], args), result[1]
        return _python_floats(self, result, args)

    def numpy_only(self, key, args):
        """The derivative written with NumPy's functions where its specialisation calls
        `math`'s (which raise on overflow, where NumPy gives inf): compiled for this failing
        call's kinds once, and kept apart from the fast specialisations."""
        generated = self.numpy_variants.get(key)
        if generated is None:
            generated = pipeline.derive(self.spec, self.kinds_of(args),
                                        naming.function_name(self.mode, self.f), True)
            self.numpy_variants[key] = generated
        return generated.function

    def dispatch(self, args, numpy_only=False):
        """The compiled derivative for these arguments' kinds (compiled on first use)."""
        if self.mode == "jvp":
            forward.check_tangents([args[i] for i in self.wrt], args[len(self.names):],
                                   [self.names[i] for i in self.wrt])
        key = tuple(map(kind_key, args))
        compiled = self.numpy_only(key, args) if numpy_only else self.cache.get(key)
        if compiled is None:
            compiled = self.compile_for(key, args)
        if self.mode != "vjp":
            return compiled(*args)
        name = getattr(self.f, "__name__", "f")
        try:
            result = compiled(*args)
        except Exception:       # a cotangent of another structure fails inside: say so
            value = _call(self.f, self.signature, args[:len(self.names)])
            _check_cotangent(value[0] if self.has_aux else value, args[-1], name)
            raise
        _check_cotangent(result[0], args[-1], name)
        return result

    def bind(self, args, kwargs):
        signature = self.output_signature()
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"{self.wrapper.__name__}(): {err}") from None
        bound.apply_defaults()
        return tuple(bound.arguments[name] for name in signature.parameters)

    def kinds_of(self, args):
        """Kinds of the primal arguments; records of the wrt ones as dicts (records.py)."""
        return [K.kind_of(a, records=i in self.wrt) for i, a in enumerate(args[:len(self.names)])]

    def compile_for(self, key, args):
        with self.lock:
            compiled = self.cache.get(key)
            if compiled is None:
                compiled = self.install(key, self.new_specialisation(key, args))
            return compiled

    def new_specialisation(self, key, args):
        for i in self.wrt:
            check_differentiable(args[i], f"argument {self.names[i]!r} of "
                                 f"{getattr(self.f, '__name__', 'f')}", self.names[i])
        generated = numba_backend.compile_with(
            self.backend, self.generate(self.kinds_of(args)), args,
            list(self.output_signature().parameters), _def_line(self.f))
        generated.entry = records.entry(generated.function, args, self)
        variants = self.variants.setdefault(key, [])
        variants.append(generated)
        del variants[:-_MAX_VARIANTS]
        return generated

    def install(self, key, generated):
        """Make `generated` the specialisation calls with these kinds get: its function,
        behind a check of its guards when it has any."""
        compiled = self.guarded(key, generated)
        if key not in self.cache:
            self.make_room()
        self.cache[key] = compiled
        self.generated[key] = generated
        if key == self.fast_array or self.fast_array is None and \
                fastpath.takes_array_path(self, key):
            fastpath.array_path(self, key, compiled)
        if all(k in (float, int) for k in key):
            if not self.scalar_cache and generated.check is None and \
                    generated.backend == "python":
                fastpath.inline_scalar_path(self, key, generated)
            self.scalar_cache[key] = compiled
        self.last = generated
        return compiled

    def make_room(self):
        """At most _MAX_KINDS argument kinds stay compiled, the oldest dropped first: a
        function, closure, partial or string argument made anew at each call is a new kind
        each time (kinds.callable_key), and keeping them all would keep them all alive."""
        if len(self.cache) == _WARN_KINDS:
            warnings.warn(
                f"srcad has compiled {self.wrapper.__name__} for {_WARN_KINDS} different kinds "
                "of arguments: a function, closure, partial or string argument that is a new "
                "object at each call is compiled anew each time; make it once, outside the "
                "loop, and pass the numbers it holds as arguments", RuntimeWarning, stacklevel=6)
        while len(self.cache) >= _MAX_KINDS:
            oldest = next(iter(self.cache))
            if oldest == self.fast_array:
                fastpath.array_path(self, oldest, None)
            for table in (self.cache, self.generated, self.variants, self.scalar_cache):
                table.pop(oldest, None)

    def guarded(self, key, generated):
        """The compiled function, or, when it has guards, a function that checks them
        first and finds or compiles another specialisation when one fails."""
        function, check = generated.entry, generated.check
        if check is None:
            return function
        return fastpath.guarded(function, check, self.respecialise, key,
                                len(self.output_signature().parameters))

    def respecialise(self, key, args):
        """A guard failed: the newest specialisation for these kinds whose guards hold
        now, or a new one (which reads the globals, cells and attributes afresh)."""
        with self.lock:
            for generated in reversed(self.variants.get(key, [])):
                if live.holds(generated.check):
                    break
            else:
                generated = self.new_specialisation(key, args)
            self.install(key, generated)
        return generated.entry(*args)

    def latest(self):
        if self.last is None:
            generic = self.generate(None)
            note = ("# generic version: the argument kinds are not known yet; call the function\n"
                    "# once, or pass example arguments to srcad.source, for the specialised code\n")
            generic.source = note + generic.source
            self.last = generic
        return self.last

    def specialised(self, args):
        """The Generated derivative for the kinds of these example arguments."""
        if len(args) != len(self.output_signature().parameters):
            raise TypeError(f"srcad.source: pass all {len(self.output_signature().parameters)} "
                            "arguments of the derivative, or none")
        key = tuple(map(kind_key, args))
        if key not in self.generated:
            self.compile_for(key, tuple(args))
        return self.generated[key]

    def derivative_ir(self, arg_kinds, inline_calls=False, guards=None):
        """The derivative's IR for these argument kinds (srcad.lower of a derivative)."""
        return pipeline.derivative(self.spec, arg_kinds, guards, inline_calls)

    def generate(self, arg_kinds):
        return pipeline.derive(self.spec, arg_kinds, naming.function_name(self.mode, self.f))


def _def_line(f):
    """The line of f's `def` (where a refused argument is reported), None if unknown."""
    return getattr(getattr(f, "__code__", None), "co_firstlineno", None)


def _math_error(error):
    """An error `math`'s functions raise where NumPy's give inf or nan with a warning."""
    return isinstance(error, (OverflowError, ZeroDivisionError)) or \
        (isinstance(error, ValueError) and "math domain" in str(error))


def _call(f, signature, values):
    """f called with one value per parameter of its signature (in the signature's order)."""
    positional, keywords = [], {}
    for p, value in zip(signature.parameters.values(), values):
        if p.kind == p.VAR_POSITIONAL:
            positional.extend(value)
        elif p.kind == p.KEYWORD_ONLY:
            keywords[p.name] = value
        else:
            positional.append(value)
    return f(*positional, **keywords)


def _python_floats(transform, grads, args):
    """The gradients computed on np.float64 numbers, back in their arguments' types."""
    if transform.wrt_is_tuple:
        return tuple(_like(g, args[i]) for g, i in zip(grads, transform.wrt))
    return _like(grads, args[transform.wrt[0]])


def _has_float(value):
    if type(value) is float:
        return True
    if type(value) in (list, tuple):
        return any(map(_has_float, value))
    return type(value) is dict and any(map(_has_float, value.values()))


def _to_numpy(value):
    """Python floats (in containers too) as np.float64: NumPy's semantics for numbers."""
    if type(value) is float:
        return np.float64(value)
    if type(value) in (list, tuple):
        return type(value)(map(_to_numpy, value))
    if type(value) is dict:
        return {k: _to_numpy(v) for k, v in value.items()}
    return value


def _like(grad, arg):
    """A gradient computed on np.float64 numbers, with Python floats where `arg` has them."""
    if type(arg) is float:
        return float(grad)
    if isinstance(arg, np.generic) and np.ndim(grad) == 0:
        return arg.dtype.type(grad)
    if type(arg) in (list, tuple):
        return type(arg)(_like(g, a) for g, a in zip(grad, arg))
    if type(arg) is dict:
        return {k: _like(grad[k], v) for k, v in arg.items()}
    return grad


def _check_cotangent(value, cotangent, name):
    """vjp's cotangent must have the structure and shapes of f's output."""
    values, value_tree = flatten(value)
    cotangents, cotangent_tree = flatten(cotangent)
    if value_tree != cotangent_tree or any(np.shape(v) != np.shape(c)
                                           for v, c in zip(values, cotangents)):
        shapes = [np.shape(v) for v in values]
        raise ValueError(f"srcad.vjp: the cotangent must have the structure and shape of "
                         f"{name}'s output ({value_tree}, shapes {shapes}); got {cotangent_tree}, "
                         f"shapes {[np.shape(c) for c in cotangents]}")


def _refuse_var_keyword(f, signature):
    for p in signature.parameters.values():
        if p.kind == p.VAR_KEYWORD:
            code = getattr(f, "__code__", None)
            raise UnsupportedSyntaxError(
                f"**{p.name} in the signature of {getattr(f, '__name__', f)} is not supported; "
                "name the keyword parameters (def f(x, *, scale=1.0))",
                filename=getattr(code, "co_filename", None),
                line=getattr(code, "co_firstlineno", None), construct="**" + p.name)
