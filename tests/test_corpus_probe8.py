"""Corpus part 11 (tests/corpus_programs_11.py): the programs of the round-8 probe.

Each program in both modes against finite differences, fresh gradients, a hand-written
gradient where there is one, autograd where it takes the program, and the value against plain
Python. Programs that change globals or memo caches are called twice with the change between.
"""

import dataclasses

import numpy as np
import pytest

import corpus_check as C
import corpus_programs_11 as P
import srcad


def _r(seed, *shape, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def _spd(seed, n):
    a = _r(seed, n, n)
    return a @ a.T / n + np.eye(n)


def _prices(seed):
    steps = 1.0 + 0.05 * _r(seed, 6, 3)
    return np.cumprod(steps, axis=0) * 10


CASES = {
    "cox_argsort_cumsum": (P.cox_partial_nll,
                           lambda: (_r(1, 3, scale=0.5), _r(2, 7, 3),
                                    np.array([5.0, 2.0, 7.0, 1.0, 3.0, 6.0, 4.0]),
                                    np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])), (0, 1), None),
    "wasserstein_sorted": (P.sliced_wasserstein_1d, lambda: (_r(3, 6), _r(4, 6)), (0, 1),
                           lambda x, y: (2 * (np.sort(x) - np.sort(y))[np.argsort(np.argsort(x))]
                                         / 6, -2 * (np.sort(x) - np.sort(y))[
                                             np.argsort(np.argsort(y))] / 6)),
    "trimmed_mean_slice_len": (P.trimmed_mean_loss, lambda: (_r(5, 7),), 0, None),
    "ranking_hinge_pairs": (P.pairwise_ranking_hinge,
                            lambda: (_r(6, 5), np.array([3.0, 1.0, 2.0, 0.0, 2.5])), 0, None),
    "bradley_terry_logaddexp": (P.bradley_terry_nll,
                                lambda: (_r(7, 4), np.array([0, 1, 2, 0, 3, 1]),
                                         np.array([1, 2, 3, 3, 0, 0])), 0, None),
    "soft_dtw_python_softmin": (P.soft_dtw, lambda: (_r(8, 4), _r(9, 5), 0.7), (0, 1, 2), None),
    "hmm_forward_log_space": (P.hmm_log_likelihood,
                              lambda: (_r(10, 3, 3), _r(11, 3), _r(12, 3), _r(13, 6)),
                              (0, 1, 2, 3), None),
    "sinkhorn_while_break": (P.sinkhorn_cost,
                             lambda: (np.abs(_r(14, 4, 3)), np.full(4, 0.25),
                                      np.array([0.2, 0.3, 0.5])), 0, None),
    "newton_early_exit": (P.cube_root_newton, lambda: (2.0, 3.0), (0, 1),
                          lambda a, b: _newton_implicit(a, b)),
    "power_iteration_while": (P.top_eigenvalue, lambda: (_spd(15, 4),), 0, None),
    "arm_cumsum": (P.arm_reach_cumsum,
                   lambda: (np.array([0.3, -0.5, 0.9]), np.array([1.0, 0.7, 0.4]),
                            np.array([0.5, 1.2])), (0, 1), None),
    "heat_slice_update": (P.heat_rod, lambda: (np.sin(np.linspace(0, 3, 8)), 0.9), (0, 1),
                          None),
    "advection_roll": (P.periodic_advection, lambda: (_r(16, 6), 0.8), (0, 1), None),
    "prefix_recurrence_copy": (P.prefix_recurrence, lambda: (_r(17, 5), 0.6), (0, 1), None),
    "kalman_matrix_filter": (P.kalman_log_likelihood,
                             lambda: (-1.0, -0.5, np.array([[1.0, 0.1], [0.0, 0.9]]),
                                      np.array([[1.0, 0.0]]), _r(18, 5, 1)), (0, 1, 2), None),
    "mvn_tril_indices": (P.mvn_nll_tril, lambda: (_r(19, 6, scale=0.3), _r(20, 5, 3)), 0,
                         None),
    "tsne_masked_kl": (P.tsne_kl,
                       lambda: (_r(21, 4, 2), (np.ones((4, 4)) - np.eye(4)) / 12), 0, None),
    "double_where_log": (P.safe_log_where, lambda: (np.array([0.5, -1.0, 2.0, -0.3, 3.0]),), 0,
                         lambda x: (np.where(x > 0, np.log(np.where(x > 0, x, 1.0)) + 1, 0.0),)),
    "pinball_where": (P.pinball_loss, lambda: (_r(22, 6), _r(23, 6)), (0, 1), None),
    "planar_flow_abs_log": (P.planar_flow_log_det,
                            lambda: (_r(24, 5, 2), _r(25, 2), _r(26, 2, scale=0.3), 0.1),
                            (0, 1, 2, 3), None),
    "decorator_wraps_l2": (P.decorated_logistic,
                           lambda: (_r(31, 3), _r(32, 6, 3), np.array([1.0, 0, 1, 1, 0, 0])), 0,
                           None),
    "global_learning_rate": (P.global_lr_descent, lambda: (_r(35, 3),), 0, None),
    "memo_mutable_default": (P.memo_features, lambda: (_r(36, 4), 3), 0,
                             lambda x, d: (np.sum(np.arange(d + 1) * x[:, None]
                                                  ** np.maximum(np.arange(d + 1) - 1, 0),
                                                  axis=1),)),
    "float_of_traced_scalar": (P.float_normalised, lambda: (np.array([0.5, -2.0, 1.0]),), 0,
                               None),
    "comprehension_if_mask": (P.masked_comprehension,
                              lambda: (_r(37, 4), _r(38, 4), [True, False, True, False]),
                              (0, 1), None),
    "meta_learning_rate_adam": (P.meta_lr_adam, lambda: (0.05, _r(39, 3), _r(40, 6, 3),
                                                         _r(41, 6)), (0, 1), None),
    "recursive_tree": (P.tree_expression, lambda: (_r(42, 4),), 0,
                       lambda v: (np.array([v[2] + v[0] * v[3] + (v[0] + v[1]) * v[3],
                                            v[2] + v[0] * v[3], v[0] + v[1],
                                            (v[0] + v[1]) * v[0]]),)),
    "try_except_rewrite": (P.jitter_cholesky_nll_rewrite, lambda: (0.1, _r(43, 5), _r(44, 5)),
                           0, None),
    "module_list_children": (P.list_module_loss,
                             lambda: (_r(45, 3, 4), _r(46, 4), _r(47, 4, 2), _r(48, 2),
                                      _r(49, 5, 3), _r(50, 5, 2)), (0, 1, 2, 3), None),
    "arm_reduce_rewritten_as_loop": (P.arm_reach_loop,
                                     lambda: (np.array([0.3, -0.5, 0.9]),
                                              np.array([1.0, 0.7, 0.4]), np.array([0.5, 1.2])),
                                     (0, 1), None),
    "closure_counter_in_for_loop": (P.closure_counter_loop,
                                    lambda: (_r(33, 3), list(_r(34, 4, 3))), 0, None),
    "dataclass_built_inside": (P.dataclass_regression,
                               lambda: (_r(27, 3, 2), _r(28, 2), _r(29, 5, 3), _r(30, 5, 2)),
                               (0, 1), None),
    "dataclass_argument": (P.dataclass_built_outside,
                           lambda: (P.LinearParams(_r(27, 3, 2), _r(28, 2)), _r(29, 5, 3),
                                    _r(30, 5, 2)), 0, None),
    "cosine_norm_axis": (P.cosine_embedding_loss,
                         lambda: (_r(51, 5, 3), _r(52, 5, 3), np.array([1, -1, 1, -1, -1])),
                         (0, 1), None),
    "gumbel_softmax": (P.gumbel_softmax_sample,
                       lambda: (_r(53, 3, 4), np.random.default_rng(54).uniform(0.1, 0.9, (3, 4))),
                       0, None),
    "np_gradient_trapezoid": (P.rod_energy, lambda: (_r(55, 6), np.linspace(0, 1, 6) ** 1.2),
                              0, None),
    "sharpe_diff_log": (P.log_returns_sharpe, lambda: (_r(56, 3), _prices(57)), (0, 1), None),
    "polyline_zip_sum": (P.pairwise_steps, lambda: (_r(58, 5, 2),), 0, None),
}


