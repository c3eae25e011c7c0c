"""Kinds: what srcad knows statically about a value, the size-1 dimensions of arrays included.
The size-1 patterns decide where an adjoint is summed, so they are checked against NumPy's own
broadcasting for random shapes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from srcad import kinds as K
from srcad.kinds import kind_key

shapes = st.lists(st.integers(0, 3), max_size=4).map(tuple)


def pattern(shape):
    return tuple(n == 1 for n in shape)


def numpy_broadcast(shapes):
    """NumPy's broadcast shape, or None where the shapes do not broadcast."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.lists(shapes, min_size=1, max_size=3))
def test_size_1_patterns_agree_with_numpy_broadcasting(operands):
    """The predicted pattern of the result never contradicts NumPy's result shape, and an
    operand said to fill the broadcast has exactly the result's shape."""
    result = numpy_broadcast(operands)
    if result is None:
        return
    predicted = K.broadcast_patterns(*map(pattern, operands))
    assert len(predicted) == len(result)
    for known, size in zip(predicted, result):
        assert known is None or known == (size == 1)
    kinds = [K.kind_of(np.zeros(s)) for s in operands]
    out = K.broadcast(*kinds)
    for shape, kind in zip(operands, kinds):
        if K.fills_broadcast(kind, out):
            assert shape == result


@settings(max_examples=200, deadline=None)
@given(shapes, shapes, st.sampled_from(["float64", "float32", "int64"]))
def test_equal_dispatch_keys_mean_equal_kinds(a, b, dtype):
    x, y = np.zeros(a, dtype), np.zeros(b, dtype)
    assert (kind_key(x) == kind_key(y)) == (K.kind_of(x) == K.kind_of(y))


def test_join_forgets_a_pattern_that_differs_and_keeps_the_rest():
    column, matrix = K.kind_of(np.zeros((4, 1))), K.kind_of(np.zeros((4, 3)))
    assert K.join(column, column) == column
    joined = K.join(column, matrix)       # the dimension they agree on stays known
    assert joined.is_array and joined.ndim == 2 and joined.ones == (False, None)
    assert K.join(K.kind_of(np.zeros((1, 1))), matrix).ones is None
    pair = K.join(K.kind_of([np.zeros((4, 1)), 2.0]), K.kind_of([np.zeros((4, 3)), 2.0]))
    assert pair.items == (joined, K.FLOAT)
    assert K.join(column, K.kind_of(np.zeros(3))) == K.UNKNOWN


def test_printed_kinds_do_not_show_patterns():
    assert str(K.kind_of(np.zeros((4, 1)))) == "float64[2d]"
