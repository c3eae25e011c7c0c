"""Lists that grow, dicts filled item by item, and objects changed in place where something
else may reach them (issue 16, items 1, 9 and 14).

Every differentiated case is checked in both modes against central differences: reverse mode
with `srcad.check_grad`, forward mode by comparing the jvp with the numeric gradient dotted
with the tangent. Every refusal is a SrcadError at the user's line, and the rewrite it shows
is differentiated correctly.
"""

import numpy as np
import pytest

import srcad
from srcad.errors import PythonValueError, SrcadError, UnsupportedSyntaxError

X = np.array([0.3, -0.2, 0.7])


def _dot(a, b):
    """<a, b> for numbers, arrays and (nested) lists/tuples of them."""
    if isinstance(a, (list, tuple)):
        return sum(_dot(u, v) for u, v in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def _like(value, rng):
    if isinstance(value, (list, tuple)):
        return type(value)(_like(v, rng) for v in value)
    return rng.normal(size=np.shape(value)) if np.ndim(value) else float(rng.normal())


def both_modes(f, *args, wrt=0):
    """Reverse and forward derivatives of f at args agree with central differences."""
    srcad.check_grad(f, *args, wrt=wrt)
    numeric = srcad.numeric_grad(f, *args, wrt=wrt)
    tangent = _like(args[wrt], np.random.default_rng(1))
    value, derivative = srcad.jvp(f, wrt=wrt)(*args, tangent)
    assert np.allclose(value, f(*args), rtol=1e-12, atol=1e-12)
    assert np.isclose(derivative, _dot(numeric, tangent), rtol=1e-6, atol=1e-8)


# ----- item 1: a list grown inside a loop ---------------------------------------------------
def concat_in_loop(x):
    hs = []
    for t in range(2):
        hs = hs + [x * (t + 1.0)]
    return hs[0] + 10.0 * hs[1]


def test_list_concatenated_in_a_loop_is_not_numeric_addition():
    """The issue's reproducer: each entry gets its own adjoint (21, not 3)."""
    assert srcad.grad(concat_in_loop)(1.0) == pytest.approx(21.0)
    assert srcad.jvp(concat_in_loop)(1.0, 1.0) == pytest.approx((21.0, 21.0))
    both_modes(concat_in_loop, 1.3)


def iadd_in_loop(x):
    hs = []
    for t in range(3):
        hs += [np.sin(x) * (t + 1.0)]
    return np.sum(hs[0] + 10.0 * hs[2])


def append_in_loop(x):
    hs = []
    for t in range(4):
        hs.append(np.tanh(x * t + 0.5))
    return np.sum(hs[1] * hs[3])


def extend_in_while(x):
    hs = [x]
    i = 0
    while i < 3:
        hs.extend([np.sin(hs[-1]), 2.0 * hs[i]])
        i += 1
    return np.sum(hs[-1] * hs[2]) + np.sum(hs[4])


def extend_by_tuple(x):
    hs = []
    for t in range(2):
        hs.extend((x * t, np.cos(x)))
    return np.sum(hs[0] + hs[1] * hs[2] + hs[3])


def stacked(x):
    hs = []
    for t in range(3):
        hs.append(np.tanh(x * (t + 0.5)))
    return np.sum(np.stack(hs) ** 2) + np.sum(np.array(hs)[1])


def summed(x):
    hs = []
    for t in range(3):
        hs.append(x * (t + 1.0))
    return np.sum(sum(hs) ** 2) + sum(hs[:2], 1.0)[0]


def summed_floats(x):
    hs = []
    for t in range(3):
        hs.append(x * (t + 1.0))
    return sum(hs) * x


def indexed_by_loop_variable(x):
    hs = [x]
    for t in range(3):
        hs.append(np.tanh(0.5 * hs[t] + 1.0))
    loss = 0.0
    for t in range(len(hs)):
        loss = loss + np.sum(hs[t] * t)
    return loss


def iterated_in_reverse(x):
    hs = [x]
    for _ in range(3):
        hs.append(np.tanh(hs[-1] * 0.5 + 1.0))
    loss = 0.0
    for h in reversed(hs):
        loss = loss * 0.9 + np.sum(h)
    return loss


def stacked_after_growth(x):
    hs = [x]
    for _ in range(3):
        hs.append(np.tanh(hs[-1] * 0.5 + 1.0))
    return np.mean(np.vstack(hs)) + np.sum(np.concatenate(hs))


def tuple_grown(x):
    ts = ()
    for t in range(3):
        ts = ts + (x * t,)
    return np.sum(ts[1] * ts[2])


def repeated_then_stored(x):
    hs = [None] * 3
    for t in range(3):
        hs[t] = x * (t + 1.0)
    return np.sum(hs[0] * hs[2])


@pytest.mark.parametrize("f", [iadd_in_loop, append_in_loop, extend_in_while, extend_by_tuple,
                               stacked, summed, indexed_by_loop_variable, iterated_in_reverse,
                               stacked_after_growth, tuple_grown, repeated_then_stored],
                         ids=lambda f: f.__name__)
def test_list_growth_in_a_loop(f):
    both_modes(f, X)


def test_sum_of_a_grown_list_of_floats():
    both_modes(summed_floats, 0.7)


def rnn_loss(Whh, Wxh, bh, h0, xs):
    """Karpathy's min-char-rnn forward pass, hidden states in a dict keyed by time."""
    hs = {}
    hs[-1] = np.copy(h0)
    loss = 0.0
    for t in range(len(xs)):
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
    for t in reversed(range(len(xs))):
        loss = loss + np.sum(hs[t] ** 2) * (t + 1.0)
    return loss


def rnn_loss_list(Whh, Wxh, bh, h0, xs):
    """The same with a list: hs[t] is the state after t inputs."""
    hs = [h0]
    for t in range(len(xs)):
        hs.append(np.tanh(Wxh @ xs[t] + Whh @ hs[t] + bh))
    loss = 0.0
    for k, h in enumerate(hs[1:]):
        loss = loss + np.sum(h ** 2) * k
    return loss


@pytest.mark.parametrize("f", [rnn_loss, rnn_loss_list], ids=lambda f: f.__name__)
@pytest.mark.parametrize("wrt", [0, 1, 2, 3])
def test_rnn_hidden_states_in_a_dict_or_list(f, wrt):
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(4, 4)) * 0.5, rng.normal(size=(4, 3)) * 0.5, rng.normal(size=4),
            rng.normal(size=4), [rng.normal(size=3) for _ in range(5)])
    both_modes(f, *args, wrt=wrt)


