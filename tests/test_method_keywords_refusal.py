"""A library method called with keywords on a value that depends on the input, with no rule
(`rng.choice(3, p=p)` in a REINFORCE loss): forward mode refused it naming srcad's own helper
(`srcad.effects.call_with_keywords`); it names the user's method now, and the rewrite it
shows (srcad.stop_gradient on the argument) is differentiated in both modes. Reverse mode
needs no rule here: the sample only indexes, so no adjoint reaches it."""

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


def test_forward_mode_names_the_users_method():
    with pytest.raises(srcad.MissingRuleError) as err:
        srcad.jvp(policy_gradient_loss)(THETA, np.ones(2))
    text = str(err.value)
    assert "the method .choice()" in text and "srcad.effects" not in text
    assert "srcad.stop_gradient" in text
    assert f"line {policy_gradient_loss.__code__.co_firstlineno + 5}:" in text


def test_the_rewrite_in_both_modes():
    numeric = srcad.numeric_grad(policy_gradient_loss_rewritten, THETA)
    np.testing.assert_allclose(srcad.grad(policy_gradient_loss_rewritten)(THETA), numeric,
                               rtol=1e-6)
    np.testing.assert_allclose(srcad.grad(policy_gradient_loss)(THETA), numeric, rtol=1e-6)
    value, tangent = srcad.jvp(policy_gradient_loss_rewritten)(THETA, np.ones(2))
    assert np.isclose(value, policy_gradient_loss(THETA))
    assert np.isclose(tangent, np.sum(numeric), rtol=1e-6)
