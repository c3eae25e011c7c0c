"""Generated code and transform work grow linearly with if/elif branches and loop nesting
(issue 16 items 18 and 19, issue 17's acceptance), and right-deep expressions as deep as
Python compiles lower without recursion. Reverse and forward mode, against finite differences.
"""

import numpy as np
import pytest

import srcad
from srcad.lowering.statements import FunctionLowering


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


def chain(n):
    """An if/elif chain of n tests where every branch has residuals for the reverse sweep."""
    lines = ["def f(x):", "    if x > 0.0:", "        y = np.sin(x) * x"]
    for k in range(1, n):
        lines += [f"    elif x > {-k}.0:", f"        y = np.sin(x) * x + {k}.0 * np.cos(x)"]
    return "\n".join(lines + ["    else:", "        y = x * x", "    return y"])


def nest(depth):
    lines, pad = ["def f(x):", "    s = x"], "    "
    for k in range(depth):
        lines.append(f"{pad}for i{k} in range(2):")
        pad += "    "
    return "\n".join(lines + [f"{pad}s = np.sin(s) * x", "    return s"])


def generated(f, mode):
    if mode == "reverse":
        return srcad.source(srcad.grad(f), 0.3)
    return srcad.source(srcad.jvp(f), 0.3, 1.0)


def code_lines(source):
    return [line for line in source.splitlines() if line.strip() and
            not line.strip().startswith("#")]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_chain_code_grows_linearly(load, mode):
    sizes = {n: generated(load(chain(n)), mode) for n in (4, 20, 40, 80)}
    lines = {n: len(code_lines(s)) for n, s in sizes.items()}
    assert lines[40] < 10 * lines[4], lines
    per_branch = (lines[80] - lines[40]) / 40
    assert per_branch <= 1.1 * (lines[40] - lines[20]) / 20, lines   # no growth per branch
    chars = {n: len(s) for n, s in sizes.items()}
    assert chars[80] - chars[40] <= 2.2 * (chars[40] - chars[20]), chars


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_chain_prints_flat_in_both_sweeps(load, mode):
    source = generated(load(chain(30)), mode)
    indents = {len(line) - len(line.lstrip()) for line in code_lines(source)}
    assert max(indents) <= 8, source
    assert source.count("elif ") >= (58 if mode == "reverse" else 29)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_loop_nest_code_grows_linearly(load, mode):
    lines = [len(code_lines(generated(load(nest(d)), mode))) for d in range(1, 7)]
    steps = [b - a for a, b in zip(lines, lines[1:])]
    assert max(steps) <= 2 * min(steps) + 2, lines


def test_loop_nest_lowers_each_body_a_bounded_number_of_times(load, monkeypatch):
    """Lowering re-lowers a loop body until its carries' kinds settle; a number's sharing does
    not ask for another round (which re-lowered every inner loop, 2 ** depth times)."""
    original, calls = FunctionLowering.lower_loop_once, []

    def counting(self, *args):
        calls.append(1)
        return original(self, *args)
    monkeypatch.setattr(FunctionLowering, "lower_loop_once", counting)
    counts = []
    for d in (2, 4, 6):
        calls.clear()
        srcad.grad(load(nest(d).replace("s = np.sin(s) * x", "s = np.sin(s) * x + s")))(0.3)
        counts.append(len(calls))
    assert counts[2] - counts[1] <= 2 * (counts[1] - counts[0]) + 2, counts


