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


# ----- item 8: defaults are the function object's own ------------------------------------------
SCALE = 2.0


def scaled(x, c=SCALE):
    return c * np.sin(x)


SCALE = 5.0          # rebinding after the def does not change the default (Python's rule)
CALLS = []


def counted():
    CALLS.append(1)
    return 3.0


def with_side_effect(x, c=counted()):
    return c * x ** 2


LAMBDAS = [lambda x, k=k: k * np.cos(x) for k in (1.0, 2.0, 3.0)]


def uses_helper_defaults(x):
    return np.sum(scaled(x) + scaled(x, 1.0) + with_side_effect(x) + with_side_effect(2.0 * x))


def uses_lambda_defaults(x):
    return np.sum(LAMBDAS[0](x) + LAMBDAS[2](x) * x)


def uses_local_lambda_defaults(x):
    fs = [lambda y, k=k: k * np.cos(y) for k in (1.0, 2.0, 3.0)]
    k = 10.0
    def inner(y, *, s=k):
        return s * y
    return np.sum(fs[0](x) + fs[2](x) * x + inner(x) + inner(x, s=0.5))


@pytest.mark.parametrize("f", [uses_helper_defaults, uses_lambda_defaults,
                               uses_local_lambda_defaults])
def test_defaults_evaluated_once_by_python(f):
    calls = len(CALLS)
    assert srcad.check_grad(f, X)
    assert np.allclose(srcad.grad(f)(X), srcad.numeric_grad(f, X))
    value, tangent = srcad.jvp(f)(X, DX)
    assert np.isclose(value, f(X))
    assert np.isclose(tangent, srcad.numeric_grad(f, X) @ DX)
    assert len(CALLS) == calls                      # counted() ran once, at the def


def test_default_values_are_the_objects_own():
    expected = 2.0 * np.cos(X) + 1.0 * np.cos(X) + 6.0 * X + 24.0 * X
    assert np.allclose(srcad.grad(uses_helper_defaults)(X), expected)
