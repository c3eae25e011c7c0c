"""Operators on objects the function makes of its own classes (a small vector or polynomial
class, as tutorials write them), as Python runs them: `a + b` through `__add__`, then the
reflected `__radd__` (first where the right operand's class is a subclass overriding it, and
where `__add__` returns NotImplemented), `a += b` through `__iadd__` where the class has one
(what it sets on the object followed), else `a = a + b`; `-a`, `a[k]`, `len(a)`. An operator
the classes do not define is refused at the line, where Python raises TypeError.

Each checked in both modes against plain Python and central differences.
"""

import inspect

import numpy as np
import pytest

import srcad


class Vec:
    def __init__(self, a):
        self.a = a

    def __add__(self, other):
        if not isinstance(other, Vec):
            return NotImplemented
        return Vec(self.a + other.a)

    def __radd__(self, other):
        return Vec(self.a + other)

    def __mul__(self, k):
        return Vec(self.a * k)

    def __rmul__(self, k):
        return Vec(k * self.a)

    def __neg__(self):
        return Vec(-self.a)

    def __getitem__(self, index):
        return self.a[index]

    def __len__(self):
        return len(self.a)

    def norm2(self):
        return np.sum(self.a ** 2)


class Scaled(Vec):
    def __radd__(self, other):
        return Scaled(10.0 * self.a + other.a)


class Accumulator:
    def __init__(self, a):
        self.a = a
        self.count = 0

    def __add__(self, other):
        return Accumulator(self.a + other.a)

    def __iadd__(self, other):
        self.a = self.a + 2.0 * other.a
        self.count += 1
        return self

    def total(self):
        return np.sum(self.a) * (self.count + 1)


def arithmetic(x):
    v = Vec(x)
    w = v + v * 2.0
    u = 3.0 * w + (-v)
    return u.norm2() + u[0] * len(u) + np.sum(u[1:])


def reflected_first_for_a_subclass(x):
    return (Vec(x) + Scaled(x * 2.0)).norm2()


def not_implemented_falls_back(x):
    u = 1.5 + Vec(x)
    u += Vec(x * 2.0)
    return u.norm2()


def in_place_method(x):
    u = Accumulator(x)
    same = u
    u += Accumulator(x * 3.0)
    return u.total() + same.total()


@pytest.mark.parametrize("f", [arithmetic, reflected_first_for_a_subclass,
                               not_implemented_falls_back, in_place_method],
                         ids=lambda f: f.__name__)
def test_operators_follow_the_class_in_both_modes(f):
    x = np.array([0.5, -1.0, 2.0])
    numeric = srcad.numeric_grad(f, x)
    np.testing.assert_allclose(srcad.grad(f)(x), numeric, rtol=1e-6, atol=1e-9)
    value, tangent = srcad.jvp(f)(x, np.ones(3))
    assert np.isclose(value, f(x))
    assert np.isclose(tangent, np.sum(numeric), rtol=1e-6)


def undefined_operator(x):
    v = Vec(x)
    return (v - v).norm2()


def undefined_len(x):
    return len(Accumulator(x)) * np.sum(x)


@pytest.mark.parametrize("f, text", [(undefined_operator, "for -: Vec and Vec"),
                                     (undefined_len, "has no len()")],
                         ids=["operator", "len"])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_an_operator_the_class_lacks_is_refused_where_python_raises(f, text, mode):
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(TypeError):
        f(x)
    derivative = getattr(srcad, mode)(f)
    with pytest.raises(srcad.SrcadError, match="Python raises TypeError") as err:
        derivative(x) if mode == "grad" else derivative(x, np.ones(3))
    lines, first = inspect.getsourcelines(f)
    assert text in str(err.value) and f"line {first + len(lines) - 1}:" in str(err.value)


class Batches:
    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        for row in self.rows:
            yield 2.0 * row


class Listed:
    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)


def iterates(x):
    batches = Batches([x[0], x[1] * x[2], x[2]])
    total = 0.0
    for b in batches:
        total = total + b ** 2
    return total + sum(b for b in batches)


def iterates_a_returned_iterator(x):
    total = 0.0
    for b in Listed([x[0], x[1]]):
        total = total + b
    return total


def test_a_generator_dunder_iter_in_both_modes():
    x = np.array([0.5, -1.0, 2.0])
    numeric = srcad.numeric_grad(iterates, x)
    np.testing.assert_allclose(srcad.grad(iterates)(x), numeric, rtol=1e-6)
    value, tangent = srcad.jvp(iterates)(x, np.ones(3))
    assert np.isclose(value, iterates(x)) and np.isclose(tangent, np.sum(numeric), rtol=1e-6)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_another_dunder_iter_is_refused_with_the_generator_to_write(mode):
    x = np.array([0.5, -1.0, 2.0])
    derivative = getattr(srcad, mode)(iterates_a_returned_iterator)
    with pytest.raises(srcad.SrcadError, match="written as a generator") as err:
        derivative(x) if mode == "grad" else derivative(x, np.ones(3))
    line = iterates_a_returned_iterator.__code__.co_firstlineno + 2
    assert f"line {line}:" in str(err.value)