def test_two_hundred_branches_compile_and_differentiate(load):
    f = load(chain(220))
    grad, jvp = srcad.grad(f), srcad.jvp(f)
    for x in (0.7, -0.5, -57.5, -150.5, -230.0):
        numeric = srcad.numeric_grad(f, x)
        assert grad(x) == pytest.approx(numeric, rel=1e-6, abs=1e-6)
        value, tangent = jvp(x, 1.0)
        assert value == f(x) and tangent == pytest.approx(numeric, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("x", [0.9, 0.3, -0.4, -1.1, -1.3])
def test_chain_with_computed_tests_and_arrays(load, x):
    """Tests that compute values the branches read (an index, a sum), arrays, a branch that
    leaves y as it was: each branch's residuals are its own."""
    f = load("""
def f(x, w):
    y = w * x
    k = int(abs(x) * 2) % 3
    if x > 0.5:
        y = np.sin(w * x)[k] * w
    elif np.sum(w) * x > 0.0:
        y = np.cos(y) * np.sum(w[:2] * x)
    elif x > -1.0:
        pass
    elif x * k > -2.5:
        y = np.exp(w * x) * w[k]
    else:
        y = np.tanh(y)
    return np.sum(y * y)
""")
    w = np.array([0.3, 0.8, -0.4])
    check_both_modes(f, x, w)
    check_both_modes(f, x, w, wrt=1)


@pytest.mark.parametrize("c", [-1.0, 0.5, 1.5, 2.5])
def test_chain_inside_a_loop(load, c):
    f = load("""
def f(x, c):
    s = x
    for i in range(3):
        if c > 2.0:
            s = np.sin(s) * x
        elif c > 1.0:
            s = np.cos(s) * s
        elif c > 0.0:
            s = s * x + np.exp(s)
        else:
            s = s - x
        c = c - 1.0
    return s
""")
    check_both_modes(f, 0.4, c)


def test_user_names_like_the_chain_slots(load):
    f = load("""
def f(x, branch, res):
    if branch > 1.0:
        y = np.sin(x) * res
    elif branch > 0.0:
        y = np.cos(x) * res
    else:
        y = x * branch
    return y
""")
    for b in (2.0, 0.5, -1.0):
        check_both_modes(f, 0.7, b, 3.0)
        check_both_modes(f, 0.7, b, 3.0, wrt=2)


# ----- right-deep expressions ------------------------------------------------------------------
DEEP = {
    "power_tower": (" ** ".join(["x"] * 1000), 1.1),
    "negations": ("-" * 999 + "x", 0.7),
    "negated_powers": (" ** ".join(["-x"] * 1000), 1.1),
    "nested_differences": (" - (".join(["x * 1.5"] * 190) + ")" * 189, 0.7),
    "nested_calls": ("np.sin(" * 190 + "x" + ")" * 190, 0.7),
    "mixed": ("-x ** " * 400 + "x", 1.1),
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_right_deep_expressions(load, name):
    text, x = DEEP[name]
    f = load(f"def f(x):\n    return {text}")
    check_both_modes(f, x)


def test_power_tower_value_and_hand_derivative(load):
    """x ** x ** ... converges for x < e ** (1 / e); its value and slope against the
    function's own numbers."""
    f = load("def f(x):\n    return " + " ** ".join(["x"] * 1000))
    value, slope = srcad.jvp(f)(1.1, 1.0)
    assert value == pytest.approx(f(1.1), rel=1e-12)
    assert srcad.grad(f)(1.1) == pytest.approx(slope, rel=1e-12)
    assert slope == pytest.approx((f(1.1 + 1e-6) - f(1.1 - 1e-6)) / 2e-6, rel=1e-5)


@pytest.mark.parametrize("kind", ["elif", "ifexp", "helper"])
def test_deeper_than_srcad_goes_is_refused(load, kind):
    """Deeper than the transforms recurse: an honest refusal at the deepest line, never a
    RecursionError from inside srcad (Python itself compiles these)."""
    text = chain(300)
    if kind == "ifexp":
        text = "def f(x):\n    return " + " ".join(
            f"{k}.0 * np.sin(x) if x > {-k}.5 else" for k in range(300)) + " x"
    elif kind == "helper":
        text = text.replace("def f(x):", "def h(x):") + "\n\n\ndef f(x):\n    return h(x) * 2.0"
    f = load(text)
    for transform in (lambda: srcad.grad(f)(0.3), lambda: srcad.jvp(f)(0.3, 1.0)):
        with pytest.raises(srcad.UnsupportedSyntaxError, match="nested 30[01] levels deep") as err:
            transform()
        assert err.value.line is not None and err.value.line > 2
