"""Lists and dicts as the mutable containers Python has, `*args` in calls, attributes the
kinds answer, calls with no rule on values that carry no derivative, and comprehensions
over lengths known only at run time (issue 18).

Each program is checked in both modes against central differences: reverse through
srcad.check_grad, forward by comparing the jvp with the finite-difference gradient along a
random tangent. What stays refused is checked for its line, its reason and its rewrite.
"""

import numpy as np
import pytest

import srcad
from srcad.errors import MissingRuleError, UnsupportedSyntaxError

X = np.array([0.3, -1.2, 0.8])


def both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt)
    numeric = srcad.numeric_grad(f, *args, wrt=wrt)
    rng = np.random.default_rng(1)
    x = args[wrt]
    tangent = rng.normal(size=np.shape(x)) if np.ndim(x) else 0.7
    value, derivative = srcad.jvp(f, wrt=wrt)(*args, tangent)
    assert np.allclose(value, f(*args), rtol=1e-12, atol=1e-12)
    assert np.isclose(derivative, np.sum(numeric * tangent), rtol=1e-6, atol=1e-8)


# ----- lists -------------------------------------------------------------------------------
def list_pop_insert(x):
    hs = [x, x * 2.0, x * 3.0]
    last = hs.pop()
    hs.insert(0, last)
    first = hs.pop(0)
    hs.insert(-1, first * x)
    return np.sum(hs[0] * hs[1] + hs[-1] * hs[2])


