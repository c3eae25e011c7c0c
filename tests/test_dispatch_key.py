"""The wrapper's look-up of a compiled derivative (issue 21, per-call overhead): for grad and
value_and_grad it builds kinds.kind_key's key inline for floats and arrays without a size-1
dimension. The key must be kind_key's exactly, or every call would go the slow way through
`dispatch`; and the gradients are those of the derivative compiled for the arguments' kinds.
"""

import types

import numpy as np
import pytest

import srcad
from srcad.kinds import kind_key

RNG = np.random.default_rng(2123)


def loss(a, b, c):
    return np.sum(np.tanh(a * b) * c)


ARGUMENTS = {
    "arrays": (RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal((3, 4))),
    "floats and arrays": (0.7, RNG.standard_normal(4), 1.5),
    "size-1 dimensions": (RNG.standard_normal((3, 1)), RNG.standard_normal((1, 4)), 2.0),
    "0-d and float32": (np.array(0.3), RNG.standard_normal(5).astype(np.float32), 1.0),
    "ints and numpy scalars": (np.float64(0.4), RNG.standard_normal(2), 3),
}


def _fresh_loss():
    """loss as a new function object: srcad keeps one transform per function and options."""
    return types.FunctionType(loss.__code__, loss.__globals__, "loss")


def _counting_dispatch(g):
    name = next(n for n in g.__globals__ if n.startswith("_srcad_dispatch"))
    calls = []
    inner = g.__globals__[name]
    g.__globals__[name] = lambda args: calls.append(args) or inner(args)
    return calls


@pytest.mark.parametrize("case", sorted(ARGUMENTS))
@pytest.mark.parametrize("mode", ["grad", "value_and_grad"])
def test_a_cached_call_finds_its_derivative_without_dispatch(case, mode):
    args = ARGUMENTS[case]
    g = getattr(srcad, mode)(_fresh_loss(), wrt=(0, 1))
    calls = _counting_dispatch(g)
    first = g(*args)
    assert tuple(map(kind_key, args)) in g.__srcad__.cache
    before = len(calls)
    second = g(*args)
    assert len(calls) == before, "the inline key differs from kinds.kind_key"
    assert len(_leaves(first)) == (3 if mode == "value_and_grad" else 2)
    for a, b in zip(_leaves(first), _leaves(second), strict=True):
        np.testing.assert_array_equal(a, b)


def _leaves(x):
    return [leaf for item in x for leaf in _leaves(item)] if isinstance(x, tuple) else [x]


@pytest.mark.parametrize("case", sorted(ARGUMENTS))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_by_kind(case, mode):
    assert srcad.check_grad(loss, *ARGUMENTS[case], wrt=(0, 1), mode=mode)


def test_a_new_kind_compiles_anew():
    g = srcad.grad(_fresh_loss(), wrt=0, argnums=None)
    a, b, c = ARGUMENTS["arrays"]
    calls = _counting_dispatch(g)
    for args in [(a, b, c), (a[:1], b, c[:1]), (a.astype(np.float32), b, c)]:
        g(*args)                                          # a size-1 dimension, a dtype: kinds
        before = len(calls)
        g(*args)
        assert len(calls) == before and tuple(map(kind_key, args)) in g.__srcad__.cache
    np.testing.assert_allclose(g(a[:1], b, c[:1]), (1 - np.tanh(a[:1] * b) ** 2) * b * c[:1],
                               rtol=1e-14)
