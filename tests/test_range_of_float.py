"""range() of a float raises as Python does, even where the loop is dead in the derivative.

`srcad.grad(f, wrt=1)(0.5, 3.0)` of a function that loops `for i in range(n)` returned 0.0:
the loop contributes nothing to the derivative in n, so the derivative had dropped it, while
Python raises TypeError on range(3.0).
"""

import pytest

import srcad


def weighted_count(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s


def whole_count(x, n):
    s = 0.0
    for i in range(int(n)):
        s = s + x * i
    return s


@pytest.mark.parametrize("wrt", [1, (0, 1)])
def test_grad_raises_where_python_raises(wrt):
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        weighted_count(0.5, 3.0)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer") as info:
        srcad.grad(weighted_count, wrt=wrt)(0.5, 3.0)
    assert isinstance(info.value, srcad.SrcadError)
    assert info.value.line == weighted_count.__code__.co_firstlineno + 2


def test_jvp_raises_where_python_raises():
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        srcad.jvp(weighted_count, wrt=1)(0.5, 3.0, 1.0)


def test_the_suggested_rewrite_is_differentiated():
    assert srcad.grad(whole_count, wrt=1)(0.5, 3.0) == 0.0
    assert srcad.grad(whole_count)(0.5, 3.0) == pytest.approx(3.0)
    _, tangent = srcad.jvp(whole_count, wrt=(0, 1))(0.5, 3.0, 1.0, 1.0)
    assert tangent == pytest.approx(3.0)
    assert srcad.grad(weighted_count)(0.5, 3) == pytest.approx(3.0)
