"""`srcad.grad(f, checkpoint=k)` (srcad/transforms/reverse/checkpoint_option.py): f's loops
checkpointed without a marker. In reverse mode (grad, value_and_grad, vjp) the gradient is the
taped one to rounding and against central differences; forward mode (jvp) accepts the option
and ignores it; where it cannot apply it is refused at the user's line."""

import inspect
import math
import tracemalloc

import numpy as np
import pytest

import srcad
from srcad.errors import NonDifferentiableError, SrcadError


def close(a, b, rtol=1e-12):
    return all(np.allclose(x, y, rtol=rtol, atol=1e-300) for x, y in
               zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)))


def recurrence(x, n):
    s = x
    for _ in range(n):
        s = math.sin(s) * 0.9 + x * 0.1
    return s


def rnn(W, b, h, n):
    for _t in range(n):
        h = np.tanh(W @ h + b)
    return np.sum(h * h)


def rnn_args(n=23):
    rng = np.random.default_rng(5)
    return rng.normal(size=(4, 4)) * 0.6, rng.normal(size=4) * 0.1, rng.normal(size=4), n


def two_loops_and_a_branch(x, n, flag):
    s, count = x, 0
    for _ in range(n):                       # a loop with no active state: left as it is
        count = count + 2
    for t in range(n):
        s = s * 0.97 + math.cos(s * t)
    if flag:
        for j in range(count):
            s = s + math.sin(s) * 0.01 * j
    return s * s


def nested(x, n):
    s = x
    for _ in range(n):
        for j in range(3):
            s = math.sin(s + j) * 0.8
    return s


def marked(x, n):
    s = x
    for _ in srcad.checkpointed(range(n), snapshots=7):
        s = math.sin(s) * 1.1
    return s


@pytest.mark.parametrize("n", [0, 1, 5, 40])
@pytest.mark.parametrize("k", [1, 3, 100])
def test_scalar_loop_in_the_three_reverse_modes(n, k):
    taped = srcad.value_and_grad(recurrence)(0.4, n)
    assert close(srcad.grad(recurrence, checkpoint=k)(0.4, n), taped[1])
    value, grad = srcad.value_and_grad(recurrence, checkpoint=k)(0.4, n)
    assert value == taped[0] and close(grad, taped[1])
    value, grads = srcad.vjp(recurrence, checkpoint=k)(0.4, n, 2.0)
    assert value == taped[0] and close(grads, 2.0 * taped[1])


def test_array_state_against_the_tape_and_central_differences():
    args = rnn_args()
    want = srcad.grad(rnn, wrt=(0, 1, 2))(*args)
    got = srcad.grad(rnn, wrt=(0, 1, 2), checkpoint=4)(*args)
    assert close(got, want)
    numeric = srcad.numeric_grad(rnn, *args, wrt=(0, 1, 2))
    assert all(np.allclose(g, n, rtol=1e-6, atol=1e-8) for g, n in zip(got, numeric))


@pytest.mark.parametrize("flag", [True, False])
def test_which_loops_are_checkpointed(flag):
    """The active loops outside other loops, in a branch too; the integer loop is not; a
    nested loop goes with its outer one; a marked loop keeps its own k."""
    g = srcad.grad(two_loops_and_a_branch, checkpoint=3)
    assert close(g(0.3, 11, flag), srcad.grad(two_loops_and_a_branch)(0.3, 11, flag))
    assert srcad.source(g).count("revolve_schedule(") == 2
    srcad.check_grad(two_loops_and_a_branch, 0.3, 11, flag)
    g = srcad.grad(nested, checkpoint=2)
    assert close(g(0.7, 9), srcad.grad(nested)(0.7, 9))
    assert srcad.source(g).count("revolve_schedule(") == 1
    g = srcad.grad(marked, checkpoint=3)
    assert close(g(0.2, 30), srcad.grad(marked)(0.2, 30))
    assert "revolve_schedule(0, n, 1, 7, x)" in srcad.source(g)


def test_memory_no_longer_grows_with_the_trip_count():
    """10^4 steps: the taped gradient holds a float per step, the checkpointed one 10."""
    taped, checkpointed = srcad.grad(recurrence), srcad.grad(recurrence, checkpoint=10)
    peaks = []
    for g in (taped, checkpointed):
        g(0.4, 10_000)
        tracemalloc.start()
        try:
            g(0.4, 10_000)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] * 20 < peaks[0]


def test_forward_mode_accepts_and_ignores_it():
    value, tangent = srcad.jvp(recurrence, checkpoint=3)(0.4, 30, 1.0)
    want = srcad.jvp(recurrence)(0.4, 30, 1.0)
    assert value == want[0] and close(tangent, want[1])
    assert close(tangent, srcad.numeric_grad(recurrence, 0.4, 30), rtol=1e-6)
    jvp = srcad.jvp(rnn, wrt=0, checkpoint=3)
    args, dW = rnn_args(), np.ones((4, 4))
    assert close(jvp(*args, dW), srcad.jvp(rnn, wrt=0)(*args, dW))
    assert "revolve_schedule" not in srcad.source(jvp)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (2.5, TypeError), (True, TypeError)])
def test_a_bad_snapshot_count(bad, error):
    for transform in (srcad.grad, srcad.value_and_grad, srcad.vjp, srcad.jvp):
        with pytest.raises(error, match="checkpoint must be"):
            transform(recurrence, checkpoint=bad)


def no_loop(x):
    return x * x


def halving(x):
    s = x
    while s > 1.0:
        s = s * 0.5
    return s


def printing(x, n):
    s = x
    for t in range(n):
        print(t)
        s = s * 1.1
    return s


def collecting(x, n):
    hs = []
    for _ in range(n):
        x = x * 0.9
        hs.append(x)
    return sum(hs)


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn, args, text, says", [
    (no_loop, (2.0,), "def no_loop", "nothing to checkpoint"),
    (halving, (9.0,), "while", "while loop"),
    (printing, (1.0, 3), "print(t)", "may not have effects"),
    (collecting, (1.0, 3), "for _", "changes in place"),
])
def test_refused_where_it_cannot_apply(fn, args, text, says):
    assert srcad.grad(fn)(*args) is not None           # differentiable without the option
    with pytest.raises(SrcadError, match=says) as info:
        srcad.grad(fn, checkpoint=4)(*args)
    assert info.value.line == line_of(fn, text)
    assert "checkpoint=" in str(info.value)
    srcad.jvp(fn, checkpoint=4)(*args, 1.0)             # forward mode ignores the option


def test_a_second_derivative_is_refused():
    with pytest.raises(NonDifferentiableError, match="checkpoint="):
        srcad.jvp(srcad.grad(recurrence, checkpoint=3))(0.4, 5, 1.0)
