"""A loop of broadcasting checks runs once per shapes (srcad/optimize/checked_shapes.py).

The programs slide a window over a padded signal, the naive convolution's pattern: the
gradient reads the filled buffer only for its shape, so the forward sweep keeps only NumPy's
broadcasting check of each window against its filter. That loop now runs the first time a
set of shapes and ints is met and is skipped at later calls with the same ones; a call that
raises remembers nothing.
"""

import numpy as np
import pytest

import srcad
from srcad.runtime import shapes_checked, shapes_unchecked


def sliding(xp, w, dout):
    rows, length = xp.shape
    filters, width = w.shape
    out = np.zeros((rows, filters, length - 2))
    for r in range(rows):
        for f in range(filters):
            for s in range(length - 2):
                out[r, f, s] = np.sum(xp[r, s:s + width] * w[f])
    return np.sum(out * dout)


def sliding_by(xp, w, dout, reach):
    """The window's width comes from an int array's element, read before the loops."""
    rows, length = xp.shape
    span = reach[0]
    out = np.zeros((rows, w.shape[0], length - 2))
    for r in range(rows):
        for f in range(w.shape[0]):
            for s in range(length - 2):
                out[r, f, s] = np.sum(xp[r, s:s + span] * w[f])
    return np.sum(out * dout)


def sliding_hand(xp, w, dout):
    """The gradient written out: each window's product, summed back."""
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for r in range(xp.shape[0]):
        for f in range(w.shape[0]):
            for s in range(xp.shape[1] - 2):
                dw[f] += dout[r, f, s] * xp[r, s:s + w.shape[1]]
                dxp[r, s:s + w.shape[1]] += dout[r, f, s] * w[f]
    return dxp, dw


def _data(length=7, width=3, seed=3):
    g = np.random.default_rng(seed)
    return (g.standard_normal((2, length)), g.standard_normal((3, width)),
            g.standard_normal((2, 3, length - 2)))


def test_the_generated_loop_of_checks_runs_once_per_key():
    grad = srcad.grad(sliding, wrt=(0, 1))
    grad(*_data())
    text = str(srcad.source(grad))
    assert "if shapes_unchecked(checked_shapes, shapes):" in text
    assert text.count("check_broadcast(xp[r, s:s + width], w[f])") == 1


@pytest.mark.parametrize("calls", [1, 3])
def test_gradient_equals_hand_written_and_finite_differences(calls):
    grad = srcad.grad(sliding, wrt=(0, 1))
    for length in (7, 9, 7):                 # new keys and a key met before
        args = _data(length)
        for _ in range(calls):
            got = grad(*args)
        for mine, hand in zip(got, sliding_hand(*args)):
            np.testing.assert_allclose(mine, hand, rtol=1e-12, atol=1e-12)
        srcad.check_grad(sliding, *args, wrt=(0, 1))


def test_forward_mode_equals_finite_differences():
    args = _data()
    g = np.random.default_rng(5)
    dxp, dw = g.standard_normal(args[0].shape), g.standard_normal(args[1].shape)
    jvp = srcad.jvp(sliding, wrt=(0, 1))
    for _ in range(2):
        value, tangent = jvp(*args, dxp, dw)
    h = 1e-6
    numeric = (sliding(args[0] + h * dxp, args[1] + h * dw, args[2]) -
               sliding(args[0] - h * dxp, args[1] - h * dw, args[2])) / (2 * h)
    assert value == pytest.approx(sliding(*args), rel=1e-12)
    assert tangent == pytest.approx(numeric, rel=1e-6)


def _python_error(f, *args):
    with pytest.raises(ValueError) as python:
        f(*args)
    return python.value


def test_shapes_that_do_not_broadcast_raise_at_every_call():
    """A filter of width 4 against windows cut to 3 at the border: Python raises there, and
    so does the gradient, the first time and again (a call that raised remembered nothing),
    also after a call with shapes that passed."""
    grad = srcad.grad(sliding, wrt=(0, 1))
    xp, _, dout = _data()
    wide = np.ones((3, 4))
    _python_error(sliding, xp, wide, dout)
    for good_first in (False, True, False):
        if good_first:
            grad(*_data())
        with pytest.raises(ValueError, match="broadcast"):
            grad(xp, wide, dout)


def test_an_int_read_out_of_an_array_is_part_of_the_key():
    """The same shapes, another width: the key holds the int, so the check runs again and
    raises as Python does."""
    grad = srcad.grad(sliding_by, wrt=(0, 1))
    xp, w, dout = _data()
    grad(xp, w, dout, np.array([3]))
    srcad.check_grad(sliding_by, xp, w, dout, np.array([3]), wrt=(0, 1))
    _python_error(sliding_by, xp, w, dout, np.array([4]))
    with pytest.raises(ValueError):
        grad(xp, w, dout, np.array([4]))


def test_the_memo_forgets_past_32_keys():
    memo = {}
    for k in range(40):
        assert shapes_unchecked(memo, ((k,), k))
        shapes_checked(memo, ((k,), k))
        assert not shapes_unchecked(memo, ((k,), k))
    assert len(memo) <= 32


def test_numba_backend_always_checks():
    pytest.importorskip("numba")
    args = _data()
    grad = srcad.grad(sliding, wrt=(0, 1), backend="numba")
    for _ in range(2):
        for mine, hand in zip(grad(*args), sliding_hand(*args)):
            np.testing.assert_allclose(mine, hand, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError):
        grad(args[0], np.ones((3, 4)), args[2])


def sliding_past(xp, w, dout, extra):
    """Rows counted past the array's: Python raises an IndexError at the first one."""
    rows, length = xp.shape
    out = np.zeros((rows + extra, w.shape[0], length - 2))
    for r in range(rows + extra):
        for f in range(w.shape[0]):
            for s in range(length - 2):
                out[r, f, s] = np.sum(xp[r, s:s + w.shape[1]] * w[f])
    return np.sum(out * dout)


def test_a_counter_that_only_indexes_runs_at_its_first_and_first_out_of_bounds_count():
    grad = srcad.grad(sliding, wrt=(0, 1))
    grad(*_data())
    text = str(srcad.source(grad))
    assert "for r in range(0, sampled_stop(rows, xp.shape[0]), sampled_step(xp.shape[0])):" \
        in text, text
    assert "for s in range(v1):" in text            # a counter in a slice runs in full


@pytest.mark.parametrize("extra", [0, 1, 3])
def test_counting_past_an_axis_raises_the_index_error_python_raises(extra):
    xp, w, _ = _data()
    dout = np.ones((xp.shape[0] + extra, 3, xp.shape[1] - 2))
    grad = srcad.grad(sliding_past, wrt=(0, 1))
    if not extra:
        srcad.check_grad(sliding_past, xp, w, dout, 0, wrt=(0, 1))
        for mine, hand in zip(grad(xp, w, dout, 0), sliding_hand(xp, w, dout)):
            np.testing.assert_allclose(mine, hand, rtol=1e-12, atol=1e-12)
        return
    with pytest.raises(IndexError) as python:
        sliding_past(xp, w, dout, extra)
    for _ in range(2):
        with pytest.raises(IndexError) as raised:
            grad(xp, w, dout, extra)
        assert str(raised.value) == str(python.value)
