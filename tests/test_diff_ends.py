"""np.diff with prepend= and append= (numbers or arrays, either of them active): swept like
the table, and used the way total-variation penalties and discrete derivatives of signals use
it, in both modes against central differences."""

import numpy as np
import pytest
from rule_sweeps import sweep_tests

import srcad

test_reverse_sweep, test_forward_sweep, test_forward_over_reverse = sweep_tests(
    ["diff", "diff_part", "diff_part_adjoint"])

RNG = np.random.default_rng(5)
V = RNG.normal(size=7)
M = RNG.normal(size=(3, 4))


def total_variation(x):
    return np.sum(np.sqrt(np.diff(x, prepend=0.0) ** 2 + 1e-3))


def velocity_penalty(path, start):
    v = np.diff(path, axis=0, prepend=start[None, :])
    return np.sum(v ** 2)


def closed_curve(x):
    return np.sum(np.diff(x, n=2, append=x[:2]) ** 2)


def both_ends(x, a, b):
    return np.sum(np.tanh(np.diff(x, prepend=a, append=b)))


@pytest.mark.parametrize("f, args, wrt", [
    (total_variation, (V,), 0), (velocity_penalty, (M, M[0] * 0.3), 0),
    (velocity_penalty, (M, M[0] * 0.3), 1), (closed_curve, (V,), 0),
    (both_ends, (V, 0.4, -1.1), 0), (both_ends, (V, 0.4, -1.1), 1),
    (both_ends, (V, 0.4, -1.1), 2),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_both_modes(f, args, wrt, mode):
    assert srcad.check_grad(f, *args, wrt=wrt, mode=mode)


def test_generated_code_calls_numpy_as_written():
    source = str(srcad.source(srcad.grad(total_variation), V))
    assert "np.diff(x, prepend=0.0)" in source
    plain = str(srcad.source(srcad.grad(lambda x: np.sum(np.diff(x) ** 2)), V))
    assert "prepend" not in plain and "diff_part" not in plain
