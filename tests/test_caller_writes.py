"""Writes into an array the caller passed (issue 18): `x[mask] = 0`, `out[...] = h`,
`x += v` on an argument, inside the function being differentiated.

The derivative computes on what the function computes as Python runs it (it reads the values
it wrote, and the gradient flows through the write), and the caller's arrays end as a plain
call leaves them, once per call of grad, value_and_grad, vjp, jvp, jacobian or hessian. The
gradient with respect to an argument the function writes into is the gradient with respect to
its value on entry. Another argument that is, holds or overlaps the written array is a
SrcadError at the line of the write when the derivative runs.
"""

import copy
from pathlib import Path

import numpy as np
import pytest

import srcad
from srcad.errors import AliasedArgumentError

RNG = np.random.default_rng(1805)
GOLDEN = Path(__file__).parent / "golden"


def relu_in_place(x, w):
    x[x < 0] = 0.0
    return np.sum(np.tanh(x @ w))


def leaky_relu_in_place(x, w):
    x[x < 0] *= 0.1
    return np.sum((x @ w) ** 2)


def fill_out_buffer(x, out):
    out[...] = np.sin(x) * 2.0
    out[0] += x[1]
    return np.sum(out * x)


def update_argument(x, y):
    x += y
    x *= 1.5
    return np.sum(np.cos(x) * y)


def rows_in_a_loop(x, h):
    for t in range(x.shape[0]):
        h = np.tanh(h + x[t])
        x[t] = h * 2.0
    return np.sum(x ** 2) + np.sum(h)


def write_in_a_branch(x, c):
    if c > 0:
        x[0] = x[1] * 3.0
    else:
        x[1:] -= 0.5
    return np.sum(np.sin(x) * x)


def through_another_name(x):
    y = x
    y[1:] = y[1:] ** 2
    return np.sum(y * 3.0)


def _clip_into(a, lo):
    a[a < lo] = lo
    return np.sum(a)


def helper_writes_the_argument(x, w):
    _clip_into(x, -0.2)
    return np.sum((x @ w) ** 2)


def put_along_rows(x, w):
    np.put_along_axis(x, np.array([[0], [2]]), 0.5, axis=1)
    return np.sum(np.exp(x) @ w)


def _args(f):
    x = RNG.standard_normal((2, 3))
    second = {relu_in_place: (3, 2), leaky_relu_in_place: (3, 2), helper_writes_the_argument:
              (3, 2), put_along_rows: (3, 2)}.get(f)
    if second is not None:
        return x, RNG.standard_normal(second)
    if f is fill_out_buffer:
        return x, np.zeros((2, 3))
    if f in (update_argument, rows_in_a_loop):
        return x, RNG.standard_normal(3)
    if f is write_in_a_branch:
        return RNG.standard_normal(4), 1.0
    return (x,)


PROGRAMS = [relu_in_place, leaky_relu_in_place, fill_out_buffer, update_argument,
            rows_in_a_loop, write_in_a_branch, through_another_name,
            helper_writes_the_argument, put_along_rows]


def _fresh(args):
    return copy.deepcopy(list(args))


def _plain(f, args, wrt, x):
    fresh = _fresh(args)
    fresh[wrt] = x
    return f(*fresh)


def _assert_args_like(got, want):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f", PROGRAMS, ids=[f.__name__ for f in PROGRAMS])
def test_reverse_mode_computes_what_python_computes_and_writes_what_python_writes(f):
    args = _args(f)
    plain = _fresh(args)
    value = f(*plain)
    numeric = srcad.numeric_grad(lambda x: _plain(f, args, 0, x), _fresh(args)[0])
    by_grad, by_value_and_grad, by_vjp = _fresh(args), _fresh(args), _fresh(args)
    np.testing.assert_allclose(srcad.grad(f)(*by_grad), numeric, rtol=1e-5, atol=1e-7)
    got_value, gradient = srcad.value_and_grad(f)(*by_value_and_grad)
    assert got_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)
    got_value, pulled = srcad.vjp(f)(*by_vjp, 2.0)
    assert got_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(pulled, 2.0 * numeric, rtol=1e-5, atol=1e-7)
    for after in (by_grad, by_value_and_grad, by_vjp):
        _assert_args_like(after, plain)


