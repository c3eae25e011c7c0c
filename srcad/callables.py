"""What `srcad.grad` accepts besides a Python function: a NumPy function or ufunc with a rule
(`srcad.grad(np.sin)`), a `functools.partial` (`srcad.grad(partial(f, c=2.0))`), and an
object whose class defines `__call__` in Python (`srcad.grad(loss_fn)`).

Each becomes a small Python function with the callable's own signature that calls it; srcad
reads that function's source as it reads any other, and lowering resolves the call inside it
(the rule, the partial's function with its arguments, the `__call__` method; see
srcad/lowering/dynamic.py). The source is registered in `linecache` under a name of its own.
"""

import functools
import inspect
import linecache
import weakref
from itertools import count

import numpy as np

from .naming import is_identifier
from .rules import prim_of

_COUNTER = count(1)


def as_python_function(f):
    """`f` itself when srcad reads it directly; else a Python function calling it (above)."""
    if inspect.isfunction(f) or inspect.ismethod(f) or hasattr(f, "__srcad_transform__"):
        return f
    signature = _signature(f)
    if signature is None:
        return f                  # the transform's own check says what is wrong with it
    name = _name(f)
    params, call = [], []
    namespace = {"target": f}
    for k, p in enumerate(signature.parameters.values()):
        text = p.name
        if p.default is not p.empty:
            namespace[f"default_{k}"] = p.default
            text += f"=default_{k}"
        if p.kind == p.VAR_POSITIONAL:
            params.append("*" + p.name)
            call.append("*" + p.name)
            continue
        if p.kind == p.KEYWORD_ONLY and not any(q.startswith("*") for q in params):
            params.append("*")
        params.append(text)
        call.append(p.name if p.kind != p.KEYWORD_ONLY else f"{p.name}={p.name}")
    source = f"def {name}({', '.join(params)}):\n    return target({', '.join(call)})\n"
    filename = f"<srcad: {name} #{next(_COUNTER)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - srcad's own text
    wrapper = namespace[name]
    wrapper.__wrapped_callable__ = f
    weakref.finalize(wrapper, linecache.cache.pop, filename, None).atexit = False
    return wrapper


def _signature(f):
    if isinstance(f, np.ufunc):
        if prim_of(f) is None:
            return None
        names = ["x"] if f.nin == 1 else [f"x{k + 1}" for k in range(f.nin)]
        return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                  for n in names])
    if not (isinstance(f, functools.partial) or prim_of(f) is not None or
            inspect.isfunction(inspect.getattr_static(type(f), "__call__", None))):
        return None
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_KEYWORD or not is_identifier(p.name)
           for p in signature.parameters.values()):
        return None
    return signature


def _name(f):
    if isinstance(f, functools.partial):
        return _name(f.func)
    name = getattr(f, "__name__", None) or type(f).__name__.lower()
    return name if is_identifier(name) and not name.startswith("_") else "function"
