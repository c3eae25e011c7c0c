"""Generated adjoints as lean as hand-written ones, part 2 (issue 21), with unchanged numbers.

- Binary cross-entropy on a saturated logistic (p exactly 0 or 1): the loss is inf or nan, the
  reverse-mode gradient the finite limit y - p (docs/conventions.md), forward mode the
  expression as written.
"""

import warnings

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(212)


# ----- binary cross-entropy where the logistic saturates ------------------------------------
def bce(z, y):
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_saturated_bce_gradient_is_the_finite_limit():
    z = np.array([40.0, -800.0, 0.5, -2.0])
    y = np.array([0.0, 1.0, 1.0, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, g = srcad.value_and_grad(bce)(z, y)
        expected_value = bce(z, y)
    assert value == expected_value == np.inf         # the value is Python's
    p = 1 / (1 + np.exp(-np.clip(z, -700, 700)))
    np.testing.assert_allclose(g, (p - y) / z.size, rtol=1e-14)
    gy = srcad.grad(bce, wrt=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(gy(z, y), -z / z.size, rtol=1e-14)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_unsaturated_bce_in_both_modes(mode):
    z, y = RNG.standard_normal(5), np.array([0.0, 1.0, 1.0, 0.2, 0.0])
    assert srcad.check_grad(bce, z, y, wrt=(0, 1), mode=mode)


def test_saturated_bce_forward_mode_is_the_expression_as_written():
    z, y = np.array([40.0, 0.5]), np.array([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, tangent = srcad.jvp(bce)(z, y, np.array([0.0, 1.0]))
    assert value == np.inf and np.isnan(tangent)     # documented: no limit taken in jvp
