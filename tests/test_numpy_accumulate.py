"""NumPy calls that write into an array, as Python runs them (round-9 probe):

- `np.add.at(out, idx, v)` was run as written: NumPy's ufunc.at writes even through the
  read-only view srcad passes such a statement, so `out` changed and the gradient through it
  was 0 (silently). np.add.at and np.subtract.at are now the write they do
  (`out[...] = index_added(out, idx, v)`, a repeated index adding each time); another ufunc's
  .at is refused with a loop of element writes that srcad follows;
- np.fill_diagonal, np.put_along_axis, np.add.at and a ufunc's `out=` inside a loop, on a
  name the loop does not otherwise assign, were not carried by the loop: gradient 0
  (silently).

Each checked in both modes against plain Python and central differences.
"""

import inspect

import numpy as np
import pytest

import srcad

IDX = np.array([0, 2, 0, 1])
X = np.array([0.5, -1.0, 2.0, 0.3])


def scatter_add(x):
    out = np.zeros(5)
    np.add.at(out, IDX, x)
    np.subtract.at(out, [2, 2], x[:2] ** 2)
    return np.sum(out ** 2)


def embedding_rows(x):
    table = np.outer(x, np.arange(1.0, 4.0))
    grad_table = np.zeros_like(table)
    np.add.at(grad_table, np.array([[0, 2], [2, 2]]), table[1])
    return np.sum(grad_table * table)


def two_dimensional_index(x):
    out = np.ones((2, 3))
    np.add.at(out, (np.array([1, 1, 0]), np.array([0, 0, 2])), x[:3])
    return np.sum(np.sin(out))


def accumulate_in_a_loop(x):
    out = np.zeros(3)
    for t in range(3):
        np.add.at(out, IDX, x * t)
    return np.sum(out ** 2)


def fill_diagonal_in_a_loop(x):
    out = np.zeros((3, 3))
    for t in range(3):
        np.fill_diagonal(out, x[t] + out[0, 0])
    return np.sum(out ** 2)


def ufunc_out_in_a_loop(x):
    out = np.zeros(4)
    for t in range(3):
        np.add(out, x * t, out=out)
    return np.sum(out ** 2)


def put_along_axis_in_a_loop(x):
    out = np.zeros((1, 4))
    for t in range(3):
        np.put_along_axis(out, np.array([[t]]), x[None, t] + out[:, :1], axis=1)
    return np.sum(out ** 2)


def into_a_row_rewritten(x):
    out = np.zeros((2, 3))
    part = np.zeros_like(out[0])
    np.add.at(part, IDX, x)
    out[0] += part
    return np.sum(out ** 2)


def maximum_at_rewritten(x):
    out = np.zeros(3)
    for k in range(len(IDX)):
        out[IDX[k]] = np.maximum(out[IDX[k]], x[k])
    return np.sum(out ** 2)


FOLLOWED = [scatter_add, embedding_rows, two_dimensional_index, accumulate_in_a_loop,
            fill_diagonal_in_a_loop, ufunc_out_in_a_loop, put_along_axis_in_a_loop,
            into_a_row_rewritten, maximum_at_rewritten]


@pytest.mark.parametrize("f", FOLLOWED, ids=lambda f: f.__name__)
def test_followed_in_both_modes(f):
    numeric = srcad.numeric_grad(f, X)
    assert np.abs(numeric).max() > 0
    np.testing.assert_allclose(srcad.grad(f)(X), numeric, rtol=1e-6, atol=1e-8)
    value, tangent = srcad.jvp(f)(X, np.ones(4))
    assert np.isclose(value, f(X))
    assert np.isclose(tangent, np.sum(numeric), rtol=1e-6)


def into_the_callers_array(x, acc):
    np.add.at(acc, IDX, x)
    return np.sum(acc ** 2)


def test_into_the_callers_array_changes_it_as_python_does():
    expected, python_acc = into_the_callers_array(X, np.ones(3)), np.ones(3)
    into_the_callers_array(X, python_acc)
    acc = np.ones(3)
    grad = srcad.grad(into_the_callers_array)(X, acc)
    np.testing.assert_allclose(acc, python_acc)
    np.testing.assert_allclose(grad, srcad.numeric_grad(into_the_callers_array, X, np.ones(3)),
                               rtol=1e-6)
    value, _ = srcad.jvp(into_the_callers_array)(X, np.ones(3), dx=np.ones(4))
    assert np.isclose(value, expected)


def maximum_at(x):
    out = np.zeros(3)
    np.maximum.at(out, IDX, x)
    return np.sum(out ** 2)


def multiply_at(x):
    out = np.ones(3)
    np.multiply.at(out, IDX, x)
    return np.sum(out ** 2)


def into_a_row(x):
    out = np.zeros((2, 3))
    np.add.at(out[0], IDX, x)
    return np.sum(out ** 2)


@pytest.mark.parametrize("f, rewrite", [(maximum_at, "np.maximum(a[indices[k]], b[k])"),
                                        (multiply_at, "np.multiply(a[indices[k]], b[k])"),
                                        (into_a_row, "part = np.zeros_like(a)")],
                         ids=["maximum", "multiply", "row"])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_other_writes_are_refused_with_a_rewrite(f, rewrite, mode):
    derivative = getattr(srcad, mode)(f)
    with pytest.raises(srcad.SrcadError) as err:
        derivative(X) if mode == "grad" else derivative(X, np.ones(4))
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if ".at(" in text)
    assert f"line {line}:" in str(err.value) and rewrite in str(err.value)


def scatter(out, idx, v):
    np.add.at(out, idx, v)


def through_a_helper(x):
    out = np.zeros(3)
    scatter(out, IDX, x)
    return np.sum(out ** 2)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_helper_writing_with_add_at_is_not_silently_zero(mode):
    derivative = getattr(srcad, mode)(through_a_helper)
    with pytest.raises(srcad.SrcadError, match="scatter.. changes its parameter 'out'"):
        derivative(X) if mode == "grad" else derivative(X, np.ones(4))
