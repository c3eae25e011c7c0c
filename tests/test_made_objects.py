"""Objects the function makes from the user's classes, from differentiated values too
(srcad/lowering/objects.py): followed while transforming, never a silent zero gradient; used as
a value, refused at the line (issue 19)."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(5)
X = RNG.normal(size=(4, 3))
W = RNG.normal(size=(3, 3)) * 0.5
B = RNG.normal(size=3) * 0.1


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


class Gaussian:
    def __init__(self, mean, std):
        self.mean = mean
        self.std = std

    def log_prob(self, x):
        z = (x - self.mean) / self.std
        return -0.5 * z ** 2 - np.log(self.std)


def likelihood_object(w, x, y):
    return -np.sum(Gaussian(x @ w, 0.5).log_prob(y))


def test_an_object_made_from_differentiated_values():
    check_both_modes(likelihood_object, RNG.normal(size=3), X, RNG.normal(size=4))


class Linear:
    def __init__(self, W, b, activation=None):
        self.W = W
        self.b = b
        self.activation = activation

    def __call__(self, x):
        z = x @ self.W + self.b
        return z if self.activation is None else self.activation(z)


class Chain:
    scale = 0.5                      # a class attribute

    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.scale * x


def chain_from_params(W1, b1, W2, x):
    model = Chain([Linear(W1, b1, np.tanh), Linear(W2, 0.0)])
    return np.sum(model.forward(x) ** 2)


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_a_container_of_layers_made_from_the_parameters(wrt):
    check_both_modes(chain_from_params, W, B, W.T, X, wrt=wrt)


def layers_in_a_comprehension(params, x):
    layers = [Linear(Wk, bk) for Wk, bk in params]
    for layer in layers[:-1]:
        x = np.tanh(layer(x))
    return np.sum(layers[-1](x) ** 2)


def test_layers_made_in_a_comprehension_and_sliced():
    check_both_modes(layers_in_a_comprehension, [(W, B), (W.T, B), (W, B)], X)


def weighted(w, x):
    total = 0.0
    for weight, model in ENSEMBLE:
        total = total + weight * model(x @ w)
    return np.sum(total)


ENSEMBLE = [(0.3, np.tanh), (0.7, np.sin)]


def test_a_global_list_of_number_object_pairs_is_unrolled_and_guarded():
    w = RNG.normal(size=3)
    check_both_modes(weighted, w, X)
    g = srcad.grad(weighted)
    ENSEMBLE[1] = (0.7, np.cos)
    try:
        np.testing.assert_allclose(g(w, X), srcad.numeric_grad(weighted, w, X), rtol=1e-6)
    finally:
        ENSEMBLE[1] = (0.7, np.sin)


def returns_the_object(w):
    return Gaussian(w, 1.0)


def test_an_object_used_as_a_value_is_refused_at_the_line():
    with pytest.raises(srcad.SrcadError, match="object made in the function as a value") \
            as err:
        srcad.jvp(returns_the_object)(np.ones(2), np.ones(2))
    assert err.value.line == returns_the_object.__code__.co_firstlineno   # its def: the result


class Accumulator:
    def __init__(self):
        self.total = 0.0


def sets_inside_a_loop(w):
    acc = Accumulator()
    for k in range(3):
        acc.total = acc.total + w[k]
    return acc.total


def test_an_attribute_set_in_a_loop_begun_after_the_object_is_refused():
    with pytest.raises(srcad.SrcadError, match="keep the value in a variable"):
        srcad.grad(sets_inside_a_loop)(np.ones(3))
