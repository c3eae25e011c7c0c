"""NumPy functions published code uses that srcad lacked (issue 16, issue 20): np.diff,
np.take_along_axis, np.linspace with active endpoints, np.nansum / np.nanmean, x.item(),
np.ix_ and argmax/argmin used as indices. Each in reverse mode (grad) and forward mode (jvp),
against central differences or the documented convention (a NaN's derivative is 0)."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2020)
A = RNG.standard_normal((3, 5))
V = RNG.standard_normal(6)


def check_both_modes(f, *args, wrt=0):
    """grad against numeric_grad; jvp along a random direction against the same gradient;
    the gradient has its argument's type, shape and dtype."""
    x = args[wrt]
    g = srcad.grad(f, wrt)(*args)
    numeric = srcad.numeric_grad(f, *args, wrt=wrt)
    assert type(g) is type(x) and np.shape(g) == np.shape(x)
    assert getattr(g, "dtype", None) == getattr(x, "dtype", None)
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)
    direction = RNG.standard_normal(np.shape(x))
    tangent = float(direction) if isinstance(x, float) else direction
    value, forward = srcad.jvp(f, wrt)(*args, tangent)
    np.testing.assert_allclose(value, f(*args))
    np.testing.assert_allclose(forward, np.sum(numeric * direction), rtol=1e-6, atol=1e-8)
    return g


CASES = {
    "diff": (lambda x: np.sum(np.diff(x) ** 2), V),
    "diff n=2": (lambda x: np.sum(np.sin(np.diff(x, n=2))), V),
    "diff axis=0": (lambda a: np.sum(np.diff(a, axis=0) ** 2), A),
    "diff n=3 axis=1": (lambda a: np.sum(np.cos(np.diff(a, 3, 1))), A),
    "diff of a diff": (lambda a: np.sum(np.diff(np.diff(a, axis=0), axis=1) ** 3), A),
    "take_along_axis": (lambda a: np.sum(np.take_along_axis(
        a, np.array([[4, 0], [1, 1], [2, 3]]), axis=1) ** 2), A),
    "take_along_axis argsort": (lambda a: np.sum(np.diff(np.take_along_axis(
        a, np.argsort(a, axis=0), axis=0), axis=0) ** 2), A),
    "take_along_axis argmax": (lambda a: np.sum(np.take_along_axis(
        a, np.argmax(a, axis=1)[:, None], axis=1) * 3.0), A),
    "take_along_axis None": (lambda a: np.sum(np.take_along_axis(
        a, np.array([14, 0, 14]), None) ** 2), A),
    "linspace inactive": (lambda x: np.sum(x * np.linspace(0.0, 1.0, 6)), V),
    "linspace endpoint=False": (lambda x: np.sum(x * np.linspace(-1.0, 1.0, 6, False)), V),
    "linspace start and stop": (lambda s: np.sum(np.sin(np.linspace(s, 2 * s + 1.0, 5))), 0.7),
    "linspace array ends": (lambda x: np.sum(np.linspace(x, 2.0, 4) ** 2), V),
    "linspace num from shape": (lambda x: np.sum(x * np.linspace(0.0, x[0], x.shape[0])), V),
    "nansum": (lambda x: np.nansum(x ** 2), V),
    "nansum axis keepdims": (lambda a: np.sum(np.nansum(a ** 2, axis=1, keepdims=True) ** 2), A),
    "nanmean": (lambda x: np.nanmean(np.sin(x)), V),
    "nanmean axis": (lambda a: np.sum(np.nanmean(a, axis=0) ** 2), A),
    "item()": (lambda x: np.sin(np.sum(x).item()) * 2.0, V),
    "item(i)": (lambda a: a.item(7) * a.item((2, 1)), A),
    "item of a 0-d array": (lambda x: (x * 2.0).item() ** 2, np.array(0.7)),
    "ix_": (lambda a: np.sum(a[np.ix_([0, 2], [1, 3, 4])] ** 2), A),
    "x[np.argmax(x)]": (lambda x: x[np.argmax(x)] * 3.0, V),
    "x[x.argmin()]": (lambda x: x[x.argmin()] ** 2, V),
    "rows of argmax": (lambda a: np.sum(a[np.arange(3), np.argmax(a, axis=1)] ** 2), A),
    "rows of argmin, n from shape": (lambda a: np.sum(
        a[np.arange(a.shape[0]), np.argmin(a, axis=1)] ** 2), A),
}


