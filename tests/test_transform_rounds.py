"""Transform work on loop nests (issue 21, the naive convolution's first call): each loop body
is lowered once where its carries' kinds and sharing are settled from the start, the checks
of each loop's contents and the activity of its carries are found without walking a nest
once per level, and the derivatives stay those of the function (both modes, against finite
differences)."""

import ast

import numpy as np
import pytest

import srcad
from srcad.frontend.syntax import loop_contents, walk_no_defs
from srcad.lowering.statements import FunctionLowering


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


CONV = """
def f(x, w):
    n_rows, n_cols = x.shape
    out = np.zeros((2, 2, n_rows - 1, n_cols - 1))
    for n in range(2):
        for c in range(2):
            for i in range(n_rows - 1):
                for j in range(n_cols - 1):
                    out[n, c, i, j] = np.sum(x[i:i + 2, j:j + 2] * w[c]) * (n + 1.0)
    return np.sum(out * out)
"""


def counted_lowerings(monkeypatch):
    original, calls = FunctionLowering.lower_loop_once, []   # the original, taken before patching

    def counting(self, *args):
        calls.append(1)
        return original(self, *args)
    monkeypatch.setattr(FunctionLowering, "lower_loop_once", counting)
    return calls


def test_array_written_in_a_nest_lowers_each_body_once(load, monkeypatch):
    f = load(CONV)
    calls = counted_lowerings(monkeypatch)
    x, w = np.linspace(-1.0, 1.0, 12).reshape(3, 4), np.linspace(0.5, -0.5, 8).reshape(2, 2, 2)
    srcad.grad(f)(x, w)
    assert len(calls) == 4, calls            # one per loop: 2 ** depth before
    check_both_modes(f, x, w)
    check_both_modes(f, x, w, wrt=1)


def test_carries_that_trade_places_are_still_followed(load):
    """A carry becomes varied only after another one did, two iterations later: the
    activity analysis walks the body again after each carry it finds, and lowering gives each
    carry what it may be."""
    f = load("""
def f(x, y):
    a, b, c = 1.0, 2.0, x
    for k in range(4):
        for m in range(2):
            a, b, c = b, c * y, a + 0.5
    return a * b + c
""")
    check_both_modes(f, 0.7, 1.3)
    check_both_modes(f, 0.7, 1.3, wrt=1)


def test_lists_carried_through_a_nest(load):
    f = load("""
def f(x):
    rows = []
    for i in range(3):
        row = []
        for j in range(2):
            row.append(x[i, j] * x[j, i])
        rows.append(row)
    total = 0.0
    for row in rows:
        for v in row:
            total = total + v * v
    return total
""")
    check_both_modes(f, np.arange(1.0, 10.0).reshape(3, 3) / 7.0)


def test_del_in_an_inner_loop_is_refused_at_its_line(load):
    f = load("""
def f(x):
    s = x
    for i in range(2):
        for j in range(2):
            t = s * x
            del t
            s = s * x
    return s
""")
    with pytest.raises(srcad.SrcadError, match="del inside a loop") as err:
        srcad.grad(f)(0.5)
    assert err.value.line == f.__code__.co_firstlineno + 5


def test_loop_contents_are_the_walk_of_each_loop():
    tree = ast.parse(CONV + """
def g(xs):
    for x in xs:
        def inner(v):
            for k in range(2):
                del v
            return v
        while x > 0:
            x = h(x)
            del x
    return [h(y) for y in xs]
""")
    for fn in tree.body:
        loops = [n for n in walk_no_defs(fn) if isinstance(n, (ast.For, ast.While))]
        assert loops
        for loop in loops:
            walked = [n for n in walk_no_defs(loop) if isinstance(n, (ast.Delete, ast.Call))]
            assert list(loop_contents(fn, loop)) == walked
    inner_loop = next(n for n in ast.walk(tree) if isinstance(n, ast.For) and
                      isinstance(n.target, ast.Name) and n.target.id == "k")
    assert [type(n) for n in loop_contents(tree.body[1], inner_loop)] == [ast.Call, ast.Delete]
