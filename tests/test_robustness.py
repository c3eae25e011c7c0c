"""The bad-input matrix of docs/bad_input.md, the non-differentiable-point conventions of
docs/nondifferentiable.md, thread safety and determinism.

Each test is one row of a table: it asserts the exception type and message, or the documented
value. Unsupported syntax rows live in tests/test_errors.py; the ones here are the constructs
that file does not list.
"""

import importlib
import math
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import numpy as np
import pytest

import srcad
from srcad import MissingRuleError, UnsupportedSyntaxError

_NAMES = iter(range(10 ** 9))


def _define(source, name="f", namespace=None):
    """Define functions from source registered in linecache, as a file would be."""
    import linecache
    filename = f"<robustness {next(_NAMES)}>"
    text = textwrap.dedent(source)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "math": math} if namespace is None else namespace
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - defining it is the point
    return namespace[name], filename


# ----- unsupported syntax not covered by test_errors.py ----------------------------------------

MORE_UNSUPPORTED = [
    ("match class pattern", "def f(x):\n    match x:\n        case float():\n            y = x\n"
     "    return y\n", 3, "if/elif"),
    ("walrus in a while test", "def f(x):\n    while (z := x * 2.0) < 9.0:\n        x = z\n"
     "    return x\n", 2, "while loop's test"),
    ("async def", "async def f(x):\n    return x\n", 1, "async"),
    ("set literal", "def f(x):\n    s = {x, 2.0}\n    return x\n", 2, "Set"),
    ("f-string with a value in its spec", "def f(x):\n    w = 3\n    s = f'{x:{w}}'\n"
     "    return x + len(s)\n", 3, "format spec holds a value"),
    ("star call", "def f(x):\n    a = [x for _ in range(int(x))]\n"
                  "    return np.maximum(*a)\n", 3, "*args"),
    ("**kwargs parameter", "def f(x, **kw):\n    return x\n", 1, "**kw"),
    ("attribute of a runtime value", "def f(x):\n    return x.base * 2.0\n", 2, ".base"),
    ("slice write into a view of an argument", "def f(x):\n    y = x[1:]\n    y[0] = 0.0\n"
     "    return np.sum(x)\n", 3, "writes into an array the function did not make"),
    ("in-place method", "def f(x):\n    y = x * 1.0\n    y.sort()\n    return np.sum(y)\n", 3,
     "y = np.sort(y)"),
]


@pytest.mark.parametrize("what, source, line, words", MORE_UNSUPPORTED,
                         ids=[u[0] for u in MORE_UNSUPPORTED])
def test_more_unsupported_syntax(what, source, line, words):
    f, filename = _define(source)
    with pytest.raises(UnsupportedSyntaxError, match=re_escape(words)) as info:
        srcad.grad(f)(np.array([0.5, 1.5]) if "y[" in source or "sort" in source else 0.5)
    assert info.value.filename == filename and info.value.line == line
    assert f"{filename}, line {line}" in str(info.value)


def re_escape(text):
    return re.escape(text)


def test_eval_is_refused_not_a_zero_gradient():
    f, _ = _define("def f(x):\n    return eval('x * 2.0')\n")
    with pytest.raises(UnsupportedSyntaxError, match="eval.. reads the names") as info:
        srcad.grad(f)(1.0)
    assert info.value.line == 2


def test_unknown_library_callee_with_an_active_argument_names_the_function():
    f, _ = _define("def f(x):\n    return x * math.gcd(x, 2.0)\n", namespace={"math": math})
    for run in (lambda: srcad.grad(f)(4.0), lambda: srcad.jvp(f)(4.0, 1.0)):
        with pytest.raises(MissingRuleError, match="math.gcd.*defprimitive") as info:
            run()
        assert info.value.line == 2


