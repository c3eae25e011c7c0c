"""np.std where the values it combines are all equal (issue 16, item 6; FUZZ_FINDINGS F3).

There std is 0, or only the rounding error of their mean (np.std(np.full(3, 0.7)) is 1.1e-16),
and has a cone: its derivative is 0 by convention (docs/nondifferentiable.md), in reverse and
forward mode, for every axis, keepdims and ddof. Dividing by the rounding error gave +-1 per
slice (the F3 reproducer's gradient was 2.0, not 1.0), dividing by an exact 0 gave nan.
np.var is smooth there: its derivative is 0 up to rounding."""

import warnings

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(20)


def both_modes(f, x):
    """The gradient (reverse) and the jvp along each unit direction (forward), stacked."""
    g = srcad.grad(f)(x)
    basis = np.eye(np.size(x)).reshape((np.size(x),) + np.shape(x))
    forward = np.array([srcad.jvp(f)(x, e)[1] for e in basis]).reshape(np.shape(x))
    return g, forward


def test_the_f3_reproducer_has_gradient_one():
    def f(x):
        return np.std(np.broadcast_to(x, (3,))) + x
    for x in (0.7, 0.3, 0.1, 2.2):                      # std 1.1e-16, 0, 1.4e-17, 0
        assert srcad.grad(f)(x) == 1.0
        assert srcad.jvp(f)(x, 1.0)[1] == 1.0


# (function, the reduction's slices): rows 0 and 2 of X are constant, row 1 is not.
X = np.array([[0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7],
              [0.1, 0.5, -0.3, 0.2, 0.9, 0.4, 0.0],
              [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]])
CASES = [
    lambda x: np.sum(np.std(x, axis=1) * np.array([1.0, 2.0, 3.0])),
    lambda x: np.sum(np.std(x, axis=-1, ddof=1) * np.array([1.0, 2.0, 3.0])),
    lambda x: np.sum(np.std(x, axis=1, keepdims=True) * np.array([[1.0], [2.0], [3.0]])),
    lambda x: np.sum(x.std(axis=1, ddof=2, keepdims=True) ** 2 * 0.5),
    lambda x: np.sum(np.std(x.T, axis=0)),
    lambda x: np.sum(np.std(x[:, :, None] * np.ones(2), axis=(1, 2))),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_constant_slices_get_zero_the_others_their_derivative(case):
    f = CASES[case]
    g, forward = both_modes(f, X)
    np.testing.assert_array_equal(g[[0, 2]], 0.0)
    np.testing.assert_array_equal(forward[[0, 2]], 0.0)
    numeric = srcad.numeric_grad(f, X)                   # the varying row moves alone
    np.testing.assert_allclose(g[1], numeric[1], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(forward[1], numeric[1], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("ddof", [0, 1])
def test_std_of_everything_constant_is_zero_in_both_modes(ddof):
    for value in (0.7, 0.1, 0.0, -2.2):
        x = np.full((3, 7), value)
        g, forward = both_modes(lambda x: np.std(x, ddof=ddof) * 3.0, x)
        np.testing.assert_array_equal(g, 0.0)
        np.testing.assert_array_equal(forward, 0.0)


def test_float32_constant_slices():
    x = np.full((2, 5), 0.7, dtype=np.float32)
    g = srcad.grad(lambda x: np.sum(np.std(x, axis=1)))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, 0.0)
    np.testing.assert_array_equal(srcad.jvp(lambda x: np.sum(np.std(x, axis=1)))(x, x)[1], 0.0)


def test_a_tiny_but_real_spread_keeps_its_derivative():
    eps = np.finfo(float).eps
    x = np.array([1.0, 1.0 + 2 * eps])                     # std = eps: not all equal
    g, forward = both_modes(lambda x: np.std(x), x)
    np.testing.assert_allclose(g, [-0.5, 0.5])
    np.testing.assert_allclose(forward, [-0.5, 0.5])
    x = np.array([0.0, 1e-150, 0.0])                      # var 2e-301, not 0
    g, forward = both_modes(lambda x: np.std(x), x)
    expected = (x - x.mean()) / (3 * np.std(x))
    np.testing.assert_allclose(g, expected)
    np.testing.assert_allclose(forward, expected)


def test_var_of_constant_slices_is_zero_up_to_rounding():
    f = lambda x: np.sum(np.var(x, axis=1, ddof=1) * np.array([1.0, 2.0, 3.0]))  # noqa: E731
    g, forward = both_modes(f, X)
    np.testing.assert_allclose(g[[0, 2]], 0.0, atol=1e-14)
    np.testing.assert_allclose(forward[[0, 2]], 0.0, atol=1e-14)
    np.testing.assert_allclose(g[1], srcad.numeric_grad(f, X)[1], rtol=1e-6)


def test_second_derivative_where_values_differ_and_where_they_are_equal():
    x = RNG.standard_normal(4)
    h = srcad.hessian(lambda x: np.std(x))(x)
    for i in range(4):
        numeric = srcad.numeric_grad(lambda y, i=i: srcad.grad(lambda z: np.std(z))(y)[i], x)
        np.testing.assert_allclose(h[i], numeric, rtol=1e-5, atol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        np.testing.assert_array_equal(srcad.hessian(lambda x: np.std(x))(np.full(4, 0.7)), 0.0)
