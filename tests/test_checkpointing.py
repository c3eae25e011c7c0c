"""Binomial checkpointing of long loops (srcad/revolve.py,
srcad/transforms/reverse/checkpoint.py): the schedule is optimal and reverses every step once,
and a checkpointed loop's gradient is the taped loop's, to rounding, in reverse mode; forward
mode ignores the marker."""

import math
import tracemalloc
from functools import lru_cache

import numpy as np
import pytest

import srcad
from srcad.errors import SrcadError
from srcad.revolve import Schedule, beta, optimal_advances, schedule


# ----- the schedule --------------------------------------------------------------------------
@lru_cache(maxsize=None)
def fewest_advances(m, s):
    """The fewest forward steps reversing m steps from a stored state with s snapshots (the
    stored one counted), over every choice of split: the dynamic program revolve solves."""
    if m <= 1:
        return 0
    if s == 1:
        return m * (m - 1) // 2
    return min(j + fewest_advances(m - j, s - 1) + fewest_advances(j, s) for j in range(1, m))


def replay(n, k):
    """Run the actions of schedule(n, k) on a model state (the step index): the steps advanced,
    the steps turned in order, the most snapshots held at once."""
    position, slots, advanced, turned = 0, {}, 0, []
    for action in schedule(n, k):
        if action[0] == "advance":
            assert action[1] == position
            advanced += action[2] - action[1]
            position = action[2]
        elif action[0] == "takeshot":
            assert action[2] == position and 0 <= action[1] < k
            slots[action[1]] = position
        elif action[0] == "restore":
            position = slots[action[1]]
            assert position == action[2]
        else:
            assert action[1] == position
            turned.append(position)
    return advanced, turned, len(slots)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_schedule_is_optimal_and_turns_each_step_once(k):
    for n in range(0, 45):
        advanced, turned, held = replay(n, k)
        assert turned == list(range(n - 1, -1, -1))
        assert held <= k
        assert advanced == fewest_advances(n, k) == optimal_advances(n, k)


def test_the_closed_form_of_the_fewest_advances():
    # r * m - beta(s + 1, r - 1), r the repetition number: beta(s, r - 1) < m <= beta(s, r)
    assert optimal_advances(10, 3) == 2 * 10 - beta(4, 1)
    assert beta(10, 3) < 1000 <= beta(10, 4)               # r = 4: no step runs 5 times
    assert optimal_advances(1000, 10) == 4 * 1000 - beta(11, 3) < 4 * 1000
    assert optimal_advances(10 ** 6, 100) < 4 * 10 ** 6
    assert optimal_advances(50, 50) == 49                  # enough snapshots: each step once


def test_schedule_runs_in_constant_memory_and_first_turn_is_last_step():
    actions = schedule(10 ** 6, 10)
    first = next(a for a in actions if a[0] in ("firsturn", "youturn"))
    assert first == ("firsturn", 10 ** 6 - 1)


def test_schedule_driver_on_a_strided_range():
    """Segments of up to k iterations: the forward sweep runs the loop once; the reverse
    sweep gets every segment, last first, with the state before it."""
    def step(t, s):
        return math.sin(s) + 0.1 * t
    for n, k in [(0, 2), (1, 1), (7, 2), (20, 3), (9, 30), (50, 4)]:
        loop = range(5, 5 - 2 * n, -2)
        driver = Schedule(loop.start, loop.stop, loop.step, k, 0.3)
        s = 0.3
        while driver.advance():
            for t in range(driver.start, driver.stop, loop.step):
                s = step(t, s)
            driver.store(s)
        expected, states = 0.3, {}
        for t in loop:
            states[t] = expected
            expected = step(t, expected)
        assert s == expected
        reversed_indices = []
        while driver.backward():
            s = driver.restore()
            while driver.advance():
                for t in range(driver.start, driver.stop, loop.step):
                    s = step(t, s)
                driver.store(s)
            segment = range(driver.start, driver.stop, loop.step)
            assert 1 <= len(segment) <= k and s == states[segment[0]]
            reversed_indices += reversed(segment)
        assert reversed_indices == list(reversed(loop))


def test_snapshot_count_is_checked():
    with pytest.raises(ValueError):
        list(schedule(5, 0))
    with pytest.raises(TypeError):
        srcad.checkpointed(range(3), snapshots=2.0)
    assert srcad.checkpointed(range(3), snapshots=2) == range(3)    # Python: the iterable


# ----- gradients -----------------------------------------------------------------------------
def recurrence(x, n, k):
    s = x
    for t in srcad.checkpointed(range(n), snapshots=k):
        s = math.sin(s) * 0.9 + x * 0.1 * t
    return s * s


def recurrence_taped(x, n, k):
    s = x
    for t in range(n):
        s = math.sin(s) * 0.9 + x * 0.1 * t
    return s * s


def close(a, b, rtol=1e-12):
    return np.allclose(a, b, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 31])
