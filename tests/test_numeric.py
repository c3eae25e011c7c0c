"""Tests of srcad.tree (pytrees) and srcad.tools.numeric (finite differences, check_grad)."""

import re
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srcad import tree
from srcad.tools.numeric import (
    GradientCheckError,
    check_grad,
    default_eps,
    dot_product_check,
    numeric_grad,
)

Point = namedtuple("Point", ["x", "y"])


def f_log_mul_sin(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def grad_log_mul_sin(x1, x2):
    return 1.0 / x1 + x2, x1 - np.cos(x2)


def mlp_loss(params, x):
    h = x
    for W, b in params:
        h = np.tanh(h @ W + b)
    return float(np.sum(h**2))


def mlp_params(rng, sizes=(3, 4, 2)):
    return [(rng.standard_normal((m, n)), rng.standard_normal(n))
            for m, n in zip(sizes[:-1], sizes[1:])]


def mlp_grad(params, x):
    """Hand-written reverse sweep of mlp_loss, the reference for the tests."""
    hs = [x]
    for W, b in params:
        hs.append(np.tanh(hs[-1] @ W + b))
    g, grads = 2 * hs[-1], []
    for (W, _), h_in, h_out in reversed(list(zip(params, hs[:-1], hs[1:]))):
        g = g * (1 - h_out**2)
        grads.append((h_in.T @ g, g.sum(axis=0)))
        g = g @ W.T
    return grads[::-1]


# ----- tree ------------------------------------------------------------------------------

leaves_strategy = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-5, 5),
    st.none(),
    st.builds(lambda n: np.arange(n, dtype=np.float64), st.integers(0, 3)),
)
trees_strategy = st.recursive(
    leaves_strategy,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.text("abc", min_size=1, max_size=2), children, max_size=3),
        st.builds(Point, children, children),
    ),
    max_leaves=8,
)


