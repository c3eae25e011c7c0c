"""The logistic written with masks so that np.exp never overflows (the corpus LSTM's gates) is
recognised before reverse mode (srcad/transforms/masked_logistic.py): the same value, computed
with the same operations, and the adjoint g * σ(1 - σ) of its output instead of the masked
reads and writes differentiated one by one. Both modes against central differences; forward
mode is left as written and is checked on the same programs."""

import numpy as np
import pytest

import srcad


def squash(v):
    pos_mask = v >= 0
    neg_mask = v < 0
    z = np.zeros_like(v)
    z[pos_mask] = np.exp(-v[pos_mask])
    z[neg_mask] = np.exp(v[neg_mask])
    top = np.ones_like(v)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def squash_other_way(v):
    """The other pair of masks, the writes in the other order, z + 1."""
    below = v <= 0
    above = v > 0
    e = np.zeros_like(v)
    e[below] = np.exp(v[below])
    e[above] = np.exp(-v[above])
    top = np.ones_like(v)
    top[below] = e[below]
    return top / (e + 1)


def squash_float64_buffer(v):
    """np.zeros(v.shape) is float64 whatever v is: not the pattern, differentiated as written."""
    pos_mask = v >= 0
    neg_mask = v < 0
    z = np.zeros(v.shape)
    z[pos_mask] = np.exp(-v[pos_mask])
    z[neg_mask] = np.exp(v[neg_mask])
    top = np.ones_like(v)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def gate(a, w):
    return np.sum(squash(a * w) * np.tanh(a))


def gate_other_way(a, w):
    return np.sum(squash_other_way(a * w) ** 2)


def gate_inline(a, w):
    """The pattern written in the loss itself, z also read after it."""
    v = a * w
    pos_mask = v >= 0
    neg_mask = v < 0
    z = np.zeros_like(v)
    z[pos_mask] = np.exp(-v[pos_mask])
    z[neg_mask] = np.exp(v[neg_mask])
    top = np.ones_like(v)
    top[neg_mask] = z[neg_mask]
    s = top / (1 + z)
    return np.sum(s * a) + np.sum(z * a)


def gate_buffer(a, w):
    return np.sum(squash_float64_buffer(a * w) * a)


def _args():
    g = np.random.default_rng(3)
    a = 2.0 * g.standard_normal((4, 5))
    a[0, 0] = 0.0
    return a, g.standard_normal(5)


CASES = {"helper": gate, "other way": gate_other_way, "inline": gate_inline,
         "buffer": gate_buffer}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_of_the_masked_logistic(name, mode):
    assert srcad.check_grad(CASES[name], *_args(), wrt=(0, 1), mode=mode)


@pytest.mark.parametrize("name", ["helper", "other way"])
def test_the_reverse_sweep_reads_only_the_output(name):
    text = str(srcad.source(srcad.grad(CASES[name], wrt=(0, 1)), *_args()))
    assert "masked_logistic(" in text
    assert "mask]" not in text and "mask =" not in text and "index_adjoint" not in text
    assert "(1.0 - v" in text


def lstm_step(a, c):
    """Called in a loop: the helper's two halves, its backward reading one residual."""
    for _ in range(2):
        c = squash(a[:, :2]) * c + squash(a[:, 2:]) * np.tanh(c)
    return np.sum(c)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_in_a_loop(mode):
    a, _ = _args()
    assert srcad.check_grad(lstm_step, a[:, :4], a[:, 4:] + 0.5, wrt=(0, 1), mode=mode)
    text = str(srcad.source(srcad.grad(lstm_step, wrt=(0, 1)), a[:, :4], a[:, 4:] + 0.5))
    assert "masked_logistic(" in text and "mask]" not in text


def test_pieces_read_elsewhere_keep_their_own_adjoints():
    """z is read after the pattern: its masked writes are differentiated for that read, the
    division is not (no adjoint of top)."""
    text = str(srcad.source(srcad.grad(gate_inline, wrt=(0, 1)), *_args()))
    assert "masked_logistic(" in text and "btop" not in text and "bz" in text


def test_a_float64_buffer_is_not_the_pattern():
    text = str(srcad.source(srcad.grad(gate_buffer, wrt=(0, 1)), *_args()))
    assert "masked_logistic(" not in text


def test_value_unchanged_nan_inf_and_zero():
    """The value is the function's own, NaN giving 1 (neither mask holds) as written; the
    gradient there is 0, as through the masks, and 1/4 at 0 whichever mask holds 0."""
    v = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 3.0, -3.0, 750.0, -750.0])
    for f in (squash, squash_other_way):
        loss = lambda v, f=f: np.sum(f(v) * np.arange(1.0, 10.0))   # noqa: E731
        value, grad = srcad.value_and_grad(loss)(v)
        assert value == loss(v) or np.isnan(value) and np.isnan(loss(v))
        s = 1.0 / (1.0 + np.exp(-v[5:7]))
        np.testing.assert_allclose(grad[5:7], np.arange(6.0, 8.0) * s * (1 - s), rtol=1e-14)
        np.testing.assert_array_equal(grad[[0, 1, 2, 7, 8]], 0.0)
        np.testing.assert_array_equal(grad[3:5], [0.25 * 4, 0.25 * 5])


def test_float32_value_and_dtype():
    a, w = (x.astype(np.float32) for x in _args())
    value, (ga, gw) = srcad.value_and_grad(gate, wrt=(0, 1))(a, w)
    assert value == gate(a, w) and ga.dtype == gw.dtype == np.float32
