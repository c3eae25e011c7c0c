"""A loop's reverse walks its tape backwards (issue 21, the scalar recurrence T4).

Where the reverse loop's index is read by nothing, the loop says `for x_1 in reversed(tape_1):`
instead of counting down a range and popping a record each step; numbers are pushed as soon as
they are made, so the carry's update takes the carry's own name; and a temporary that reads a
name is inlined into the line that rebinds that name (`bx = bx * (b + a * cos(x_1))`).
Where the index is read (`x[t]`), the pop stays. Numbers against finite differences in both
modes, and forward mode over the reverse sweep (a Hessian-vector product through the tape).
"""

import math
import re

import numpy as np
import pytest

import srcad


def recurrence(x, a, b):
    for _ in range(200):
        x = a * np.sin(x) + b * x
    return x


def indexed(x, w):
    s = 0.0
    for t in range(x.shape[0]):
        s = np.tanh(s * w + x[t])
    return s


def nested(x, n):
    s = x
    for i in range(n):
        for _j in range(3):
            s = math.sin(s) * 0.8 + 0.1
        s = s + 0.5 * i
    return s


def test_the_reverse_loop_walks_the_tape_and_the_carry_keeps_its_name():
    g = srcad.grad(recurrence, wrt=(0, 1, 2))
    g(0.5, 0.8, 0.2)
    text = srcad.source(g)
    assert "in reversed(tape_1):" in text
    assert ".pop()" not in text and "reversed(range(" not in text
    forward = text[text.index("for _ in range(200):"):text.index("bx, ")]
    assert re.search(r"tape_1\.append\((x\w*)\)\n.*\n\s*\1 = a \* sin\(\1\) \+ b \* \1\n",
                     forward), forward
    assert "bx = bx * (b + a * cos(" in text                # no v1, v2 temporaries


@pytest.mark.parametrize("args", [(0.5, 0.8, 0.2), (-1.3, 0.9, 0.05)])
def test_recurrence_gradient_and_tangent_match_finite_differences(args):
    assert srcad.check_grad(recurrence, *args, wrt=(0, 1, 2), rtol=1e-5)
    assert srcad.check_grad(recurrence, *args, wrt=(0, 1, 2), rtol=1e-5, mode="forward")


def test_a_reverse_loop_that_reads_its_index_pops_as_before():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(6)
    g = srcad.grad(indexed, wrt=(0, 1))
    g(x, 0.7)
    text = srcad.source(g)
    assert "tape_1.pop()" in text and "reversed(range(" in text
    assert srcad.check_grad(indexed, x, 0.7, wrt=(0, 1))
    assert srcad.check_grad(indexed, x, 0.7, wrt=(0, 1), mode="forward")


def test_nested_loops_walk_each_inner_tape_once():
    g = srcad.grad(nested)
    g(0.4, 5)
    text = srcad.source(g)
    assert text.count("in reversed(tape_") == 2 and ".pop()" not in text
    assert srcad.check_grad(nested, 0.4, 5, wrt=0)
    assert srcad.check_grad(nested, 0.4, 5, wrt=0, mode="forward")


def test_forward_mode_over_the_walked_tape_gives_the_second_derivative():
    """jvp of grad differentiates the generated reverse sweep: its tape pops twice a step
    (value and tangent), so that reverse loop keeps popping; the Hessian-vector product
    matches finite differences of the gradient."""
    g = srcad.grad(recurrence, wrt=0)
    hvp = srcad.jvp(g, wrt=0)
    args, h = (0.5, 0.8, 0.2), 1e-6
    numeric = (g(args[0] + h, *args[1:]) - g(args[0] - h, *args[1:])) / (2 * h)
    assert hvp(*args, 1.0)[1] == pytest.approx(numeric, rel=1e-5)


def test_array_records_are_still_pushed_after_the_body():
    """Only numbers move up: an array recorded before a write into it in place would be
    changed on the tape."""
    def rnn(h, W, xs):
        for t in range(xs.shape[0]):
            h = np.tanh(W @ h + xs[t])
        return np.sum(h)

    rng = np.random.default_rng(7)
    args = (rng.standard_normal(3), 0.5 * rng.standard_normal((3, 3)),
            rng.standard_normal((4, 3)))
    g = srcad.grad(rnn, wrt=(0, 1))
    g(*args)
    text = srcad.source(g)
    body = text[text.index("for t in range("):text.index("reversed(")]
    assert body.index("np.tanh(") < body.index(".append(")
    assert srcad.check_grad(rnn, *args, wrt=(0, 1))
    assert srcad.check_grad(rnn, *args, wrt=(0, 1), mode="forward")


def test_numba_walks_the_tape_too():
    pytest.importorskip("numba")
    args = (0.5, 0.8, 0.2)
    compiled = srcad.grad(recurrence, wrt=(0, 1, 2), backend="numba")(*args)
    assert compiled == pytest.approx(srcad.grad(recurrence, wrt=(0, 1, 2))(*args), rel=1e-12)
