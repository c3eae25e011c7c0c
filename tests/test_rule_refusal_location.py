"""A rule that refuses its arguments (np.einsum with a repeated index next to '...' in reverse mode,
np.linalg.qr in another mode, norm with a computed ord) names the user's file and line: the
rule knows no line, the pass applying it does (SrcadError.locate)."""

import inspect

import numpy as np
import pytest

import srcad


def einsum_trace(x):
    y = x @ np.swapaxes(x, -1, -2)
    return np.sum(np.einsum("...ii->...", y))


def complete_qr(a):
    q, r = np.linalg.qr(a, mode="complete")
    return np.sum(r)


def computed_order(x, p):
    return np.linalg.norm(x, ord=int(p))


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn, args, text, says", [
    (einsum_trace, (np.ones((2, 3, 3)),), "np.einsum", "repeated index"),
    (complete_qr, (np.eye(3) + 0.1,), "np.linalg.qr", "mode='reduced'"),
    (computed_order, (np.ones(3), 2.0), "np.linalg.norm", "ord and axis as constants"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refusal_names_the_users_line(fn, args, text, says, mode):
    derivative = srcad.grad(fn) if mode == "reverse" else srcad.jvp(fn)
    call_args = args if mode == "reverse" else args + (np.ones_like(args[0]),)
    try:
        derivative(*call_args)
    except srcad.SrcadError as err:
        assert says in str(err)
        assert err.filename == __file__
        assert err.line == line_of(fn, text)
        assert str(err).startswith(f"{__file__}, line {err.line}: ")
    else:                    # forward mode may need no rule that refuses
        assert mode == "forward"


def test_locate_keeps_a_place_already_named():
    err = srcad.SrcadError("why", filename="a.py", line=3)
    assert err.locate("b.py", 7) is err
    assert (err.filename, err.line, str(err)) == ("a.py", 3, "a.py, line 3: why")
    fresh = srcad.SrcadError("why").locate("b.py", 7)
    assert (fresh.filename, fresh.line, str(fresh)) == ("b.py", 7, "b.py, line 7: why")
