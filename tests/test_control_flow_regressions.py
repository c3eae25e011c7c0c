"""Control flow and deep expressions, from issue 16: transform work linear in if/elif chains
and loop nesting (18), residuals defined on every path of an `if` (17), and expressions as deep
as Python compiles (19). Each in reverse and forward mode, against finite differences."""

import numpy as np
import pytest

import srcad
from srcad.transforms import forward
from srcad.transforms.reverse import sweep as reverse

def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


# ----- 18: transform work linear in branches and nesting depth ---------------------------------
def elif_chain(n):
    lines = ["def f(x, c):", "    y = x"]
    for k in range(n):
        lines += [f"    {'if' if k == 0 else 'elif'} c > {k}:",
                  f"        y = np.sin(y) * x + {k}.0"]
    lines += ["    else:", "        y = y * y", "    return y * x"]
    return "\n".join(lines)


def loop_nest(depth):
    lines = ["def f(x):", "    y = x"]
    pad = "    "
    for k in range(depth):
        lines.append(f"{pad}for i{k} in range(2):")
        pad += "    "
    lines += [f"{pad}if y > 0.0:", f"{pad}    y = np.sin(y) * x", f"{pad}else:",
              f"{pad}    y = y + x"]
    lines.append("    return y")
    return "\n".join(lines)


def count_work(monkeypatch, transform):
    """How many equations the reverse and the forward sweeps visit while `transform` runs."""
    counts = {"reverse": 0, "forward": 0}

    def counting(cls, method, key):
        original = getattr(cls, method)

        def wrapper(self, *args, **kwargs):
            counts[key] += 1
            return original(self, *args, **kwargs)
        monkeypatch.setattr(cls, method, wrapper)
    counting(reverse.Sweep, "eqn", "reverse")
    counting(forward.Tangents, "eqn", "forward")
    transform()
    monkeypatch.undo()
    return counts["reverse"] + counts["forward"]


_TRANSFORMS = {
    "grad": lambda f, args: srcad.grad(f)(*args),
    "jvp": lambda f, args: srcad.jvp(f)(*args, 1.0),
    "hessian": lambda f, args: srcad.hessian(f)(*args),
}


def assert_linear(counts):
    """counts for sizes n, 2n, 4n: each doubling at most doubles the work (plus a constant)."""
    small, medium, large = counts
    assert medium <= 2 * small + 8 and large <= 2 * medium + 8, counts


@pytest.mark.parametrize("mode", sorted(_TRANSFORMS))
def test_elif_chain_work_is_linear_in_branches(load, monkeypatch, mode):
    counts = [count_work(monkeypatch, lambda n=n: _TRANSFORMS[mode](load(elif_chain(n)),
                                                                      (0.7, 3.5)))
              for n in (8, 16, 32)]
    assert_linear(counts)


@pytest.mark.parametrize("mode", sorted(_TRANSFORMS))
def test_loop_nest_work_is_linear_in_depth(load, monkeypatch, mode):
    counts = [count_work(monkeypatch, lambda d=d: _TRANSFORMS[mode](load(loop_nest(d)), (0.7,)))
              for d in (1, 2, 3, 4, 5, 6)]
    steps = [b - a for a, b in zip(counts, counts[1:])]
    assert max(steps) <= max(2 * min(steps), 4), counts   # constant per level, not doubling


@pytest.mark.parametrize("c", [-1.0, 0.5, 3.5, 20.0])
def test_elif_chain_gradients(load, c):
    f = load(elif_chain(16))
    check_both_modes(f, 0.7, c)


@pytest.mark.parametrize("x", [0.7, -0.4])
def test_loop_nest_gradients(load, x):
    f = load(loop_nest(4))
    check_both_modes(f, x)


def test_elif_chain_hessian(load):
    f = load(elif_chain(12))
    h = srcad.hessian(f)(0.7, 3.5)
    g = srcad.grad(f)
    eps = 1e-5
    numeric = (g(0.7 + eps, 3.5) - g(0.7 - eps, 3.5)) / (2 * eps)
    assert h == pytest.approx(numeric, rel=1e-5)


