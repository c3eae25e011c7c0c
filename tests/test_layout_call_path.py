"""The wrapper's test for the first array specialisation covers lists and tuples of arrays and
arrays with size-1 dimensions (issue 21, T2: a list of (W, b) pairs keyed at 5 us a call).

The test is written into the wrapper from the argument kinds the specialisation was compiled
for: class and length of each list or tuple, then each item; class, dtype, ndim and which
dimensions have size 1 of each array. Arguments of any other layout take the key as before
and get their own derivative, with the right numbers.
"""

import numpy as np
import pytest

import srcad
from srcad.kinds import kind_key

RNG = np.random.default_rng(2181)


def layers(params, x):
    h = x
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.mean(h ** 2)


def make(sizes=(1, 4, 3, 1), dtype=np.float64):
    params = [(RNG.standard_normal((m, n)).astype(dtype), RNG.standard_normal(n).astype(dtype))
              for m, n in zip(sizes, sizes[1:])]
    return params, RNG.standard_normal((6, sizes[0])).astype(dtype)


def _fast(g):
    return g.__globals__[next(n for n in g.__globals__ if n.startswith("_srcad_fast"))]


def test_a_list_of_pairs_is_tested_for_by_layout():
    g = srcad.grad(layers)
    params, x = make()
    first = g(params, x)
    transform = g.__srcad__
    assert transform.fast_array == (kind_key(params), kind_key(x))
    assert _fast(g) is transform.cache[transform.fast_array]
    again = g(params, x)
    for (dW, db), (eW, eb) in zip(first, again):
        np.testing.assert_array_equal(dW, eW)
        np.testing.assert_array_equal(db, eb)
    assert srcad.check_grad(layers, params, x, wrt=0)
    assert srcad.check_grad(layers, params, x, wrt=0, mode="forward")


def _other(kind, params, x):
    if kind == "longer":
        more, _ = make((1, 4, 3, 2, 1))
        return more, x
    if kind == "float32":
        return [(W.astype(np.float32), b) for W, b in params], x
    if kind == "size-1 moved":
        W, b = params[1]
        return [params[0], (W[:, :1], b[:1]), (params[2][0][:1], params[2][1])], x
    if kind == "tuple of pairs":
        return tuple(params), x
    if kind == "list items":
        return [list(p) for p in params], x
    if kind == "float bias":
        W, b = params[2]
        return [params[0], params[1], (W, float(b[0]))], x
    if kind == "wider x":
        params = [(np.vstack([params[0][0]] * 2), params[0][1])] + params[1:]
        return params, RNG.standard_normal((6, 2))
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["longer", "float32", "size-1 moved", "tuple of pairs",
                                  "list items", "float bias", "wider x"])
def test_other_layouts_get_their_own_derivative(kind):
    g = srcad.grad(layers)
    params, x = make()
    g(params, x)
    other = _other(kind, params, x)
    got = g(*other)
    assert kind_key(other[0]) != kind_key(params) or kind_key(other[1]) != kind_key(x)
    assert (kind_key(other[0]), kind_key(other[1])) in g.__srcad__.cache
    assert len(got) == len(other[0])
    tol = {"rtol": 1e-3, "atol": 1e-4} if kind == "float32" else {}
    assert srcad.check_grad(layers, *other, wrt=0, **tol)
    assert srcad.check_grad(layers, *other, wrt=0, mode="forward", **tol)


def test_a_one_by_one_weight_keeps_its_own_derivative():
    """Every dimension of size 1 (a 1-1-1 network): the test reads each size."""
    g = srcad.grad(layers)
    params, x = make((1, 1, 1))
    np.testing.assert_allclose(g(params, x)[0][1], srcad.numeric_grad(
        lambda b: layers([(params[0][0], b), params[1]], x), params[0][1]), rtol=1e-6)
    wide, _ = make((1, 3, 1))
    got = g(wide, x)
    assert np.shape(got[0][1]) == (3,)
    assert srcad.check_grad(layers, wide, x, wrt=0)
