"""Element and slice writes into an array: `x[index] = v` and `x[index] op= v` as functional
updates, `x_2 = setitem(x_1, index, v)`, so that the SSA keeps both versions of x.

    setitem(x, i, v)   x with x[i] = v     vjp_x(g) = g with g[i] = 0    vjp_v(g) = g[i]
    iadd_at(x, i, v)   x with x[i] += v    vjp_x(g) = g                  vjp_v(g) = g[i]
    isub_at(x, i, v)   x with x[i] -= v    vjp_x(g) = g                  vjp_v(g) = -g[i]
    imul_at(x, i, v)   x with x[i] *= v    vjp_x(g) = g with g[i] *= v   vjp_v(g) = g[i] x[i]
    idiv_at(x, i, v)   x with x[i] /= v    vjp_x(g) = g with g[i] /= v   vjp_v(g) = -g[i] ans[i] / v
    index_added(x, i, v)  np.add.at on a copy  vjp_x(g) = g              vjp_v(g) = g[i]

(each vjp_v summed back to v's shape where v was broadcast). Generated code writes them as the
statements they come from (`out[:, t, :] = h`, `bout[:, t, :] = 0.0`), in place where nothing
reads the old array any more (srcad/analysis/inplace.py), else on a copy. The tangents are the same
updates on the tangents (forward.Tangents.write).

Writing into an integer or boolean array stores the value cast (truncated, or compared with
zero): its derivative does not reach the array, so the value's adjoint and tangent are zero
there, as for `astype(int)`.

NumPy stores one of the values an integer index array names twice (`x[[0, 0]] = [a, b]` keeps
b, and `x[[0, 0]] += 1` adds 1 once), so the adjoint of v reads g only at the position that
was stored (`written_region`); an index of ints, slices or one boolean mask names each
position once and reads `g[i]` as it is.
"""

import operator

import numpy as np

from .. import kinds as K
from ..errors import AliasedArgumentError
from .core import reduce_to
from .ops import ZERO, getitem, neg, zeros_like
from .table import defprim

_IN_PLACE = {"": None, "+": operator.iadd, "-": operator.isub, "*": operator.imul,
             "/": operator.itruediv}
WRITES = {"setitem": "", "iadd_at": "+", "isub_at": "-", "imul_at": "*", "idiv_at": "/"}
# `a op b` computed into a, which the generated code owns (srcad/codegen/in_place_arithmetic.py)
ARITHMETIC_INTO = {"iadd": "+", "isub": "-", "imul": "*", "idiv": "/"}
_A = np.array([[1.0, -2.0, 3.0], [0.5, 1.5, -1.0]])


def _write(symbol):
    update = _IN_PLACE[symbol]

    def write(x, index, v):
        out = np.array(x)                    # a copy: the functional update
        out[index] = v if update is None else update(out[index], v)
        return out
    return write


def written_region(g, index):
    """g[index] where `x[index] = v` stored v; where an integer index array names a position
    more than once, only the occurrence NumPy stored (the others were overwritten) reads g."""
    region = g[index]
    parts = index if isinstance(index, tuple) else (index,)
    if all(_names_once(p) for p in parts) or len(parts) == 1 and _is_mask(parts[0]):
        return region
    order = np.arange(np.size(region)).reshape(np.shape(region))
    stored = np.full(np.shape(g), -1, dtype=np.intp)
    stored[index] = order
    return np.where(stored[index] == order, region, 0)


def _names_once(part):
    return isinstance(part, (int, np.integer, slice, type(None), type(Ellipsis))) and \
        not isinstance(part, bool)


def _is_mask(part):
    return isinstance(part, np.ndarray) and part.dtype == bool


def region(g, index):
    """The adjoint read at the written positions (a view for ints, slices and masks)."""
    return g._op("written_region", g, index) if may_repeat(index.atom) else getitem(g, index)


