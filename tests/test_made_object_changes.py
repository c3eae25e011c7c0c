"""Objects made in the function that change what they hold: a method called as a statement
(`self.build(W)`), `self.items.append(v)` and `self.params[k] = v` on an object made here,
`super().__init__()` and `super().forward(x)`, and attribute chains (`net.first.W`).

Before the fix a method call or `.append` as a statement ran as written on a copy of the
object, so the value and the gradient silently missed what it added (the sum of the appended
arrays came out 0, its gradient 0); `self.params[k] = v` and `super()` were refused.
"""

import numpy as np
import pytest

import srcad


class Holder:
    def __init__(self, W):
        self.params = {}
        self.build(W)

    def build(self, W):
        self.params["W"] = W


class Accumulator:
    def __init__(self):
        self.items = []

    def add(self, v):
        self.items.append(v)
        return v


class Base:
    def __init__(self, W):
        self.weights = {}
        self.weights["W"] = W

    def forward(self, x):
        return x @ self.weights["W"]


class Squashed(Base):
    def __init__(self, W, scale):
        super().__init__(W)
        self.scale = scale

    def forward(self, x):
        return np.tanh(self.scale * super().forward(x))


class Stack:
    def __init__(self, W1, W2):
        self.layers = []
        self.first = self.register(Squashed(W1, 0.5))
        self.second = self.register(Base(W2))

    def register(self, layer):
        self.layers.append(layer)
        return layer

    def __call__(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x


GLOBAL_MODEL = Squashed(np.array([[0.3, -0.2], [0.1, 0.4]]), 2.0)


def dict_filled_by_a_method(W):
    holder = Holder(W)
    return np.sum(holder.params["W"] ** 3)


def appended_in_a_method(x):
    acc = Accumulator()
    acc.add(x * 2.0)
    acc.add(np.sin(x))
    return sum(np.sum(v ** 2) for v in acc.items)


def appended_at_top_level(x):
    acc = Accumulator()
    acc.items.append(np.exp(x))
    acc.items.extend([x ** 2, x])
    return sum(np.sum(v) for v in acc.items)


def super_and_registered_layers(W1, W2, x):
    net = Stack(W1, W2)
    out = net(x)
    return np.sum(out ** 2) + np.sum(net.first.weights["W"]) + len(net.layers)


def super_on_a_global_object(x):
    return np.sum(GLOBAL_MODEL.forward(x) ** 2)


def _r(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = {
    "dict_filled_by_a_method": (dict_filled_by_a_method, lambda: (_r(1, 2, 3),), 0,
                                lambda W: 3 * W ** 2),
    "appended_in_a_method": (appended_in_a_method, lambda: (_r(2, 4),), 0,
                             lambda x: 8 * x + 2 * np.sin(x) * np.cos(x)),
    "appended_at_top_level": (appended_at_top_level, lambda: (_r(3, 4),), 0,
                              lambda x: np.exp(x) + 2 * x + 1),
    "super_and_registered_layers": (super_and_registered_layers,
                                    lambda: (_r(4, 3, 4), _r(5, 4, 2), _r(6, 5, 3)), (0, 1, 2),
                                    None),
    "super_on_a_global_object": (super_on_a_global_object, lambda: (_r(7, 3, 2),), 0, None),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_finite_differences(name, mode):
    f, build, wrt, _ = CASES[name]
    srcad.check_grad(f, *build(), wrt=wrt, mode=mode, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_value_and_hand_derived_gradient(name):
    f, build, wrt, hand = CASES[name]
    value, grads = srcad.value_and_grad(f, wrt=wrt)(*build())
    assert value == f(*build())
    if hand is not None:
        np.testing.assert_allclose(grads, hand(*build()), rtol=1e-12)
        tangent = srcad.jvp(f, wrt=wrt)(*build(), np.ones_like(build()[0]))[1]
        np.testing.assert_allclose(tangent, np.sum(hand(*build())), rtol=1e-12)


def test_a_change_inside_a_branch_is_refused():
    def f(x):
        acc = Accumulator()
        if x[0] > 0:
            acc.items.append(x)
        return np.sum(acc.items[0])

    with pytest.raises(srcad.SrcadError, match="inside a branch or loop"):
        srcad.grad(f)(np.ones(2))
