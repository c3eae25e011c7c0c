"""Calls to the user's own module-level functions: transformed once, called by name.

A helper called from one place is inlined there (ExpressionLowering.called_once): its code
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
rebound function) is compiled afresh, never handed out stale (srcad/live.py).
"""

import threading
import weakref

from . import codegen, frontend, ir, live, naming, optimize, reverse
from . import kinds as K
from .analysis import substitute
from .errors import SrcadError
from .ir import Block, Eqn, Function, Var

# (id of the function, differentiated positions) -> HelperVJP, held weakly: an entry lives
# as long as some generated derivative calls it (each generated fwd/bwd names its HelperVJP,
# which holds the function, so the id stays the function's), never longer. A strong cache would
# keep every helper, and through it its module's globals, for the life of the process.
_DERIVATIVES = weakref.WeakValueDictionary()
_LOWERING = set()                 # (function, kinds) being lowered: recursion in progress
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


def result_kind(fn, arg_kinds, lower_fn):
    """The kind of fn's result for arguments of these kinds (UNKNOWN while recursing)."""
    key = (fn, tuple(arg_kinds))
    if key in _LOWERING:
        return K.UNKNOWN
    _LOWERING.add(key)
    try:
        return lower_fn(frontend.parse(fn), arg_kinds).body.results[0].kind
    finally:
        _LOWERING.discard(key)


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
        from .api import _kind_key
        key = tuple(map(_kind_key, args))
        entry = self.cache.get(key)
        if entry is None or entry[2] is not None and not live.holds(entry[2]):
            entry = self.compile(key, args)
        value, residuals = entry[0](*args)
        return value, (entry[1], residuals)

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

    def generate(self, key, arg_kinds):
        from .api import _kind_key
        from .lower import to_ssa
        guards = {}
        primal = to_ssa(frontend.parse(self.fn), arg_kinds, guards=guards)
        fwd_ir, bwd_ir = split_vjp(primal, self.positions)
        fwd = codegen.compile_function(fwd_ir, naming.function_name("fwd", self.fn))
        bwd = codegen.compile_function(bwd_ir, naming.function_name("bwd", self.fn))
        self.sources[key] = fwd.source + "\n" + bwd.source
        fwd.function.__srcad_helper__ = bwd.function.__srcad_helper__ = self   # for srcad.source
        return fwd.function, bwd.function, live.checker(list(guards.values()), _kind_key)


def split_vjp(fn, positions):
    """fn's reverse-mode derivative as two IR functions: fwd(*params) -> (value, residuals)
    and bwd(residuals, g) -> adjoint(s) of the params at `positions`."""
    forward, backward, seed, grads = reverse.sweeps(fn, positions, "vjp", len(positions) > 1,
                                                    seed_shaped_like_output=True)
    bwd_body = optimize.simplify(_function(fn, (seed,), Block(backward, grads))).body
    residuals = [v for v in ir.free_vars(bwd_body) if v is not seed]
    saved = Var("res", K.Kind("tuple"))
    copies = [Var(v.hint, v.kind, v.same_shape_as) for v in residuals]
    mapping = dict(zip(residuals, copies))
    unpack = [Eqn(tuple(copies), "unpack", (saved, ir.Const(len(copies))), fn.line)]
    bwd = _function(fn, (saved, seed), Block(unpack + substitute(bwd_body.stmts, mapping),
                                              tuple(mapping.get(a, a) for a in bwd_body.results)))
    record = Var("res", K.Kind("tuple"))
    pack = Eqn((record,), "make_tuple", tuple(residuals), fn.line)
    fwd = _function(fn, fn.params, Block(forward + [pack], (fn.body.results[0], record)))
    return ir.verify(optimize.simplify(fwd)), ir.verify(optimize.simplify(bwd))


def _function(fn, params, body):
    return Function(fn.name, params, body, fn.filename, fn.line, fn.source_lines,
                    fn.param_names)


def helper_sources(namespace):
    """The generated sources of the helper derivatives a generated function calls."""
    seen, texts = set(), []
    for value in namespace.values():
        helper = getattr(value, "__self__", None) or getattr(value, "__srcad_helper__", None)
        if isinstance(helper, HelperVJP) and id(helper) not in seen:
            seen.add(id(helper))
            texts.extend(helper.sources.values())
    return texts


def inline_helper_calls(fn, depth=0):
    """fn with every call to a user function replaced by the function's own code: for a
    derivative that will be differentiated again (hessian, grad of grad), whose transforms
    must see through the helpers."""
    from .builder import Builder
    from .lower import to_ssa
    from .nested import inline
    if depth > 20:
        raise SrcadError("a recursive helper cannot be differentiated twice; write the "
                         "recursion as a loop", filename=fn.filename, line=fn.line)

    def expand(eqn, builder, mapping):
        callee, args = eqn.args[0].value, eqn.args[1:]
        inner = to_ssa(frontend.parse(callee), [a.kind for a in args])
        inner = inline_helper_calls(inner, depth + 1)
        mapping[eqn.out] = inline(inner, list(args), builder)[0]

    return _with_body(fn, _inline_block(fn.body, {}, expand, Builder))


def _inline_block(block, mapping, expand, builder_class):
    builder = builder_class()
    for original in block.stmts:
        stmt = substitute([original], mapping)[0]       # reads of calls inlined before it
        if isinstance(stmt, Eqn) and stmt.prim == "call":
            expand(stmt, builder, mapping)
            continue
        builder.append(_inline_nested(stmt, mapping, expand, builder_class))
    results = tuple(mapping.get(a, a) if isinstance(a, Var) else a for a in block.results)
    return Block(builder.stmts, results)


def _inline_nested(stmt, mapping, expand, builder_class):
    from .ir import For, If, While
    sub = lambda b: _inline_block(b, mapping, expand, builder_class)   # noqa: E731
    if isinstance(stmt, If):
        return If(stmt.cond, sub(stmt.then), sub(stmt.orelse), stmt.outs, stmt.line)
    if isinstance(stmt, For):
        return For(stmt.index, stmt.start, stmt.stop, stmt.step, stmt.carry_init,
                   stmt.carry_params, sub(stmt.body), stmt.outs, stmt.reverse, stmt.line)
    if isinstance(stmt, While):
        return While(stmt.carry_init, stmt.carry_params, sub(stmt.cond), sub(stmt.body),
                     stmt.outs, stmt.line)
    return stmt


def _with_body(fn, body):
    return Function(fn.name, fn.params, body, fn.filename, fn.line, fn.source_lines,
                    fn.param_names)