def may_repeat(atom):
    """Whether index `atom` may name a position twice: it holds an integer array (or a
    value whose kind does not say)."""
    value = getattr(atom, "value", None)
    if hasattr(atom, "value") and not isinstance(value, (tuple, list, np.ndarray)):
        return not _names_once(value)
    if hasattr(atom, "value"):
        parts = value if isinstance(value, tuple) else (value,)
        return not all(_names_once(p) or _is_mask(p) and len(parts) == 1 or
                       isinstance(p, np.ndarray) and np.unique(p).size == p.size
                       for p in parts)
    kind = atom.kind
    if kind.tag == "tuple" and kind.items is not None:
        return any(_kind_may_repeat(k, len(kind.items)) for k in kind.items)
    return _kind_may_repeat(kind, 1)


def _kind_may_repeat(kind, n_parts):
    if kind.tag in ("int", "none", "other", "slice", "ellipsis"):
        return False
    return not (kind.is_array and kind.dtype == "bool" and n_parts == 1)


def _kind(x, index, v):
    return x if x.is_array else K.UNKNOWN


def _set_vjp_v(g, ans, x, i, v):
    return reduce_to(region(g, i), v)


def into_integers(x):
    """Whether x's kind says it holds integers or booleans: a value written into it is cast."""
    return x.kind.is_array and x.kind.dtype is not None and \
        not np.issubdtype(np.dtype(x.kind.dtype), np.inexact)


def dtype_known(x):
    return x.kind.is_array and x.kind.dtype is not None


def stored_derivative(d, x):
    """d, the derivative of a value written into x, where x holds floats; zero where x holds
    integers or booleans (x's kind did not say which: known when the code runs)."""
    if np.issubdtype(np.result_type(x), np.inexact):
        return d
    return np.zeros_like(d) if isinstance(d, np.ndarray) else 0.0


def _cast_on_store(vjp_v, jvp_v):
    """The value's vjp and jvp rules of a write: zero where x holds integers or booleans."""
    def vjp(g, ans, x, i, v):
        if into_integers(x):
            return zeros_like(v)
        out = vjp_v(g, ans, x, i, v)
        return out if dtype_known(x) else out._op("stored_derivative", out, ans)

    def jvp(dv, ans, x, i, v):
        return zeros_like(ans) if into_integers(x) else jvp_v(dv, ans, x, i, v)
    return vjp, jvp


def index_added(x, index, v):
    """x with v added at index as np.add.at adds (a repeated position adds each time), on a
    copy: `np.add.at(a, i, v)` in the function is `a[...] = index_added(a, i, v)`."""
    out = np.array(x)
    np.add.at(out, index, v)
    return out


_ACCUMULATE = _cast_on_store(           # every position index names reads g, repeats too
    lambda g, ans, x, i, v: reduce_to(getitem(g, i), v),
    lambda dv, ans, x, i, v: dv._op("index_added", dv._op("zeros_like", x), i, dv))
_SET = _cast_on_store(
    _set_vjp_v, lambda dv, ans, x, i, v: dv._op("setitem", dv._op("zeros_like", x), i, dv))
_ADD = _cast_on_store(
    _set_vjp_v, lambda dv, ans, x, i, v: dv._op("iadd_at", dv._op("zeros_like", x), i, dv))
_SUB = _cast_on_store(
    lambda g, ans, x, i, v: neg(_set_vjp_v(g, ans, x, i, v)),
    lambda dv, ans, x, i, v: dv._op("isub_at", dv._op("zeros_like", x), i, dv))
_MUL = _cast_on_store(
    lambda g, ans, x, i, v: reduce_to(region(g, i) * getitem(x, i), v),
    lambda dv, ans, x, i, v: dv._op("setitem", dv._op("zeros_like", x), i, getitem(x, i) * dv))
