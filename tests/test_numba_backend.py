"""backend="numba" (issue 24): the generated derivative compiled with numba.njit gives the
Python backend's numbers to 1e-12, in reverse mode (grad, value_and_grad, vjp) and forward
mode (jvp), on the benchmark's scalar tasks (T1, the 1000-step recurrence T4), on scalar
loops (a Newton iteration, a while loop, a branch taken per step) and on loops over small
arrays (an RNN-like recurrence over a vector, an element-by-element loop, logistic regression
on 4x4); checked against finite differences too. What Numba cannot compile is refused with a
SrcadError at the user's line (a dict, a user object, a SciPy call, a module global), or,
with fallback=True, computed by the Python backend after a warning.
"""

import inspect
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import srcad
from srcad.codegen.numba_backend import NumbaBackendError

pytest.importorskip("numba")
special = pytest.importorskip("scipy.special")

TOL = dict(rtol=1e-12, atol=1e-12)


# ----- the functions differentiated -------------------------------------------------------------
def seed(x1, x2):                              # benchmark T1
    return np.log(x1) + x1 * x2 - np.sin(x2)


def recurrence(x0, a, b):                      # benchmark T4
    x = x0
    for _ in range(1000):
        x = a * np.sin(x) + b * x
    return x


def newton_root(c, guess):
    """Twenty Newton steps towards the cube root of c."""
    y = guess
    for _ in range(20):
        y = y - (y * y * y - c) / (3.0 * y * y)
    return y


def halving_while(s):
    """Heron's square root, a while loop whose count the tape records."""
    r = s
    steps = 0
    while steps < 25:
        r = 0.5 * (r + s / r)
        steps += 1
    return r * r + math.log(r)


def damped_switch(u, v):
    acc = 0.0
    for _ in range(12):
        if u > 0.4:
            acc = acc + u * v
        else:
            acc = acc - v * v
        u = u * 0.85
    return acc


def rnn_cell(W, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h * h)


def elementwise(p, q):
    s = 0.0
    for k in range(p.shape[0]):
        s = s + p[k] * q[k] + np.exp(p[k])
    return s + np.dot(p, q)


def logistic(w, b, X, y):                      # benchmark T5s
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def shifted(x, m):
    return np.sum((x - m) ** 2 * 0.5)


RNG = np.random.default_rng(7)
CASES = [
    (seed, (0, 1), (2.0, 5.0)),
    (recurrence, (0, 1, 2), (0.5, 0.8, 0.2)),
    (newton_root, (0, 1), (5.0, 1.5)),
    (halving_while, 0, (3.0,)),
    (damped_switch, (0, 1), (0.9, 1.3)),
    (rnn_cell, (0, 1), (0.4 * RNG.standard_normal((4, 4)), RNG.standard_normal(4),
                        RNG.standard_normal((30, 4)))),
    (elementwise, (0, 1), (RNG.standard_normal(5), RNG.standard_normal(5))),
    (logistic, (0, 1), (0.3 * RNG.standard_normal(4), 0.1, RNG.standard_normal((4, 4)),
                        np.array([0.0, 1.0, 1.0, 0.0]))),
    (shifted, (0, 1), (RNG.standard_normal((3, 2)), RNG.standard_normal(2))),
    (shifted, (0, 1), (RNG.standard_normal(3), 0.5)),
]
IDS = [case[0].__name__ for case in CASES[:-1]] + ["shifted_by_a_float"]


def assert_same(a, b):
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
        return
    assert type(np.asarray(a)) is type(np.asarray(b)) and np.shape(a) == np.shape(b)
    np.testing.assert_allclose(b, a, **TOL)


@pytest.mark.parametrize("f, wrt, args", CASES, ids=IDS)
def test_grad_equals_python_backend(f, wrt, args):
    compiled = srcad.grad(f, wrt=wrt, backend="numba")
    result = compiled(*args)
    assert_same(srcad.grad(f, wrt=wrt)(*args), result)
    assert compiled.__srcad__.last.backend == "numba"
    for g, arg in zip(result if isinstance(wrt, tuple) else (result,), args):
        if isinstance(g, np.ndarray):         # the user's own, fresh array
            assert g.flags.writeable and not np.shares_memory(g, arg)


@pytest.mark.parametrize("f, wrt, args", [CASES[1], CASES[2], CASES[5]],
                         ids=["recurrence", "newton_root", "rnn_cell"])
def test_reverse_and_forward_modes_against_finite_differences(f, wrt, args):
    grads = srcad.grad(f, wrt=wrt, backend="numba")(*args)
    numeric = srcad.numeric_grad(f, *args, wrt=wrt)
    for g, n in zip(grads, numeric):
        np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-7)
    tangents = tuple(np.ones_like(args[i]) if isinstance(args[i], np.ndarray) else 1.0
                     for i in wrt)
    value, tangent = srcad.jvp(f, wrt=wrt, backend="numba")(*args, *tangents)
    py_value, py_tangent = srcad.jvp(f, wrt=wrt)(*args, *tangents)
    np.testing.assert_allclose(value, py_value, **TOL)
    np.testing.assert_allclose(tangent, py_tangent, **TOL)
    expected = sum(np.sum(n * t) for n, t in zip(numeric, tangents))
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-7)


def test_value_and_grad_and_vjp():
    f, wrt, args = CASES[5]
    value, grads = srcad.value_and_grad(f, wrt=wrt, backend="numba")(*args)
    py_value, py_grads = srcad.value_and_grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(value, py_value, **TOL)
    assert_same(py_grads, grads)
    value, grads = srcad.vjp(recurrence, wrt=(0, 1, 2), backend="numba")(0.5, 0.8, 0.2, 2.0)
    py_value, py_grads = srcad.vjp(recurrence, wrt=(0, 1, 2))(0.5, 0.8, 0.2, 2.0)
    np.testing.assert_allclose(value, py_value, **TOL)
    assert_same(py_grads, grads)


