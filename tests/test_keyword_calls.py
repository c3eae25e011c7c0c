"""Keyword arguments in calls of the user's helpers, bound as Python binds them (issue 19):
`**mapping` in a call (a dict literal, dict(...), a dict argument whose keys are known), a
helper taking `**kw` (a dict of what no parameter takes, read with kw.get / kw[...]), *args
beside keywords, keyword-only parameters whose defaults are the values Python evaluated when
the def ran. Each in both modes against finite differences."""

import numpy as np
import pytest

import srcad
from srcad.errors import SrcadError

RNG = np.random.default_rng(11)
X = RNG.normal(size=(5, 3))
W = RNG.normal(size=(3, 4)) * 0.5
B = RNG.normal(size=4) * 0.1
Y = RNG.normal(size=(5, 4))


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


# ----- a helper taking **kw ---------------------------------------------------------------
def dense(x, w, b, **options):
    pre = x @ w + b
    if options.get("activation", "linear") == "tanh":
        pre = np.tanh(pre)
    scale = options.get("scale", 1.0)
    return pre * scale


def two_layer_loss(w, b, x, y):
    h = dense(x, w, b, activation="tanh", scale=0.5)
    out = dense(h, np.ones((4, 4)) * 0.2, b)
    return np.mean((out - y) ** 2)


def test_helper_with_kwargs_dict():
    check_both_modes(two_layer_loss, W, B, X, Y, wrt=(0, 1))


def smoothed_l1(r, *, delta=1.0, **unused):
    quad = 0.5 * r ** 2 / delta
    return np.sum(np.where(np.abs(r) < delta, quad, np.abs(r) - 0.5 * delta))


def forwarding_loss(w, x, y):
    settings = {"delta": 0.7, "verbose": False}
    return smoothed_l1(x @ w - y, **settings)


def test_mapping_spliced_into_keyword_only_and_kwargs():
    check_both_modes(forwarding_loss, W, X, Y, wrt=0)


# ----- **mapping in a call ------------------------------------------------------------------
def penalty(w, *, power=2.0, weight=1e-2):
    return weight * np.sum(np.abs(w) ** power)


def regularised(w, x, y, reg):
    fit = np.sum((x @ w - y) ** 2)
    return fit + penalty(w, **reg) + penalty(w, **dict(power=3.0))


def test_mapping_from_an_argument_and_from_dict_call():
    reg = {"power": 2.0, "weight": 0.3}
    check_both_modes(regularised, W, X, Y, reg, wrt=0)
    assert np.allclose(srcad.grad(regularised)(W, X, Y, reg),
                       srcad.numeric_grad(regularised, W, X, Y, reg))


def scaled_by(x, **kw):
    return np.sum(np.sin(x) * kw["alpha"])


def active_keyword(x):
    return scaled_by(x, **{"alpha": x[0] ** 2})


def test_active_value_through_mapping():
    check_both_modes(active_keyword, np.array([0.4, -1.3, 0.9]))


def passes_on(x, **kw):
    return scaled_by(x * 2.0, **kw) + np.sum(x ** 2) * kw.get("beta", 0.0)


def passes_on_loss(x):
    return passes_on(x, alpha=1.5, beta=x[1])


def test_kwargs_forwarded_to_another_helper():
    check_both_modes(passes_on_loss, np.array([0.4, -1.3, 0.9]))


# ----- *args beside keywords ----------------------------------------------------------------
def product_sum(x, *factors, offset=0.0, **extra):
    out = x
    for factor in factors:
        out = out * factor
    return np.sum(out + offset) * extra.get("gain", 1.0)


def varargs_loss(x, w):
    return product_sum(x, w, np.cos(x), offset=0.1, gain=2.0) + product_sum(x, 3.0)


def test_varargs_with_keywords():
    v = np.array([0.2, 0.5, -0.8])
    check_both_modes(varargs_loss, v, v[::-1].copy(), wrt=(0, 1))


# ----- methods taking **kw -----------------------------------------------------------------
class Layer:
    def __init__(self, w):
        self.w = w

    def forward(self, x, **cfg):
        out = x @ self.w
        return np.maximum(out, 0.0) + cfg.get("leak", 0.0) * np.minimum(out, 0.0)


def method_loss(w, x):
    layer = Layer(w)
    cfg = {"leak": 0.2}
    return np.sum(layer.forward(x, **cfg) ** 2)


def test_method_with_kwargs():
    check_both_modes(method_loss, W, X, wrt=0)


# ----- defaults as Python reads them -----------------------------------------------------
EPS = 1e-3


def stable_norm(v, *, eps=EPS, ord_=2):
    return np.sum(np.abs(v) ** ord_ + eps) ** (1.0 / ord_)


def norm_loss(v):
    return stable_norm(v) + stable_norm(v, ord_=3)


def test_keyword_only_defaults_are_evaluated_when_the_def_ran(monkeypatch):
    v = np.array([0.3, -0.4, 1.2])
    check_both_modes(norm_loss, v)
    monkeypatch.setitem(globals(), "EPS", 10.0)      # the default stays 1e-3, as in Python
    expected = srcad.numeric_grad(norm_loss, v)
    assert np.allclose(srcad.grad(norm_loss)(v), expected, rtol=1e-6)
    assert abs(stable_norm(v) - (np.sum(v ** 2 + 1e-3)) ** 0.5) < 1e-12


# ----- refused honestly ---------------------------------------------------------------------
def dict_argument_loss(x, opts):
    return scaled_by(x, **opts)


def test_mapping_from_a_dict_argument_is_specialised_on_its_keys():
    x = np.array([0.4, -1.3, 0.9])
    check_both_modes(dict_argument_loss, x, {"alpha": 3.0})
    assert np.allclose(srcad.grad(dict_argument_loss)(x, {"alpha": -2.0}), -2.0 * np.cos(x))


def test_mapping_with_keys_that_are_not_strings_is_refused():
    def f(x):
        return scaled_by(x, **{1: 2.0})
    with pytest.raises(SrcadError, match=r"\*\*mapping"):
        srcad.grad(f)(np.ones(3))


def test_keyword_given_twice_is_refused():
    def f(x):
        return scaled_by(x, alpha=1.0, **{"alpha": 2.0})
    with pytest.raises(SrcadError, match="given twice"):
        srcad.grad(f)(np.ones(3))