def test_unknown_library_callee_of_inactive_values_runs_as_written():
    f, _ = _define("def f(x):\n    return x * np.random.rand()\n")
    np.random.seed(3)
    drawn = np.random.rand()
    np.random.seed(3)
    assert srcad.grad(f)(1.0) == drawn
    np.random.seed(3)
    assert srcad.jvp(f)(2.0, 1.0) == (2.0 * drawn, drawn)


def test_straight_line_callee_without_source_is_rebuilt_from_bytecode():
    """A callee with no source text (eval, exec, a REPL line) is read from its bytecode when it
    has no loops; with a loop it is refused (tests/test_errors.py::test_callee_without_source)."""
    f, _ = _define("def f(x):\n    return g(x) * x\n",
                   namespace={"np": np, "g": eval("lambda t: t * t + 1.0")})
    assert srcad.grad(f)(2.0) == pytest.approx(3 * 4.0 + 1.0)


# ----- arguments -------------------------------------------------------------------------------

def _square_sum(x):
    return np.sum(x * x)


@pytest.mark.parametrize("value, words", [
    (3, "is an integer"), (np.arange(3), "integer"), ("a", "is a string"), (None, "is None"),
    (True, "is a bool"), (1j, "complex")])
def test_non_float_wrt_argument_is_a_type_error(value, words):
    with pytest.raises(TypeError, match=words):
        srcad.grad(_square_sum)(value)


@pytest.mark.parametrize("wrt, error, words", [
    (True, TypeError, "indices or names"), ((), ValueError, "at least one"),
    ("y", ValueError, "no parameter 'y'"), (1, ValueError, "0..0")])
def test_bad_wrt(wrt, error, words):
    with pytest.raises(error, match=words):
        srcad.grad(_square_sum, wrt=wrt)


@pytest.mark.parametrize("args, kwargs, words", [
    ((), {}, "missing 1 required positional argument: 'x'"),
    ((1.0, 2.0), {}, "takes 1 positional argument but 2 were given"),
    ((1.0,), {"y": 2.0}, "unexpected keyword argument 'y'")])
def test_wrong_argument_count_names_the_derivative(args, kwargs, words):
    with pytest.raises(TypeError, match=re_escape(words)) as info:
        srcad.grad(_square_sum)(*args, **kwargs)
    assert "grad__square_sum" in str(info.value)


def test_non_scalar_output_points_to_vjp():
    with pytest.raises(ValueError, match="must return a scalar.*srcad.vjp"):
        srcad.grad(lambda x: x * 2.0)(np.ones(3))