_DIV = _cast_on_store(
    lambda g, ans, x, i, v: reduce_to(neg(region(g, i) * getitem(ans, i)) / v, v),
    lambda dv, ans, x, i, v: dv._op("setitem", dv._op("zeros_like", x), i,
                                    neg(getitem(ans, i) * dv) / v))

defprim("setitem", _write(""), ("store", ""), arg_names=("x", "index", "value"), kind=_kind,
        shape_from=0, adjoint_order=(2, 0, 1),
        vjp=(lambda g, ans, x, i, v: g._op("setitem", g, i, 0.0), ZERO, _SET[0]),
        jvp=(lambda dx, ans, x, i, v: dx._op("setitem", dx, i, 0.0), ZERO, _SET[1]),
        samples=[(_A, (1, slice(None)), np.array([0.3, -0.7, 2.0])), (_A, (0, 1), 0.25),
                 (_A, _A > 0, 0.5), (np.arange(4.0), np.array([0, 2, 0]),
                                     np.array([0.5, 1.5, -2.0]))],
        doc="`x[index] = value` on an array, as a new version of x")
defprim("iadd_at", _write("+"), ("store", "+"), arg_names=("x", "index", "value"),
        kind=_kind, shape_from=0, adjoint_order=(2, 0, 1),
        vjp=(lambda g, ans, x, i, v: g, ZERO, _ADD[0]),
        jvp=(lambda dx, ans, x, i, v: dx, ZERO, _ADD[1]),
        samples=[(_A, (slice(None), 1), np.array([0.3, -0.7])), (_A, (1, 2), 0.25),
                 (np.arange(4.0), np.array([0, 2, 0]), np.array([0.5, 1.5, -2.0]))],
        doc="`x[index] += value` on an array (a repeated index adds once, as NumPy's does)")
defprim("isub_at", _write("-"), ("store", "-"), arg_names=("x", "index", "value"),
        kind=_kind, shape_from=0, adjoint_order=(2, 0, 1),
        vjp=(lambda g, ans, x, i, v: g, ZERO, _SUB[0]),
        jvp=(lambda dx, ans, x, i, v: dx, ZERO, _SUB[1]),
        samples=[(_A, (slice(None), 1), np.array([0.3, -0.7])), (_A, _A < 0, 0.25)],
        doc="`x[index] -= value` on an array")
defprim("imul_at", _write("*"), ("store", "*"), arg_names=("x", "index", "value"),
        kind=_kind, shape_from=0, adjoint_order=(2, 0, 1),
        vjp=(lambda g, ans, x, i, v: g._op("imul_at", g, i, v), ZERO, _MUL[0]),
        jvp=(lambda dx, ans, x, i, v: dx._op("imul_at", dx, i, v), ZERO, _MUL[1]),
        samples=[(_A, (slice(None), 1), np.array([0.3, -0.7])), (_A, _A < 0, 0.01),
                 (np.arange(1.0, 5.0), np.array([1, 3, 1]), np.array([0.5, 1.5, -2.0]))],
        doc="`x[index] *= value` on an array")
defprim("idiv_at", _write("/"), ("store", "/"), arg_names=("x", "index", "value"),
        kind=_kind, shape_from=0, adjoint_order=(2, 0, 1),
        vjp=(lambda g, ans, x, i, v: g._op("idiv_at", g, i, v), ZERO, _DIV[0]),
        jvp=(lambda dx, ans, x, i, v: dx._op("idiv_at", dx, i, v), ZERO, _DIV[1]),
        samples=[(_A, (slice(None), 1), np.array([0.3, -0.7])), (_A, (0, 0), 2.5)],
        doc="`x[index] /= value` on an array")