def test_the_generated_source_is_the_python_backends():
    args = (2.0, 5.0)
    compiled = srcad.grad(seed, wrt=(0, 1), backend="numba")
    compiled(*args)
    assert str(srcad.source(compiled)) == str(srcad.source(srcad.grad(seed, wrt=(0, 1)), *args))


# ----- Python's errors: math raises where Numba's would give nan or inf --------------------------
def math_log(x):
    return math.log(x) * x


def numpy_log(x):
    return np.log(x) * x


def math_exp(x):
    return math.exp(x) + math.sqrt(x)


def reciprocal(x):
    return 1.0 / x + x


@pytest.mark.parametrize("f, arg", [(math_log, -1.0), (math_exp, 1000.0), (math_exp, -4.0),
                                    (reciprocal, 0.0)],
                         ids=["log_domain", "exp_overflow", "sqrt_domain", "division"])
def test_python_errors_are_raised_as_python_raises_them(f, arg):
    with pytest.raises((ValueError, ArithmeticError)) as python_error:
        f(arg)
    for derivative in (srcad.grad(f, backend="numba"),
                       lambda x: srcad.jvp(f, backend="numba")(x, 1.0)):
        with pytest.raises(type(python_error.value)):
            derivative(arg)


def test_numpy_semantics_stay_numpys():
    """np.log(-1.0) is nan with a warning in Python: the derivative is nan, as the Python
    backend's; at 2.0 both modes give log 2 + 1."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert math.isnan(srcad.grad(numpy_log, backend="numba")(-1.0))
        assert math.isnan(srcad.grad(numpy_log)(-1.0))
    assert srcad.grad(numpy_log, backend="numba")(2.0) == pytest.approx(math.log(2.0) + 1.0,
                                                                         rel=1e-15)
    assert srcad.jvp(numpy_log, backend="numba")(2.0, 1.0)[1] == pytest.approx(
        math.log(2.0) + 1.0, rel=1e-15)


# ----- refusals ----------------------------------------------------------------------------------
class Gain:
    def __init__(self, k):
        self.k = k


GAIN = Gain(1.5)
OFFSET = 0.25


def with_dict_argument(p):
    return p["a"] * p["b"]


def with_object(x):
    return GAIN.k * x * x


def with_scipy(x):
    return special.gammaln(x) * x              # refused: gammaln


def with_global(x):
    return OFFSET * x * x


def with_dict_in_loop(x, n):
    table = {}                                 # refused: a dict
    for i in range(n):
        table[i] = x * i
    total = 0.0
    for i in range(n):
        total = total + table[i] * table[i]
    return total


def centred(m, x):
    return np.sum((x - m) ** 2)                # refused: keepdims (m's gradient, (1, 2))


def line_of(f, marker):
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, text in enumerate(lines) if marker in text)


REFUSED = [
    (with_dict_argument, ({"a": 1.0, "b": 2.0},), "def with_dict_argument", "'p' is a dict"),
    (with_object, (2.0,), "def with_object", "'GAIN', a test_numba_backend.Gain"),
    (with_scipy, (2.0,), "refused: gammaln", "the ufunc gammaln"),
    (with_global, (2.0,), "def with_global", "reads OFFSET from the module"),
    (with_dict_in_loop, (2.0, 3), "refused: a dict", "builds a dict"),
    (centred, (np.ones((1, 2)), np.ones((3, 2))), "refused: keepdims",
     "Numba cannot compile the derivative: "),     # then Numba's words: no keepdims
]


@pytest.mark.parametrize("f, args, marker, reason", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_refused_at_the_users_line(f, args, marker, reason):
    with pytest.raises(NumbaBackendError) as info:
        srcad.grad(f, backend="numba")(*args)
    error = info.value
    assert isinstance(error, srcad.SrcadError)
    assert error.filename == __file__ and error.line == line_of(f, marker), str(error)
    assert reason in str(error) and "backend='python'" in str(error)


@pytest.mark.parametrize("f, args, marker, reason", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_fallback_warns_and_gives_the_python_backends_numbers(f, args, marker, reason):
    with pytest.warns(RuntimeWarning, match="the Python backend computes it") as record:
        result = srcad.grad(f, backend="numba", fallback=True)(*args)
    assert record[0].filename == __file__ and record[0].lineno == line_of(f, marker)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(result, srcad.grad(f)(*args))


def test_a_list_argument_is_refused_at_the_def_line():
    def pair_product(xs):
        return xs[0] * xs[1]
    with pytest.raises(NumbaBackendError, match="argument 'xs' is a list") as info:
        srcad.grad(pair_product, backend="numba")([1.0, 2.0])
    assert info.value.line == line_of(pair_product, "def pair_product")


def test_an_int_beyond_64_bits_is_refused():
    with pytest.raises(NumbaBackendError, match="argument 'x2' is an int beyond 64 bits"):
        srcad.grad(seed, backend="numba")(2.0, 2 ** 70)


def test_bad_backend_names_are_refused_when_asked():
    with pytest.raises(ValueError, match="backend must be one of"):
        srcad.grad(seed, backend="cuda")
    with pytest.raises(TypeError, match="fallback must be True or False"):
        srcad.grad(seed, backend="numba", fallback="yes")


def test_import_srcad_does_not_import_numba():
    code = "import sys, srcad; srcad.grad(lambda x: x * x); print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
