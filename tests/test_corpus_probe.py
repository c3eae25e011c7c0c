"""Corpus part 10 (tests/corpus_programs_10.py): the programs of the round-6 probe.

Each program in both modes against finite differences, fresh gradients, autograd where it
takes the program, and its value against plain Python (the derivative computes what the
function computes, to the last bit).
"""

import copy

import numpy as np
import pytest

import corpus_check as C
import corpus_programs_10 as P
import srcad


def _r(seed, *shape, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def _sym(seed, n):
    a = _r(seed, n, n)
    return (a + a.T) * 0.1


CASES = {
    "rbf_kernel_through_transpose": (P.rbf_kernel_sum, lambda: (_r(1, 5), 0.7), (0, 1), None),
    "gp_cholesky_two_solves": (P.gp_negative_log_marginal,
                               lambda: (np.array([0.1, 0.2, -1.0]), _r(2, 5, 2), _r(3, 5)), 0,
                               None),
    "gaussian_slogdet_solve": (P.gaussian_log_density,
                               lambda: (_r(4, 4, 2), _r(5, 2),
                                        np.array([[2.0, 0.3], [0.3, 1.0]])), (0, 1, 2), None),
    "attention_split_heads": (P.heads_attention,
                              lambda: (_r(6, 2, 3, 4), _r(7, 4, 4), _r(8, 4, 4), _r(9, 4, 4),
                                       _r(10, 4, 4), 2), (0, 1, 4), None),
    "attention_einsum_spaces": (P.einsum_attention,
                                lambda: (_r(11, 2, 3, 4), _r(12, 4, 2, 3), _r(13, 4, 2, 3),
                                         _r(14, 4, 2, 3)), (0, 1, 2, 3), None),
    "attention_causal_mask_write": (P.masked_self_attention,
                                    lambda: (_r(15, 4, 3), _r(16, 3, 3), _r(17, 3, 3)), (0, 1),
                                    None),
    "layernorm_gelu_default_eps": (P.normalised_gelu_block,
                                   lambda: (_r(18, 3, 4), _r(19, 4), _r(20, 4), _r(21, 4, 5),
                                            _r(22, 5, 2)), (0, 1, 3), None),
    "two_layer_net_dict": (P.two_layer_net_loss,
                           lambda: ({"W1": _r(23, 4, 5), "b1": _r(24, 5, scale=0.1),
                                     "W2": _r(25, 5, 3), "b2": _r(26, 3)}, _r(27, 6, 4),
                                    np.array([0, 2, 1, 1, 0, 2]), 0.1), 0, None),
    "svm_loops_continue": (P.multiclass_svm_loops,
                           lambda: (_r(28, 4, 3, scale=0.5), _r(29, 5, 4),
                                    np.array([0, 1, 2, 1, 0]), 0.05), 0, None),
    "svm_vectorised_margin_write": (P.multiclass_svm_vectorised,
                                    lambda: (_r(28, 4, 3, scale=0.5), _r(29, 5, 4),
                                             np.array([0, 1, 2, 1, 0]), 0.05), 0, None),
    "conv_four_loops_pad": (P.conv_loops, lambda: (_r(30, 1, 2, 3, 3), _r(31, 2, 2, 2, 2),
                                                   _r(32, 2)), (0, 1, 2), None),
    "lstm_split_gates": (P.gated_recurrence,
                         lambda: (_r(33, 2, 3, 2), _r(34, 2, 3), _r(35, 2, 12), _r(36, 3, 12),
                                  _r(37, 12)), (0, 2, 3), None),
    "integer_counts_weights": (P.weighted_by_counts,
                               lambda: (np.array([0.3, 1.0, 2.0]), np.array([3, 1, 2])), 0,
                               lambda x, k: (k * np.array([2 * x[0], 1.0, 1.0]),)),
    "list_of_weight_pairs": (P.layered_log_posterior,
                             lambda: ([(_r(38, 3, 4, scale=0.5), _r(39, 4, scale=0.5)),
                                       (_r(40, 4, 2, scale=0.5), _r(41, 2, scale=0.5))],
                                      _r(42, 5, 3), np.eye(2)[[0, 1, 1, 0, 1]], 0.1), 0, None),
    "adam_unrolled_in_place": (P.unrolled_adam_loss,
                               lambda: (_r(43, 3), _r(44, 8, 3), _r(45, 8)), (0, 1), None),
    "momentum_in_place_default": (P.momentum_descent,
                                  lambda: (_r(46, 3), np.eye(3) + 0.2), (0, 1), None),
    "pendulum_rk4_closure": (P.pendulum_rk4, lambda: (np.array([9.8, 1.0, 0.1]), 0.5, 0.0),
                             (0, 1), None),
    "string_swapped_buffers": (P.plucked_string,
                               lambda: (np.sin(np.linspace(0, np.pi, 9)), 0.5), (0, 1), None),
    "spring_chain_leapfrog": (P.chain_leapfrog, lambda: (_r(47, 4), _r(48, 4), 1.3, 0.05, 6),
                              (0, 1, 2), None),
    "lennard_jones_pairs": (P.pair_potential,
                            lambda: (np.array([[0, 0, 0], [1.1, 0, 0], [0, 1.2, 0.1],
                                               [1, 1, 1.0]]),), 0, None),
    "kalman_local_level": (P.local_level_nll, lambda: (0.1, 0.5, _r(49, 10)), (0, 1, 2), None),
    "gauss_seidel_element_writes": (P.gauss_seidel_sweeps,
                                    lambda: (np.eye(3) * 4 + 0.3 * _r(50, 3, 3), _r(51, 3)),
                                    (0, 1), None),
}
XFAIL = {}


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "reverse")))
def test_probe_reverse_against_finite_differences(name):
    C.check_reverse(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "forward")))
def test_probe_forward_against_finite_differences(name):
    C.check_forward(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "hand")))
def test_probe_fresh_and_against_hand_written(name):
    C.check_hand(CASES[name])


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][3] is not None])
def test_probe_hand_written_backward_is_right(name):
    C.check_hand_written_oracle(CASES[name])


@pytest.mark.parametrize("name", list(C.params(CASES, XFAIL, "autograd")))
def test_probe_against_autograd(name):
    C.check_autograd(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_probe_value_is_python_s(name):
    f, build, wrt, _ = CASES[name]
    want = f(*build())
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    value, _ = srcad.value_and_grad(f, wrt=wrt)(*build())
    assert value == want
    args = build()
    tangents = [C.leaves(copy.deepcopy(args[i])) for i in wrt]
    assert tangents
    value, _ = srcad.jvp(f, wrt=wrt)(*args, **_tangents(f, args, wrt)) if _has_defaults(f) \
        else srcad.jvp(f, wrt=wrt)(*args, *[_ones_like(args[i]) for i in wrt])
    assert value == want


def _ones_like(value):
    if isinstance(value, dict):
        return {k: _ones_like(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_ones_like(v) for v in value)
    return np.ones_like(value) if isinstance(value, np.ndarray) else 1.0


def _has_defaults(f):
    return bool(f.__defaults__)


def _tangents(f, args, wrt):
    names = f.__code__.co_varnames
    return {"d" + names[i]: _ones_like(args[i]) for i in wrt}