def _fresh_stats(*args):
    """The arguments, after resetting the module-level bookkeeping the program changes."""
    P.STATS.total, P.STATS.history = 0.0, []
    return args


def _plain(grads):
    """Gradients with a dataclass's fields as a tuple (corpus_check walks lists and dicts)."""
    if dataclasses.is_dataclass(grads):
        return dataclasses.astuple(grads)
    return [_plain(g) for g in grads] if isinstance(grads, (list, tuple)) else grads


def _newton_implicit(a, b):
    x = P.cube_root_newton(a, b)
    fx = 3 * x ** 2 + a
    return (-x / fx, 1 / fx)


# refused programs: (function, arguments, wrt, what the error says); each has its rewrite
# (the one the message suggests) in CASES, differentiated there.
_ARM = (np.array([0.3, -0.5, 0.9]), np.array([1.0, 0.7, 0.4]), np.array([0.5, 1.2]))
REFUSED = {
    "try_except_cholesky": (P.jitter_cholesky_nll, lambda: (0.1, _r(43, 5), _r(44, 5)), 0,
                            "try/except"),          # rewrite: try_except_rewrite
    "arm_reduce_transforms": (P.arm_reach_error, lambda: _ARM, 0,
                              r"functools.reduce\(\) over a sequence whose length is known "
                              "only at run time"),  # rewrite: arm_reduce_rewritten_as_loop
    "closure_nonlocal_counter": (P.closure_counter_loss,
                                 lambda: (_r(33, 3), list(_r(34, 4, 3))), 0,
                                 "call it in a for loop"),  # closure_counter_in_for_loop
    "module_dict_of_children": (P.module_tree_loss,
                                lambda: (_r(45, 3, 4), _r(46, 4), _r(47, 4, 2), _r(48, 2),
                                         _r(49, 5, 3), _r(50, 5, 2)), 0,
                                "using the Affine object made in the function as a value"),
}
REFUSED_FORWARD = {
    "recursive_tree": "calls itself recursively",       # reverse mode takes it
}
XFAIL = {
    "recursive_tree": ("refused in forward mode: a recursive helper (REFUSED_FORWARD)",
                       {"forward"}),
}


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "reverse")))
def test_probe8_reverse_against_finite_differences(name):
    C.check_reverse(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "forward")))
