"""value_and_grad computes a recognised loss's value once, from what its forward sweep holds
(issue 21).

Binary cross-entropy on a logistic becomes one primitive in reverse mode (its adjoint is
`y - p`); the forward sweep of value_and_grad then computes its value with the operations the
function wrote, reading the `p` the adjoint reads too: no call recomputing the logistic, one
`np.exp` in all. The value is the float plain Python computes, bit for bit.

Each program is checked against central differences in reverse mode (value_and_grad, grad)
and forward mode (jvp through srcad.check_grad), and its generated source for what it must
not do.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2107)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def bce(w, b, X, y):
    p = sigmoid(X @ w + b)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def bce_plus_penalty(w, X, y):
    """The loss's pieces in the other order, and p read again after it."""
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.sum(np.log(1 - p) * (1 - y) + np.log(p) * y) + 0.5 * np.sum(p * p)


def bce_per_step(w, X, y):
    """The loss inside a loop: its value is computed per step, in the loop."""
    total = 0.0
    for k in range(2):
        p = sigmoid(X @ (w * (k + 1.0)))
        total = total - np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
    return total


def _args(dtype=np.float64):
    X = RNG.standard_normal((5, 3)).astype(dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.4], dtype=dtype)
    return (0.5 * RNG.standard_normal(3)).astype(dtype), X, y


def _code(g, *args):
    return [line for line in srcad.source(g, *args).splitlines()
            if not line.strip().startswith("#")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_is_computed_once_from_the_forward_sweep(dtype):
    w, X, y = _args(dtype)
    b = 0.2
    vg = srcad.value_and_grad(bce, wrt=(0, 1))
    value, _ = vg(w, b, X, y)
    assert value == bce(w, b, X, y) and type(value) is type(bce(w, b, X, y))
    code = "\n".join(_code(vg, w, b, X, y))
    assert "logistic_bce" not in code                  # no call recomputing the loss
    assert code.count("np.exp") == 1                   # the logistic, once
    assert code.count("np.log(") == 2                  # the value's two logs, as written
    assert "(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)).mean()" in code


@pytest.mark.parametrize("f, wrt", [(bce_plus_penalty, (0, 2)), (bce_per_step, (0, 2))])
def test_other_spellings_compute_the_value_once_too(f, wrt):
    w, X, y = _args()
    vg = srcad.value_and_grad(f, wrt=wrt)
    value, grads = vg(w, X, y)
    assert value == f(w, X, y)
    code = "\n".join(_code(vg, w, X, y))
    assert "logistic_bce" not in code
    forward = code.split("reversed(")[0]         # the forward sweep (loop) computes p once
    assert forward.count("np.exp") == 1 and forward.count("np.log(") == 2
    for got, want in zip(grads, srcad.numeric_grad(f, w, X, y, wrt=wrt)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_value_and_grad_matches_finite_differences():
    w, X, y = _args()
    value, (gw, gb, gy) = srcad.value_and_grad(bce, wrt=(0, 1, 3))(w, 0.2, X, y)
    assert value == bce(w, 0.2, X, y)
    for got, want in zip((gw, gb, gy), srcad.numeric_grad(bce, w, 0.2, X, y, wrt=(0, 1, 3))):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_both_modes_match_finite_differences(mode):
    w, X, y = _args()
    assert srcad.check_grad(bce, w, 0.2, X, y, wrt=(0, 1, 3), mode=mode)
    assert srcad.check_grad(bce_plus_penalty, w, X, y, wrt=(0, 2), mode=mode)
    assert srcad.check_grad(bce_per_step, w, X, y, wrt=(0, 2), mode=mode)


def two_losses(w, X, y):
    """bce (two statements) called twice: called by name, through its fwd/bwd halves."""
    return bce(w, 0.1, X, y) + bce(2.0 * w, 0.2, X, y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_helper_called_by_name_computes_its_value_as_written(mode):
    w, X, y = _args()
    vg = srcad.value_and_grad(two_losses)
    value, gw = vg(w, X, y)
    assert value == two_losses(w, X, y)
    np.testing.assert_allclose(gw, srcad.numeric_grad(two_losses, w, X, y), rtol=1e-6)
    helpers = srcad.source(vg, w, X, y).split("def fwd_bce")[1].split("def bwd_bce")[0]
    assert "logistic_bce" not in helpers and helpers.count("np.exp") == 1
    assert "y * np.log(p) + (1.0 - y) * np.log(1.0 - p)" in helpers
    assert srcad.check_grad(two_losses, w, X, y, mode=mode)
