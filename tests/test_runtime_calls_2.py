"""Run-time calls, second part (issue 19): the forward sweep keeps what the callee's backward
half reads (`value, back = pullback(fn, x)`, then `back(g)`), forward mode computes value and
tangent in one run (`pushforward(fn, x, dx)`), and each call site finds the callee's derivative
with one look-up. Both modes against finite differences."""

import numpy as np
import pytest

import srcad
from srcad.errors import NonDifferentiableError
from srcad.lowering.runtime_calls import Pullback, Pushforward

RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 3))
W = RNG.normal(size=(3, 3)) * 0.5
B = RNG.normal(size=3) * 0.2


def check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode="forward")


def softsign(z):
    return z / (1.0 + np.abs(z))


def bent(z):
    return z + 0.5 * (np.sqrt(z * z + 1.0) - 1.0)


UNITS = [np.tanh, softsign, bent]


def affine_unit(z, w, b):
    return np.tanh(z @ w + b) * b


def gated_mix(z, w, b):
    return softsign(z @ w) + np.sin(b)


LAYERS = [affine_unit, gated_mix]


def pick(value, n):
    """An index that only the running program knows."""
    return int(abs(float(np.sum(value))) * 7.0) % n


# ----- the forward half runs once; the reverse sweep calls what it kept -------------------
def one_unit(w, x):
    h = x @ w
    unit = UNITS[pick(h, len(UNITS))]
    return np.sum(unit(h) ** 2)


def test_the_generated_code_keeps_the_pullback_of_the_forward_sweep():
    text = srcad.source(srcad.grad(one_unit), W, X)
    assert "v1, back = pullback(unit, h)" in text
    assert "= back(2 * v1)" in text
    assert "pullback(unit, g" not in text          # the reverse sweep runs no forward half
    jvp_text = srcad.source(srcad.jvp(one_unit), W, X, W)
    assert "pushforward(unit, h, dh)" in jvp_text
    assert "= unit(h)" not in jvp_text             # value and tangent in one run


def test_source_shows_the_derivatives_of_the_callees_met():
    grad = srcad.grad(one_unit)
    for scale in (1.0, 0.3, 1.3):                 # softsign, tanh, bent
        grad(W * scale, X)
    text = srcad.source(grad, W, X)
    assert "# derivatives of the helper functions it calls" in text
    assert "def fwd_tanh(fn, x1):" in text and "def bwd_tanh(res, g):" in text   # np.tanh met
    assert "def fwd_bent(fn, x1):" in text and "np.sqrt(x1 * x1 + 1.0)" in text


@pytest.mark.parametrize("scale", [1.0, 0.3, -2.0, 0.05, 1.3])
def test_each_callee_met_in_both_modes(scale):
    check_both_modes(one_unit, W * scale, X)


def test_several_differentiated_arguments_of_one_call():
    def layered(w, b, x):
        layer = LAYERS[pick(x @ w, len(LAYERS))]
        return np.sum(layer(x, w, b) ** 2)
    for scale in (1.0, 0.1, 0.37):
        check_both_modes(layered, W * scale, B, X, wrt=(0, 1))
        check_both_modes(layered, W * scale, B, X, wrt=1)


def test_a_run_time_call_in_a_loop_keeps_one_back_per_iteration():
    def deep(w, x, steps):
        h = x
        for t in range(steps):
            unit = UNITS[(t + pick(h, 3)) % len(UNITS)]
            h = unit(h @ w) + 0.1 * h
        return np.mean(h ** 2)
    for steps in (1, 3, 5):
        check_both_modes(deep, W, X, steps)
    text = srcad.source(srcad.grad(deep), W, X, 3)
    assert "pullback(unit" in text and "back" in text


def test_scalar_arguments_and_a_scalar_result():
    def scalar(a, b):
        fns = [np.sin, np.cos, np.exp]
        return fns[pick(a, 3)](a * b) * b
    for a in (0.3, 0.9, 1.4, -0.2):
        check_both_modes(scalar, a, 0.7, wrt=(0, 1))


# ----- one look-up per call: the callee and the kinds of its arguments -------------------
def sites(kind):
    import gc
    return [o for o in gc.get_objects() if type(o) is kind]     # type(): no weak proxy read


def test_one_entry_per_callee_and_kinds_at_a_call_site():
    def single(w, x):
        unit = UNITS[pick(w, 3)]
        return np.sum(unit(x @ w))
    grad, jvp = srcad.grad(single), srcad.jvp(single)
    ws = [W * s for s in (1.0, 0.4, 0.23, 1.7, 0.9, 2.1)]
    met = {pick(w, 3) for w in ws}
    assert len(met) > 1
    for _ in range(3):
        for w in ws:
            grad(w, X)
            jvp(w, X, W)
    line = single.__code__.co_firstlineno + 2
    pullbacks = [p for p in sites(Pullback) if p.site.line == line]
    pushforwards = [p for p in sites(Pushforward) if p.site.line == line]
    assert pullbacks and pushforwards
    assert all(len(p.known) == len(met) for p in pullbacks + pushforwards)
    value, back = pullbacks[0](np.tanh, X.astype(np.float32))     # other kinds: one more
    assert len(pullbacks[0].known) == len(met) + 1
    np.testing.assert_allclose(back(np.ones((5, 3), np.float32)), 1 - np.tanh(X) ** 2,
                               rtol=1e-5)


