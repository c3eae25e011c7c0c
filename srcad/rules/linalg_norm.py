"""np.linalg.norm: every vector and matrix order, over any axis or pair of axes, with the
subgradient conventions docs/conventions.md states where the norm is not differentiable.
"""

import numpy as np

from .. import kinds as K
from ..errors import NonDifferentiableError
from .arrays import reduced_kind
from .linalg_common import svd, constant_of, T3, WIDE_BATCH
from .ops import ZERO, abs, expand_dims, getitem, sign, sum
from .reductions import unreduce
from .table import defprim


# ----- norm --------------------------------------------------------------------------------------
class _SymOps:
    """The operations the norm weights need, emitting primitives (derivative code)."""
    abs, sign, sum = staticmethod(abs), staticmethod(sign), staticmethod(sum)

    @staticmethod
    def extremum(x, axis, largest):
        return x._op("max" if largest else "min", x, axis, True)

    @staticmethod
    def mask(a, b, like):
        """a == b as 0/1 in like's float dtype (differentiable twice: no cast_like)."""
        hits = a._op("eq", a, b)
        if like.kind.is_array and like.kind.dtype == "float64":
            return hits
        if like.kind.is_array:
            return hits._op("astype", hits, like.kind.dtype)
        return hits._op("where", hits, like._op("ones_like", like, None), 0.0)

    @staticmethod
    def svd(x):
        parts = svd(x, False, True)
        return getitem(parts, 0), getitem(parts, 2)

    @staticmethod
    def transpose(x, perm):
        return x._op("transpose", x, perm)

    @staticmethod
    def column(u, k):
        return expand_dims(getitem(u, (Ellipsis, slice(None), k)), -1)

    @staticmethod
    def row(vh, k):
        return expand_dims(getitem(vh, (Ellipsis, k, slice(None))), -2)


class _NumpyOps:
    """The same operations on arrays, for `norm_weights` at run time."""
    abs, sign = staticmethod(np.abs), staticmethod(np.sign)

    @staticmethod
    def sum(x, axis, keepdims):
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def extremum(x, axis, largest):
        return (np.max if largest else np.min)(x, axis=axis, keepdims=True)

    @staticmethod
    def mask(a, b, like):
        return (a == b).astype(np.result_type(like, np.float32))

    @staticmethod
    def svd(x):
        U, _, Vh = np.linalg.svd(x, full_matrices=False)
        return U, Vh

    transpose = staticmethod(np.transpose)

    @staticmethod
    def column(u, k):
        return u[..., :, k][..., None]

    @staticmethod
    def row(vh, k):
        return vh[..., k, :][..., None, :]


def _norm_case(ord_, axis, ndim):
    """('flat' | 'vector' | 'matrix', reduced axes) from constant ord and axis; (None, None)
    where only x's ndim can tell a vector norm from a matrix norm."""
    if axis is None:
        if ord_ is None:
            return "flat", None
        if ndim == 1 or (ndim is None and ord_ not in _AMBIGUOUS_ORDS + ("fro", "nuc")):
            return "vector", (-1,)
        if ndim == 2 or (ndim is None and ord_ in ("fro", "nuc")):
            return "matrix", (-2, -1)
        return None, None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return ("vector" if len(axes) == 1 else "matrix"), axes


_AMBIGUOUS_ORDS = (1, -1, 2, -2, np.inf, -np.inf)


def _trailing(axes, ndim):
    """Whether matrix axes (rows, columns) are x's last two, in order (None: unknown)."""
    if tuple(axes) == (-2, -1):
        return True
    return None if ndim is None else (axes[0] % ndim, axes[1] % ndim) == (ndim - 2, ndim - 1)


def _shared(ops, values, target, axis, x):
    """1 / (number of ties) where values attain target along axis, 0 elsewhere."""
    mask = ops.mask(values, target, x)
    return mask / ops.sum(mask, axis, True)


def _vector_weights(ops, x, ans_e, ord_, axes):
    """d ||x||_ord / dx for vector norms (ties of the inf-norms share evenly)."""
    if ord_ is None or ord_ == 2:
        return x / ans_e
    if ord_ == 1:
        return ops.sign(x)
    if ord_ in (np.inf, -np.inf):
        return ops.sign(x) * _shared(ops, ops.abs(x), ans_e, axes, x)
    if ord_ == 0:
        return x * 0.0
    return ops.sign(x) * ops.abs(x) ** (ord_ - 1) / ans_e ** (ord_ - 1)


def _matrix_weights(ops, x, ans_e, ord_, axes, ndim):
    """d ||x||_ord / dx for matrix norms over axes (rows, columns)."""
    rows, cols = axes
    if ord_ in (None, "fro"):
        return x / ans_e
    if ord_ in (1, -1, np.inf, -np.inf):
        summed, across = (rows, cols) if ord_ in (1, -1) else (cols, rows)
        sums = ops.sum(ops.abs(x), summed, True)
        extreme = ops.extremum(sums, across, ord_ > 0)
        return ops.sign(x) * _shared(ops, sums, extreme, across, x)
    if ord_ in ("nuc", 2, -2):
        perm = None
        if not _trailing(axes, ndim):
            rest = [i for i in range(ndim) if i not in (rows % ndim, cols % ndim)]
            perm = tuple(rest + [rows % ndim, cols % ndim])
            x = ops.transpose(x, perm)
        U, Vh = ops.svd(x)
        k = 0 if ord_ != -2 else -1
        w = U @ Vh if ord_ == "nuc" else ops.column(U, k) * ops.row(Vh, k)
        return w if perm is None else ops.transpose(w, tuple(int(i) for i in np.argsort(perm)))
    raise ValueError(f"np.linalg.norm: ord={ord_!r} is not a norm srcad differentiates")


