"""The per-call cost of a gradient on small arrays (issue 21, T5s: a 4x4 logistic regression).

- Once an array specialisation is compiled, the wrapper tests the arguments for its kinds
  (type, dtype by identity, ndim, no size-1 dimension) before building a key: arguments of
  other kinds go the old way and get their own derivative.
- A specialisation with guards is called through a generated function with the guard's test
  written in, which respecialises where a guard fails.
- A broadcasting check that a live operation of the same line makes anyway is that operation
  (the adjoint `y - p` of binary cross-entropy): no `check_broadcast` in the logistic
  regression's gradient, and mismatched shapes still raise NumPy's error.
"""

import numpy as np
import pytest

import srcad
from srcad.kinds import kind_key

RNG = np.random.default_rng(2126)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def logistic(w, b, X, y):
    p = sigmoid(X @ w + b)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def small():
    X = RNG.standard_normal((4, 4))
    return RNG.standard_normal(4), 0.1, X, (RNG.random(4) > 0.5).astype(float)


def _fast_name(g):
    return next(n for n in g.__globals__ if n.startswith("_srcad_fast"))


@pytest.mark.parametrize("mode", ["grad", "value_and_grad"])
def test_the_first_array_kinds_are_tested_for_without_a_key(mode):
    g = getattr(srcad, mode)(logistic, wrt=(0, 1))
    args = small()
    first = g(*args)
    transform = g.__srcad__
    assert transform.fast_array == tuple(map(kind_key, args))
    assert g.__globals__[_fast_name(g)] is transform.cache[transform.fast_array]
    assert "_srcad_fast" in g.__code__.co_names
    again = g(*args)
    for a, b in zip(np.atleast_1d(*_leaves(first)), np.atleast_1d(*_leaves(again))):
        np.testing.assert_array_equal(a, b)


def _leaves(x):
    if isinstance(x, tuple):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


@pytest.mark.parametrize("other", ["float32", "size-1", "ndim", "numpy scalar"])
def test_arguments_of_other_kinds_get_their_own_derivative(other):
    g = srcad.grad(logistic, wrt=(0, 1))
    w, b, X, y = small()
    g(w, b, X, y)
    if other == "float32":
        args = (w.astype(np.float32), b, X.astype(np.float32), y.astype(np.float32))
    elif other == "size-1":
        args = (w[:1], b, X[:, :1], y)
    elif other == "ndim":
        args = (w[:, None], b, X, y[:, None])
    else:
        args = (w, np.float64(b), X, y)
    got = g(*args)
    assert tuple(map(kind_key, args)) in g.__srcad__.cache
    assert srcad.check_grad(logistic, *args, wrt=(0, 1), rtol=1e-3 if other == "float32"
                            else 1e-6, atol=1e-4 if other == "float32" else 1e-8)
    assert np.shape(got[0]) == np.shape(args[0])


def test_fast_path_and_guards_follow_a_rebound_global():
    """The loss reads the global `scale` (a guard on its value): rebinding it respecialises,
    also for the arguments the wrapper tests for first."""
    namespace = {"np": np, "scale": 2.0}
    exec("def f(w, X):\n    return scale * np.sum(np.tanh(X @ w))\n", namespace)
    f = namespace["f"]
    g = srcad.grad(f)
    w, X = RNG.standard_normal(3), RNG.standard_normal((5, 3))
    expected = 2.0 * X.T @ (1.0 - np.tanh(X @ w) ** 2)
    np.testing.assert_allclose(g(w, X), expected, rtol=1e-12)
    namespace["scale"] = 3
    np.testing.assert_allclose(g(w, X), 1.5 * expected, rtol=1e-12)
    assert srcad.check_grad(f, w, X, wrt=0)
    assert srcad.check_grad(f, w, X, wrt=0, mode="forward")


def test_a_guarded_one_argument_derivative_respecialises():
    namespace = {"np": np, "power": 2}
    exec("def f(x):\n    return np.sum(x ** power)\n", namespace)
    g = srcad.grad(namespace["f"])
    x = RNG.standard_normal(4)
    np.testing.assert_allclose(g(x), 2 * x)
    namespace["power"] = 3
    np.testing.assert_allclose(g(x), 3 * x ** 2)


