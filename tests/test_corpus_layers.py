"""Corpus part 2 (tests/corpus_programs_2.py): assignment-style layers through srcad.

Every layer in both modes against finite differences, against its hand-written backward pass
(which is itself checked against finite differences), and against autograd where installed.
What srcad refuses or gets wrong today is a strict xfail naming the construct and the issue.
"""

import numpy as np
import pytest

import corpus_check as C
import corpus_programs_2 as L


def _rng(seed):
    return np.random.default_rng(seed)


def _r(rng, *shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _affine():
    g = _rng(10)
    return _r(g, 3, 2, 3), _r(g, 6, 4), _r(g, 4), _r(g, 3, 4)


def _pointwise():
    g = _rng(11)
    return _r(g, 4, 5), _r(g, 4, 5)


def _norm(seed):
    def build():
        g = _rng(seed)
        return _r(g, 6, 4) * 2 + 1, 1 + _r(g, 4, scale=0.1), _r(g, 4, scale=0.1), _r(g, 6, 4)
    return build


def _batchnorm(mode):
    def build():
        g = _rng(12)
        bn_param = {"mode": mode, "running_mean": _r(g, 4), "running_var": 1 + g.random(4)}
        return _norm(12)() + (bn_param,)
    return build


def _spatial():
    g = _rng(13)
    return _r(g, 2, 4, 3, 3) + 0.5, 1 + _r(g, 4, scale=0.1), _r(g, 4, scale=0.1), _r(g, 2, 4, 3, 3)


def _group():
    g = _rng(14)
    return (_r(g, 2, 4, 2, 3) + 0.5, 1 + _r(g, 1, 4, 1, 1, scale=0.1), _r(g, 1, 4, 1, 1, scale=0.1),
            _r(g, 2, 4, 2, 3))


def _conv(stride, pad):
    def build():
        g = _rng(15)
        x, w, b = _r(g, 2, 2, 4, 4), _r(g, 2, 2, 3, 3, scale=0.5), _r(g, 2)
        size = 1 + (4 + 2 * pad - 3) // stride
        return x, w, b, _r(g, 2, 2, size, size)
    return build


def _pool(size):
    def build():
        g = _rng(16)
        return _r(g, 2, 2, 4, 4), _r(g, 2, 2, size, size)
    return build


def _rnn_step():
    g = _rng(17)
    return (_r(g, 3, 4), _r(g, 3, 5), _r(g, 4, 5, scale=0.4), _r(g, 5, 5, scale=0.4),
            _r(g, 5, scale=0.1), _r(g, 3, 5))


def _rnn():
    g = _rng(18)
    return (_r(g, 2, 3, 4), _r(g, 2, 5), _r(g, 4, 5, scale=0.4), _r(g, 5, 5, scale=0.4),
            _r(g, 5, scale=0.1), _r(g, 2, 3, 5))


def _lstm_step():
    g = _rng(19)
    return (_r(g, 3, 4), _r(g, 3, 2), _r(g, 3, 2), _r(g, 4, 8, scale=0.4),
            _r(g, 2, 8, scale=0.4), _r(g, 8, scale=0.1), _r(g, 3, 2), _r(g, 3, 2))


def _lstm():
    g = _rng(20)
    return (_r(g, 2, 3, 4), _r(g, 2, 3), _r(g, 4, 12, scale=0.4), _r(g, 3, 12, scale=0.4),
            _r(g, 12, scale=0.1), _r(g, 2, 3, 3))


def _embedding():
    g = _rng(21)
    return _r(g, 5, 3), np.array([[0, 3, 1], [3, 3, 4]]), _r(g, 2, 3, 3)


def _temporal_affine():
    g = _rng(22)
    return _r(g, 2, 3, 4), _r(g, 4, 5), _r(g, 5), _r(g, 2, 3, 5)


def _temporal_softmax():
    g = _rng(23)
    return _r(g, 2, 3, 4), np.array([[0, 3, 1], [2, 2, 0]]), np.array([[1, 1, 0], [1, 1, 1]])


# ----- the hand-written backward passes, called the way the assignment's checks call them ----

def _affine_hand(x, w, b, dout):
    return L.affine_backward(dout, L.affine_forward(x, w, b)[1])


def _affine_relu_hand(x, w, b, dout):
    return L.affine_relu_backward(dout, L.affine_relu_forward(x, w, b)[1])


def _sigmoid_hand(x, dout):
    s = 1 / (1 + np.exp(-x))
    return (dout * s * (1 - s),)


def _batchnorm_hand(x, gamma, beta, dout, bn_param):
    return L.batchnorm_backward_alt(dout, L.batchnorm_forward(x, gamma, beta, bn_param)[1])


def _batchnorm_test_hand(x, gamma, beta, dout, bn_param):
    return L.batchnorm_test_backward(dout, L.batchnorm_forward(x, gamma, beta, bn_param)[1])


def _layernorm_hand(x, gamma, beta, dout):
    return L.layernorm_backward(dout, L.layernorm_forward(x, gamma, beta, {})[1])


def _spatial_hand(x, gamma, beta, dout):
    cache = L.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})[1]
    return L.spatial_batchnorm_backward(dout, cache)


def _group_hand(x, gamma, beta, dout):
    cache = L.spatial_groupnorm_forward(x, gamma, beta, 2, {"eps": 1e-5})[1]
    return L.spatial_groupnorm_backward(dout, cache)


def _dropout_hand(x, dout):
    cache = L.dropout_forward(x, {"mode": "train", "p": 0.6, "seed": 123})[1]
    return (L.dropout_backward(dout, cache),)


