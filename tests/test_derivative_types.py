"""The type, shape and dtype of what jacobian and hessian return (issue 16 item 16's rule,
DESIGN: "a gradient has the structure of its argument"): a block has the dtype of the argument
it differentiates with respect to, in both modes; a 0-d block has the argument's type (a float
for a float, a NumPy scalar for one, a 0-d array for a 0-d array), as grad's result does."""

import numpy as np
import pytest

import srcad

MODES = ["reverse", "forward"]


def sin2(x):
    return np.sin(x) * 2.0


def cube(x):
    return np.sum(x ** 3)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x, kind", [(0.7, float), (np.float64(0.7), np.float64),
                                     (np.float32(0.7), np.float32),
                                     (np.array(0.7), np.ndarray)])
def test_a_0d_block_has_the_argument_type(mode, x, kind):
    J = srcad.jacobian(sin2, mode=mode)(x)
    assert type(J) is kind and np.shape(J) == ()
    assert J == pytest.approx(2.0 * np.cos(0.7), rel=1e-6)
    g = srcad.grad(cube)(x)                       # the rule jacobian follows
    assert type(g) is kind


@pytest.mark.parametrize("x, kind", [(0.7, float), (np.float64(0.7), np.float64),
                                     (np.array(0.7), np.ndarray)])
def test_hessian_of_a_number_has_its_type(x, kind):
    H = srcad.hessian(cube)(x)
    assert type(H) is kind and np.shape(H) == ()
    assert H == pytest.approx(6 * 0.7)
    assert type(srcad.hessian(cube, preserve_result=True)(x)[1]) is kind


def test_grad_and_jvp_of_a_0d_array():
    x = np.array(0.7)
    g = srcad.grad(cube)(x)
    assert type(g) is np.ndarray and g.shape == () and g == pytest.approx(3 * 0.49)
    value, tangent = srcad.jvp(cube)(x, np.array(1.0))
    assert type(value) is type(cube(x)) and tangent == pytest.approx(3 * 0.49)
    _, tangent = srcad.jvp(lambda x: x * 2.0)(x, np.array(1.0))
    assert type(tangent) is type(x * 2.0) and tangent == 2.0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x_dtype, out_dtype", [(np.float64, np.float32), (np.float32, np.float64),
                                                (np.float32, np.float32)])
def test_jacobian_dtype_is_the_argument_dtype_in_both_modes(mode, x_dtype, out_dtype):
    x = np.array([0.3, 0.5, -0.2], dtype=x_dtype)
    f = lambda x: (np.sin(x) * 2.0).astype(out_dtype)  # noqa: E731
    J = srcad.jacobian(f, mode=mode)(x)
    assert J.dtype == x_dtype and J.shape == (3, 3)
    np.testing.assert_allclose(J, np.diag(2.0 * np.cos(x.astype(np.float64))), rtol=1e-6)


def test_hessian_dtype_float32():
    x = np.array([0.3, 0.5], dtype=np.float32)
    H = srcad.hessian(cube)(x)
    assert H.dtype == np.float32
    np.testing.assert_allclose(H, np.diag(6 * x), rtol=1e-6)
