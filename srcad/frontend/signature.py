"""Signatures: which parameters a function has, in the order srcad's IR and compiled
derivatives take them, and which of them `wrt` names. Both the public transforms (srcad/api.py)
and lowering (a derivative taken inside a differentiated function) read them.
"""

import inspect
from collections.abc import Callable
from typing import Any

from ..errors import UnsupportedSyntaxError

Fn = Callable[..., Any]                     # a function srcad reads, or one it returns
Wrt = int | str | tuple[int | str, ...]     # parameter indices or names: the `wrt` of a transform


def signature_of(f):
    """inspect.signature(f), as a TypeError naming f where Python cannot read it. A function
    has the parameters of its own code, the code srcad reads: a wrapper made with
    functools.wraps (`def wrapped(w, *data)`) takes *data, whatever the function it wraps
    takes; srcad's own derivatives (`__srcad__`) show the parameters of the user's function."""
    follow = hasattr(f, "__srcad__") or not inspect.isfunction(f)
    try:
        return inspect.signature(f, follow_wrapped=follow)
    except (TypeError, ValueError):
        raise TypeError(f"cannot read the signature of {f!r}") from None


def parameter_names(args):
    """The IR parameters in the order compiled derivatives take them: positional ones, the
    *args tuple, then keyword-only ones."""
    names = [a.arg for a in args.posonlyargs + args.args]
    if args.vararg is not None:
        names.append(args.vararg.arg)
    return names + [a.arg for a in args.kwonlyargs]


def check_signature(node, parsed):
    """Refuse `**kwargs` in the signature of a function srcad lowers."""
    if node.args.kwarg is not None:
        raise UnsupportedSyntaxError(
            f"**{node.args.kwarg.arg} in the signature of {parsed.name} is not supported; "
            "name the keyword parameters (def f(x, *, scale=1.0))", filename=parsed.filename,
            line=node.lineno, construct="**kwargs")


def normalise_wrt(wrt, names, f):
    """Parameter indices for `wrt`, and whether the user asked for a tuple."""
    entries = wrt if isinstance(wrt, tuple) else (wrt,)
    if not entries:
        raise ValueError("wrt must name at least one parameter")
    indices = []
    fname = getattr(f, "__name__", "f")
    for entry in entries:
        if isinstance(entry, bool) or not isinstance(entry, (int, str)):
            raise TypeError(f"wrt entries must be parameter indices or names, got {entry!r}")
        if isinstance(entry, str):
            if entry not in names:
                raise ValueError(f"wrt={entry!r}: {fname} has no parameter {entry!r} "
                                 f"(parameters: {', '.join(names)})")
            entry = names.index(entry)
        elif not -len(names) <= entry < len(names):
            raise ValueError(f"wrt={entry}: {fname} takes {len(names)} parameters "
                             f"({', '.join(names)}), so wrt must be in 0..{len(names) - 1}")
        indices.append(entry % len(names))
    return tuple(indices), isinstance(wrt, tuple)


def defaults_owner(fn):
    """The function whose `__defaults__` a call of fn reads: fn, or for a function srcad
    returned, the user's function inside it."""
    while getattr(fn, "__srcad__", None) is not None and \
            getattr(fn, "__wrapped__", None) is not None:
        fn = fn.__wrapped__
    return fn


def current_defaults(fn, signature):
    """Parameter name -> the default a call of fn takes now: Python reads `__defaults__`
    (aligned with the last positional parameters) and `__kwdefaults__` at each call."""
    owner = defaults_owner(fn)
    params = [p for p in signature.parameters.values() if p.default is not p.empty]
    positional = [p for p in params if p.kind != p.KEYWORD_ONLY]
    values = tuple(getattr(owner, "__defaults__", None) or ())[-len(positional):] \
        if positional else ()
    found = dict(zip([p.name for p in positional][len(positional) - len(values):], values))
    keywords = getattr(owner, "__kwdefaults__", None) or {}
    found.update((p.name, keywords[p.name]) for p in params if p.kind == p.KEYWORD_ONLY and
                 p.name in keywords)
    return found
