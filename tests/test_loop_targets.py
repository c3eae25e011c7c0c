"""A loop's target and the names its body binds, read after the loop, as Python reads them.

Python leaves a `for` loop's target bound to the last element (or to its old value when the
loop does not run), and a name first bound inside a loop that surely runs is bound after it
(autograd's `for W, b in params: outputs = ...` then `return outputs - ...`). srcad carries
the target out of the loop where code outside reads it, and lowers the first iteration on its
own when the loop's length is known and it binds a name read after it. Values and gradients
are checked against plain Python and central differences, in reverse and forward mode.
"""

import numpy as np
import pytest

import srcad
from srcad.tree import zeros_like


def target_bound_before(x):
    i = 5
    for i in range(3):  # noqa: B007 - the target is read after the loop
        x = x * 2.0
    return x * i


def element_target_bound_before(x, xs):
    e = 0.0
    for e in xs:
        x = x * e
    return x * e


def target_read_after(x):
    for i in range(3):
        y = x * (i + 1.0)
    return np.sum(y) * i


def pairs_loop(params, x):
    for W, b in params:
        out = np.tanh(x @ W + b)
        x = out
    return np.sum(out ** 2) + np.sum(W)


def empty_range_keeps_old_value(x, n):
    k = 2.0
    for k in range(n):  # noqa: B007 - the target is read after the loop
        x = x * 1.5
    return x * k


RNG = np.random.default_rng(3)
CASES = [
    (target_bound_before, (1.3,), 0),
    (element_target_bound_before, (1.3, [2.0, 3.0]), (0, 1)),
    (target_read_after, (RNG.standard_normal(3),), 0),
    (pairs_loop, ([(RNG.standard_normal((3, 2)), RNG.standard_normal(2)),
                   (RNG.standard_normal((2, 2)), RNG.standard_normal(2))],
                  RNG.standard_normal((4, 3))), (0, 1)),
    (empty_range_keeps_old_value, (1.3, 0), 0),
    (empty_range_keeps_old_value, (1.3, 2), 0),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, args, wrt", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_values_and_gradients_after_the_loop(f, args, wrt, mode):
    wrt_all = wrt if isinstance(wrt, tuple) else (wrt,)
    if mode == "forward":
        got = srcad.jvp(f, wrt=wrt)(*args, *[zeros_like(args[i]) for i in wrt_all])[0]
    else:
        got = srcad.value_and_grad(f, wrt=wrt)(*args)[0]
    assert np.allclose(got, f(*args))
    srcad.check_grad(f, *args, wrt=wrt, mode=mode)


def test_a_name_bound_only_in_a_loop_of_unknown_length_is_bound_as_in_python():
    def f(x, n):
        for i in range(n):
            y = x * i
        return np.sum(y)
    assert np.array_equal(srcad.grad(f)(np.ones(2), 3), [2.0, 2.0])
    with pytest.raises(UnboundLocalError, match="'y'"):
        srcad.grad(f)(np.ones(2), 0)
