"""Transform time (issues 17 and 21): the first call grows linearly with the program, and it
reads no more source than it lowers. benchmarks/transform_time.py measures the growth; these
tests keep what the linear versions do the same as before, in both modes:

- the writer prints an `else:` holding only an `if` as `elif` without re-indenting the rest of
  the chain at each level (srcad/codegen/layout.py), and every other shape of `else:` as before;
- lowering asks which caller's array an `if`'s result is without walking the rest of an
  `elif` chain at each level (argument_writes.only_origin);
- a library's function (`np.hanning`) runs as written, and its module's source is not parsed
  to ask whether it writes into its parameters (lowering/aliasing.py);
- the defs of a module are found by visiting its statements, not every node of it.
"""

import ast
import copy

import numpy as np
import pytest

import srcad
from srcad.frontend import parse as frontend


def chain(x, c):
    if c > 2.0:
        y = np.sin(x) * x
    elif c > 1.0:
        y = x * x + np.cos(x)
    elif c > 0.0:
        y = np.exp(x) * 2.0
    else:
        y = x * 3.0
    return y * x


def statement_before_the_if(x, c):
    if c > 2.0:
        y = x * x
    else:
        z = np.sin(x) * c
        if z > 0.1:
            y = z * x
        else:
            y = z + x
    return y


def statement_after_the_if(x, c):
    if c > 2.0:
        y = x * x
    else:
        if c > 1.0:
            y = np.sin(x) * x
        else:
            y = x + 1.0
        y = y * np.cos(x)
    return y


def loop_in_the_else(x, c):
    if c > 2.0:
        y = x
    else:
        y = x
        for _ in range(3):
            if y > 0.5:
                y = np.sin(y) * x
            else:
                y = y + x
    return y


def chains_in_a_chain(x, c):
    if c > 1.0:
        if c > 2.0:
            y = x * np.sin(x)
        elif c > 1.5:
            y = x * x
        else:
            y = x
    elif c > -1.0:
        if c > 0.0:
            y = np.exp(x)
        else:
            y = x * 3.0
    else:
        y = -x
    return y


SHAPES = [chain, statement_before_the_if, statement_after_the_if, loop_in_the_else,
          chains_in_a_chain]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", SHAPES, ids=[f.__name__ for f in SHAPES])
def test_every_shape_of_else_against_finite_differences(f, mode):
    for c in (-1.5, -0.5, 0.5, 1.2, 1.7, 2.5):
        assert srcad.check_grad(f, 0.3, c, mode=mode)
        assert srcad.check_grad(f, 0.8, c, mode=mode)


def _layout(f, mode):
    g = srcad.grad(f) if mode == "reverse" else srcad.jvp(f)
    args = (0.3, 0.5) if mode == "reverse" else (0.3, 0.5, 1.0)
    return [line.strip().split(" ")[0] for line in str(srcad.source(g, *args)).splitlines()
            if line.strip().split(" ")[0] in ("if", "elif", "else:")]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_else_holding_only_an_if_is_an_elif(mode):
    assert _layout(chain, mode).count("elif") == 2 * (mode == "reverse") + 2
    assert _layout(chain, mode).count("else:") == 1 + (mode == "reverse")


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_else_holding_more_than_an_if_stays_an_else(mode):
    assert "elif" not in _layout(statement_after_the_if, mode)
    assert "elif" not in _layout(loop_in_the_else, mode)


def write_in_a_chain(x, c):
    if c > 2.0:
        x[0] = x[1] * 3.0
    elif c > 1.0:
        x[1] *= 2.0
    elif c > 0.0:
        x[1:] -= 0.5
    else:
        x += 1.0
    return np.sum(np.sin(x) * x)


@pytest.mark.parametrize("c", [-1.0, 0.5, 1.5, 2.5])
def test_a_chain_writing_into_the_callers_array_writes_what_python_writes(c):
    x = np.random.default_rng(2131).standard_normal(4)
    plain = x.copy()
    value = write_in_a_chain(plain, c)
    numeric = srcad.numeric_grad(lambda v: write_in_a_chain(v.copy(), c), x.copy())
    by_grad, by_jvp = x.copy(), x.copy()
    np.testing.assert_allclose(srcad.grad(write_in_a_chain)(by_grad, c), numeric,
                               rtol=1e-5, atol=1e-7)
    tangent = np.random.default_rng(2132).standard_normal(4)
    got, derivative = srcad.jvp(write_in_a_chain)(by_jvp, c, tangent)
    assert got == pytest.approx(value, rel=1e-12)
    assert derivative == pytest.approx(np.sum(numeric * tangent), rel=1e-5, abs=1e-7)
    np.testing.assert_allclose(by_grad, plain, rtol=1e-14)
    np.testing.assert_allclose(by_jvp, plain, rtol=1e-14)


def windowed_energy(x):
    window = np.hanning(x.shape[0])
    return np.sum((x * window) ** 2) + np.sum(np.sin(x))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_library_function_runs_as_written_and_its_source_is_not_read(mode, monkeypatch):
    read = []
    real = frontend.parse

    def parse(fn, *args, **kwargs):
        read.append(fn)
        return real(fn, *args, **kwargs)
    monkeypatch.setattr(frontend, "parse", parse)
    x = np.random.default_rng(2133).standard_normal(6)
    assert srcad.check_grad(copy.copy(windowed_energy), x, mode=mode)
    assert windowed_energy in read and np.hanning not in read
    window = np.hanning(6)
    np.testing.assert_allclose(srcad.grad(windowed_energy)(x),
                               2 * x * window ** 2 + np.cos(x), rtol=1e-12)


NESTED_DEFS = '''
def f(x):
    def g(y):
        return y
    return g(x) + (lambda z: z)(x)


class C:
    def f(self):
        try:
            def h():
                return 1
        except ValueError:
            def h():
                return 2
        finally:
            pass
        return h()


if True:
    def f(x):
        return x
else:
    async def g():
        return 0

match 1:
    case 1:
        def k():
            return [def_ for def_ in ()]
'''


def test_definitions_are_found_where_a_walk_of_every_node_finds_them():
    """frontend.parse._definitions visits statements only, in ast.walk's order."""
    tree = ast.parse(NESTED_DEFS)
    walked = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            walked.setdefault(node.name, []).append(node)
    found = frontend._definitions(tree)
    assert list(found) == list(walked) == ["f", "g", "k", "h"]
    assert all([id(n) for n in found[name]] == [id(n) for n in walked[name]] for name in walked)
