"""A Python operator makes a new array even where its value is its operand's (`x * 1.0`,
`x + 0.0`, `-(-x)`): changing the result in place (`y += x`) leaves `x` alone. srcad folds
such operations to the operand itself, and the in-place check used to take the folded value
for the same object and refuse. These are accepted, with Python's values and gradients;
a true alias is still refused."""

import numpy as np
import pytest

import srcad
from srcad.errors import UnsupportedSyntaxError


def times_one(x):
    y = x * 1.0
    y += x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def one_times(x):
    y = 1.0 * x
    y *= x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def plus_zero(x):
    y = x + 0.0
    y += x
    return np.sum(y ** 3) + np.sum(np.sin(x))


def zero_plus(x):
    y = 0.0 + x
    y -= 2.0 * x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def minus_zero(x):
    y = x - 0.0
    y += x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def over_one(x):
    y = x / 1.0
    y /= 2.0 + x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def power_one(x):
    y = x ** 1
    y += x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def double_negation(x):
    y = -(-x)                # noqa: B002 - two minus signs, as written
    y += x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def unary_plus(x):
    y = +x
    y += x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def ufunc_times_one(x):
    y = np.multiply(x, 1.0)
    y += x
    return np.sum(y ** 2) + np.sum(np.sin(x))


def branch_of_new_objects(x, s):
    v = x * 1.0 if s > 0 else x * 2.0
    v += x
    return np.sum(v ** 2) + np.sum(np.sin(x))


def if_statement_of_new_objects(x, s):
    if s > 0:
        v = x + 0.0
    else:
        v = 2.0 * x
    v += x
    return np.sum(v ** 2) + np.sum(np.sin(x))


def loop_on_new_object(x):
    acc = x * 1.0
    for _ in range(3):
        acc += x
    return np.sum(acc ** 2) + np.sum(np.sin(x))


def new_object_beside_a_list(x):
    y = x * 1.0
    xs = [x, 2.0 * x]        # holds x, not y
    y += 1.0
    return np.sum(y * xs[0])


NEUTRAL = [times_one, one_times, plus_zero, zero_plus, minus_zero, over_one, power_one,
           double_negation, unary_plus, ufunc_times_one, loop_on_new_object,
           new_object_beside_a_list]
BRANCHING = [branch_of_new_objects, if_statement_of_new_objects]
X = np.array([0.3, -1.2, 2.0])


def _python(f, *args):
    """f run by Python itself, on copies (and x is unchanged: the result is a new object)."""
    copies = [np.array(a) for a in args]
    value = f(*copies)
    assert all(np.array_equal(a, c) for a, c in zip(args, copies))
    return value


@pytest.mark.parametrize("f", NEUTRAL, ids=lambda f: f.__name__)
def test_reverse(f):
    value, _ = srcad.vjp(f)(X, 1.0)
    assert value == pytest.approx(_python(f, X))
    assert srcad.check_grad(f, X)


@pytest.mark.parametrize("f", NEUTRAL, ids=lambda f: f.__name__)
def test_forward(f):
    u = np.array([1.0, -0.5, 2.0])
    value, tangent = srcad.jvp(f)(X, u)
    assert value == pytest.approx(_python(f, X))
    assert tangent == pytest.approx(np.dot(srcad.numeric_grad(f, X), u), rel=1e-6)
    assert srcad.check_grad(f, X, mode="forward")


@pytest.mark.parametrize("s", [1.0, -1.0])
@pytest.mark.parametrize("f", BRANCHING, ids=lambda f: f.__name__)
def test_branches_both_modes(f, s):
    assert srcad.grad(f)(X, s) is not None and srcad.check_grad(f, X, s)
    assert srcad.check_grad(f, X, s, mode="forward")
    assert srcad.jvp(f)(X, s, np.ones(3))[0] == pytest.approx(_python(f, X, s))


def test_folded_code_stays_lean():
    def lean(x):
        y = x * 1.0
        return np.sum(y ** 2)
    code = srcad.source(srcad.grad(lean), X)
    assert "* 1.0" not in code and "x * 1" not in code


def true_alias(x):
    y = x
    y += 1.0
    return np.sum(y * x)


def alias_on_one_path(x, s):
    v = x if s > 0 else x * 2.0
    v += x
    return np.sum(v ** 2)


def alias_of_new_object(x):
    y = x * 1.0
    z = y
    z += 1.0                 # changes y too
    return np.sum(y * x)


def new_object_in_a_list(x):
    y = x * 1.0
    xs = [y, x]
    y += 1.0                 # changes xs[0] too
    return np.sum(xs[0] * x)


@pytest.mark.parametrize("f, args", [(true_alias, (X,)), (alias_on_one_path, (X, 1.0)),
                                     (alias_of_new_object, (X,)), (new_object_in_a_list, (X,))],
                         ids=["name", "one_path", "new_object_renamed", "new_object_in_list"])
def test_true_alias_still_refused(f, args):
    for transform in (srcad.grad, srcad.jvp):
        with pytest.raises(UnsupportedSyntaxError, match="in-place"):
            transform(f)(*args) if transform is srcad.grad else transform(f)(*args, X)
