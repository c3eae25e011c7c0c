"""Generated adjoints as lean as hand-written ones, part 2 (issue 21), with unchanged numbers.

- Binary cross-entropy on a saturated logistic (p exactly 0 or 1): the loss is inf or nan, the
  reverse-mode gradient the finite limit y - p (docs/conventions.md), forward mode the
  expression as written.
"""

import warnings

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(212)


# ----- binary cross-entropy where the logistic saturates ------------------------------------
def bce(z, y):
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_saturated_bce_gradient_is_the_finite_limit():
    z = np.array([40.0, -800.0, 0.5, -2.0])
    y = np.array([0.0, 1.0, 1.0, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, g = srcad.value_and_grad(bce)(z, y)
        expected_value = bce(z, y)
    assert value == expected_value == np.inf         # the value is Python's
    p = 1 / (1 + np.exp(-np.clip(z, -700, 700)))
    np.testing.assert_allclose(g, (p - y) / z.size, rtol=1e-14)
    gy = srcad.grad(bce, wrt=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(gy(z, y), -z / z.size, rtol=1e-14)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_unsaturated_bce_in_both_modes(mode):
    z, y = RNG.standard_normal(5), np.array([0.0, 1.0, 1.0, 0.2, 0.0])
    assert srcad.check_grad(bce, z, y, wrt=(0, 1), mode=mode)


def test_saturated_bce_forward_mode_is_the_expression_as_written():
    z, y = np.array([40.0, 0.5]), np.array([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, tangent = srcad.jvp(bce)(z, y, np.array([0.0, 1.0]))
    assert value == np.inf and np.isnan(tangent)     # documented: no limit taken in jvp


# ----- size-1 patterns through basic indexing, np.dot and loop carries ----------------------
def rnn(x, h0, Wx, Wh, b):
    """h0 may be (1, H): the carry's first dimension is 1 on entry and N after a step."""
    h = np.zeros((x.shape[0], x.shape[1], Wh.shape[1]))
    prev = h0
    for t in range(x.shape[1]):
        prev = np.tanh(x[:, t, :].dot(Wx) + prev.dot(Wh) + b)
        h[:, t, :] = prev
    return np.sum(h * h)


def reads(x, w):
    """Full slices, an integer, None and ... on arrays with dimensions of size 1."""
    a = x[:, 0, :] * w
    c = x[..., None][:, 1, :, 0] + x[:, 0, ...]
    d = x[0:1, :, :] * x[:, :, 0:1]
    return np.sum(a * a) + np.sum(c * np.cos(c)) + np.sum(np.dot(x[:, 0, :], w.T) ** 2) \
        + np.sum(d * d)


def _rnn_args(N, T, D, H, h0_rows):
    return (RNG.standard_normal((N, T, D)), 0.3 * RNG.standard_normal((h0_rows, H)),
            RNG.standard_normal((D, H)) / D, RNG.standard_normal((H, H)) / H,
            0.1 * RNG.standard_normal(H))


INDEX_CASES = {
    "rnn": (rnn, lambda: _rnn_args(3, 4, 2, 5, 3)),
    "rnn_h0_row": (rnn, lambda: _rnn_args(3, 4, 2, 5, 1)),
    "rnn_one_sample": (rnn, lambda: _rnn_args(1, 3, 2, 4, 1)),
    "rnn_one_unit": (rnn, lambda: _rnn_args(3, 2, 1, 1, 3)),
    "reads": (reads, lambda: (RNG.standard_normal((3, 2, 4)), RNG.standard_normal(4))),
    "reads_ones": (reads, lambda: (RNG.standard_normal((1, 2, 1)), RNG.standard_normal(1))),
    "reads_row": (reads, lambda: (RNG.standard_normal((1, 2, 4)), RNG.standard_normal(4))),
    "reads_column": (reads, lambda: (RNG.standard_normal((3, 2, 1)), RNG.standard_normal(1))),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(INDEX_CASES))
def test_indexed_reads_in_both_modes(name, mode):
    f, make = INDEX_CASES[name]
    args = make()
    wrt = tuple(range(len(args)))
    assert srcad.check_grad(f, *args, wrt=wrt, mode=mode)
    grads = srcad.grad(f, wrt=wrt)(*args)
    assert all(g.shape == a.shape for g, a in zip(grads, args))


def test_rnn_step_needs_no_unbroadcast_and_tapes_two_values():
    args = _rnn_args(3, 4, 2, 5, 3)
    g = srcad.grad(rnn, wrt=(0, 1, 2, 3, 4))
    g(*args)
    loop = srcad.source(g).split("for t_1 in reversed")[1]
    # h = np.zeros((N, T, H)) with sizes read off x and h0 has their size-1 pattern, so the
    # adjoint of h's column needs none either (tests/test_shape_facts.py)
    assert "unbroadcast" not in loop


# ----- reads whose index picks distinct elements: the adjoint assigns -----------------------
def picked(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(log_probs[np.arange(N), y]) / N


def picked_weighted(x, y, w):
    """A weighted pick (the adjoint is an array), an arange with a start, and a pick in a loop."""
    total = np.sum(x[np.arange(x.shape[0]), y] * w)
    for k in range(2):
        total = total + np.sum(np.sin(x[np.arange(0, x.shape[0], 1), :][np.arange(2), k]))
    return total + np.sum(x[np.arange(1), y] ** 2)        # arange(1) broadcasts: repeats add


def picked_3d(x, y):
    return np.sum(np.cos(x[np.arange(x.shape[0]), :, y]))


PICK_CASES = {
    "picked": (picked, lambda: (3.0 * RNG.standard_normal((5, 4)), np.array([0, 3, 3, 1, 0])),
               (0,)),
    "picked_weighted": (picked_weighted, lambda: (
        RNG.standard_normal((3, 4)), np.array([2, 2, 0]), RNG.standard_normal(3)), (0, 2)),
    "picked_3d": (picked_3d, lambda: (RNG.standard_normal((3, 2, 4)), np.array([1, 1, 3])),
                  (0,)),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(PICK_CASES))
def test_distinct_picks_in_both_modes(name, mode):
    f, make, wrt = PICK_CASES[name]
    assert srcad.check_grad(f, *make(), wrt=wrt, mode=mode)


def test_distinct_pick_assigns_and_keeps_the_value():
    x, y = PICK_CASES["picked"][1]()
    value, gx = srcad.value_and_grad(picked)(x, y)
    assert value == picked(x, y)
    p = np.exp(x - np.max(x, axis=1, keepdims=True))
    p /= np.sum(p, axis=1, keepdims=True)
    p[np.arange(5), y] -= 1
    np.testing.assert_allclose(gx, p / 5, rtol=1e-12, atol=1e-15)
    g = srcad.grad(picked)
    g(x, y)
    text = srcad.source(g)
    # the pick's adjoint goes into log_softmax's (tests/test_picked_softmax_adjoint.py)
    assert "log_softmax_picked_adjoint(-(1.0 / N)" in text and "index_adjoint" not in text


def test_a_shorter_label_array_repeats_and_accumulates():
    """np.arange(1) against three labels: positions repeat, so the adjoint adds them."""
    x, y = RNG.standard_normal((2, 3)), np.array([1, 1, 2])
    gx = srcad.grad(lambda x, y: np.sum(x[np.arange(1), y]))(x, y)
    np.testing.assert_array_equal(gx, [[0.0, 2.0, 1.0], [0.0, 0.0, 0.0]])