@pytest.mark.parametrize("k", [1, 2, 3, 100])
def test_scalar_recurrence_equals_the_taped_gradient(n, k):
    got = srcad.grad(recurrence)(0.7, n, k)
    assert close(got, srcad.grad(recurrence_taped)(0.7, n, k))
    assert type(got) is float


def test_scalar_recurrence_against_finite_differences():
    srcad.check_grad(recurrence, 0.4, 40, 3)
    value, g = srcad.value_and_grad(recurrence)(0.4, 40, 3)
    assert value == recurrence(0.4, 40, 3)


def rnn(W, U, h, xs):
    for t in srcad.checkpointed(range(xs.shape[0]), snapshots=3):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h ** 2)


def rnn_taped(W, U, h, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h ** 2)


def rnn_args(n=25):
    rng = np.random.default_rng(3)
    return (rng.normal(size=(5, 5)) * 0.5, rng.normal(size=(5, 2)), rng.normal(size=5),
            rng.normal(size=(n, 2)))


def test_rnn_over_a_vector_state_equals_the_taped_gradient():
    args = rnn_args()
    got = srcad.grad(rnn, wrt=(0, 1, 2, 3))(*args)
    want = srcad.grad(rnn_taped, wrt=(0, 1, 2, 3))(*args)
    for a, b in zip(got, want):
        assert a.shape == b.shape and close(a, b)
    srcad.check_grad(rnn, *args, wrt=(0, 1, 2))


def test_rnn_vjp_and_its_source_shows_the_schedule():
    args = rnn_args(6)
    bf = srcad.vjp(rnn, wrt=0)
    value, g = bf(*args, 1.5)
    assert value == rnn(*args)
    assert close(g, 1.5 * srcad.grad(rnn_taped)(*args))
    text = srcad.source(srcad.grad(rnn), *args)
    for piece in ("revolve_schedule(", "schedule.advance()", "schedule.store(",
                  "schedule.backward()", "schedule.restore()", "range(start, stop)",
                  "range(start_2, stop_2)", "reversed(tape_1)"):
        assert piece in text


def nested(x, n):
    s, acc = x, 0.0
    for _t in srcad.checkpointed(range(n), snapshots=2):
        for j in range(3):
            s = math.sin(s + j) * 0.8
        acc = acc + s * s
        if s > 0:
            s = s * 1.1
    return acc + s


def nested_taped(x, n):
    s, acc = x, 0.0
    for _t in range(n):
        for j in range(3):
            s = math.sin(s + j) * 0.8
        acc = acc + s * s
        if s > 0:
            s = s * 1.1
    return acc + s


@pytest.mark.parametrize("x", [0.3, -1.2])
def test_nested_loops_and_branches(x):
    assert close(srcad.grad(nested)(x, 9), srcad.grad(nested_taped)(x, 9))
    srcad.check_grad(nested, x, 9)


def strided(y, k):
    y = y + 0.0
    for t in srcad.checkpointed(range(10, 0, -3), snapshots=k):
        y[t % 3] = np.sin(y[t % 3]) * 1.3 + y[(t + 1) % 3] * t
    return np.sum(y * y)


@pytest.mark.parametrize("k", [1, 2, 10])
def test_strided_range_and_element_writes_to_the_state(k):
    y = np.array([0.3, -0.2, 0.5])
    srcad.check_grad(strided, y, k)


def over_layers(x, weights):
    for W in srcad.checkpointed(weights, snapshots=2):
        x = np.tanh(W @ x)
    return np.sum(x)


def test_loop_over_a_sequence():
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(3, 3)) for _ in range(6)]
    srcad.check_grad(over_layers, rng.normal(size=3), weights)


def test_snapshots_from_an_argument_and_a_bad_count_at_run_time():
    assert close(srcad.grad(recurrence)(0.7, 12, 4), srcad.grad(recurrence_taped)(0.7, 12, 4))
    with pytest.raises(ValueError):          # as Python's own run of the function raises
        recurrence(0.7, 12, 0)
    with pytest.raises(ValueError):
        srcad.grad(recurrence)(0.7, 12, 0)


def test_forward_mode_ignores_the_marker():
    value, tangent = srcad.jvp(recurrence)(0.7, 20, 2, 1.0)
    want = srcad.jvp(recurrence_taped)(0.7, 20, 2, 1.0)
    assert value == want[0] and close(tangent, want[1])
    assert close(tangent, srcad.grad(recurrence)(0.7, 20, 2))
    jac = srcad.jacobian(rnn, mode="forward")(*rnn_args(5))
    assert close(jac, srcad.grad(rnn_taped)(*rnn_args(5)))


def inner_loop_last(x, n):
    s = x
    for _t in range(n):
        for j in range(3):
            s = math.sin(s + j) * 0.9
    return s * x


