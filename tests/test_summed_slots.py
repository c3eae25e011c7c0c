"""An element added into a slot at every iteration of a reverse loop nest is one sum after
the nest (srcad/optimize/summed_slots.py): `bb[f] += bout[r, f, s]` becomes
`add_summed(bb, bout, (R, F, S), (1,))`, as a hand-written backward pass sums `dout`."""

import numpy as np
import pytest

import srcad
from srcad.runtime import add_summed


def biased(xp, w, b, dout):
    rows, length = xp.shape
    filters, width = w.shape
    out = np.zeros((rows, filters, length - 2))
    for r in range(rows):
        for f in range(filters):
            for s in range(length - 2):
                out[r, f, s] = np.sum(xp[r, s:s + width] * w[f]) + b[f]
    return np.sum(out * dout)


def offsets(x, w, c, dout):
    """A 2-d offset c[a, s] under a loop over filters: its slot keeps axes 0 and 2."""
    out = np.zeros((x.shape[0], w.shape[0], x.shape[1]))
    for a in range(x.shape[0]):
        for f in range(w.shape[0]):
            for s in range(x.shape[1]):
                out[a, f, s] = x[a, s] * w[f] + c[a, s]
    return np.sum(out * dout)


def from_one(x, b, dout):
    """A loop from 1: not a full range, left as it is."""
    out = np.zeros((x.shape[0], b.shape[0]))
    for t in range(1, x.shape[0]):
        for f in range(b.shape[0]):
            out[t, f] = x[t] * b[f] + b[f]
    return np.sum(out * dout)


def triangle(x, b, dout):
    """An inner range up to the outer counter: not every pair of counters, left as it is."""
    out = np.zeros((x.shape[0], x.shape[0]))
    for t in range(x.shape[0]):
        for s in range(t):
            out[t, s] = x[t] * x[s] + b[t]
    return np.sum(out * dout)


def biased_hand(xp, w, b, dout):
    return np.sum(dout, axis=(0, 2))


def _args(seed=4):
    g = np.random.default_rng(seed)
    return (g.standard_normal((2, 7)), g.standard_normal((3, 3)), g.standard_normal(3),
            g.standard_normal((2, 3, 5)))


def test_the_bias_adjoint_is_one_sum_after_the_loops():
    grad = srcad.grad(biased, wrt=(0, 1, 2))
    args = _args()
    got = grad(*args)
    text = str(srcad.source(grad))
    assert "bb_1 = add_summed(bb, bout, (rows, filters, v1), (1,))" in text, text
    assert "bb[f_1] +=" not in text
    np.testing.assert_allclose(got[2], biased_hand(*args), rtol=1e-13, atol=1e-13)
    again = grad(*args)
    for a, b in zip(got, again):
        np.testing.assert_array_equal(a, b)
    srcad.check_grad(biased, *args, wrt=(0, 1, 2))


def test_value_and_grad_keeps_the_value_python_computes():
    args = _args(5)
    value, grads = srcad.value_and_grad(biased, wrt=(0, 1, 2))(*args)
    assert value == biased(*args)
    np.testing.assert_allclose(grads[2], biased_hand(*args), rtol=1e-13, atol=1e-13)


def test_forward_mode_equals_finite_differences():
    args = _args(6)
    db = np.random.default_rng(7).standard_normal(3)
    value, tangent = srcad.jvp(biased, wrt=(2,))(*args, db)
    h = 1e-6
    numeric = (biased(args[0], args[1], args[2] + h * db, args[3]) -
               biased(args[0], args[1], args[2] - h * db, args[3])) / (2 * h)
    assert tangent == pytest.approx(numeric, rel=1e-6)
    assert tangent == pytest.approx(np.sum(biased_hand(*args) * db), rel=1e-12)


def test_a_slot_of_two_counters_keeps_their_axes():
    g = np.random.default_rng(8)
    x, w, c = g.standard_normal((3, 4)), g.standard_normal(2), g.standard_normal((3, 4))
    dout = g.standard_normal((3, 2, 4))
    grad = srcad.grad(offsets, wrt=(2,))
    assert "add_summed(" in str(srcad.source(grad, x, w, c, dout))
    np.testing.assert_allclose(grad(x, w, c, dout)[0], dout.sum(axis=1), rtol=1e-13)
    srcad.check_grad(offsets, x, w, c, dout, wrt=(0, 1, 2))
    dc = g.standard_normal((3, 4))
    _, tangent = srcad.jvp(offsets, wrt=(2,))(x, w, c, dout, dc)
    assert tangent == pytest.approx(np.sum(dout.sum(axis=1) * dc), rel=1e-12)


def test_a_loop_not_from_zero_is_left_as_it_is():
    g = np.random.default_rng(9)
    x, b, dout = g.standard_normal(4), g.standard_normal(3), g.standard_normal((4, 3))
    grad = srcad.grad(from_one, wrt=(0, 1))
    assert "add_summed(" not in str(srcad.source(grad, x, b, dout))
    srcad.check_grad(from_one, x, b, dout, wrt=(0, 1))
    _, tangent = srcad.jvp(from_one, wrt=(1,))(x, b, dout, np.ones(3))
    assert tangent == pytest.approx(np.sum(dout[1:] * (x[1:, None] + 1)), rel=1e-12)


def test_an_inner_range_up_to_the_outer_counter_is_left_as_it_is():
    g = np.random.default_rng(11)
    x, b, dout = g.standard_normal(4), g.standard_normal(4), g.standard_normal((4, 4))
    grad = srcad.grad(triangle, wrt=(0, 1))
    got = grad(x, b, dout)
    np.testing.assert_allclose(got[1], np.tril(dout, -1).sum(axis=1), rtol=1e-13, atol=1e-15)
    srcad.check_grad(triangle, x, b, dout, wrt=(0, 1))
    _, tangent = srcad.jvp(triangle, wrt=(1,))(x, b, dout, np.ones(4))
    assert tangent == pytest.approx(np.tril(dout, -1).sum(), rel=1e-12)


def test_the_helper_adds_as_the_loop_does_and_raises_where_it_would():
    g = np.random.default_rng(10)
    acc, source = g.standard_normal((3, 5)), g.standard_normal((4, 3, 6, 5))
    looped = acc.copy()
    for i in range(2):
        for f in range(3):
            for j in range(4):
                for k in range(5):
                    looped[f, k] += source[i, f, j, k]
    got = add_summed(acc, source, (2, 3, 4, 5), (1, 3))
    np.testing.assert_allclose(got, looped, rtol=1e-13)
    assert got is not acc and not np.shares_memory(got, acc)
    np.testing.assert_array_equal(add_summed(acc, source, (0, 3, 4, 5), (1, 3)), acc)
    with pytest.raises(IndexError):
        add_summed(acc, source, (5, 3, 4, 5), (1, 3))
    with pytest.raises(IndexError):
        add_summed(np.zeros((2, 5)), source, (2, 3, 4, 5), (1, 3))
