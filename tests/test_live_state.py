"""Python semantics for what a function reads besides its arguments (issue 16, items 2, 8, 12).

A derivative reads module globals, closure cells and object attributes when it runs, as the
function does; defaults are the function object's own; transforms of functions with defaults
take their extra arguments (tangents, cotangent, v) by keyword.
"""

import numpy as np
import pytest

import srcad

X = np.array([0.5, -1.25, 2.0])
DX = np.array([1.0, 0.25, -0.5])


# ----- item 12: jvp / vjp / hessian / hvp of a function with a default parameter -------------
def cubic(x, c=2.0):
    return np.sum(c * x ** 3)


def test_jvp_of_function_with_default():
    value, tangent = srcad.jvp(cubic)(X, dx=DX)
    assert np.isclose(value, cubic(X))
    assert np.isclose(tangent, np.sum(6.0 * X ** 2 * DX))
    value, tangent = srcad.jvp(cubic)(X, 3.0, dx=DX)
    assert np.isclose(tangent, np.sum(9.0 * X ** 2 * DX))


def test_vjp_of_function_with_default():
    value, grad = srcad.vjp(cubic)(X, cotangent=2.0)
    assert np.isclose(value, cubic(X))
    assert np.allclose(grad, 2.0 * srcad.numeric_grad(cubic, X))
    assert np.allclose(srcad.vjp(cubic)(X, 0.5, cotangent=1.0)[1], 1.5 * X ** 2)


def test_hessian_and_hvp_of_function_with_default():
    assert np.allclose(srcad.hessian(cubic)(X), np.diag(12.0 * X))
    assert np.allclose(srcad.hessian(cubic)(X, 1.0), np.diag(6.0 * X))
    assert np.allclose(srcad.hvp(cubic)(X, v=DX), 12.0 * X * DX)
    assert np.allclose(srcad.hvp(cubic)(X, 1.0, v=DX), 6.0 * X * DX)
    assert np.allclose(srcad.jacobian(cubic, mode="forward")(X), 6.0 * X ** 2)


def test_hvp_without_defaults_keeps_positional_v():
    def g(x, y):
        return np.sum(x ** 2 * y)
    assert np.allclose(srcad.hvp(g)(X, X, DX), 2.0 * X * DX)
