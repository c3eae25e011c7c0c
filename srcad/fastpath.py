"""The function srcad.grad returns: a generated wrapper with the user's signature that looks
the compiled derivative up by the kinds of its arguments, and, once a scalar specialisation
is compiled, has that specialisation written into it behind a check of the argument types.
"""

import inspect
import sys

import numpy as np

from . import naming
from .codegen import compiled
from .errors import PythonTypeError
from .kinds import kind_key

_NUMBER_CODES = np.typecodes["AllFloat"] + np.typecodes["AllInteger"] + "?"   # dtype chars
_MAX_ITEMS = 64          # leaves and list items the array path tests for, at most
NUMBER_ERRORS = ("{indent}except (ArithmeticError, ValueError) as {error}:\n"
                 "{indent}    return {as_numpy}({error}, ({args}))\n")


class _Unset:
    """The default the wrapper gives a parameter that has one in f: an argument left out is
    read from f's `__defaults__` / `__kwdefaults__` at each call, as Python reads them (so
    that assigning `f.__defaults__` after the transform is seen)."""

    __slots__ = ()

    def __repr__(self):
        return "<f's default>"


UNSET = _Unset()


def user_function(transform):
    """The function whose defaults a wrapper reads: f, or for a derivative of a derivative,
    the innermost user function."""
    inner = getattr(transform, "inner", None)
    return user_function(inner) if inner is not None else transform.f


def _missing(name, wrapper, how):
    raise TypeError(f"{wrapper}() missing 1 required {how} argument: {name!r}")


def _missing_added(name, wrapper, f_name, takes):
    """A tangent (or cotangent) left out: keyword-only where f has defaults, and most often
    given positionally, where it became the value of a parameter with a default."""
    caller = sys._getframe(2)
    raise PythonTypeError(
        f"{wrapper}() missing its {takes} {name!r}: {f_name} has defaults (or *args, or "
        f"keyword-only parameters), so the {takes} is keyword-only (a positional one could "
        f"not be told from a value for a parameter with a default): call "
        f"{wrapper}(..., {name}=...)", caller.f_code.co_filename, caller.f_lineno)