# ----- any number of arguments, keyword arguments --------------------------------------------
def tempered(z, temperature=1.0, shift=0.0):
    return np.tanh(z / temperature + shift) * temperature


def leaky(z, temperature=1.0, shift=0.0):
    return np.maximum(z, 0.1 * z) * temperature + shift


ACTIVATIONS = {"tempered": tempered, "leaky": leaky}


def with_keywords(x, t):
    act = ACTIVATIONS["tempered" if np.sum(x) > 0 else "leaky"]
    return np.sum(act(x, temperature=t, shift=0.25) ** 2)


def with_spliced_keywords(x, t):
    options = {"temperature": t, "shift": 0.1 * t}
    act = ACTIVATIONS["tempered" if np.sum(x) > 0 else "leaky"]
    return np.sum(act(x, **options) ** 2)


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("f", [with_keywords, with_spliced_keywords])
def test_keyword_arguments_of_a_run_time_call(f, sign):
    x = sign * np.abs(X[0]) + 0.05
    check_both_modes(f, x, 0.8, wrt=(0, 1))
    check_both_modes(f, x, 1.3, wrt=1)


def test_the_keywords_are_passed_after_the_positional_arguments():
    text = srcad.source(srcad.jvp(with_keywords), X[0], 0.8, X[0])
    assert "pushforward(act, x, t, 0.25, dx)" in text      # the call's (x, temperature=t,
    text = srcad.source(srcad.grad(with_keywords, wrt=(0, 1)), X[0], 0.8)   # shift=0.25)
    assert "pullback(act, x, t, 0.25)" in text and "bx, bt = back(" in text


def eight(a, b, c, d, e, f, g, h):
    return a * b + np.sin(c) * d - e * f / (1.0 + g * g) + h


def eight_more(a, b, c, d, e, f, g, h):
    return a + b * c + d * e + f * g * h


WIDE = [eight, eight_more]


def many_arguments(x, y):
    fn = WIDE[int(np.sum(x) > 0)]
    return np.sum(fn(x, y, x * y, 0.5, y, x, x + y, 2.0) ** 2)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_more_than_six_positional_arguments(sign):
    x = sign * np.abs(X[1]) + 0.05
    check_both_modes(many_arguments, x, X[2], wrt=(0, 1))


# ----- print(obj) of an object made in the function -------------------------------------------
class Scaler:
    def __init__(self, scale):
        self.scale = scale
        self.calls = 0

    def __repr__(self):
        return f"Scaler(scale={np.round(self.scale, 3)}, calls={self.calls})"

    def apply(self, z):
        return z * self.scale


def prints_its_object(s, x):
    scaler = Scaler(s)
    scaler.calls = 1
    print("made", scaler)
    return np.sum(scaler.apply(x) ** 2)


def test_print_of_an_object_made_in_the_function(capsys):
    prints_its_object(0.5, X[0])
    expected = capsys.readouterr().out
    assert expected == "made Scaler(scale=0.5, calls=1)\n"
    for derivative, args in ((srcad.grad(prints_its_object), (0.5, X[0])),
                             (srcad.jvp(prints_its_object), (0.5, X[0], 1.0))):
        derivative(*args)
        assert capsys.readouterr().out == expected
    check_both_modes(prints_its_object, 0.5, X[0], wrt=(0, 1))


# ----- second derivatives through run-time calls: forward over reverse ----------------------
def routed_energy(x):
    unit = UNITS[pick(x, len(UNITS))]
    return np.sum(unit(x) ** 2) + np.sum(unit(x[::-1] * 0.5))


def two_argument_energy(x):
    layer = LAYERS[pick(x, len(LAYERS))]
    return np.sum(layer(x[None, :], W, x) ** 2)


def finite_hessian(f, x, eps=1e-6):
    grad = srcad.grad(f)
    return np.array([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps)
                     for e in np.eye(x.size)]).T


POINTS = [np.array([0.3, -1.2, 0.8]), np.array([0.1, 0.2, 0.25]), np.array([-0.5, -0.2, 0.3])]


