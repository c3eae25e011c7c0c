"""Everyday Python forms (issue 18): starred assignment, `:=`, `del name`, `match` and
`try: ... finally:`; each differentiated in both modes against finite differences, and run as
Python runs it (same value, same error)."""

import functools
import operator

import numpy as np
import pytest

import srcad
from srcad.errors import NameResolutionError, UnsupportedSyntaxError

MODES = ["reverse", "forward"]
X = np.array([0.3, -1.2, 0.8])


def _agrees(f, *args):
    """Numbers match finite differences in both modes, and the value is Python's."""
    for mode in MODES:
        srcad.check_grad(f, *args, mode=mode)
    value, _ = srcad.value_and_grad(f)(*args)
    assert np.allclose(value, f(*args))


# ----- a, *rest = seq --------------------------------------------------------------------------

def starred(x):
    parts = [x[0], x[1], x[2]]
    head, *tail = parts
    *init, last = parts
    a, *mid, z = (x[0], x[1], x[2], 2.0)
    (p, *q), r = (parts, x[1])
    assert isinstance(tail, list) and isinstance(mid, list) and len(q) == 2
    return head * sum(tail) + sum(init) * last + a * mid[0] * mid[1] * z + p * q[1] * r


def starred_empty(x):
    first, *rest = [x[0] * 2.0]
    return first * (len(rest) + 1.0)


@pytest.mark.parametrize("f", [starred, starred_empty])
def test_starred_assignment_follows_python(f):
    _agrees(f, X)


def test_starred_assignment_with_too_few_items_raises_as_python_does():
    def f(x):
        a, *b, c, d = [x, x]
        return a * len(b) + c + d
    with pytest.raises(ValueError, match="not enough values to unpack"):
        srcad.grad(f)(1.0)


def test_starred_assignment_of_an_array_is_refused_with_a_rewrite_that_works():
    def f(x):
        first, *rest = x
        return first * np.sum(rest)

    def rewritten(x):
        first, rest = x[0], x[1:]
        return first * np.sum(rest)
    with pytest.raises(UnsupportedSyntaxError, match=r"first, rest = x\[0\], x\[1:\]") as info:
        srcad.grad(f)(X)
    assert info.value.line == f.__code__.co_firstlineno + 1
    _agrees(rewritten, X)
    assert np.isclose(rewritten(X), f(X))


# ----- (n := expr) -----------------------------------------------------------------------------

def walrus_if(x):
    if (n := np.sum(x ** 2)) > 10.0:
        return n * 2.0
    elif (m := n * x[0]) < 0.0:
        return m - n
    return n


def walrus_expression(x):
    y = (z := x * 2.0) + 1.0
    return np.sum(y * z) + sum([(w := t * t) + w for t in [x[0], x[1]]])


@pytest.mark.parametrize("f", [walrus_if, walrus_expression])
def test_walrus_binds_the_name_as_python_does(f):
    _agrees(f, X)
    _agrees(f, -3.0 * X)


def test_walrus_in_a_while_test_is_refused_with_the_rewrite():
    def f(x):
        while (z := x * 2.0) < 9.0:
            x = z
        return x
    with pytest.raises(UnsupportedSyntaxError, match="while loop's test"):
        srcad.grad(f)(1.0)


# ----- del ------------------------------------------------------------------------------------

def deleting(x):
    y = x * 2.0
    z = y + 1.0
    del y
    y = z * z
    return np.sum(y)


def test_del_then_assign_again():
    _agrees(deleting, X)


def test_a_read_after_del_raises_at_the_users_line():
    def f(x):
        y = x * 2.0
        del y
        return np.sum(y)  # noqa: F821 - the read Python refuses
    with pytest.raises(UnboundLocalError):
        f(X)
    with pytest.raises(NameResolutionError, match="the del at line") as info:
        srcad.grad(f)(X)
    assert info.value.line == f.__code__.co_firstlineno + 3


def test_a_del_in_one_branch_raises_when_that_branch_ran():
    def f(x, c):
        y = x * 2.0
        if c > 0:
            del y
        return np.sum(y * y)
    for mode in MODES:
        srcad.check_grad(f, X, -1.0, mode=mode)
    with pytest.raises(UnboundLocalError):
        srcad.grad(f)(X, 1.0)
    with pytest.raises(UnboundLocalError):
        srcad.jvp(f)(X, 1.0, np.ones(3))
    with pytest.raises(UnboundLocalError):
        f(X, 1.0)


def test_del_of_an_item_or_in_a_loop_is_refused_at_the_line():
    def item(x):
        d = {"a": x, "b": 2.0 * x}
        del d["a"]
        return d["b"]

    def in_loop(x):
        for k in range(2):
            y = x * k
            del y
        return x
    with pytest.raises(UnsupportedSyntaxError, match="build the container without it"):
        srcad.grad(item)(1.0)
    with pytest.raises(UnsupportedSyntaxError, match="del inside a loop") as info:
        srcad.grad(in_loop)(1.0)
    assert info.value.line == in_loop.__code__.co_firstlineno + 3


