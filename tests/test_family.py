"""Jacobians, Hessians, Hessian-vector products and grad of grad, against finite differences
and against each other (forward == reverse, hvp == hessian @ v)."""

import numpy as np
import pytest

import srcad


def vector_fn(x, y):
    return np.array([x[0] * y, np.sin(x[1]) * x[0], np.exp(x[2]) / y]) * 2.0


def matrix_fn(A, x):
    return np.tanh(A @ x)[:, None] * x[None, :]


def scalar_out(x):
    return np.sum(np.sin(x) * x)


def two_outputs(x, y):
    return np.sum(x * y), x * np.exp(y)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def mlp_loss(W1, b1, W2, x, y):
    h = np.tanh(x @ W1 + b1)
    out = h @ W2
    return np.mean((out - y) ** 2)


def loop_loss(x, n):
    s = 0.0
    for _ in range(n):
        s = s + np.sum(np.sin(x) * x) * 0.5
        if s > 1.0:
            s = s * 0.5
    return s


def rnn_loss(W, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h * h)


def numeric_jacobian(f, args, i, eps=1e-6):
    """Central differences, laid out as out.shape + args[i].shape."""
    x = np.asarray(args[i], dtype=float)
    columns = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        plus, minus = list(args), list(args)
        plus[i] = x + e.reshape(x.shape) if x.ndim else float(x + eps)
        minus[i] = x - e.reshape(x.shape) if x.ndim else float(x - eps)
        columns.append((np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * eps))
    out_shape = np.shape(f(*args))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


RNG = np.random.default_rng(0)
X3 = np.array([0.4, 1.2, -0.3])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_against_differences(mode):
    jac = srcad.jacobian(vector_fn, wrt=(0, 1), mode=mode)
    Jx, Jy = jac(X3, 1.7)
    assert Jx.shape == (3, 3) and Jy.shape == (3,)
    np.testing.assert_allclose(Jx, numeric_jacobian(vector_fn, (X3, 1.7), 0), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(Jy, numeric_jacobian(vector_fn, (X3, 1.7), 1), rtol=1e-7, atol=1e-9)


def test_jacobian_forward_equals_reverse():
    A = RNG.normal(size=(2, 3))
    for wrt in (0, 1, (0, 1)):
        forward = srcad.jacobian(matrix_fn, wrt=wrt, mode="forward")(A, X3)
        reverse = srcad.jacobian(matrix_fn, wrt=wrt, mode="reverse")(A, X3)
        for a, b in zip(np.atleast_1d(forward) if wrt != (0, 1) else forward,
                        np.atleast_1d(reverse) if wrt != (0, 1) else reverse):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    J = srcad.jacobian(matrix_fn, wrt=0)(A, X3)
    assert J.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(J, numeric_jacobian(matrix_fn, (A, X3), 0), rtol=1e-7, atol=1e-9)


def test_jacobian_of_scalar_is_gradient_and_tuple_outputs():
    for mode in ("reverse", "forward"):
        g = srcad.jacobian(scalar_out, mode=mode)(X3)
        np.testing.assert_allclose(g, srcad.grad(scalar_out)(X3), rtol=1e-14)
        (Js, Jv) = srcad.jacobian(two_outputs, wrt=1, mode=mode)(X3, -X3)
        np.testing.assert_allclose(Js, X3, rtol=1e-14)
        np.testing.assert_allclose(Jv, np.diag(X3 * np.exp(-X3)), rtol=1e-14)


def test_jacobian_of_floats_is_a_number():
    def f(x):
        return x * x * x
    for mode in ("reverse", "forward"):
        assert srcad.jacobian(f, mode=mode)(2.0) == pytest.approx(12.0)


def test_jacobian_preserve_result():
    value, J = srcad.jacobian(vector_fn, mode="forward", preserve_result=True)(X3, 1.7)
    np.testing.assert_allclose(value, vector_fn(X3, 1.7))
    np.testing.assert_allclose(J, srcad.jacobian(vector_fn)(X3, 1.7), rtol=1e-12)


def _fd_hessian(f, args, i, eps=1e-5):
    """Central differences of the reverse-mode gradient."""
    return numeric_jacobian(srcad.grad(f, wrt=i), args, i, eps)


def test_hessian_rosenbrock():
    x = np.array([1.2, 0.8, -0.5, 1.1])
    H = srcad.hessian(rosenbrock)(x)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H, _fd_hessian(rosenbrock, (x,), 0), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    # hand-derived: d2/dx0^2 = 1200 x0^2 - 400 x1 + 2
    assert H[0, 0] == pytest.approx(1200 * 1.2 ** 2 - 400 * 0.8 + 2)


def _mlp_args():
    rng = np.random.default_rng(1)
    return (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)),
            rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))


def test_hessian_mlp_loss():
    args = _mlp_args()
    H = srcad.hessian(mlp_loss)(*args)
    assert H.shape == (3, 4, 3, 4)
    np.testing.assert_allclose(H, _fd_hessian(mlp_loss, args, 0), rtol=1e-6, atol=1e-7)
    H_W1_b1 = srcad.hessian(mlp_loss, wrt=(0, 1))(*args)
    assert H_W1_b1[0][1].shape == (3, 4, 4) and H_W1_b1[1][1].shape == (4, 4)
    np.testing.assert_allclose(H_W1_b1[0][0], H, rtol=1e-12)
    np.testing.assert_allclose(H_W1_b1[0][1], np.moveaxis(H_W1_b1[1][0], 0, -1),
                               rtol=1e-10, atol=1e-12)