def dict_filled(x):
    d = {}
    for k in range(3):
        d[k] = x * (k + 1.0)
    d["last"] = d[2] * d[0]
    return np.sum(d["last"] + d[1])


def list_item_replaced(x):
    hs = [x, x * 2.0, x * 3.0]
    for t in range(3):
        hs[t] = np.sin(hs[t]) * hs[(t + 1) % 3]
    return np.sum(hs[0] * hs[2])


@pytest.mark.parametrize("f", [dict_filled, list_item_replaced], ids=lambda f: f.__name__)
def test_item_stores_into_lists_and_dicts(f):
    both_modes(f, X)


def aliased_list(x):
    hs = []
    gs = hs
    hs.append(x)
    return np.sum(gs[0])


def test_growing_a_list_another_name_holds_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="'gs' also names") as info:
        srcad.grad(aliased_list)(X)
    assert info.value.line == aliased_list.__code__.co_firstlineno + 3
    assert "hs = hs + [v]" in str(info.value)


def test_in_place_list_methods_run_as_python_runs_them():
    def f(x):
        hs = [x, x * 2.0]
        hs.pop()
        return np.sum(hs[0])
    both_modes(f, X)

    def g(x):
        hs = [x, x * 2.0]
        hs.sort()
        return np.sum(hs[0])
    with pytest.raises(UnsupportedSyntaxError, match=r"np.sort\(np.array\(xs\)\)") as info:
        srcad.grad(g)(X)
    assert info.value.line == g.__code__.co_firstlineno + 2


def test_a_comprehension_over_a_grown_list_is_the_loop_python_runs():
    def f(x):
        hs = []
        for t in range(3):
            hs.append(x * t)
        return sum([np.sum(h) for h in hs])
    both_modes(f, X)


def test_generated_code_grows_the_list_and_records_nothing_for_it():
    source = srcad.source(srcad.grad(append_in_loop), X)
    assert "hs = hs + [" in source
    pushes = [line for line in source.splitlines() if "tape" in line and ".append(" in line]
    assert pushes and not any("hs" in line for line in pushes)


# ----- item 9: aliasing created through a branch, a loop, a helper ---------------------------
def through_ifexp(x, s):
    v = x if s > 0 else x * 2.0
    v += x
    return np.sum(v * x)


def through_if(x, s):
    if s > 0:
        y = x
    else:
        y = x * 2.0
    y += 1.0
    return np.sum(y * x)


def through_loop(x, s):
    v = x * 3.0
    for _ in range(3):
        v += 1.0
        v = x
    return np.sum(v * x)


def through_and_or(x, s):
    v = (s > 0 and x) or x * 2.0
    v += 1.0
    return np.sum(v * x)


def through_loop_carry(x, s):
    w = x
    for t in range(2):
        if s > t:
            w = w * 2.0
    w += 1.0
    return np.sum(x * w)


