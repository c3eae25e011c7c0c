"""Calls whose callee only the running program names: run-time pullbacks.

`FNS[int(np.sum(x) > 0)](x)`, `table[key](h)` with a key the function computes, a function a
library call returned: srcad cannot tell when it transforms the function which code the
call reaches. Such a call is lowered to the primitive `dyncall` (srcad/rules/core.py), and
its derivative asks, when it runs, for the derivative of the callee it meets, as Zygote's
run-time pullbacks do. The callee goes through a trampoline, `call_2(fn, x1, x2)` returning
`fn(x1, x2)` (`call_1_scale(fn, x1, x2)` returning `fn(x1, scale=x2)` for a keyword
argument), written for the call when first needed: a function whose first argument is the
callable, so the derivative of the trampoline, compiled for the kinds of its arguments when
first met, is specialised on the callee as any callable argument is (srcad/kinds.py
`callable_key`): one compiled derivative per callee and argument kinds, reused on every
later call. Any number of positional and keyword arguments.

Reverse mode: the forward sweep calls `value, back = pullback(fn, *args)`, which runs the
callee's forward half once and keeps what its backward half reads; the reverse sweep calls
`back(g)` (srcad/transforms/runtime_calls.py). Forward mode: `value, tangent =
pushforward(fn, *args, *tangents)` runs the callee's jvp in place of the call. Each call site
finds the callee's compiled derivative with one dict look-up by the callee and the kinds of
its arguments (`learn`); the helpers behind it (pipeline.HelperVJP, pipeline.HelperJVP)
compile once per callee and kinds. All of it is held by the generated code that calls it,
so it lives as long as that does.
"""

import linecache
import threading
import weakref
from functools import partial
from types import FunctionType

from ..errors import SrcadError
from ..frontend.live import holds
from ..kinds import callable_key, kind_key

MAX_CALLEES = 64                  # per call site: (callee, kinds) pairs kept for its look-up


def trampoline_source(n_positional, keywords):
    """The text of the trampoline of a call with this many positional arguments and these
    keyword names: `def call_2_scale(fn, x1, x2, x3): return fn(x1, x2, scale=x3)`."""
    names = [f"x{i + 1}" for i in range(n_positional + len(keywords))]
    passed = names[:n_positional] + [f"{k}={v}" for k, v in zip(keywords, names[n_positional:])]
    name = "_".join([f"call_{n_positional}", *keywords])
    return name, (f"def {name}(fn{''.join(', ' + n for n in names)}):\n"
                  f"    return fn({', '.join(passed)})\n")


def make_trampoline(n_positional, keywords):
    """The trampoline function, its text registered with linecache so that srcad reads it as
    it reads any function's source."""
    name, text = trampoline_source(n_positional, keywords)
    filename = f"<srcad run-time call {name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {}
    exec(compile(text, filename, "exec"), namespace)
    namespace[name].__srcad_trampoline__ = True
    return namespace[name]


def callee_met(fn, arg_kinds):
    """What the derivative of `fn` for arguments of these kinds is named after: the callee a
    trampoline met (its first argument's kind holds it), else `fn` itself."""
    if getattr(fn, "__srcad_trampoline__", False) and arg_kinds and \
            arg_kinds[0].value is not None:
        return arg_kinds[0].value
    return fn


class RuntimeCalls:
    """The derivatives of calls of run-time callees; lowering receives one from the
    pipeline with `derive` (make_vjp, make_jvp, make_vjp_of_vjp: pipeline.HelperVJP,
    pipeline.HelperJVP, pipeline.HelperVJPOfVJP)."""

    def __init__(self, make_vjp, make_jvp, make_vjp_of_vjp):
        self.make_vjp = make_vjp
        self.make_jvp = make_jvp
        self.make_vjp_of_vjp = make_vjp_of_vjp
        self.trampolines = {}        # (positional count, keyword names) -> trampoline
        self.lock = threading.Lock()

    def site(self, filename, line, keywords=()):
        """The run-time calls written at one line of the user's code; `keywords`: the names
        of the keyword arguments, passed after the positional ones."""
        return CallSite(self, filename, line, tuple(keywords))

    def trampoline(self, n_positional, keywords):
        key = (n_positional, keywords)
        with self.lock:
            if key not in self.trampolines:
                self.trampolines[key] = make_trampoline(n_positional, keywords)
            return self.trampolines[key]


