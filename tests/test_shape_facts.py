"""Size-1 patterns of buffers made from sizes read off arguments (srcad/ir/index_ones.py).

`N, T, D = x.shape; h = np.zeros((N, T, H))` has the pattern of x's and h0's dimensions it was
sized from, and `np.zeros_like(h0)` h0's, so that the adjoint of `h[:, t, :] = prev` needs no
`unbroadcast` where the kinds say prev fills the slice, and keeps it where it may not (a size-1
argument dimension broadcast into the buffer). Both modes against central differences.
"""

import numpy as np
import pytest

import srcad


def recurrent(x, h0, W):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros_like(h0)
    prev = h0
    for t in range(T):
        c = c + np.tanh(x[:, t, :] @ W)
        prev = np.tanh(prev + c)
        h[:, t, :] = prev
    return np.sum(h * h)


def broadcast_into(x, row):
    N, D = x.shape
    out = np.ones((N, 3, D))
    for k in range(3):
        out[:, k, :] = row * k + x     # row (1, D) or (D,) broadcast along N
    return np.sum(out * out)


def literal_sizes(x):
    out = np.zeros((1, 4))
    out[0, :] = x
    return np.sum(np.sin(out) * out)


def _r(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


CASES = {
    "recurrent": (recurrent, lambda: (_r(3, 4, 2), _r(3, 5), 0.5 * _r(2, 5)), (0, 1, 2)),
    "recurrent, one sequence": (recurrent, lambda: (_r(1, 4, 2), _r(1, 5), 0.5 * _r(2, 5)),
                                (0, 1, 2)),
    "recurrent, h0 one row": (recurrent, lambda: (_r(3, 4, 2), _r(1, 5), 0.5 * _r(2, 5)),
                              (0, 1, 2)),
    "broadcast row": (broadcast_into, lambda: (_r(4, 3), _r(1, 3)), (0, 1)),
    "broadcast vector": (broadcast_into, lambda: (_r(4, 3), _r(3)), (0, 1)),
    "one row": (broadcast_into, lambda: (_r(1, 3), _r(1, 3)), (0, 1)),
    "literal sizes": (literal_sizes, lambda: (_r(4),), 0),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_buffers_sized_from_arguments(name, mode):
    f, make, wrt = CASES[name]
    assert srcad.check_grad(f, *make(), wrt=wrt, mode=mode)


def test_slice_of_a_buffer_sized_from_arguments_is_not_unbroadcast():
    args = CASES["recurrent"][1]()
    g = srcad.grad(recurrent, wrt=(0, 1, 2))
    assert "unbroadcast" not in str(srcad.source(g, *args))
    for mine, theirs in zip(g(*args), srcad.numeric_grad(recurrent, *args, wrt=(0, 1, 2))):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8)


def test_a_size_one_argument_dimension_keeps_its_reduction():
    """h0 of one row grows to N rows in the loop: its adjoint is summed back to one row."""
    x, h0, W = CASES["recurrent, h0 one row"][1]()
    g = srcad.grad(recurrent, wrt=1)
    assert g(x, h0, W).shape == (1, 5)
    np.testing.assert_allclose(g(x, h0, W), srcad.numeric_grad(recurrent, x, h0, W, wrt=1),
                               rtol=1e-6, atol=1e-8)


def stable_logistic(x):
    """The numerically stable logistic written with masked writes, as layers code has it."""
    positive, negative = x >= 0, x < 0
    z = np.zeros_like(x)
    z[positive] = np.exp(-x[positive])
    z[negative] = np.exp(x[negative])
    top = np.ones_like(x)
    top[negative] = z[negative]
    return top / (1 + z)


def gates(a, c):
    H = c.shape[1]
    i = stable_logistic(a[:, :H])
    f = stable_logistic(a[:, H:])
    return np.sum(np.tanh(f * c + i))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("shape", [(3, 8), (1, 8), (3, 2)])
def test_masked_reads_and_writes_of_arrays_of_one_shape(mode, shape):
    a = 2.0 * _r(*shape)
    c = _r(shape[0], shape[1] // 2)
    assert srcad.check_grad(gates, a, c, wrt=(0, 1), mode=mode)


def test_masked_reads_of_arrays_of_one_shape_are_not_unbroadcast():
    """z = np.zeros_like(x) and top = np.ones_like(x) have x's shape, and a read with one mask
    of arrays of one shape (`z[negative]`, `x[negative]`) has one shape: the stable logistic's
    backward helper reduces nothing to another shape."""
    a, c = 2.0 * _r(3, 8), _r(3, 4)
    g = srcad.grad(gates, wrt=(0, 1))
    text = str(srcad.source(g, a, c))
    backward = text[text.index("def bwd_stable_logistic"):]
    assert "unbroadcast" not in backward
    for mine, theirs in zip(g(a, c), srcad.numeric_grad(gates, a, c, wrt=(0, 1))):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8)