def test_probe8_forward_against_finite_differences(name):
    C.check_forward(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "hand")))
def test_probe8_fresh_and_against_hand_written(name):
    C.check_hand(CASES[name])


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][3] is not None])
def test_probe8_hand_written_backward_is_right(name):
    C.check_hand_written_oracle(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "autograd")))
def test_probe8_against_autograd(name):
    C.check_autograd(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "value")))
def test_probe8_value_is_python_s(name):
    """value_and_grad's value is Python's, and a second call gives the same."""
    f, build, wrt, _ = CASES[name]
    want = f(*build())
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    derivative = srcad.value_and_grad(f, wrt=wrt)
    value, first = derivative(*build())
    assert value == want
    again = derivative(*build())
    assert again[0] == want
    C.close(_plain(again[1]), _plain(first), rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(REFUSED))
def test_probe8_refusal_names_the_line(name, mode):
    reason, checks = XFAIL.get(name, (None, ()))
    if f"refusal-{mode}" in checks:
        pytest.xfail(reason)
    f, build, wrt, why = REFUSED[name]
    with pytest.raises(srcad.SrcadError, match=why) as info:
        srcad.check_grad(f, *build(), wrt=wrt, mode=mode)
    assert "corpus_programs_11.py, line" in str(info.value)


@pytest.mark.parametrize("name", list(REFUSED_FORWARD))
def test_probe8_forward_refusal_names_the_line(name):
    f, build, wrt, _ = CASES[name]
    with pytest.raises(srcad.SrcadError, match=REFUSED_FORWARD[name]) as info:
        srcad.jvp(f, wrt=wrt)(*build(), *[np.ones_like(build()[i]) for i in (wrt,)])
    assert "corpus_programs_11.py, line" in str(info.value)


