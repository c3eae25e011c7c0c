"""Each optimizer pass on its own: what it removes, and that the function computes the same
numbers afterwards (the IR interpreter is the reference)."""

import numpy as np
import pytest

import srcad
from srcad.ir import nodes as ir
from srcad.optimize import passes as optimize
from srcad.transforms.reverse import sweep as reverse
from srcad.ir.nodes import walk_eqns


def code(text):
    """The generated source without its `# line N: ...` comments."""
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def prims(fn):
    return [e.prim for e in walk_eqns(fn.body)]


def unused_work(x):
    dead = np.exp(x) * 3.0  # noqa: F841  (never used: dead-code elimination must drop it)
    twice = np.sin(x) + np.sin(x)   # the same subexpression twice
    return twice * x


def test_dead_code_elimination_removes_unused_equations():
    fn = srcad.lower(unused_work, 0.3)
    cleaned = optimize.eliminate_dead_code(fn)
    assert "exp" in prims(fn) and "exp" not in prims(cleaned)
    assert ir.evaluate(cleaned, 0.3) == ir.evaluate(fn, 0.3)


def test_common_subexpressions_are_computed_once():
    fn = srcad.lower(unused_work, 0.3)
    merged = optimize.eliminate_dead_code(optimize.eliminate_common_subexpressions(fn))
    assert prims(fn).count("sin") == 2 and prims(merged).count("sin") == 1
    assert ir.evaluate(merged, 0.3) == pytest.approx(ir.evaluate(fn, 0.3))


def test_constant_folding_and_neutral_elements_happen_while_building():
    def f(x):
        a = x * 1.0 + 0.0
        b = (2.0 * 3.0) * a
        return b / 1.0
    assert prims(srcad.lower(f, 0.5)) == ["mul"]       # 6.0 * x, nothing else


def test_adjoints_start_from_their_first_contribution():
    g = srcad.grad(lambda x, y: x * y + np.sin(x), wrt=(0, 1))
    text = code(srcad.source(g, 0.5, 2.0))
    assert "zeros" not in text and "0.0 +" not in text and "* 1.0" not in text


def test_activity_analysis_gives_inactive_values_no_derivative_code():
    def f(x, y):
        scale = np.exp(y) * 2.0          # depends only on y, which is not differentiated
        return np.sum(scale * x)
    text = code(srcad.source(srcad.grad(f, wrt=0), np.ones(3), 0.5))
    assert "exp(y)" in text and "cos" not in text and "by" not in text


def _bce(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def test_shape_only_values_are_not_computed():
    """The mean needs the size of the expression under it: the labels have that shape (they
    are a (4,) array like X @ w), so their size is read and the logarithms are dead code."""
    args = (np.array([0.1, -0.2]), np.ones((4, 2)), np.array([1.0, 0.0, 1.0, 1.0]))
    text = code(srcad.source(srcad.grad(_bce), *args))
    assert "np.log" not in text and "y.size" in text and "shape_like" not in text
    srcad.check_grad(_bce, *args)


def test_a_shape_no_input_has_gets_a_zero_cost_stand_in():
    """Labels as a column against a row of predictions: the expression under the mean is
    (4, 4), a shape no input has, so a `shape_like` view stands in for it and the logarithms
    are still not run."""
    args = (np.array([0.1, -0.2]), np.ones((4, 2)), np.array([[1.0], [0.0], [1.0], [1.0]]))
    text = code(srcad.source(srcad.grad(_bce), *args))
    assert "np.log" not in text and "shape_like" in text
    srcad.check_grad(_bce, *args)


def test_container_adjoints_are_assembled_and_finished_statically():
    def loss(params, x):
        (W1, b1), (W2, b2) = params
        return np.sum(np.tanh(x @ W1 + b1) @ W2 + b2)
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(3, 2)), rng.normal(size=2)),
              (rng.normal(size=(2, 1)), rng.normal(size=1))]
    text = code(srcad.source(srcad.grad(loss), params, rng.normal(size=(4, 3))))
    assert "[(bW1, bb1), (bW2, bb2)]" in text
    assert "add_at" not in text and "finish_adjoint" not in text


def layers_loss(params, x):
    for W, b in params:
        x = np.tanh(x @ W + b)
    return np.sum(x)


def layers_loss_reading_the_first_bias_again(params, x):
    for W, b in params:
        x = np.tanh(x @ W + b)
    return np.sum(x) + np.sum(params[0][1] ** 2)