@pytest.mark.parametrize("f", PROGRAMS, ids=[f.__name__ for f in PROGRAMS])
def test_forward_mode_computes_what_python_computes_and_writes_what_python_writes(f):
    args = _args(f)
    plain = _fresh(args)
    value = f(*plain)
    numeric = srcad.numeric_grad(lambda x: _plain(f, args, 0, x), _fresh(args)[0])
    tangent = RNG.standard_normal(np.shape(args[0]))
    by_jvp = _fresh(args)
    got_value, derivative = srcad.jvp(f)(*by_jvp, tangent)
    assert got_value == pytest.approx(value, rel=1e-12)
    assert derivative == pytest.approx(np.sum(numeric * tangent), rel=1e-5, abs=1e-7)
    _assert_args_like(by_jvp, plain)


def test_the_gradient_is_with_respect_to_the_value_on_entry():
    x = np.array([1.5, -2.0, 0.5])
    w = np.array([[1.0], [2.0], [3.0]])
    gradient = srcad.grad(lambda x: relu_in_place(x, w))(x)
    np.testing.assert_allclose(x, [1.5, 0.0, 0.5])                    # as Python leaves it
    entry = np.array([1.5, -2.0, 0.5])
    expected = (1 - np.tanh(np.maximum(entry, 0) @ w) ** 2) * w[:, 0] * (entry > 0)
    np.testing.assert_allclose(gradient, expected)


def test_jacobian_and_hessian_change_the_callers_array_once():
    def doubled_cubes(x):
        x *= 2.0
        return np.sum(x ** 3)
    x = np.ones(3)
    np.testing.assert_allclose(srcad.hessian(doubled_cubes)(x), 48.0 * np.eye(3))
    np.testing.assert_allclose(x, 2.0)
    y = np.arange(3.0)

    def scaled(x):
        return update_argument(x, y) * x
    numeric = np.array([(scaled(np.ones(3) + 1e-6 * e) - scaled(np.ones(3) - 1e-6 * e)) / 2e-6
                        for e in np.eye(3)]).T
    plain = np.ones(3)
    scaled(plain)
    for mode in ("reverse", "forward"):
        x = np.ones(3)
        np.testing.assert_allclose(srcad.jacobian(scaled, mode=mode)(x), numeric, rtol=1e-5,
                                   atol=1e-7)
        np.testing.assert_allclose(x, plain)


# ----- the same array under two names, checked when the derivative runs -----------------------
def write_first(x, y):
    x[0] = 5.0
    return np.sum(x * y)


def write_into_a_dict_item_too(x, params):
    x[1:] = 0.0
    return np.sum(x * params["W"])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_another_argument_showing_the_written_array_is_refused_at_the_line(mode):
    base = np.arange(1.0, 5.0)
    calls = [(write_first, (base, base)), (write_first, (base[:3], base[1:])),
             (write_into_a_dict_item_too, (base, {"W": base}))]
    for f, args in calls:
        transform = srcad.grad(f) if mode == "reverse" else srcad.jvp(f)
        extra = () if mode == "reverse" else (np.ones_like(args[0]),)
        with pytest.raises(AliasedArgumentError, match="another argument is") as err:
            transform(*args, *extra)
        assert err.value.line == f.__code__.co_firstlineno + 1
        assert isinstance(err.value, srcad.SrcadError)
        np.testing.assert_allclose(base, [1.0, 2.0, 3.0, 4.0])     # nothing written


def test_views_that_do_not_overlap_are_two_arrays():
    base = np.arange(1.0, 7.0)
    plain = base.copy()
    value = write_first(plain[::2], plain[1::2])
    got, gradient = srcad.value_and_grad(write_first)(base[::2], base[1::2])
    assert got == pytest.approx(value)
    np.testing.assert_allclose(base, plain)
    np.testing.assert_allclose(gradient, [0.0, 4.0, 6.0])


# ----- what is still refused -------------------------------------------------------------------
def write_into_a_view(x):
    v = x[1:]
    v[0] = 0.0
    return np.sum(x)


def read_the_old_name_after(x):
    y = x
    x[0] = 2.0
    return np.sum(y * x)


def write_then_return_in_a_branch(x, c):
    if c > 0:
        x[0] = 1.0
        return np.sum(x)
    return np.sum(x ** 2)