# ----- 17: every value the reverse sweep reads is assigned on the path that reads it ----------
BRANCHES_THAT_INDEX = {
    "issue": """
def f(x, c):
    if c > 0:
        y = x[1]
    else:
        y = np.cos(x)[0]
    return y * 2.0
""",
    "used_after": """
def f(x, c):
    if c > 0:
        y = x[1]
    else:
        y = np.cos(x)[0]
    if c > 2:
        z = y * x[2]
    else:
        z = np.exp(x)[1] * y
    return z
""",
    "slices": """
def f(x, c):
    if c > 0:
        y = x[1:]
    else:
        y = np.cos(x)[:2] * x[0]
    return np.sum(y * y)
""",
    "two_items": """
def f(x, c):
    if c > 0:
        y = x[0] * x[1]
    else:
        y = np.tanh(x)[0] * np.tanh(x)[1]
    return y
""",
    "nested": """
def f(x, c):
    if c > 0:
        if c > 1:
            y = x[1] * np.exp(x)[2]
        else:
            y = np.tanh(x)[0]
    elif c > -1:
        y = x[::2] @ x[1:]
    else:
        y = np.sum(x[:, None] * x[None, :])
    return y
""",
    "early_return": """
def f(x, c):
    if c > 0:
        return np.sin(x)[1] * x[0]
    y = np.cos(x)[0]
    return y * x[2]
""",
    "in_loop": """
def f(x, c):
    s = 0.0
    for k in range(3):
        if c > k:
            s = s + np.sin(x)[k] * np.sin(x)[0]
        else:
            s = s + np.cos(x)[k] ** 2
    return s
""",
    "in_while": """
def f(x, c):
    y = x
    while c > 0:
        if c > 1:
            y = np.sin(y)[::-1]
        else:
            y = y * np.cos(y)[0]
        c = c - 1
    return np.sum(y)
""",
}


@pytest.mark.parametrize("c", [-2.0, -0.5, 0.5, 1.5, 2.5])
@pytest.mark.parametrize("name", sorted(BRANCHES_THAT_INDEX))
def test_branches_that_index_differently(load, name, c):
    f = load(BRANCHES_THAT_INDEX[name])
    check_both_modes(f, np.array([0.3, 0.7, 1.1]), c)


def test_items_of_an_array_are_not_unpacked(load):
    """`v1, v2 = np.cos(y)` would need y to have exactly two elements."""
    f = load("def f(x, y):\n    return np.cos(y)[0] * x + np.cos(y)[1] * x")
    y = np.array([0.3, 0.7, 1.1])
    check_both_modes(f, 0.5, y)
    assert srcad.grad(f)(0.5, y) == pytest.approx(np.cos(0.3) + np.cos(0.7))


def test_items_of_a_pair_still_unpack(load):
    f = load("""
def f(x):
    a, b = np.sin(x), np.cos(x)
    pair = (a * x, b)
    return pair[0] * pair[1]
""")
    check_both_modes(f, 0.7)


@pytest.mark.parametrize("c", [1.0, -1.0])
def test_issue_example_value_and_grad(load, c):
    """The value is kept as well: the branch's residual `np.cos(x)` was taken apart as
    `y = np.cos(x)` (one of its two reads) and never assigned (UnboundLocalError)."""
    f = load(BRANCHES_THAT_INDEX["issue"].replace("y * 2.0", "y"))
    x = np.array([0.3, 0.7])
    value, g = srcad.value_and_grad(f)(x, c)
    assert value == f(x, c)
    np.testing.assert_allclose(g, srcad.numeric_grad(f, x, c), rtol=1e-6)
    value, tangent = srcad.jvp(f)(x, c, np.array([1.0, 2.0]))
    assert value == f(x, c)
    assert tangent == pytest.approx((2.0 if c > 0 else -np.sin(0.3)), rel=1e-12)


# ----- 19: expressions as deep as Python compiles ----------------------------------------------
def long_sum(n, term="{c} * x", op=" + "):
    return op.join(term.format(c=(k % 7) + 1.0, k=k % 3) for k in range(n))


