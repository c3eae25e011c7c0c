"""Issue 21 (C1/C4 gradient time): what the generated code and its run-time helpers spend.

- A reverse loop's adjoint slot added into once per place, into zeros, is assigned
  (srcad/optimize/first_writes.py): `bx[:, t_1, :] = v @ Wx.T` as a hand-written RNN
  backward pass writes it, where the counter names distinct places; `+=` stays elsewhere.
- A sum of a NumPy array is spelled as its method (`v.sum(axis=0)`, codegen/spelling.py).
- A variance beside its centred values is np.mean(d * d, axis) (optimize/centered_variance.py).
- The helpers reduced_count, check_broadcast, unreduce and zeros_like, faster, give what
  they gave.
Values against finite differences in both modes, and against the hand-written backward
passes of benchmarks/corpus_tasks.py.
"""

import numpy as np
import pytest

import srcad
from benchmarks import corpus_tasks
from srcad.rules.arrays import unreduce_impl
from srcad.runtime import reduced_count, zeros_like
from srcad.runtime_checks import broadcast_view, check_broadcast

RNG = np.random.default_rng(21)


def rnn(x, h0, Wx, Wh):
    h = h0
    total = 0.0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t, :] @ Wx + h @ Wh)
        total = total + np.sum(h * h)
    return total


def rnn_args():
    return (RNG.normal(size=(3, 4, 2)), RNG.normal(size=(3, 5)) * 0.1,
            RNG.normal(size=(2, 5)) * 0.5, RNG.normal(size=(5, 5)) * 0.3)


def both_modes(f, *args, **wrt):
    assert srcad.check_grad(f, *args, **wrt)
    assert srcad.check_grad(f, *args, mode="forward", **wrt)


def test_a_slot_each_step_adds_into_once_is_assigned():
    args = rnn_args()
    text = srcad.source(srcad.grad(rnn, wrt=(0, 2)), *args)
    assert "bx[:, t_1, :] = " in text and "bx[:, t_1, :] +=" not in text, text
    both_modes(rnn, *args, wrt=(0, 1, 2, 3))


def read_twice_a_step(x, w):
    s = 0.0
    for t in range(x.shape[0]):
        s = s + np.sum(np.sin(x[t] * w)) + np.sum(x[t] * x[0])
    return s


def test_a_slot_read_at_another_place_too_keeps_adding():
    x, w = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    g = srcad.grad(read_twice_a_step, wrt=0)
    text = srcad.source(g, x, w)
    assert "] = " not in text.split("for t_1")[-1].replace("bs = ", ""), text
    both_modes(read_twice_a_step, x, w)


def wrapping_counter(x):
    s = 0.0
    for t in range(-2, 3):          # x[-2], x[-1] are x[1], x[2] again for 3 rows
        s = s + np.sum(np.sin(x[t]))
    return s


