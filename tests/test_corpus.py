"""Real-style programs (tests/corpus_programs.py) through srcad, against several oracles.

For every program, in reverse and in forward mode:
- finite differences (srcad.check_grad, element by element): the primary oracle;
- the hand-written backward pass where the published style has one;
- autograd's gradient of the same source, where the optional autograd package is installed;
- the returned gradients are fresh: writable, and sharing no memory with an argument.
A program srcad cannot take yet is an xfail with the issue that will make it work, strict so
that it shows up the day it starts working.
"""

import importlib.util
import pathlib

import numpy as np
import pytest

import corpus_programs as P
import srcad

RNG = np.random.default_rng(1)


def _r(*shape, scale=1.0):
    return RNG.standard_normal(shape) * scale


def _two_layer():
    N, D, H, C = 5, 4, 6, 3
    return (_r(D, H, scale=0.5), _r(H, scale=0.1), _r(H, C, scale=0.5), _r(C, scale=0.1),
            _r(N, D), np.array([0, 2, 1, 2, 0]), 0.05)


def _rnn():
    H, D, V = 4, 3, 5
    xs = [_r(D) for _ in range(4)]
    return (_r(H, D, scale=0.4), _r(H, H, scale=0.4), _r(V, H, scale=0.4), _r(H, scale=0.1),
            _r(V, scale=0.1), xs, _r(H, scale=0.1))


def _lstm():
    N, T, D, H = 2, 3, 3, 2
    return (_r(N, T, D), _r(N, H), _r(N, H), _r(D, 4 * H, scale=0.4), _r(H, 4 * H, scale=0.4),
            _r(4 * H, scale=0.1))


def _min_char_rnn():
    vocab, hidden = 5, 4
    return ([0, 3, 1, 4], [3, 1, 4, 2], _r(hidden, 1, scale=0.1),
            _r(hidden, vocab, scale=0.3), _r(hidden, hidden, scale=0.3),
            _r(vocab, hidden, scale=0.3), _r(hidden, 1, scale=0.1), _r(vocab, 1, scale=0.1))


def _mvn():
    return (np.tril(_r(3, 3)) + 2 * np.eye(3), _r(3))


def _params_list():
    sizes = [3, 4, 2]
    params = [(_r(m, n, scale=0.5), _r(n, scale=0.1)) for m, n in zip(sizes[:-1], sizes[1:])]
    T = np.eye(2)[[0, 1, 1, 0, 1]]
    return (params, _r(5, 3), T, 0.1)


CASES = {
    # name: (function, argument builder, wrt, hand-written gradient or None)
    "two_layer_net": (P.two_layer_net_loss, _two_layer, (0, 1, 2, 3), P.two_layer_net_backward),
    "affine_relu": (P.affine_relu_sum, lambda: (_r(3, 2, 2), _r(4, 5), _r(5), _r(3, 5)),
                    (0, 1, 2), P.affine_relu_backward),
    "batchnorm": (P.batchnorm_train_sum, lambda: (_r(6, 3), _r(3), _r(3), _r(6, 3)),
                  (0, 1, 2), P.batchnorm_backward),
    "softmax_onehot": (P.softmax_loss_onehot,
                       lambda: (_r(4, 3, scale=0.3), _r(6, 4), np.eye(3)[[0, 1, 2, 1, 0, 2]],
                                0.01), 0, P.softmax_loss_onehot_backward),
    "logistic_autograd_example": (P.training_loss, lambda: (_r(3, scale=0.3),), 0,
                                  P.training_loss_backward),
    "neural_net_autograd_example": (P.log_posterior, _params_list, 0, None),
    "gaussian_kl": (P.gaussian_kl, lambda: (_r(4), _r(4, scale=0.3)), (0, 1), None),
    "huber": (P.huber, lambda: (np.array([0.3, -2.0, 1.7, -0.4]),), 0, None),
    "attention": (P.attention, lambda: (_r(3, 4), _r(5, 4), _r(5, 2)), (0, 1, 2), None),
    "rnn_list_append": (P.rnn_loss, _rnn, (0, 1, 2, 3, 4), P.rnn_loss_backward),
    "lstm_slices": (P.lstm_loss, _lstm, (0, 3, 4, 5), None),
    "conv1d_list": (P.conv1d_loss, lambda: (_r(3), _r(7)), 0, None),
    "mse_dict_params": (P.mse_of_params,
                        lambda: ({"W": _r(3, 2), "b": _r(2)}, _r(5, 3), _r(5, 2)), 0,
                        lambda p, X, y: P.mse_of_params_backward(p, X, y)),
    "gaussian_nll": (P.gaussian_nll, lambda: (0.3, -0.2, _r(6)), (0, 1), None),
    "mvn_logpdf": (P.mvn_logpdf, _mvn, (0, 1), None),
    "min_char_rnn": (P.min_char_rnn_loss, _min_char_rnn, (3, 4, 5, 6, 7), None),
}

