"""srcad.vjp and srcad.jvp on pytrees, as JAX's do: inputs and outputs that are nested
tuples, lists and dicts of arrays, namedtuples, dataclasses and registered classes; the
cotangent has the output's structure, each gradient its argument's, the tangent_out the
output's. `has_aux=True` on both: `(value, grads, aux)` and `(value, tangent_out, aux)`, aux
last as in JAX's `vjp` (`(out, vjp_fn, aux)`) and `jvp` (issue 19)."""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pytest

import srcad
from srcad.tree import flatten, map_leaves

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 3))


def check_both_modes(f, *args, wrt=0):
    """vjp and jvp against central differences (the dot-product test of srcad.check_grad)."""
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


def dict_params():
    return {"W": RNG.normal(size=(3, 2)) * 0.5, "b": RNG.normal(size=2) * 0.1}


def outputs_a_dict(p, x):
    h = np.tanh(x @ p["W"] + p["b"])
    return {"h": h, "norm": np.sum(h ** 2), "pair": (h[0], 2.0 * h)}


def outputs_a_tuple_and_list(p, x):
    h = x @ p["W"] + p["b"]
    return np.sin(h), [np.sum(h), h * 2.0]


@pytest.mark.parametrize("f", [outputs_a_dict, outputs_a_tuple_and_list])
def test_tree_outputs_in_both_modes(f):
    check_both_modes(f, dict_params(), X)


def test_vjp_takes_a_cotangent_of_the_output_structure_and_gives_the_input_structure():
    p = dict_params()
    out = outputs_a_dict(p, X)
    cotangent = map_leaves(lambda v: np.full(np.shape(v), 0.5), out)
    value, grads = srcad.vjp(outputs_a_dict)(p, X, cotangent)
    assert set(value) == {"h", "norm", "pair"} and isinstance(value["pair"], tuple)
    assert set(grads) == {"W", "b"} and grads["W"].shape == (3, 2)

    def scalar(q):
        leaves, _ = flatten(outputs_a_dict(q, X))
        return sum(0.5 * np.sum(leaf) for leaf in leaves)
    np.testing.assert_allclose(grads["W"], srcad.numeric_grad(scalar, p)["W"], rtol=1e-6)


def test_jvp_gives_a_tangent_of_the_output_structure():
    p = dict_params()
    tangent = map_leaves(np.ones_like, p)
    value, dout = srcad.jvp(outputs_a_tuple_and_list)(p, X, tangent)
    assert isinstance(dout, tuple) and isinstance(dout[1], list)
    eps = 1e-6
    plus = outputs_a_tuple_and_list(map_leaves(lambda a: a + eps, p), X)
    minus = outputs_a_tuple_and_list(map_leaves(lambda a: a - eps, p), X)
    for got, hi, lo in zip(flatten(dout)[0], flatten(plus)[0], flatten(minus)[0]):
        np.testing.assert_allclose(got, (hi - lo) / (2 * eps), rtol=1e-6, atol=1e-8)


State = namedtuple("State", "W b")


@dataclass
class Params:
    W: np.ndarray
    b: np.ndarray


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b


srcad.tree.register(Affine, lambda a: ((a.W, a.b), None), lambda aux, kids: Affine(*kids))


def reads_fields(p, x):
    return np.tanh(x @ p.W + p.b)


@pytest.mark.parametrize("make", [State, Params, Affine], ids=["namedtuple", "dataclass",
                                                               "registered"])
def test_record_inputs_in_both_modes(make):
    p = make(RNG.normal(size=(3, 2)) * 0.5, RNG.normal(size=2) * 0.1)
    check_both_modes(reads_fields, p, X)
    value, grads = srcad.vjp(reads_fields)(p, X, np.ones((4, 2)))
    assert type(grads) is make


def nested_inputs(params, x):
    (W1, b1), layers = params[0], params[1]
    h = np.tanh(x @ W1 + b1)
    for layer in layers:
        h = h @ layer["W"]
    return {"out": h, "sum": np.sum(h)}


def test_nested_tuple_list_dict_input_and_dict_output():
    params = ((RNG.normal(size=(3, 3)) * 0.5, np.zeros(3)),
              [{"W": RNG.normal(size=(3, 3)) * 0.5}, {"W": RNG.normal(size=(3, 2)) * 0.5}])
    check_both_modes(nested_inputs, params, X)


def with_aux(w, x):
    pred = np.tanh(x @ w)
    return pred * 2.0, {"mean": np.mean(pred), "count": 4, "pred": pred}


def test_vjp_with_aux_returns_value_grads_aux():
    w = RNG.normal(size=3)
    cotangent = RNG.normal(size=4)
    value, grads, aux = srcad.vjp(with_aux, has_aux=True)(w, X, cotangent)
    np.testing.assert_allclose(value, with_aux(w, X)[0])
    assert aux["count"] == 4 and aux["mean"] == pytest.approx(with_aux(w, X)[1]["mean"])
    numeric = srcad.numeric_grad(lambda v: cotangent @ with_aux(v, X)[0], w)
    np.testing.assert_allclose(grads, numeric, rtol=1e-6, atol=1e-9)


def test_jvp_with_aux_returns_value_tangent_aux():
    w, dw = RNG.normal(size=3), RNG.normal(size=3)
    value, tangent, aux = srcad.jvp(with_aux, has_aux=True)(w, X, dw)
    np.testing.assert_allclose(value, with_aux(w, X)[0])
    np.testing.assert_allclose(aux["pred"], with_aux(w, X)[1]["pred"])
    eps = 1e-6
    numeric = (with_aux(w + eps * dw, X)[0] - with_aux(w - eps * dw, X)[0]) / (2 * eps)
    np.testing.assert_allclose(tangent, numeric, rtol=1e-6, atol=1e-9)


def aux_with_records(p, x):
    h = x @ p.W + p.b
    return {"h": np.sin(h)}, np.max(h)


def test_vjp_with_aux_of_a_dataclass_argument_and_a_dict_output():
    p = Params(RNG.normal(size=(3, 2)), RNG.normal(size=2))
    value, grads, aux = srcad.vjp(aux_with_records, has_aux=True)(p, X, {"h": np.ones((4, 2))})
    assert type(grads) is Params and aux == pytest.approx(np.max(X @ p.W + p.b))
    numeric = srcad.numeric_grad(lambda W: np.sum(np.sin(X @ W + p.b)), p.W)
    np.testing.assert_allclose(grads.W, numeric, rtol=1e-6, atol=1e-9)
    value, tangent, aux = srcad.jvp(aux_with_records, has_aux=True)(
        p, X, Params(np.ones((3, 2)), np.zeros(2)))
    assert set(tangent) == {"h"} and aux == pytest.approx(np.max(X @ p.W + p.b))


def test_a_cotangent_of_another_structure_is_refused():
    with pytest.raises(ValueError, match="structure and shape"):
        srcad.vjp(outputs_a_tuple_and_list)(dict_params(), X, (np.ones((4, 2)),))


def builds_a_namedtuple(p, x):
    h = x @ p["W"]
    return State(np.sum(h), h)


def test_building_a_namedtuple_from_differentiated_values_is_refused_with_the_rewrite():
    with pytest.raises(srcad.SrcadError, match="return a tuple or a dict") as err:
        srcad.vjp(builds_a_namedtuple)(dict_params(), X, State(1.0, np.ones((4, 2))))
    assert err.value.line == builds_a_namedtuple.__code__.co_firstlineno + 2