@pytest.mark.parametrize("f", [routed_energy, two_argument_energy])
@pytest.mark.parametrize("x", POINTS)
def test_hessian_hvp_and_jvp_of_grad_through_a_run_time_call(f, x):
    expected = finite_hessian(f, x)
    np.testing.assert_allclose(srcad.hessian(f)(x), expected, rtol=1e-5, atol=1e-7)
    v = np.array([0.4, -0.3, 1.1])
    np.testing.assert_allclose(srcad.hvp(f)(x, v), expected @ v, rtol=1e-5, atol=1e-7)
    value, tangent = srcad.jvp(srcad.grad(f))(x, v)
    np.testing.assert_allclose(value, srcad.numeric_grad(f, x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tangent, expected @ v, rtol=1e-5, atol=1e-7)


def test_forward_mode_of_a_gradient_taken_inside_the_function():
    def inner(x):
        return np.sum(srcad.grad(routed_energy)(x) * np.cos(x))
    for x in POINTS:
        srcad.check_grad(inner, x, mode="forward", rtol=1e-5, atol=1e-7)


class Router:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        h = x @ self.w
        unit = UNITS[pick(h, len(UNITS))]
        return np.sum(unit(h) ** 2)


@pytest.mark.parametrize("x", POINTS)
def test_hessian_of_a_method_whose_callee_is_known_when_it_runs(x):
    model = Router(W)
    np.testing.assert_allclose(srcad.hessian(model.energy)(x), finite_hessian(model.energy, x),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", [routed_energy, two_argument_energy])
@pytest.mark.parametrize("x", POINTS)
def test_reverse_over_reverse_through_a_run_time_call(f, x):
    expected = finite_hessian(f, x)
    np.testing.assert_allclose(srcad.jacobian(srcad.grad(f))(x), expected, rtol=1e-5, atol=1e-7)

    def weighted(y):
        return np.sum(srcad.grad(f)(y) * np.cos(y))
    np.testing.assert_allclose(srcad.grad(weighted)(x), srcad.numeric_grad(weighted, x),
                               rtol=1e-5, atol=1e-7)
    (value, grad), vv = srcad.vjp(srcad.vjp(f))(x, 1.3, (0.7, np.cos(x)))
    np.testing.assert_allclose(vv, 0.7 * srcad.grad(f)(x) + 1.3 * expected @ np.cos(x),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", [routed_energy, two_argument_energy])
@pytest.mark.parametrize("x", POINTS)
def test_jvp_of_jvp_through_a_run_time_call(f, x):
    v, u = np.array([0.4, -0.3, 1.1]), np.cos(x)
    (value, tangent), (value_along_u, second) = srcad.jvp(srcad.jvp(f))(x, v, u)
    grad = srcad.numeric_grad(f, x)
    np.testing.assert_allclose([value, tangent, value_along_u], [f(x), grad @ v, grad @ u],
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(second, u @ finite_hessian(f, x) @ v, rtol=1e-5, atol=1e-7)


def test_third_derivatives_are_refused_at_the_call():
    x = POINTS[0]
    line = routed_energy.__code__.co_firstlineno + 2
    attempts = [lambda: srcad.hessian(lambda y: np.sum(srcad.grad(routed_energy)(y)))(x),
                lambda: srcad.jvp(srcad.jvp(srcad.jvp(routed_energy)))(x, x, x, x)]
    for attempt in attempts:
        with pytest.raises(NonDifferentiableError, match="third derivative") as err:
            attempt()
        assert err.value.line == line


def test_hessian_through_run_time_calls_in_a_loop():
    def deep(x, steps):
        h = x
        for t in range(steps):
            unit = UNITS[(t + pick(h, 3)) % len(UNITS)]
            h = unit(h * 0.9) + 0.1 * h
        return np.sum(h ** 2)
    for steps in (1, 4):
        np.testing.assert_allclose(srcad.hessian(deep)(POINTS[0], steps),
                                   finite_hessian(lambda x, n=steps: deep(x, n), POINTS[0]),
                                   rtol=1e-5, atol=1e-7)


def test_a_call_site_holds_the_functions_it_met_weakly():
    import weakref

    def make(scale):
        def unit(z):
            return np.tanh(z) * 0.5 + z * 0.25
        return unit
    grad = srcad.grad(one_unit)                   # kept: it holds the call site
    grad(W, X)
    line = one_unit.__code__.co_firstlineno + 3
    pullback = next(p for p in sites(Pullback) if p.site.line == line)
    first = make(1.0)
    value, back = pullback(first, X)
    np.testing.assert_allclose(back(np.ones_like(X)), 0.5 * (1 - np.tanh(X) ** 2) + 0.25)
    met = weakref.ref(first)
    del first, value, back
    import gc
    gc.collect()
    assert met() is None                          # the site does not keep it alive
    second = make(2.0)                            # another function, maybe at the same address
    np.testing.assert_allclose(pullback(second, X)[0], np.tanh(X) * 0.5 + X * 0.25)


@pytest.mark.parametrize("f", [routed_energy, two_argument_energy])
@pytest.mark.parametrize("x", POINTS)
def test_reverse_over_forward_through_a_run_time_call(f, x):
    v = np.array([0.4, -0.3, 1.1])
    expected = finite_hessian(f, x)
    along_v = srcad.grad(lambda y: srcad.jvp(f)(y, v)[1])(x)
    np.testing.assert_allclose(along_v, expected @ v, rtol=1e-5, atol=1e-7)
    (value, tangent), adjoint = srcad.vjp(srcad.jvp(f))(x, v, (1.0, 0.5))
    np.testing.assert_allclose(adjoint, srcad.numeric_grad(f, x) + 0.5 * expected @ v,
                               rtol=1e-5, atol=1e-7)