def _maybe_same(a, c):
    b = a * c
    return a if c > 0 else b


def through_helper(x, s):
    v = _maybe_same(x, s)
    v += 1.0
    return np.sum(v * x) + np.sum(_maybe_same(x * 2.0, s))


def through_list_item(x, s):
    hs = [x, x * 2.0]
    v = hs[s > 0]
    v += 1.0
    return np.sum(v * x)


def through_tuple_unpack(x, s):
    a, b = x, x * 2.0
    a += 1.0
    return np.sum(a * b)


def stored_in_a_dict(x, s):
    x = x * 1.5
    d = {}
    d[0] = x
    x += 1.0
    return np.sum(d[0] * x)


def appended_in_a_branch(x, s):
    x = x * 1.5
    hs = []
    if s > 0:
        hs.append(x)
    else:
        hs.append(x * 2.0)
    x += 1.0
    return np.sum(hs[0] * x)


def appended_in_a_loop(x, s):
    x = x * 1.5
    hs = [x * 2.0]
    for _ in range(2):
        hs.append(x)
    x += 1.0
    return np.sum(hs[-1] * x)


ALIASED = [through_ifexp, through_if, through_loop, through_and_or, through_loop_carry,
           through_helper, through_list_item, through_tuple_unpack, stored_in_a_dict,
           appended_in_a_branch, appended_in_a_loop]


@pytest.mark.parametrize("f", ALIASED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp], ids=["grad", "jvp"])
def test_in_place_update_of_a_value_that_may_be_aliased_is_refused(f, transform):
    """On some path the name holds the same array as another, so `+=` would change both:
    refused at the line of the `+=`, whichever mode."""
    line = next(k for k, text in enumerate(_source_lines(f)) if "+=" in text)
    args = (X, 1.0) if transform is srcad.grad else (X, 1.0, np.ones(3))
    with pytest.raises(UnsupportedSyntaxError, match="Python would change both") as info:
        transform(f)(*args)
    assert info.value.line == f.__code__.co_firstlineno + line


def _source_lines(f):
    import inspect
    return inspect.getsource(f).splitlines()


def rewritten_ifexp(x, s):
    v = x if s > 0 else x * 2.0
    v = v + x
    return np.sum(v * x)


def copied_first(x, s):
    v = (x if s > 0 else x * 2.0).copy()
    v += x
    return np.sum(v * x)


def _fresh(a, c):
    b = a * c
    return b + 1.0


def fresh_from_helper(x, s):
    v = _fresh(x, s)
    v += 1.0
    return np.sum(v * x) + np.sum(_fresh(x * 2.0, s))


@pytest.mark.parametrize("f", [rewritten_ifexp, copied_first, fresh_from_helper],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("s", [1.0, -1.0])
def test_the_rewrites_the_refusals_show_are_differentiated(f, s):
    both_modes(f, X, s)


def test_the_issue_example_rewritten_gives_python_s_numbers():
    """Python: v = x, v += x doubles x in place: 12 and gradient 4 at x = 1 ... and the
    rewrite `v = v + x` (which leaves x alone) is what srcad differentiates."""
    assert srcad.grad(rewritten_ifexp)(np.array([1.0]), 1.0) == pytest.approx([4.0])


# ----- item 14: empty slices and unpacking of the wrong length -------------------------------
def mlp(params, x):
    W, b = params[0]
    h = np.tanh(x @ W + b)
    for W, b in params[1:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return np.sum(h @ W + b)


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_loop_over_an_empty_or_short_slice_of_layers(layers):
    rng = np.random.default_rng(layers)
    params = [(rng.normal(size=(3, 3)), rng.normal(size=3)) for _ in range(layers)]
    x = rng.normal(size=(4, 3))
    both_modes(mlp, params, x)
    both_modes(mlp, params, x, wrt=1)


def unpack_first(params, x):
    W, b = params[0]
    return np.sum(x @ W + b)


@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp], ids=["grad", "jvp"])
def test_unpacking_the_wrong_number_of_values_raises_python_s_error_at_the_line(transform):
    params = [(np.ones((3, 3)),)]
    with pytest.raises(ValueError, match=r"not enough values to unpack \(expected 2, got 1\)"):
        unpack_first(params, X)
    args = (params, X) if transform is srcad.grad else (params, X, [(np.ones((3, 3)),)])
    with pytest.raises(PythonValueError, match=r"not enough values to unpack \(expected 2, "
                                               r"got 1\)") as info:
        transform(unpack_first)(*args)
    assert isinstance(info.value, (ValueError, SrcadError))
    assert info.value.line == unpack_first.__code__.co_firstlineno + 1
