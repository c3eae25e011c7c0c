"""np.median, np.quantile, np.percentile and their NaN-skipping forms: swept like the table
(reverse, forward, kinds known and generic, forward over reverse) and used the way robust
losses and normalisations use them, in both modes against central differences."""

import numpy as np
import pytest
from rule_sweeps import sweep_tests

import srcad

NEW_PRIMS = ["median", "nanmedian", "quantile", "nanquantile", "percentile", "nanpercentile",
             "quantile_tangent", "quantile_adjoint"]
test_reverse_sweep, test_forward_sweep, test_forward_over_reverse = sweep_tests(NEW_PRIMS)

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 5))
V = RNG.normal(size=9)


def check_both_modes(f, *args, wrt=0):
    assert srcad.check_grad(f, *args, wrt=wrt)
    assert srcad.check_grad(f, *args, wrt=wrt, mode="forward")


def robust_scale(x):
    """Median/IQR standardisation of each column, then a smooth loss."""
    med = np.median(x, axis=0, keepdims=True)
    iqr = np.percentile(x, 75, axis=0) - np.percentile(x, 25, axis=0)
    z = (x - med) / iqr
    return np.sum(np.tanh(z) * np.arange(5.0))


def pinball(pred, y):
    """The quantile-regression loss at three levels, with the levels' empirical quantiles."""
    levels = [0.1, 0.5, 0.9]
    targets = np.quantile(y, levels)
    loss = 0.0
    for k, tau in enumerate(levels):
        r = targets[k] - pred[k]
        loss = loss + np.maximum(tau * r, (tau - 1.0) * r)
    return loss


def median_of_missing(x):
    masked = np.where(x > 1.0, np.nan, x)
    return np.sum(np.nanmedian(masked, axis=1) ** 2) + np.nanpercentile(masked, 40)


def even_count_median(v):
    return np.median(v[:8] ** 2)


@pytest.mark.parametrize("f, args", [
    (robust_scale, (X,)), (pinball, (np.array([0.3, -0.2, 1.1]), V)),
    (median_of_missing, (X,)), (even_count_median, (V,)),
])
def test_user_level_both_modes(f, args):
    check_both_modes(f, *args)


def test_pinball_in_the_targets_data():
    check_both_modes(pinball, np.array([0.3, -0.2, 1.1]), V, wrt=1)


def test_median_of_an_even_count_splits_the_gradient():
    v = np.array([4.0, 1.0, 3.0, 2.0])
    np.testing.assert_array_equal(srcad.grad(lambda u: np.median(u))(v), [0, 0, 0.5, 0.5])


def test_nan_elements_get_zero():
    g = srcad.grad(median_of_missing)(X)
    assert np.all(g[X > 1.0] == 0.0)


def test_second_order_through_the_helpers():
    def inner(x):
        return np.median(x ** 3)

    def outer(x):
        return np.sum(srcad.grad(inner)(x) ** 2)
    check_both_modes(outer, V)


def test_q_and_method_are_refused_at_the_users_line():
    def active_q(x, q):
        return np.quantile(x, q)

    def nearest(x):
        return np.quantile(x, 0.3, method="nearest")
    with pytest.raises(srcad.SrcadError, match="q"):
        srcad.grad(active_q, wrt=1)(V, 0.3)
    with pytest.raises(srcad.SrcadError, match="method="):
        srcad.grad(nearest)(V)


def test_exported_gradient_carries_the_helpers():
    source = str(srcad.export(srcad.grad(robust_scale), args=(X,)))
    namespace = {}
    exec(compile(source, "exported", "exec"), namespace)
    np.testing.assert_allclose(namespace["grad_robust_scale"](X), srcad.grad(robust_scale)(X),
                               rtol=1e-12)