def test_the_logistic_gradient_has_no_separate_broadcast_check():
    g = srcad.grad(logistic, wrt=(0, 1))
    args = small()
    g(*args)
    text = srcad.source(g)
    assert "check_broadcast" not in text and "(y - p)" in text
    assert srcad.check_grad(logistic, *args, wrt=(0, 1))
    assert srcad.check_grad(logistic, *args, wrt=(0, 1), mode="forward")


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_mismatched_labels_still_raise_numpys_error(mode):
    w, b, X, _ = small()
    y = np.ones(3)
    with pytest.raises(ValueError, match="broadcast"):
        logistic(w, b, X, y)
    if mode == "grad":
        with pytest.raises(ValueError, match="broadcast"):
            srcad.grad(logistic, wrt=(0, 1))(w, b, X, y)
    else:
        with pytest.raises(ValueError, match="broadcast"):
            srcad.jvp(logistic, wrt=0)(w, b, X, y, np.ones(4))


def test_a_check_with_no_operation_to_stand_for_it_stays():
    """`np.sum(a * b)` differentiated in a alone: the adjoint `b` broadcasts nothing, so the
    product's check stays and a shape mismatch raises."""
    def f(a, b):
        return np.sum(a * b)

    g = srcad.grad(f)
    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    g(a, b)
    assert "check_broadcast" in srcad.source(g)
    with pytest.raises(ValueError):
        g(a, RNG.standard_normal(4))


def test_arrays_of_other_dtypes_are_keyed_as_before():
    """Only number dtypes get the wrapper's test: a string array (a label argument) keys the
    old way, and the derivative is the same."""
    def f(w, labels):
        return np.sum(np.tanh(w) * (labels == "a"))

    g = srcad.grad(f)
    w, labels = RNG.standard_normal(3), np.array(["a", "b", "a"])
    np.testing.assert_allclose(g(w, labels), (1 - np.tanh(w) ** 2) * [1, 0, 1])
    assert g.__srcad__.fast_array is None


@pytest.mark.parametrize("g_shape, x_shape, dtype", [
    ((5, 3), (3,), np.float64), ((5, 1), (1,), np.float64), ((5, 3), (1, 3), np.float64),
    ((5, 3), (5, 1), np.float32), ((2, 5, 3), (3,), np.float64), ((5, 3), (5, 3), np.float64),
    ((), (), np.float64), ((4,), (), np.float64)])
def test_unbroadcast_sums_what_numpy_broadcast(g_shape, x_shape, dtype):
    """The runtime's adjoint of broadcasting (on every layer of `for W, b in params:`, where
    the bias's shape is known only at run time): the sum over the broadcast axes, in x's dtype,
    a number for a number."""
    from srcad.runtime import unbroadcast
    g = RNG.standard_normal(g_shape)
    x = np.zeros(x_shape, dtype) if x_shape else 0.5
    got = unbroadcast(g, x)
    extra = len(g_shape) - len(x_shape)
    expected = np.sum(g, axis=tuple(range(extra))) if extra else g
    axes = tuple(i for i, n in enumerate(x_shape) if n == 1 and np.shape(expected)[i] != 1)
    expected = np.sum(expected, axis=axes, keepdims=True) if axes else expected
    assert np.shape(got) == x_shape
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    if x_shape:
        assert got.dtype == dtype
    else:
        assert not isinstance(got, np.ndarray)


def test_layer_list_gradient_in_both_modes():
    def loss(params, x):
        h = x
        for W, b in params:
            h = 1.0 / (1.0 + np.exp(-(h @ W + b)))
        return np.mean(h ** 2)

    params = [(RNG.standard_normal((1, 4)), RNG.standard_normal(4)),
              (RNG.standard_normal((4, 1)), RNG.standard_normal(1))]
    x = RNG.standard_normal((6, 1))
    assert srcad.check_grad(loss, params, x, wrt=0)
    assert srcad.check_grad(loss, params, x, wrt=0, mode="forward")
