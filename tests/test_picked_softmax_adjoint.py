"""log_softmax's adjoint for a loss that picks its entries (issue 21, C5: `-np.sum(log_probs[
np.arange(N), y]) / N`): no dense array of the pick's adjoint.

The pick's adjoint would be zeros with -1/N at the labels, read twice by log_softmax's adjoint
(`exp(ans) * -np.sum(g, axis) + g`). Its sum along the axis is -1/N assigned into the reduced
shape, and -1/N is added at the labels into the result being built, as a hand-written backward
pass does (`dx[np.arange(N), y] -= 1`). The numbers are the same bit for bit; where two picks
could fall on one position of the sum (the np.arange part on the summed axis), that is checked
when the adjoint runs, and the dense array is made.
"""

import numpy as np
import pytest

import srcad
from srcad.rules.losses import log_softmax, log_softmax_picked_adjoint
from srcad.rules.core import distinct_scatter

RNG = np.random.default_rng(2185)


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    n = x.shape[0]
    return -np.sum(log_probs[np.arange(n), y]) / n


def hand(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    dx = np.exp(log_probs)
    dx[np.arange(x.shape[0]), y] -= 1
    dx /= x.shape[0]
    return dx


def test_the_gradient_is_the_hand_written_one_without_a_dense_pick_adjoint():
    x, y = 3 * RNG.standard_normal((9, 5)), RNG.integers(0, 5, 9)
    g = srcad.grad(softmax_loss)
    got = g(x, y)
    np.testing.assert_allclose(got, hand(x, y), rtol=1e-14, atol=1e-16)
    text = srcad.source(g)
    assert "log_softmax_picked_adjoint(" in text and "distinct=True" in text
    assert "distinct_scatter" not in text
    assert not np.shares_memory(got, x) and got.flags.writeable
    assert srcad.check_grad(softmax_loss, x, y)
    assert srcad.check_grad(softmax_loss, x, y, mode="forward")


def test_repeated_labels_and_a_float32_batch():
    x, y = (3 * RNG.standard_normal((6, 4))).astype(np.float32), np.array([1, 1, 1, 0, 3, 1])
    got = srcad.grad(softmax_loss)(x, y)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, hand(x, y), rtol=1e-5, atol=1e-7)


def _dense(v, ans, index, axis):
    g = distinct_scatter(v, ans, index)
    return np.exp(ans) * -np.sum(g, axis=axis, keepdims=True) + g


@pytest.mark.parametrize("axis, index, distinct", [
    (1, (np.arange(4), np.array([2, 0, 2, 1])), True),
    (-1, (np.arange(4), np.array([2, 0, 2, 1])), False),
    (0, (np.arange(3), np.array([1, 1, 1])), False),       # the arange part on the sum
    (0, (np.array([0, 2, 1]), np.arange(3)), True),
    (1, (np.arange(2), np.array([1, 0])), True),           # fewer picks than rows
])
def test_the_runtime_adjoint_equals_the_dense_formula(axis, index, distinct):
    ans = log_softmax(RNG.standard_normal((4, 3)), axis)
    for v in (np.array(-0.25), RNG.standard_normal(len(index[0]))):
        v = float(v) if v.ndim == 0 else v
        expected = _dense(v, ans, index, axis)
        got = log_softmax_picked_adjoint(v, ans, index, axis, distinct)
        assert np.array_equal(got, expected)


def test_a_pick_along_the_summed_axis_in_both_modes():
    """log_softmax over rows (axis 0), picked at (arange(n), labels): the np.arange part is on
    the summed axis, so picks may share a position of the sum; the values stay right."""
    def f(x, y):
        shifted = x - np.max(x, axis=0, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
        return -np.sum(log_probs[np.arange(3), y])

    x, y = RNG.standard_normal((3, 4)), np.array([1, 1, 2])
    g = srcad.grad(f)
    g(x, y)
    assert "distinct=True" not in srcad.source(g)
    assert srcad.check_grad(f, x, y)
    assert srcad.check_grad(f, x, y, mode="forward")


def test_second_derivative_through_the_picked_adjoint():
    """The Hessian-vector product differentiates the gradient's code, this adjoint included."""
    x, y = RNG.standard_normal((5, 4)), RNG.integers(0, 4, 5)
    v = RNG.standard_normal((5, 4))
    grad = srcad.grad(softmax_loss)
    hv = srcad.jvp(grad)(x, y, v)
    eps = 1e-6
    numeric = (grad(x + eps * v, y) - grad(x - eps * v, y)) / (2 * eps)
    np.testing.assert_allclose(hv[1] if isinstance(hv, tuple) else hv, numeric,
                               rtol=1e-5, atol=1e-8)
