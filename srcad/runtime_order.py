"""Run-time helpers of the order statistics: np.median, np.quantile, np.percentile and their
NaN-skipping forms (srcad/rules/order_statistics.py). Re-exported by srcad/runtime.py, where
generated code reads its helpers; NumPy alone (`srcad export` copies them).

NumPy's default ("linear") quantile of n sorted values is (1 - t) * s[k] + t * s[k + 1] with
k + t = q * (n - 1): a weighted sum of two order statistics whose weights do not depend on
the values while their order holds. The tangent is that weighted sum of the tangents, the
adjoint puts g * (1 - t) and g * t back on the two elements (ties: the stable sort's order).
"""

import numpy as np


def _reduced_last(x, axis):
    """x with the reduced axes moved last and joined into one: (kept..., n), the kept axes
    and the reduced ones (for the way back)."""
    x = np.asarray(x)
    if axis is None:
        return np.reshape(x, (-1,)), (), tuple(range(x.ndim))
    axes = tuple(a % x.ndim for a in ((axis,) if np.ndim(axis) == 0 else axis))
    kept = tuple(a for a in range(x.ndim) if a not in axes)
    moved = np.transpose(x, kept + axes)
    return np.reshape(moved, [x.shape[a] for a in kept] + [-1]), kept, axes


def _weights(flat, q, nan):
    """For each q (its leading axes) and each kept index, the weight of each element of the
    last axis of `flat` in the quantile."""
    qs = np.asarray(q, dtype=float)
    n = flat.shape[-1]
    count = np.sum(~np.isnan(flat), axis=-1) if nan else np.full(flat.shape[:-1], n)
    position = np.reshape(qs, qs.shape + (1,) * (flat.ndim - 1)) * (count - 1)
    top = np.maximum(count - 1, 0)
    below = np.clip(np.floor(position), 0, top).astype(np.intp)
    above = np.minimum(below + 1, top)
    t = (position - below)[..., None]
    shape = qs.shape + flat.shape
    in_order = np.zeros(shape)
    np.put_along_axis(in_order, below[..., None], 1.0 - t, axis=-1)
    upper = np.zeros(shape)
    np.put_along_axis(upper, above[..., None], t, axis=-1)
    in_order += upper
    order = np.broadcast_to(np.argsort(flat, axis=-1, kind="stable"), shape)
    weights = np.empty(shape)
    np.put_along_axis(weights, order, in_order, axis=-1)
    return weights, qs.ndim


def quantile_tangent(dx, x, q, axis=None, keepdims=False, nan=False, scale=1.0):
    """The tangent of np.quantile(x, q * scale, axis, keepdims=keepdims) (nan: nanquantile)."""
    flat, kept, axes = _reduced_last(x, axis)
    weights, nq = _weights(flat, np.multiply(q, scale), nan)
    dflat = _reduced_last(np.broadcast_to(dx, np.shape(x)), axis)[0]
    out = np.sum(weights * np.where(np.isnan(flat), 0.0, dflat) if nan else weights * dflat,
                 axis=-1)
    if keepdims:
        shape = [1 if a in axes else n for a, n in enumerate(np.shape(x))]
        out = np.reshape(out, weights.shape[:nq] + tuple(shape))
    return out


def quantile_adjoint(g, x, q, axis=None, keepdims=False, nan=False, scale=1.0):
    """The adjoint of np.quantile(x, q * scale, axis, keepdims=keepdims): g * weight on each
    element the quantile interpolates between."""
    flat, kept, axes = _reduced_last(x, axis)
    weights, nq = _weights(flat, np.multiply(q, scale), nan)
    g = np.reshape(g, weights.shape[:-1] + (1,))
    spread = np.sum(g * weights, axis=tuple(range(nq))) if nq else g * weights
    shape = np.shape(x)
    moved = np.reshape(spread, [shape[a] for a in kept] + [shape[a] for a in axes])
    out = np.transpose(moved, np.argsort(kept + axes)) if axis is not None else moved
    return np.reshape(out, shape).astype(np.result_type(g, x, np.float32), copy=False)