class CallSite:
    """One run-time call in the user's code: what its derivative asks for, and where a
    callee srcad cannot differentiate is reported."""

    __slots__ = ("calls", "filename", "line", "keywords")

    def __init__(self, calls, filename, line, keywords):
        self.calls = calls
        self.filename = filename
        self.line = line
        self.keywords = keywords

    def trampoline(self, n_args):
        return self.calls.trampoline(n_args - len(self.keywords), self.keywords)

    def pullback(self, n_args, positions):
        """`pullback(fn, *args) -> (value, back)` of an n-argument run-time call, `back(g)`
        the adjoints of the arguments at `positions` (from 0; a tuple when several)."""
        helper = self.calls.make_vjp(self.trampoline(n_args), tuple(p + 1 for p in positions))
        return Pullback(helper, self)

    def pushforward(self, n_args, positions):
        """`pushforward(fn, *args, *tangents) -> (value, tangent)` along the arguments at
        `positions` (from 0), one tangent each."""
        helper = self.calls.make_jvp(self.trampoline(n_args), tuple(p + 1 for p in positions))
        return Pushforward(helper, self, n_args)

    def pullback_at(self, n_args, positions):
        """`pullback(fn, *args, g)`: the adjoints alone, for a derivative that is
        differentiated again (srcad/transforms/runtime_calls.py)."""
        return PullbackAt(self.pullback(n_args, positions), n_args, positions)

    def pushforward_at(self, n_args, positions):
        """`pushforward(fn, *args, *tangents)`: the tangent alone, for a derivative that is
        differentiated again (srcad/transforms/runtime_calls.py)."""
        return PushforwardAt(self.pushforward(n_args, positions))

    def refused(self, fn, err):
        """err, raised while deriving `fn` when met at run time, reported at the call."""
        name = getattr(fn, "__name__", type(fn).__name__)
        return type(err)(f"the derivative of {name}, called at run time here: "
                         f"{err.bare_message}", filename=self.filename, line=self.line,
                         construct=err.construct)


class Pullback:
    """pullback(fn, *args) -> (fn(*args), back): the callee's forward half runs once, and
    back(g) runs its backward half on what that kept (the reverse sweep calls it)."""

    __slots__ = ("helper", "site", "known")

    def __init__(self, helper, site):
        self.helper = helper
        self.site = site
        self.known = {}              # (callee, argument kinds) -> (fwd, bwd, check, callee)

    def __call__(self, fn, *args):
        key = (id(fn) if type(fn) is FunctionType else callable_key(fn), *map(kind_key, args))
        entry = self.known.get(key)
        if entry is None or entry[3] is not None and entry[3]() is not fn or \
                entry[2] is not None and not holds(entry[2]):
            entry = learn(self, key, fn, (fn, *args))
        value, residuals = entry[0](fn, *args)
        return value, partial(entry[1], residuals)


class Pushforward:
    """pushforward(fn, *args, *tangents) -> (fn(*args), its tangent), in one run."""

    __slots__ = ("helper", "site", "known", "n_primals")

    def __init__(self, helper, site, n_primals):
        self.helper = helper
        self.site = site
        self.known = {}              # (callee, argument kinds) -> (jvp, None, check, callee)
        self.n_primals = n_primals

    def pushforward(self, along):
        """`pushforward(fn, *args, *tangents, *their tangents) -> (value, tangent, and their
        tangents)` along the arguments at `along` (from 0, over args then tangents): the
        callee's jvp of its jvp (jvp of jvp through a run-time call)."""
        site = self.site
        helper = site.calls.make_jvp(site.trampoline(self.n_primals), tuple(i + 1 for i in along),
                                     None, self.helper.positions)
        return PushforwardOfPushforward(helper, site, self.n_primals + len(self.helper.positions))

    def __call__(self, fn, *args):
        primals = args[:self.n_primals]
        key = (id(fn) if type(fn) is FunctionType else callable_key(fn), *map(kind_key, primals))
        entry = self.known.get(key)
        if entry is None or entry[3] is not None and entry[3]() is not fn or \
                entry[2] is not None and not holds(entry[2]):
            entry = learn(self, key, fn, (fn, *primals))
        return entry[0](fn, *args)