# ----- match ------------------------------------------------------------------------------------

class Mode:
    ABS = "abs"


def matching(x, kind):
    match kind:
        case "sq":
            return np.sum(x ** 2)
        case Mode.ABS | "l1":
            return np.sum(np.abs(x))
        case None:
            return np.sum(x ** 3)
        case other if other.startswith("p"):
            return np.sum(x ** 4) * len(other)
        case _:
            return np.sum(x)


def matching_sequences(x):
    total = 0.0
    for parts in [(x[0],), (x[0], x[1]), (x[0], x[1], x[2]), [x[2], 5.0]]:
        match parts:
            case [a]:
                total = total + a
            case [a, 5.0]:
                total = total + 7.0 * a
            case (a, *rest):
                total = total + a * sum(rest)
    match x[0] * 3.0:
        case y:
            total = total + y
    return total


@pytest.mark.parametrize("kind", ["sq", "abs", "l1", None, "p4", "zz"])
def test_match_is_the_if_elif_chain_it_means(kind):
    _agrees(lambda x: matching(x, kind), X)


def test_match_sequence_and_capture_patterns():
    _agrees(matching_sequences, X)


def test_match_class_pattern_is_refused_with_the_if_elif_rewrite():
    def f(x):
        match x:
            case float():
                return x
        return x
    with pytest.raises(UnsupportedSyntaxError, match="if/elif") as info:
        srcad.grad(f)(1.0)
    assert info.value.line == f.__code__.co_firstlineno + 2


# ----- try: ... finally: ------------------------------------------------------------------------

def with_finally(x):
    seen = []
    try:
        y = np.sum(x ** 2)
        seen.append(1)
    finally:
        seen.append(2)
        y = y * len(seen)
    return y


def test_try_finally_runs_the_body_then_the_finally_block():
    _agrees(with_finally, X)


def test_return_inside_try_finally_is_refused():
    def f(x):
        try:
            return x * 2.0
        finally:
            print("done")
    with pytest.raises(UnsupportedSyntaxError, match="set a variable in the try block") as info:
        srcad.grad(f)(1.0)
    assert info.value.line == f.__code__.co_firstlineno + 2


def test_try_except_shows_the_rewrite():
    def f(x):
        try:
            y = x * 2.0
        except ValueError:
            y = x
        return y
    with pytest.raises(UnsupportedSyntaxError, match="try: ... finally:"):
        srcad.grad(f)(1.0)


# ----- functions defined in the function -------------------------------------------------------

def closure_in_loop(x):
    total = 0.0

    def running():
        return total * x[0]
    out = 0.0
    for t in x:
        total = total + t
        out = out + running()
    return out


def closure_statement(x):
    seen = []

    def note(v):
        seen.append(v * v)
    for k in range(3):
        note(x[k])
    if x[0] > 0:
        note(x[1] * 2.0)
    return sum(seen)


@pytest.mark.parametrize("f", [closure_in_loop, closure_statement])
def test_a_function_defined_here_reads_the_names_as_they_are_when_called(f):
    _agrees(f, X)
    _agrees(f, -X)


def test_a_closure_reading_a_comprehension_variable_name_is_refused():
    def f(x):
        t = x[0]

        def g():
            return t * 2.0
        out = 0.0
        for _ in range(2):
            out = out + sum([g() + t for t in x])
        return out
    with pytest.raises(UnsupportedSyntaxError, match="rename the comprehension's variable"):
        srcad.grad(f)(X)


def test_a_lambda_given_to_numpy_is_refused_with_a_rewrite_that_differentiates():
    def vectorized(x):
        return np.sum(np.vectorize(lambda t: t * t)(x))

    def along_axis(x):
        return np.sum(np.apply_along_axis(lambda r: r ** 2 * r[0], 0, x))

    def vectorized_rewritten(x):
        g = lambda t: t * t  # noqa: E731 - as the user wrote it
        return np.sum(np.array([g(t) for t in x]))

    def along_axis_rewritten(x):
        g = lambda r: r ** 2 * r[0]  # noqa: E731
        return np.sum(np.stack([g(x[:, j]) for j in range(x.shape[1])], axis=1))
    m = np.array([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]])
    for f, arg in ((vectorized, X), (along_axis, m)):
        with pytest.raises(UnsupportedSyntaxError, match="a lambda used as a value") as info:
            srcad.grad(f)(arg)
        assert info.value.line == f.__code__.co_firstlineno + 1
        assert "call it yourself" in str(info.value)
    _agrees(vectorized_rewritten, X)
    assert np.isclose(vectorized_rewritten(X), vectorized(X))
    _agrees(along_axis_rewritten, m)
    assert np.isclose(along_axis_rewritten(m), along_axis(m))


