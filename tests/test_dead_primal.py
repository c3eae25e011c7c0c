"""Dead code of the primal removed before reverse mode (issue 21): a loop's carry or a branch's
out that nothing reads after it is neither computed nor taped, so the reverse sweep reads no
value for it; the gradients are unchanged (checked against finite differences in both modes).
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(2121)


def mlp_loop(params, x):
    h = x
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return np.sum((h @ W + b) ** 2)


def dead_carry(x, n):
    total = 0.0
    unused = x
    for _ in range(n):
        unused = np.sin(unused) * 2.0        # carried round the loop, never read after it
        total = total + np.sum(np.cos(x * total))
    return total


def aux_in_loop(x):
    count = 0.0
    s = 0.0
    for _ in range(3):
        s = s + np.sum(x * x)
        count = count + np.max(x)
    return s, count


def _params():
    return [(0.3 * RNG.standard_normal((4, 5)), 0.1 * RNG.standard_normal(5)),
            (0.3 * RNG.standard_normal((5, 5)), 0.1 * RNG.standard_normal(5)),
            (0.3 * RNG.standard_normal((5, 2)), 0.1 * RNG.standard_normal(2))]


def _code(transform):
    return [line for line in srcad.source(transform).splitlines()
            if not line.strip().startswith("#")]


def test_layer_loop_tapes_no_weights():
    params, x = _params(), RNG.standard_normal((3, 4))
    g = srcad.grad(mlp_loop)
    g(params, x)
    code = _code(g)
    tape = [line for line in code if ".append(" in line]
    assert len(tape) == 1 and "W" not in tape[0] and "b" not in tape[0], tape
    assert not any("zeros_like" in line for line in code)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_layer_loop_gradient(mode):
    assert srcad.check_grad(mlp_loop, _params(), RNG.standard_normal((3, 4)), mode=mode)


def test_dead_carry_is_not_computed():
    x = RNG.standard_normal(3)
    g = srcad.grad(dead_carry)
    g(x, 4)
    assert not any("unused" in line for line in _code(g))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_dead_carry_gradient(mode):
    x = 0.3 * RNG.standard_normal(3)
    assert srcad.check_grad(dead_carry, x, 4, mode=mode)
    h = 1e-6
    e = np.array([h, 0.0, 0.0])
    fd = (dead_carry(x + e, 4) - dead_carry(x - e, 4)) / (2 * h)
    if mode == "reverse":
        assert abs(srcad.grad(dead_carry)(x, 4)[0] - fd) < 1e-6
    else:
        assert abs(srcad.jvp(dead_carry)(x, 4, np.eye(3)[0])[1] - fd) < 1e-6


def test_aux_computed_in_a_loop_is_kept():
    x = RNG.standard_normal(4)
    g, aux = srcad.grad(aux_in_loop, has_aux=True)(x)
    assert aux == 3 * np.max(x)
    np.testing.assert_allclose(g, 6 * x, rtol=1e-14)
    (value, aux2), g2 = srcad.value_and_grad(aux_in_loop, has_aux=True)(x)
    assert value == aux_in_loop(x)[0] and aux2 == aux
    np.testing.assert_allclose(g2, 6 * x, rtol=1e-14)
    _, tangent, aux3 = srcad.jvp(aux_in_loop, has_aux=True)(x, np.ones(4))
    assert aux3 == aux and abs(tangent - 6 * np.sum(x)) < 1e-12