def test_nested_loops_in_both_modes():
    """An inner loop's carry takes the outer loop's name only where the outer body's result is
    the inner loop's out (inner_loop_last): where the outer body reads it again (nested), each
    keeps its own."""
    for f, x in [(nested_taped, 0.3), (nested_taped, -1.2), (inner_loop_last, 0.4)]:
        value, tangent = srcad.jvp(f)(x, 9, 1.0)
        assert value == f(x, 9)
        assert np.isclose(tangent, srcad.numeric_grad(f, x, 9), rtol=1e-6)
        assert close(tangent, srcad.grad(f)(x, 9))
    assert "s_1 = s\n" not in srcad.source(srcad.grad(inner_loop_last))


def wide_rnn(W, b, h, n):
    for _t in srcad.checkpointed(range(n), snapshots=4):
        h = np.tanh(W @ h + b)
    return np.sum(h * h)


def test_a_segment_keeps_one_weight_adjoint():
    """Reversing a segment accumulates the weight's adjoint under the reverse sweep's own name:
    no second name holds the segment's starting adjoint (one more W-sized array alive while
    the segment is reversed). The peak is the adjoint, the outer product and
    their sum, and the snapshots and the tape of 128-wide vectors."""
    rng = np.random.default_rng(1)
    W, b, h = rng.normal(size=(128, 128)) / 12, rng.normal(size=128) * 0.1, rng.normal(size=128)
    g = srcad.grad(wide_rnn, wrt=(0, 1, 2))
    got = g(W, b, h, 40)
    want = srcad.grad(rnn_taped_bias, wrt=(0, 1, 2))(W, b, h, 40)
    assert all(close(a, w) for a, w in zip(got, want))
    tracemalloc.start()
    try:
        g(W, b, h, 40)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3.5 * W.nbytes         # 4.2 W-sized arrays with the copy


def rnn_taped_bias(W, b, h, n):
    for _t in range(n):
        h = np.tanh(W @ h + b)
    return np.sum(h * h)


# ----- refusals ------------------------------------------------------------------------------
def prints(x, n):
    s = x
    for t in srcad.checkpointed(range(n), snapshots=2):
        print(t)
        s = s * 1.1
    return s


def appends(x, n, out):
    s = x
    for _t in srcad.checkpointed(range(n), snapshots=2):
        s = s * 1.1
        out.append(s)
    return s


def carries_a_list(x, n):
    s, seen = x, []
    for _t in srcad.checkpointed(range(n), snapshots=2):
        s = s * 1.1
        seen.append(s)
    return s + seen[0]


def draws(x, n, rng):
    s = x
    for _t in srcad.checkpointed(range(n), snapshots=2):
        s = s * rng.normal()
    return s


def zero_snapshots(x, n):
    s = x
    for _t in srcad.checkpointed(range(n), snapshots=0):
        s = s * 1.1
    return s


@pytest.mark.parametrize("f, args, words", [
    (prints, (1.0, 3), "print"),
    (appends, (1.0, 3, []), "list or dict the caller passed"),
    (carries_a_list, (1.0, 3), "'seen' is a list"),
    (draws, (1.0, 3, np.random.default_rng(0)), "random draw"),
    (zero_snapshots, (1.0, 3), "snapshots=0"),
])
def test_what_recomputation_would_repeat_is_refused_at_the_users_line(f, args, words):
    with pytest.raises(SrcadError) as info:
        srcad.grad(f)(*args)
    assert words in str(info.value)
    assert info.value.line is not None and "test_checkpointing.py" in str(info.value)


def test_second_derivatives_are_refused_at_the_users_line():
    with pytest.raises(SrcadError) as info:
        srcad.hessian(recurrence)(0.7, 5, 2)
    assert "srcad.checkpointed" in str(info.value) and info.value.line is not None


def test_export_copies_the_schedule(tmp_path):
    g = srcad.grad(recurrence)
    path = tmp_path / "grad_recurrence.py"
    srcad.export(g, path, args=(0.7, 9, 2))
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)   # noqa: S102
    assert "import srcad" not in path.read_text() and "from srcad" not in path.read_text()
    assert close(namespace["grad_recurrence"](0.7, 9, 2), g(0.7, 9, 2))


def inner_marked(x, n, m):
    s = x
    for i in range(m):
        for _t in srcad.checkpointed(range(n), snapshots=2):
            s = math.sin(s) * 0.9 + x * i
    return s


def both_marked(x, n, m):
    s = x
    for i in srcad.checkpointed(range(m), snapshots=2):
        for t in srcad.checkpointed(range(n), snapshots=3):
            s = math.sin(s + t) * 0.9 + x * i
    return s


def both_taped(x, n, m):
    s = x
    for i in range(m):
        for t in range(n):
            s = math.sin(s + t) * 0.9 + x * i
    return s


def test_a_checkpointed_loop_inside_a_taped_one_and_inside_a_checkpointed_one():
    assert close(srcad.grad(both_marked)(0.3, 7, 5), srcad.grad(both_taped)(0.3, 7, 5))
    srcad.check_grad(inner_marked, 0.3, 7, 4)
    srcad.check_grad(both_marked, 0.3, 7, 5)