def assert_same_tree(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same_tree(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_tree(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    else:
        assert a == b or (a is None and b is None)


@settings(max_examples=150, deadline=None)
@given(trees_strategy)
def test_flatten_unflatten_round_trip(x):
    leaves, treedef = tree.flatten(x)
    assert len(leaves) == treedef.num_leaves == len(tree.paths(treedef))
    assert_same_tree(tree.unflatten(treedef, leaves), x)
    assert hash(treedef) == hash(tree.flatten(x)[1])


def test_flatten_order_and_treedef_printing():
    W, b = np.ones((2, 2)), np.zeros(2)
    leaves, treedef = tree.flatten({"W": W, "rest": [b, (1.5,)], "p": Point(2.0, None)})
    assert leaves[0] is W and leaves[1] is b and leaves[2:] == [1.5, 2.0, None]
    assert str(treedef) == "{'W': *, 'rest': [*, (*,)], 'p': Point(x=*, y=*)}"
    assert tree.paths(treedef) == ["['W']", "['rest'][0]", "['rest'][1][0]", "['p'].x", "['p'].y"]


def test_treedef_distinguishes_list_tuple_and_dict_order():
    defs = {tree.flatten(x)[1] for x in ([1.0, 2.0], (1.0, 2.0), {"a": 1.0, "b": 2.0},
                                         {"b": 1.0, "a": 2.0}, [1.0, [2.0]])}
    assert len(defs) == 5


def test_unflatten_wrong_leaf_count():
    _, treedef = tree.flatten([1.0, (2.0, 3.0)])
    with pytest.raises(ValueError, match="holds 3 leaves, got 2"):
        tree.unflatten(treedef, [1.0, 2.0])


def test_map_leaves_combines_trees_and_keeps_first_structure():
    a = {"W": np.array([1.0, 2.0]), "b": [3.0, 4.0]}
    b = {"b": [10.0, 20.0], "W": np.array([5.0, 6.0])}
    out = tree.map_leaves(lambda x, y: x + y, a, b)
    assert list(out) == ["W", "b"]
    np.testing.assert_array_equal(out["W"], [6.0, 8.0])
    assert out["b"] == [13.0, 24.0]


@pytest.mark.parametrize("a, b, message", [
    ([1.0, 2.0, 3.0], [1.0, 2.0], "expected a list of 3 items, got a list of 2 items"),
    ({"W": 1.0}, {"V": 1.0}, r"expected a dict with keys \['W'\], got a dict with keys \['V'\]"),
    ([1.0, (2.0, 3.0)], [1.0, [2.0, 3.0]], r"at \[1\]: expected a tuple of 2 items, got a list"),
    ([1.0], [[1.0]], r"at \[0\]: expected a leaf \(float\), got a list of 1 item"),
])
def test_map_leaves_mismatch_names_where_and_what(a, b, message):
    with pytest.raises(ValueError, match=message):
        tree.map_leaves(lambda x, y: x, a, b)


def test_zeros_like_keeps_types_and_dtypes():
    x = {"a": 3.0, "n": 2, "v": np.ones(3, np.float32), "s": np.float32(2.0), "p": Point(1.5, None)}
    z = tree.zeros_like(x)
    assert z["a"] == 0.0 and type(z["a"]) is float and type(z["n"]) is float
    assert z["v"].dtype == np.float32 and not z["v"].any()
    assert type(z["s"]) is np.float32 and z["s"] == 0
    assert z["p"] == Point(0.0, None)
    with pytest.raises(TypeError, match="str"):
        tree.zeros_like(["text"])


@pytest.mark.parametrize("v, expected", [
    (1.0, True), (np.float32(1.0), True), (np.float64(1.0), True), (np.ones(2), True),
    (np.ones((), np.float16), True), (1, False), (True, False), (1j, False),
    (np.ones(2, complex), False), (np.arange(2), False), ("1.0", False), (None, False),
])
def test_is_float_leaf(v, expected):
    assert tree.is_float_leaf(v) is expected


def test_structure_of_is_hashable_and_names_kinds():
    s = tree.structure_of([1.0, np.ones((2, 3), np.float32), 2, {"k": np.float64(1)}])
    hash(s)
    assert s[1] == (("float",), ("array", 2, "<f4"), ("int",), ("scalar", "<f8"))
    assert tree.structure_of(np.ones(3)) == tree.structure_of(np.zeros(5))
    assert tree.structure_of(np.ones(3)) != tree.structure_of(np.ones((3, 1)))
    assert tree.structure_of(True) != tree.structure_of(1)


@pytest.mark.parametrize("value, message", [
    (np.arange(3), r"argument 'x' of f is an integer array \(int64\); gradients need float "
                   r"inputs — pass x\.astype\(float\)"),
    (3, r"argument 'x' of f is an integer \(3\); gradients need float inputs — pass 3\.0 instead"),
    (np.ones(2, complex), r"is a complex array \(complex128\); complex numbers are not supported"),
    (2 + 1j, "complex numbers are not supported"),
    (True, r"is a bool \(True\); gradients need float inputs"),
    ("abc", r"is a string \('abc'\)"),
])
def test_check_differentiable_messages(value, message):
    with pytest.raises(TypeError, match=message):
        tree.check_differentiable(value, "argument 'x' of f", "x")


def test_check_differentiable_names_the_nested_leaf():
    params = [(np.ones((2, 2)), np.zeros(2)), {"W": np.ones(2, np.int32)}]
    with pytest.raises(TypeError, match=r"at params\[1\]\['W'\] is an integer array \(int32\)"
                                        r".*pass params\[1\]\['W'\]\.astype\(float\)"):
        tree.check_differentiable(params, "argument 'params' of loss", "params")
    tree.check_differentiable(params[0], "argument 'params' of loss", "params")


# ----- numeric_grad ----------------------------------------------------------------------


def test_numeric_grad_of_square():
    g = numeric_grad(lambda x: x**2, 3.0)
    assert type(g) is float
    assert g == pytest.approx(6.0, rel=1e-10)


def test_numeric_grad_sum_sin_is_cos():
    x = np.linspace(-2.0, 3.0, 12).reshape(3, 4)
    g = numeric_grad(lambda x: np.sum(np.sin(x)), x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-9, atol=1e-11)


def test_numeric_grad_by_index_name_and_tuple():
    expected = grad_log_mul_sin(2.0, 5.0)
    assert numeric_grad(f_log_mul_sin, 2.0, 5.0) == pytest.approx(expected[0], rel=1e-10)
    assert numeric_grad(f_log_mul_sin, 2.0, 5.0, wrt="x2") == pytest.approx(expected[1], rel=1e-10)
    both = numeric_grad(f_log_mul_sin, 2.0, 5.0, wrt=("x2", 0))
    assert both == pytest.approx(expected[::-1], rel=1e-10)
    assert numeric_grad(f_log_mul_sin, 2.0, x2=5.0, wrt="x2") == pytest.approx(expected[1])


def test_numeric_grad_nested_list_of_tuples_matches_hand_gradient():
    rng = np.random.default_rng(0)
    params, x = mlp_params(rng), rng.standard_normal((5, 3))
    g = numeric_grad(mlp_loss, params, x)
    assert isinstance(g, list) and all(isinstance(layer, tuple) for layer in g)
    for (gW, gb), (hW, hb) in zip(g, mlp_grad(params, x)):
        np.testing.assert_allclose(gW, hW, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(gb, hb, rtol=1e-8, atol=1e-10)


def test_numeric_grad_dict_params_and_mixed_leaves():
    def loss(p):
        return p["scale"] * np.sum(p["w"] ** 3) + np.exp(p["pair"][0]) * p["pair"][1]

    p = {"w": np.array([1.0, -2.0]), "scale": 0.5, "pair": (0.3, np.float64(2.0))}
    g = numeric_grad(loss, p)
    assert list(g) == ["w", "scale", "pair"] and isinstance(g["pair"], tuple)
    np.testing.assert_allclose(g["w"], 1.5 * p["w"] ** 2, rtol=1e-9)
    assert g["scale"] == pytest.approx(-7.0, rel=1e-9)
    assert g["pair"][0] == pytest.approx(np.exp(0.3) * 2.0, rel=1e-9)
    assert g["pair"][1] == pytest.approx(np.exp(0.3), rel=1e-9)


def test_numeric_grad_float32_stays_float32():
    x = np.linspace(0.5, 2.0, 6).astype(np.float32)
    g = numeric_grad(lambda x: np.sum(np.log(x) * x), x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.log(x) + 1, rtol=1e-3, atol=1e-3)
    s = numeric_grad(lambda x: x * x, np.float32(1.5))
    assert type(s) is np.float32 and s == pytest.approx(3.0, rel=1e-3)


def test_numeric_grad_never_mutates_arguments():
    def f(x):
        x *= 2.0  # an f that updates its input in place
        return float(np.sum(x**2))

    x = np.array([1.0, 2.0])
    g = numeric_grad(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(g, 8 * x, rtol=1e-9)


def test_numeric_grad_step_scales_with_large_inputs():
    x = np.array([0.05, 1.0, 1e4, -3e5])
    g = numeric_grad(lambda x: np.sum(np.log(np.abs(x))), x)
    np.testing.assert_allclose(g, 1 / x, rtol=1e-8)


@pytest.mark.parametrize("wrt, message", [
    (2, r"wrt=2 is out of range: .* 2 positional argument\(s\), so expected 0 <= wrt < 2"),
    (-1, "out of range"),
    ("z", r"wrt='z' names no argument .*expected one of \['x1', 'x2'\]"),
    (1.0, "wrt must be an int index, a parameter name, or a tuple of those; got 1.0"),
    (True, "wrt must be an int index"),
    ((), "empty tuple"),
    ((0, "x1"), "names the same argument twice"),
])
def test_numeric_grad_bad_wrt(wrt, message):
    with pytest.raises(ValueError, match=message):
        numeric_grad(f_log_mul_sin, 2.0, 5.0, wrt=wrt)


def test_numeric_grad_refuses_int_complex_and_vector_outputs():
    with pytest.raises(TypeError, match=r"argument 'x' of .* is an integer array \(int64\)"):
        numeric_grad(lambda x: np.sum(x), np.arange(3))
    with pytest.raises(TypeError, match="complex numbers are not supported"):
        numeric_grad(lambda x: x.real, 1j)
    with pytest.raises(ValueError, match=r"to return a scalar; it returned an array of shape"):
        numeric_grad(lambda x: x * 2, np.ones(2))


def test_default_eps_depends_on_dtype():
    assert 5e-5 < default_eps(np.float64) < 2e-4
    assert 2e-3 < default_eps(np.float32) < 1e-2


# ----- check_grad ------------------------------------------------------------------------


def test_check_grad_passes_a_correct_gradient():
    report = check_grad(f_log_mul_sin, 2.0, 5.0, wrt=(0, 1), grad_fn=grad_log_mul_sin)
    assert report and report.method == "elementwise" and report.checked == 2
    assert report.max_rel_err < 1e-9
    assert "matches central differences in 2 elements" in str(report)


def test_check_grad_fails_a_gradient_off_by_one_percent():
    def wrong(x1, x2):
        g1, g2 = grad_log_mul_sin(x1, x2)
        return g1, 1.01 * g2

    with pytest.raises(GradientCheckError) as info:
        check_grad(f_log_mul_sin, 2.0, 5.0, wrt=(0, 1), grad_fn=wrong)
    assert isinstance(info.value, AssertionError)
    report = info.value.report
    assert "1 of 2 elements differ" in report
    row = next(line for line in report.splitlines() if line.strip().startswith("x2"))
    assert "1.733501" in row and "1.716337" in row and "1.00e-02" in row
    assert not any(line.strip().startswith("x1 ") for line in report.splitlines())


def test_check_grad_report_names_the_wrong_array_element_worst_first():
    rng = np.random.default_rng(1)
    params, x = mlp_params(rng), rng.standard_normal((5, 3))

    def wrong(params, x):
        grads = mlp_grad(params, x)
        grads[1][0][2, 1] += 0.1
        grads[0][1][3] *= 1.001
        return grads

    with pytest.raises(GradientCheckError) as info:
        check_grad(mlp_loss, params, x, grad_fn=wrong)
    lines = info.value.report.splitlines()
    assert "2 of 26 elements differ" in info.value.report
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["element", "analytic"])
    assert lines[header + 1].strip().startswith("params[1][0][2, 1]  1.4570")
    assert lines[header + 2].strip().startswith("params[0][1][3]  ")
    assert len(lines) == header + 3
    assert check_grad(mlp_loss, params, x, grad_fn=mlp_grad)


def test_check_grad_report_lists_at_most_twenty_rows():
    x = np.linspace(0.1, 1.0, 50)
    with pytest.raises(GradientCheckError) as info:
        check_grad(lambda x: np.sum(x**2), x, grad_fn=lambda x: 3 * x)
    assert "50 of 50 elements differ" in info.value.report
    assert sum(line.strip().startswith("x[") for line in info.value.report.splitlines()) == 20


@pytest.mark.parametrize("grad_fn, message", [
    (lambda x: x[:2], "expected an array of shape (3,) and dtype float64, got shape (2,)"),
    (lambda x: x.astype(np.float32), "got shape (3,) and dtype float32"),
    (lambda x: [x], "expected a leaf (ndarray), got a list of 1 item"),
])
def test_check_grad_wrong_shape_dtype_or_structure(grad_fn, message):
    with pytest.raises(GradientCheckError, match=re.escape(message)):
        check_grad(lambda x: np.sum(x), np.ones(3), grad_fn=grad_fn)


def test_check_grad_wrong_nesting_and_tuple_count():
    with pytest.raises(GradientCheckError, match="wrong structure: structure mismatch"):
        check_grad(lambda p: p[0] * p[1], [1.0, 2.0], grad_fn=lambda p: [2.0])
    with pytest.raises(GradientCheckError, match="expected a float, got int 0"):
        check_grad(lambda p: p[0] * p[1], [1.0, 2.0], grad_fn=lambda p: [2.0, 0])
    with pytest.raises(GradientCheckError, match="should be a tuple of 2 gradients"):
        check_grad(f_log_mul_sin, 2.0, 5.0, wrt=(0, 1), grad_fn=lambda a, b: 1.0)


def test_check_grad_float32_with_loose_tolerance():
    x = np.linspace(0.5, 2.0, 6).astype(np.float32)

    def loss(x):
        return np.sum(np.log(x) * x)

    assert check_grad(loss, x, grad_fn=lambda x: np.log(x) + 1, rtol=1e-3)
    with pytest.raises(GradientCheckError):
        check_grad(loss, x, grad_fn=lambda x: np.log(x) + 1.02, rtol=1e-3)


def test_check_grad_large_loss_small_gradients_is_not_flaky():
    x = np.linspace(-1.0, 1.0, 20)

    def loss(x):
        return 1e6 + 1e-3 * np.sum(np.sin(x))

    assert check_grad(loss, x, grad_fn=lambda x: 1e-3 * np.cos(x), atol=0.0)


def test_check_grad_with_vjp_fn_for_scalar_output():
    def vjp(x1, x2, g):
        return f_log_mul_sin(x1, x2), tuple(g * d for d in grad_log_mul_sin(x1, x2))

    assert check_grad(f_log_mul_sin, 2.0, 5.0, wrt=(0, 1), vjp_fn=vjp).method == "elementwise"


def test_check_grad_rejects_bad_mode_and_grad_fn_for_vector_output():
    with pytest.raises(ValueError, match="mode must be one of"):
        check_grad(f_log_mul_sin, 2.0, 5.0, mode="sideways", grad_fn=grad_log_mul_sin)
    with pytest.raises(ValueError, match=r"returns an array of shape \(3,\), not a scalar"):
        check_grad(np.sin, np.ones(3), grad_fn=np.cos)


# ----- dot-product test ------------------------------------------------------------------

A = np.random.default_rng(2).standard_normal((5, 3))


def tanh_layer(x, scale):
    return np.tanh(scale * (A @ x))


def tanh_layer_vjp(x, scale, v):
    y = tanh_layer(x, scale)
    return y, scale * (A.T @ (v * (1 - y**2)))


def tanh_layer_jvp(x, scale, u):
    y = tanh_layer(x, scale)
    return y, (1 - y**2) * (scale * (A @ u))


def test_dot_product_check_passes_correct_vjp_and_jvp():
    x = np.array([0.3, -0.2, 0.5])
    report = check_grad(tanh_layer, x, 1.5, vjp_fn=tanh_layer_vjp, jvp_fn=tanh_layer_jvp)
    assert report.method == "dot-product" and report.checked == 3
    assert report.max_rel_err < 1e-8
    assert check_grad(tanh_layer, x, 1.5, jvp_fn=tanh_layer_jvp).checked == 1


def test_dot_product_check_fails_a_wrong_vjp_and_says_which():
    x = np.array([0.3, -0.2, 0.5])

    def wrong_vjp(x, scale, v):
        y, g = tanh_layer_vjp(x, scale, v)
        return y, g * np.array([1.0, 1.01, 1.0])

    with pytest.raises(GradientCheckError) as info:
        check_grad(tanh_layer, x, 1.5, vjp_fn=wrong_vjp, jvp_fn=tanh_layer_jvp)
    lines = info.value.report.splitlines()
    assert [line.endswith("FAIL") for line in lines[1:4]] == [True, False, True]


def test_dot_product_check_wrt_tuple_and_trees():
    def f(params, x):
        return np.tanh(params["W"] @ x + params["b"])

    def vjp(params, x, v):
        y = f(params, x)
        g = v * (1 - y**2)
        return y, ({"W": np.outer(g, x), "b": g}, params["W"].T @ g)

    rng = np.random.default_rng(3)
    params = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(4)}
    x = rng.standard_normal(3)
    assert dot_product_check(f, params, x, wrt=(0, 1), vjp_fn=vjp, rng=5)
    with pytest.raises(GradientCheckError, match="wrong structure"):
        dot_product_check(f, params, x, wrt=(0, 1), vjp_fn=lambda p, x, v: (None, (p, x[:2])))
    with pytest.raises(ValueError, match="needs a vjp_fn, a jvp_fn, or both"):
        dot_product_check(f, params, x)


# ----- more check_grad cases -------------------------------------------------------------


def test_check_grad_float32_catches_one_percent_in_a_long_sum():
    x = np.linspace(0.5, 2.0, 200).astype(np.float32)

    def loss(x):
        return np.sum(np.log(x) * x)

    def wrong(x):
        g = np.log(x) + 1
        g[117] *= 1.01
        return g

    assert check_grad(loss, x, grad_fn=lambda x: np.log(x) + 1, rtol=1e-4)
    with pytest.raises(GradientCheckError, match=r"1 of 200 elements differ") as info:
        check_grad(loss, x, grad_fn=wrong, rtol=1e-4)
    assert "x[117]" in info.value.report


def test_check_grad_dict_gradient_in_another_key_order_and_wrt_by_keyword():
    def loss(p, scale=1.0):
        return scale * (np.sum(p["w"] ** 2) + p["c"] ** 3)

    p = {"w": np.array([1.0, -2.0]), "c": 0.5}
    assert check_grad(loss, p, grad_fn=lambda p: {"c": 3 * p["c"] ** 2, "w": 2 * p["w"]})
    assert check_grad(loss, p, scale=2.0, wrt="scale", grad_fn=lambda p, scale: 5.125)
    with pytest.raises(GradientCheckError, match=r"scale .*5\.125"):
        check_grad(loss, p, scale=2.0, wrt="scale", grad_fn=lambda p, scale: 5.2)


def test_check_grad_nan_in_analytic_gradient_fails():
    with pytest.raises(GradientCheckError, match=r"x\[1\] +nan"):
        check_grad(lambda x: np.sum(x**2), np.ones(3), grad_fn=lambda x: np.array([2, np.nan, 2.0]))


def test_map_leaves_mismatch_inside_namedtuple_and_among_three_trees():
    with pytest.raises(ValueError, match=r"at \.y: expected a list of 1 item, got a leaf"):
        tree.map_leaves(lambda a, b: a, Point(1.0, [2.0]), Point(1.0, 2.0))
    with pytest.raises(ValueError, match=r"structure mismatch in tree 2: expected a list"):
        tree.map_leaves(lambda a, b, c: a, [1.0], [2.0], (3.0,))