def test_jvp_tangent_of_another_shape_is_a_value_error():
    def f(x, y):
        return np.sum(x * y)
    with pytest.raises(ValueError, match=re_escape("tangent for argument 'x': expected shape "
                                                   "(3,) (the argument's), got (4,)")):
        srcad.jvp(f)(np.ones(3), np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'dx'"):
        srcad.jvp(f)(np.ones(3), np.ones(3))


def test_vjp_cotangent_of_another_shape_is_refused():
    def f(x):
        return x * 2.0
    with pytest.raises((ValueError, TypeError)):
        srcad.vjp(f)(np.ones(3), np.ones(4))


# ----- values: NaN, inf, domain errors ---------------------------------------------------------

def _smooth(x):
    return np.sum(x * x + np.exp(x))


def test_nan_and_inf_in_arrays_propagate_as_numpy_does():
    x = np.array([np.nan, np.inf, -np.inf, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # srcad adds no check or warning of its own
        g = srcad.grad(_smooth)(x)
    np.testing.assert_array_equal(g, 2.0 * x + np.exp(x))


def test_log_of_zero_in_an_array_is_inf_with_numpys_warning():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        value, g = srcad.value_and_grad(lambda_log_sum)(np.array([0.0, 1.0]))
    assert value == -np.inf and g[0] == np.inf and g[1] == 1.0


def lambda_log_sum(x):
    return np.sum(np.log(x))


def test_nan_float_propagates():
    def f(x):
        return np.sin(x) * x
    assert math.isnan(srcad.grad(f)(float("nan")))


@pytest.mark.parametrize("name, body, x, value, derivative", [
    ("log", "np.log(x)", 0.0, -math.inf, math.inf),
    ("log", "np.log(x) + x", -1.0, math.nan, 0.0),
    ("sqrt", "np.sqrt(x)", 0.0, 0.0, math.inf),
    ("sin", "np.sin(x) * x", math.inf, math.nan, math.nan),
    ("exp", "np.exp(x)", 1000.0, math.inf, math.inf)])
def test_numpy_functions_of_floats_follow_numpy_semantics(name, body, x, value, derivative):
    """np.log(0.0) is -inf with NumPy's warning in Python, so its derivative is inf with a
    warning too, not the ZeroDivisionError the math.* specialisation raises (issue 16 item 15)."""
    f, _ = _define(f"def f(x):\n    return {body}\n")
    with pytest.warns(RuntimeWarning):
        v, g = srcad.value_and_grad(f)(x)
    assert v == pytest.approx(value, nan_ok=True) and type(g) is float
    assert g == pytest.approx(derivative, nan_ok=True)


@pytest.mark.parametrize("name, body, x, error", [
    ("math.log", "math.log(x)", 0.0, ValueError),
    ("division", "1.0 / x", 0.0, ZeroDivisionError),
    ("power", "x ** -1", 0.0, ZeroDivisionError),
    ("math.exp", "math.exp(x)", 1000.0, OverflowError)])
def test_float_operations_that_raise_in_python_raise(name, body, x, error):
    """Python's own float operations raise as Python does: f runs as Python runs it."""
    f, _ = _define(f"import math\ndef f(x):\n    return {body}\n")
    with pytest.raises(error):
        srcad.value_and_grad(f)(x)


def test_a_0d_array_gets_numpy_semantics_instead():
    f, _ = _define("def f(x):\n    return np.sqrt(x)\n")
    with pytest.warns(RuntimeWarning):
        assert srcad.grad(f)(np.array(0.0)) == np.inf


# ----- shapes and dtypes -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0)])
def test_zero_size_arrays(shape):
    def f(x):
        return np.sum(np.sin(x) * x)
    g = srcad.grad(f)(np.ones(shape))
    assert g.shape == shape and g.dtype == np.float64


def test_0d_array_gradient_is_0d_shaped():
    def f(x):
        return np.sum(np.sin(x) * x)
    g = srcad.grad(f)(np.array(1.5))
    assert np.shape(g) == () and g == pytest.approx(np.sin(1.5) + 1.5 * np.cos(1.5))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_low_precision_gradients_keep_the_dtype(dtype):
    def f(x, w):
        return np.sum(np.tanh(x @ w))
    x, w = np.ones((2, 3), dtype), np.full(3, 0.5, dtype)
    gx, gw = srcad.grad(f, wrt=(0, 1))(x, w)
    assert gx.dtype == dtype and gw.dtype == dtype
    expected = (1 - np.tanh(1.5) ** 2) * 2.0
    assert float(gw[0]) == pytest.approx(expected, rel=1e-2 if dtype == np.float16 else 1e-6)


def test_float32_scalar_gradient_is_float32():
    def f(x):
        return x * x * 3.0
    g = srcad.grad(f)(np.float32(1.5))
    assert type(g) is np.float32 and g == 9.0


# ----- size ------------------------------------------------------------------------------------

def test_100_nested_expressions():
    expr = "x"
    for _ in range(100):
        expr = f"np.sin({expr} * 0.5 + 0.1)"
    f, _ = _define(f"def f(x):\n    return {expr}\n")
    start = time.perf_counter()
    g = srcad.grad(f)(0.3)
    elapsed = time.perf_counter() - start
    assert g == pytest.approx(srcad.numeric_grad(f, 0.3), abs=1e-12)
    assert elapsed < 30, f"100 nested expressions took {elapsed:.1f}s"


def _chain(n, form):
    lines = ["def f(x):", "    y = x"] + [f"    y = {form.format(c=0.001 * (i % 7))}"
                                          for i in range(n)] + ["    return y"]
    return _define("\n".join(lines) + "\n")[0]


def test_1000_statement_function():
    f = _chain(1000, "y * 0.999 + x * {c}")
    g = srcad.grad(f)(0.3)
    assert g == pytest.approx(srcad.numeric_grad(f, 0.3), rel=1e-8)


def test_1000_statement_chain_through_sin():
    f = _chain(1000, "np.sin(y) * 0.5 + {c}")
    assert srcad.grad(f)(0.3) == pytest.approx(np.prod([0.5 * np.cos(v) for v in _values(1000)]))


def _values(n):
    """The y each statement of the sin chain reads, in order."""
    y, out = 0.3, []
    for i in range(n):
        out.append(y)
        y = np.sin(y) * 0.5 + 0.001 * (i % 7)
    return out


def test_1000_statement_function_with_many_contributions_to_one_adjoint():
    f = _chain(1000, "np.sin(y) * 0.5 + x * {c}")
    assert srcad.grad(f)(0.3) == pytest.approx(srcad.numeric_grad(f, 0.3))


# ----- redefinition and globals ----------------------------------------------------------------

def test_redefined_function_gets_a_fresh_derivative(tmp_path, monkeypatch):
    """A module edited and reloaded (as autoreload does) is read afresh, never from a stale
    linecache entry; a derivative made before keeps differentiating the old function."""
    module = tmp_path / "srcad_redefined.py"
    module.write_text("def f(x):\n    return x * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import srcad_redefined
    old = srcad.grad(srcad_redefined.f)
    assert old(3.0) == 6.0
    module.write_text("def f(x):\n    return x * x * x\n")
    os.utime(module, (time.time() + 10, time.time() + 10))
    importlib.reload(srcad_redefined)
    assert srcad.grad(srcad_redefined.f)(3.0) == 27.0
    assert old(3.0) == 6.0
    sys.modules.pop("srcad_redefined", None)


def test_file_edited_but_not_reloaded_is_read_as_it_is_now(tmp_path, monkeypatch):
    """The documented trade-off of refreshing linecache: the running function and the file no
    longer agree, and srcad follows the file (as Python's tracebacks do)."""
    module = tmp_path / "srcad_edited.py"
    module.write_text("def f(x):\n    return x * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import srcad_edited
    module.write_text("def f(x):\n    return x + 0.0\n")
    os.utime(module, (time.time() + 10, time.time() + 10))
    assert srcad_edited.f(3.0) == 9.0
    assert srcad.grad(srcad_edited.f)(3.0) == 1.0
    sys.modules.pop("srcad_edited", None)


def test_same_code_different_closure_is_not_served_stale():
    def make(k):
        def f(x):
            return k * x * x
        return f
    assert srcad.grad(make(1.0))(1.0) == 2.0
    assert srcad.grad(make(3.0))(1.0) == 6.0


def test_globals_are_read_when_the_derivative_runs():
    """A global number or array is read when the derivative runs, as Python reads it when
    the function runs: rebinding it or changing it in place both show through."""
    namespace = {"np": np, "K": 2.0, "W": np.array([1.0, 2.0])}
    f, _ = _define("def f(x):\n    return K * np.sum(W * x)\n", namespace=namespace)
    g = srcad.grad(f)
    np.testing.assert_allclose(g(np.ones(2)), [2.0, 4.0])
    namespace["K"] = 5.0
    np.testing.assert_allclose(g(np.ones(2)), [5.0, 10.0])
    namespace["W"][0] = 10.0
    np.testing.assert_allclose(g(np.ones(2)), [50.0, 10.0])         # same array, new contents
    np.testing.assert_allclose(srcad.grad(f)(np.ones(2)), [50.0, 10.0])


def test_helper_redefined_after_transformation():
    namespace = {"np": np}
    f, _ = _define("def h(x):\n    return x * x\n\ndef f(x):\n    return h(x) + x\n",
                   namespace=namespace)
    g = srcad.grad(f)
    assert g(3.0) == 7.0
    _define("def h(x):\n    return x * x * x\n", name="h", namespace=namespace)
    assert g(3.0) == 28.0                       # h is read when f runs: the guard recompiles
    assert srcad.grad(f)(3.0) == 28.0


def test_in_place_augmented_assignment_on_an_alias():
    """`y *= 2` on an array z also names changes z in Python: refused, never a wrong number."""
    f, _ = _define("def f(x):\n    z = x * 1.0\n    y = z\n    y *= 2.0\n    return np.sum(z)\n")
    x = np.array([0.5, 1.5])
    try:
        g = srcad.grad(f)(x.copy())
    except UnsupportedSyntaxError:
        return
    np.testing.assert_allclose(g, srcad.numeric_grad(f, x.copy()))


# ----- non-differentiable points: docs/nondifferentiable.md ------------------------------------

def _both_modes(f, *args):
    """Reverse-mode gradients, and forward-mode directional derivatives along each unit
    direction, so both conventions can be compared."""
    wrt = tuple(range(len(args)))
    reverse = srcad.grad(f, wrt=wrt)(*args)
    forward = []
    for i, a in enumerate(args):
        basis = [np.zeros_like(b) for b in args]
        column = []
        for j in np.ndindex(np.shape(a)):
            basis[i] = np.zeros_like(a)
            basis[i][j] = 1.0
            column.append(float(srcad.jvp(f, wrt=wrt)(*args, *basis)[1]))
        forward.append(np.reshape(column, np.shape(a)))
    return reverse, tuple(forward)


POINTS = np.array([0.0, 1.0, -1.0])

CONVENTIONS = [
    ("abs", "np.abs(x)", (POINTS,), ([0.0, 1.0, -1.0],)),
    ("maximum tie", "np.maximum(x, y)", (POINTS, np.zeros(3)), ([0.5, 1.0, 0.0], [0.5, 0.0, 1.0])),
    ("minimum tie", "np.minimum(x, y)", (POINTS, np.zeros(3)), ([0.5, 0.0, 1.0], [0.5, 1.0, 0.0])),
    ("relu by maximum", "np.maximum(x, 0.0)", (POINTS,), ([0.5, 1.0, 0.0],)),
    ("relu by where", "np.where(x > 0.0, x, 0.0)", (POINTS,), ([0.0, 1.0, 0.0],)),
    ("clip at its bounds", "np.clip(x, 0.0, 1.0)", (np.array([0.0, 0.5, 1.0]),),
     ([1.0, 1.0, 1.0],)),
]


@pytest.mark.parametrize("name, body, args, expected", CONVENTIONS,
                         ids=[c[0] for c in CONVENTIONS])
def test_non_differentiable_points(name, body, args, expected):
    """Reverse and forward mode give the documented value at the kink."""
    params = ", ".join("xy"[:len(args)])
    f, _ = _define(f"def f({params}):\n    return np.sum({body})\n")
    reverse, forward = _both_modes(f, *args)
    for r, fw, e in zip(reverse, forward, expected):
        np.testing.assert_array_equal(r, e)
        np.testing.assert_array_equal(fw, e)


def test_abs_of_a_float_at_zero():
    def f(x):
        return abs(x) + np.abs(x)
    assert srcad.grad(f)(0.0) == 0.0


def test_sqrt_at_zero_is_inf_for_arrays():
    def f(x):
        return np.sum(np.sqrt(x))
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        g = srcad.grad(f)(np.array([0.0, 4.0]))
    np.testing.assert_array_equal(g, [np.inf, 0.25])


def test_where_does_not_hide_a_nan_in_the_branch_not_taken():
    """As in JAX: the adjoint 0 of the branch not taken meets the inf derivative of sqrt(0) and
    gives nan in reverse mode; forward mode selects the tangent and stays finite. The fix is
    the double where of docs/nondifferentiable.md."""
    trap, _ = _define("def f(x):\n    return np.sum(np.where(x > 0.0, np.sqrt(x), 0.0))\n")
    safe, _ = _define("def f(x):\n    s = np.where(x > 0.0, x, 1.0)\n"
                      "    return np.sum(np.where(x > 0.0, np.sqrt(s), 0.0))\n")
    x = np.array([0.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = srcad.grad(trap)(x)
        assert math.isnan(g[0]) and g[1] == 0.25
        assert srcad.jvp(trap)(x, np.array([1.0, 0.0]))[1] == 0.0
    np.testing.assert_array_equal(srcad.grad(safe)(x), [0.0, 0.25])


# ----- threads and determinism -----------------------------------------------------------------

def test_eight_threads_share_one_compiled_derivative():
    f, _ = _define("def f(x, w):\n    return np.sum(np.tanh(x @ w) ** 2)\n")
    g = srcad.grad(f, wrt=1)
    x = np.random.default_rng(0).standard_normal((4, 3))
    ws = [np.full(3, 0.1 * k) for k in range(8)]
    expected = [srcad.numeric_grad(f, x, w, wrt=1) for w in ws]
    barrier, results, errors = threading.Barrier(8), [None] * 8, []

    def work(k):
        try:
            barrier.wait()
            results[k] = [g(x, ws[k]) for _ in range(20)]
        except Exception as err:  # noqa: BLE001 - collected, so the main thread fails with it
            errors.append(err)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(8):
        for r in results[k]:
            np.testing.assert_allclose(r, expected[k], rtol=1e-6, atol=1e-9)
    assert len(g.__srcad__.cache) == 1


def test_eight_threads_transforming_at_once():
    f, _ = _define("def h(t):\n    return t * t\n\ndef f(x):\n    s = 0.0\n"
                   "    for i in range(3):\n        s = s + h(x * i)\n    return np.sum(s)\n")
    barrier, results = threading.Barrier(8), [None] * 8

    def work(k):
        barrier.wait()
        results[k] = srcad.grad(f)(np.full(2, 1.0 + k))
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(8):
        np.testing.assert_allclose(results[k], np.full(2, 10.0 * (1.0 + k)))


_DETERMINISM_SCRIPT = '''
import numpy as np, srcad, sys
sys.path.insert(0, {tests!r})
import determinism_corpus as corpus
for name in corpus.NAMES:
    f, args, wrt = getattr(corpus, name), corpus.ARGS[name], corpus.WRT[name]
    for transform in (srcad.grad, srcad.jvp):
        g = transform(f, wrt=wrt)
        extra = args[:len(wrt) if isinstance(wrt, tuple) else 1] if transform is srcad.jvp else ()
        g(*args, *extra)
        print(srcad.source(g))
'''


def test_generated_source_is_identical_across_processes(tmp_path):
    corpus = tmp_path / "determinism_corpus.py"
    corpus.write_text(textwrap.dedent('''
        import numpy as np

        def helper(t, scale):
            return np.tanh(t) * scale

        def loss(params, x):
            h = x
            for W, b in params:
                h = helper(h @ W + b, 0.5)
            d = {"a": h, "b": np.sum(h * h)}
            if d["b"] > 0.1:
                return np.sum(d["a"]) + d["b"]
            return np.sum(np.maximum(d["a"], 0.0))

        def scalar(x1, x2):
            total = 0.0
            for k in range(3):
                total = total + np.log(x1 + k) * x2 - np.sin(x2 * k)
            return total

        NAMES = ["loss", "scalar"]
        ARGS = {"loss": ([(np.ones((3, 2)) * 0.1, np.zeros(2)),
                          (np.ones((2, 2)) * 0.2, np.ones(2))],
                         np.ones((4, 3))),
                "scalar": (2.0, 5.0)}
        WRT = {"loss": 0, "scalar": (0, 1)}
    '''))
    script = _DETERMINISM_SCRIPT.format(tests=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outputs = []
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=root)
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert "def grad_loss" in outputs[0] and "def jvp_scalar" in outputs[0]


# ----- regressions: bugs the fuzzer found ------------------------------------------------------

def test_where_broadcasts_its_condition_into_the_result_kind():
    """np.where(array > c, float, float) is an array: it was taken for a float, and generated
    code called math.sin on it (TypeError)."""
    f, _ = _define("def f(x, y):\n    z = y / (1.5 + np.where(x > 0.3, y, y))\n"
                   "    return np.sum(np.sin(z))\n")
    x = np.array([0.1, 0.5, 0.9])
    assert srcad.grad(f, wrt=1)(x, 0.7) == pytest.approx(srcad.numeric_grad(f, x, 0.7, wrt=1))
    assert srcad.jvp(f, wrt=1)(x, 0.7, 1.0)[1] == pytest.approx(
        srcad.numeric_grad(f, x, 0.7, wrt=1))


def test_where_of_floats_gives_float_gradients():
    """np.where of scalars is a 0-d array; the gradient of a float argument is still a float."""
    f, _ = _define("def f(x, y):\n    return np.sum(np.where(x > 0.0, x, y))\n")
    gx, gy = srcad.grad(f, wrt=(0, 1))(0.7, 0.2)
    assert type(gx) is float and type(gy) is float and (gx, gy) == (1.0, 0.0)


def test_negative_constant_base_keeps_its_parentheses():
    """A helper returning -0.7 inlined as the base of ** was printed `-0.7 ** 2`, which Python
    reads as -(0.7 ** 2): forward mode had the wrong sign."""
    namespace = {"np": np}
    f, _ = _define("def h(a):\n    return -0.7\n\n\ndef f(x):\n"
                   "    return np.sum((h(x) ** 2) ** 3 / (1.5 + x * x))\n", namespace=namespace)
    value, tangent = srcad.jvp(f)(1.1369616873214543, 1.0)
    assert value == pytest.approx(f(1.1369616873214543), rel=1e-12)
    assert tangent == pytest.approx(srcad.numeric_grad(f, 1.1369616873214543), rel=1e-8)


def test_helper_with_one_residual_unpacks_it():
    """A helper whose backward half reads one residual: the `v1, = res` unpacking was inlined
    as `res`, so the backward half read the tuple (TypeError in broadcast_like). Two
    statements and called twice, so that it is called by name, not inlined."""
    namespace = {"np": np}
    f, _ = _define("def h(a):\n    b = a + a\n    return np.sum(b)\n\n\ndef f(x):\n"
                   "    return np.sum(h(x)) + h(x)\n", namespace=namespace)
    g = srcad.grad(f)
    np.testing.assert_array_equal(g(np.ones((2, 3))), np.full((2, 3), 4.0))
    assert "bwd_h(" in srcad.source(g)


def test_shape_stand_in_of_a_value_of_constants_alone():
    """The adjoint of `x0 + exp(sin(0.5))` broadcast needs its shape; the constant term got a
    stand-in with no arguments, `shape_like()`, which raised (long fuzz, 4,962nd program)."""
    f, _ = _define("def f(x0, x1):\n    for i0 in range(1):\n"
                   "        x1 = np.broadcast_to((x0 + np.exp(np.sin(0.5))), (3,))\n"
                   "    return np.sum(x1 * x0)\n")
    x1 = np.array([-0.54, 0.51, 1.3])
    g = srcad.grad(f, wrt=(0, 1))
    assert g(1.13, x1)[0] == pytest.approx(srcad.numeric_grad(f, 1.13, x1), rel=1e-7)


def test_in_place_update_of_a_helper_parameter_the_caller_holds_is_refused():
    """`a += a` in a helper doubles the caller's array in Python: np.where of floats gives a
    0-d array, the helper changed it, and the caller's second call saw the change (long
    fuzz). srcad, which writes `a = a + a`, refuses where the caller holds the array under a
    name, and differentiates where it passes a temporary nobody else sees."""
    namespace = {"np": np}
    f, _ = _define("def h(a):\n    a += a\n    return a\n\n\ndef f(x):\n"
                   "    t = np.where(0.5 > 0.5, 0.5, 0.5)\n    return np.sum(h(t) * h(t) * x)\n",
                   namespace=namespace)
    assert f(1.0) == 4.0        # Python: the calls return t itself, doubled twice: 2 * 2
    for derivative in (srcad.grad(f), lambda x: srcad.jvp(f)(x, 1.0)):
        with pytest.raises(srcad.UnsupportedSyntaxError,
                           match=r"h\(\) changes its parameter 'a' in place .* 't' also names"):
            derivative(1.0)
    once, _ = _define("def g(a):\n    a *= 2.0\n    return a\n\n\ndef f1(x):\n"
                      "    return np.sum(g(x * 3.0) * x)\n", name="f1", namespace=namespace)
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(srcad.grad(once)(x), 12.0 * x)       # d/dx sum(6 x^2)
    named, _ = _define("def f2(x):\n    y = x * 3.0\n    return np.sum(g(y) * y)\n",
                       name="f2", namespace=namespace)
    assert named(x) == pytest.approx(np.sum(36.0 * x * x))           # Python: y doubled too
    with pytest.raises(srcad.UnsupportedSyntaxError, match=r"line 3: .*`a \*= \.\.\.`"):
        srcad.grad(named)(x)
    unread, _ = _define("def f3(x):\n    y = x * 3.0\n    z = g(y)\n    return np.sum(z * x)\n",
                        name="f3", namespace=namespace)       # y is not read after the call
    np.testing.assert_allclose(srcad.grad(unread)(x), 12.0 * x)
    looped, _ = _define("def f4(x):\n    y = x * 3.0\n    z = x\n    for _ in range(2):\n"
                        "        z = g(y)\n    return np.sum(z * x)\n", name="f4",
                        namespace=namespace)                  # the loop calls g(y) again
    with pytest.raises(srcad.UnsupportedSyntaxError, match="line 5"):
        srcad.grad(looped)(x)


def test_gradient_of_a_float_is_a_float_when_its_adjoint_is_a_0d_array():
    """`x0 * np.where(...)` of floats: the adjoint of x0 is the 0-d array np.where made; it
    was returned as array(0.5) (long fuzz)."""
    f, _ = _define("def f(x0):\n    t0 = np.where(0.5 > 0.5, 0.5, 0.5)\n"
                   "    return np.sum(0.5 + (0.5 + x0 * t0))\n")
    g = srcad.grad(f)(0.7)
    assert type(g) is float and g == 0.5


def test_in_place_update_of_a_parameter_in_a_comprehension_is_refused():
    """A comprehension calls the function once per element: the second call sees the first
    call's change of the array it is given again."""
    namespace = {"np": np}
    f, _ = _define("def g(a):\n    a *= 2.0\n    return a\n\n\ndef f(x):\n    y = x * 3.0\n"
                   "    return np.sum(sum([g(y) for _ in range(2)]) * x)\n", namespace=namespace)
    x = np.array([0.5, 1.5])
    assert f(x) == pytest.approx(np.sum((12.0 + 12.0) * x * x))      # Python: y, 2y, 4y
    with pytest.raises(srcad.UnsupportedSyntaxError, match="line 8"):
        srcad.grad(f)(x)