@pytest.mark.parametrize("f, message", [
    (write_into_a_view, r"cannot tell whose array it is .*through the name"),
    (read_the_old_name_after, r"'y' also names"),
    (write_then_return_in_a_branch, r"cannot follow to the end of the function"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_srcad_cannot_follow_is_refused_at_the_line(f, message, mode):
    x = np.array([0.5, -1.0, 2.0])
    transform = srcad.grad(f) if mode == "reverse" else srcad.jvp(f)
    args = (x,) if f is not write_then_return_in_a_branch else (x, 1.0)
    extra = () if mode == "reverse" else (np.ones(3),)
    with pytest.raises(srcad.UnsupportedSyntaxError, match=message) as err:
        transform(*args, *extra)
    assert err.value.line is not None
    np.testing.assert_allclose(x, [0.5, -1.0, 2.0])


# ----- the generated code ----------------------------------------------------------------------
def test_generated_code_copies_the_argument_once_and_writes_it_back_once():
    args = _args(fill_out_buffer)
    g = srcad.grad(fill_out_buffer, wrt=(0, 1))
    g(*_fresh(args))
    text = srcad.source(g)
    path = GOLDEN / "caller_writes_grad.py"
    if not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"generated source changed; diff against {path}"
    assert text.count("np.copy(out)") == 1 and text.count("\n    out[...] = out_") == 1
    j = srcad.jvp(update_argument)
    j(*_fresh(_args(update_argument)), np.ones((2, 3)))
    text = srcad.source(j)
    assert text.count("np.copy(x)") == 1 and text.count("x[...] = ") == 1


def squares_a_slice_of_a_copy(x):
    y = x.copy()
    y[1:] = y[1:] ** 2
    return np.sum(y * 3.0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_view_read_by_the_tangent_is_not_moved_past_the_write_into_it(mode):
    """Found here: the tangent of `y[1:] ** 2` reads the view `y[1:]`; generated code inlined
    it at its use, after `y[1:] = ...` had overwritten that view in place (a wrong jvp)."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    srcad.check_grad(squares_a_slice_of_a_copy, x, mode=mode)
    j = srcad.jvp(squares_a_slice_of_a_copy)
    _, tangent = j(x, np.ones_like(x))
    assert tangent == pytest.approx(np.sum(srcad.numeric_grad(squares_a_slice_of_a_copy, x)))


# ----- arrays the caller's dict or an object holds ---------------------------------------------
def momentum_step_then_loss(params, x):
    params["W"] -= 0.1 * params["W"] * x
    params["W"][0] *= 2.0
    params["v"] = params["W"] * 0.5          # a new array stored: the dict's key is rebound
    return np.sum(np.sin(params["W"]) * x) + np.sum(params["v"])


class Scaler:
    def __init__(self):
        self.scale = np.array([1.0, 2.0, 0.5])

    def loss(self, x):
        self.scale *= 1.1
        self.scale[1] += 0.25
        self.scale[2] = self.scale[0] * 0.5
        return np.sum(np.tanh(self.scale * x))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_array_the_callers_dict_holds_is_written_in_place(mode):
    def fresh():
        return {"W": np.array([0.5, -1.0, 2.0]), "v": np.zeros(3)}, np.array([1.0, 0.3, -0.7])
    plain = fresh()
    value = momentum_step_then_loss(*plain)
    params, x = fresh()
    W = params["W"]
    srcad.check_grad(momentum_step_then_loss, *fresh(), mode=mode)
    srcad.check_grad(momentum_step_then_loss, *fresh(), wrt=1, mode=mode)
    if mode == "reverse":
        got, _ = srcad.value_and_grad(momentum_step_then_loss)(params, x)
    else:
        got, _ = srcad.jvp(momentum_step_then_loss)(params, x, fresh()[0])
    assert got == pytest.approx(value)
    assert params["W"] is W                         # written into, as Python writes it
    np.testing.assert_allclose(W, plain[0]["W"])
    np.testing.assert_allclose(params["v"], plain[0]["v"])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_array_an_object_holds_is_written_in_place(mode):
    x = np.array([0.2, -0.4, 0.9])
    plain, model = Scaler(), Scaler()
    value = plain.loss(x)
    scale = model.scale
    if mode == "reverse":
        got, gradient = srcad.value_and_grad(model.loss)(x)
    else:
        got, gradient = srcad.jvp(model.loss)(x, np.ones(3))
    assert got == pytest.approx(value)
    assert model.scale is scale
    np.testing.assert_allclose(scale, plain.scale)
    numeric = srcad.numeric_grad(lambda x: Scaler().loss(x), x)
    expected = numeric if mode == "reverse" else np.sum(numeric)
    np.testing.assert_allclose(gradient, expected, rtol=1e-6)


def read_the_item_under_another_name(params, x):
    W = params["W"]
    params["W"] += x
    return np.sum(W * x)


def test_the_dicts_array_read_under_another_name_after_the_write_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="'W' also names"):
        srcad.grad(read_the_item_under_another_name)({"W": np.ones(3)}, np.ones(3))


def test_the_dicts_array_passed_again_is_refused_when_the_derivative_runs():
    W = np.ones(3)
    with pytest.raises(AliasedArgumentError, match=r"params\['W'\]") as err:
        srcad.grad(momentum_step_then_loss)({"W": W}, W)
    assert err.value.line == momentum_step_then_loss.__code__.co_firstlineno + 1


class Aliased:
    def __init__(self):
        self.scale = np.ones(3)

    def loss(self, x):
        before = self.scale
        self.scale[0] = 3.0
        return np.sum(before * x)


def test_the_objects_array_read_under_another_name_after_the_write_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="'before' also names"):
        srcad.grad(Aliased().loss)(np.ones(3))


class NamedFirst:
    def __init__(self):
        self.W = np.array([1.0, -2.0, 0.5])

    def loss(self, x):
        W = self.W
        W[W < 0] = 0.0                           # the object's array, through another name
        return np.sum(self.W * x ** 2)

    def loss_through_the_attribute(self, x):
        self.W[self.W < 0] = 0.0
        return np.sum(self.W * x ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_into_an_objects_array_through_the_attribute(mode):
    x = np.array([0.5, 1.5, -1.0])
    with pytest.raises(srcad.UnsupportedSyntaxError, match="cannot tell whose array"):
        srcad.grad(NamedFirst().loss)(x)
    plain, model = NamedFirst(), NamedFirst()
    value = plain.loss(x)
    if mode == "reverse":
        got, gradient = srcad.value_and_grad(model.loss_through_the_attribute)(x)
        np.testing.assert_allclose(gradient, 2 * x * plain.W)
    else:
        got, tangent = srcad.jvp(model.loss_through_the_attribute)(x, np.ones(3))
        assert tangent == pytest.approx(np.sum(2 * x * plain.W))
    assert got == pytest.approx(value)
    np.testing.assert_allclose(model.W, plain.W)


def stores_then_updates_in_place(params, x):
    params["W"] = params["W"] * 2.0
    for _ in range(2):
        params["W"] -= 0.1 * x
    return np.sum(params["W"] * x)


def test_a_key_both_rebound_and_changed_in_place_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="keep one form for that key") \
            as err:
        srcad.grad(stores_then_updates_in_place, wrt=1)({"W": np.ones(2)}, np.ones(2))
    assert err.value.line == stores_then_updates_in_place.__code__.co_firstlineno + 1


def steps_in_a_loop(params, x):
    for _ in range(3):
        params["W"] -= 0.1 * params["W"] * x
    return np.sum(params["W"] * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_array_the_callers_dict_holds_changed_in_a_loop(mode):
    x = np.array([0.5, 2.0])
    srcad.check_grad(steps_in_a_loop, {"W": np.array([1.0, -0.5])}, x, mode=mode)
    srcad.check_grad(steps_in_a_loop, {"W": np.array([1.0, -0.5])}, x, wrt=1, mode=mode)
    params, plain = {"W": np.array([1.0, -0.5])}, {"W": np.array([1.0, -0.5])}
    array = params["W"]
    steps_in_a_loop(plain, x)
    if mode == "reverse":
        srcad.grad(steps_in_a_loop)(params, x)
    else:
        srcad.jvp(steps_in_a_loop)(params, x, {"W": np.ones(2)})
    assert params["W"] is array
    np.testing.assert_allclose(array, plain["W"])
