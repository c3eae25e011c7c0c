"""JAX's calling conventions (issue 19): argnums=, has_aux=True, jacfwd / jacrev, TypeError
for a bad argnums and for grad of a non-scalar output, and srcad.grad(f) re-created in a
training loop reusing the compiled derivative."""

import gc

import numpy as np
import pytest

import srcad
from srcad import api

rng = np.random.default_rng(1)
W = rng.standard_normal((3, 2))
X = rng.standard_normal((4, 3))


def loss(W, x, scale=1.0):
    return scale * np.sum(np.tanh(x @ W) ** 2)


def loss_with_aux(W, x):
    h = np.tanh(x @ W)
    return np.sum(h ** 2), {"h": h, "count": h.size}


@pytest.mark.parametrize("argnums, wrt", [(1, 1), ((0, 1), (0, 1)), ([0, 1], (0, 1)),
                                          (-3, 0)])
def test_argnums_is_wrt(argnums, wrt):
    by_argnums = srcad.grad(loss, argnums=argnums)(W, X, 2.0)
    by_wrt = srcad.grad(loss, wrt=wrt)(W, X, 2.0)
    if isinstance(wrt, tuple):
        assert type(by_argnums) is tuple and len(by_argnums) == len(wrt)
        for a, b in zip(by_argnums, by_wrt):
            np.testing.assert_allclose(a, b)
    else:
        np.testing.assert_allclose(by_argnums, by_wrt)
    assert srcad.check_grad(loss, W, X, 2.0, wrt=wrt)


def test_argnums_in_both_modes_against_finite_differences():
    value, (gW, gx) = srcad.value_and_grad(loss, argnums=[0, 1])(W, X)
    numeric = srcad.numeric_grad(loss, W, X, wrt=(0, 1))
    np.testing.assert_allclose(gW, numeric[0], rtol=1e-6)
    np.testing.assert_allclose(gx, numeric[1], rtol=1e-6)
    dW, dx = rng.standard_normal(W.shape), rng.standard_normal(X.shape)
    value, tangent = srcad.jvp(loss, argnums=(0, 1))(W, X, dW=dW, dx=dx)
    assert tangent == pytest.approx(np.sum(numeric[0] * dW) + np.sum(numeric[1] * dx))
    value, grads = srcad.vjp(lambda W, x: np.tanh(x @ W), argnums=0)(W, X, np.ones((4, 2)))
    np.testing.assert_allclose(grads, srcad.numeric_grad(
        lambda W: np.sum(np.tanh(X @ W)), W), rtol=1e-6)


@pytest.mark.parametrize("argnums", ["W", 1.0, (0, "x"), True, 3, (0, 5), ()])
def test_bad_argnums_is_a_type_error(argnums):
    with pytest.raises(TypeError, match="argnums"):
        srcad.grad(loss, argnums=argnums)


def test_wrt_and_argnums_together_is_a_type_error():
    with pytest.raises(TypeError, match="not both"):
        srcad.grad(loss, wrt=1, argnums=0)


def test_argnums_decorator_form():
    @srcad.grad(argnums=1)
    def f(a, b):
        return a * b ** 2

    assert f(3.0, 2.0) == pytest.approx(12.0)


def test_has_aux_grad_and_value_and_grad():
    g, aux = srcad.grad(loss_with_aux, has_aux=True)(W, X)
    np.testing.assert_allclose(g, srcad.numeric_grad(lambda W: loss_with_aux(W, X)[0], W),
                               rtol=1e-6)
    np.testing.assert_allclose(aux["h"], np.tanh(X @ W))
    assert aux["count"] == 8
    (value, aux), g2 = srcad.value_and_grad(loss_with_aux, has_aux=True)(W, X)
    assert value == pytest.approx(loss_with_aux(W, X)[0])
    np.testing.assert_allclose(g2, g)
    np.testing.assert_allclose(aux["h"], np.tanh(X @ W))


