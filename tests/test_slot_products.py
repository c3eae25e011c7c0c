"""Adjoints added into a slot (`bw[f] += ...`) as a hand-written backward pass adds them:
the number times the window, broadcast by the in-place addition itself, with no array of the
slot's shape filled with the number first (srcad/ir/builder.py spread_into_slot); and index
tuples whose slices hold arithmetic written in each subscript (`x[n, :, i:i + k]`), not
built once with calls of `slice` (srcad/codegen/plan.py). Both modes against central
differences, windows that broadcast at the border included."""

import numpy as np
import pytest

import srcad


def conv(x, w, b):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
    out = np.zeros((N, F, H, W))
    for n in range(N):
        for f in range(F):
            for i in range(H):
                for j in range(W):
                    out[n, f, i, j] = np.sum(x_pad[n, :, i:i + HH, j:j + WW] * w[f]) + b[f]
    return np.sum(np.sin(out))


def border(x, w):
    """At i = 1 the window x[:, 1:3, ...] has one row: it broadcasts against w[i]'s two."""
    out = np.zeros((2, 3))
    for i in range(2):
        for j in range(3):
            out[i, j] = np.sum(x[:, i:i + 2, j:j + 2] * w[i])
    return np.sum(out * out)


def _r(*shape, seed=5, dtype=np.float64):
    return np.random.default_rng(seed + len(shape)).standard_normal(shape).astype(dtype)


CASES = {
    "conv": (conv, lambda: (_r(2, 2, 4, 4), _r(3, 2, 3, 3), _r(3)), (0, 1, 2)),
    "border": (border, lambda: (_r(3, 2, 4), _r(2, 3, 2, 2)), (0, 1)),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_of_windowed_products(name, mode):
    f, make, wrt = CASES[name]
    assert srcad.check_grad(f, *make(), wrt=wrt, mode=mode)


@pytest.mark.parametrize("name", CASES)
def test_no_spread_number_and_no_slice_calls_in_the_reverse_loop(name):
    f, make, wrt = CASES[name]
    text = str(srcad.source(srcad.grad(f, wrt=wrt), *make()))
    reverse = text[text.index("reversed("):]
    assert "broadcast_like(" not in reverse and "slice(" not in reverse
    assert "check_broadcast" not in reverse


def test_the_border_window_broadcasts_in_the_slot_addition():
    """The rows of w[1] both meet x's last row: its gradient is the sum over them."""
    x, w = CASES["border"][1]()
    gx, gw = srcad.grad(border, wrt=(0, 1))(x, w)
    ex, ew = srcad.numeric_grad(border, x, w, wrt=(0, 1))
    np.testing.assert_allclose(gw, ew, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gx, ex, rtol=1e-6, atol=1e-8)
    assert gw.shape == w.shape and gx.shape == x.shape


def test_float32_keeps_the_spread_number():
    """In float32 a NumPy 1 scalar would not promote the product as the spread array does:
    the rewrite is float64 only, and the gradient is as before."""
    x, w, b = (a.astype(np.float32) for a in CASES["conv"][1]())
    g = srcad.grad(conv, wrt=(0, 1, 2))
    text = str(srcad.source(g, x, w, b))
    assert "broadcast_like(" in text[text.index("reversed("):]
    assert all(a.dtype == np.float32 for a in g(x, w, b))


def stable_sigmoid(x):
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def float64_sigmoid(x):
    """z made with np.zeros: not the masked logistic (tests/test_masked_logistic.py), so its
    masked writes are differentiated one by one."""
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros(x.shape)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def gates(a, w):
    return np.sum(stable_sigmoid(a[:, :3] * w) * np.tanh(a[:, 3:]))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_through_masked_writes(mode):
    a = _r(4, 6)
    a[0, 0] = 0.0                                  # on the boundary of the masks
    assert srcad.check_grad(gates, a, _r(3), wrt=(0, 1), mode=mode)


def float64_gates(a, w):
    return np.sum(float64_sigmoid(a[:, :3] * w) * np.tanh(a[:, 3:]))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_through_masked_writes_one_by_one(mode):
    a = _r(4, 6)
    a[0, 0] = 0.0
    assert srcad.check_grad(float64_gates, a, _r(3), wrt=(0, 1), mode=mode)


def test_a_negated_slot_addition_is_a_subtraction():
    text = str(srcad.source(srcad.grad(float64_gates, wrt=(0, 1)), _r(4, 6), _r(3)))
    assert "+= -(" not in text and "[pos_mask] -= " in text


def test_masks_scatter_by_assignment_and_repeats_still_add():
    """A mask names each element once: its adjoint is assigned (np.add.at is ~10x slower);
    an integer array may repeat an element, and then its contributions add."""
    def picks(index):
        return srcad.runtime._is_basic_index(index, masks=True)

    mask = np.array([True, False, True])
    assert picks(mask) and picks((slice(None), mask)) and picks((mask, 0))
    assert not picks(np.array([0, 0])) and not picks((mask, np.array([1, 2])))
    x = np.zeros((3, 3))
    got = srcad.runtime.scatter_add(np.arange(6.0).reshape(2, 3), x, mask)
    np.testing.assert_array_equal(got, [[0, 1, 2], [0, 0, 0], [3, 4, 5]])
    got = srcad.runtime.scatter_add(np.ones(2), np.zeros(3), np.array([1, 1]))
    np.testing.assert_array_equal(got, [0, 2, 0])
