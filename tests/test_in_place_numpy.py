"""NumPy's functions that write into their first argument (np.put_along_axis, np.fill_diagonal,
np.copyto, np.put) are refused at the user's line, each with the element write that srcad
differentiates instead; and each rewrite shown is itself differentiated correctly (reverse and
forward mode against central differences, and the same value as the refused form)."""

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


CASES = [(along_axis_in_place, along_axis_rewritten, "a[np.arange(a.shape[0])[:, None], "),
         (diagonal_in_place, diagonal_rewritten, "a[k, k] = value"),
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
