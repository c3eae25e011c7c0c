"""`for name, w in sorted(params.items()):` (a deterministic order over a dict of parameters,
as layer libraries write it) was refused (`sorted` of differentiated values). Pairs whose first
items are distinct keys known now are put in Python's order by those keys alone, so the values
are never compared. Checked in both modes against central differences."""

import numpy as np
import pytest

import srcad


def weight_decay(params, x):
    total = np.sum(x)
    for name, w in sorted(params.items()):
        total = total + 0.5 * np.sum(w ** 2) * (1.0 if name.startswith("W") else 0.25)
    return total


def descending(x):
    d = {3: x[0], 1: x[1] * 2.0, 2: x[2]}
    out = [v for _, v in sorted(d.items(), reverse=True)]
    return out[0] + 10.0 * out[1] + 100.0 * out[2]


def pairs(x):
    return sorted([("b", x[0]), ("a", x[1])])[0][1] * 3.0


PARAMS = {"W2": np.ones((2, 2)), "W1": np.arange(3.0), "b1": np.array([0.5, -1.0, 2.0])}


def test_sorted_items_of_a_parameter_dict_in_both_modes():
    x = np.ones(2)
    numeric = srcad.numeric_grad(weight_decay, PARAMS, x)
    grads = srcad.grad(weight_decay)(PARAMS, x)
    for name in PARAMS:
        np.testing.assert_allclose(grads[name], numeric[name], rtol=1e-6)
    tangents = {k: np.ones_like(v) for k, v in PARAMS.items()}
    value, tangent = srcad.jvp(weight_decay)(PARAMS, x, tangents)
    assert np.isclose(value, weight_decay(PARAMS, x))
    assert np.isclose(tangent, sum(np.sum(v) for v in numeric.values()), rtol=1e-6)


@pytest.mark.parametrize("f", [descending, pairs])
def test_pairs_ordered_by_their_keys_in_both_modes(f):
    x = np.array([0.5, -1.0, 2.0])
    numeric = srcad.numeric_grad(f, x)
    np.testing.assert_allclose(srcad.grad(f)(x), numeric, rtol=1e-6, atol=1e-9)
    value, tangent = srcad.jvp(f)(x, np.ones(3))
    assert np.isclose(value, f(x)) and np.isclose(tangent, np.sum(numeric), rtol=1e-6)
