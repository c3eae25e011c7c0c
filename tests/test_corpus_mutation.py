"""Corpus part 8 (tests/corpus_programs_8.py): programs that change what they were given.

Each program in both modes against finite differences, against a hand-written gradient where
the published style has one (itself checked against finite differences), and against autograd
where installed; and the dicts, lists and objects it was given, after one call of each
derivative, against the same after one plain call (issue 18: the change happens once per call,
with the values Python stores).
"""

import copy

import numpy as np
import pytest

import corpus_check as C
import corpus_programs_8 as P
import srcad


def _r(rng, *shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _affine_relu():
    g = np.random.default_rng(80)
    return _r(g, 3, 2, 2), _r(g, 4, 5), _r(g, 5), _r(g, 3, 5), {}


def _dropout():
    g = np.random.default_rng(81)
    return _r(g, 4, 3), _r(g, 3, 5), _r(g, 4, 5), {"mode": "train", "u": g.random((4, 5))}


def _rnn():
    g = np.random.default_rng(82)
    N, T, D, H = 2, 3, 3, 4
    return (_r(g, N, T, D), _r(g, N, H), _r(g, D, H, scale=0.4), _r(g, H, H, scale=0.4),
            _r(g, H, scale=0.1), _r(g, N, H), [])


def _softmax():
    g = np.random.default_rng(83)
    return _r(g, 4, 3, scale=0.3), _r(g, 6, 4), np.array([0, 1, 2, 1, 0, 2]), 0.05, {}


def _unrolled():
    g = np.random.default_rng(84)
    return _r(g, 3), _r(g, 5, 3, scale=0.5), _r(g, 5), {"momentum": 0.7}


def _unrolled_hand(w, A, c, config):
    """Reverse-mode by hand through the three momentum steps (lr 0.05, momentum 0.7)."""
    lr, mu = 0.05, config.get("momentum", 0.8)
    H = A.T.dot(A)
    ws, v = [w], np.zeros_like(w)
    for _ in range(3):
        v = mu * v - lr * A.T.dot(A.dot(ws[-1]) - c)
        ws.append(ws[-1] + v)
    bw = A.T.dot(A.dot(ws[-1]) - c)
    bv = np.zeros_like(w)
    for _ in range(3):
        bv = bv + bw             # w_{k+1} = w_k + v_{k+1}
        bw = bw - lr * H.dot(bv)
        bv = mu * bv
    return (bw,)


MODEL = P.Sequential([P.Linear(np.random.default_rng(85).standard_normal((3, 4)) * 0.5,
                               np.zeros(4)), P.Tanh(),
                      P.Linear(np.random.default_rng(86).standard_normal((4, 2)) * 0.5,
                               np.full(2, 0.1))])
Y = np.random.default_rng(87).standard_normal((5, 2))
BATCHNORM = P.BatchNormLayer(np.array([1.0, 0.5, 2.0]), np.array([0.0, 0.1, -0.2]))
DOUT = np.random.default_rng(89).standard_normal((5, 3))


def _bn_hand(x):
    bn = copy.deepcopy(BATCHNORM)
    out = bn.forward(x)
    dx_hat = DOUT * bn.gamma * 3 * out ** 2 / 3    # d/dout of sum(out**3 / 3 * ...) below
    N = x.shape[0]
    var = x.var(axis=0)
    dx = (N * dx_hat - dx_hat.sum(0) - bn.x_hat * (dx_hat * bn.x_hat).sum(0)) / \
        (N * np.sqrt(var + bn.eps))
    return (dx,)


def bn_layer_loss(x):
    return np.sum(BATCHNORM.forward(x) ** 3 * DOUT) / 3


CASES = {
    "affine_relu_cache_dict": (P.affine_relu_cache_loss, _affine_relu, (0, 1, 2),
                               P.affine_relu_cache_backward),
    "dropout_param_mask": (P.dropout_param_loss, _dropout, (0, 1), P.dropout_param_backward),
    "rnn_collecting_states": (P.rnn_collecting_loss, _rnn, (1, 2, 3, 4),
                              lambda *a: P.rnn_collecting_backward(*a)),
    "softmax_metrics_dict": (P.softmax_loss_with_metrics, _softmax, 0,
                             P.softmax_loss_with_metrics_backward),
    "unrolled_momentum_config": (P.unrolled_momentum_loss, _unrolled, 0, _unrolled_hand),
    "sequential_layers_caching": (lambda X: MODEL.loss(X, Y),
                                  lambda: (np.random.default_rng(88).standard_normal((5, 3)),),
                                  0, lambda X: (MODEL.backward(X, Y),)),
    "batchnorm_layer_running_stats": (bn_layer_loss,
                                      lambda: (np.random.default_rng(90).standard_normal((5, 3))
                                               + 1,), 0, _bn_hand),
}

XFAIL = {}


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "reverse")))
def test_mutation_reverse_against_finite_differences(name):
    C.check_reverse(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "forward")))
def test_mutation_forward_against_finite_differences(name):
    C.check_forward(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "hand")))
def test_mutation_against_hand_written_backward_and_fresh(name):
    C.check_hand(CASES[name])


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][3] is not None])
def test_mutation_hand_written_backward_is_right(name):
    C.check_hand_written_oracle(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "autograd")))
def test_mutation_against_autograd(name):
    C.check_autograd(CASES[name])


def _like(got, want):
    if isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            _like(got[k], want[k])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _like(g, w)
    elif isinstance(want, (np.ndarray, float, np.floating)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    else:
        assert got == want


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith(("sequential",
                                                                          "batchnorm"))])
def test_mutation_leaves_the_arguments_as_python_does(name):
    f, build, wrt, _ = CASES[name]
    wanted = wrt if isinstance(wrt, tuple) else (wrt,)
    plain, by_grad, by_jvp = build(), build(), build()
    f(*plain)
    srcad.grad(f, wrt=wanted)(*by_grad)
    srcad.jvp(f, wrt=wanted)(*by_jvp, *[np.ones_like(by_jvp[i]) for i in wanted])
    _like(by_grad, plain)
    _like(by_jvp, plain)


def test_mutation_layer_objects_end_as_python_leaves_them():
    X = np.random.default_rng(91).standard_normal((5, 3))
    models = [copy.deepcopy(MODEL) for _ in range(3)]
    models[0].loss(X, Y)
    srcad.grad(lambda X: models[1].loss(X, Y))(X)
    srcad.jvp(lambda X: models[2].loss(X, Y))(X, np.ones_like(X))
    for model in models[1:]:
        assert model.stats["forward_calls"] == models[0].stats["forward_calls"] == \
            MODEL.stats["forward_calls"] + 1
        assert model.stats["last_output_mean"] == pytest.approx(
            models[0].stats["last_output_mean"])
        for layer, plain in zip(model.layers, models[0].layers):
            np.testing.assert_allclose(layer.cache, plain.cache)
            assert getattr(layer, "n_forward", 0) == getattr(plain, "n_forward", 0)
    layers = [copy.deepcopy(BATCHNORM) for _ in range(3)]
    layers[0].forward(X)
    srcad.grad(lambda x: np.sum(layers[1].forward(x)))(X)
    srcad.jvp(lambda x: np.sum(layers[2].forward(x)))(X, np.ones_like(X))
    for layer in layers[1:]:
        np.testing.assert_allclose(layer.running_mean, layers[0].running_mean)
        np.testing.assert_allclose(layer.running_var, layers[0].running_var)
        np.testing.assert_allclose(layer.x_hat, layers[0].x_hat)
        assert layer.num_batches_tracked == layers[0].num_batches_tracked
