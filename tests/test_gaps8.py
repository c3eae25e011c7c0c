"""Gaps left by earlier rounds (issue 21's notes), each checked in both modes against central
differences: conversions and roundings of an active value, np.full / np.full_like in the
fill value, np.interp in fp, defaults read at each call, and the refusals' rewrites."""

import math

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(8)


def both_modes(f, *args, wrt=0):
    """grad and jvp of f at args agree with central differences (jvp along a random u)."""
    expected = srcad.numeric_grad(f, *args, wrt=wrt)
    got = srcad.grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    x = args[wrt]
    u = RNG.standard_normal(np.shape(x)) if np.ndim(x) else 0.7
    value, tangent = srcad.jvp(f, wrt=wrt)(*args, u)
    assert value == pytest.approx(f(*args))
    np.testing.assert_allclose(tangent, np.sum(np.asarray(expected) * u), rtol=1e-6, atol=1e-8)
    return got


# ----- conversions and roundings -----------------------------------------------------------
def numpy_float(v):
    s = np.float64(np.sum(v * v))
    return s * np.float64(v[0]) + float(np.sum(v))


def floors(x):
    xs = np.array([1.0, 2.0, 3.0, 4.0])
    k = math.floor(x)                       # an int, as Python gives: it may index
    return xs[k] * x + math.ceil(x) * x * x + math.trunc(-x) * x


def roundings(x):
    xs = np.array([0.5, 1.5, 2.5, 3.5])
    return xs[round(x)] * x + round(x * 3.0, 2) * x + np.round(x * x, 1) + np.round(x)


def test_numpy_float_is_the_identity():
    both_modes(numpy_float, np.array([0.3, -1.2, 0.8]))


@pytest.mark.parametrize("x", [1.3, 2.6])
def test_math_floor_ceil_trunc_have_derivative_zero(x):
    g = both_modes(floors, x)
    assert g == pytest.approx(math.floor(x) + 1.0 + 2 * math.ceil(x) * x
                              + math.trunc(-x))


@pytest.mark.parametrize("x", [1.3, 2.2])
def test_round_has_derivative_zero_and_python_types(x):
    both_modes(roundings, x)
    value, _ = srcad.value_and_grad(lambda t: round(t) * t)(x)
    assert value == round(x) * x
    assert type(srcad.jvp(lambda t: round(t))(x, 1.0)[0]) is int


# ----- fills and interpolation -------------------------------------------------------------
def filled(v):
    w = np.arange(6.0).reshape(2, 3)
    return np.sum(np.full((2, 3), v) * w) + np.sum(np.full_like(w, v * v) ** 2)


def test_full_and_full_like_in_the_fill_value():
    both_modes(filled, 0.7)
    both_modes(filled, np.array([0.4, -1.1, 2.0]))


def interpolated(fp, x):
    xp = np.array([0.0, 1.0, 2.0, 3.5])
    return np.sum(np.interp(x, xp, fp) ** 2) + np.sum(np.interp(x, xp, fp, left=-1.0) * x)


def test_interp_in_fp_and_x():
    fp, x = np.array([1.0, -0.5, 2.0, 0.3]), np.array([0.25, 1.3, 2.7, -0.5, 3.9])
    both_modes(interpolated, fp, x, wrt=0)
    both_modes(interpolated, fp, x, wrt=1)
    srcad.check_grads(interpolated, (fp, x), order=2)      # the mixed (fp, x) derivative


# ----- defaults are read at each call, as Python reads them --------------------------------
def scaled(x, a=2.0, *, b=1.0):
    return a * x * x + b * x


def scaled_helper(x, c=2.0, *, act=np.tanh):
    return act(c * x)


def calls_helper(x):
    return scaled_helper(x) * x


def test_own_defaults_assigned_after_the_transform_are_seen():
    def f(x, a=2.0, *, b=1.0):
        return a * x * x + b * x
    g, df = srcad.grad(f), srcad.jvp(f)
    assert g(3.0) == pytest.approx(13.0)
    f.__defaults__, f.__kwdefaults__ = (5.0,), {"b": -1.0}
    assert g(3.0) == pytest.approx(srcad.numeric_grad(f, 3.0)) == pytest.approx(29.0)
    assert df(3.0, dx=1.0) == (pytest.approx(f(3.0)), pytest.approx(29.0))
    assert g(3.0, 1.0, b=0.0) == pytest.approx(6.0)          # given ones still win
    hv, h = srcad.hvp(f), srcad.hessian(f)
    f.__defaults__ = (4.0,)
    assert hv(3.0, v=1.0) == pytest.approx(8.0) and h(3.0) == pytest.approx(8.0)
    f.__defaults__ = None                                     # Python: now a is required
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        g(3.0)
    with pytest.raises(TypeError):
        f(3.0)


def test_helper_defaults_assigned_after_the_transform_are_seen():
    g, df = srcad.grad(calls_helper), srcad.jvp(calls_helper)
    both_modes(calls_helper, 0.4)
    saved = scaled_helper.__defaults__, scaled_helper.__kwdefaults__
    try:
        scaled_helper.__defaults__ = (0.5,)                   # data: read when it runs
        assert g(0.4) == pytest.approx(srcad.numeric_grad(calls_helper, 0.4))
        scaled_helper.__kwdefaults__ = {"act": np.sin}        # a function: guarded
        assert g(0.4) == pytest.approx(srcad.numeric_grad(calls_helper, 0.4))
        assert df(0.4, 1.0)[1] == pytest.approx(srcad.numeric_grad(calls_helper, 0.4))
    finally:
        scaled_helper.__defaults__, scaled_helper.__kwdefaults__ = saved


