"""A negation under a sum, a mean or an unbroadcast moves out of it, onto the smaller array
(issue 21, the batch normalisation's adjoint: two full-size negations fewer). Exact for
floats, since rounding is symmetric: the value is Python's to the bit. Integer arrays keep
the order as written (-x of an int8 -128 wraps)."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2128)


def negated_sums(x, w):
    return np.sum(-(x * w)) + np.mean(-x, axis=0) @ w + np.sum(np.sum(-x * x, axis=1))


def normalised(x, dout):
    mu = np.mean(x, axis=0)
    return np.sum((x - mu) / np.sqrt(np.var(x, axis=0) + 1e-5) * dout)


def int_sum(x, k):
    return np.sum(-k) * x


def _code(g):
    return [line for line in srcad.source(g).splitlines() if not line.strip().startswith("#")]


def test_value_is_pythons_to_the_bit_and_the_signs_move_out():
    x, w = RNG.standard_normal((50, 7)) * 1e3, RNG.standard_normal(7)
    value, _ = srcad.value_and_grad(negated_sums)(x, w)
    assert value == negated_sums(x, w)
    for f, args in ((negated_sums, (x, w)), (normalised, (x, RNG.standard_normal((50, 7))))):
        g = srcad.grad(f)
        g(*args)
        assert not any("np.sum(-" in line or "unbroadcast(-" in line for line in _code(g))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_normalisation_gradient(mode):
    x, dout = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 3))
    assert srcad.check_grad(normalised, x, dout, mode=mode)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients(mode):
    x, w = RNG.standard_normal((5, 3)), RNG.standard_normal(3)
    assert srcad.check_grad(negated_sums, x, w, wrt=(0, 1), mode=mode)
    gx, gw = srcad.grad(negated_sums, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(gx, -w - np.broadcast_to(w / 5, x.shape) - 2 * x, rtol=1e-14)
    np.testing.assert_allclose(gw, -np.sum(x, axis=0) - np.mean(x, axis=0), rtol=1e-14)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_int8_negation_wraps_as_in_python(mode):
    k = np.array([-128, 3], dtype=np.int8)
    with np.errstate(over="ignore"):
        expected = float(np.sum(-k))           # -(-128) wraps to -128 in int8: -131, not 125
    assert expected == -131.0
    if mode == "reverse":
        value, g = srcad.value_and_grad(int_sum)(2.0, k)
        assert value == int_sum(2.0, k) and g == expected
    else:
        value, tangent = srcad.jvp(int_sum)(2.0, k, 1.0)
        assert value == int_sum(2.0, k) and tangent == expected
