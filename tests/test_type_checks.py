"""isinstance(), type(), hasattr() and callable() in a differentiated function, answered as
Python answers them (srcad/lowering/types.py): known when transforming for objects made in the
function, objects and functions the derivative is specialised on, literals and most kinds;
checked when the derivative runs where the kinds leave it open (an int argument may be a
NumPy int). Each in both modes against finite differences."""

import numpy as np
import pytest

import srcad
from srcad.errors import SrcadError

RNG = np.random.default_rng(5)
X = RNG.normal(size=(4, 3))
W1 = RNG.normal(size=(3, 3)) * 0.6
W2 = RNG.normal(size=(3, 2)) * 0.6


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


class Module:
    def parameters(self):
        return []


class Affine(Module):
    def __init__(self, weight):
        self.weight = weight

    def __call__(self, inputs):
        return inputs @ self.weight


class Softsign(Module):
    def __call__(self, inputs):
        return inputs / (1.0 + np.abs(inputs))


class Scale:
    factor = 0.5

    def __call__(self, inputs):
        return inputs * self.factor


def stacked_loss(w1, w2, x, decay):
    """A network of modules; weight decay only on the layers that have weights."""
    net = [Affine(w1), Softsign(), Affine(w2), Scale()]
    h, penalty = x, 0.0
    for layer in net:
        h = layer(h)
        if isinstance(layer, Affine):
            penalty = penalty + decay * np.sum(layer.weight ** 2)
        if not isinstance(layer, Module):
            h = h + 0.1
    return np.mean(h ** 2) + penalty


def test_isinstance_of_objects_made_in_the_function():
    check_both_modes(stacked_loss, W1, W2, X, 0.01, wrt=(0, 1))


def with_hasattr(w1, w2, x):
    layers = [Affine(w1), Softsign(), Affine(w2)]
    h, norm = x, 0.0
    for layer in layers:
        h = layer(h)
        if hasattr(layer, "weight"):
            norm = norm + np.sum(np.abs(layer.weight))
        if hasattr(layer, "factor") or not callable(layer):
            h = h * 100.0
    return np.sum(np.tanh(h)) + norm


def test_hasattr_and_callable_of_objects_made_in_the_function():
    check_both_modes(with_hasattr, W1, W2, X, wrt=(0, 1))


def dispatch_on_type(w, x, act):
    pre = x @ w
    if type(act) is Softsign:
        out = act(pre) * 2.0
    elif isinstance(act, (Scale, Affine)):
        out = act(pre)
    else:
        out = np.tanh(pre)
    return np.sum(out ** 2)


@pytest.mark.parametrize("act", [Softsign(), Scale(), "tanh"], ids=["type is", "tuple",
                                                                    "other"])
def test_type_and_isinstance_of_an_argument(act):
    check_both_modes(dispatch_on_type, W1, X, act)
    expected = srcad.numeric_grad(dispatch_on_type, W1, X, act)
    assert np.allclose(srcad.grad(dispatch_on_type)(W1, X, act), expected, rtol=1e-6)


def regularised(w, x, reg):
    fit = np.sum((x @ w) ** 2)
    if isinstance(reg, dict):
        return fit + reg["l2"] * np.sum(w ** 2) + reg.get("l1", 0.0) * np.sum(np.abs(w))
    if isinstance(reg, (int, float)):
        return fit + reg * np.sum(w ** 2)
    return fit


@pytest.mark.parametrize("reg", [0.3, {"l2": 0.2, "l1": 0.05}, None],
                         ids=["float", "dict", "None"])
def test_a_setting_given_as_a_number_or_a_dict(reg):
    check_both_modes(regularised, W1, X, reg)


def repeated(w, x, times):
    h = x @ w
    if isinstance(times, int):        # a NumPy int is not a Python int: Python says False
        h = h * times
    total = np.sum(np.sin(h))
    if isinstance(total, np.ndarray):  # np.sum gives a NumPy scalar, not an array
        total = total * 10.0
    return total


@pytest.mark.parametrize("times", [3, np.int64(3)], ids=["int", "numpy int"])
def test_checked_when_the_derivative_runs_where_the_kinds_cannot_tell(times):
    check_both_modes(repeated, W1, X, times)
    expected = srcad.numeric_grad(repeated, W1, X, times)
    assert np.allclose(srcad.grad(repeated)(W1, X, times), expected, rtol=1e-6)
    assert "isinstance(times, int_classes)" in srcad.source(srcad.grad(repeated), W1, X,
                                                           times)


def test_type_of_a_value_of_open_class_is_refused_with_the_rewrite():
    def f(w, n):
        return np.sum(w) * (2.0 if type(n) is int else 1.0)
    with pytest.raises(SrcadError, match="isinstance"):
        srcad.grad(f)(W1, 3)