class PullbackAt:
    """pullback(fn, *args, g) -> the adjoints of the arguments at `positions` (a tuple when
    several): the callee's forward half, then its backward half at g. Forward mode over it
    asks for `pushforward` (hessian, jvp of grad)."""

    __slots__ = ("pullback", "n_args", "positions")

    def __init__(self, pullback, n_args, positions):
        self.pullback = pullback
        self.n_args = n_args
        self.positions = positions

    def __call__(self, fn, *args):
        return self.pullback(fn, *args[:-1])[1](args[-1])

    def pushforward(self, along):
        """`pushforward(fn, *args, g, *tangents) -> (*adjoints, *their tangents)` along the
        arguments at `along` (from 0; n_args is g): the callee's jvp of its vjp."""
        site = self.pullback.site
        helper = site.calls.make_jvp(site.trampoline(self.n_args), tuple(i + 1 for i in along),
                                     tuple(p + 1 for p in self.positions))
        return PushforwardOfPullback(helper, site, self.n_args + 1)


    def reverse(self, along):
        """`pullback(fn, *args, g) -> (adjoints, back)`, back(gg) the adjoints of the
        arguments at `along` (from 0; n_args is g) for a cotangent gg of the adjoints:
        reverse mode over this call (jacobian of grad, vjp of vjp)."""
        site = self.pullback.site
        helper = site.calls.make_vjp_of_vjp(site.trampoline(self.n_args),
                                            tuple(p + 1 for p in self.positions),
                                            tuple(i + 1 for i in along))
        return Pullback(helper, site)


class PushforwardOfPullback(Pushforward):
    """The adjoints of a run-time call and their tangents, flat: (*adjoints, *tangents)."""

    __slots__ = ()

    def __call__(self, fn, *args):
        (_, adjoints), (_, tangents) = super().__call__(fn, *args)
        if type(adjoints) is tuple:
            return (*adjoints, *tangents)
        return adjoints, tangents


class PushforwardAt:
    """pushforward(fn, *args, *tangents) -> the tangent of fn(*args) alone. Forward mode
    over it asks for `pushforward`, reverse mode for `reverse` (jvp of jvp, grad of jvp)."""

    __slots__ = ("at",)

    def __init__(self, at):
        self.at = at

    def __call__(self, fn, *args):
        return self.at(fn, *args)[1]

    def pushforward(self, along):
        """`pushforward(fn, *args, *tangents, *theirs) -> (tangent, its tangent)`."""
        return TangentOfTangent(*self.at.pushforward(along).parts())

    def reverse(self, along):
        """`pullback(fn, *args, *tangents) -> (tangent, back)`, back(g) the adjoints of the
        arguments at `along` (from 0, over args then tangents): reverse over forward."""
        site = self.at.site
        helper = site.calls.make_vjp_of_vjp(site.trampoline(self.at.n_primals),
                                            self.at.helper.positions,
                                            tuple(i + 1 for i in along), "jvp")
        return Pullback(helper, site)


class PushforwardOfPushforward(Pushforward):
    """A run-time call's value and tangent with their tangents, flat: (v, dv, v', dv')."""

    __slots__ = ()

    def __call__(self, fn, *args):
        (value, tangent), (value_tangent, tangent_tangent) = super().__call__(fn, *args)
        return value, tangent, value_tangent, tangent_tangent

    def parts(self):
        return self.helper, self.site, self.n_primals


class TangentOfTangent(Pushforward):
    """A run-time call's tangent with its tangent: (dv, dv')."""

    __slots__ = ()

    def __call__(self, fn, *args):
        (_, tangent), (_, tangent_tangent) = super().__call__(fn, *args)
        return tangent, tangent_tangent


def learn(call, key, fn, args):
    """The compiled derivative of the callee `fn` for these arguments (`args`: the
    trampoline's, the callee first), kept by the call site `call` under `key`: one dict
    look-up by the callee and the arguments' kinds on every later call. A plain function is
    keyed by its id and held weakly (the entry checks that the function it holds is the one
    called, so a new function at a freed address is learnt anew); the helper compiles once
    per code object and kinds (kinds.callable_key)."""
    with call.helper.lock:                 # threads calling one derivative share the site
        try:
            found = call.helper.entry(args)
        except SrcadError as err:
            raise call.site.refused(fn, err) from err
        derivative = found[:2] if len(found) == 3 else (found[0], None)
        callee = weakref.ref(fn) if type(fn) is FunctionType else None
        entry = call.known[key] = (*derivative, found[-1], callee)
        while len(call.known) > MAX_CALLEES:
            del call.known[next(iter(call.known))]
        return entry
