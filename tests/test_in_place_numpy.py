"""NumPy's functions that write into their first argument. np.put_along_axis is differentiated
as the element write it performs (reverse and forward mode against central differences, the
value Python computes, repeated indices keeping the last value, the aliasing refusals of any
element write), and so is np.fill_diagonal (wrap=False: test_gaps8.py). np.fill_diagonal with
wrap=True, np.copyto and np.put are refused at the user's line, each
with the element write that srcad differentiates instead; and each rewrite shown is itself
differentiated correctly (both modes, and the same value as the refused form)."""

import numpy as np
import pytest

import srcad
from srcad.errors import UnsupportedSyntaxError

INDICES = np.array([[0], [2]])
WEIGHTS = np.arange(6.0).reshape(2, 3)
X = np.array([1.5, -2.5])


def along_axis_in_place(x):
    a = np.zeros((2, 3))
    np.put_along_axis(a, INDICES, x[:, None], axis=1)
    return np.sum(a * WEIGHTS * x[:, None])


def along_axis_rewritten(x):
    a = np.zeros((2, 3))
    a[np.arange(a.shape[0])[:, None], INDICES] = x[:, None]
    return np.sum(a * WEIGHTS * x[:, None])


def diagonal_in_place(x):
    a = np.outer(x, x)
    np.fill_diagonal(a, x[0] * 2.0)
    return np.sum(np.sin(a))


def diagonal_wrapped(x):
    a = np.outer(x, x)
    np.fill_diagonal(a, x[0] * 2.0, wrap=True)     # wrap=True: refused (wrap=False is followed)
    return np.sum(np.sin(a))


def diagonal_rewritten(x):
    a = np.outer(x, x)
    k = np.arange(np.min(a.shape))
    a[k, k] = x[0] * 2.0
    return np.sum(np.sin(a))


def copy_in_place(x):
    a = np.zeros(2)
    np.copyto(a, x * x)
    return np.sum(a * x)


def copy_rewritten(x):
    a = np.zeros(2)
    a[...] = x * x
    return np.sum(a * x)


def put_in_place(x):
    a = np.zeros((2, 2))
    np.put(a, [0, 3], x)
    return np.sum(a * WEIGHTS[:, :2])


def put_rewritten(x):
    a = np.zeros((2, 2))
    flat = a.reshape(-1).copy()
    flat[[0, 3]] = x
    a = flat.reshape(a.shape)
    return np.sum(a * WEIGHTS[:, :2])


CASES = [(diagonal_wrapped, diagonal_rewritten, "a[k, k] = value"),
         (copy_in_place, copy_rewritten, "dst[...] = src"),
         (put_in_place, put_rewritten, "flat[indices] = values")]


@pytest.mark.parametrize("in_place, rewritten, shown", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_refused_at_the_users_line_with_a_rewrite_that_differentiates(in_place, rewritten,
                                                                      shown):
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.grad(in_place)(X)
    message = str(info.value)
    assert "test_in_place_numpy.py" in message and shown in message
    assert rewritten(X) == pytest.approx(in_place(X), rel=1e-15)
    assert srcad.check_grad(rewritten, X)
    assert srcad.check_grad(rewritten, X, mode="forward")


def largest_replaced(x):
    """Each row's largest entry replaced by a value of its own (argmax indices, axis -1)."""
    t = np.tanh(np.outer(x, x))[:, :, None] * np.ones(4)
    best = np.argmax(t, axis=-1)[..., None]
    np.put_along_axis(t, best, np.sin(x)[:, None, None], -1)
    return np.sum(t ** 2)


def flat_positions(x):
    a = np.zeros(5) + x[0]
    np.put_along_axis(a, np.array([4, 1]), x * 3.0, axis=None)
    return np.sum(a * np.arange(5.0) * x[1])


def repeated_positions(x):
    a = np.zeros((1, 3))
    np.put_along_axis(a, np.array([[1, 1]]), x[None, :], axis=1)   # the last value stays
    return np.sum(a * np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("f", [along_axis_in_place, largest_replaced, flat_positions,
                               repeated_positions, diagonal_in_place])
def test_put_along_axis_is_differentiated_as_its_element_write(f):
    x = np.array([0.5, -1.5])
    value, grad = srcad.value_and_grad(f)(x)
    assert value == f(x)
    assert srcad.check_grad(f, x)
    assert srcad.check_grad(f, x, mode="forward")
    if f is along_axis_in_place:
        np.testing.assert_allclose(grad, srcad.grad(along_axis_rewritten)(x), rtol=1e-15)
    if f is diagonal_in_place:
        np.testing.assert_allclose(grad, srcad.grad(diagonal_rewritten)(x), rtol=1e-15)
    if f is repeated_positions:
        np.testing.assert_array_equal(grad, [0.0, 2.0])


def test_put_along_axis_where_python_would_show_the_change_elsewhere_is_refused():
    def aliased(x):
        a = np.zeros((2, 3)) + x[0]
        b = a
        np.put_along_axis(a, INDICES, x[:, None], axis=1)
        return np.sum(b * WEIGHTS)

    def into_argument(a):
        np.put_along_axis(a, INDICES, 1.0, axis=1)
        return np.sum(a * WEIGHTS)
    with pytest.raises(UnsupportedSyntaxError, match="'b' also names"):
        srcad.grad(aliased)(X)
    plain, given = np.ones((2, 3)), np.ones((2, 3))     # the caller's array: written, as
    into_argument(plain)                                # Python writes it (test_caller_writes)
    srcad.check_grad(into_argument, np.ones((2, 3)))
    srcad.grad(into_argument)(given)
    np.testing.assert_array_equal(given, plain)
