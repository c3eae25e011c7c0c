"""A named adjoint scaled by a smaller operand is scaled in place (issue 21, C4: batch norm).

`x / y`'s adjoint in y (a sum over the broadcast axes) is derived before the one in x, so the
incoming adjoint's last read is `g / y`; where g is an array the code owns (`bx_hat = dout *
gamma`), that is `bx_hat /= y`. A temporary read more than once (`x - mu`) scaled by a smaller
operand is scaled in place too, and the chain of additions that follows builds the result in
the same buffer, which then takes the result's own name (`bx = bx_hat; bx += ...`). Batch
norm's gradient keeps four full-size arrays at its peak instead of five, as the hand-written
one does, and is exact.
"""

import numpy as np

import srcad
from memory_check import peak as _peak

RNG = np.random.default_rng(2184)


def batchnorm(x, gamma, beta, dout):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(var + 1e-5)
    return np.sum((gamma * x_hat + beta) * dout)


def hand(x, gamma, beta, dout):
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0) + 1e-5)
    x_hat = (x - x.mean(axis=0)) / std
    dx_hat = dout * gamma
    dx = (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (n * std)
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def args(n=256, d=128):
    return (2 * RNG.standard_normal((n, d)) + 1, 1 + 0.1 * RNG.standard_normal(d),
            0.1 * RNG.standard_normal(d), RNG.standard_normal((n, d)))


def test_batchnorm_gradient_matches_the_hand_written_one_and_finite_differences():
    values = args(6, 4)
    g = srcad.grad(batchnorm, wrt=(0, 1, 2))
    for got, expected in zip(g(*values), hand(*values)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert srcad.check_grad(batchnorm, *values, wrt=(0, 1, 2))
    assert srcad.check_grad(batchnorm, *values, wrt=(0, 1, 2), mode="forward")


def test_the_named_adjoint_is_divided_in_place_and_the_result_keeps_its_name():
    values = args(6, 4)
    g = srcad.grad(batchnorm, wrt=(0, 1, 2))
    g(*values)
    text = srcad.source(g)
    assert "bx_hat /= v" in text and "bx = bx_hat\n" in text and "return bx, " in text
    dx = g(*values)[0]
    assert dx.flags.writeable and not any(np.shares_memory(dx, v) for v in values)


def test_batchnorm_peak_is_at_most_the_hand_written_gradients():
    values = args()
    g = srcad.grad(batchnorm, wrt=(0, 1, 2))
    g(*values)
    full = values[0].nbytes
    assert _peak(g, values) <= _peak(hand, values)
    assert _peak(g, values) < 4.1 * full      # x_hat, x - mu, bx_hat and one product


def test_a_named_value_read_once_is_not_split_out_of_its_expression():
    """`np.sqrt(var + eps)`: var is read no more, but its scaled version is read once, so the
    line stays as written (no `var += eps`); values as Python computes them."""
    def f(x):
        var = np.var(x, axis=0)
        return np.sum(np.sqrt(var + 1e-5) * x)

    x = RNG.standard_normal((5, 3))
    g = srcad.grad(f)
    g(x)
    assert "var +=" not in srcad.source(g)
    assert srcad.check_grad(f, x)
    assert srcad.check_grad(f, x, mode="forward")


def test_division_by_a_broadcast_row_in_both_modes():
    """(g / y)'s adjoint order: y's sum first, then g divided (in place where owned)."""
    def f(a, y):
        z = np.tanh(a) * 3.0
        return np.sum(np.sin(z / y) * a)

    a, y = RNG.standard_normal((4, 3)), 1.5 + RNG.random(3)
    assert srcad.check_grad(f, a, y, wrt=(0, 1))
    assert srcad.check_grad(f, a, y, wrt=(0, 1), mode="forward")
