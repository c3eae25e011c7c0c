"""The core compiler on the seed examples of the literature: exact values, the v_i trace,
the generated source (golden files) and the API's contract."""

import math
import pathlib

import numpy as np
import pytest

import srcad

GOLDEN = pathlib.Path(__file__).parent / "golden"


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def quadratic(a, b):
    return 5 * a ** 2 + 3 * b ** 2


def test_seed_gradient_is_exact():
    g = srcad.grad(seed, wrt=(0, 1))(2.0, 5.0)
    assert g == (5.5, 2.0 - math.cos(5.0))
    assert g[1] == pytest.approx(1.7163378145367738, abs=1e-15)


def test_seed_value_and_grad():
    value, (g1, g2) = srcad.value_and_grad(seed, wrt=(0, 1))(2.0, 5.0)
    assert value == pytest.approx(11.652071455223084, abs=1e-12)
    assert (g1, g2) == (5.5, 2.0 - math.cos(5.0))


def test_decorator_forms():
    @srcad.grad
    def f(x):
        return x * x

    @srcad.grad(wrt="y")
    def h(x, y):
        return x * y * y

    assert f(3.0) == 6.0
    assert h(2.0, 3.0) == 12.0
    assert h(x=2.0, y=3.0) == 12.0


def test_quadratic():
    assert srcad.grad(quadratic, wrt=(0, 1))(1.5, -2.0) == (15.0, -12.0)


def test_trace_printout_numbers_inputs_from_one_minus_n():
    text = str(srcad.lower(seed))
    lines = [line.split("#")[0].strip() for line in text.splitlines()[1:]]
    assert lines[:7] == ["v-1 = x1", "v0  = x2", "v1 = log(v-1)", "v2 = v-1 * v0",
                         "v3 = v1 + v2", "v4 = sin(v0)", "v5 = v3 - v4"]


def linear_network(W13, W23, W14, W24, W15, W25, W36, W46, W56, n1, n2, y):
    n3 = W13 * n1 + W23 * n2
    n4 = W14 * n1 + W24 * n2
    n5 = W15 * n1 + W25 * n2
    n6 = W36 * n3 + W46 * n4 + W56 * n5
    return 0.5 * (n6 - y) ** 2


def test_one_step_of_gradient_descent_on_the_linear_network():
    weights = [1.0, 3.0, 4.0, 2.0, 3.0, -2.0, -1.0, -3.0, 2.0]
    grads = srcad.grad(linear_network, wrt=tuple(range(9)))(*weights, 3.0, -2.0, 9.0)
    new = [w - 0.1 * g for w, g in zip(weights, grads)]
    assert new[6] == pytest.approx(-2.2)
    assert new[0] == pytest.approx(-0.2)


def test_sigmoid_written_by_hand():
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))
    s = 1 / (1 + math.exp(-0.3))
    assert srcad.grad(sigmoid)(0.3) == pytest.approx(s * (1 - s), rel=1e-15)


def test_reassignment_augmented_assignment_and_unpacking():
    def f(x, y):
        a, b = x * 2.0, y
        a += b
        a *= x
        b = a - y
        return b / x
    srcad.check_grad(f, 0.7, 1.3, wrt=(0, 1))


def test_closures_globals_and_constants():
    scale = 3.0

    def f(x):
        return scale * np.pi * x + OFFSET * x
    assert srcad.grad(f)(2.0) == pytest.approx(3.0 * math.pi + OFFSET)


OFFSET = 0.25


def test_defaults_and_keyword_arguments():
    def f(x, k=2.0, p=3):
        return k * x ** p
    g = srcad.grad(f)
    assert g(2.0) == pytest.approx(24.0)
    assert g(2.0, p=2) == pytest.approx(8.0)
    assert g(2.0, 1.0, 2) == pytest.approx(4.0)


def test_unused_argument_gets_zero_of_its_structure():
    def f(x, y):
        return x * 2.0
    assert srcad.grad(f, wrt=1)(1.0, 5.0) == 0.0
    g = srcad.grad(f, wrt=1)(1.0, np.ones(3))
    assert isinstance(g, np.ndarray) and g.shape == (3,) and not g.any()


def test_vjp_returns_value_and_cotangent_product():
    def f(x):
        return np.sin(x) * 2.0
    value, g = srcad.vjp(f)(np.array([0.1, 0.2]), np.array([1.0, 3.0]))
    assert np.allclose(value, 2 * np.sin([0.1, 0.2]))
    assert np.allclose(g, 2 * np.cos([0.1, 0.2]) * [1.0, 3.0])