defprim("index_added", index_added, ("runtime", "index_added"),
        arg_names=("x", "index", "value"), kind=_kind, shape_from=0, adjoint_order=(2, 0, 1),
        vjp=(lambda g, ans, x, i, v: g, ZERO, _ACCUMULATE[0]),
        jvp=(lambda dx, ans, x, i, v: dx, ZERO, _ACCUMULATE[1]),
        samples=[(np.arange(4.0), np.array([0, 2, 0, 0]), np.array([0.5, 1.5, -2.0, 0.25])),
                 (_A, (np.array([1, 1]), np.array([0, 0])), 0.75),
                 (_A, np.array([1, 0, 1]), np.array([0.3, -0.7, 1.1]))],
        doc="x with value added at index, a repeated position each time (np.add.at on a copy)")
defprim("written_region", written_region, ("runtime", "written_region"),
        arg_names=("g", "index"), kind=lambda g, i: K.UNKNOWN,
        doc="g where an integer-array index stored (the last of repeated positions)")
defprim("stored_derivative", stored_derivative, ("runtime", "stored_derivative"),
        arg_names=("d", "x"), kind=lambda d, x: d,
        jvp=(lambda dd, ans, d, x: dd._op("stored_derivative", dd, x), ZERO),
        vjp=(lambda g, ans, d, x: g._op("stored_derivative", g, x), ZERO),
        samples=[(np.array([0.5, -1.0]), np.zeros(3)), (np.array([0.5, -1.0]), np.zeros(3, int))],
        doc="the derivative of a value written into x: zero where x holds integers or booleans")
defprim("invert", operator.invert, ("unary", "~"), symbol="~", kind=lambda x: x,
        jvp=(ZERO,), vjp=(ZERO,),
        doc="`~mask`: the complement of a boolean mask (bitwise not of integers)")


# ----- the caller's array, written into (srcad/lowering/argument_writes.py) ----------------------
def write_back(x, value):
    """`x[...] = value`: the caller's array `x` gets the values the function left in it."""
    x[...] = value


def check_unshared_array(x, name, *others):
    """A SrcadError (named at the user's line of the write by codegen/compiled.py) where
    another argument is the array `x` the function writes into, holds it (in a list, tuple
    or dict) or overlaps it in memory: Python's write would show through that one too, which
    the derivative, reading a copy of `x`, does not follow."""
    for other in others:
        for leaf in _arrays_in(other):
            if leaf is x or np.may_share_memory(x, leaf) and _overlap(x, leaf):
                raise AliasedArgumentError(
                    f"the function writes into the array passed as {name!r}, and another "
                    "argument is (or holds, or is a view of) that array: Python's write would "
                    "change both, which srcad's derivative does not follow; pass distinct "
                    f"arrays (a copy, `{name}.copy()`)")


def _arrays_in(value, depth=0):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict) and depth < 8:
        for item in value.values():
            yield from _arrays_in(item, depth + 1)
    elif isinstance(value, (list, tuple)) and depth < 8:
        for item in value:
            yield from _arrays_in(item, depth + 1)


def _overlap(a, b):
    try:
        return np.shares_memory(a, b, max_work=10_000)
    except np.exceptions.TooHardError:
        return True


defprim("write_back", write_back, ("impl", "write_back"), arg_names=("x", "value"),
        effect=True, kind=lambda *ks: K.NONE, jvp=(ZERO, ZERO), vjp=(ZERO, ZERO),
        doc="`x[...] = value`: the caller's array x, which the function writes into, gets the "
            "values the function left in it, once, at the end of its lines")
defprim("check_unshared_array", check_unshared_array, ("impl", "check_unshared_array"),
        variadic=True, arg_names=("x", "name", "others"), effect=True,
        kind=lambda *ks: K.NONE,
        doc="a SrcadError where another argument is, holds or overlaps the array x the "
            "function writes into")
for _name, _symbol in ARITHMETIC_INTO.items():
    defprim(_name, _IN_PLACE[_symbol], ("binop", _symbol), arg_names=("x", "y"),
            kind=lambda x, y: x, jvp=(None, None), vjp=(None, None),
            doc=f"`x {_symbol}= y` into an array x the generated code owns and reads no more, "
                "where x op y has x's shape and dtype: marked just before code is written")
