"""Custom rules: teach srcad a function it cannot (or should not) read.

A function registered with `defprimitive` becomes a primitive, exactly like the built-in
`np.sin`: srcad stops at every call of it, calls it unchanged in the generated code, and
uses the rules you give for its derivatives. Rules are written as the built-in table's are
(see `srcad/rules/elementwise.py`): over symbolic values, with operators and the functions
of `srcad.rules.ops` (or `op(...)` of another registered primitive), one entry per argument:

    jvp[i](dx_i, ans, *args) = the tangent of the output caused by the tangent dx_i of args[i]
    vjp[i](g, ans, *args)    = g . d ans / d args[i], shaped like args[i]

`ZERO` says the derivative with respect to that argument is zero, `None` that there is none
(srcad then refuses to differentiate through that argument). Because the rules emit
primitives again, second derivatives of a custom primitive work when its rules do.

    def log1pexp(x):
        return np.logaddexp(0.0, x)

    srcad.extend.defprimitive(
        log1pexp,
        jvp=lambda dx, ans, x: dx / (1.0 + ops.exp(-x)),
        vjp=lambda g, ans, x: g / (1.0 + ops.exp(-x)),
        samples=[(0.3,), (np.array([-2.0, 0.5, 30.0]),)])

`stop_gradient(x)` is x with a zero derivative.
"""

import inspect
from typing import Any

from . import kinds as K
from .frontend import user_code
from .frontend.signature import Fn
from .rules import FUNCTIONS, RULES, defprim, ops
from .rules.ops import ZERO

__all__ = ["ZERO", "defprimitive", "op", "ops", "stop_gradient"]


def defprimitive(fn: Fn | None = None, *, jvp: Fn | None = None, vjp: Fn | None = None,
                 name: str | None = None, samples: tuple | list = (), elementwise: bool = False,
                 kind: Any = None) -> Fn:
    """Register `fn` as a primitive with tangent rules `jvp` and adjoint rules `vjp`.

    jvp, vjp: one rule per positional parameter of fn (a bare function for a one-parameter
    fn), each a function, ZERO or None, as in the built-in table. name: the primitive's name
    (default fn.__name__). samples: argument tuples at which srcad's rule sweep (and your
    tests) check the rules against finite differences. elementwise=True says the result has
    the broadcast shape of the arguments, which lets srcad drop needless `unbroadcast`
    calls; kind, for experts, is a function of the argument kinds (srcad.kinds) giving the
    result's kind. Returns fn unchanged, so it also works as a decorator.
    """
    if fn is None:
        return lambda f: defprimitive(f, jvp=jvp, vjp=vjp, name=name, samples=samples,
                                      elementwise=elementwise, kind=kind)
    if not callable(fn):
        raise TypeError(f"defprimitive expects a function, got {type(fn).__name__}")
    name = name or getattr(fn, "__name__", None)
    _check_name(name, fn)
    arg_names, defaults = _parameters(fn)
    fields = {"arg_names": arg_names, "defaults": defaults, "samples": list(samples),
              "jvp": _rule_tuple(jvp, arg_names, "jvp", name),
              "vjp": _rule_tuple(vjp, arg_names, "vjp", name),
              "doc": inspect.getdoc(fn) or ""}
    if elementwise:
        fields.update(kind=kind or _elementwise_kind, shape_from="args")
    elif kind is not None:
        fields["kind"] = kind
    defprim(name, fn, ("impl", _identifier(name)), functions=(fn,), **fields)
    _USER.add(name)
    return fn


def op(prim: Fn | str) -> Fn:
    """A rule-language function emitting `prim` (a registered function or a primitive name),
    for writing rules that call another custom primitive."""
    name = prim if isinstance(prim, str) else _prim_name(prim)
    if name not in RULES:
        raise ValueError(f"{prim!r} is not a registered primitive")
    return ops.op(name)


def treat_as_user_code(*packages):
    """Declare installed packages (top-level names) the user's own code: srcad reads and
    differentiates their functions' source, as for a script. Without it, a function defined
    under site-packages or the standard library is a library's, which srcad never inlines
    (srcad/frontend/user_code.py)."""
    for name in packages:
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"treat_as_user_code takes top-level package names, got {name!r}")
        user_code.USER_PACKAGES.add(name)


def stop_gradient(x: Any) -> Any:
    """x itself, with a zero derivative: srcad treats the result as a constant."""
    return x


_USER = set()     # names registered by defprimitive: a redefinition replaces them


def _check_name(name, fn):
    """A built-in primitive's name is refused; a custom one is replaced (a notebook cell that
    redefines the function and its rules runs again), its old function forgotten."""
    if not name or not isinstance(name, str):
        raise ValueError("defprimitive: pass name= for a function without a __name__")
    existing = RULES.get(name)
    if existing is None or existing.impl is fn:
        return
    if name not in _USER:
        raise ValueError(f"defprimitive: the primitive name {name!r} is taken by a built-in "
                         f"({getattr(existing.impl, '__qualname__', existing.impl)!r}); "
                         "pass another name=")
    if FUNCTIONS.get(existing.impl) == name:
        del FUNCTIONS[existing.impl]


def _parameters(fn):
    """Positional parameter names of fn, and the defaults of those that have one."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        raise TypeError(f"defprimitive: cannot read the signature of {fn!r}; wrap it in a "
                        "Python function with named parameters") from None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for p in params:
        if p.kind not in positional:
            raise TypeError(f"defprimitive: {fn.__name__} has the parameter {p}; custom "
                            "primitives take named positional parameters only")
    names = tuple(p.name for p in params)
    defaults = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
    return names, defaults


def _rule_tuple(rules, arg_names, what, name):
    """One rule per parameter; a bare function for a one-parameter primitive."""
    if rules is None:
        return (None,) * len(arg_names)
    if callable(rules) and not isinstance(rules, (tuple, list)):
        rules = (rules,)
    rules = tuple(rules)
    if len(rules) != len(arg_names):
        raise ValueError(f"defprimitive {name!r}: {what} needs one rule per parameter "
                         f"({', '.join(arg_names)}), got {len(rules)}")
    for rule in rules:
        if rule is not None and rule is not ZERO and not callable(rule):
            raise TypeError(f"defprimitive {name!r}: each {what} rule must be a function, "
                            f"srcad.extend.ZERO or None; got {rule!r}")
    return rules


def _elementwise_kind(*kinds):
    return K.floating(K.broadcast(*kinds))


def _identifier(name):
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return text if text.isidentifier() else "prim_" + text


def _prim_name(fn):
    for name, rule in RULES.items():
        if rule.impl is fn:
            return name
    raise ValueError(f"{getattr(fn, '__name__', fn)!r} is not a registered primitive")


defprim("stop_gradient", stop_gradient, ("impl", "stop_gradient"), functions=(stop_gradient,),
        kind=lambda k: k, shape_from=0, jvp=(ZERO,), vjp=(ZERO,),
        doc="x with a zero derivative")
