"""The pipeline: from the user's function to a compiled derivative, one pass after another.

    parse -> lower (expanding the derivatives taken inside) -> verify
    -> inline helpers (forward mode; twice-differentiated code) -> tangent | adjoint
    -> simplify -> verify -> own outputs -> write (codegen) -> compile

`derive` is that sentence as code, and `differentiate` its middle (IR to derivative IR), which
lowering calls back for `srcad.grad(...)` inside a differentiated function. The pipeline hands
each stage the parts above it that it needs: lowering gets `differentiate`, forward mode a way
to lower a helper it inlines, reverse mode `helper_vjp`; so no stage imports one above it
(tests/test_architecture.py). With SRCAD_VERIFY=1 in the environment, every pass's output is
verified (srcad/ir/nodes.py `verify`), not only the lowered and the final IR.

The pipeline also compiles the derivatives of the user's own module-level functions that are
called by name (`helper_vjp` below), since that is a run of the pipeline on the helper. A helper
called from one place is inlined there (UserFunctions.called_once, lowering/inline.py): its code
reads as a person would write the gradient by hand. A helper called from several places, or
recursively, is not inlined into every caller: its derivative is generated once, as two
functions, and the caller's derivative calls them by name, so the generated source stays
short and recursion works.

    v3, res_layer = fwd_layer(h, W, b)       # the helper's forward sweep, with residuals
    ...
    bh, bW, bb = bwd_layer(res_layer, bv3)   # its reverse sweep, from the residuals

`fwd` returns the value and what the reverse sweep reads (the residuals); `bwd` turns those
and the output's adjoint into the adjoints of the differentiated arguments. Both are compiled
per argument kinds on first use, like every srcad derivative, and read the helper's globals
when they run; a pair compiled under guards that no longer hold (a global of another kind, a
rebound function) is compiled afresh, never handed out stale (srcad/frontend/live.py).
"""

import inspect
import os
import threading
import weakref
from dataclasses import dataclass, replace

from .transforms import helpers as calls, forward, loss_patterns
from .codegen import writer as codegen
from .analysis import fresh, lazy_arrays
from .frontend import parse as frontend, live
from .ir import nodes as ir
from . import jaxlike
from .lowering import statements as lowering
from .lowering import runtime_calls
from . import naming
from .optimize import passes as optimize
from .optimize import checked_shapes, summed_slots
from .transforms.reverse import sweep as reverse
from .transforms.reverse import checkpoint_option
from .ir.builder import Builder
from . import kinds as K
from .kinds import kind_key


@dataclass(frozen=True)
class Spec:
    """What one transform differentiates, fixed when srcad.grad(...) is called."""
    f: object
    mode: str                    # grad, value_and_grad, vjp, jvp
    wrt: tuple                   # parameter indices
    wrt_tuple: bool              # the user asked for a tuple of gradients
    optimize: bool = True
    source: str = None           # the function's source, where Python cannot find it
    inner: "Spec" = None         # f is itself a srcad transform: its derivative is the primal
    has_aux: bool = False        # f returns (value, aux): value is differentiated (jaxlike.py)
    checkpoint: int = None       # grad(f, checkpoint=k): f's loops checkpointed, k snapshots


def derive(spec, arg_kinds, name, numpy_only=False):
    """The compiled derivative of spec.f for arguments of these kinds (None: any kinds);
    `numpy_only`: written with NumPy's functions where it would call `math`'s."""
    guards = {}                                            # what it depends on besides them
    derived = derivative(spec, arg_kinds, guards)          # parse ... simplify -> verify
    if spec.optimize:                                      # bb[f] += bout[n, f, i, j]: one sum
        derived = checked(summed_slots.sum_slot_additions(derived))
    lazy_arrays.refuse_missing_on_dask(derived)            # no Dask array computed in it
    derived = checked(fresh.own_outputs(derived, spec.mode))   # nothing shares the arguments
    if spec.optimize:                                      # a loop of checks once per shapes
        derived = checked(checked_shapes.remember_shape_checks(derived))
    # math.* computes a 0-d Dask array (float() of it) and copies a CuPy one to the host:
    # a derivative taking such arrays calls NumPy's functions, which dispatch on them
    numpy_only = numpy_only or bool(arg_kinds and K.libraries(k for k in arg_kinds if k))
    derived = replace(derived, numpy_only=numpy_only)
    generated = codegen.compile_function(derived, name)    # plan -> write -> compile
    generated.check = live.checker(list(guards.values()))
    roots = [g.origin.root for g in guards.values()]
    generated.roots = {n for n, value in generated.namespace.items()
                       if any(value is root for root in roots)}
    return generated