def stepped_index(x):
    s = 0.0
    for t in range(x.shape[0]):
        s = s + np.sum(np.sin(x[t // 2]))     # two steps, one row
    return s


@pytest.mark.parametrize("f", [wrapping_counter, stepped_index])
def test_places_that_may_repeat_keep_adding(f):
    x = RNG.normal(size=(3, 2))
    g = srcad.grad(f)(x)
    expected = np.zeros_like(x)
    for t in (range(-2, 3) if f is wrapping_counter else [k // 2 for k in range(3)]):
        expected[t] += np.cos(x[t])
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    both_modes(f, x)


def test_rnn_corpus_gradient_equals_the_hand_written_backward_pass():
    args = corpus_tasks.recurrent_args(np.float64)
    g = srcad.grad(corpus_tasks.rnn_loss, wrt=(0, 1, 2, 3, 4))
    text = srcad.source(g, *args)
    assert "bx[:, t_1, :] = v" in text and "bb += v5.sum(axis=0)" in text, text
    for ours, hand in zip(g(*args), corpus_tasks.rnn_hand(*args)):
        np.testing.assert_allclose(ours, hand, rtol=1e-12, atol=1e-12)
    x, h0, Wx, Wh, b, dout = args
    small = (x[:2, :3], h0[:2], Wx, Wh, b, dout[:2, :3])
    both_modes(corpus_tasks.rnn_loss, *small, wrt=(0, 1, 2, 3, 4))


def test_batchnorm_gradient_equals_the_hand_written_backward_pass():
    x, gamma, beta, dout, param = corpus_tasks.batchnorm_args(np.float64)
    g = srcad.grad(corpus_tasks.batchnorm_loss, wrt=(0, 1, 2))
    ours = g(x, gamma, beta, dout, param)
    for a, b in zip(ours, corpus_tasks.batchnorm_hand(x, gamma, beta, dout, param)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert not any(np.shares_memory(a, b) for a in ours for b in (x, gamma, beta, dout))
    assert all(a.flags.writeable for a in ours)
    both_modes(corpus_tasks.batchnorm_loss, x[:6, :3], gamma[:3], beta[:3], dout[:6, :3],
               param, wrt=(0, 1, 2))


def bias_loss(x, W, b):
    z = np.tanh(x @ W + b)
    return np.sum(z * z) + np.sum(np.sum(z, axis=1, keepdims=True) ** 2)


def test_a_sum_over_axes_is_the_arrays_method():
    x, W, b = RNG.normal(size=(6, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=4)
    text = code(srcad.source(srcad.grad(bias_loss, wrt=(1, 2)), x, W, b))
    assert ".sum(axis=0)" in text and "np.sum(" not in text, text
    both_modes(bias_loss, x, W, b)


@pytest.mark.parametrize("shape, axis, keepdims", [
    ((3, 4), 0, False), ((3, 4), 1, False), ((3, 4), -1, True), ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), None, False), ((2, 3, 4), (-1, 0), True), ((5,), 0, False), ((0, 3), 0, False),
    ((3, 1), 0, False)])
def test_unreduce_spreads_as_numpy_broadcasts(shape, axis, keepdims):
    x = RNG.normal(size=shape)
    summed = np.sum(x, axis=axis, keepdims=keepdims)
    strided = np.empty(np.shape(summed) + (2,))[..., 0]         # not C-contiguous
    strided[...] = summed
    for g in (summed, strided):
        expanded = g if axis is None or keepdims else np.expand_dims(
            g, tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis)))
        got = unreduce_impl(g, x, axis, keepdims)
        np.testing.assert_array_equal(got, np.broadcast_to(expanded, shape))
        assert got.shape == shape and not got.flags.writeable
    assert reduced_count(x, axis) == (x.size if axis is None else int(np.prod(
        [shape[a] for a in ((axis,) if isinstance(axis, int) else axis)])))


def test_broadcast_view_and_checks_refuse_as_numpy_does():
    with pytest.raises(ValueError, match="broadcast"):
        broadcast_view(np.ones((1, 3)), (2, 4))
    with pytest.raises(ValueError, match="shape mismatch"):
        check_broadcast(np.ones(3), np.ones((2, 4)), np.ones(4))
    check_broadcast(np.ones(4), np.ones((2, 4)), np.ones((2, 1)), 3.0, [1.0, 2.0, 3.0, 4.0])
    assert zeros_like(np.ones(3, int)).dtype == np.float64
    assert zeros_like(np.ones(3, np.float32)).dtype == np.float32
    assert zeros_like(np.ones(3, complex)).dtype == np.complex128


def code(source):
    """The generated lines, without the comments that quote the user's."""
    return "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))


def layer_norm(x, w):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return np.sum((x - mu) / np.sqrt(var + 1e-5) * w)


def batch_norm(x, w):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    return np.sum((x - mu) / np.sqrt(var + 1e-5) * w)


def other_axes(x, w):
    mu = np.mean(x, axis=1)                   # broadcasts along the rows: not centred
    return np.sum((x - mu) * w) + np.sum(np.var(x, axis=1)) + np.sum(np.var(x, axis=0, ddof=1))


@pytest.mark.parametrize("f", [layer_norm, batch_norm])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_variance_beside_its_centred_values_is_computed_from_them(f, dtype):
    x = (3 * RNG.normal(size=(6, 5)) + 2).astype(dtype)
    w = RNG.normal(size=(6, 5)).astype(dtype)
    vg = srcad.value_and_grad(f, wrt=(0, 1))
    text = code(srcad.source(vg, x, w))
    assert "np.var" not in text and "v1 * v1" in text, text
    value, _ = vg(x, w)
    assert value == f(x, w)                          # np.var's own floats, bit for bit
    if dtype is np.float64:
        both_modes(f, x, w)


def test_a_variance_without_its_centred_values_stays():
    x, w = RNG.normal(size=(4, 4)), RNG.normal(size=(4, 4))
    text = code(srcad.source(srcad.grad(other_axes), x, w))
    assert text.count("np.var(") == 2, text
    both_modes(other_axes, x, w)


def mean_spread(x, w):
    return np.sum(np.sin(x) * w) + np.sum(np.mean(x, axis=0) ** 2)


def mean_spread_other_axes(x, w):
    return np.sum(np.sin(x) * w) + np.sum(np.mean(x, axis=1) ** 2) + \
        np.sum(np.mean(x, axis=-1, keepdims=True) * np.mean(x))


def test_a_reductions_adjoint_meets_an_array_of_its_shape_by_broadcasting():
    x, w = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4))
    text = code(srcad.source(srcad.grad(mean_spread), x, w))
    assert "unreduce(" not in text, text
    both_modes(mean_spread, x, w)
    both_modes(mean_spread_other_axes, x, w)
    both_modes(mean_spread, x[:1], w[:1])                  # a size-1 axis: spread as before
    text = code(srcad.source(srcad.grad(corpus_tasks.batchnorm_loss, wrt=(0, 1, 2)),
                             *corpus_tasks.batchnorm_args(np.float64)))
    assert "bx += -(v4 / v5)" in text and "unreduce(" not in text, text


def expanded(v, M):
    rows = np.sin(np.expand_dims(v, 0) * M)    # broadcasting prepends the axis by itself
    cols = np.expand_dims(v[:3], 1) * M         # not a leading axis: stays
    return np.sum(rows * rows) + np.sum(cols * cols)


def test_a_leading_axis_added_for_broadcasting_is_left_to_it():
    v, M = RNG.normal(size=4), RNG.normal(size=(3, 4))
    text = code(srcad.source(srcad.grad(expanded, wrt=0), v, M))
    assert " = v * M" in text and text.count("np.expand_dims(") == 1, text
    both_modes(expanded, v, M)
    value, _ = srcad.value_and_grad(expanded, wrt=(0, 1))(v, M)
    assert value == expanded(v, M)
    text = code(srcad.source(srcad.grad(corpus_tasks.batchnorm_loss, wrt=(0, 1, 2)),
                             *corpus_tasks.batchnorm_args(np.float64)))
    assert "expand_dims" not in text, text
