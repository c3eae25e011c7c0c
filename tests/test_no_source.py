"""The no-source path (issue 16, item 10): a function typed at a prompt has no source text, and
srcad rebuilds its AST from the bytecode (srcad/frontend/decompile.py). For every construct the
decompiler accepts, the rebuilt AST is the one the source parses to, and the derivatives of
the function without source equal those of the same function with source (and central
differences), in both modes. What it cannot rebuild exactly it refuses.
"""

import ast

import numpy as np
import pytest

import srcad
from srcad.frontend import parse as frontend
from srcad.errors import SourceUnavailableError, UnsupportedSyntaxError

X = np.array([0.3, -1.2, 0.8])
Y = np.array([1.1, 0.4, -0.5])

# (what it shows, the function's source): f(x, y) of two arrays
CASES = [
    ("arithmetic", "def f(x, y):\n    z = x * y - x / 2.0 + y ** 2\n    return np.sum(z @ x)\n"),
    ("unary and calls", "def f(x, y):\n    z = -np.sin(x) + np.exp(y)\n    return np.sum(z)\n"),
    ("keywords and methods",
     "def f(x, y):\n    z = np.sum(np.outer(x, y), axis=0)\n    return z.sum() + x.dot(y)\n"),
    ("attributes", "def f(x, y):\n    m = np.outer(x, y)\n    return np.sum(m.T @ x)\n"),
    ("subscripts and slices",
     "def f(x, y):\n    return x[0] * y[1:].sum() + np.sum(x[::2] * y[:2:2])\n"),
    ("tuples and lists",
     "def f(x, y):\n    s = np.stack((x, y))\n    c = np.concatenate([x, y])\n"
     "    return np.sum(s ** 2) + np.sum(c)\n"),
    ("a comparison", "def f(x, y):\n    return np.sum(np.where(x > y, x, y * 2.0))\n"),
    ("a swap", "def f(x, y):\n    x, y = y, x\n    return np.sum(x * 3.0 + y)\n"),
    ("a rotation", "def f(x, y):\n    a, b, c = y, x, x * y\n    a, b, c = c, a, b\n"
                   "    return np.sum(a * 2.0 + b * 3.0 + c)\n"),
    ("four at once", "def f(x, y):\n    a, b, c, d = y, x, x * y, 1.5\n"
                     "    return np.sum(a * 2.0 + b * 3.0 + c * d)\n"),
    ("unpacking a call",
     "def f(x, y):\n    x, y = step(x, y)\n    x, y = step(x, y)\n"
     "    return np.sum(x * 3.0 + y)\n"),
    ("unpacking a tuple name",
     "def f(x, y):\n    p = (y, x * y)\n    a, b = p\n    return np.sum(a * b)\n"),
    ("an augmented assignment",
     "def f(x, y):\n    z = x * 2.0\n    z += y\n    z *= x\n    return np.sum(z)\n"),
    ("a default", "def f(x, y, c=0.5):\n    return np.sum(x * c + y)\n"),
]
DIFFERENTIATED = [c for c in CASES if c[0] != "a default"]    # jvp with a default: item 12


def step(x, y):
    return y * 2.0, x + y


def _define(text, with_source, tmp_path):
    """f from `text`: compiled from a file (with source) or from a string (without)."""
    namespace = {"np": np, "step": step}
    if with_source:
        path = tmp_path / "with_source.py"
        path.write_text(text)
        exec(compile(text, str(path), "exec"), namespace)  # noqa: S102 - defining it is the point
    else:
        exec(compile(text, "<stdin>", "exec"), namespace)  # noqa: S102
    return namespace["f"]


def _shape(node):
    return ast.dump(node, include_attributes=False)


@pytest.mark.parametrize("name, text", CASES, ids=[c[0] for c in CASES])
def test_bytecode_gives_the_ast_the_source_parses_to(name, text, tmp_path):
    rebuilt = frontend.parse(_define(text, False, tmp_path)).node
    parsed = ast.parse(text).body[0]
    assert _shape(rebuilt) == _shape(parsed), ast.unparse(rebuilt)


@pytest.mark.parametrize("name, text", DIFFERENTIATED, ids=[c[0] for c in DIFFERENTIATED])
@pytest.mark.parametrize("wrt", [0, 1])
def test_derivatives_without_source_equal_those_with_source(name, text, wrt, tmp_path):
    with_source, without = _define(text, True, tmp_path), _define(text, False, tmp_path)
    assert without(X, Y) == pytest.approx(with_source(X, Y))
    srcad.check_grad(without, X, Y, wrt=wrt)
    np.testing.assert_allclose(srcad.grad(without, wrt=wrt)(X, Y),
                               srcad.grad(with_source, wrt=wrt)(X, Y), rtol=1e-13)
    tangent = np.array([0.5, -1.0, 2.0])
    value, derivative = srcad.jvp(without, wrt=wrt)(X, Y, tangent)
    expected = srcad.jvp(with_source, wrt=wrt)(X, Y, tangent)
    assert value == pytest.approx(expected[0]) and derivative == pytest.approx(expected[1])
    numeric = srcad.numeric_grad(with_source, X, Y, wrt=wrt)
    assert derivative == pytest.approx(np.sum(numeric * tangent), rel=1e-6)


def test_the_issue_s_swap_and_step_give_python_s_values_and_gradients(tmp_path):
    swap = _define("def f(x, y):\n    x, y = y, x\n    return x * 3.0 + y\n", False, tmp_path)
    assert srcad.grad(swap, wrt=(0, 1))(2.0, 5.0) == (1.0, 3.0)
    assert srcad.jvp(swap)(2.0, 5.0, 1.0) == (17.0, 1.0)
    stepped = _define("def f(x, y):\n    x, y = step(x, y)\n    return x * 3.0 + y\n",
                      False, tmp_path)
    assert stepped(2.0, 5.0) == 37.0                    # x, y = 10, 7
    assert srcad.grad(stepped, wrt=(0, 1))(2.0, 5.0) == (1.0, 7.0)
    assert srcad.jvp(stepped, wrt=1)(2.0, 5.0, 1.0) == (37.0, 7.0)


@pytest.mark.parametrize("with_source", [True, False], ids=["source", "bytecode"])
def test_in_place_update_of_an_alias_is_refused_on_both_paths(with_source, tmp_path):
    f = _define("def f(x, y):\n    z = x\n    z += y\n    return np.sum(z * x)\n",
                with_source, tmp_path)
    for transform, args in ((srcad.grad, (X, Y)), (srcad.jvp, (X, Y, X))):
        with pytest.raises(UnsupportedSyntaxError, match="'x' also names") as info:
            transform(f)(*args)
        assert info.value.line == 3


@pytest.mark.parametrize("text", [
    "def f(x, y):\n    a = b = x * y\n    return np.sum(a + b)\n",
    "def f(x, y):\n    (a, b), c = (x, y), x\n    return np.sum(a + b * c)\n",
    "def f(x, y):\n    a, *b = x, y, x\n    return np.sum(a)\n",
    "def f(x, y):\n    if np.sum(x) > 0:\n        return np.sum(x)\n    return np.sum(y)\n",
], ids=["chained", "nested", "starred", "branch"])
def test_forms_not_rebuilt_exactly_are_refused(text, tmp_path):
    f = _define(text, False, tmp_path)
    with pytest.raises(SourceUnavailableError, match="source="):
        srcad.grad(f)(X, Y)