def derivative(spec, arg_kinds, guards=None, inline_calls=False):
    """The derivative IR of spec.f for these argument kinds."""
    primal, aux = jaxlike.split_aux(primal_ir(spec, arg_kinds, guards, inline_calls), spec)
    if spec.mode != "jvp":
        primal = one_result(primal)
    if spec.checkpoint is not None and spec.mode != "jvp":
        primal = checkpoint_option.checkpoint_loops(primal, spec.wrt, spec.checkpoint)
    return differentiate(primal, spec.mode, spec.wrt, spec.wrt_tuple, spec.optimize, aux,
                         again=inline_calls)


def one_result(fn):
    """fn returning its several results (an inner derivative's (value, tangent), a tuple of
    gradients) as the one tuple its caller receives: reverse mode seeds that one output, as
    forward mode returns the tangents of all (reverse mode read the first result only)."""
    if len(fn.body.results) <= 1:
        return fn
    builder = Builder(fn.line)
    packed = builder.emit("make_tuple", *fn.body.results, hint=naming.VALUE)
    return replace(fn, body=ir.Block(fn.body.stmts + builder.stmts, (packed,)))


def primal_ir(spec, arg_kinds, guards=None, inline_calls=False):
    """spec.f's IR for these argument kinds (an inner transform's derivative, for nesting);
    with `inline_calls`, helper calls are replaced by the helpers' code. `guards` (a dict)
    collects what the specialisation depends on besides the arguments."""
    if spec.inner is not None:
        return derivative(spec.inner, arg_kinds, guards, inline_calls=True)
    if inline_calls:
        return checked(calls.inline_helper_calls(primal_ir(spec, arg_kinds, guards),
                                                 lower_helper))
    if inspect.ismethod(spec.f):                 # a bound method: its self is known now
        parsed = frontend.parse(spec.f.__func__, source=spec.source)
        bound = {parsed.node.args.args[0].arg: spec.f.__self__}
        return lower(parsed, arg_kinds, bound, guards)
    return lower(frontend.parse(spec.f, source=spec.source), arg_kinds, guards=guards)


def lower(parsed, arg_kinds, bound=None, guards=None):
    """parse -> lower -> verify; a derivative taken inside is differentiated as it is met."""
    return ir.verify(lowering.to_ssa(parsed, arg_kinds, bound, guards, derive=DERIVE))


def lower_helper(fn, arg_kinds):
    """The IR of a helper that a transform inlines."""
    return lower(frontend.parse(fn), arg_kinds)


def differentiate(primal, mode, wrt, wrt_tuple, simplify=True, aux=None, again=False):
    """IR -> derivative IR: tangents or adjoints, then simplified and verified. `aux`: a
    value of primal's body returned beside the gradients (has_aux, jaxlike.py); `again`: the
    derivative will be differentiated again (a nested transform's inner derivative)."""
    if mode == "jvp":
        derived = jaxlike.with_aux(forward.tangent(primal, wrt, lower=lower_helper,
                                                   again=again), aux, mode)
    else:
        if simplify:                 # nothing taped or carried that the result does not read
            primal = optimize.eliminate_dead_compounds(
                loss_patterns.recognise_losses(primal), keep=(aux,))
        derived = jaxlike.with_aux(loss_patterns.computed_as_written(reverse.adjoint(
            primal, wrt, mode=mode, wrt_tuple=wrt_tuple, helpers=helper_vjp, again=again)),
            aux, mode)
    if simplify:
        derived = optimize.simplify(checked(derived), check=checked)
    return ir.verify(derived)


def checked(fn):
    """fn, verified when SRCAD_VERIFY=1 (the tests turn it on: tests/conftest.py)."""
    return ir.verify(fn) if os.environ.get("SRCAD_VERIFY") == "1" else fn