def grown_list_pop(x, n):
    hs = []
    for t in range(n):
        hs.append(np.tanh(x * (t + 1.0)))
    last = hs.pop()
    hs.insert(1, last * 2.0)
    middle = hs.pop(n // 2)
    hs.reverse()
    return np.sum(hs[-1] * middle) + np.sum(sum(hs)) + len(hs)


def runtime_index_pop(x, k):
    hs = [x * 1.5, x * 2.0, x * 3.0]
    item = hs.pop(k)
    hs.insert(k, item * item)
    return np.sum(hs[0] + 2.0 * hs[1] + 3.0 * hs[2])


def list_copy_then_change(x):
    hs = [x, x * 2.0]
    gs = hs.copy()
    gs.append(x * x)
    ks = list(gs)
    ks.clear()
    ks.append(x)
    return np.sum(sum(hs) * sum(gs) + ks[0])


def reversed_and_zip_star(x):
    pairs = [[x, x * 2.0], [x * 3.0, x * 4.0]]
    out = []
    for a, b in zip(*pairs):
        out.append(a * b)
    tot = 0.0
    for v in reversed(out):
        tot = tot * 0.5 + v
    return np.sum(tot)


@pytest.mark.parametrize("f, args", [
    (list_pop_insert, (X,)), (list_pop_insert, (1.5,)),
    (grown_list_pop, (X, 4)), (grown_list_pop, (0.7, 5)),
    (runtime_index_pop, (X, 1)), (runtime_index_pop, (X, -1)), (runtime_index_pop, (1.2, 0)),
    (list_copy_then_change, (X,)), (reversed_and_zip_star, (X,)),
])
def test_list_methods_in_both_modes(f, args):
    both_modes(f, *args)


def test_a_list_method_that_srcad_does_not_lower_is_refused_with_a_rewrite():
    def f(x):
        hs = [x, x * 2.0]
        hs.remove(x)
        return np.sum(hs[0])
    with pytest.raises(UnsupportedSyntaxError, match=r"\.remove\(\).*xs\[:i\] \+ xs\[i \+ 1:\]") \
            as info:
        srcad.grad(f)(X)
    assert info.value.line == f.__code__.co_firstlineno + 2


def test_changing_a_list_another_name_holds_is_refused():
    def f(x):
        hs = [x, x * 2.0]
        gs = hs
        gs.pop()
        return np.sum(hs[-1])
    with pytest.raises(UnsupportedSyntaxError, match="'hs' also names") as info:
        srcad.grad(f)(X)
    assert info.value.line == f.__code__.co_firstlineno + 3


# ----- dicts -------------------------------------------------------------------------------
def dict_get_setdefault_items(x):
    d = {}
    d["a"] = x * 2.0
    d["b"] = d.get("a", 0.0) * x + d.get("z", 1.0)
    s = 0.0
    for _k, v in d.items():
        s = s + v
    for v in d.values():
        s = s + v * v
    for k in d.keys():
        s = s + d[k]
    return np.sum(s + d.setdefault("c", x) + d.setdefault("a", 0.0) * d["c"])


def sgd_step_on_dicts(x):
    params = {"W": x, "b": x * 0.5}
    grads = {"W": x * 0.1, "b": x * 0.2}
    for k in params:
        params[k] = params[k] - 0.1 * grads[k]
    return np.sum(params["W"] * params["b"])


def hidden_states_by_time(x, n):
    hs = {}
    hs[-1] = np.zeros_like(x)
    for t in range(n):
        hs[t] = np.tanh(x * t + hs[t - 1])
    total = 0.0
    for t, h in hs.items():
        total = total + np.sum(h) * t
    for t in sorted(hs):
        total = total + hs.get(t, 0.0) * 0.5
    rest = list(hs.values())
    return np.sum(total) + np.sum(rest[-1]) + np.sum(hs.setdefault(n - 1, x))


def dict_builtins(x):
    cfg = dict(scale=2.0, shift=x)
    more = dict(zip(["u", "v"], [x * 3.0, x * x]))
    both = dict(cfg)
    both.update(more)
    keys = sorted(both)
    first = both.pop(keys[0])
    vals = list({"a": x, "b": x * 2.0}.values())
    return np.sum(first * both["u"] + vals[0] * vals[1] + both["shift"] * len(keys))


def dict_comprehension_at_run_time(x, n):
    d = {t: x * (t + 1.0) for t in range(n)}
    return np.sum(sum(d[t] for t in d))


@pytest.mark.parametrize("f, args", [
    (dict_get_setdefault_items, (X,)), (dict_get_setdefault_items, (0.4,)),
    (sgd_step_on_dicts, (X,)), (hidden_states_by_time, (X, 3)),
    (hidden_states_by_time, (0.3, 4)), (dict_builtins, (X,)),
    (dict_comprehension_at_run_time, (X, 3)),
])
def test_dict_methods_in_both_modes(f, args):
    both_modes(f, *args)


def test_iterating_over_a_dict_walks_its_keys():
    """`for k in params` read params[0], params[1], ... (a KeyError in generated code)."""
    def f(x, params):
        s = 0.0
        for k in params:
            s = s + params[k] * x
        return s
    assert srcad.grad(f)(1.5, {"a": 2.0, "b": 3.0}) == 5.0
    assert srcad.jvp(f)(1.5, {"a": 2.0, "b": 3.0}, 1.0) == (7.5, 5.0)


def test_dict_pop_of_a_key_known_only_at_run_time_is_refused_with_a_rewrite():
    def f(x):
        k = int(x > 1.0)                       # known only when f runs
        d = {0: x, 1: x * 2.0}
        v = d.pop(k)
        return v
    with pytest.raises(UnsupportedSyntaxError, match=r"\{j: d\[j\] for j in d if j != k\}") \
            as info:
        srcad.grad(f)(1.5)
    assert info.value.line == f.__code__.co_firstlineno + 3


def test_dict_pop_of_a_string_argument_pops_that_key():
    def f(x, k):                               # a string argument is specialised on
        d = {"a": x, "b": x * 2.0}
        v = d.pop(k)
        return v
    assert srcad.grad(f)(1.5, "a") == 1.0
    assert srcad.grad(f)(1.5, "b") == 2.0
    assert srcad.jvp(f)(1.5, "b", 1.0) == (3.0, 2.0)


# ----- *args, attributes, calls with no rule -------------------------------------------------
def star_args(x):
    shape = (3, 1)
    a = np.stack([x, x * 2.0, x * 3.0]).reshape(*x.shape, *shape[:1]) + x.reshape(*shape)
    parts = [x, x * x]
    b = np.stack(*[parts])
    return np.sum(a ** 2) + np.sum(b) + np.sum(np.maximum(*parts))


def seeded_mask(x):
    mask = np.random.RandomState(0).rand(*x.shape) < 0.5
    noise = np.random.default_rng(1).normal(0.0, 1.0, x.shape[0])
    return np.sum(x * mask + x * noise)


def fancy_indices(x):
    idx = [0, 2]
    n = x.shape[0]
    r = list(range(n - 1))
    return np.sum(x[idx] ** 2) + np.sum(x[list(range(2))]) + np.sum(x[r] * x[range(1, n)])


def attributes(x):
    y = x.astype(np.float64)
    eps = np.finfo(x.dtype).eps
    big = np.iinfo(np.int32).max
    return (np.sum(y[:, np.newaxis] * y[np.newaxis, ...]) + eps * len(x) + x.ndim +
            np.sum(x[...] * x.shape[0]) + big * 0.0)


def comprehension_over_a_shape(x):
    n = x.shape[0]
    pos = [x[i] for i in range(n) if x[i] > 0]
    return sum(x[i] ** 2 for i in range(n)) + sum(pos) * 2.0


@pytest.mark.parametrize("f", [star_args, seeded_mask, fancy_indices, attributes,
                               comprehension_over_a_shape])
def test_calls_and_attributes_in_both_modes(f):
    both_modes(f, X)


def test_dtype_and_ndim_of_an_array_are_constants_of_the_specialisation():
    source = srcad.source(srcad.grad(attributes), X)
    source = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))
    assert ".dtype" not in source and ".ndim" not in source and "iinfo" not in source


def test_a_random_generator_is_made_when_the_derivative_runs():
    """Python makes a new generator at each call: nothing is drawn when srcad transforms."""
    def f(x):
        return np.sum(x * np.random.rand(*x.shape))
    np.random.seed(5)
    g = srcad.grad(f)(X)
    np.random.seed(5)
    assert np.array_equal(g, np.random.rand(3))


