"""np.einsum with a repeated index within one operand (a trace 'ii', a diagonal 'ii->i',
'iij,i->j'): the adjoint of the diagonal it reads, put back on that diagonal. Swept like the
table, and used in both modes against central differences."""

import numpy as np
import pytest
from rule_sweeps import sweep_tests

import srcad

test_reverse_sweep, test_forward_sweep, test_forward_over_reverse = sweep_tests(
    ["diagonal_embed"])

RNG = np.random.default_rng(3)
W = RNG.normal(size=(3, 3))
T = RNG.normal(size=(3, 3, 2))
V = RNG.normal(size=3)


def gram_trace(x):
    return np.einsum("ii", x @ x.T)


def diagonal_energy(x):
    return np.sum(np.einsum("ii->i", x) ** 2)


def stacked_diagonal(t, v):
    return np.sum(np.einsum("iij,i->j", t, v) ** 2)


def weighted_trace(x, v):
    return np.einsum("ii,i", x, v)


def sublist_diagonal(x):
    return np.sum(np.einsum(x, [0, 0], [0]) ** 3)


@pytest.mark.parametrize("f, args, wrt", [
    (gram_trace, (W,), 0), (diagonal_energy, (W,), 0), (stacked_diagonal, (T, V), 0),
    (stacked_diagonal, (T, V), 1), (weighted_trace, (W, V), 0), (weighted_trace, (W, V), 1),
    (sublist_diagonal, (W,), 0),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_both_modes(f, args, wrt, mode):
    assert srcad.check_grad(f, *args, wrt=wrt, mode=mode)


def test_trace_gradient_is_the_identity_times_g():
    np.testing.assert_allclose(srcad.grad(lambda x: np.einsum("ii", x))(W), np.eye(3))


def test_second_order():
    def inner(x):
        return np.einsum("ii", x @ x @ x)

    def outer(x):
        return np.sum(srcad.grad(inner)(x) ** 2)
    assert srcad.check_grad(outer, W)