def nonlocal_total(x):
    total = 0.0
    count = 0

    def add(t):
        nonlocal total, count
        total = total + t
        count += 1
        if t > 1.0:
            return t * 2.0
        return t
    for t in x:
        add(t ** 2)
    last = add(x[0] * 3.0)
    return total * last + count


def nonlocal_in_a_branch(x):
    scale = 1.0

    def grow():
        nonlocal scale
        scale = scale * x[1]
    if x[0] > 0:
        grow()
    return np.sum(x * scale)


@pytest.mark.parametrize("f", [nonlocal_total, nonlocal_in_a_branch])
def test_nonlocal_assigns_the_callers_name_as_python_does(f):
    _agrees(f, X)
    _agrees(f, -X)


# ----- map, functools.reduce ----------------------------------------------------------------------

def mapped(x):
    parts = [x[0], x[1], x[2]]
    return sum(map(np.sin, parts)) + sum(list(map(lambda a, b: a * b, parts, (x[2], x[1], 2.0))))


def reduced(x):
    parts = [x[0], x[1], x[2]]
    return functools.reduce(lambda a, b: a * b, parts) + \
        functools.reduce(operator.add, parts, 1.0) + functools.reduce(operator.mul, [], x[1])


@pytest.mark.parametrize("f", [mapped, reduced])
def test_map_and_reduce_over_a_known_length_are_the_calls_they_make(f):
    _agrees(f, X)


def test_map_and_reduce_over_an_array_are_refused_with_a_rewrite_that_works():
    def over_array(x):
        return sum(map(np.sin, x))

    def reduce_array(x):
        return functools.reduce(lambda a, b: a * b, x)

    def rewritten(x):
        total = x[0]
        for t in x[1:]:
            total = total * t
        return sum([np.sin(t) for t in x]) + total
    with pytest.raises(UnsupportedSyntaxError, match=r"\[f\(t\) for t in xs\]"):
        srcad.grad(over_array)(X)
    with pytest.raises(UnsupportedSyntaxError, match=r"for t in xs\[1:\]"):
        srcad.grad(reduce_array)(X)
    _agrees(rewritten, X)
    assert np.isclose(rewritten(X), over_array(X) + reduce_array(X))


# ----- f-strings, str.format ----------------------------------------------------------------------

def formatting(x):
    total = np.sum(x)
    s = "loss={:.3f}".format(total)
    t = f"{total:>12.3f} {x.shape!r} {{braces}} {len(s)}"
    key = f"W{2}"
    print(s, t, key)
    weights = {"W2": 3.0}
    return np.sum(x ** 2) * len(t) + weights[key] * total


def test_strings_are_formatted_from_the_primal_values(capsys):
    _agrees(formatting, X)
    capsys.readouterr()
    formatting(X)
    printed = capsys.readouterr().out
    srcad.grad(formatting)(X)
    srcad.jvp(formatting)(X, np.ones(3))
    assert capsys.readouterr().out == printed * 2


# ----- sorted(xs, key=...) ------------------------------------------------------------------------

def sorted_by_name(x):
    items = sorted([(x[0], "b"), (x[1], "a"), (x[2], "c")], key=lambda t: t[1])
    ranked = sorted([(x[0], 2), (x[1], 1), (x[2], 2)], key=lambda t: t[1], reverse=True)
    return items[0][0] * 2.0 + items[1][0] + ranked[0][0] * ranked[2][0] + ranked[1][0] ** 2


def test_sorted_by_keys_known_now_keeps_python_order():
    _agrees(sorted_by_name, X)


def test_sorted_by_differentiated_keys_is_refused_with_why():
    def f(x):
        items = sorted([x[0], x[1]], key=lambda t: -t)
        return items[0]
    with pytest.raises(UnsupportedSyntaxError, match="keys known only when the function runs"):
        srcad.grad(f)(X)


def percent_formatting(x):
    total = np.sum(x)
    s = "%.3f" % total
    t = "%s=%8.2f (%d)" % ("sum", total, len(s))
    print(s, t)
    return np.sum(x ** 2) * len(t)


def test_percent_formatting_is_python_s(capsys):
    _agrees(percent_formatting, X)
    capsys.readouterr()
    percent_formatting(X)
    printed = capsys.readouterr().out
    srcad.grad(percent_formatting)(X)
    assert capsys.readouterr().out == printed


def test_a_call_changing_the_callers_names_in_a_comprehension_is_refused():
    def f(x):
        seen = []

        def note(t):
            seen.append(t * t)
            return t
        ys = [note(t) for t in [x[0], x[1]]]
        return sum(seen) + ys[0]
    with pytest.raises(UnsupportedSyntaxError, match="call it in a for loop") as info:
        srcad.grad(f)(X)
    assert info.value.line == f.__code__.co_firstlineno + 6
