"""Calls whose callee only the running program names: run-time pullbacks.

`FNS[int(np.sum(x) > 0)](x)`, `table[key](h)` with a key the function computes, a function a
library call returned: srcad cannot tell when it transforms the function which code the
call reaches. Such a call is lowered to the primitive `dyncall` (srcad/rules/core.py), and
its derivative asks, when it runs, for the derivative of the callee it meets, as Zygote's
run-time pullbacks do. The callee goes through a trampoline, `call_2(fn, a, b)` returning
`fn(a, b)`: a function of srcad's whose first argument is the callable, so the derivative
of the trampoline, compiled for the kinds of its arguments when first met, is specialised
on the callee as any callable argument is (srcad/kinds.py `callable_key`): one compiled
derivative per callee and argument kinds, reused on every later call.

Reverse mode: the backward sweep runs the callee's forward half again, then its backward
half (pipeline.HelperVJP). Forward mode: the callee's jvp (pipeline.HelperJVP). Both are
held by the generated code that calls them, so they live as long as it does.
"""

from ..errors import SrcadError


def call_1(fn, a):
    return fn(a)


def call_2(fn, a, b):
    return fn(a, b)


def call_3(fn, a, b, c):
    return fn(a, b, c)


def call_4(fn, a, b, c, d):
    return fn(a, b, c, d)


def call_5(fn, a, b, c, d, e):
    return fn(a, b, c, d, e)


def call_6(fn, a, b, c, d, e, f):
    return fn(a, b, c, d, e, f)


TRAMPOLINES = {1: call_1, 2: call_2, 3: call_3, 4: call_4, 5: call_5, 6: call_6}


class RuntimeCalls:
    """The derivatives of calls of run-time callees; lowering receives one from the
    pipeline with `derive` (make_vjp, make_jvp: pipeline.HelperVJP, pipeline.HelperJVP)."""

    def __init__(self, make_vjp, make_jvp):
        self.make_vjp = make_vjp
        self.make_jvp = make_jvp

    def site(self, filename, line):
        """The run-time calls written at one line of the user's code."""
        return CallSite(self, filename, line)


class CallSite:
    """One run-time call in the user's code: what its derivative asks for, and where a
    callee srcad cannot differentiate is reported."""

    __slots__ = ("calls", "filename", "line")

    def __init__(self, calls, filename, line):
        self.calls = calls
        self.filename = filename
        self.line = line

    def pullback(self, n_args, position):
        """The adjoint of argument `position` (from 0) of an n-argument run-time call."""
        helper = self.calls.make_vjp(TRAMPOLINES[n_args], (position + 1,))
        return Pullback(helper, position, self)

    def pushforward(self, n_args, position):
        """The tangent contribution of argument `position` of an n-argument call."""
        return Pushforward(self.calls.make_jvp(TRAMPOLINES[n_args], position + 1), self)

    def refused(self, fn, err):
        """err, raised while deriving `fn` when met at run time, reported at the call."""
        name = getattr(fn, "__name__", type(fn).__name__)
        return type(err)(f"the derivative of {name}, called at run time here: "
                         f"{err.bare_message}", filename=self.filename, line=self.line,
                         construct=err.construct)


class Pullback:
    """pullback(fn, g, *args): the adjoint of one argument of fn(*args) for cotangent g."""

    __slots__ = ("helper", "position", "site")

    def __init__(self, helper, position, site):
        self.helper = helper
        self.position = position
        self.site = site

    def __call__(self, fn, g, *args):
        try:
            _, residuals = self.helper.fwd(fn, *args)
        except SrcadError as err:
            raise self.site.refused(fn, err) from err
        return self.helper.bwd(residuals, g)


class Pushforward:
    """pushforward(fn, dx, *args): the tangent of fn(*args) along one argument's dx."""

    __slots__ = ("helper", "site")

    def __init__(self, helper, site):
        self.helper = helper
        self.site = site

    def __call__(self, fn, dx, *args):
        try:
            return self.helper(fn, *args, dx)[1]
        except SrcadError as err:
            raise self.site.refused(fn, err) from err
