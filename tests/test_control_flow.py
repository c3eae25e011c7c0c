"""Control flow and program structure in reverse mode: if, for, while, early return, helpers,
closures and lambdas; every gradient checked against central differences."""

import math

import numpy as np
import pytest

import srcad


def branch(x, y):
    if x > 0:
        z = x * y
    else:
        z = np.sin(x) + y
    return z * x


def elif_chain(x):
    if x > 2.0:
        y = x ** 3
    elif x > 0.0:
        y = np.exp(x)
    else:
        y = -x
    return y * 2.0


def flag(x, use_square=True):
    if use_square:
        return x ** 2
    y = np.exp(x)
    return y * 3.0


def none_test(x, scale=None):
    if scale is None:
        scale = 2.0
    return scale * x * x


def logic(x, y):
    if x > 0 and y > 0 or not x < -5:
        return x * y
    return x + y


def ternary(x):
    return x * 2 if x > 1 else x ** 3


def recurrence(x0, a, b):
    x = x0
    for _ in range(1000):
        x = a * np.sin(x) + b * x
    return x


def range_from_args(x, start, stop, step):
    s = 0.0
    for i in range(start, stop, step):
        s = s + x ** i
    return s


def loop_with_if(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + np.sin(x * i)
        else:
            s = s - x
    return s


def nested_loops(x, n):
    total = 0.0
    for i in range(n):
        acc = x
        for j in range(i):
            acc = acc * np.cos(acc) + j
        total = total + acc
    return total


def growing_while(x):
    y = x
    while y < 10.0:
        y = y * 1.5 + x
    return y


def fixed_point_sqrt(a):
    x = 1.0
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def layer_loop(params, x, y):
    h = x
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.mean((h - y) ** 2)


def zip_enumerate(xs, ws):
    s = 0.0
    for i, (x, w) in enumerate(zip(xs, ws)):
        s = s + w * x * (i + 1)
    return s


def reversed_loop(xs):
    s = 1.0
    for x in reversed(xs):
        s = s * x + 1.0
    return s


def helper(a, k=2.0):
    return a * k + np.tanh(a)


def calls_helper(x):
    return helper(x) + helper(x, k=3.0)


def helper_with_loop(x, n):
    s = x
    for _ in range(n):
        if s > 1.0:
            s = s * 0.5
        else:
            s = s * s + x
    return s


def calls_looping_helper(x):
    return helper_with_loop(x, 6) * 2.0


def calls_looping_helper_twice(x):          # called by name: its tape lives in fwd/bwd
    return helper_with_loop(x, 6) * helper_with_loop(0.5 * x, 3)


def closure_and_lambda(x):
    sq = lambda t: t * t   # noqa: E731

    def cube(t):
        return t * sq(t)
    return cube(x) + sq(x)


def dict_params(p, x):
    return np.sum(np.tanh(x @ p["W"] + p["b"]) ** 2)


rng = np.random.default_rng(0)
LAYERS = [(rng.normal(size=(3, 4)), rng.normal(size=4)),
          (rng.normal(size=(4, 2)), rng.normal(size=2))]
X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

CASES = [
    (branch, (1.5, 2.0), (0, 1)),
    (branch, (-1.5, 2.0), (0, 1)),
    (elif_chain, (3.0,), 0), (elif_chain, (1.0,), 0), (elif_chain, (-1.0,), 0),
    (flag, (0.7, True), 0), (flag, (0.7, False), 0),
    (none_test, (1.3,), 0), (none_test, (1.3, 4.0), (0, 1)),
    (logic, (1.0, 2.0), (0, 1)), (logic, (-1.0, 2.0), (0, 1)), (logic, (-7.0, 2.0), (0, 1)),
    (ternary, (2.0,), 0), (ternary, (0.5,), 0),
    (recurrence, (0.5, 0.9, 0.3), (0, 1, 2)),
    (range_from_args, (1.1, 1, 7, 2), 0),
    (loop_with_if, (0.3, 5), 0),
    (nested_loops, (0.4, 4), 0),
    (growing_while, (1.2,), 0),
    (fixed_point_sqrt, (2.0,), 0),
    (layer_loop, (LAYERS, X, Y), (0, 1)),
    (zip_enumerate, ([0.5, 1.5, 2.5], [1.0, -1.0, 2.0]), (0, 1)),
    (reversed_loop, ((0.5, 1.5, 2.5),), 0),
    (calls_helper, (0.4,), 0),
    (calls_looping_helper, (0.3,), 0),
    (calls_looping_helper_twice, (0.3,), 0),
    (calls_looping_helper_twice, (1.7,), 0),
    (closure_and_lambda, (0.8,), 0),
    (dict_params, ({"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}, X), 0),
]


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_gradient_matches_finite_differences(fn, args, wrt):
    srcad.check_grad(fn, *args, wrt=wrt)


def test_fixed_point_iteration_gives_the_derivative_of_sqrt():
    assert srcad.grad(fixed_point_sqrt)(2.0) == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-9)


def test_recurrence_gradient_matches_a_hand_written_one():
    def hand(x0, a, b, n=1000):
        xs = [x0]
        for _ in range(n):
            xs.append(a * math.sin(xs[-1]) + b * xs[-1])
        bx, ba, bb = 1.0, 0.0, 0.0
        for x in reversed(xs[:-1]):
            ba += bx * math.sin(x)
            bb += bx * x
            bx = bx * (a * math.cos(x) + b)
        return bx, ba, bb
    got = srcad.grad(recurrence, wrt=(0, 1, 2))(0.5, 0.9, 0.3)
    assert got == pytest.approx(hand(0.5, 0.9, 0.3), rel=1e-12)


def test_layer_loop_gradient_has_the_structure_of_the_parameters():
    grads = srcad.grad(layer_loop)(LAYERS, X, Y)
    assert isinstance(grads, list) and len(grads) == 2
    for (W, b), (gW, gb) in zip(LAYERS, grads):
        assert gW.shape == W.shape and gb.shape == b.shape


def test_generated_source_keeps_loops_as_loops():
    g = srcad.grad(recurrence, wrt=(0, 1, 2))
    g(0.5, 0.9, 0.3)
    text = srcad.source(g)
    loops = [line for line in text.splitlines() if line.strip().startswith("for ")]
    assert len(loops) == 2 and "reversed(tape_1)" in text   # walks the tape back
    assert "tape" in text and "1000" in text


def test_layer_loop_source_has_one_loop_forward_one_backward():
    g = srcad.grad(layer_loop)
    g(LAYERS, X, Y)
    text = srcad.source(g)
    assert len([line for line in text.splitlines() if line.strip().startswith("for ")]) == 2
    assert "add_at(bparams, i, (bW, bb))" in text and "finish_adjoint" not in text


def test_tape_records_only_what_the_reverse_sweep_reads():
    g = srcad.grad(recurrence, wrt=(0, 1, 2))
    g(0.5, 0.9, 0.3)
    push = [line for line in srcad.source(g).splitlines() if ".append(" in line]
    assert len(push) == 1 and push[0].count(",") <= 1


def breaks_out(x):
    s = x
    for _ in range(10):
        s = s * 1.3
        if s > 5.0:
            break
        s = s + x
    return s


def continues(x, n):
    s = 0.0
    for i in range(n):
        if i % 3 == 0:
            continue
        s = s + np.sin(x * i)
    return s


def while_true_break(x):
    y = x
    while True:
        y = y * 2.0 + 0.1
        if y > 7.0:
            break
    return y


@pytest.mark.parametrize("fn, args", [(breaks_out, (0.7,)), (breaks_out, (0.1,)),
                                      (continues, (0.4, 7)), (while_true_break, (0.3,))],
                         ids=lambda c: getattr(c, "__name__", None))
def test_break_and_continue(fn, args):
    srcad.check_grad(fn, *args)


def test_break_stops_the_loop_at_the_right_iteration():
    # s: 0.7 -> 0.91 -> 1.61 -> 2.093 -> 2.793 -> 3.6309 -> 4.3309 -> 5.63017 (break)
    # ds/dx: 1 -> 1.3 -> 2.3 -> 2.99 -> 3.99 -> 5.187 -> 6.187 -> 8.0431
    assert srcad.grad(breaks_out)(0.7) == pytest.approx(8.0431, rel=1e-12)


def layer(h, W, b):
    z = h @ W + b          # two statements: called by name (one-line helpers are inlined)
    return np.tanh(z)


def two_layers(W1, b1, W2, b2, x):
    return np.sum(layer(layer(x, W1, b1), W2, b2) ** 2)


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def uses_power(x):
    return power(x, 5) + power(x, 2)


def tree_sum(x, depth):
    if depth == 0:
        return np.sin(x)
    return tree_sum(x * 0.5, depth - 1) + tree_sum(x + 0.1, depth - 1)


def test_module_level_helpers_are_called_not_inlined():
    W1, b1 = rng.normal(size=(3, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 2)), rng.normal(size=2)
    srcad.check_grad(two_layers, W1, b1, W2, b2, X, wrt=(0, 1, 2, 3))
    g = srcad.grad(two_layers, wrt=(0, 1, 2, 3))
    g(W1, b1, W2, b2, X)
    text, helpers = srcad.source(g).split("# derivatives of the helper functions it calls")
    assert "fwd_layer(" in text and "bwd_layer(" in text and "np.tanh" not in text
    assert "def fwd_layer(h, W, b):" in helpers and "np.tanh" in helpers


def test_one_line_helpers_are_inlined():
    text = srcad.source(srcad.grad(lambda x: np.sum(sigmoid(x))), np.ones(2))
    assert "fwd_" not in text and "np.exp" in text


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_recursive_helpers():
    assert srcad.grad(uses_power)(1.3) == pytest.approx(5 * 1.3 ** 4 + 2 * 1.3, rel=1e-14)
    srcad.check_grad(tree_sum, 0.7, 3)


def test_helper_used_twice_is_transformed_once():
    from srcad.pipeline import helper_vjp
    srcad.grad(uses_power)(1.1)
    srcad.grad(uses_power)(1.2)
    assert len(helper_vjp(power, (0,)).sources) <= 2    # one for the kinds, one generic


def returns_from_loop(x, n):
    s = x
    for _ in range(n):
        s = s * 1.5 + 0.1
        if s > 3.0:
            return s * 2.0
    return s - 1.0


def returns_from_while(x):
    y = x
    while y < 100.0:
        y = y * y + 1.0
        if y > 5.0:
            return np.sqrt(y)
    return y


@pytest.mark.parametrize("args", [(0.5, 10), (0.5, 2), (4.0, 3)])
def test_return_inside_a_loop(args):
    srcad.check_grad(returns_from_loop, *args)


def test_return_inside_a_while_loop():
    srcad.check_grad(returns_from_while, 1.1)
    srcad.check_grad(returns_from_while, 0.5)


def update_from_old_value_in_branch(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + np.sin(x) * i
        else:
            s = s * x
    return s


def all_but_last_layer(params, x):
    h = x
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return np.sum(h @ W + b)


def test_branch_that_reads_the_old_value_of_a_carried_adjoint():
    # regression: the adjoint of s was overwritten before the contribution to x read it
    srcad.check_grad(update_from_old_value_in_branch, 0.7, 5)


def test_loop_over_a_slice_of_the_parameters():
    params = [(rng.normal(size=(3, 4)), rng.normal(size=4)),
              (rng.normal(size=(4, 4)), rng.normal(size=4)),
              (rng.normal(size=(4, 1)), rng.normal(size=1))]
    srcad.check_grad(all_but_last_layer, params, X)


def test_two_unpackings_of_the_same_parameters_do_not_double_count():
    def loss(params, x):
        (W1, b1), (W2, b2) = params
        (A, c), _ = params
        return np.sum(np.tanh(x @ W1 + b1) @ W2 + b2) + np.sum(A) * 0.5 + np.sum(c)
    srcad.check_grad(loss, LAYERS, X)


def loop_reads_its_start(x0):
    t0 = 0.5 + np.log(1.75)
    t1 = t0
    for _ in range(2):
        t1 = 0.5 + t0          # reads t0, the start of the carried t1, inside the loop
    return np.sum(x0 / (1.5 + t1 * t1))


def test_a_loop_that_reads_the_start_of_its_carried_value():
    # regression (found by the long fuzz profile): the carried slot took the start's name,
    # so the loop read its own update instead of t0 and the primal value was wrong
    x = np.array([-1.1, -0.7, -0.5])
    assert srcad.value_and_grad(loop_reads_its_start)(x)[0] == pytest.approx(
        loop_reads_its_start(x))
    srcad.check_grad(loop_reads_its_start, x)
    value, _ = srcad.jvp(loop_reads_its_start)(x, np.ones(3))
    assert value == pytest.approx(loop_reads_its_start(x))


def start_read_after_loop_through_helper(x0):
    x0 = np.abs(x0)
    return np.sum(0.5 + ((0.5 + x0) + loop_helper(x0)))


def loop_helper(a0):
    for _ in range(1):
        a0 = 0.5
    return a0


def adjoint_loop_after_inlined_product(x):
    t0 = np.sum(x) * 0.0 + 1.5
    t1 = t0
    for _ in range(2):
        t1 = 0.5 + t0
    return t1 * np.sum(x)


def test_loop_slots_never_clobber_a_value_an_inlined_expression_reads_later():
    # regressions from the long fuzz profile: values 2.0 and 0.0 instead of 2.75 and 6.0
    assert srcad.jvp(start_read_after_loop_through_helper)(1.25, 1.0)[0] == pytest.approx(2.75)
    value, grad = srcad.value_and_grad(adjoint_loop_after_inlined_product)(np.ones(3))
    assert value == pytest.approx(6.0) and np.allclose(grad, 2.0)


def branch_contribution_is_an_exported_value(x0, x1):
    if (np.broadcast_to(0.5, (3,)) @ np.broadcast_to(0.5, (3,))) > 0.5:
        x0 *= np.tanh(np.sin(0.5))
    return np.sum(x0)


def test_a_branch_adjoint_that_is_a_value_computed_in_the_branch():
    # regression (long fuzz profile): the reverse branch yielded the forward branch's own
    # value instead of its exported copy, and verification failed
    assert srcad.grad(branch_contribution_is_an_exported_value)(1.1, np.ones(3)) == \
        pytest.approx(np.tanh(np.sin(0.5)))


def countdown(x, n):
    if n == 0:
        return x
    y = np.sin(x)
    return countdown(y, n - 1) * 2.0


def calls_countdown_once(x):
    return countdown(x, 3)


def test_a_helper_called_once_is_inlined_and_recursion_still_works():
    W1, b1 = rng.normal(size=(3, 4)), rng.normal(size=4)
    g = srcad.grad(lambda W, b, x: np.sum(layer(x, W, b)), wrt=(0, 1))
    text = srcad.source(g, W1, b1, X)
    assert "fwd_" not in text and "np.tanh" in text
    srcad.check_grad(lambda W, b, x: np.sum(layer(x, W, b)), W1, b1, X, wrt=(0, 1))
    x = 0.4
    expected = 8.0 * np.cos(x) * np.cos(np.sin(x)) * np.cos(np.sin(np.sin(x)))
    assert srcad.grad(calls_countdown_once)(x) == pytest.approx(expected, rel=1e-13)
