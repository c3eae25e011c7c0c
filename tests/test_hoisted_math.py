"""`math` functions a generated loop calls are bound to locals before it (codegen/hoisting.py):
the values are those of plain Python, the names never shadow the user's, loops in branches
and nested loops see the binding, and the Numba backend compiles the same text."""

import math

import numpy as np
import pytest

import srcad

sin = 2.0          # a user global named like a math function: the local must not shadow it


def recurrence(x0, a, b):
    x = x0
    for _ in range(50):
        x = a * np.sin(x) + b * x
    return x


def branches_and_nests(x):
    s = 0.0
    if x > 0:
        for i in range(3):
            s = s + math.exp(x) * i + sin * x
    for i in range(2):
        for j in range(2):
            s = s + math.log(x + i + j) * math.cos(x)
    return s


def user_named_cos(x, cos):
    s = x
    for _ in range(3):
        s = s * cos + math.cos(s)
    return s


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_values_match_finite_differences(mode):
    for f, args in [(recurrence, (0.5, 0.9, 0.3)), (branches_and_nests, (0.7,)),
                    (user_named_cos, (0.4, 0.8))]:
        for k in range(len(args)):
            step = 1e-6
            up = list(args)
            up[k] += step
            down = list(args)
            down[k] -= step
            expected = (f(*up) - f(*down)) / (2 * step)
            if mode == "grad":
                got = srcad.grad(f, argnums=k)(*args)
            else:
                tangent = [0.0] * len(args)
                tangent[k] = 1.0
                got = srcad.jvp(f, argnums=tuple(range(len(args))))(*args, *tangent)[1]
            assert got == pytest.approx(expected, rel=1e-6, abs=1e-8)


def test_loops_call_locals_bound_once():
    source = srcad.source(srcad.grad(recurrence, argnums=(0, 1, 2)), 0.5, 0.9, 0.3)
    assert source.count("= math.sin, math.cos") == 1
    assert "math." not in source.split("= math.sin, math.cos")[1]
    binding = [line for line in source.splitlines() if " = math." in line and ", " in line][0]
    assert source.index(binding) < source.index("\n    for ")


def test_hoisted_names_are_fresh():
    source = srcad.source(srcad.grad(branches_and_nests), 0.7)
    binding = [line for line in source.splitlines() if " = math." in line and ", " in line][0]
    assert "sin_1" in binding and " sin," not in binding     # the user's global keeps `sin`
    assert "* sin +" in source
    source = srcad.source(srcad.grad(user_named_cos, argnums=(0, 1)), 0.4, 0.8)
    assert "cos_1, sin = math.cos, math.sin" in source


def test_no_binding_without_a_loop():
    def f(x):
        return math.sin(x) * x
    source = srcad.source(srcad.grad(f, source="def f(x):\n    return math.sin(x) * x\n"), 0.3)
    assert "bx = math.sin(x) + x * math.cos(x)" in source


def test_numba_backend_compiles_the_binding():
    pytest.importorskip("numba")
    g = srcad.grad(recurrence, argnums=(0, 1, 2), backend="numba")
    expected = srcad.grad(recurrence, argnums=(0, 1, 2))(0.5, 0.9, 0.3)
    assert np.allclose(g(0.5, 0.9, 0.3), expected)