@pytest.mark.parametrize("name", list(CASES))
def test_both_modes(name):
    f, x = CASES[name]
    check_both_modes(f, x)


def test_item_returns_a_python_float_and_keeps_float32():
    x = V.astype(np.float32)
    assert type(x.item(2)) is float
    g = srcad.grad(lambda x: x.item(2) * 3.0)(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.eye(6, dtype=np.float32)[2] * 3.0)
    assert srcad.jvp(lambda x: x.item(2) * 3.0)(x, np.ones(6, np.float32))[1] == 3.0


def test_nan_elements_get_derivative_zero():
    x = np.array([[0.3, np.nan, 0.5], [0.8, 0.1, np.nan]])
    present = ~np.isnan(x)
    g = srcad.grad(lambda x: np.nansum(x * 3.0))(x)
    np.testing.assert_array_equal(g, np.where(present, 3.0, 0.0))
    g = srcad.grad(lambda x: np.nansum(x ** 2))(x)      # 0 * (2 * nan): as in JAX
    np.testing.assert_array_equal(g, 2 * x)
    g = srcad.grad(lambda x: np.sum(np.nanmean(x, axis=1)))(x)
    np.testing.assert_array_equal(g, np.where(present, 0.5, 0.0))
    _, t = srcad.jvp(lambda x: np.sum(np.nanmean(x, axis=0)))(x, np.ones_like(x))
    assert t == 3.0                                      # each column's mean moves by 1
    _, t = srcad.jvp(lambda x: np.nansum(x * 2.0))(x, np.full_like(x, np.nan))
    assert np.isnan(t)                                   # a NaN tangent where x is not NaN
    _, t = srcad.jvp(lambda x: np.nansum(x * 2.0))(x, np.where(present, 1.0, np.nan))
    assert t == 8.0                                      # a NaN tangent where x is NaN: skipped


def test_nan_made_inside_the_function():
    x = np.array([0.3, -1.2, 0.5, 0.9])
    f = lambda x: np.nansum(np.where(x > 0.4, np.nan, x) ** 2)  # noqa: E731
    g = srcad.grad(f)(x)
    np.testing.assert_array_equal(g, [0.6, -2.4, 0.0, 0.0])
    assert srcad.jvp(f)(x, np.ones(4))[1] == pytest.approx(-1.8)


def test_second_derivatives_through_diff_and_linspace():
    f = lambda x: np.sum(np.diff(x, 2) ** 3)  # noqa: E731
    h = srcad.hessian(f)(V)
    numeric = np.array([srcad.numeric_grad(lambda y, i=i: srcad.grad(f)(y)[i], V)
                        for i in range(V.size)])
    np.testing.assert_allclose(h, numeric, rtol=1e-5, atol=1e-6)
    s = lambda t: np.sum(np.sin(np.linspace(t, t * t, 4)))  # noqa: E731
    second = srcad.grad(srcad.grad(s))(0.7)
    assert second == pytest.approx(srcad.numeric_grad(srcad.grad(s), 0.7), rel=1e-6)


@pytest.mark.parametrize("source", [
    "np.linspace(0.0, x[0], 4, retstep=True)[0]",
    "np.linspace(x, 2.0 * x, 3, axis=1)"])
def test_what_is_not_handled_is_refused_at_the_line(source):
    namespace = {"np": np}
    exec(compile(f"def f(x):\n    return np.sum({source})\n", "<refused>", "exec"), namespace)
    with pytest.raises(srcad.SrcadError, match="argument"):
        srcad.grad(namespace["f"])(V)
