"""A library method with no rule, called with keywords on a value that depends on the input
(`rng.choice(3, p=p)` in a REINFORCE loss). Reverse mode needs no rule there: the sample only
indexes, so no adjoint reaches it. Forward mode refused it (naming srcad's own helper,
`srcad.effects.call_with_keywords`); it now refuses a missing rule only where the tangent
reaches the result (analysis.activity.useful_vars), as reverse mode does, in loops too. Where
it does reach the result, both modes refuse naming the user's method, and the rewrite shown
(srcad.stop_gradient on the argument) is differentiated."""

import numpy as np
import pytest

import srcad


def policy_gradient_loss(theta):
    rng = np.random.default_rng(5)
    logits = np.array([theta[0], theta[1], 0.0])
    p = np.exp(logits - logits.max())
    p /= p.sum()
    action = rng.choice(3, p=p)
    return 2.0 * np.log(p[action])


def policy_gradient_loss_rewritten(theta):
    rng = np.random.default_rng(5)
    logits = np.array([theta[0], theta[1], 0.0])
    p = np.exp(logits - logits.max())
    p /= p.sum()
    action = rng.choice(3, p=srcad.stop_gradient(p))
    return 2.0 * np.log(p[action])


THETA = np.array([0.2, -0.3])


def episodes(theta):
    rng = np.random.default_rng(7)
    total = 0.0
    for _ in range(4):
        logits = np.array([theta[0], theta[1], 0.0])
        p = np.exp(logits - logits.max())
        p /= p.sum()
        action = rng.choice(3, p=p)
        total = total + np.log(p[action]) * (total + 1.0)
    return total


def picks_a_parameter(theta):
    rng = np.random.default_rng(5)
    return 3.0 * rng.choice(theta, p=[0.5, 0.5])


@pytest.mark.parametrize("f", [policy_gradient_loss, policy_gradient_loss_rewritten, episodes],
                         ids=lambda f: f.__name__)
def test_a_sample_only_indexed_with_needs_no_rule_in_both_modes(f):
    numeric = srcad.numeric_grad(f, THETA)
    np.testing.assert_allclose(srcad.grad(f)(THETA), numeric, rtol=1e-6)
    value, tangent = srcad.jvp(f)(THETA, np.ones(2))
    assert np.isclose(value, f(THETA))
    assert np.isclose(tangent, np.sum(numeric), rtol=1e-6)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_sample_reaching_the_result_is_refused_naming_the_users_method(mode):
    derivative = getattr(srcad, mode)(picks_a_parameter)
    with pytest.raises(srcad.MissingRuleError) as err:
        derivative(THETA) if mode == "grad" else derivative(THETA, np.ones(2))
    text = str(err.value)
    assert "the method .choice()" in text and "srcad.effects" not in text
    assert "srcad.stop_gradient" in text
    assert f"line {picks_a_parameter.__code__.co_firstlineno + 2}:" in text