def default_reads(transform, name, own):
    """The wrapper's first lines: each parameter with a default that was left out (it holds
    UNSET) reads f's default now; f's defaults lost since, Python's TypeError. A keyword-only
    tangent or cotangent left out, a PythonTypeError saying how to pass it."""
    params = list(transform.output_signature().parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    lines = []
    for k, p in enumerate(params):
        test = f"    if {p.name} is {own['unset']}:\n"
        if k >= len(transform.names) and p.kind == p.KEYWORD_ONLY:
            takes = "cotangent" if transform.mode == "vjp" else "tangent"
            f_name = getattr(transform.f, "__name__", "f")
            lines.append(f"{test}        {own['missing_added']}({p.name!r}, {name!r}, "
                         f"{f_name!r}, {takes!r})\n")
        if p.default is p.empty:
            continue
        if p.kind == p.KEYWORD_ONLY:
            read, errors, how = f"__kwdefaults__[{p.name!r}]", "TypeError, KeyError", "keyword-only"
        else:
            read = f"__defaults__[{positional.index(p) - len(positional)}]"
            errors, how = "TypeError, IndexError", "positional"
        lines.append(f"{test}        try:\n            {p.name} = {own['user']}.{read}\n"
                     f"        except ({errors}):\n"
                     f"            {own['missing']}({p.name!r}, {name!r}, {how!r})\n")
    return "".join(lines)


def _unset_defaults(transform):
    """The wrapper's __defaults__ and __kwdefaults__: UNSET for each parameter with a
    default in f, and for a keyword-only tangent or cotangent (see default_reads)."""
    params = list(transform.output_signature().parameters.values())
    defaults = tuple(UNSET for p in params if p.default is not p.empty
                     and p.kind != p.KEYWORD_ONLY) or None
    kwdefaults = {p.name: UNSET for k, p in enumerate(params) if p.kind == p.KEYWORD_ONLY and
                  (p.default is not p.empty or k >= len(transform.names))} or None
    return defaults, kwdefaults


def make_wrapper(transform):
    """A function with f's exact signature that dispatches on argument kinds. It is
    generated, so a call costs one dict lookup over the derivative itself (and, once a
    scalar specialisation is compiled, two type checks: see inline_scalar_path)."""
    signature = transform.output_signature()
    name = naming.function_name(transform.mode, transform.f)
    own = wrapper_names(transform)
    namespace = {own["scalars"]: transform.scalar_cache, own["dispatch"]: transform.dispatch,
                 own["type"]: type, own["note"]: compiled.add_source_note,
                 own["as_numpy"]: transform.as_numpy, own["cache"]: transform.cache,
                 own["key"]: kind_key, own["ndarray"]: np.ndarray, own["float"]: float,
                 own["unset"]: UNSET, own["user"]: user_function(transform),
                 own["missing"]: _missing, own["missing_added"]: _missing_added,
                 own["int"]: int, own["list"]: list, own["tuple"]: tuple, own["len"]: len}
    exec(compile(wrapper_source(transform, name), f"<srcad wrapper {name}>", "exec"), namespace)
    derivative = namespace[name]
    derivative.__defaults__, derivative.__kwdefaults__ = _unset_defaults(transform)
    derivative.__doc__ = getattr(transform.f, "__doc__", None)
    derivative.__module__ = getattr(transform.f, "__module__", None)
    derivative.__srcad__ = transform
    derivative.__wrapped__ = transform.f
    derivative.__signature__ = signature
    return derivative


def wrapper_names(transform):
    """The wrapper's own names (`_srcad_dispatch`, ...), fresh against its parameters; the
    dtypes its array path compares with are `dtype_<ord(dtype.char)>`."""
    names = list(transform.output_signature().parameters)
    taken = set(names)
    return {role: naming.fresh_name("_srcad_" + role, taken) for role in
            ("scalars", "dispatch", "type", "note", "compiled", "error", "as_numpy", "cache",
             "key", "ndarray", "float", "int", "list", "tuple", "len", "fast", "unset", "user",
             "missing", "missing_added", *(_dtype_role(c) for c in _NUMBER_CODES))}


def _dtype_role(char):
    return f"dtype_{ord(char)}"


def wrapper_source(transform, name, fast_path=""):
    """The wrapper's source; `fast_path` is a scalar specialisation written inline."""
    signature = transform.output_signature()
    names = list(signature.parameters)
    args = ", ".join(names)
    tail = "," if len(names) == 1 else ""
    own = wrapper_names(transform)
    return (f"def {name}({_header(signature)}):\n"
            f"{default_reads(transform, name, own)}"
            f"{fast_path}"
            f"    {own['compiled']} = {_lookup(transform, names, own)}\n"
            f"    try:\n"
            f"        if {own['compiled']} is None:\n"
            f"            return {own['dispatch']}(({args}{tail}))\n"
            f"        return {own['compiled']}({args})\n"
            f"{NUMBER_ERRORS.format(indent='    ', args=args + tail, **own)}"
            f"    except Exception as {own['error']}:\n"
            f"        {own['note']}({own['error']})\n"
            f"        raise\n")


def _lookup(transform, names, own):
    """The wrapper's look-up of the compiled derivative. For grad and value_and_grad, the
    cache by kinds.kind_key of each argument, a float and an ndarray without a size-1
    dimension (the common case) keyed inline, with kind_key's result, with no call per
    argument: half the cost of `tuple(map(kind_key, args))`; before it, once an array
    specialisation is compiled, the test that the arguments have its kinds (see
    array_path). vjp and jvp look up scalars by type and leave arrays to `dispatch`, which
    checks the cotangent or tangents."""
    if transform.mode in ("vjp", "jvp"):
        types = "".join(f"{own['type']}({n}), " for n in names)
        return f"{own['scalars']}.get(({types}))"
    nd, key = own["ndarray"], own["key"]
    keys = "".join(f"{own['float']} if {n}.__class__ is {own['float']} else "
                   f"({nd}, {n}.dtype.char, {n}.ndim) if {n}.__class__ is {nd} and 1 not in "
                   f"{n}.shape else {key}({n}),\n        " for n in names)
    lookup = f"{own['cache']}.get((\n        {keys}))"
    if transform.fast_array is None:
        return lookup
    fresh = _fresh_names(names, own)
    tests = "\n            and ".join(_kind_test(n, n, k, own, fresh)
                                      for n, k in zip(names, transform.fast_array))
    return (f"{own['fast']} if (\n            {tests}) else {lookup}")


def _fresh_names(names, own):
    """Names for the items and shapes the array path's test binds (`:=`) to read them once."""
    taken = set(names) | set(own.values())
    return lambda: naming.fresh_name("_srcad_item", taken)


def _kind_test(first, again, key, own, fresh):
    """A test that a value has kinds.kind_key `key`, as one expression: `first` is the
    value's first mention (it may bind it with `:=`), `again` each later one. Lists and
    tuples test their class and length and then each item, bound to a fresh name; arrays
    their class, dtype (by identity), ndim and which dimensions have size 1."""
    if not isinstance(key, tuple):        # float or int
        return f"{first}.__class__ is {own['float'] if key is float else own['int']}"
    if key[0] is np.ndarray:
        head = (f"{first}.__class__ is {own['ndarray']} and {again}.dtype is "
                f"{own[_dtype_role(key[1])]}")
        if type(key[2]) is int:
            return f"{head} and {again}.ndim == {key[2]} and 1 not in {again}.shape"
        shape = fresh()
        sizes = " and ".join(f"{f'({shape} := {again}.shape)' if i == 0 else shape}[{i}] "
                             f"{'==' if one else '!='} 1" for i, one in enumerate(key[2]))
        return f"{head} and {again}.ndim == {len(key[2])} and {sizes}"
    container = own["list"] if key[0] is list else own["tuple"]
    tests = [f"{first}.__class__ is {container} and {own['len']}({again}) == {len(key) - 1}"]
    for i, item in enumerate(key[1:]):
        if not isinstance(item, tuple):
            tests.append(_kind_test(f"{again}[{i}]", None, item, own, fresh))
            continue
        name = fresh()
        tests.append(_kind_test(f"({name} := {again}[{i}])", name, item, own, fresh))
    return " and ".join(tests)


def _leaf_keys(key):
    """The kind_keys of the floats, ints and number arrays in an argument's kind_key, in
    order; None where a part of it is of another kind (tested for by the key alone)."""
    if key is float or key is int:
        return [key]
    if type(key) is not tuple or not key:
        return None
    if key[0] is np.ndarray:
        plain = len(key) == 3 and key[1] in _NUMBER_CODES and (
            type(key[2]) is int or type(key[2]) is tuple and all(type(o) is bool for o in key[2]))
        return [key] if plain else None
    if key[0] is not list and key[0] is not tuple or len(key) > _MAX_ITEMS:
        return None
    leaves = []
    for item in key[1:]:
        more = _leaf_keys(item)
        if more is None:
            return None
        leaves += more
    return leaves


def takes_array_path(transform, key):
    """Whether calls with these argument kinds (kinds.kind_key's) may be tested for by
    layout alone (see _kind_test): floats, ints, number arrays and lists and tuples of
    them, one array at least, in a grad or value_and_grad wrapper."""
    leaves = [_leaf_keys(k) for k in key]
    if transform.mode not in ("grad", "value_and_grad") or transform.inlined is not None or \
            any(part is None for part in leaves):
        return False
    leaves = [k for part in leaves for k in part]
    return len(leaves) <= _MAX_ITEMS and any(type(k) is tuple for k in leaves)


def array_path(transform, key, compiled):
    """Calls with the argument kinds of `key` get `compiled` after a test of each argument's
    layout (_kind_test), with no key built or hashed: on a 4x4 logistic regression the key
    costs as much as a tenth of the gradient, on a list of three (W, b) pairs 5 us. The
    first array specialisation compiled gets this path (the wrapper is generated again,
    once); `compiled` is None once it is dropped from the cache, and the wrapper then finds
    or compiles another through `dispatch`."""
    own = wrapper_names(transform)
    namespace = transform.wrapper.__globals__
    namespace[own["fast"]] = compiled
    if transform.fast_array is not None:
        return
    transform.fast_array = key
    for k in (leaf for part in key for leaf in _leaf_keys(part)):
        if isinstance(k, tuple):
            namespace[own[_dtype_role(k[1])]] = np.dtype(k[1])
    name = transform.wrapper.__name__
    made = {}
    exec(compile(wrapper_source(transform, name), f"<srcad wrapper {name}>", "exec"),
         namespace, made)
    transform.wrapper.__code__ = made[name].__code__


def guarded(function, check, respecialise, kinds, count):
    """`function` behind the test of its guards (frontend/live.py `checker`), a function of
    `count` positional arguments, as the wrapper passes them: generated with the test written
    in, it costs one frame over the derivative, where a closure taking `*args` and calling
    the checker cost three. Where a guard fails (or cannot be read: a global deleted),
    `respecialise(kinds, args)` finds or compiles the specialisation for what holds now."""
    params = ", ".join(f"a{i}" for i in range(count))
    packed = f"({params}{',' if count == 1 else ''})"
    source = (f"def checked({params}):\n"
              f"    try:\n        holds = {check.test}\n"
              f"    except Exception:\n        holds = False\n"
              f"    if holds:\n        return _srcad_function({params})\n"
              f"    return _srcad_respecialise(_srcad_kinds, {packed})\n")
    namespace = dict(check.__globals__, _srcad_function=function,
                     _srcad_respecialise=respecialise, _srcad_kinds=kinds)
    exec(compile(source, "<srcad guards>", "exec"), namespace)
    checked = namespace["checked"]
    checked.__name__ = checked.__qualname__ = function.__name__
    checked.__wrapped__ = function
    return checked


def inline_scalar_path(transform, key, generated):
    """Write the first scalar specialisation into the wrapper itself, behind a check of
    the argument types: on a 70 ns scalar gradient, the dict lookup and the second call
    of the plain wrapper would cost almost as much again."""
    code = generated.function.__code__
    names = list(transform.output_signature().parameters)
    own = wrapper_names(transform)
    if code.co_varnames[:code.co_argcount] != tuple(names) or \
            code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or \
            any(n.startswith("_srcad") for n in generated.namespace) or \
            {"float", "int", *own.values()} & set(code.co_varnames):   # read by the check
        return
    body = generated.source.splitlines()[1:]
    if len(set(key)) == 1:
        check = " is ".join(f"{n}.__class__" for n in names) + f" is {key[0].__name__}"
    else:
        check = " and ".join(f"{n}.__class__ is {t.__name__}" for n, t in zip(names, key))
    args = ", ".join(names) + ("," if len(names) == 1 else "")
    fast_path = (f"    if {check}:\n        try:\n"
                 + "".join(f"        {line}\n" for line in body)
                 + NUMBER_ERRORS.format(indent="        ", args=args, **own)
                 + f"        except Exception as {own['error']}:\n"
                   f"            {own['note']}({own['error']})\n            raise\n")
    name = transform.wrapper.__name__
    source = wrapper_source(transform, name, fast_path)
    namespace = transform.wrapper.__globals__
    namespace.update(generated.namespace)
    filename = compiled.register_source(source, generated.filename, name + " wrapper")
    made = {}
    exec(compile(source, filename, "exec"), namespace, made)
    compiled.release_with(made[name].__code__, filename)
    transform.wrapper.__code__ = made[name].__code__
    transform.inlined = generated.function


def _header(signature):
    """The parameter list of a def with this signature (defaults are attached afterwards)."""
    parts, star = [], False
    for p in signature.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            parts.append("*" + p.name)
            star = True
            continue
        if p.kind == p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        parts.append(p.name)
        if p.kind == p.POSITIONAL_ONLY and (p is list(signature.parameters.values())[-1] or
                                            _next_kind(signature, p) != p.POSITIONAL_ONLY):
            parts.append("/")
    return ", ".join(parts)


def _next_kind(signature, param):
    params = list(signature.parameters.values())
    return params[params.index(param) + 1].kind
