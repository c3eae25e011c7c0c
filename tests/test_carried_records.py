"""A carry's new value is not pushed where the tape holds it anyway (issue 21, peak memory;
srcad/transforms/reverse/tape.py carried_records).

`prev_h = np.tanh(... prev_h @ Wh ...)`: the reverse reads the step's input state and its
output. The output is the next step's input, which the tape holds then (the last step's is the
loop's out), so the reverse loop carries it from one step to the one before, as a hand-written
gradient reads `hs[t + 1]` from its list of states; the tape holds one state a step, no tuple.
An elementwise function of the new value (the LSTM's `np.tanh(c)`) is recomputed from it in
the reverse, as a hand-written backward pass recomputes it, instead of taped. Both modes are
checked against differences.
"""

import numpy as np
import pytest

import srcad
from memory_check import code as _code, peak as _peak

RNG = np.random.default_rng(2111)


def _r(*shape):
    return RNG.standard_normal(shape)


def rnn_loss(x, h0, Wx, Wh, dout):
    h = h0
    total = 0.0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t, :] @ Wx + h @ Wh)
        total = total + np.sum(h * dout[:, t, :])
    return total


def rnn_hand(x, h0, Wx, Wh, dout):
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t, :] @ Wx + hs[-1] @ Wh))
    dx, dWx, dWh, dh = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), 0.0
    for t in reversed(range(x.shape[1])):
        da = (dout[:, t, :] + dh) * (1.0 - hs[t + 1] ** 2)
        dx[:, t, :] = da @ Wx.T
        dWx += x[:, t, :].T @ da
        dWh += hs[t].T @ da
        dh = da @ Wh.T
    return dx, dh, dWx, dWh


def cell_loss(x, h0, W, U):
    H = h0.shape[1]
    h, c = h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        a = x[:, t, :] @ W + h @ U
        gate = 1.0 / (1.0 + np.exp(-a[:, :H]))
        c = gate * c + (1.0 - gate) * np.tanh(a[:, H:])
        h = np.tanh(c) * gate
    return np.sum(h * h)


def while_loss(x, w):
    s = x
    k = 0
    while k < 4:
        s = np.sin(s * w) + s
        k += 1
    return np.sum(s * s)


def swap_loss(x, w):
    a, b = x, x * w
    for _ in range(3):
        a, b = b, np.tanh(a * w)
    return np.sum(a * b)


def _rnn_args(N=4, T=6, D=3, H=5):
    return _r(N, T, D), 0.1 * _r(N, H), _r(D, H) / 2, _r(H, H) / 3, _r(N, T, H)


def _cell_args(N=3, T=5, D=2, H=4):
    return _r(N, T, D), 0.1 * _r(N, H), _r(D, 2 * H) / 2, _r(H, 2 * H) / 3


def test_the_state_is_pushed_once_a_step():
    args = _rnn_args()
    wrt = (0, 1, 2, 3)
    g = srcad.grad(rnn_loss, wrt=wrt)
    text = _code(g, *args)
    assert "tape_1.append(h)" in text and "tape_1.append((" not in text
    for mine, hand in zip(g(*args), rnn_hand(*args)):
        np.testing.assert_allclose(mine, hand, rtol=1e-10, atol=1e-12)
    assert srcad.check_grads(rnn_loss, args, order=1, modes="rev", wrt=wrt)


def test_forward_mode_and_second_order():
    args = _rnn_args()
    assert srcad.check_grads(rnn_loss, args, order=1, modes="fwd", wrt=(0, 1, 2, 3))
    assert srcad.check_grads(cell_loss, _cell_args(), order=2, wrt=(1, 2, 3))


def test_an_elementwise_function_of_the_new_state_is_recomputed():
    args = _cell_args()
    g = srcad.grad(cell_loss, wrt=(0, 1, 2, 3))
    forward, reverse = _code(g, *args).split("for t_1 in reversed", 1)
    assert "np.tanh(c)" in reverse and "np.tanh(c_1)" not in forward.split("append(")[-1]
    assert srcad.check_grads(cell_loss, args, order=1, wrt=(0, 1, 2, 3))


def test_no_step_at_all():
    x, h0, Wx, Wh, dout = _rnn_args(T=0)
    dx, dh0, dWx, dWh = srcad.grad(rnn_loss, wrt=(0, 1, 2, 3))(x, h0, Wx, Wh, dout)
    assert dx.shape == x.shape and not np.any(dWx) and not np.any(dWh) and not np.any(dh0)


@pytest.mark.parametrize("loss", [while_loss, swap_loss])
def test_while_loops_and_swapped_carries(loss):
    args = (_r(3, 2), _r(2))
    assert srcad.check_grads(loss, args, order=1, wrt=(0, 1))


def test_a_checkpointed_loop_keeps_its_numbers():
    args = _rnn_args(T=12)
    wrt = (0, 1, 2, 3)
    mine = srcad.grad(rnn_loss, wrt=wrt, checkpoint=3)(*args)
    for got, hand in zip(mine, rnn_hand(*args)):
        np.testing.assert_allclose(got, hand, rtol=1e-10, atol=1e-12)


def test_peak_memory_at_most_the_hand_written_gradients():
    args = _rnn_args(N=16, T=20, D=32, H=64)
    g = srcad.grad(rnn_loss, wrt=(0, 1, 2, 3))
    assert _peak(g, args) <= _peak(rnn_hand, args)
