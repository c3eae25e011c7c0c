"""Calls whose callee only the running program names (issue 19, run-time pullbacks): a
function chosen by an index the function computes, a method looked up by a name it builds, a
callable object picked from a table at run time. The derivative asks for the callee's own
derivative when it meets it (srcad/lowering/runtime_calls.py), compiled once per callee and argument
kinds. Each in both modes against finite differences, in programs written as people write
them."""

import math

import numpy as np
import pytest

import srcad
from srcad.errors import MissingRuleError, SrcadError

RNG = np.random.default_rng(23)
X = RNG.normal(size=(6, 4))
W = RNG.normal(size=(4, 4)) * 0.4
V = RNG.normal(size=(4, 3)) * 0.4


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


def swish(z):
    return z / (1.0 + np.exp(-z))


def soft_clip(z, limit=2.0):
    return limit * np.tanh(z / limit)


# ----- a mixture of experts: the expert is picked by the data -------------------------------
EXPERTS = [np.tanh, swish, soft_clip, np.sin]


def routed_loss(w, v, x):
    hidden = x @ w
    out = 0.0
    for row in range(x.shape[0]):
        score = np.sum(hidden[row] * v[:, 0])
        expert = EXPERTS[int(abs(score) * 5.0) % len(EXPERTS)]   # known only when it runs
        out = out + np.sum(expert(hidden[row]) @ v)
    return out


def test_expert_picked_by_a_computed_index():
    check_both_modes(routed_loss, W, V, X, wrt=(0, 1))
    experts = {int(abs(np.sum((X @ W)[r] * V[:, 0])) * 5.0) % 4 for r in range(X.shape[0])}
    assert len(experts) > 1            # several callees met in one call


def test_generated_code_calls_the_function_as_written():
    text = srcad.source(srcad.grad(routed_loss), W, V, X)
    assert "expert(" in text and "pullback(expert" in text


# ----- a schedule of activations over a loop of run-time length --------------------------
def scheduled(w, x, steps):
    h = x
    for t in range(steps):
        act = EXPERTS[(t * 3 + int(np.sum(h) > 0)) % len(EXPERTS)]
        h = act(h @ w) + 0.1 * h
    return np.mean(h ** 2)


@pytest.mark.parametrize("steps", [1, 4])
def test_activation_chosen_in_a_loop_that_is_not_unrolled(steps):
    check_both_modes(scheduled, W, X, steps)


# ----- a method looked up by a name the function builds ----------------------------------
class Cell:
    def __init__(self, w):
        self.w = w

    def smooth(self, h):
        return np.tanh(h @ self.w)

    def sharp(self, h):
        return np.maximum(h @ self.w, 0.0) + 0.01 * (h @ self.w)


CELL = Cell(W)


def by_method_name(x):
    mode = "smooth" if np.mean(x) > 0 else "sharp"
    step = getattr(CELL, mode)
    return np.sum(step(x) ** 2)


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["smooth", "sharp"])
def test_method_looked_up_by_a_computed_name(sign):
    check_both_modes(by_method_name, sign * np.abs(X))


# ----- callable objects in a table ---------------------------------------------------------
class Scaled:
    def __init__(self, scale):
        self.scale = scale

    def __call__(self, z):
        return np.log1p(np.exp(self.scale * z)) / self.scale


HEADS = {"narrow": Scaled(4.0), "wide": Scaled(0.5)}


def head_loss(w, x):
    logits = x @ w
    key = "narrow" if np.max(logits) > 1.0 else "wide"
    return np.sum(HEADS[key](logits))


def test_callable_object_chosen_at_run_time():
    check_both_modes(head_loss, W, X)
    check_both_modes(head_loss, W * 0.01, X)


def local_table(w, x):
    table = [np.tanh, swish]
    return np.sum(table[int(np.sum(x @ w) > 0)](x @ w))


def test_local_list_of_functions_indexed_at_run_time():
    check_both_modes(local_table, W, X)
    check_both_modes(local_table, -W, X)


# ----- refused honestly -------------------------------------------------------------------
def erf_sometimes(x):
    fns = [np.tanh, math.erf]
    return fns[int(np.sum(x) > 0)](np.sum(x))


def test_a_callee_without_derivative_is_refused_at_the_call_when_met():
    positive = np.array([0.4, 0.3])
    with pytest.raises(MissingRuleError, match="called at run time") as err:
        srcad.grad(erf_sometimes)(positive)
    assert err.value.line == erf_sometimes.__code__.co_firstlineno + 2
    assert np.isclose(srcad.grad(erf_sometimes)(-positive)[0], 1 - np.tanh(-0.7) ** 2)


def test_differentiating_a_run_time_call_twice():
    def f(x):
        return np.sum(EXPERTS[int(np.sum(x) > 0)](x) ** 2)
    x, eps = np.array([0.3, 0.1]), 1e-6
    grad = srcad.grad(f)
    expected = np.array([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps) for e in np.eye(2)])
    np.testing.assert_allclose(srcad.hessian(f)(x), expected.T, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(srcad.jacobian(grad)(x), expected.T, rtol=1e-5, atol=1e-7)


def no_argument_choice(x):
    return np.sum(x) * (SCALES[int(np.sum(x) > 0)])()


SCALES = [lambda: 2.0, lambda: 3.0]


def test_a_run_time_call_without_arguments():
    check_both_modes(no_argument_choice, np.array([0.5, 0.25]))
    check_both_modes(no_argument_choice, np.array([-0.5, 0.25]))


def test_calling_a_number_is_refused_at_the_line():
    def f(x):
        k = 3
        return k(x)
    with pytest.raises(SrcadError, match="calling 3, which is not a function"):
        srcad.grad(f)(np.ones(2))


def test_calling_what_a_library_call_returned_is_refused_when_transforming():
    def f(x):
        return np.sum(np.vectorize(math.erf)(x))
    with pytest.raises(SrcadError, match="what a library call returned"):
        srcad.grad(f)(np.array([0.2, 0.4]))