def test_probe8_global_learning_rate_changed_between_calls():
    g = srcad.grad(P.global_lr_descent)
    w = _r(35, 3)
    saved = P.LEARNING_RATE, P.DATA
    try:
        for lr, data in ((0.1, P.DATA), (0.3, P.DATA), (0.3, np.array([1.0, 2.0, -3.0]))):
            P.LEARNING_RATE, P.DATA = lr, data
            np.testing.assert_allclose(g(w), srcad.numeric_grad(P.global_lr_descent, w),
                                       rtol=1e-6)
            np.testing.assert_allclose(srcad.jvp(P.global_lr_descent)(w, dw=np.ones(3))[1],
                                       np.sum(srcad.numeric_grad(P.global_lr_descent, w)),
                                       rtol=1e-6)
    finally:
        P.LEARNING_RATE, P.DATA = saved


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_probe8_memo_cache_in_a_default_over_calls(mode):
    x = _r(36, 4)
    for degree in (3, 2, 3, 4):
        srcad.check_grad(P.memo_features, x, degree, mode=mode)
    assert set(P.memo_features.__defaults__[1]) >= {2, 3, 4}


def _stats_loss_gradient(w, X, y):
    return 2 * X.T @ (X @ w - y) / len(y)


def _stats_case():
    return _r(60, 3), _r(61, 6, 3), _r(62, 6)


def test_probe8_method_statement_on_a_global_object():
    """`STATS.add_loss(err)` as a statement: the method is inlined, so the derivative follows
    what it sets (it ran as written, on the real object, and the gradient came out 0); the
    object changes once per call, as in Python."""
    w, X, y = _fresh_stats(*_stats_case())
    err = np.mean((X @ w - y) ** 2)
    value, g = srcad.value_and_grad(P.loss_into_global_stats)(w, X, y)
    assert value == err and P.STATS.total == err
    np.testing.assert_allclose(g, _stats_loss_gradient(w, X, y), rtol=1e-12)
    value, tangent = srcad.jvp(P.loss_into_global_stats)(w, X, y, np.ones(3))
    assert value == err + err and P.STATS.total == value
    np.testing.assert_allclose(tangent, np.sum(_stats_loss_gradient(w, X, y)), rtol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_probe8_method_statement_on_an_argument_object_is_refused(mode):
    """It ran as written and the gradient came out 0; the rewrite the message shows works."""
    w, X, y = _stats_case()
    with pytest.raises(srcad.SrcadError, match=r"reads `stats.total` after it") as info:
        srcad.check_grad(P.loss_into_stats_argument, w, X, y, P.RunningStats(), mode=mode)
    assert "corpus_programs_11.py, line" in str(info.value)
    srcad.check_grad(P.loss_into_stats_rewritten, w, X, y, P.RunningStats(), mode=mode)
    np.testing.assert_allclose(srcad.grad(P.loss_into_stats_rewritten)(w, X, y,
                                                                       P.RunningStats()),
                               _stats_loss_gradient(w, X, y), rtol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_probe8_global_list_appended_then_read_back_is_refused(mode):
    """It read the list as it was when srcad transformed the function: an IndexError from
    inside srcad on an empty one, gradient 0 on a later call."""
    w, X, y = _fresh_stats(*_stats_case())
    with pytest.raises(srcad.SrcadError, match=r"reads 'STATS' after it") as info:
        srcad.check_grad(P.loss_read_back_from_history, w, X, y, wrt=0, mode=mode)
    assert "corpus_programs_11.py, line" in str(info.value)

