"""Generators of the user's consumed by a loop, list(), sum() or a comprehension: srcad runs
the generator to its end first, as the list of what it yields (srcad/lowering/generators.py),
which gives the values Python's interleaving gives wherever the generator only computes.
Each in both modes against finite differences; what cannot run that way is refused."""

import numpy as np
import pytest

import srcad
from srcad.errors import SrcadError

RNG = np.random.default_rng(3)
X = RNG.normal(size=(8, 3))
Y = RNG.normal(size=(8, 2))
W1 = RNG.normal(size=(3, 4)) * 0.5
B1 = RNG.normal(size=4) * 0.1
W2 = RNG.normal(size=(4, 2)) * 0.5
B2 = RNG.normal(size=2) * 0.1


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


def weight_pairs(flat):
    """(W, b) for each layer of a flat parameter list."""
    for k in range(0, len(flat), 2):
        yield flat[k], flat[k + 1]


def minibatches(inputs, targets, size):
    for start in range(0, inputs.shape[0], size):
        yield inputs[start:start + size], targets[start:start + size]


def mlp_loss(w1, b1, w2, b2, x, y):
    total = 0.0
    for xb, yb in minibatches(x, y, 3):
        h = xb
        for w, b in weight_pairs([w1, b1, w2, b2]):
            h = np.tanh(h @ w + b)
        total = total + np.mean((h - yb) ** 2)
    return total


def test_layers_and_minibatches_from_generators():
    check_both_modes(mlp_loss, W1, B1, W2, B2, X, Y, wrt=(0, 1, 2, 3))


def hidden_states(xs, w, u):
    h = np.zeros(w.shape[1])
    for x in xs:
        h = np.tanh(x @ w + h @ u)
        yield h


def rnn_energy(w, u, xs):
    return sum(np.sum(h ** 2) for h in hidden_states(xs, w, u))


def rnn_last(w, u, xs):
    states = list(hidden_states(xs, w, u))
    return np.sum(states[-1]) + len(states)


U = RNG.normal(size=(4, 4)) * 0.3


def test_states_of_a_recurrence_summed_and_listed():
    check_both_modes(rnn_energy, W1, U, X, wrt=(0, 1))
    check_both_modes(rnn_last, W1, U, X, wrt=(0, 1))


def nested_generators(w, x):
    def scaled(h):
        yield h
        yield from (h * s for s in (0.5, 2.0))

    def chain(h, depth):
        for _ in range(depth):
            h = np.sin(h @ w)
            yield from scaled(h)
        return                                  # a bare return ends the generator

    return sum(np.sum(v) for v in chain(x, 2))


def test_local_generators_and_yield_from():
    check_both_modes(nested_generators, np.eye(3) * 0.7 + 0.1, X)


def counter():
    value = 1.0
    while True:
        yield value
        value = value * 0.5


def uses_an_endless_generator(w):
    total = 0.0
    for k, c in enumerate(counter()):
        if k == 3:
            break
        total = total + c * np.sum(w)
    return total


def test_a_generator_with_a_while_loop_is_refused_with_the_rewrite():
    with pytest.raises(SrcadError, match="while loop.*for loop over a range"):
        srcad.grad(uses_an_endless_generator)(W1)


def echo():
    received = yield 1.0
    yield received


def test_a_yield_used_as_a_value_is_refused():
    def f(w):
        return np.sum(w) * sum(echo())
    with pytest.raises(SrcadError, match="send protocol"):
        srcad.grad(f)(W1)


def test_next_of_a_generator_is_refused_with_the_rewrite():
    def f(w):
        it = weight_pairs([w, w])
        first, _ = next(it)
        return np.sum(first)
    with pytest.raises(SrcadError, match=r"list\(gen\)\[0\]"):
        srcad.grad(f)(W1)
