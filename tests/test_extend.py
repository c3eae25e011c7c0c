"""Custom primitives (srcad.extend.defprimitive) and stop_gradient."""

import math

import numpy as np
import pytest
from test_forward import forward_check
from test_rules_table import check_sample

import srcad
from srcad.extend import defprimitive, op, ops
from srcad.rules import FUNCTIONS, RULES
from srcad.rules.core import reduce_to
from srcad.rules.elementwise import expand_to


def log1pexp(x):
    """log(1 + exp(x)) without overflow."""
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def scaled_erf(x, scale=2.0):
    return scale * np.vectorize(math.erf)(x)


def _unregister(*fns):
    for fn in fns:
        name = FUNCTIONS.pop(fn, None)
        RULES.pop(name, None)


@pytest.fixture
def custom():
    """log1pexp and sigmoid as primitives; log1pexp's rules call the sigmoid primitive."""
    sig = op(defprimitive(sigmoid, jvp=lambda dx, ans, x: dx * ans * (1.0 - ans),
                          vjp=lambda g, ans, x: g * ans * (1.0 - ans),
                          elementwise=True, samples=[(0.3,), (np.array([-2.0, 0.5]),)]))
    defprimitive(log1pexp, jvp=lambda dx, ans, x: dx * sig(x),
                 vjp=lambda g, ans, x: g * sig(x), elementwise=True,
                 samples=[(0.3,), (np.array([-2.0, 0.5, 3.0]),)])
    yield
    _unregister(log1pexp, sigmoid)


def softplus_loss(w, x):
    return np.sum(log1pexp(x @ w))


def test_custom_rule_gradients(custom):
    x = np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 1.1]])
    w = np.array([0.4, -0.2])
    srcad.check_grad(softplus_loss, w, x)
    tangent = srcad.jvp(softplus_loss)(w, x, np.array([1.0, 0.0]))[1]
    assert tangent == pytest.approx(srcad.grad(softplus_loss)(w, x)[0], rel=1e-12)
    source = srcad.source(srcad.grad(softplus_loss))
    assert "log1pexp(" in source and "sigmoid(" in source


def test_custom_rule_is_numerically_stable(custom):
    """At x = 1000 the naive log(1 + exp(x)) overflows; the primitive and its rule do not."""
    value, g = srcad.value_and_grad(softplus_loss)(np.array([1000.0]), np.array([[1.0]]))
    assert value == pytest.approx(1000.0) and g[0] == pytest.approx(1.0)


def test_second_order_through_custom_rules(custom):
    """The rules emit primitives (sigmoid) that have rules: Hessians work."""
    x = np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 1.1]])
    w = np.array([0.4, -0.2])
    H = srcad.hessian(softplus_loss)(w, x)
    s = sigmoid(x @ w)
    np.testing.assert_allclose(H, (x.T * (s * (1 - s))) @ x, rtol=1e-12)


def test_custom_rules_pass_the_table_sweeps(custom):
    for name in ("log1pexp", "sigmoid"):
        for sample in RULES[name].samples:
            check_sample(name, sample)
            forward_check(name, sample)


def test_a_function_srcad_cannot_read():
    """np.vectorize(math.erf) has no source: refused, then usable with a rule."""
    def loss(x):
        return np.sum(scaled_erf(x) * x)
    x = np.array([0.2, -0.4])
    with pytest.raises(srcad.SrcadError):
        srcad.grad(loss)(x)
    defprimitive(scaled_erf,
                 jvp=(lambda dx, ans, x, scale: dx * scale * 2.0 / math.sqrt(math.pi)
                      * ops.exp(-x * x),
                      lambda dscale, ans, x, scale: expand_to(dscale / scale, ans) * ans),
                 vjp=(lambda g, ans, x, scale: g * scale * 2.0 / math.sqrt(math.pi)
                      * ops.exp(-x * x),
                      lambda g, ans, x, scale: reduce_to(g * ans / scale, scale)),
                 elementwise=True, samples=[(np.array([0.3, -0.8]), 2.0)])
    try:
        srcad.check_grad(loss, x)
        srcad.check_grad(loss, x, mode="forward", jvp_fn=srcad.jvp(loss))
        check_sample("scaled_erf", (np.array([0.3, -0.8]), 2.0))
    finally:
        _unregister(scaled_erf)


def test_missing_tangent_rule_is_refused_in_forward_mode():
    def cube(x):
        return x ** 3
    defprimitive(cube, vjp=lambda g, ans, x: 3.0 * g * x * x)

    def f(x):
        return cube(x) + x
    try:
        assert srcad.grad(f)(2.0) == pytest.approx(13.0)
        with pytest.raises(srcad.NonDifferentiableError, match="cube.*forward mode"):
            srcad.jvp(f)(2.0, 1.0)
    finally:
        _unregister(cube)


def test_defprimitive_argument_errors():
    def two(x, y):
        return x * y
    with pytest.raises(ValueError, match="one rule per parameter"):
        defprimitive(two, jvp=lambda dx, ans, x, y: dx)
    with pytest.raises(ValueError, match="name 'sin' is taken by a built-in"):
        defprimitive(two, name="sin")
    with pytest.raises(TypeError, match="ZERO or None"):
        defprimitive(two, jvp=("zero-ish", None))

    def star(*xs):
        return xs
    with pytest.raises(TypeError, match="positional parameters only"):
        defprimitive(star)
    assert "two" not in RULES


def stopped(x):
    return x * srcad.stop_gradient(x) + srcad.stop_gradient(np.sin(x))


def test_redefinition_replaces_a_custom_primitive():
    """Running a cell again defines a new function object under the same name."""
    def twice(x):
        return 2.0 * x
    first = twice
    defprimitive(first, jvp=lambda dx, ans, x: 2.0 * dx, vjp=lambda g, ans, x: 2.0 * g)

    def twice(x):
        return 3.0 * x
    defprimitive(twice, jvp=lambda dx, ans, x: 3.0 * dx, vjp=lambda g, ans, x: 3.0 * g)
    try:
        assert RULES["twice"].impl is twice and first not in FUNCTIONS
    finally:
        _unregister(twice)


def test_stop_gradient():
    """d/dx [x * stop(x) + stop(sin x)] = stop(x) = x, in both modes; the derivative of
    that is d stop(x)/dx = 0 (as jax.grad of jax.grad gives)."""
    assert srcad.grad(stopped)(0.7) == pytest.approx(0.7)
    assert srcad.jvp(stopped)(0.7, 1.0)[1] == pytest.approx(0.7)
    assert srcad.grad(srcad.grad(stopped))(0.7) == 0.0
    H = srcad.hessian(lambda x: np.sum(x * srcad.stop_gradient(x)))(np.array([0.7, 0.2]))
    assert np.array_equal(H, np.zeros((2, 2)))
    assert srcad.stop_gradient(3.0) == 3.0
