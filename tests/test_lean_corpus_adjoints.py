"""Adjoints of the corpus's layers with no more full-size work than their hand-written backward
passes (issue 21: C4 batch norm, C5 softmax loss), numbers unchanged: checked against finite
differences in both modes, and the generated source pinned.

- The adjoint of `x / y` in a y that was broadcast sums `g * ans` back to y's shape before it
  divides by y (y is the same along the summed axes): one full-size product, not a full-size
  `ans / y` and a product.
- `np.var`'s adjoint scales g by `2 / (n - ddof)` before spreading it over x's shape (and
  `np.std`'s by `1 / ((n - ddof) std)`), not the full-size product after.
- A sign stays on the smaller operand of a product (`np.exp(ans) * -s`), so the log-softmax
  adjoint is `np.exp(ans) * -s + g`: g added into the product's own temporary, not
  `g - np.exp(ans) * s`, one more array.
"""

import re

import numpy as np
import pytest

import srcad
from srcad import kinds as K

RNG = np.random.default_rng(2106)


def batchnorm(x, gamma, beta, dout):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(var + 1e-5)
    return np.sum((gamma * x_hat + beta) * dout)


def scaled_rows(x, s):
    return np.sum(np.sin(x / s))


def standardised(x):
    return np.sum(np.cos((x - np.mean(x, axis=1, keepdims=True)) /
                         np.std(x, axis=1, ddof=1, keepdims=True)))


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    n = x.shape[0]
    return -np.sum(log_probs[np.arange(n), y]) / n


def weighted_log_softmax(x, w):
    shifted = x - np.max(x, axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return np.sum(w * log_probs)


CASES = {
    "batchnorm": (batchnorm, lambda: (2 * RNG.standard_normal((6, 4)) + 1,
                                      1 + 0.1 * RNG.standard_normal(4),
                                      0.1 * RNG.standard_normal(4),
                                      RNG.standard_normal((6, 4))), (0, 1, 2)),
    "scalar divisor": (scaled_rows, lambda: (RNG.standard_normal((3, 5)), 1.7), (0, 1)),
    "row divisor": (scaled_rows, lambda: (RNG.standard_normal((3, 5)),
                                          1 + RNG.random((3, 1))), (0, 1)),
    "std": (standardised, lambda: (RNG.standard_normal((3, 5)),), 0),
    "log_softmax": (weighted_log_softmax, lambda: (3 * RNG.standard_normal((4, 5)),
                                                   RNG.standard_normal((4, 5))), (0, 1)),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_numbers_against_finite_differences(name, mode):
    f, make, wrt = CASES[name]
    assert srcad.check_grad(f, *make(), wrt=wrt, mode=mode)


def test_softmax_loss_against_the_hand_written_gradient():
    x, y = 3 * RNG.standard_normal((7, 5)), RNG.integers(0, 5, 7)
    probs = np.exp(x - x.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    probs[np.arange(7), y] -= 1
    np.testing.assert_allclose(srcad.grad(softmax_loss)(x, y), probs / 7, rtol=1e-12,
                               atol=1e-15)
    assert srcad.check_grad(softmax_loss, x, y, mode="forward")


def source(f, args, wrt):
    return str(srcad.source(srcad.grad(f, wrt=wrt), *args))


def test_divisor_adjoint_sums_before_dividing():
    f, make, wrt = CASES["batchnorm"]
    text = source(f, make(), wrt)
    assert "unbroadcast(bx_hat * x_hat, v2) / v2" in text, text
    assert " x_hat / v2" not in text and "(x_hat / v2)" not in text, text  # no ans / y


def test_var_adjoint_scales_before_spreading():
    f, make, wrt = CASES["batchnorm"]
    text = source(f, make(), wrt)
    # the factor on the reduced g, spread into x - mu in place (tests/test_named_in_place.py),
    # by broadcasting: no np.expand_dims(..., 0) (optimize/spread_operands.py)
    assert re.search(r"v1 \*= -\(.* \* \(2\.0 / v\d\)\)\n", text), text
    assert "v1 * (2.0" not in text, text


def weighted_log_softmax(x, w):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(np.sum(np.exp(shifted_logits), axis=1, keepdims=True))
    return -np.sum(log_probs * w)


def test_log_softmax_adjoint_adds_g_into_the_product():
    """A dense g (weights); a picked one: tests/test_picked_softmax_adjoint.py."""
    x, w = 3 * RNG.standard_normal((7, 5)), RNG.random((7, 5))
    text = source(weighted_log_softmax, (x, w), 0)
    assert "bx = np.exp(log_probs)\n    bx *= w.sum(axis=1, keepdims=True)\n    bx -= w\n" \
        in text, text
    assert srcad.check_grad(weighted_log_softmax, x, w)
    assert srcad.check_grad(weighted_log_softmax, x, w, mode="forward")


def test_smaller_operand():
    row, full = K.with_ones(K.array(2), (True, False)), K.with_ones(K.array(2), (False, False))
    assert K.smaller_operand(row, full) and K.smaller_operand(K.FLOAT, full)
    assert K.smaller_operand(K.with_ones(K.array(1), (False,)), full)   # (D,) against (N, D)
    assert not K.smaller_operand(full, row) and not K.smaller_operand(full, full)
    assert not K.smaller_operand(K.array(2), full)       # unknown pattern: not known smaller
    assert not K.smaller_operand(K.FLOAT, K.FLOAT)
