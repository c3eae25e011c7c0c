"""NumPy families at user level, through srcad.grad and srcad.jvp against finite differences
(srcad.check_grad) and hand-derived values: the ufuncs sinc, fmod, float_power, fabs,
heaviside; cumsum, cumprod (zeros included), average, ptp; moveaxis, flip, roll, rot90, pad,
the split family (lists out, unused pieces), atleast_nd, the stacking family and np.r_/np.c_,
sort, np.select; float32 stays float32."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(7)
X = RNG.uniform(-1.0, 1.0, (3, 4))
T = RNG.uniform(-1.0, 1.0, (2, 3, 4))
W = RNG.uniform(-1.0, 1.0, (3, 4))


def both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt)
    srcad.check_grad(f, *args, wrt=wrt, mode="forward")


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.sinc(x) * W),
    lambda x: np.sum(np.fmod(3.0 * x, 0.7) * W),
    lambda x: np.sum(np.float_power(x * x + 0.5, 1.5)),
    lambda x: np.sum(np.fabs(x) * W),
    lambda x: np.sum(np.heaviside(x, 0.5) * x),
], ids=["sinc", "fmod", "float_power", "fabs", "heaviside"])
def test_ufuncs(f):
    both_modes(f, X)


def test_sinc_derivative_at_zero_is_zero_and_second_is_minus_pi_squared_over_3():
    assert srcad.grad(lambda x: np.sinc(x))(0.0) == 0.0
    h = srcad.hessian(lambda x: np.sum(np.sinc(x)))(np.array([0.0]))
    assert h[0, 0] == pytest.approx(-np.pi ** 2 / 3, rel=1e-12)


def test_heaviside_value_at_zero_gets_the_gradient():
    g = srcad.grad(lambda h0: np.sum(np.heaviside(np.array([-1.0, 0.0, 0.0, 2.0]), h0)))(0.5)
    assert g == 2.0


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_and_cumprod(axis):
    both_modes(lambda x: np.sum(np.cumsum(x, axis=axis) * np.cumprod(x, axis=axis)), X)
    both_modes(lambda x: np.sum(x.cumsum(axis) ** 2), X)


def test_cumprod_with_zeros_is_exact():
    x = np.array([0.5, 0.0, 1.5, 0.0, 2.0])
    g = srcad.grad(lambda x: np.sum(np.cumprod(x)))(x)
    # d/dx_j sum_i prod_{k<=i} x_k: only the terms before the second zero survive
    np.testing.assert_allclose(g, [1.0, 0.5 + 0.5 * 1.5, 0.0, 0.0, 0.0])
    both_modes(lambda x: np.sum(np.cumprod(x) * np.arange(5.0)), x)
    h = srcad.hessian(lambda x: np.sum(np.cumprod(x)))(x)
    assert h[1, 3] == pytest.approx(0.5 * 1.5 + 0.5 * 1.5 * 2.0)   # terms i = 3 and i = 4


@pytest.mark.parametrize("axis, weights", [(None, None), (1, None), (None, W * W + 0.1),
                                           (1, np.array([0.5, 1.0, 2.0, 0.3])),
                                           (0, np.array([1.0, 2.0, 3.0]))])
def test_average(axis, weights):
    both_modes(lambda x: np.sum(np.average(x, axis=axis, weights=weights) ** 2), X)
    if weights is not None:
        both_modes(lambda w: np.sum(np.average(X, axis=axis, weights=w) ** 2), weights)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False)])
def test_ptp(axis, keepdims):
    both_modes(lambda x: np.sum(np.ptp(x, axis=axis, keepdims=keepdims) ** 2), X)


@pytest.mark.parametrize("f", [
    lambda t: np.sum(np.moveaxis(t, 0, -1) * np.moveaxis(T, 0, -1) ** 2),
    lambda t: np.sum(np.moveaxis(t, (0, 1), (2, 0)) ** 3),
    lambda t: np.sum(np.flip(t, (0, 2)) * T),
    lambda t: np.sum(np.flip(t) * T),
    lambda t: np.sum(np.fliplr(t) * T) + np.sum(np.flipud(t[0]) * T[1]),
    lambda t: np.sum(np.roll(t, 2) * T) + np.sum(np.roll(t, (1, -1), axis=(0, 2)) * T),
    lambda t: np.sum(np.rot90(t, 3, axes=(1, 2)) ** 2 * np.rot90(T, 3, axes=(1, 2))),
    lambda t: (np.sum(np.pad(t, 1) ** 2)
               + np.sum(np.pad(t, ((0, 1), (2, 0), (1, 1)), "reflect") ** 3)),
    lambda t: np.sum(np.pad(t, (1, 2), mode="wrap") ** 3 + np.pad(t, 1, mode="edge").sum()),
], ids=["moveaxis", "moveaxis-tuple", "flip", "flip-all", "fliplr-flipud", "roll", "rot90",
        "pad", "pad-wrap-edge"])
def test_moving_elements(f):
    both_modes(f, T)


def test_pad_constant_value_gets_the_outside_gradient():
    g = srcad.grad(lambda c: np.sum(np.pad(X, 1, constant_values=c)))(0.3)
    assert g == pytest.approx((5 * 6) - 12)


def test_pad_refuses_other_modes():
    with pytest.raises(srcad.SrcadError, match="linear_ramp"):
        srcad.grad(lambda x: np.sum(np.pad(x, 1, mode="linear_ramp")))(X)


def test_split_returns_a_list_and_unused_pieces_get_zeros():
    def f(x):
        a, _, c = np.split(x, [1, 3], axis=1)
        return np.sum(a * 2.0) + np.sum(c ** 2)
    g = srcad.grad(f)(X)
    expected = np.zeros_like(X)
    expected[:, 0] = 2.0
    expected[:, 3:] = 2 * X[:, 3:]
    np.testing.assert_allclose(g, expected)
    both_modes(f, X)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.array_split(x, 3, axis=1)[1] ** 2),
    lambda x: sum(np.sum(p ** 2 * (i + 1)) for i, p in enumerate(np.hsplit(x, 2))),
    lambda x: np.sum(np.vsplit(x, [2])[0] ** 3),
    lambda x: np.sum(np.dsplit(x[None], 2)[1] ** 3),
], ids=["array_split", "hsplit", "vsplit", "dsplit"])
def test_split_family(f):
    both_modes(f, X)


@pytest.mark.parametrize("f", [
    lambda v: np.sum(np.atleast_2d(v) ** 2) + np.sum(np.atleast_3d(v) * 3.0),
    lambda v: np.sum(np.hstack([v, v * 2.0]) ** 2) + np.sum(np.vstack((v, v)) ** 3),
    lambda v: np.sum(np.dstack([v, v ** 2]) ** 2) + np.sum(np.column_stack([v, v * v]) ** 3),
    lambda v: np.sum(np.r_[v, 2.0 * v, 0.5] ** 2 * np.arange(9.0)),
    lambda v: np.sum(np.c_[v, v ** 2] ** 2 * np.array([1.0, 3.0])),
], ids=["atleast", "hstack-vstack", "dstack-column_stack", "r_", "c_"])
def test_assembling(f):
    both_modes(f, np.array([0.3, -0.8, 1.4, 0.6]))


def test_atleast_1d_of_a_float_gives_a_float_gradient():
    g = srcad.grad(lambda x: np.sum(np.atleast_1d(x) ** 2))(0.7)
    assert isinstance(g, float) and g == pytest.approx(1.4)


def test_r_with_only_constants_is_folded_and_slices_with_arrays_are_refused():
    assert srcad.grad(lambda x: np.sum(np.r_[0:3, 5] * x))(np.ones(4)).tolist() == [0, 1, 2, 5]
    with pytest.raises(srcad.SrcadError, match="np.r_"):
        srcad.grad(lambda x: np.sum(np.r_[0:3, x]))(np.ones(4))


@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort(axis):
    ramp = np.linspace(0.0, 1.0, 12).reshape((12,) if axis is None else (3, 4))
    both_modes(lambda x: np.sum(np.sort(x, axis=axis) * ramp), X)
    x = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(srcad.grad(lambda x: np.sort(x)[0])(x), [0.0, 1.0, 0.0])


def test_argsort_is_not_differentiated_but_can_index():
    def f(x):
        return np.sum(x[np.argsort(x, axis=0)[0]])
    both_modes(f, np.array([0.3, -1.0, 2.0]))


def test_select():
    def f(x, d):
        return np.sum(np.select([x > 0.5, x < -0.2], [x ** 2, 3.0 * x], d) * W)
    both_modes(f, X, 0.7, wrt=(0, 1))
    g = srcad.grad(f, wrt=1)(X, 0.7)
    assert g == pytest.approx(np.sum(W * ~((X > 0.5) | (X < -0.2))))


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.cumprod(x, axis=1) + np.sinc(x)),
    lambda x: np.sum(np.sort(np.pad(x, 1), axis=0) ** 2) * np.average(x, axis=None),
    lambda x: np.sum(np.hstack(np.split(x, 2, axis=1)[::-1]) ** 2),
])
def test_float32_stays_float32(f):
    x = X.astype(np.float32)
    assert srcad.grad(f)(x).dtype == np.float32
    assert np.asarray(srcad.jvp(f)(x, np.ones_like(x))[1]).dtype == np.float32