def test_star_args_of_a_length_known_only_at_run_time_is_refused():
    def f(x, n):
        parts = [x * i for i in range(n)]
        return np.maximum(*parts)
    with pytest.raises(UnsupportedSyntaxError, match=r"\*args.*one by one") as info:
        srcad.grad(f)(1.5, 2)
    assert info.value.line == f.__code__.co_firstlineno + 2


def test_a_call_with_no_rule_on_a_differentiated_value_is_still_refused():
    import fractions

    def f(x):
        return x * float(fractions.Fraction(x))
    with pytest.raises(MissingRuleError, match="Fraction.*defprimitive") as info:
        srcad.grad(f)(1.5)
    assert info.value.line == f.__code__.co_firstlineno + 1


def test_sorting_differentiated_values_is_refused():
    def f(x):
        xs = sorted([x, x * 2.0])
        return xs[0]
    with pytest.raises(srcad.SrcadError, match="sorted") as info:
        srcad.grad(f)(1.5)
    assert info.value.line == f.__code__.co_firstlineno + 1


def test_changing_a_container_argument_changes_the_caller_s_as_python_does():
    """Python changes the caller's dict and list; the derivative does too, once per call
    (tests/test_argument_mutation.py has the rest); a copy first leaves them as they were."""
    def f(x, params):
        for k in params:
            params[k] = params[k] - 0.1 * x
        return params["W"] * params["b"]
    params, plain = {"W": 1.0, "b": 2.0}, {"W": 1.0, "b": 2.0}
    gradient = srcad.grad(f)(1.5, params)
    assert gradient == pytest.approx(-0.1 * (2.0 - 0.15) - 0.1 * (1.0 - 0.15))
    f(1.5, plain)
    assert params == pytest.approx(plain)

    def rewritten(x, params):
        params = params.copy()
        for k in params:
            params[k] = params[k] - 0.1 * x
        return params["W"] * params["b"]
    params = {"W": 1.0, "b": 2.0}
    both_modes(rewritten, 1.5, params)
    assert params == {"W": 1.0, "b": 2.0}

    def grows(x, hs):
        hs.append(x)
        return hs[-1] * x
    hs = [1.0]
    assert srcad.jvp(grows)(1.5, hs, 1.0) == pytest.approx((2.25, 3.0))
    assert hs == [1.0, 1.5]


# ----- names bound first inside a loop or a branch -----------------------------------------
def bound_in_loop(x, n):
    for i in range(n):
        y = np.tanh(x * (i + 1.0))
    return np.sum(y * x) + i


def bound_in_branch(x, c):
    if c > 0:
        y = x * 2.0
    elif c > -5:
        y = x * x
    if c > 1:
        z = y * y
    else:
        pass
    return np.sum(z) if c > 1 else np.sum(y)


def bound_in_while(x):
    while np.sum(x * x) < 10.0:
        z = x * x
        x = x * 2.0
    return np.sum(z)


@pytest.mark.parametrize("f, args", [
    (bound_in_loop, (X, 3)), (bound_in_loop, (0.4, 1)), (bound_in_branch, (X, 2)),
    (bound_in_branch, (X, 0)), (bound_in_branch, (X, -2)), (bound_in_while, (X * 0.5,)),
])
def test_names_bound_in_loops_and_branches_in_both_modes(f, args):
    both_modes(f, *args)


@pytest.mark.parametrize("f, args, name", [
    (bound_in_loop, (X, 0), "y"), (bound_in_branch, (X, -7), "y"),
    (bound_in_while, (X * 10.0,), "z"),
])
def test_unbound_local_error_where_python_raises_one(f, args, name):
    with pytest.raises(UnboundLocalError, match=f"'{name}'"):
        f(*args)
    with pytest.raises(UnboundLocalError, match=f"'{name}'"):
        srcad.grad(f)(*args)
    tangent = np.ones_like(args[0])
    with pytest.raises(UnboundLocalError, match=f"'{name}'"):
        srcad.jvp(f)(*args, tangent)


def test_a_loop_over_known_keys_reads_like_hand_written_code():
    """`for k in params: params[k] = params[k] - lr * grads[k]` over keys the kinds list is
    one copy of the body per key, and `params["W"]` after `params["W"] = v` is v: no dict is
    built or taped in the gradient."""
    source = srcad.source(srcad.grad(sgd_step_on_dicts), X)
    assert "with_item" not in source and "tape" not in source and "add_at" not in source
    assert srcad.lower(sgd_step_on_dicts) is not None


def test_an_item_read_from_a_dict_is_no_view_of_it():
    """`mode = cfg["mode"]` (a str) and `m = cfg["m"]` (an array) do not change when a key of
    cfg is set: storing into the dict is allowed (it was refused as aliasing 'mode')."""
    def f(x, scale):
        cfg = {"mode": "train", "m": x * scale, "eps": 1e-5}
        mode = cfg["mode"]
        m = cfg.get("m", np.zeros(x.shape[0], dtype=x.dtype))
        if mode == "train":
            m = 0.9 * m + 0.1 * x
        cfg["m"] = m
        return np.sum(cfg["m"] * m + x * cfg["eps"])
    both_modes(f, X, 2.0)
