"""`d.pop(k)` of a key the dict does not hold and `xs.pop(i)` past a list's end raise as Python
raises, where the statement runs, also where the result is not used (they were dropped with
the unused result, so the derivative returned a number where the function raises); a branch
that does not run raises nothing."""

import numpy as np
import pytest

import srcad

X = np.array([0.5, -1.5])


def pops_a_missing_key(x):
    d = {"a": x}
    d.pop("missing")
    return np.sum(d["a"] ** 2)


def pops_past_the_end(x):
    xs = [x, 2.0 * x]
    xs.pop(5)
    return np.sum(xs[0] ** 2)


def pops_an_empty_list(x):
    xs = []
    xs.pop()
    return np.sum(x)


def pops_in_a_branch(x, flag):
    d = {"a": x}
    if flag > 0.0:
        d.pop("missing")
    return np.sum(d["a"] ** 2)


def pops_with_a_default(x):
    d = {"a": x}
    v = d.pop("missing", 3.0 * x)
    return np.sum(v * d["a"])


@pytest.mark.parametrize("f, error", [(pops_a_missing_key, KeyError),
                                      (pops_past_the_end, IndexError),
                                      (pops_an_empty_list, IndexError)])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_raises_as_python_does(f, error, mode):
    with pytest.raises(error) as python:
        f(X.copy())
    derivative = srcad.grad(f) if mode == "grad" else srcad.jvp(f)
    args = (X.copy(),) if mode == "grad" else (X.copy(), np.ones(2))
    with pytest.raises(error) as ours:
        derivative(*args)
    assert str(ours.value) == str(python.value)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_branch_that_does_not_run_raises_nothing(mode):
    assert srcad.check_grad(pops_in_a_branch, X, -1.0, mode=mode)
    with pytest.raises(KeyError):
        srcad.grad(pops_in_a_branch)(X, 1.0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_default_is_returned(mode):
    assert srcad.check_grad(pops_with_a_default, X, mode=mode)