def helper_sources(namespace):
    """The generated sources of the helper derivatives a generated function calls, and of
    the callees its run-time calls met so far (their `pullback`'s helper)."""
    seen, texts = set(), []
    for value in namespace.values():
        helper = getattr(value, "__self__", None) or getattr(value, "__srcad_helper__", None) \
            or (value.helper if isinstance(value, runtime_calls.Pullback) else None)
        if isinstance(helper, HelperVJP) and id(helper) not in seen:
            seen.add(id(helper))
            texts.extend(helper.sources.values())
    return texts


# ----- helpers called by name: their derivative, compiled once per argument kinds ----------
# (id of the function, differentiated positions) -> HelperVJP, held weakly: an entry lives
# as long as some generated derivative calls it (each generated fwd/bwd names its HelperVJP,
# which holds the function, so the id stays the function's), never longer. A strong cache would
# keep every helper, and through it its module's globals, for the life of the process.
_DERIVATIVES = weakref.WeakValueDictionary()
_lock = threading.RLock()
MAX_SPECIALISATIONS = 64          # per helper: argument kinds beyond these recompile


def helper_vjp(fn, positions):
    """The shared HelperVJP of `fn` with respect to the arguments at `positions`."""
    key = (id(fn), positions)
    with _lock:
        derivative = _DERIVATIVES.get(key)
        if derivative is None or derivative.fn is not fn:
            derivative = _DERIVATIVES[key] = HelperVJP(fn, positions)
        return derivative


class HelperVJP:
    """fwd(*args) -> (value, residuals) and bwd(residuals, g) -> adjoints, per kinds."""

    def __init__(self, fn, positions):
        self.fn = fn
        self.positions = positions
        self.cache = {}              # kinds -> (fwd, bwd, guard check), at most
                                     # MAX_SPECIALISATIONS
        self.sources = {}            # kinds -> the generated source of fwd and bwd
        self.in_progress = set()
        self.lock = threading.RLock()
        self.forward = self.fwd      # one bound method each, so generated code names them once
        self.backward = self.bwd

    def fwd(self, *args):
        entry = self.entry(args)
        value, residuals = entry[0](*args)
        return value, (entry[1], residuals)

    def entry(self, args):
        """(fwd, bwd, guard check) for arguments like `args`, compiled when first met."""
        key = tuple(map(kind_key, args))
        entry = self.cache.get(key)
        if entry is None or entry[2] is not None and not live.holds(entry[2]):
            entry = self.compile(key, args)
        return entry

    def bwd(self, residuals, g):
        backward, saved = residuals
        return backward(saved, g)

    def compile(self, key, args):
        with self.lock:
            if not self.fresh(key):
                self.remember(key, self.generate(key, [K.kind_of(a) for a in args]))
            return self.cache[key]

    def fresh(self, key):
        """Whether an entry for `key` exists and its guards hold."""
        entry = self.cache.get(key)
        return entry is not None and live.holds(entry[2])

    def specialised(self, arg_kinds):
        """(fwd, bwd) compiled now for arguments of these kinds, so the caller calls them
        directly; None while this very specialisation is being compiled (recursion)."""
        key = ("kinds",) + tuple(arg_kinds)
        with self.lock:
            if key in self.in_progress:
                return None
            if not self.fresh(key):
                self.in_progress.add(key)
                try:
                    self.remember(key, self.generate(key, list(arg_kinds)))
                finally:
                    self.in_progress.discard(key)
            return self.cache[key][:2]

    def remember(self, key, pair):
        """Cache a specialisation, dropping the oldest beyond MAX_SPECIALISATIONS (callers
        compiled against it keep their own reference)."""
        self.cache[key] = pair
        while len(self.cache) > MAX_SPECIALISATIONS:
            oldest = next(iter(self.cache))
            del self.cache[oldest]
            self.sources.pop(oldest, None)

    def primal(self, arg_kinds, guards):
        """The IR whose two halves this helper compiles: the function's own."""
        return lower(frontend.parse(self.fn), arg_kinds, guards=guards)

    def generate(self, key, arg_kinds):
        guards = {}
        primal = loss_patterns.recognise_losses(self.primal(arg_kinds, guards))
        fwd_ir, bwd_ir = calls.split_vjp(primal, self.positions, helper_vjp)
        named = runtime_calls.callee_met(self.fn, arg_kinds)   # a run-time call's callee
        fwd = codegen.compile_function(fwd_ir, naming.function_name("fwd", named))
        bwd = codegen.compile_function(bwd_ir, naming.function_name("bwd", named))
        self.sources[key] = fwd.source + "\n" + bwd.source
        fwd.function.__srcad_helper__ = bwd.function.__srcad_helper__ = self   # for srcad.source
        return fwd.function, bwd.function, live.checker(list(guards.values()))