def _conv_hand(x, w, b, dout):
    return L.conv_backward_naive(dout, L.conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})[1])


def _conv_positions_hand(x, w, b, dout):
    cache = L.conv_forward_vectorized_filters(x, w, b, {"stride": 2, "pad": 1})[1]
    return L.conv_backward_naive(dout, cache)


def _pool_hand(stride):
    def hand(x, dout):
        param = {"pool_height": 2, "pool_width": 2, "stride": stride}
        return (L.max_pool_backward_naive(dout, (x, param)),)
    return hand


def _rnn_step_hand(x, prev_h, Wx, Wh, b, dout):
    return L.rnn_step_backward(dout, L.rnn_step_forward(x, prev_h, Wx, Wh, b)[1])


def _rnn_hand(x, h0, Wx, Wh, b, dout):
    return L.rnn_backward(dout, L.rnn_forward(x, h0, Wx, Wh, b)[1])


def _lstm_step_hand(x, prev_h, prev_c, Wx, Wh, b, dnext_h, dnext_c):
    cache = L.lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[2]
    return L.lstm_step_backward(dnext_h, dnext_c, cache)


def _lstm_hand(x, h0, Wx, Wh, b, dout):
    return L.lstm_backward(dout, L.lstm_forward(x, h0, Wx, Wh, b)[1])


def _embedding_hand(W, x, dout):
    return (L.word_embedding_backward(dout, L.word_embedding_forward(x, W)[1]),)


def _temporal_affine_hand(x, w, b, dout):
    return L.temporal_affine_backward(dout, L.temporal_affine_forward(x, w, b)[1])


CASES = {
    "affine_forward": (L.affine_loss, _affine, (0, 1, 2), _affine_hand),
    "relu_mask_write": (L.relu_loss, _pointwise, 0,
                        lambda x, dout: (L.relu_backward(dout, x),)),
    "leaky_relu_mask_imul": (L.leaky_relu_loss, _pointwise, 0,
                             lambda x, dout: (L.leaky_relu_backward(dout, (x, 0.01)),)),
    "affine_relu_sandwich": (L.affine_relu_loss, _affine, (0, 1, 2), _affine_relu_hand),
    "stable_sigmoid_masks": (L.sigmoid_loss, _pointwise, 0, _sigmoid_hand),
    "batchnorm_train_bn_param": (L.batchnorm_loss, _batchnorm("train"), (0, 1, 2),
                                 _batchnorm_hand),
    "batchnorm_test_bn_param": (L.batchnorm_loss, _batchnorm("test"), (0, 1, 2),
                                _batchnorm_test_hand),
    "layernorm_transposed": (L.layernorm_loss, _norm(24), (0, 1, 2), _layernorm_hand),
    "spatial_batchnorm": (L.spatial_batchnorm_loss, _spatial, (0, 1, 2), _spatial_hand),
    "spatial_groupnorm": (L.groupnorm_loss, _group, (0, 1, 2), _group_hand),
    "dropout_seeded": (L.dropout_loss, _pointwise, 0, _dropout_hand),
    "dropout_mask_passed_in": (L.dropout_masked_loss,
                               lambda: (_pointwise()[0], _rng(25).random((4, 5)) < 0.5,
                                        _pointwise()[1]), 0,
                               lambda x, keep, dout: (L.dropout_masked_backward(dout,
                                                                                (keep, 0.5)),)),
    "conv_naive_four_loops": (L.conv_naive_loss, _conv(1, 1), (0, 1, 2), _conv_hand),
    "conv_positions_loop": (L.conv_positions_loss, _conv(2, 1), (0, 1, 2), _conv_positions_hand),
    "max_pool_naive": (L.max_pool_naive_loss, _pool(2), 0, _pool_hand(2)),
    "max_pool_axes": (L.max_pool_axes_loss, _pool(3), 0, _pool_hand(1)),
    "rnn_step": (L.rnn_step_loss, _rnn_step, (0, 1, 2, 3, 4), _rnn_step_hand),
    "rnn_forward_slice_writes": (L.rnn_loss, _rnn, (0, 1, 2, 3, 4), _rnn_hand),
    "lstm_step": (L.lstm_step_loss, _lstm_step, (0, 1, 2, 3, 4, 5), _lstm_step_hand),
    "lstm_forward_slice_writes": (L.lstm_loss, _lstm, (0, 1, 2, 3, 4), _lstm_hand),
    "word_embedding": (L.word_embedding_loss, _embedding, 0, _embedding_hand),
    "temporal_affine": (L.temporal_affine_loss, _temporal_affine, (0, 1, 2),
                        _temporal_affine_hand),
    "temporal_softmax_loss": (L.temporal_softmax_value, _temporal_softmax, 0,
                              lambda x, y, mask: (L.temporal_softmax_loss(x, y, mask)[1],)),
}

ALL = set(C.CHECKS)
WRITE = "issue 18: an element or slice write into a fresh array"
MASK = WRITE + " with a boolean mask (`out[out < 0] = 0`)"
XFAIL = {
}


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "reverse")))
def test_layer_reverse_against_finite_differences(name):
    C.check_reverse(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "forward")))
def test_layer_forward_against_finite_differences(name):
    C.check_forward(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "hand")))
def test_layer_against_hand_written_backward_and_fresh(name):
    C.check_hand(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_layer_hand_written_backward_is_right(name):
    C.check_hand_written_oracle(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "autograd")))
def test_layer_against_autograd(name):
    C.check_autograd(CASES[name])
