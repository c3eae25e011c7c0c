"""Corpus part 3 (tests/corpus_programs_3.py): losses, nets, update rules and word2vec.

Each program in both modes against finite differences, against the hand-written gradient the
published style computes alongside the loss (itself checked against finite differences), and
against autograd where installed. What srcad refuses or gets wrong today is a strict xfail.
"""

import numpy as np
import pytest

import corpus_check as C
import corpus_programs_2 as L
import corpus_programs_3 as M


def _r(rng, *shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _classifier():
    g = np.random.default_rng(30)
    return _r(g, 4, 3, scale=0.3), _r(g, 6, 4), np.array([0, 2, 1, 2, 0, 1]), 0.05


def _scores():
    g = np.random.default_rng(31)
    return _r(g, 5, 4), np.array([0, 3, 1, 2, 2])


def _fc_net():
    g = np.random.default_rng(32)
    dims = [4, 5, 6, 3]
    params = {}
    for i in range(1, 4):
        params["W%d" % i] = _r(g, dims[i - 1], dims[i], scale=0.5)
        params["b%d" % i] = _r(g, dims[i], scale=0.1)
    return params, _r(g, 5, 4), np.array([0, 2, 1, 2, 0]), 3, 0.1


def _fc_net_hand(params, X, y, num_layers, reg):
    caches, out = {}, X
    for i in range(1, num_layers):
        out, caches[i] = L.affine_relu_forward(out, params["W%d" % i], params["b%d" % i])
    scores, last = L.affine_forward(out, params["W%d" % num_layers], params["b%d" % num_layers])
    _, dout = M.softmax_loss(scores, y)
    grads = {}
    dout, grads["W%d" % num_layers], grads["b%d" % num_layers] = L.affine_backward(dout, last)
    for i in range(num_layers - 1, 0, -1):
        dout, grads["W%d" % i], grads["b%d" % i] = L.affine_relu_backward(dout, caches[i])
    for i in range(1, num_layers + 1):
        grads["W%d" % i] += reg * params["W%d" % i]
    return ({k: grads[k] for k in params},)


NET = M.TwoLayerNet(4, 5, 3, weight_scale=0.5, reg=0.1, seed=0)


def _net_hand(X, y):
    p = NET.params
    hidden, hcache = L.affine_relu_forward(X, p["W1"], p["b1"])
    scores, scache = L.affine_forward(hidden, p["W2"], p["b2"])
    dhidden = L.affine_backward(M.softmax_loss(scores, y)[1], scache)[0]
    return (L.affine_relu_backward(dhidden, hcache)[0],)


def _quadratic():
    g = np.random.default_rng(33)
    return _r(g, 3), _r(g, 5, 3, scale=0.5), _r(g, 5), 4


def _momentum_hand(w, A, c, steps):
    """The update is linear in (w, v): run it forward, then its transpose backwards."""
    lr, mu = 0.05, 0.9
    H = A.T.dot(A)
    v = np.zeros_like(w)
    for _ in range(steps):
        v = mu * v - lr * (H.dot(w) - A.T.dot(c))
        w = w + v
    gw, gv = A.T.dot(A.dot(w) - c), np.zeros_like(w)
    for _ in range(steps):
        gv_total = gv + gw
        gw = gw - lr * H.dot(gv_total)
        gv = mu * gv_total
    return (gw,)


def _captioning():
    g = np.random.default_rng(34)
    N, D, W, H, V = 2, 4, 3, 5, 6
    captions = np.array([[1, 4, 2, 5, 0], [1, 3, 3, 0, 0]])
    return (_r(g, N, D), captions, _r(g, D, H, scale=0.4), _r(g, H, scale=0.1),
            _r(g, V, W, scale=0.4), _r(g, W, H, scale=0.4), _r(g, H, H, scale=0.4),
            _r(g, H, scale=0.1), _r(g, H, V, scale=0.4), _r(g, V, scale=0.1))


def _captioning_hand(features, captions, W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab):
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    mask = captions_out != 0
    h0, c_proj = L.affine_forward(features, W_proj, b_proj)
    x, c_embed = L.word_embedding_forward(captions_in, W_embed)
    h, c_rnn = L.rnn_forward(x, h0, Wx, Wh, b)
    scores, c_vocab = L.temporal_affine_forward(h, W_vocab, b_vocab)
    _, dscores = L.temporal_softmax_loss(scores, captions_out, mask)
    dh, dW_vocab, db_vocab = L.temporal_affine_backward(dscores, c_vocab)
    dx, dh0, dWx, dWh, db = L.rnn_backward(dh, c_rnn)
    dW_embed = L.word_embedding_backward(dx, c_embed)
    _, dW_proj, db_proj = L.affine_backward(dh0, c_proj)
    return dW_proj, db_proj, dW_embed, dWx, dWh, db, dW_vocab, db_vocab


def _word2vec():
    g = np.random.default_rng(35)
    return _r(g, 3), _r(g, 6, 3, scale=0.5), 2


def _skipgram():
    g = np.random.default_rng(36)
    word2Ind = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
    return _r(g, 5, 3, scale=0.5), _r(g, 5, 3, scale=0.5), "c", ["a", "b", "e", "b"], word2Ind


def _skipgram_hand(centers, outside, center, context, word2Ind):
    _, g_center, g_outside = M.skipgram(center, 2, context, word2Ind, centers, outside)
    return g_center, g_outside


CASES = {
    "svm_loss_naive_loops": (M.svm_naive_value, _classifier, 0,
                             lambda *a: (M.svm_loss_naive(*a)[1],)),
    "svm_loss_vectorized": (M.svm_vectorized_value, _classifier, 0,
                            lambda *a: (M.svm_loss_vectorized(*a)[1],)),
    "softmax_loss_naive_loops": (M.softmax_naive_value, _classifier, 0,
                                 lambda *a: (M.softmax_loss_naive(*a)[1],)),
    "softmax_loss_vectorized": (M.softmax_vectorized_value, _classifier, 0,
                                lambda *a: (M.softmax_loss_vectorized(*a)[1],)),
    "softmax_loss_layer": (M.softmax_layer_value, _scores, 0,
                           lambda x, y: (M.softmax_loss(x, y)[1],)),
    "svm_loss_layer": (M.svm_layer_value, _scores, 0, lambda x, y: (M.svm_loss(x, y)[1],)),
    "fc_net_param_dict": (M.fc_net_loss, _fc_net, 0, _fc_net_hand),
    "two_layer_net_method": (NET.loss, lambda: _fc_net()[1:3], 0, _net_hand),
    "sgd_momentum_steps_in_loss": (M.loss_after_momentum_steps, _quadratic, 0, _momentum_hand),
    "adam_steps_in_loss": (M.loss_after_adam_steps, _quadratic, 0, None),
    "captioning_rnn": (M.captioning_loss, _captioning, tuple(range(2, 10)), _captioning_hand),
    "word2vec_naive_softmax": (M.naive_softmax_value, _word2vec, (0, 1),
                               lambda v, U, o: M.naive_softmax_loss_and_gradient(v, o, U)[1:]),
    "word2vec_neg_sampling": (M.neg_sampling_value, lambda: _word2vec() + ([4, 1, 4],), (0, 1),
                              lambda v, U, o, neg:
                              M.neg_sampling_loss_and_gradient(v, o, U, neg)[1:]),
    "word2vec_skipgram": (M.skipgram_value, _skipgram, (0, 1), _skipgram_hand),
}

ALL = set(C.CHECKS)
ELEMENT_ADD = "issue 18: in-place update of an element or slice (`dW[:, j] += X[i]`)"
XFAIL = {
}


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "reverse")))
def test_model_reverse_against_finite_differences(name):
    C.check_reverse(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "forward")))
def test_model_forward_against_finite_differences(name):
    C.check_forward(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "hand")))
def test_model_against_hand_written_backward_and_fresh(name):
    C.check_hand(CASES[name])


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][3] is not None])
def test_model_hand_written_backward_is_right(name):
    C.check_hand_written_oracle(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "autograd")))
def test_model_against_autograd(name):
    C.check_autograd(CASES[name])