# Programs srcad cannot take yet: name -> (reason, the checks that fail: "reverse", "forward",
# "hand" (hand-written backward and freshness), "autograd").
ALL = {"reverse", "forward", "hand", "autograd"}
XFAIL = {}


def _cases(check):
    for name in CASES:
        reason, checks = XFAIL.get(name, (None, ()))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if check in checks else []
        yield pytest.param(name, marks=marks, id=name)


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _assert_fresh(grads, args):
    arrays = [a for a in _leaves(args) if isinstance(a, np.ndarray)]
    out = [g for g in _leaves(grads) if isinstance(g, np.ndarray)]
    for i, g in enumerate(out):
        assert g.flags.writeable, "a returned gradient is read-only"
        assert not any(np.shares_memory(g, a) for a in arrays), "a gradient shares an argument"
        assert not any(np.shares_memory(g, h) for h in out[i + 1:]), "two gradients share memory"


def _close(got, want):
    for g, w in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(_cases("reverse")))
def test_corpus_reverse_against_finite_differences(name):
    f, build, wrt, _ = CASES[name]
    srcad.check_grad(f, *build(), wrt=wrt, mode="reverse", rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", list(_cases("forward")))
def test_corpus_forward_against_finite_differences(name):
    f, build, wrt, _ = CASES[name]
    srcad.check_grad(f, *build(), wrt=wrt, mode="forward", rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", list(_cases("hand")))
def test_corpus_against_hand_written_backward_and_fresh(name):
    f, build, wrt, backward = CASES[name]
    args = build()
    grads = srcad.grad(f, wrt=wrt)(*args)
    _assert_fresh(grads, args)
    if backward is not None:
        _close(grads, backward(*args))


def _autograd_namespace():
    anp = pytest.importorskip("autograd.numpy")
    namespace = {"__name__": "corpus_with_autograd"}
    source = pathlib.Path(P.__file__).read_text().replace("import numpy as np",
                                                          "import autograd.numpy as np")
    exec(compile(source, P.__file__, "exec"), namespace)
    namespace["inputs"], namespace["targets"] = anp.array(P.inputs), anp.array(P.targets)
    return namespace


@pytest.mark.skipif(importlib.util.find_spec("autograd") is None,
                    reason="autograd (optional extra) is not installed")
@pytest.mark.parametrize("name", list(_cases("autograd")))
def test_corpus_against_autograd(name):
    import autograd
    f, build, wrt, _ = CASES[name]
    args = build()
    same = _autograd_namespace()[f.__name__]
    wanted = wrt if isinstance(wrt, tuple) else (wrt,)
    try:
        want = [autograd.grad(same, argnum=i)(*args) for i in wanted]
    except Exception as err:        # noqa: BLE001 - autograd itself cannot take the program
        pytest.skip(f"autograd cannot differentiate {name}: {type(err).__name__}")
    got = srcad.grad(f, wrt=wanted)(*args)
    _close(got, want)


def test_method_of_a_layer_object_sees_its_current_parameters():
    """A bound method's gradient reads self.W when it runs, like the method."""
    rng = np.random.default_rng(0)
    layer = P.Dense(3, 2, rng)
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    g = srcad.grad(layer.loss)
    for _ in range(3):
        got = g(X, y)
        want = srcad.numeric_grad(layer.loss, X, y)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
        layer.W = layer.W * 0.5 + 0.1
