"""Corpus part 9 (tests/corpus_programs_9.py): programs that write into the arrays they are
given (issue 18).

Each program in both modes against finite differences (each evaluation from the arguments as
given), against a hand-written gradient (itself checked against finite differences), and
against autograd where it can take the program; and the arrays it was given, after one call
of each derivative, against the same after one plain call: written once, in place, with the
values Python writes.
"""

import copy

import numpy as np
import pytest

import corpus_check as C
import corpus_programs_9 as P
import srcad


def _lookahead():
    g = np.random.default_rng(90)
    return ({"w": g.standard_normal(3), "b": np.array([0.2])}, g.standard_normal((6, 3)),
            g.standard_normal(6), 0.3)


def _clipped():
    g = np.random.default_rng(91)
    return (g.standard_normal((4, 3)), g.standard_normal((3, 5)), g.standard_normal((5, 2)),
            g.standard_normal((4, 2)))


LAYER = P.Dense(np.random.default_rng(92).standard_normal((3, 4)), np.full(4, 0.1))
DOUT = np.random.default_rng(93).standard_normal((5, 4))


def dense_layer_loss(x):
    return np.sum(LAYER.forward(x) * DOUT)


def _dense_hand(x):
    layer = copy.deepcopy(LAYER)
    layer.forward(x)
    return (layer.backward(DOUT),)


CASES = {
    "lookahead_sgd_step_on_dict_params": (P.lookahead_loss, _lookahead, 0,
                                          P.lookahead_backward),
    "dense_layer_caching_into_self": (dense_layer_loss,
                                      lambda: (np.random.default_rng(94).standard_normal((5, 3)),),
                                      0, _dense_hand),
    "clipped_input_leaky_mlp": (P.clipped_input_mlp_loss, _clipped, (0, 1, 2),
                                P.clipped_input_mlp_backward),
}

XFAIL = {}


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "reverse")))
def test_caller_writes_reverse_against_finite_differences(name):
    C.check_reverse(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "forward")))
def test_caller_writes_forward_against_finite_differences(name):
    C.check_forward(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "hand")))
def test_caller_writes_against_hand_written_backward_and_fresh(name):
    C.check_hand(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_caller_writes_hand_written_backward_is_right(name):
    C.check_hand_written_oracle(CASES[name])


def _arrays(value):
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    return [value] if isinstance(value, np.ndarray) else []


@pytest.mark.parametrize("name", ["lookahead_sgd_step_on_dict_params",
                                  "clipped_input_leaky_mlp"])
def test_caller_writes_leave_the_arguments_as_python_does(name):
    f, build, wrt, _ = CASES[name]
    wanted = wrt if isinstance(wrt, tuple) else (wrt,)
    plain = build()
    f(*plain)
    for run in ("grad", "value_and_grad", "vjp", "jvp"):
        args = build()
        given = _arrays(args)
        if run == "jvp":
            tangents = [copy.deepcopy(args[i]) for i in wanted]
            srcad.jvp(f, wrt=wanted)(*args, *tangents)
        elif run == "vjp":
            srcad.vjp(f, wrt=wanted)(*args, 1.0)
        else:
            getattr(srcad, run)(f, wrt=wanted)(*args)
        after = _arrays(args)
        assert all(a is b for a, b in zip(after, given)), "an array was replaced, not written"
        for got, want in zip(after, _arrays(plain)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_dense_layer_ends_as_python_leaves_it():
    x = np.random.default_rng(95).standard_normal((5, 3))
    layers = [copy.deepcopy(LAYER) for _ in range(3)]
    activity = [layer.activity for layer in layers]
    layers[0].forward(x)
    srcad.grad(lambda x: np.sum(layers[1].forward(x) * DOUT))(x)
    srcad.jvp(lambda x: np.sum(layers[2].forward(x) * DOUT))(x, np.ones_like(x))
    for layer, before in zip(layers[1:], activity[1:]):
        assert layer.activity is before
        np.testing.assert_allclose(layer.activity, layers[0].activity)
        np.testing.assert_allclose(layer.x, layers[0].x)
        np.testing.assert_array_equal(layer.mask, layers[0].mask)
        assert layer.calls == layers[0].calls == LAYER.calls + 1
