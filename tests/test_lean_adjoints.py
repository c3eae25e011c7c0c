"""Generated adjoints as lean as hand-written ones (issue 21), with unchanged numbers.

- `np.sum(out * dout)` over an array the function made: the adjoint of `out` is `dout` (a
  copy where the reverse sweep writes into it), not an array of ones times `dout`: a
  dimension of `dout` known not to be 1 is not 1 in the broadcast either, even where `out`'s
  size-1 pattern is not known.
- The adjoint of an array read (zeros with g at the index), and `unbroadcast` of an array
  nothing else reads, belong to the generated code: the slice writes that follow go into it
  in place, with no copy first.

Each program is checked in reverse mode (srcad.check_grad against central differences) and
forward mode (the same check through jvp), and its generated source for what it must not do.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(21)


def filled_then_weighted(x, W, dout):
    N, T = x.shape[0], 3
    out = np.zeros((N, T, W.shape[1]))
    for t in range(T):
        out[:, t, :] = np.tanh(x @ W + t)
    return np.sum(out * dout)


def filled_then_broadcast(x, W, dout):
    """dout has fewer dimensions than out: the adjoint of out is dout broadcast."""
    out = np.zeros((x.shape[0], W.shape[1]))
    out[:, :] = np.sin(x @ W)
    return np.sum(out * dout)


def gates(x, W):
    a = x @ W
    H = W.shape[1] // 3
    i = 1.0 / (1.0 + np.exp(-a[:, :H]))
    f = np.tanh(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:])
    return np.sum(i * g + f * f)


def masked_sigmoid(x):
    neg = x < 0
    z = np.zeros_like(x)
    z[~neg] = np.exp(-x[~neg])
    z[neg] = np.exp(x[neg])
    top = np.ones_like(x)
    top[neg] = z[neg]
    return np.sum(top / (1 + z) * np.cos(x))


CASES = {
    "filled_then_weighted": (filled_then_weighted, lambda: (
        RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5)),
        RNG.standard_normal((4, 3, 5))), (0, 1)),
    "filled_then_broadcast": (filled_then_broadcast, lambda: (
        RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5)), RNG.standard_normal(5)),
        (0, 1)),
    "gates": (gates, lambda: (RNG.standard_normal((4, 3)), RNG.standard_normal((3, 6))), (0, 1)),
    "masked_sigmoid": (masked_sigmoid, lambda: (RNG.standard_normal((3, 4)),), (0,)),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_in_both_modes(name, mode):
    f, make, wrt = CASES[name]
    args = make()
    assert srcad.check_grad(f, *args, wrt=wrt, mode=mode)


def _source(name):
    f, make, wrt = CASES[name]
    g = srcad.grad(f, wrt=wrt)
    g(*make())
    return srcad.source(g)


def test_weighted_sum_needs_no_array_of_ones():
    text = _source("filled_then_weighted")
    assert "broadcast_like" not in text and "shape_like" not in text


def test_broadcast_weight_keeps_its_broadcast():
    f, make, wrt = CASES["filled_then_broadcast"]
    x, W, dout = make()
    gx, gW = srcad.grad(f, wrt=wrt)(x, W, dout)
    cos = np.cos(x @ W) * dout
    np.testing.assert_allclose(gx, cos @ W.T)
    np.testing.assert_allclose(gW, x.T @ cos)


@pytest.mark.parametrize("name", ["gates", "masked_sigmoid"])
def test_adjoint_slice_writes_go_in_place(name):
    assert ".copy()" not in _source(name) and "np.copy(" not in _source(name)


def test_returned_gradients_are_fresh():
    f, make, wrt = CASES["gates"]
    x, W = make()
    g = srcad.grad(f, wrt=wrt)
    first, second = g(x, W), g(x, W)
    for a, b in zip(first, second):
        assert not np.shares_memory(a, b)
    for a in first:
        assert not np.shares_memory(a, x) and not np.shares_memory(a, W)


# ----- binary cross-entropy on a logistic: adjoint y - p in the logits ---------------------
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def bce(w, b, X, y):
    p = sigmoid(X @ w + b)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def bce_reordered(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.sum(np.log(1 - p) * (1 - y) + np.log(p) * y) + np.sum(p * p)


def bce_scalar(z, y):
    p = 1.0 / (1.0 + np.exp(-z))
    return y * np.log(p) + (1.0 - y) * np.log(1.0 - p)


def _bce_args(dtype=np.float64):
    X = RNG.standard_normal((6, 3)).astype(dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.3], dtype=dtype)
    return (0.5 * RNG.standard_normal(3)).astype(dtype), 0.2, X, y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_bce_in_both_modes(mode):
    w, b, X, y = _bce_args()
    assert srcad.check_grad(bce, w, b, X, y, wrt=(0, 1, 3), mode=mode)
    assert srcad.check_grad(bce_reordered, w, X, y, wrt=(0, 2), mode=mode)
    assert srcad.check_grad(bce_scalar, 0.4, 0.7, wrt=(0, 1), mode=mode)


def test_bce_adjoint_is_y_minus_p_and_the_value_is_unchanged():
    w, b, X, y = _bce_args()
    g = srcad.value_and_grad(bce, wrt=(0, 1))
    value, (gw, gb) = g(w, b, X, y)
    assert value == bce(w, b, X, y)            # the same operations: the same float
    dz = (1.0 / (1.0 + np.exp(-(X @ w + b))) - y) / y.size
    np.testing.assert_allclose(gw, X.T @ dz, rtol=1e-13)
    np.testing.assert_allclose(gb, np.sum(dz), rtol=1e-13)
    assert type(gb) is float
    grad = srcad.grad(bce, wrt=(0, 1))
    grad(w, b, X, y)
    code = [line for line in srcad.source(grad).splitlines() if not line.strip().startswith("#")]
    assert not any("np.log" in line for line in code)
    assert any("(y - p)" in line for line in code)


def test_bce_float32_and_scalar_types():
    w, b, X, y = _bce_args(np.float32)
    value, (gw,) = srcad.value_and_grad(bce, wrt=(0,))(w, b, X, y)
    assert value == bce(w, b, X, y) and gw.dtype == np.float32
    value, grads = srcad.value_and_grad(bce_scalar, wrt=(0, 1))(0.4, 0.7)
    assert type(value) is float and value == bce_scalar(0.4, 0.7)
    assert all(type(v) is float for v in grads)


# ----- the stable log-softmax: the shift by the maximum is not differentiated ---------------
def softmax_loss(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    N = x.shape[0]
    return -np.sum(log_probs[np.arange(N), y]) / N


def soft_targets(z, t):
    s = z - z.max(axis=0, keepdims=True)
    return -np.sum(t * (s - np.log(np.exp(s).sum(axis=0, keepdims=True)))) + np.sum(s * s)


def whole_vector(z, t):
    s = z - np.max(z, keepdims=True)
    return -np.sum(t * (s - np.log(np.sum(np.exp(s), keepdims=True))))


def _logits():
    x = 3.0 * RNG.standard_normal((5, 4))
    x[2, 1] = x[2, 3] = np.max(x[2]) + 1.0        # a tie for the maximum
    return x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_log_softmax_in_both_modes(mode):
    x, y = _logits(), np.array([0, 3, 1, 2, 3])
    t = RNG.random((5, 4))
    assert srcad.check_grad(softmax_loss, x, y, mode=mode)
    assert srcad.check_grad(soft_targets, x, t, wrt=(0, 1), mode=mode)
    assert srcad.check_grad(whole_vector, x[0], t[0], wrt=(0, 1), mode=mode)


def test_log_softmax_adjoint_is_softmax_minus_onehot_and_the_value_is_unchanged():
    x, y = _logits(), np.array([0, 3, 1, 2, 3])
    value, gx = srcad.value_and_grad(softmax_loss)(x, y)
    assert value == softmax_loss(x, y)
    probs = np.exp(x - x.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    probs[np.arange(5), y] -= 1
    np.testing.assert_allclose(gx, probs / 5, rtol=1e-12, atol=1e-15)
    g = srcad.grad(softmax_loss)
    g(x, y)
    code = [line for line in srcad.source(g).splitlines() if not line.strip().startswith("#")]
    assert not any("==" in line or "np.max" in line or "check_broadcast" in line
                   for line in code)


def test_shapes_that_do_not_broadcast_raise_as_in_python():
    w, b, X, y = _bce_args()
    with pytest.raises(ValueError) as python_error:
        bce(w, b, X, y[:4])
    with pytest.raises(ValueError) as srcad_error:
        srcad.grad(bce, wrt=(0, 1))(w, b, X, y[:4])
    assert "broadcast" in str(python_error.value) and "broadcast" in str(srcad_error.value)
    x = np.ones((3, 1))
    gx, = srcad.grad(lambda_free_product, wrt=(0,))(x, np.ones(4))   # (3, 1) with (4,)
    np.testing.assert_allclose(gx, np.full((3, 1), 4.0))


def lambda_free_product(x, v):
    return np.sum(x * v)


# ----- np.var over axis 0 shares the function's own x - mean ------------------------------
def batchnorm(x, gamma, beta, dout):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(var + 1e-5)
    return np.sum((gamma * x_hat + beta) * dout)


def spreads(x):
    return np.sum(np.var(x, axis=1)) * np.sum(np.std(x, axis=0)) + np.var(x) * np.std(x)


def _batchnorm_args():
    return (2.0 * RNG.standard_normal((6, 4)) + 1.0, 1.0 + 0.1 * RNG.standard_normal(4),
            0.1 * RNG.standard_normal(4), RNG.standard_normal((6, 4)))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_var_and_std_in_both_modes(mode):
    assert srcad.check_grad(batchnorm, *_batchnorm_args(), wrt=(0, 1, 2), mode=mode)
    assert srcad.check_grad(spreads, RNG.standard_normal((4, 5)), mode=mode)


def test_batchnorm_adjoint_reuses_x_minus_mu():
    x, gamma, beta, dout = _batchnorm_args()
    g = srcad.grad(batchnorm, wrt=(0, 1, 2))
    gx, ggamma, gbeta = g(x, gamma, beta, dout)
    N, std = x.shape[0], np.sqrt(x.var(axis=0) + 1e-5)
    x_hat = (x - x.mean(axis=0)) / std
    dx_hat = dout * gamma
    hand = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * std)
    np.testing.assert_allclose(gx, hand, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ggamma, np.sum(dout * x_hat, axis=0), rtol=1e-12)
    np.testing.assert_allclose(gbeta, dout.sum(axis=0), rtol=1e-12)
    code = [line for line in srcad.source(g).splitlines() if not line.strip().startswith("#")]
    assert sum(line.count(" x.mean(") for line in code) == 1     # x.mean(axis=0), once
    assert not any(".var(" in line for line in code)       # the variance of x - mu
