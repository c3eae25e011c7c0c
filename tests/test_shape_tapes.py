"""Values a loop's reverse sweep reads only for their shape (issue 21, the naive convolution):
the tape records none of them, and an array the forward sweep fills that the gradient reads
only for its shape is not filled. Gradients unchanged (finite differences, both modes), and a
broadcasting error the skipped computation would have raised is still raised.
"""

import re

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2122)


def conv(x, w, b):
    N, H, W = x.shape[0], x.shape[1] - 2, x.shape[2] - 2
    out = np.zeros((N, H, W))
    for n in range(N):
        for i in range(H):
            for j in range(W):
                out[n, i, j] = np.sum(x[n, i:i + 3, j:j + 3] * w) + b
    return np.sum(out * 2.0)


def scaled_windows(x, w):
    total = 0.0
    for i in range(x.shape[0] - 1):
        total = total + np.sum(x[i:i + 2] * w) * x[i]
    return total


def _args():
    return RNG.standard_normal((2, 5, 6)), RNG.standard_normal((3, 3)), 0.3


def test_conv_forward_fills_nothing_and_tapes_nothing():
    g = srcad.grad(conv, wrt=(0, 1, 2))
    g(*_args())
    code = [line for line in srcad.source(g).splitlines() if not line.strip().startswith("#")]
    assert not any("tape" in line for line in code)
    assert not any("np.sum(x[" in line for line in code)          # out's values: not computed
    assert not any(re.search(r"\bout\[.*\] =", line) for line in code)  # (bout[...]: the adjoint)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_conv_gradient(mode):
    assert srcad.check_grad(conv, *_args(), wrt=(0, 1, 2), mode=mode)


def test_conv_gradient_is_the_hand_written_one():
    x, w, b = _args()
    gx, gw, gb = srcad.grad(conv, wrt=(0, 1, 2))(x, w, b)
    hx, hw = np.zeros_like(x), np.zeros_like(w)
    for n in range(2):
        for i in range(3):
            for j in range(4):
                hw += 2.0 * x[n, i:i + 3, j:j + 3]
                hx[n, i:i + 3, j:j + 3] += 2.0 * w
    np.testing.assert_allclose(gx, hx, rtol=1e-14)
    np.testing.assert_allclose(gw, hw, rtol=1e-14)
    assert gb == 2.0 * 2 * 3 * 4


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_value_read_for_its_shape_is_not_taped(mode):
    x, w = RNG.standard_normal(6), RNG.standard_normal(2)
    assert srcad.check_grad(scaled_windows, x, w, wrt=(0, 1), mode=mode)
    g = srcad.grad(scaled_windows, wrt=(0, 1))
    g(x, w)
    pushes = [line for line in srcad.source(g).splitlines() if ".append(" in line]
    assert len(pushes) == 1 and pushes[0].count(",") == 2, pushes   # not np.sum(...) * x[i]:
                                                                  # np.sum(...) has its shape


def test_a_broadcasting_error_in_the_skipped_forward_is_raised():
    x, _, b = _args()
    w = RNG.standard_normal((2, 2))                     # a 3x3 window times a 2x2 filter
    with pytest.raises(ValueError) as python:
        conv(x, w, b)
    with pytest.raises(ValueError) as derivative:
        srcad.grad(conv, wrt=(0, 1, 2))(x, w, b)
    assert "broadcast" in str(python.value) and "broadcast" in str(derivative.value)


@pytest.mark.parametrize("value", [0.5, np.float64(0.5)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble, np.int64,
                                   np.complex64])
def test_a_number_spread_to_an_array_has_numpys_dtype(value, dtype):
    """broadcast_like(g, x), the adjoint of a sum, spreads g as `g * ones_like(x)` would."""
    target = np.ones((2, 3), dtype)
    spread = srcad.runtime.broadcast_like(value, target)
    assert spread.dtype == np.result_type(value, target) and spread.shape == (2, 3)
    assert np.all(spread == value) and not spread.flags.writeable


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_float32_sum_in_a_loop(mode):
    def windows(x):
        total = np.float32(0.0)
        for i in range(3):
            total = total + np.sum(np.sin(x[i:i + 2]))
        return total
    x = RNG.standard_normal(5).astype(np.float32)
    assert srcad.check_grad(windows, x, mode=mode, rtol=1e-3, atol=1e-4)
    g = srcad.grad(windows)(x)
    assert g.dtype == np.float32
    expected = np.zeros(5, np.float32)
    for i in range(3):
        expected[i:i + 2] += np.cos(x[i:i + 2])
    np.testing.assert_allclose(g, expected, rtol=1e-6)
