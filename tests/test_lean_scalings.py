"""Two spellings of issue 21 (gradient time of the small MLPs, T2/T2x): the adjoint of a mean
of squares, `2 * e / n`, is one pass over `e`, `e / (n / 2)`, with the same values to the last
bit (2 * e and n / 2 round nothing); and a sum of a NumPy array is written as its method,
`v.sum(axis=0)`, as a hand-written gradient spells it. Numbers against finite differences
and the dtype of float32 results, in both modes; the source pinned.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2110)


def mse(W, b, x, y):
    h = np.tanh(x @ W + b)
    return np.mean((h - y) ** 2)


def scaled_mse(W, b, x, y):
    return np.mean(3.0 * (x @ W + b - y) ** 2)       # 6 e / n: not a power of two


def halves(x):
    return np.sum(np.sin(x) ** 2) / 7


def args(dtype=np.float64, n=12):
    return (RNG.standard_normal((3, 2)).astype(dtype), RNG.standard_normal(2).astype(dtype),
            RNG.standard_normal((n, 3)).astype(dtype), RNG.standard_normal((n, 2)).astype(dtype))


@pytest.mark.parametrize("f", [mse, scaled_mse])
def test_gradient_matches_finite_differences_both_modes(f):
    a = args()
    srcad.check_grad(f, *a, wrt=(0, 1))
    srcad.check_grad(f, *a, wrt=(0, 1), mode="forward")


def test_mean_of_squares_adjoint_is_one_pass_with_the_same_values():
    a = args()
    g = srcad.grad(mse, wrt=(0, 1))
    text = srcad.source(g, *a)
    assert "bh /= y.size / 2" in text and "2 * " not in text, text
    assert "b = " in text and ".sum(axis=0)" in text and "np.sum(" not in text, text
    W, b, x, y = a
    h = np.tanh(x @ W + b)
    e = 2 * (h - y) / y.size * (1.0 - h * h)              # the two-pass spelling
    np.testing.assert_array_equal(g(*a)[1], e.sum(axis=0))


def test_other_factors_stay_as_written():
    a = args()
    text = srcad.source(srcad.grad(scaled_mse, wrt=(0, 1)), *a)
    assert "y.size / 2" not in text and "y.size / 6" not in text, text


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32(dtype):
    a = args(dtype)
    grads = srcad.grad(mse, wrt=(0, 1))(*a)
    assert [g.dtype for g in grads] == [np.dtype(dtype)] * 2
    reference = srcad.grad(mse, wrt=(0, 1))(*(v.astype(np.float64) for v in a))
    for g, r in zip(grads, reference):
        np.testing.assert_allclose(g, r, rtol=1e-4 if dtype == np.float32 else 1e-12)
    _, tangent = srcad.jvp(mse, wrt=0)(*a, np.ones_like(a[0]))
    assert np.asarray(tangent).dtype == np.dtype(dtype)


def test_sum_method_on_a_numpy_scalar_and_a_matrix_argument():
    """`.sum` where the operand may be a NumPy scalar or an ndarray subclass: np.sum calls
    the method there too."""
    x = np.float64(0.3)
    assert srcad.grad(halves)(x) == pytest.approx(2 * np.sin(x) * np.cos(x) / 7)
    m = np.arange(1.0, 7.0).reshape(2, 3)
    srcad.check_grad(halves, m)
    srcad.check_grad(halves, m, mode="forward")
