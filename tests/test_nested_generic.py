"""A derivative taken inside a differentiated function, compiled for unknown argument kinds
(`srcad.source(g)` with no example arguments): finish_adjoint, which gives an inner gradient
its argument's structure, is linear in the adjoint it finishes (found by the architecture
work: it had no derivative rule, and the generic specialisation was refused).
"""

import numpy as np
import pytest

import srcad


def outer(x, y):
    return srcad.grad(lambda t: np.sum(t * y ** 2 + np.sin(t)))(x) * x


def test_the_generic_source_of_a_nested_gradient_is_written():
    text = srcad.source(srcad.grad(outer))
    assert "finish_adjoint" in text


@pytest.mark.parametrize("x", [2.0, np.array([0.5, -1.0])])
def test_nested_gradients_in_both_modes_against_finite_differences(x):
    for mode in ("reverse", "forward"):
        srcad.check_grad(lambda a: np.sum(outer(a, 3.0)), x, mode=mode)