def test_hessian_through_taped_loops():
    """Forward over reverse through the tape of a loop (pushes and pops of tangents)."""
    x = np.array([0.3, 0.9, -0.4])
    np.testing.assert_allclose(srcad.hessian(loop_loss)(x, 3), _fd_hessian(loop_loss, (x, 3), 0),
                               rtol=1e-6, atol=1e-7)
    args = (RNG.normal(size=(2, 2)) * 0.7, np.array([0.1, -0.2]), RNG.normal(size=(4, 2)))
    for i in range(3):
        np.testing.assert_allclose(srcad.hessian(rnn_loss, wrt=i)(*args),
                                   _fd_hessian(rnn_loss, args, i), rtol=1e-6, atol=1e-7)


def test_hvp_equals_hessian_times_v():
    args = _mlp_args()
    V = np.random.default_rng(2).normal(size=(3, 4))
    H = srcad.hessian(mlp_loss)(*args)
    hv = srcad.hvp(mlp_loss)(*args, V)
    np.testing.assert_allclose(hv, np.tensordot(H, V, axes=2), rtol=1e-10, atol=1e-12)
    x = np.array([1.2, 0.8, -0.5, 1.1])
    v = np.array([0.3, -1.0, 0.5, 2.0])
    np.testing.assert_allclose(srcad.hvp(rosenbrock)(x, v), srcad.hessian(rosenbrock)(x) @ v,
                               rtol=1e-12)
    value, hv = srcad.hvp(rosenbrock, preserve_result=True)(x, v)
    assert value == pytest.approx(rosenbrock(x))


def test_hvp_tuple_wrt_and_bad_vectors():
    args = _mlp_args()
    vs = (np.ones((3, 4)), np.ones(4))
    _, hv_b1 = srcad.hvp(mlp_loss, wrt=(0, 1))(*args, vs)
    H = srcad.hessian(mlp_loss, wrt=(0, 1))(*args)
    np.testing.assert_allclose(hv_b1, np.tensordot(H[1][0], vs[0], axes=2) + H[1][1] @ vs[1],
                               rtol=1e-10)
    with pytest.raises(ValueError, match=r"argument 'W1'.*\(3, 4\).*\(4, 3\)"):
        srcad.hvp(mlp_loss)(*args, np.ones((4, 3)))
    with pytest.raises(ValueError, match="tuple of 2 vectors"):
        srcad.hvp(mlp_loss, wrt=(0, 1))(*args, np.ones((3, 4)))


def test_hessian_preserve_result():
    x = np.array([1.2, 0.8, -0.5])
    value, H = srcad.hessian(rosenbrock, preserve_result=True)(x)
    assert value == pytest.approx(rosenbrock(x))
    np.testing.assert_allclose(H, srcad.hessian(rosenbrock)(x), rtol=1e-14)


def cubic_sin(x):
    return np.sin(x) * x ** 3


def branchy(x):
    if x > 0:
        y = np.exp(x) * x
    else:
        y = x * x
    return y


def test_grad_of_grad():
    """Reverse over reverse for scalar functions, against hand-derived second derivatives."""
    d2 = srcad.grad(srcad.grad(cubic_sin))
    x = 0.7
    expected = -np.sin(x) * x ** 3 + 6 * np.cos(x) * x ** 2 + 6 * np.sin(x) * x
    assert d2(x) == pytest.approx(expected, rel=1e-13)
    assert srcad.grad(srcad.grad(branchy))(0.5) == pytest.approx(np.exp(0.5) * 2.5, rel=1e-13)
    assert srcad.grad(srcad.grad(branchy))(-0.5) == pytest.approx(2.0)
    d3 = srcad.grad(srcad.grad(srcad.grad(cubic_sin)))
    h = 1e-5
    assert d3(x) == pytest.approx((d2(x + h) - d2(x - h)) / (2 * h), rel=1e-7)


def array_loop_loss(x, n):
    h = x
    for _ in range(n):
        h = np.tanh(h * 1.5)
    return np.sum(h)


def test_grad_of_grad_of_a_loop():
    """A loop whose tape records only branch flags (its float values are recomputed in the
    reverse sweep) differentiates twice; one whose tape records varied arrays is refused."""
    expected = (srcad.grad(loop_loss)(0.3 + 1e-5, 3) - srcad.grad(loop_loss)(0.3 - 1e-5, 3)) / 2e-5
    assert srcad.hessian(loop_loss)(0.3, 3) == pytest.approx(expected, rel=1e-6)
    assert srcad.grad(srcad.grad(loop_loss))(0.3, 3) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(srcad.NonDifferentiableError, match="hessian or srcad.hvp") as info:
        srcad.grad(lambda x: np.sum(srcad.grad(array_loop_loss)(x, 3)))(np.array([0.3, 0.1]))
    assert "test_family.py" in str(info.value)


def test_jvp_of_grad_source_is_readable():
    hv = srcad.hvp(cubic_sin)
    assert hv(0.7, 1.0) == pytest.approx(srcad.grad(srcad.grad(cubic_sin))(0.7))
    source = srcad.source(hv)
    assert source.startswith("def jvp_grad_cubic_sin(x, dx):")


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode must be"):
        srcad.jacobian(vector_fn, mode="sideways")
    with pytest.raises(TypeError, match="argument 'x'.*list"):
        srcad.jacobian(scalar_out)([1.0, 2.0])
    with pytest.raises(ValueError, match="wrt=5"):
        srcad.hessian(rosenbrock, wrt=5)
    with pytest.raises(TypeError, match="cannot differentiate jacobian_vector_fn"):
        srcad.grad(srcad.jacobian(vector_fn))
