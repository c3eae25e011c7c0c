"""Properties and counters on objects of the user's, as Python runs them (round-9 probe):

- a property read on an object made in the function was refused with a rewrite that does not
  run (`Model.scale used as a value; call the method instead`: a property is not called);
- a property with a setter, set on a global object, then read back: the read gave the value
  assigned, not what the setter stored (silently wrong value and gradient);
- a property of a global object was evaluated when srcad transformed the function and folded
  into the code: a getter with a side effect ran several times per transform and never at run
  time, and its value went stale;
- `C.n += 1` on a global object's int attribute was folded: the counter read 0 when srcad
  transformed the function and every call set it to 1 (value and gradient stale from the
  second call on).

Each is checked in both modes against plain Python and central differences.
"""

import inspect

import numpy as np
import pytest

import srcad


class Scaled:
    def __init__(self, W):
        self.W = W
        self._gain = 1.0

    @property
    def scale(self):
        return 2.0 * self.W * self._gain

    @property
    def gain(self):
        return self._gain

    @gain.setter
    def gain(self, value):
        self._gain = 3.0 * value

    @property
    def fixed(self):
        return 1.0


def made_object_properties(x):
    m = Scaled(np.ones((3, 2)))
    first = np.sum(x @ m.scale)
    m.gain = np.sum(x ** 2)
    return first + np.sum(x @ m.scale) + m.gain + getattr(m, "gain")  # noqa: B009 (the getattr path)


def sets_a_property_with_no_setter(x):
    m = Scaled(np.ones((3, 2)))
    m.fixed = 2.0
    return np.sum(x)


GLOBAL = Scaled(np.ones((3, 2)))


def global_property_setter(x):
    GLOBAL.gain = 2.0
    return np.sum(x ** 2) * GLOBAL.gain


def global_property_with_no_setter(x):
    GLOBAL.fixed = 2.0
    return np.sum(x)


class Counter:
    def __init__(self):
        self.n = 0

    @property
    def following(self):
        self.n += 1
        return self.n

    def bump(self):
        self.n += 1
        return self.n


COUNTER = Counter()


def counts_through_a_property(x):
    return np.sum(x ** 2) * COUNTER.following


def counts_through_a_method(x):
    return np.sum(x ** 2) * COUNTER.bump()


def counts_in_place(x):
    COUNTER.n += 1
    return np.sum(x ** 2) * COUNTER.n


X = np.array([0.5, -1.0, 2.0])


def test_made_object_property_getter_and_setter_both_modes():
    value = made_object_properties(X)
    grad = srcad.grad(made_object_properties)(X)
    np.testing.assert_allclose(grad, srcad.numeric_grad(made_object_properties, X), rtol=1e-6)
    v, t = srcad.jvp(made_object_properties)(X, np.ones(3))
    assert np.isclose(v, value)
    assert np.isclose(t, np.sum(grad))


@pytest.mark.parametrize("f", [sets_a_property_with_no_setter, global_property_with_no_setter])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_property_with_no_setter_is_refused_as_python_raises(f, mode):
    with pytest.raises(AttributeError):
        f(X)
    derivative = getattr(srcad, mode)(f)
    with pytest.raises(srcad.SrcadError, match="no setter .* AttributeError") as err:
        derivative(X) if mode == "grad" else derivative(X, np.ones(3))
    lines, first = inspect.getsourcelines(f)
    line = first + next(k for k, text in enumerate(lines) if "fixed = " in text)
    assert f"line {line}:" in str(err.value)


def test_global_property_setter_runs_in_both_modes():
    expected = global_property_setter(X)          # the setter stores 3 * 2.0
    assert GLOBAL._gain == 6.0
    np.testing.assert_allclose(srcad.grad(global_property_setter)(X), 2 * X * 6.0)
    v, t = srcad.jvp(global_property_setter)(X, np.ones(3))
    assert np.isclose(v, expected) and np.isclose(t, np.sum(2 * X * 6.0))


@pytest.mark.parametrize("f", [counts_through_a_property, counts_through_a_method,
                               counts_in_place])
def test_a_counter_on_a_global_object_counts_once_per_call(f):
    COUNTER.n = 0
    grad, jvp = srcad.grad(f), srcad.jvp(f)
    for call in range(1, 4):
        np.testing.assert_allclose(grad(X), 2 * X * (2 * call - 1))
        assert COUNTER.n == 2 * call - 1
        value, tangent = jvp(X, np.ones(3))
        assert COUNTER.n == 2 * call
        assert np.isclose(value, np.sum(X ** 2) * 2 * call)
        assert np.isclose(tangent, np.sum(2 * X) * 2 * call)


def test_a_property_of_a_global_object_reads_what_it_holds_when_called():
    model = Scaled(np.ones((3, 2)))

    def loss(x):
        return np.sum(x @ model.scale)

    grad = srcad.grad(loss)
    np.testing.assert_allclose(grad(X), np.full(3, 4.0))
    model.W = 3.0 * np.ones((3, 2))
    model._gain = 0.5
    np.testing.assert_allclose(grad(X), np.full(3, 6.0))
    np.testing.assert_allclose(srcad.numeric_grad(loss, X), np.full(3, 6.0), rtol=1e-6)
