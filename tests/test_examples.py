"""The runnable examples: each main() with small settings, checked against numbers worked out
by hand (the seed function, the one-step linear network, z = 5a^2 + 3b^2), against finite
differences (every MLP loss, rtol 1e-6), and for training that really lowers the loss."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import srcad

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import demo
import linear_network
import logistic_regression
import quadratic
import seed_function
import sine_mlp
import softmax_digits


def close_to_ulps(actual, expected, ulps=2):
    """|actual - expected| within a few units in the last place of expected."""
    return abs(actual - expected) <= ulps * math.ulp(expected)


# ----- the seed function ---------------------------------------------------------------


def test_seed_function_value_and_gradient_to_machine_precision():
    value, (d1, d2) = seed_function.main(verbose=False)
    assert close_to_ulps(value, math.log(2.0) + 10.0 - math.sin(5.0))
    assert d1 == 5.5
    assert close_to_ulps(d2, 2.0 - math.cos(5.0))
    assert d2 == 1.7163378145367738


def test_seed_function_prints_trace_source_and_check(capsys):
    seed_function.main()
    out = capsys.readouterr().out
    for line in ("v-1 = x1", "v0  = x2", "v1 = log(v-1)", "def grad_f(x1, x2):",
                 "matches central differences", "11.652071455223084"):
        assert line in out


# ----- the 2-3-1 linear network -----------------------------------------------------------


def hand_gradient(w, n1=3.0, n2=-2.0, y=9.0):
    """Backpropagation through the linear network written out by hand."""
    n3 = w["W13"] * n1 + w["W23"] * n2
    n4 = w["W14"] * n1 + w["W24"] * n2
    n5 = w["W15"] * n1 + w["W25"] * n2
    d6 = w["W36"] * n3 + w["W46"] * n4 + w["W56"] * n5 - y
    d3, d4, d5 = d6 * w["W36"], d6 * w["W46"], d6 * w["W56"]
    return {"W13": d3 * n1, "W23": d3 * n2, "W14": d4 * n1, "W24": d4 * n2, "W15": d5 * n1,
            "W25": d5 * n2, "W36": d6 * n3, "W46": d6 * n4, "W56": d6 * n5}


def test_linear_network_one_step_matches_the_textbook():
    weights = linear_network.main(verbose=False)
    assert weights["W36"] == pytest.approx(-2.2, abs=1e-15)
    assert weights["W13"] == pytest.approx(-0.2, abs=1e-15)
    expected = {n: w - 0.1 * g for (n, w), g in
                zip(linear_network.INITIAL.items(), hand_gradient(linear_network.INITIAL).values())}
    assert weights == pytest.approx(expected, abs=1e-14)


def test_linear_network_gradient_after_the_step_is_still_exact():
    weights = linear_network.main(verbose=False)
    grads = srcad.grad(linear_network.error, wrt=linear_network.WEIGHT_NAMES)(
        *weights.values(), 3.0, -2.0, 9.0)
    assert dict(zip(linear_network.WEIGHT_NAMES, grads)) == pytest.approx(hand_gradient(weights),
                                                                          rel=1e-13)


# ----- z = 5 a^2 + 3 b^2 ----------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [(1.5, -2.0), (0.0, 0.0), (-3.25, 7.0)])
def test_quadratic_gradient_is_10a_6b(a, b):
    (da, db), _ = quadratic.main(a=a, b=b, steps=0, verbose=False)
    assert (da, db) == (10 * a, 6 * b)


def test_quadratic_clipping_keeps_a_large_rate_finite_and_careful_start_converges():
    _, histories = quadratic.main(verbose=False)
    first = histories[next(iter(histories))][0]
    plain, by_value, by_norm, careful = (h[-1] for h in histories.values())
    assert not np.isfinite(plain)
    assert careful < by_norm < by_value < first
    assert careful < 0.05


def test_clip_by_norm_and_by_value():
    grads = [(np.array([[3.0, 4.0]]), np.array([0.0]))]
    [(gW, gb)] = quadratic.clip_by_norm(grads, 1.0)
    np.testing.assert_allclose(gW, [[0.6, 0.8]])
    [(gW, gb)] = quadratic.clip_by_value(grads, 3.5)
    np.testing.assert_array_equal(gW, [[3.0, 3.5]])
    [(gW, gb)] = quadratic.clip_by_norm(grads, 10.0)
    np.testing.assert_array_equal(gW, [[3.0, 4.0]])
    np.testing.assert_array_equal(gb, [0.0])


def test_quadratic_network_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    params = quadratic.glorot_init([2, 5, 1], rng)
    ab = rng.uniform(-1, 1, size=(30, 2))
    assert srcad.check_grad(quadratic.mse_loss, params, ab, quadratic.z(ab[:, 0], ab[:, 1]),
                            rtol=1e-6)


# ----- the sine MLP ---------------------------------------------------------------------------


def test_sine_mlp_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    params = sine_mlp.glorot_uniform([1, 10, 10, 1], rng)
    params = [(W, rng.normal(size=b.shape)) for W, b in params]
    x, y = sine_mlp.make_data(40, 0.1, rng)
    assert srcad.check_grad(sine_mlp.mse_loss, params, x, y, rtol=1e-6)


def test_sine_mlp_glorot_bounds():
    params = sine_mlp.glorot_uniform([1, 10, 10, 1], np.random.default_rng(0))
    assert [W.shape for W, _ in params] == [(1, 10), (10, 10), (10, 1)]
    for W, b in params:
        assert np.all(np.abs(W) <= np.sqrt(6.0 / sum(W.shape))) and not np.any(b)


def test_sine_mlp_short_run_lowers_the_loss():
    result = sine_mlp.main(epochs=60, verbose=False, plot=None)
    history = result["history"]
    assert len(history) == 60 and history[-1] < 0.5 * history[0]


def test_sine_mlp_reaches_mse_below_002_on_the_noise_free_sine():
    result = sine_mlp.main(verbose=False, plot=None)
    assert result["test_mse"] < 0.02
    assert result["seconds"] < 60


def test_sine_mlp_prints_progress_and_saves_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "sine.png"
    sine_mlp.main(epochs=20, n=50, plot=str(path))
    out = capsys.readouterr().out
    assert "100%" in out and "epoch 20" in out and "saved the plots" in out
    assert path.stat().st_size > 1000


def test_sine_mlp_without_matplotlib_skips_plots(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    path = tmp_path / "sine.png"
    sine_mlp.main(epochs=10, n=50, plot=str(path))
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not path.exists()


# ----- logistic regression ----------------------------------------------------------------------


def test_logistic_regression_loss_falls_from_ln2():
    w, losses = logistic_regression.main(steps=200, verbose=False)
    assert close_to_ulps(losses[0], math.log(2.0))
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.1
    p = logistic_regression.sigmoid(logistic_regression.X @ w)
    np.testing.assert_array_equal(p > 0.5, logistic_regression.Y)


def test_logistic_regression_first_gradient_by_hand():
    grad = srcad.grad(logistic_regression.bce_loss)
    X, Y = logistic_regression.X, logistic_regression.Y
    np.testing.assert_allclose(grad(np.zeros(4), X, Y), X.T @ (0.5 - Y) / 4, rtol=1e-15)


def test_logistic_regression_gradient_matches_finite_differences():
    w = np.array([0.3, -1.2, 0.8, 0.1])
    assert srcad.check_grad(logistic_regression.bce_loss, w, logistic_regression.X,
                            logistic_regression.Y, rtol=1e-6)


# ----- softmax classifier ---------------------------------------------------------------------


def test_softmax_classifier_learns_and_stops_early():
    result = softmax_digits.main(dataset="blobs", n=600, epochs=40, patience=3, verbose=False)
    train_losses = [h[0] for h in result["history"]]
    assert train_losses[-1] < train_losses[0]
    assert result["test_accuracy"] > 0.8
    assert len(result["history"]) < 40 and result["best_epoch"] <= len(result["history"])


def test_softmax_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    params = softmax_digits.init_params(6, 8, 4, rng)
    params = [(W, 0.1 * rng.normal(size=b.shape)) for W, b in params]
    x, labels = softmax_digits.gaussian_blobs(20, 4, 6, 1.0, rng)
    onehot = np.eye(4)[labels]
    assert srcad.check_grad(softmax_digits.cross_entropy, params, x, onehot, 1e-2, rtol=1e-6,
                            eps=1e-6)


def test_log_softmax_is_shift_invariant_and_stable():
    z = np.array([[1000.0, 1001.0, 999.0], [0.0, 1.0, -1.0]])
    out = softmax_digits.log_softmax(z)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-13)
    np.testing.assert_allclose(np.exp(out).sum(axis=1), 1.0, rtol=1e-14)


# ----- the demo ---------------------------------------------------------------------------------


def test_demo_prints_each_part(capsys):
    demo.main(mlp_epochs=30)
    out = capsys.readouterr().out
    for text in ("v-1 = x1", "def grad_f(x1, x2):", "matches central differences",
                 "W36 = -2.2", "W13 = -0.2", "dz/da = 15.0, dz/db = -12.0", "epoch 30",
                 "demo finished"):
        assert text in out
