"""A loop left with only broadcasting checks runs once per shapes, not at every call.

Dead-code elimination keeps NumPy's broadcasting check where it drops an elementwise value
the gradient does not read (passes.py `_broadcast_checks`). In a loop that is a check per
iteration: the naive convolution's forward sweep is left as

    for n in range(N): ... for j in range(W):
        check_broadcast(x_pad[n, :, i:i + HH, j:j + WW], w[f])

4,608 slices and calls a gradient, for a result that depends on nothing but shapes: the
window's shape follows from x_pad's shape and the ints i, j, HH, WW; w[f]'s from w's shape
and f. Whether the loop raises, and where, is therefore decided by the shapes of the arrays
and the values of the ints it reads from outside. Such a loop runs as written the first time
those are met (raising at the same iteration with the same message, or not at all), and is
skipped at later calls with the same ones: the compiled derivative keeps the keys it has
checked (a few dozen at most; more clear the memo).

A loop qualifies when everything in it is a shape-only computation: int arithmetic, slices
and tuples of ints, basic indexing of arrays by those (whose result's shape, or IndexError,
depends on the array's shape only), `.shape`, nested loops over ranges of ints, and the
checks themselves; what it reads from outside is arrays (keyed by their shape) and ints or
bools (keyed by value). Anything else, a float, a value read out of an array into
arithmetic or an index, a branch, a carry, leaves the loop as it is.
"""

from dataclasses import replace

from .. import kinds as K
from .. import naming
from ..ir.nodes import Block, Const, Eqn, For, If, Var, free_vars
from .sampled_counters import sample_counters

INT_ARITHMETIC = frozenset({"add", "sub", "mul", "floor_divide", "mod", "neg", "pos"})


def remember_shape_checks(fn):
    """fn with each loop of its body that only checks shapes run once per key."""
    stmts, changed = [], False
    for stmt in fn.body.stmts:
        key = _shape_key(stmt) if isinstance(stmt, For) else None
        if key is None:
            stmts.append(stmt)
            continue
        stmts.extend(_run_once_per_key(stmt, key))
        changed = True
    return replace(fn, body=Block(stmts, fn.body.results)) if changed else fn


def _run_once_per_key(loop, key):
    """[key = (shapes, ints), if shapes_unchecked(memo, key): loop; shapes_checked(...)]."""
    memo = Const({}, name=naming.CHECKED_SHAPES)
    parts, eqns, shape_of = [], [], {}
    for var in key:
        if var.kind.is_array:
            shape = shape_of[var] = Var(None, K.Kind("tuple"))
            eqns.append(Eqn((shape,), "shape", (var,), loop.line))
            parts.append(shape)
        else:
            parts.append(var)
    shapes = Var(naming.SHAPE_KEY, K.Kind("tuple"))
    pending = Var(None, K.BOOL)
    eqns += [Eqn((shapes,), "make_tuple", tuple(parts), loop.line),
             Eqn((pending,), "shapes_unchecked", (memo, shapes), loop.line)]
    done = Eqn((Var(None, K.NONE),), "shapes_checked", (memo, shapes), loop.line)
    bounds, loop = sample_counters(loop, shape_of)
    return eqns + [If(pending, Block(bounds + [loop, done], ()), Block([], ()), (), loop.line)]


def _shape_key(loop):
    """The vars from outside that decide what the loop of checks does (arrays first, by
    shape; then ints and bools, by value), or None where the loop is not only shape checks."""
    if not _only_checks(loop):
        return None
    outside = free_vars(Block([loop], ()))
    if not all(_keyable(v) for v in outside):
        return None
    arrays = [v for v in outside if v.kind.is_array]
    return tuple(arrays + [v for v in outside if not v.kind.is_array])


def _keyable(var):
    kind = var.kind
    return kind.tag in ("int", "bool") or kind.is_array and kind.lib is None


def _only_checks(loop):
    """Whether the loop (no carries) holds at least one check and otherwise only shape-only
    computations, each value used only where its shape or int value is what matters."""
    shaped, checks = set(), [0]
    if not _loop_fits(loop, shaped, checks):
        return False
    return checks[0] > 0


def _loop_fits(loop, shaped, checks):
    if loop.outs or loop.carry_params or loop.snapshots is not None or \
            not all(_int_atom(a, shaped) for a in (loop.start, loop.stop, loop.step)):
        return False
    for stmt in loop.body.stmts:
        if isinstance(stmt, For):
            if not _loop_fits(stmt, shaped, checks):
                return False
        elif not isinstance(stmt, Eqn) or not _eqn_fits(stmt, shaped, checks):
            return False
    return not loop.body.results


def _eqn_fits(eqn, shaped, checks):
    """Whether eqn is a shape-only computation; its array outputs join `shaped` (values that
    may be read for their shape only)."""
    prim, args = eqn.prim, eqn.args
    if prim == "check_broadcast":
        checks[0] += 1
        return True
    if len(eqn.outs) != 1:
        return False
    out = eqn.out
    if prim == "getitem" and isinstance(args[0], Var) and args[0].kind.is_array:
        if not (_index_atom(args[1], shaped) and out.kind.tag in ("array", "float", "int",
                                                                  "bool", "unknown")):
            return False
        shaped.add(out)                     # read for its shape only (checked below)
        return True
    if prim == "shape" and isinstance(args[0], Var) and args[0].kind.is_array:
        return True
    if prim in INT_ARITHMETIC:
        return out.kind.tag in ("int", "bool") and all(_int_atom(a, shaped) for a in args)
    if prim in ("make_slice", "make_tuple"):
        return all(_index_atom(a, shaped) for a in args)
    if prim == "getitem":                   # an item of a shape tuple
        return args[0].kind.tag == "tuple" and _int_atom(args[1], shaped) and \
            out.kind.tag == "int"
    return False


def _int_atom(atom, shaped):
    """An int known from the key: a constant, or an int var not read out of an array."""
    if isinstance(atom, Const):
        return isinstance(atom.value, int)
    return atom.kind.tag in ("int", "bool") and atom not in shaped


def _index_atom(atom, shaped):
    """A part of a basic index known from the key: an int, a slice or tuple of such, None."""
    if isinstance(atom, Const):
        return True
    return atom not in shaped and atom.kind.tag in ("int", "bool", "tuple", "other", "none")