class HelperVJPOfVJP(HelperVJP):
    """The two halves of the reverse-mode derivative of fn's adjoints: of its vjp along
    `vjp_positions` (params: fn's, then the cotangent; result: the adjoint), with respect to
    `positions` of those params. Reverse over reverse through a run-time call
    (srcad/lowering/runtime_calls.py `PullbackAt.reverse`); with mode "jvp", of fn's tangent
    (params: fn's, then the tangents): reverse over forward."""

    def __init__(self, fn, vjp_positions, positions, mode="vjp"):
        super().__init__(fn, positions)
        self.inner = Spec(fn, mode, vjp_positions, len(vjp_positions) > 1)

    def primal(self, arg_kinds, guards):
        derived = derivative(self.inner, arg_kinds, guards, inline_calls=True)
        return replace(derived, body=ir.Block(derived.body.stmts, derived.body.results[1:]))


class HelperJVP:
    """jvp(*args, *tangents) -> (value, tangent) of `fn` along its arguments at `positions`
    (one tangent each), compiled for the arguments' kinds when first met (a run-time call's
    pushforward, srcad/lowering/runtime_calls.py); at most MAX_SPECIALISATIONS kept."""

    def __init__(self, fn, positions, vjp_positions=None, jvp_positions=None):
        self.fn = fn
        self.positions = positions
        self.cache = {}              # kinds -> (compiled jvp, guard check)
        self.lock = threading.RLock()
        # with vjp_positions: the jvp of fn's vjp along those arguments, whose params are
        # fn's and the cotangent (forward over reverse through a run-time call); with
        # jvp_positions: the jvp of fn's jvp, whose params are fn's and the tangents
        self.inner = None
        for mode, inner in (("vjp", vjp_positions), ("jvp", jvp_positions)):
            if inner is not None:
                self.inner = Spec(fn, mode, inner, len(inner) > 1)

    def __call__(self, *args):
        return self.entry(args[:len(args) - len(self.positions)])[0](*args)

    def entry(self, primals):
        """(jvp, guard check) for arguments like `primals`, compiled when first met."""
        key = tuple(map(kind_key, primals))
        entry = self.cache.get(key)
        if entry is None or entry[1] is not None and not live.holds(entry[1]):
            entry = self.compile(key, primals)
        return entry

    def compile(self, key, primals):
        with self.lock:
            spec = Spec(self.fn, "jvp", self.positions, len(self.positions) > 1,
                        inner=self.inner)
            arg_kinds = [K.kind_of(a) for a in primals]
            generated = derive(spec, arg_kinds, naming.function_name(
                "jvp", runtime_calls.callee_met(self.fn, arg_kinds)))
            entry = self.cache[key] = (generated.function, generated.check)
            while len(self.cache) > MAX_SPECIALISATIONS:
                del self.cache[next(iter(self.cache))]
            return entry


class Derive:
    """`differentiate`, as lowering calls it back for a derivative taken inside the
    function, with the derivatives of calls of run-time callees (`runtime_calls`)."""

    def __init__(self):
        self.runtime_calls = runtime_calls.RuntimeCalls(HelperVJP, HelperJVP, HelperVJPOfVJP)

    def __call__(self, primal, mode, wrt, wrt_tuple, simplify=True, aux=None):
        return differentiate(primal, mode, wrt, wrt_tuple, simplify, aux, again=True)


DERIVE = Derive()                # holds no state of its own: each derivative holds its helpers
