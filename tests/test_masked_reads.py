"""A read through an array index (a boolean mask, integers) is NumPy's advanced indexing: a
new array, never a view. The in-place planner knows it (analysis/inplace.py), so the
adjoint of the stable sigmoid's masked writes reads `g[mask]` before `g[mask] = 0.0` without
a defensive copy (issue 21, the LSTM). A basic-index read stays a view and is still copied.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2127)


def stable_sigmoid(x):
    pos = x >= 0
    neg = x < 0
    z = np.zeros_like(x)
    z[pos] = np.exp(-x[pos])
    z[neg] = np.exp(x[neg])
    top = np.ones_like(x)
    top[neg] = z[neg]
    return top / (1 + z)


def gates(a):
    return np.sum(stable_sigmoid(a[:, :2]) * stable_sigmoid(a[:, 2:]) ** 2)


def picked(x, idx):
    y = x * 3.0
    out = y[idx] * 2.0
    y[idx] = 0.0
    return np.sum(out) + np.sum(y * y)


def sliced(x):
    y = x * 3.0
    out = y[1:] * 2.0
    y[1:] = 0.0
    return np.sum(out) + np.sum(y * y)


def _code(g):
    return [line for line in srcad.source(g).splitlines() if not line.strip().startswith("#")]


def test_masked_read_before_a_masked_write_is_not_copied():
    a = RNG.standard_normal((4, 4))
    g = srcad.grad(gates)
    g(a)
    assert not any("np.copy(" in line and "[neg]" in line for line in _code(g))
    x = np.concatenate([a[:, :2], a[:, 2:]], axis=1)
    s1, s2 = 1 / (1 + np.exp(-x[:, :2])), 1 / (1 + np.exp(-x[:, 2:]))
    expected = np.concatenate([s1 * (1 - s1) * s2 ** 2, s1 * 2 * s2 * s2 * (1 - s2)], axis=1)
    np.testing.assert_allclose(g(a), expected, rtol=1e-13)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients(mode):
    a = RNG.standard_normal((4, 4))
    a[0, 0] = 0.0                                     # on the mask's boundary
    assert srcad.check_grad(gates, a, mode=mode)
    x = RNG.standard_normal(6)
    assert srcad.check_grad(picked, x, np.array([4, 0, 2]), mode=mode)
    assert srcad.check_grad(picked, x, x > 0, mode=mode)
    assert srcad.check_grad(sliced, x, mode=mode)


def test_integer_and_mask_reads_match_python():
    x = RNG.standard_normal(6)
    for idx in (np.array([4, 0, 2]), x > 0):
        g = srcad.grad(picked)(x, idx)
        expected = 18.0 * x
        expected[idx] = 6.0
        np.testing.assert_allclose(g, expected, rtol=1e-14)
    g = srcad.grad(sliced)(x)
    np.testing.assert_allclose(g, np.r_[18.0 * x[0], np.full(5, 6.0)], rtol=1e-14)