def test_cache_one_entry_per_kind():
    g = srcad.grad(seed)
    g(2.0, 5.0)
    g(3.0, 1.0)
    assert len(g.__srcad__.cache) == 1
    g(np.array(2.0), np.array(5.0))
    assert len(g.__srcad__.cache) == 2


def test_generated_code_is_registered_in_linecache():
    import linecache
    g = srcad.grad(seed)
    g(2.0, 5.0)
    code = g.__srcad__.cache[(float, float)].__code__
    assert "def grad_seed" in "".join(linecache.getlines(code.co_filename))


@pytest.mark.parametrize("name, fn, args, wrt", [
    ("seed_grad", seed, (2.0, 5.0), (0, 1)),
    ("linear_network_grad", linear_network,
     (1.0, 3.0, 4.0, 2.0, 3.0, -2.0, -1.0, -3.0, 2.0, 3.0, -2.0, 9.0), (0, 6)),
])
def test_golden_generated_source(name, fn, args, wrt):
    g = srcad.grad(fn, wrt=wrt)
    g(*args)
    text = srcad.source(g)
    path = GOLDEN / f"{name}.py"
    if not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"generated source changed; diff against {path}"


def test_seed_source_reads_like_a_hand_written_gradient():
    g = srcad.grad(seed, wrt=(0, 1))
    g(2.0, 5.0)
    body = [line.strip() for line in srcad.source(g).splitlines()
            if line.strip() and not line.strip().startswith("#")]
    assert body == ["def grad_seed(x1, x2):", "bx2 = x1 - math.cos(x2)",
                    "bx1 = x2 + 1.0 / x1", "return bx1, bx2"]


def test_source_of_a_specialisation_and_the_generic_version():
    g = srcad.grad(seed, wrt=(0, 1))
    assert "math.cos" in srcad.source(g, 2.0, 5.0)
    assert "np.cos" in srcad.source(g, np.array(2.0), np.array(5.0))
    # before any call of the derivative (srcad.grad(seed) is the derivative other tests
    # called, with its specialisations: srcad/reuse.py), the generic version
    fresh = srcad.grad(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2))
    assert srcad.source(fresh).startswith("# generic version")


def test_functions_without_source_text_are_rebuilt_from_bytecode():
    namespace = {"np": np}
    exec("def f(x1, x2):\n    y = np.log(x1) + x1 * x2\n    return y - np.sin(x2)\n", namespace)
    assert srcad.grad(namespace["f"], wrt=(0, 1))(2.0, 5.0) == (5.5, 2.0 - math.cos(5.0))
    exec("def h(x):\n    if x > 0:\n        return x\n    return -x\n", namespace)
    with pytest.raises(srcad.SourceUnavailableError, match="source="):
        srcad.grad(namespace["h"])(1.0)


def test_golden_sine_mlp_loss_gradient():
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "examples"))
    import sine_mlp
    rng = np.random.default_rng(0)
    params = sine_mlp.glorot_uniform([1, 10, 10, 1], rng)
    x, y = sine_mlp.make_data(20, 0.0, rng)
    text = srcad.source(srcad.grad(sine_mlp.mse_loss), params, x, y)
    path = GOLDEN / "sine_mlp_grad.py"
    if not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"generated source changed; diff against {path}"
    assert "for " not in text.replace("# line", "")     # no per-element Python loops
    assert statements(text) <= 13       # the hand-written gradient in docs/how_it_works.md


def statements(source):
    """Statements of a generated function's body (assignments and the return); a `del` that
    releases an array the function is done with (srcad/codegen/release.py) computes nothing."""
    import ast
    return sum(not isinstance(s, ast.Delete) for s in ast.parse(source).body[0].body)


@pytest.mark.parametrize("name, hand_written", [("seed_grad", 3), ("linear_network_grad", 8)])
def test_golden_gradients_are_no_longer_than_hand_written_ones(name, hand_written):
    assert statements((GOLDEN / f"{name}.py").read_text()) <= hand_written


def test_the_first_scalar_specialisation_runs_inside_the_wrapper_and_others_still_dispatch():
    import linecache

    def f(x, n):
        return np.sum(x ** n)
    g = srcad.grad(f)
    assert g(2.0, 3) == pytest.approx(12.0)              # (float, int): inlined in the wrapper
    wrapper = "".join(linecache.getlines(g.__code__.co_filename))
    assert "if x.__class__ is float and n.__class__ is int:" in wrapper
    assert g(2.0, 2.0) == pytest.approx(4.0)             # (float, float): through the cache
    np.testing.assert_allclose(g(np.array([1.0, 2.0]), 2), [2.0, 4.0])
    assert g(np.float64(2.0), 3) == pytest.approx(12.0)
    assert g(2.0, 3) == pytest.approx(12.0)
    with pytest.raises(TypeError, match="int"):
        g(2, 3)
