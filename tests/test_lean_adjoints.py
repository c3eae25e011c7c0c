"""Generated adjoints as lean as hand-written ones (issue 21), with unchanged numbers.

- `np.sum(out * dout)` over an array the function made: the adjoint of `out` is `dout` (a
  copy where the reverse sweep writes into it), not an array of ones times `dout`: a
  dimension of `dout` known not to be 1 is not 1 in the broadcast either, even where `out`'s
  size-1 pattern is not known.
- The adjoint of an array read (zeros with g at the index), and `unbroadcast` of an array
  nothing else reads, belong to the generated code: the slice writes that follow go into it
  in place, with no copy first.

Each program is checked in reverse mode (srcad.check_grad against central differences) and
forward mode (the same check through jvp), and its generated source for what it must not do.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(21)


def filled_then_weighted(x, W, dout):
    N, T = x.shape[0], 3
    out = np.zeros((N, T, W.shape[1]))
    for t in range(T):
        out[:, t, :] = np.tanh(x @ W + t)
    return np.sum(out * dout)


def filled_then_broadcast(x, W, dout):
    """dout has fewer dimensions than out: the adjoint of out is dout broadcast."""
    out = np.zeros((x.shape[0], W.shape[1]))
    out[:, :] = np.sin(x @ W)
    return np.sum(out * dout)


def gates(x, W):
    a = x @ W
    H = W.shape[1] // 3
    i = 1.0 / (1.0 + np.exp(-a[:, :H]))
    f = np.tanh(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:])
    return np.sum(i * g + f * f)


def masked_sigmoid(x):
    neg = x < 0
    z = np.zeros_like(x)
    z[~neg] = np.exp(-x[~neg])
    z[neg] = np.exp(x[neg])
    top = np.ones_like(x)
    top[neg] = z[neg]
    return np.sum(top / (1 + z) * np.cos(x))


CASES = {
    "filled_then_weighted": (filled_then_weighted, lambda: (
        RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5)),
        RNG.standard_normal((4, 3, 5))), (0, 1)),
    "filled_then_broadcast": (filled_then_broadcast, lambda: (
        RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5)), RNG.standard_normal(5)),
        (0, 1)),
    "gates": (gates, lambda: (RNG.standard_normal((4, 3)), RNG.standard_normal((3, 6))), (0, 1)),
    "masked_sigmoid": (masked_sigmoid, lambda: (RNG.standard_normal((3, 4)),), (0,)),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_in_both_modes(name, mode):
    f, make, wrt = CASES[name]
    args = make()
    assert srcad.check_grad(f, *args, wrt=wrt, mode=mode)


def _source(name):
    f, make, wrt = CASES[name]
    g = srcad.grad(f, wrt=wrt)
    g(*make())
    return srcad.source(g)


def test_weighted_sum_needs_no_array_of_ones():
    text = _source("filled_then_weighted")
    assert "broadcast_like" not in text and "shape_like" not in text


def test_broadcast_weight_keeps_its_broadcast():
    f, make, wrt = CASES["filled_then_broadcast"]
    x, W, dout = make()
    gx, gW = srcad.grad(f, wrt=wrt)(x, W, dout)
    cos = np.cos(x @ W) * dout
    np.testing.assert_allclose(gx, cos @ W.T)
    np.testing.assert_allclose(gW, x.T @ cos)


@pytest.mark.parametrize("name", ["gates", "masked_sigmoid"])
def test_adjoint_slice_writes_go_in_place(name):
    assert ".copy()" not in _source(name)


def test_returned_gradients_are_fresh():
    f, make, wrt = CASES["gates"]
    x, W = make()
    g = srcad.grad(f, wrt=wrt)
    first, second = g(x, W), g(x, W)
    for a, b in zip(first, second):
        assert not np.shares_memory(a, b)
    for a in first:
        assert not np.shares_memory(a, x) and not np.shares_memory(a, W)