@pytest.mark.parametrize("loss", [layers_loss, layers_loss_reading_the_first_bias_again])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pair", [tuple, list])
def test_a_list_adjoint_a_loop_fills_slot_by_slot_needs_no_finishing(loss, dtype, pair):
    rng = np.random.default_rng(1)
    params = [pair((rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=2).astype(dtype))),
              pair((rng.normal(size=(2, 1)).astype(dtype), rng.normal(size=1).astype(dtype)))]
    x = rng.normal(size=(4, 3))          # float64 data: float32 adjoints need a cast
    g = srcad.grad(loss)
    grads = g(params, x)
    text = code(srcad.source(g, params, x))
    simple = loss is layers_loss and dtype is np.float64
    assert ("finish_adjoint" not in text) == simple
    assert type(grads) is list and all(type(slot) is pair for slot in grads)
    assert all(gp.shape == p.shape and gp.dtype == p.dtype
               for slot, ps in zip(grads, params) for gp, p in zip(slot, ps))
    numeric = srcad.numeric_grad(loss, params, x)
    for slot, expected in zip(grads, numeric):
        for gp, e in zip(slot, expected):
            np.testing.assert_allclose(gp, e, rtol=1e-3 if dtype is np.float32 else 1e-6,
                                       atol=1e-3 if dtype is np.float32 else 1e-8)


def test_shape_queries_ask_the_inputs():
    def f(x):
        return np.mean((x - 1.0) ** 2)
    text = code(srcad.source(srcad.grad(f), np.ones(3)))
    assert "** 2).size" not in text


def test_optimize_false_keeps_every_pass_off_and_is_still_correct():
    def f(x):
        return np.sum(np.sin(x) * np.sin(x))
    x = np.array([0.3, 0.9])
    on = code(srcad.source(srcad.grad(f), x))
    off = code(srcad.source(srcad.grad(f, optimize=False), x))
    assert len(off.splitlines()) > len(on.splitlines())
    assert np.allclose(srcad.grad(f, optimize=False)(x), srcad.grad(f)(x))


def test_passes_keep_the_reverse_function_equal_under_the_interpreter():
    fn = srcad.lower(unused_work, 0.7)
    derived = reverse.adjoint(fn, (0,), mode="value_and_grad")
    assert ir.evaluate(optimize.simplify(derived), 0.7) == pytest.approx(
        ir.evaluate(derived, 0.7))


def logistic_pieces(z):
    e = np.exp(-z)
    s = 1 / (1 + e)              # integer ones, and exp(-z) still read below
    return np.sum(s * e + s)


def test_the_sigmoid_is_one_primitive_whose_derivative_reads_its_output():
    x = np.linspace(-2.0, 2.0, 5)
    g = srcad.grad(lambda z: np.sum(1.0 / (1.0 + np.exp(-z))))
    text = code(srcad.source(g, x))
    assert "1.0 / (1.0 + np.exp(-z))" in text and "* (1.0 - " in text
    s = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(g(x), s * (1.0 - s), rtol=1e-14)
    scalar = srcad.grad(lambda z: 1.0 / (1.0 + np.exp(-z)))
    assert "math.exp(-z)" in srcad.source(scalar, 0.3)
    sigma = 1.0 / (1.0 + np.exp(-0.3))
    assert scalar(0.3) == pytest.approx(sigma * (1.0 - sigma), rel=1e-14)
    srcad.check_grad(logistic_pieces, x)
    assert "exp" not in str(srcad.lower(lambda z: 1.0 / (1.0 + np.exp(-z)), x))   # no leftovers
    assert "exp" in str(srcad.lower(logistic_pieces, x))                # `e` is still read
    _, tangent = srcad.jvp(logistic_pieces)(x, np.ones_like(x))
    assert tangent == pytest.approx(np.sum(srcad.grad(logistic_pieces)(x)), rel=1e-12)


def test_a_product_with_a_reciprocal_is_one_division():
    text = code(srcad.source(srcad.grad(lambda x: np.sum(np.log(x) * x)), np.ones(3)))
    assert " / x" in text and "1.0 / x" not in text
    summed = srcad.grad(lambda x, y: np.sum(np.log(x) + x * y), wrt=(0, 1))
    text = code(srcad.source(summed, np.ones(3), 2.0))     # an adjoint of ones: 1 / x alone
    assert "1.0 / x" in text and "v1 / x" not in text


def test_parameters_are_unpacked_as_written_and_the_adjoint_list_is_returned_directly():
    def loss(params, x):
        (W1, b1), (W2, b2), h = params
        return np.sum(np.tanh(x @ W1 + b1) @ W2 + b2) * h
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(3, 2)), rng.normal(size=2)),
              (rng.normal(size=(2, 1)), rng.normal(size=1)), 0.5]
    x = rng.normal(size=(4, 3))
    lines = code(srcad.source(srcad.grad(loss), params, x)).splitlines()
    assert lines[1].strip() == "(W1, b1), (W2, b2), h = params"
    assert lines[-1].strip().startswith("return [(bW1, bb1), (bW2, bb2), ")
    srcad.check_grad(loss, params, x)