def test_has_aux_with_a_tuple_of_gradients_and_jvp_of_the_value():
    (gW, gx), aux = srcad.grad(loss_with_aux, argnums=(0, 1), has_aux=True)(W, X)
    numeric = srcad.numeric_grad(lambda W, x: loss_with_aux(W, x)[0], W, X, wrt=(0, 1))
    np.testing.assert_allclose(gW, numeric[0], rtol=1e-6)
    np.testing.assert_allclose(gx, numeric[1], rtol=1e-6)
    assert set(aux) == {"h", "count"}


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match="has_aux=True.*pair"):
        srcad.grad(lambda w: np.sum(w ** 2), has_aux=True)(W)


@pytest.mark.parametrize("name, mode", [("jacfwd", "forward"), ("jacrev", "reverse")])
def test_jacfwd_and_jacrev_are_jacobian(name, mode):
    def f(W, x):
        return np.tanh(x @ W).ravel()

    alias = getattr(srcad, name)
    for argnums in (0, (0, 1)):
        got = alias(f, argnums=argnums)(W, X)
        want = srcad.jacobian(f, argnums, mode)(W, X)
        for a, b in zip(np.atleast_1d(got) if argnums == 0 else got,
                        np.atleast_1d(want) if argnums == 0 else want):
            np.testing.assert_allclose(a, b)
    numeric = np.stack([srcad.numeric_grad(lambda W, k=k: f(W, X)[k], W)
                        for k in range(8)])
    np.testing.assert_allclose(alias(f)(W, X), numeric, rtol=1e-6, atol=1e-9)


def test_grad_of_a_non_scalar_output_is_a_type_error():
    with pytest.raises(TypeError, match="must return a scalar"):
        srcad.grad(lambda x: x * 2.0)(np.ones(3))
    with pytest.raises(ValueError):                 # as srcad raised before
        srcad.grad(lambda x: x * 2.0)(np.ones(3))


def test_a_size_one_array_output_is_refused_as_in_jax():
    with pytest.raises(TypeError, match=r"one element is refused too.*out\[0\]"):
        srcad.grad(lambda w: X[:1] @ w[:, 0] + 0.0)(W)


def test_grad_recreated_in_a_loop_transforms_once(monkeypatch):
    calls = []
    generate = api.Transform.generate

    def counting(self, arg_kinds):
        calls.append(arg_kinds)
        return generate(self, arg_kinds)

    monkeypatch.setattr(api.Transform, "generate", counting)

    def step_loss(W, x):
        return np.sum(np.sin(x @ W) ** 2)

    params = W.copy()
    for _ in range(5):
        params = params - 0.1 * srcad.grad(step_loss)(params, X)
        gc.collect()                        # the wrapper of the last step is garbage now
    assert len(calls) == 1
    gc.disable()            # a lambda lives until the collector finds its cycle: keep it
    try:
        for _ in range(3):                  # a lambda re-created with the same closure
            srcad.grad(lambda W: step_loss(W, X))(params)
    finally:
        gc.enable()
    assert len(calls) == 2
    srcad.grad(step_loss, wrt=1)(params, X)      # other options: another derivative
    assert len(calls) == 3


def test_recreated_grad_sees_new_defaults():
    def make(scale):
        return lambda x, s=scale: s * x ** 2       # one code, no closure: defaults differ

    assert srcad.grad(make(1.0))(3.0) == pytest.approx(6.0)
    assert srcad.grad(make(2.0))(3.0) == pytest.approx(12.0)


def test_methods_of_two_instances_are_two_derivatives():
    """A bound method forwards __code__ and __globals__ to its function: the instance is part
    of what decides the derivative."""
    class Model:
        def __init__(self, scale):
            self.scale = scale

        def loss(self, x):
            return self.scale * np.sum(x ** 2)

    first, second = Model(1.0), Model(3.0)
    np.testing.assert_allclose(srcad.grad(first.loss)(W), 2.0 * W)
    np.testing.assert_allclose(srcad.grad(second.loss)(W), 6.0 * W)
    assert srcad.grad(first.loss) is srcad.grad(first.loss)
    assert "__srcad_transforms__" not in vars(first)
