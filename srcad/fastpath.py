"""The function srcad.grad returns: a generated wrapper with the user's signature that looks
the compiled derivative up by the kinds of its arguments, and, once a scalar specialisation
is compiled, has that specialisation written into it behind a check of the argument types.
"""

import inspect

import numpy as np

from . import naming
from .codegen import compiled
from .kinds import kind_key

NUMBER_ERRORS = ("{indent}except (ArithmeticError, ValueError) as {error}:\n"
                 "{indent}    return {as_numpy}({error}, ({args}))\n")


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
                 own["key"]: kind_key, own["ndarray"]: np.ndarray, own["float"]: float}
    exec(compile(wrapper_source(transform, name), f"<srcad wrapper {name}>", "exec"), namespace)
    derivative = namespace[name]
    values = signature.parameters.values()
    derivative.__defaults__ = tuple(p.default for p in values if p.default is not p.empty
                                    and p.kind != p.KEYWORD_ONLY) or None
    derivative.__kwdefaults__ = {p.name: p.default for p in values if p.default is not
                                 p.empty and p.kind == p.KEYWORD_ONLY} or None
    derivative.__doc__ = getattr(transform.f, "__doc__", None)
    derivative.__module__ = getattr(transform.f, "__module__", None)
    derivative.__srcad__ = transform
    derivative.__wrapped__ = transform.f
    derivative.__signature__ = signature
    return derivative


def wrapper_names(transform):
    """The wrapper's own names (`_srcad_dispatch`, ...), fresh against its parameters."""
    taken = set(transform.output_signature().parameters)
    return {role: naming.fresh_name("_srcad_" + role, taken) for role in
            ("scalars", "dispatch", "type", "note", "compiled", "error", "as_numpy", "cache",
             "key", "ndarray", "float")}


def wrapper_source(transform, name, fast_path=""):
    """The wrapper's source; `fast_path` is a scalar specialisation written inline."""
    signature = transform.output_signature()
    names = list(signature.parameters)
    args = ", ".join(names)
    tail = "," if len(names) == 1 else ""
    own = wrapper_names(transform)
    return (f"def {name}({_header(signature)}):\n"
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
    argument: half the cost of `tuple(map(kind_key, args))`. vjp and jvp look up scalars by
    type and leave arrays to `dispatch`, which checks the cotangent or tangents."""
    if transform.mode in ("vjp", "jvp"):
        types = "".join(f"{own['type']}({n}), " for n in names)
        return f"{own['scalars']}.get(({types}))"
    nd, key = own["ndarray"], own["key"]
    keys = "".join(f"{own['float']} if {n}.__class__ is {own['float']} else "
                   f"({nd}, {n}.dtype.char, {n}.ndim) if {n}.__class__ is {nd} and 1 not in "
                   f"{n}.shape else {key}({n}),\n        " for n in names)
    return f"{own['cache']}.get((\n        {keys}))"


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