def _norm_weights(ops, x, ans_e, ord_, axis, ndim):
    kind, axes = _norm_case(ord_, axis, ndim)
    if kind == "matrix":
        return _matrix_weights(ops, x, ans_e, ord_, axes, ndim)
    return _vector_weights(ops, x, ans_e, ord_, axes)


def norm_weights(x, ans_e, ord_, axis):
    """d norm(x, ord, axis) / dx at run time (where the rule could not see x's ndim)."""
    return _norm_weights(_NumpyOps, np.asarray(x), ans_e, ord_, axis, np.ndim(x))


def _weights(x, ans, ord_, axis, keepdims):
    o, a = constant_of(ord_), constant_of(axis)
    if o == "unknown" or a == "unknown":
        raise NonDifferentiableError("np.linalg.norm: srcad needs ord and axis as constants",
                                     construct="np.linalg.norm")
    if isinstance(o, str) and o not in ("fro", "nuc"):
        raise NonDifferentiableError(f"np.linalg.norm(ord={o!r}) is not a norm",
                                     construct="np.linalg.norm")
    ans_e = unreduce(ans, x, axis, keepdims)
    ndim = x.kind.ndim if x.kind.is_array else None
    kind, axes = _norm_case(o, a, ndim)
    needs_ndim = kind is None or (kind == "matrix" and o in ("nuc", 2, -2) and
                                  _trailing(axes, ndim) is None)
    if needs_ndim and ndim is None:
        return x._op("norm_weights", x, ans_e, ord_, axis)
    return _norm_weights(_SymOps, x, ans_e, o, a, ndim)


def _norm_vjp(g, ans, x, ord_, axis, keepdims):
    return unreduce(g, x, axis, keepdims) * _weights(x, ans, ord_, axis, keepdims)


def _norm_jvp(dx, ans, x, ord_, axis, keepdims):
    return sum(_weights(x, ans, ord_, axis, keepdims) * dx, axis, keepdims)


def _norm_impl(x, ord=None, axis=None, keepdims=False):
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _norm_kind(x, ord_, axis, keepdims):
    if getattr(axis, "value", "unknown") is None and x.kind.is_array and \
            getattr(keepdims, "value", None) is False:
        return K.FLOAT if x.kind.dtype == "float64" else K.array(0, x.kind.dtype)
    return reduced_kind(x, axis, keepdims)


_NV = np.array([0.5, -1.2, 0.8, 0.3])
_INF, _HALF = np.float16(np.inf), np.float16(0.5)   # float ords the sweep keeps constant

_NM = np.array([[0.5, -1.2, 0.8], [0.3, 0.9, -0.4]])
_NORM_SAMPLES = (
    [(_NV, o, None, False) for o in (None, 2, 1, _INF, -_INF, 0, 3, _HALF)]
    + [(_NM, o, None, False) for o in (None, "fro", "nuc", 1, -1, 2, -2, _INF, -_INF)]
    + [(T3, None, None, False), (T3, None, -1, False), (WIDE_BATCH, 1, 1, True),
       (WIDE_BATCH, _INF, 0, False), (WIDE_BATCH, 3, -2, True),
       (WIDE_BATCH, -_INF, 2, False),
       (WIDE_BATCH, "fro", (1, 2), False), (WIDE_BATCH, "nuc", (-2, -1), True),
       (WIDE_BATCH, 2, (2, 1), False), (WIDE_BATCH, -2, (0, 2), False),
       (WIDE_BATCH, 1, (0, 1), True), (WIDE_BATCH, -_INF, (2, 0), False),
       (_NM, 2, 1, False), (_NM, 1, 0, True)])

defprim("norm", _norm_impl, ("call", "np.linalg.norm"), arg_names=("x", "ord", "axis", "keepdims"),
        defaults={"ord": None, "axis": None, "keepdims": False}, functions=(np.linalg.norm,),
        kind=_norm_kind, kind_from_atoms=True,
        jvp=(_norm_jvp, ZERO, ZERO, ZERO), vjp=(_norm_vjp, ZERO, ZERO, ZERO),
        samples=_NORM_SAMPLES,
        doc="every vector and matrix ord; ties of max/min norms share the gradient; the "
            "2-norm of a zero vector and repeated extreme singular values have no derivative")
defprim("norm_weights", norm_weights, ("impl", "norm_weights"),
        arg_names=("x", "ans", "ord", "axis"), shape_from=0,
        kind=lambda x, a, o, ax: x if x.is_array else K.UNKNOWN,
        doc="first-order only: used where x's ndim is not known when the rule is applied")