# ----- jvp of a function with defaults: tangents are keyword-only (docs/api.md) -------------
def test_jvp_tangent_left_out_says_how_to_pass_it():
    df = srcad.jvp(scaled)
    assert df(3.0, dx=1.0) == (pytest.approx(scaled(3.0)), pytest.approx(13.0))
    assert df(3.0, 1.0, dx=1.0)[1] == pytest.approx(7.0)
    with pytest.raises(srcad.SrcadError, match=r"keyword-only.*jvp_scaled\(\.\.\., dx=\.\.\.\)") \
            as info:
        df(3.0, 1.0)               # 1.0 is a's value, as Python binds it: dx is missing
    assert isinstance(info.value, TypeError) and info.value.line is not None
    with pytest.raises(srcad.SrcadError, match="cotangent"):
        srcad.vjp(scaled)(3.0, 1.0)


# ----- attributes a method of the user's sets: followed, not run unseen ----------------------
class Stepper:
    def __init__(self, scale):
        self.n = 0
        self.scale = scale

    def step(self, x):
        self.n += 1                      # what the code after the call reads
        self.scale = self.scale * x
        return x * self.n


def steps_twice(x):
    s = Stepper(x)
    s.step(x)                            # a statement: its changes are the caller's
    return s.step(x) * s.scale + s.n


def test_methods_setting_attributes_of_an_object_made_here():
    assert steps_twice(1.3) == pytest.approx(2 * 1.3 * 1.3 ** 3 + 2)
    both_modes(steps_twice, 1.3)


class Count:
    def __init__(self):
        self.n = 0


COUNT = Count()


def counted(x):
    COUNT.n += 1
    return x * x * COUNT.n


def counts_argument(x, c):
    c.n += 1
    return x * x * c.n


def test_attribute_of_an_argument_object_is_refused_truly_with_a_rewrite_that_works():
    with pytest.raises(srcad.SrcadError, match="'c', an object whose class srcad does not know"):
        srcad.grad(counts_argument)(3.0, Count())
    COUNT.n = 0
    assert srcad.grad(counted)(3.0) == pytest.approx(6.0) and COUNT.n == 1
    assert srcad.jvp(counted)(3.0, 1.0) == (pytest.approx(18.0), pytest.approx(12.0))
    assert COUNT.n == 2                  # once per call, as Python would


# ----- max / min by a key: the item the key chooses, as Python chooses it -------------------
def chosen_by_key(x):
    items = [x, 2.0 * x, x * x]
    return max(items, key=lambda t: -t) + min(x, x * x - 1.0, key=abs) * 3.0


def chosen_array(a):
    picked = max([a, 2.0 * a - 1.0, np.flip(a)], key=np.linalg.norm)
    return np.sum(picked * picked)


@pytest.mark.parametrize("x", [0.6, 1.4, -0.8])
def test_max_min_with_a_key(x):
    both_modes(chosen_by_key, x)


def test_max_with_a_key_of_arrays():
    both_modes(chosen_array, np.array([0.3, -1.2, 0.7]))


def test_max_with_a_key_of_a_runtime_sequence_is_refused_with_a_rewrite_that_works():
    def runtime(xs):
        return max(xs, key=np.sin) * 2.0

    def rewritten(xs):
        return xs[int(np.argmax([np.sin(v) for v in xs]))] * 2.0
    with pytest.raises(srcad.SrcadError, match=r"xs\[int\(np.argmax"):
        srcad.grad(runtime)(np.array([0.3, 1.2, 0.7]))
    both_modes(rewritten, np.array([0.3, 1.2, 0.7]))


# ----- in-place writes NumPy makes: np.fill_diagonal, a ufunc's out= -----------------------
def diagonal_filled(a, v):
    b = np.sin(a)
    np.fill_diagonal(b, v * v)
    return np.sum(b * b * a)


def written_out(a):
    c = np.empty_like(a)
    np.add(a, a * a, out=c)
    np.multiply(c, a, out=(c,))
    return np.sum(c * c)


def test_fill_diagonal_in_both_arguments():
    a, v = RNG.standard_normal((3, 4)), np.array([0.5, -1.5, 2.0])
    both_modes(diagonal_filled, a, v, wrt=0)
    both_modes(diagonal_filled, a, v, wrt=1)
    both_modes(diagonal_filled, a, 0.7, wrt=1)


def test_ufunc_out_as_a_statement():
    both_modes(written_out, np.array([0.3, 1.7, -2.2]))


def test_ufunc_out_in_an_expression_is_refused_with_a_rewrite_that_works():
    def in_expression(a):
        c = np.zeros(3)
        d = np.exp(a, out=c)
        return np.sum(d * c)

    def rewritten(a):
        c = np.zeros(3)
        np.exp(a, out=c)
        return np.sum(c * c)
    with pytest.raises(srcad.SrcadError, match="statement of its own"):
        srcad.grad(in_expression)(np.array([0.3, 1.7, -2.2]))
    both_modes(rewritten, np.array([0.3, 1.7, -2.2]))


# ----- a list of arrays where NumPy's operator converts it -----------------------------------
def list_matmul(X, w):
    return np.sum((X @ w) ** 2) + np.sum((w + X) * X[0])


def test_list_of_arrays_converted_by_an_array_operator():
    X = [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([0.5, -1.0])]
    w = np.array([0.3, -0.2])
    g = srcad.grad(list_matmul)(X, w)
    assert type(g) is list and len(g) == 3           # the argument's structure
    expected = srcad.numeric_grad(list_matmul, X, w)
    for got, want in zip(g, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    u = [RNG.standard_normal(2) for _ in X]
    value, tangent = srcad.jvp(list_matmul)(X, w, u)
    assert value == pytest.approx(list_matmul(X, w))
    assert tangent == pytest.approx(sum(np.sum(e * d) for e, d in zip(expected, u)))
    both_modes(list_matmul, X, w, wrt=1)
