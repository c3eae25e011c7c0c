"""`srcad.grad(f)` called again for the same function returns the same derivative.

A training loop that writes `srcad.grad(loss)(params, x, y)` at every step, or re-creates
`srcad.grad(lambda p: loss(p, x, y))` with the same closure, must not transform `loss` at
every step: the transform object, with its compiled specialisations (keyed by argument
kinds), is found again by what decides the derivative: the function's code object, its
globals, its closure cells and defaults (by identity), and the transform's options.

The cache holds transforms weakly: an entry lives as long as its transform does, and the
transform lives as long as the derivative function srcad returned or the user's function
does (a plain function holds it in its `__dict__`, so a module-level loss keeps its
derivative for as long as it exists and a short-lived lambda takes its derivative with it;
a bound method or a callable object is not written to). Since a
live transform holds its function, the identities in a key cannot be reused by another
object while the entry exists.
"""

import threading
import types
import weakref

_TRANSFORMS = weakref.WeakValueDictionary()
_LOCK = threading.Lock()
_KEEP = "__srcad_transforms__"


def identity(f):
    """What decides f's derivative besides the options, as a hashable key."""
    if isinstance(f, types.MethodType):     # a bound method, made anew at each access (it
        return ("method", identity(f.__func__), id(f.__self__))    # forwards __code__ too)
    if isinstance(f, types.FunctionType):
        cells = tuple(map(id, f.__closure__ or ()))
        defaults = tuple(map(id, f.__defaults__ or ()))
        kwdefaults = tuple((k, id(v)) for k, v in (f.__kwdefaults__ or {}).items())
        return ("function", id(f.__code__), id(f.__globals__), cells, defaults, kwdefaults)
    return ("object", id(f))


def transform(make, f, options):
    """The transform `make()` builds for f with these options (hashable), or the one built
    before for the same function and options, while that one is alive."""
    key = identity(f) + (options,)
    try:
        hash(key)
    except TypeError:                 # options no transform accepts: let it say why
        return make()
    with _LOCK:
        found = _TRANSFORMS.get(key)
        if found is not None:
            return found
        made = make()
        _TRANSFORMS[key] = made
        if key[0] == "function":        # a plain function keeps its derivatives alive (not
            vars(f).setdefault(_KEEP, {})[key] = made    # a method's function, nor an object)
        return made
