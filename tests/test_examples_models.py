"""The model examples of issue 20 (examples/vae.py, bayesian_nn.py, gaussian_process.py,
ode_net.py, spectral_loss.py): each trains for a few steps and lowers its loss, and its
gradient matches finite differences in both modes."""

import sys
from pathlib import Path

import numpy as np
import pytest

import srcad

pytest.importorskip("scipy")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import bayesian_nn  # noqa: E402
import gaussian_process  # noqa: E402
import ode_net  # noqa: E402
import spectral_loss  # noqa: E402
import vae  # noqa: E402


def _both_modes(f, *args, wrt=0, rtol=1e-6):
    srcad.check_grad(f, *args, wrt=wrt, mode="reverse", rtol=rtol)
    srcad.check_grad(f, *args, wrt=wrt, mode="forward", rtol=rtol)


def test_vae_trains_and_its_gradient_matches_finite_differences():
    params, losses = vae.main(epochs=25, verbose=False)
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    rng = np.random.default_rng(1)
    x = vae.make_data(n=6)
    _both_modes(vae.negative_elbo, params, x, rng.standard_normal((6, 2)))


def test_bayesian_nn_trains_and_its_gradient_matches_finite_differences():
    layers, losses = bayesian_nn.main(steps=30, verbose=False)
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    x, y = bayesian_nn.make_data(n=8)
    noises = bayesian_nn.draw_noise(layers, 2, np.random.default_rng(2))
    _both_modes(bayesian_nn.negative_elbo, layers, x, y, noises)


def test_gaussian_process_both_forms_agree_and_match_finite_differences():
    theta, losses = gaussian_process.main(steps=15, verbose=False)
    assert losses[-1] < losses[0]
    X, y = gaussian_process.make_data(n=12)
    cholesky = srcad.grad(gaussian_process.neg_log_marginal_likelihood)(theta, X, y)
    scipy_form = srcad.grad(gaussian_process.neg_log_likelihood_scipy)(theta, X, y)
    np.testing.assert_allclose(cholesky, scipy_form, rtol=1e-8, atol=1e-10)
    _both_modes(gaussian_process.neg_log_marginal_likelihood, theta, X, y)
    _both_modes(gaussian_process.neg_log_likelihood_scipy, theta, X, y)


def test_ode_net_fit_and_gradient_to_solver_tolerance():
    rates, losses = ode_net.main(steps=12, verbose=False)
    assert losses[-1] < losses[0]
    observed = ode_net.observations()
    log_theta = np.log(rates)
    # the derivative of the solution, to the solver's tolerance (1e-8): docs/odes.md
    _both_modes(ode_net.trajectory_loss, log_theta, ode_net.Y0, ode_net.TIMES, observed,
                rtol=1e-4)


def test_spectral_loss_recovers_the_amplitudes():
    amplitudes, phases, losses = spectral_loss.main(steps=100, verbose=False)
    assert losses[-1] < 0.5 * losses[0]          # down to the noise floor
    np.testing.assert_allclose(amplitudes, [1.0, 0.5, 0.25], atol=0.03)
    target = spectral_loss.make_target()
    _both_modes(spectral_loss.spectral_loss, amplitudes, phases, target, wrt=(0, 1))
