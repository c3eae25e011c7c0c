"""Arithmetic into arrays the generated code owns (srcad/codegen/in_place_arithmetic.py, issue
21): `bx = np.exp(ans); bx *= -s; bx += g` and `bW += h.T @ v` round a loop, where nothing can
see the difference. Numbers against finite differences in both modes, the source pinned, and
the cases that must stay out of place: an argument, a value read again, a result that
broadcasts beyond the operand or has another dtype, a value the user named, a taped value.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2107)


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(log_probs[np.arange(x.shape[0]), y]) / x.shape[0]


def weighted_softmax(x, w):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(log_probs * w)


def rnn(x, h0, Wx, Wh):
    h, total = h0, 0.0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t, :] @ Wx + h @ Wh)
        total = total + np.sum(h * h)
    return total


def reused(x, y):
    a = np.sin(x) * y          # read again after the sum
    b = a + y
    return np.sum(b * a)


def widened(row, m):
    t = np.exp(row) + m        # (1, n) + (k, n): the result is larger than the temporary
    return np.sum(np.cos(t))


def promoted(x32, y):
    t = np.sin(x32) * 2.0 + y  # float32 temporary, float64 result
    return np.sum(t * t)


def named(x, y):
    s = np.sin(x)
    t = s + y                  # s is the user's: it keeps its value and its name
    return np.sum(t * s)


def argument_sum(x, y):
    return np.sum(np.tanh(x + y))


def stored(w, X, state):
    state["velocity"] = 0.9 * state["velocity"] - 0.1 * (X.T @ (X @ w))   # the caller's dict
    w_next = w + state["velocity"]                                        # keeps that array
    return np.sum((X @ w_next) ** 2)


CASES = {
    "softmax": (softmax_loss, lambda: (3 * RNG.standard_normal((6, 5)),
                                       RNG.integers(0, 5, 6)), 0),
    "weighted softmax": (weighted_softmax, lambda: (3 * RNG.standard_normal((6, 5)),
                                                    RNG.random((6, 5))), 0),
    "rnn": (rnn, lambda: (RNG.standard_normal((3, 4, 2)), 0.1 * RNG.standard_normal((3, 5)),
                          RNG.standard_normal((2, 5)), 0.3 * RNG.standard_normal((5, 5))),
            (0, 1, 2, 3)),
    "reused": (reused, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))),
               (0, 1)),
    "widened": (widened, lambda: (RNG.standard_normal((1, 4)), RNG.standard_normal((3, 4))),
                (0, 1)),
    "promoted": (promoted, lambda: (RNG.standard_normal(5).astype(np.float32),
                                    RNG.standard_normal(5)), 1),
    "named": (named, lambda: (RNG.standard_normal(4), RNG.standard_normal(4)), (0, 1)),
    "argument": (argument_sum, lambda: (RNG.standard_normal(4), RNG.standard_normal(4)),
                 (0, 1)),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_numbers_against_finite_differences(name, mode):
    f, make, wrt = CASES[name]
    assert srcad.check_grad(f, *make(), wrt=wrt, mode=mode, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_arguments_unchanged_and_gradients_fresh(name):
    f, make, wrt = CASES[name]
    args = make()
    before = [np.copy(a) for a in args]
    grads = srcad.grad(f, wrt=wrt)(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    for g in grads if isinstance(grads, tuple) else (grads,):
        assert not any(np.shares_memory(g, a) for a in args if isinstance(a, np.ndarray))


def source(name):
    f, make, wrt = CASES[name]
    return str(srcad.source(srcad.grad(f, wrt=wrt), *make()))


def test_a_temporary_that_builds_an_adjoint_is_written_into():
    """(A picked softmax's adjoint is one call: tests/test_picked_softmax_adjoint.py.)"""
    text = source("weighted softmax")
    assert "    bx = np.exp(log_probs)\n    bx *= w.sum(axis=1, keepdims=True)\n" \
           "    bx -= w\n" in text, text


def test_accumulators_round_a_loop_add_in_place():
    text = source("rnn")
    assert "bWx += x[:, t_1, :].T @ " in text and "bWh += " in text, text
    assert "bWx = bWx +" not in text, text


def test_no_in_place_where_it_could_be_seen():
    for name in ("widened", "promoted", "argument"):
        text = source(name)
        assert "+=" not in text and "*=" not in text and "-=" not in text, (name, text)
    text = source("named")         # the user's s keeps its name and value
    assert "s +=" not in text and "s *=" not in text and "    bx = np.cos(x)\n" in text, text
    text = source("reused")        # np.sin(x), read twice, is not the adjoint's buffer
    assert "    v1 = np.sin(x)\n" in text and "v1 +=" not in text and "v1 *=" not in text, text
    assert "    bx = ba * y\n" in text and "    bx *= np.cos(x)\n" in text, text  # a temporary


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_array_the_caller_s_dict_keeps_is_not_written_into(mode):
    """`w + state["velocity"]` makes a new array in Python: the array the caller's dict
    holds keeps its values (in place, the dict would see w added to it)."""
    w, X, velocity = RNG.standard_normal(3), RNG.standard_normal((5, 3)), RNG.standard_normal(3)
    plain = {"velocity": velocity.copy()}
    stored(w, X, plain)
    state = {"velocity": velocity.copy()}
    if mode == "reverse":
        g = srcad.grad(stored)(w, X, state)
        expected = srcad.numeric_grad(stored, w, X, {"velocity": velocity.copy()})
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)
    else:
        t = RNG.standard_normal(3)
        _, derivative = srcad.jvp(stored)(w, X, state, t)
        expected = srcad.numeric_grad(stored, w, X, {"velocity": velocity.copy()})
        assert derivative == pytest.approx(float(expected @ t), rel=1e-6)
    np.testing.assert_array_equal(state["velocity"], plain["velocity"])