@pytest.mark.parametrize("n", [600, 2000])
def test_long_sum_of_scalars(load, n):
    f = load(f"def f(x):\n    return {long_sum(n)}")
    slope = sum((k % 7) + 1.0 for k in range(n))
    assert srcad.grad(f)(0.7) == pytest.approx(slope, rel=1e-12)
    assert srcad.jvp(f)(0.7, 1.0) == (pytest.approx(f(0.7), rel=1e-12),
                                       pytest.approx(slope, rel=1e-12))


@pytest.mark.parametrize("n", [600, 2000])
def test_long_difference_of_array_items(load, n):
    f = load(f"def f(x):\n    return {long_sum(n, '{c} * x[{k}] * x[{k}]', ' - ')}")
    check_both_modes(f, np.array([0.3, -0.7, 1.1]))


def test_long_product_chain(load):
    n = 600
    f = load("def f(x):\n    return " + " * ".join(["(1.0 + 0.001 * x)"] * n))
    expected = n * 0.001 * (1.0 + 0.001 * 0.7) ** (n - 1)
    assert srcad.grad(f)(0.7) == pytest.approx(expected, rel=1e-9)
    assert srcad.jvp(f)(0.7, 1.0)[1] == pytest.approx(expected, rel=1e-9)


DEEP_PLACES = {
    "branch": "def f(x):\n    if x > 0:\n        y = {s}\n    else:\n        y = x\n    return y",
    "loop": "def f(x):\n    s = 0.0\n    for i in range(3):\n        s = s + np.sin({s})\n"
            "    return s",
    "augmented": "def f(x):\n    s = x\n    s += {s}\n    return s",
    "helper": "def h(x):\n    return {s}\n\n\ndef f(x):\n    return h(x) * h(2.0 * x)",
    "lambda": "def f(x):\n    g = lambda t: {s}\n    return g(x)",
    "while_test": "def f(x):\n    y = x\n    while y < {s1} + 1.0:\n        y = y * 2.0\n"
                  "    return y",
}


@pytest.mark.parametrize("place", sorted(DEEP_PLACES))
def test_deep_expression_in_every_place(load, place):
    terms = long_sum(1200, "0.01 * x")     # deeper than Python's recursion limit
    f = load(DEEP_PLACES[place].format(s=terms, s1=terms.replace("x", "1.0")))
    check_both_modes(f, 0.7)


def test_deep_expression_without_source():
    """The no-source path (a function typed at a prompt) rebuilds the same deep tree."""
    namespace = {}
    exec(f"def f(x):\n    return {long_sum(2000, '{c} * x', ' - ')}\n", namespace)
    f = namespace["f"]
    slope = 1.0 - sum((k % 7) + 1.0 for k in range(1, 2000))
    assert srcad.grad(f)(0.7) == pytest.approx(slope, rel=1e-12)
    assert srcad.jvp(f)(0.7, 1.0)[1] == pytest.approx(slope, rel=1e-12)


def test_ordinary_expressions_print_as_before(load):
    f = load("def f(x, y):\n    return x * y + np.sin(x) - y / x")
    assert "bx = y / x / x + math.cos(x) + y" in srcad.source(srcad.grad(f), 0.5, 2.0)


def test_long_elif_chain_stays_flat(load):
    """More branches than Python's 100 levels of indentation: generated code uses elif too
    (the forward sweep binds a test it keeps for the reverse one as `elif (v2 := c > 1):`)."""
    lines = ["def f(x, c):", "    if c > 0:", "        y = np.sin(x)"]
    for k in range(1, 101):
        lines += [f"    elif c > {k}:", f"        y = np.sin(x) * {k + 1}.0"]
    f = load("\n".join(lines + ["    else:", "        y = x * x", "    return y * x"]))
    grad, jvp = srcad.grad(f), srcad.jvp(f)
    for c in (-1.0, 50.5, 200.0):
        assert grad(0.7, c) == pytest.approx(srcad.numeric_grad(f, 0.7, c), rel=1e-6)
        assert jvp(0.7, c, 1.0)[1] == pytest.approx(grad(0.7, c), rel=1e-12)
    for source in (srcad.source(grad, 0.7, 3.5), srcad.source(jvp, 0.7, 3.5, 1.0)):
        indents = [len(line) - len(line.lstrip()) for line in source.splitlines()]
        assert max(indents) <= 8 and source.count("elif ") >= 100
