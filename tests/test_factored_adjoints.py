"""Two contributions to one adjoint sharing a factor are summed inside it
(transforms/reverse/factoring.py): `bx * (b + a * cos(x))`, not `bx * b + bx * a * cos(x)`.
Values against finite differences and plain Python, dtypes kept, and the factor read
elsewhere still right."""

import numpy as np
import pytest

import srcad


def recurrence(x0, a, b):
    x = x0
    for _ in range(30):
        x = a * np.sin(x) + b * x
    return x


def arrays(x, a, b):
    return np.sum(a * np.sin(x) + b * x)


def shared_factor_read_twice(x, y):
    s = np.sin(x * y)
    return s * y + s * x + x * y


def broadcast_factor(x, w):
    h = w * np.tanh(x) + x * 2.0
    return np.sum(h * h)


def test_recurrence_factored_and_right():
    g = srcad.grad(recurrence, argnums=(0, 1, 2))
    assert srcad.check_grad(recurrence, 0.5, 0.9, 0.3, wrt=(0, 1, 2), rtol=1e-5)
    assert "bx = bx * (b + a * cos(x_1))" in srcad.source(g, 0.5, 0.9, 0.3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_arrays_keep_values_shapes_and_dtypes(dtype):
    rng = np.random.default_rng(3)
    x, a = rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=(3,)).astype(dtype)
    b = dtype(0.7)
    gx, ga = srcad.grad(arrays, argnums=(0, 1))(x, a, b)
    assert gx.dtype == dtype and ga.dtype == dtype and gx.shape == x.shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(gx, a * np.cos(x) + b, rtol=tol, atol=tol)
    np.testing.assert_allclose(ga, np.sum(np.sin(x), axis=0), rtol=tol, atol=tol)


@pytest.mark.parametrize("f, args", [(shared_factor_read_twice, (0.4, -1.2)),
                                     (broadcast_factor, (np.linspace(-1, 1, 6).reshape(2, 3),
                                                         np.array([0.5, -0.2, 1.5])))])
def test_both_modes_match_finite_differences(f, args):
    assert srcad.check_grad(f, *args, wrt=(0, 1), rtol=1e-5)
    assert srcad.check_grad(f, *args, wrt=(0, 1), rtol=1e-5, mode="forward")


def masked_twice(x, w):
    h = np.tanh(x @ w)
    return np.sum(h * (x > 0) + h * (x > -1.0))      # overlapping masks: 2 where both hold


def test_masks_are_not_added_as_booleans():
    x = np.array([[0.5, -1.5], [2.0, -0.3]])
    w = np.array([[1.0, -2.0], [0.5, 0.25]])
    assert srcad.check_grad(masked_twice, x, w, wrt=(0, 1), rtol=1e-5)
    gx, gw = srcad.grad(masked_twice, argnums=(0, 1))(x, w)
    t = np.tanh(x @ w)
    bh = ((x > 0) * 1.0 + (x > -1.0)) * (1.0 - t * t)
    np.testing.assert_allclose(gw, x.T @ bh)
