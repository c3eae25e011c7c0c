"""A function passed as an argument, or chosen by a name: the derivative is specialised on
the callable (srcad/kinds.py `callable_key`) and on a string argument's value, so calling
again with another function or name specialises again and never reuses a stale derivative;
a module-level table of functions is guarded, so changing it later is seen (issue 19)."""

import gc
import warnings
import weakref
from functools import partial

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(7)
P = RNG.normal(size=3)
X = RNG.normal(size=(4, 3))


def check_both_modes(f, *args):
    srcad.check_grad(f, *args, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, rtol=1e-5, atol=1e-7, mode="forward")


def relu(z):
    return np.maximum(z, 0.0)


def leaky(z, slope=0.1):
    return np.where(z > 0, z, slope * z)


def make_scaled(c):
    def scaled(z):
        return np.tanh(c * z)
    return scaled


class Softplus:
    def __init__(self, beta):
        self.beta = beta

    def __call__(self, z):
        return np.log1p(np.exp(self.beta * z)) / self.beta

    def forward(self, z):
        return self(z) * 2.0


def loss(params, x, activation):
    return np.sum(activation(x @ params) ** 2)


CALLABLES = {"ufunc": np.tanh, "numpy function": np.sin, "user function": relu,
             "lambda": lambda z: z ** 3, "partial": partial(leaky, slope=0.3),
             "closure": make_scaled(2.0), "callable object": Softplus(1.5),
             "bound method": Softplus(0.5).forward}


@pytest.mark.parametrize("name", CALLABLES)
def test_a_function_passed_as_an_argument(name):
    check_both_modes(loss, P, X, CALLABLES[name])


def test_another_function_specialises_again_and_never_reuses_a_stale_one():
    g = srcad.grad(loss)
    for activation in [np.tanh, np.sin, relu, np.tanh, make_scaled(3.0), make_scaled(0.5)]:
        np.testing.assert_allclose(g(P, X, activation), srcad.numeric_grad(loss, P, X, activation),
                                   rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g(P, X, activation=np.sin),
                               srcad.numeric_grad(loss, P, X, np.sin), rtol=1e-6, atol=1e-8)


def test_a_lambda_written_again_at_each_step_reuses_its_derivative():
    g = srcad.grad(loss)
    before = len(g.__srcad__.cache)
    for _ in range(5):
        grads = g(P, X, lambda z: z ** 3)             # a new function object, the same code
    assert len(g.__srcad__.cache) == before + 1
    np.testing.assert_allclose(grads, srcad.numeric_grad(loss, P, X, lambda z: z ** 3),
                               rtol=1e-6)
    g(P, X, lambda z: z ** 2)                         # other code: another specialisation
    assert len(g.__srcad__.cache) == before + 2


def test_vjp_and_jvp_through_a_function_argument():
    value, grads = srcad.vjp(loss)(P, X, np.tanh, 1.0)
    numeric = srcad.numeric_grad(loss, P, X, np.tanh)
    np.testing.assert_allclose(grads, numeric, rtol=1e-6)
    value, tangent = srcad.jvp(loss)(P, X, relu, np.ones(3))
    assert value == pytest.approx(loss(P, X, relu))
    assert tangent == pytest.approx(np.sum(srcad.numeric_grad(loss, P, X, relu)), rel=1e-6)


def test_hessian_of_a_loss_taking_a_function():
    h = srcad.hessian(loss)(P, X, np.tanh)
    g, eps = srcad.grad(loss), 1e-6
    numeric = np.array([(g(P + eps * e, X, np.tanh) - g(P - eps * e, X, np.tanh)) / (2 * eps)
                        for e in np.eye(3)])
    np.testing.assert_allclose(h, numeric, rtol=1e-5, atol=1e-7)


ACTIVATIONS = {"relu": relu, "tanh": np.tanh, "softplus": Softplus(1.0)}


def by_name(params, x, name):
    return np.sum(ACTIVATIONS[name](x @ params) ** 2)


def by_getattr(params, x, name):
    return np.sum(getattr(np, name)(x @ params) ** 2)


def by_literal(params, x, kind):
    act = {"relu": relu, "tanh": np.tanh, "cube": lambda z: z ** 3}[kind]
    return np.sum(act(x @ params) ** 2)


@pytest.mark.parametrize("name", ["relu", "tanh", "softplus"])
def test_a_function_chosen_by_name_from_a_module_dict(name):
    check_both_modes(by_name, P, X, name)


@pytest.mark.parametrize("name", ["sin", "tanh", "exp"])
def test_a_function_chosen_by_getattr_on_a_module(name):
    check_both_modes(by_getattr, P, X, name)


@pytest.mark.parametrize("kind", ["relu", "tanh", "cube"])
def test_a_function_chosen_from_a_dict_literal(kind):
    check_both_modes(by_literal, P, X, kind)


def test_a_module_dict_changed_later_is_seen():
    g = srcad.grad(by_name)
    before = g(P, X, "tanh")
    np.testing.assert_allclose(before, srcad.numeric_grad(by_name, P, X, "tanh"), rtol=1e-6)
    ACTIVATIONS["tanh"] = np.sin                  # Python reads the dict at each call
    try:
        after = g(P, X, "tanh")
        np.testing.assert_allclose(after, srcad.numeric_grad(by_name, P, X, "tanh"),
                                   rtol=1e-6)
        assert not np.allclose(before, after)
    finally:
        ACTIVATIONS["tanh"] = np.tanh
    np.testing.assert_allclose(g(P, X, "tanh"), before)


def configured(params, x, config):
    h = x @ params
    for act in config["layers"]:
        h = act(h)
    return config["scale"] * np.sum(ACTIVATIONS[config["out"]](h) ** 2)


def test_functions_and_names_inside_a_config_argument():
    config = {"layers": [np.tanh, relu, make_scaled(0.7)], "scale": 0.5, "out": "softplus"}
    check_both_modes(configured, P, X, config)


def through_names(params, x, names):
    h = x @ params
    for name in names:
        h = ACTIVATIONS[name](h)
    return np.sum(h ** 2)


def test_a_list_of_names_looped_over():
    check_both_modes(through_names, P, X, ["tanh", "relu", "softplus"])
    check_both_modes(through_names, P, X, ["relu"])


def by_computed_index(params, x):
    act = [np.tanh, relu][int(np.sum(x) > 0)]
    return np.sum(act(x @ params))


def test_a_function_chosen_by_a_computed_value_is_called_at_run_time():
    # its derivative is asked for when it runs (srcad/lowering/runtime_calls.py)
    check_both_modes(by_computed_index, P, X)
    check_both_modes(by_computed_index, P, -X)


def test_a_new_closure_at_each_call_is_bounded_and_warned_about():
    """A closure made anew at every call is a new specialisation each time: the gradient is
    right for each, srcad warns once at the calling line, and at most 64 stay compiled (the
    others, and the closures they hold, are freed): no leak in a training loop."""
    def loss(w, act):
        return np.sum(act(w))

    g = srcad.grad(loss)
    refs = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(80):
            def act(z, k=k):
                return np.tanh(z) * k
            refs.append(weakref.ref(act))
            np.testing.assert_allclose(g(P, act), k * (1 - np.tanh(P) ** 2))
            del act
    gc.collect()
    assert sum(r() is not None for r in refs) <= 64
    messages = [w for w in caught if "compiled anew" in str(w.message)]
    assert len(messages) == 1 and messages[0].filename == __file__
