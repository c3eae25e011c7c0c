"""Corpus part 6 (tests/corpus_programs_6.py): a Gaussian process, a Bayesian neural network by
black-box variational inference, a VAE, an ODE-net and a multi-resolution STFT loss, as
published (issue 20).

Each program in both modes against finite differences, and against autograd where it can run
the same source (it cannot with SciPy's stats or integrate: those cases skip). What srcad
refuses today is a strict xfail, with the reason.
"""

import numpy as np
import pytest

pytest.importorskip("scipy")

import corpus_check as C  # noqa: E402
import corpus_programs_6 as P  # noqa: E402


def _r(rng, *shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _gp():
    g = np.random.default_rng(90)
    x = np.sort(g.uniform(-2, 2, size=(8, 1)), axis=0)
    y = np.sin(2 * x[:, 0]) + 0.1 * _r(g, 8)
    return np.array([0.1, np.log(0.05), 0.0, -0.3]), x, y


def _bnn():
    g = np.random.default_rng(91)
    num_weights = sum((m + 1) * n for m, n in P.SHAPES)
    params = np.concatenate([_r(g, num_weights, scale=0.5), np.full(num_weights, -2.0)])
    inputs = np.linspace(-2, 2, 6)[:, None]
    targets = np.cos(inputs)
    return params, inputs, targets, _r(g, 3, num_weights)


def _vae():
    g = np.random.default_rng(92)
    rec = [(_r(g, 6, 5, scale=0.4), _r(g, 5, scale=0.1)), (_r(g, 5, 4, scale=0.4),
                                                             _r(g, 4, scale=0.1))]
    gen = [(_r(g, 2, 5, scale=0.4), _r(g, 5, scale=0.1)), (_r(g, 5, 6, scale=0.4),
                                                             _r(g, 6, scale=0.1))]
    data = np.where(g.random((3, 6)) > 0.5, 1.0, -1.0)
    return gen, rec, data, _r(g, 3, 2)


def _ode_net():
    g = np.random.default_rng(93)
    params = [(_r(g, 2, 5, scale=0.5), _r(g, 5, scale=0.1)),
              (_r(g, 5, 2, scale=0.5), _r(g, 2, scale=0.1))]
    t = np.linspace(0.0, 1.0, 6)
    true_y = np.stack([np.cos(t), np.sin(t)], axis=1) * 1.5 + 0.3
    return params, np.array([2.0, 0.0]), t, true_y


def _stft():
    g = np.random.default_rng(94)
    n = np.arange(64)
    y = np.sin(0.3 * n) + 0.5 * np.sin(1.1 * n)
    return y + 0.3 * _r(g, 64), y


CASES = {
    "gp_mvn_logpdf": (P.gp_log_marginal_likelihood, _gp, 0, None),
    "gp_cholesky_solves": (P.gp_cholesky_nll, _gp, 0, None),
    "bnn_bbvi_generator_layers": (P.bnn_variational_objective, _bnn, 0, None),
    "bnn_bbvi_list_layers": (P.bnn_objective_list, _bnn, 0, None),
    "vae_autograd_example": (P.vae_lower_bound, _vae, (0, 1), None),
    "ode_net_odeint_mlp": (P.ode_train_loss, _ode_net, (0, 1), None),
    "multi_resolution_stft_loss": (P.multi_resolution_stft_loss, _stft, 0, None),
}

XFAIL = {}     # bnn_bbvi_generator_layers: its generator of layers runs to its end first
              # (srcad/lowering/generators.py)


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "reverse")))
def test_probabilistic_reverse_against_finite_differences(name):
    C.check_reverse(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "forward")))
def test_probabilistic_forward_against_finite_differences(name):
    C.check_forward(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "hand")))
def test_probabilistic_gradients_fresh(name):
    C.check_hand(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "autograd")))
def test_probabilistic_against_autograd(name):
    C.check_autograd(CASES[name])


def test_both_gp_forms_agree():
    params, x, y = _gp()
    np.testing.assert_allclose(-P.gp_log_marginal_likelihood(params, x, y),
                               P.gp_cholesky_nll(params, x, y), rtol=1e-10)


def test_clip_with_one_bound_none_both_modes():
    """np.clip(x, lo, None) (the STFT loss's floor) and x.clip(None, hi): the adjoint masks by
    the bound that exists (it compared with None, a TypeError in generated code)."""
    import srcad

    def f(x):
        return np.sum(np.sqrt(np.clip(x ** 2, 1e-7, None))) + np.sum(x.clip(None, 0.5) ** 3)
    x = np.array([0.1, 0.3, 0.7, -0.4, 0.0])
    expected = np.sign(x) * (np.abs(x) > np.sqrt(1e-7)) + 3 * np.minimum(x, 0.5) ** 2 * (x <= 0.5)
    np.testing.assert_allclose(srcad.grad(f)(x), expected, rtol=1e-12)
    np.testing.assert_allclose(srcad.jvp(f)(x, np.ones(5))[1], np.sum(expected), rtol=1e-12)
