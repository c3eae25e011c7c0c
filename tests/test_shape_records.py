"""A loop's tape keeps only the shape of a value its reverse sweep reads for its shape alone
(issue 21, peak memory; srcad/transforms/reverse/tape.py shape_records).

`h @ W + b` in a loop over layers: the adjoint of the sum reads `h @ W` only to unbroadcast
into its shape; a gate read as slices of one array `a` (`a[:, :H]`, `a[:, H:]`): the adjoint
of each slice reads `a` only for the shape of the zeros it scatters into. The tape used to
hold those arrays whole, for every iteration; it now holds the shape alone where unbroadcast
is all that reads it (`unbroadcast_to(g, shape)`), else `shape_record(a)`, a zero-stride
read-only stand-in with a's shape and dtype and no memory of its own. Both modes are checked
against differences, the peak against a hand-written gradient's.
"""

import numpy as np
import pytest

import srcad
from memory_check import code as _code, peak as _peak
from srcad.runtime import shape_record, unbroadcast, unbroadcast_to

RNG = np.random.default_rng(2110)


def _r(*shape):
    return RNG.standard_normal(shape)


def layers_loss(params, x, y):
    h = x
    for W, b in params:
        h = 1.0 / (1.0 + np.exp(-(h @ W + b)))
    return np.mean((h - y) ** 2)


def layers_hand(params, x, y):
    hs = [x]
    for W, b in params:
        hs.append(1.0 / (1.0 + np.exp(-(hs[-1] @ W + b))))
    h = hs.pop()
    dh = 2.0 * (h - y) / h.size
    grads = []
    for W, _ in reversed(params):
        dz = dh * h * (1.0 - h)
        h = hs.pop()
        grads.append((h.T @ dz, dz.sum(axis=0)))
        dh = dz @ W.T
    return grads[::-1]


def gates_loss(x, Wx, Wh, h0):
    H = h0.shape[1]
    h = h0
    total = 0.0
    for t in range(x.shape[1]):
        a = x[:, t, :] @ Wx + h @ Wh
        gate = 1.0 / (1.0 + np.exp(-a[:, :H]))
        h = gate * np.tanh(a[:, H:])
        total = total + np.sum(h * h)
    return total


def _layers_args(n=200, dtype=np.float64):
    sizes = [3, 16, 16, 1]
    params = [((_r(m, k) / np.sqrt(m)).astype(dtype), (0.1 * _r(k)).astype(dtype))
              for m, k in zip(sizes, sizes[1:])]
    return params, _r(n, 3).astype(dtype), _r(n, 1).astype(dtype)


def _gates_args(N=4, T=5, D=3, H=6):
    return _r(N, T, D), _r(D, 2 * H) / 2, _r(H, 2 * H) / 3, 0.1 * _r(N, H)


def test_a_product_read_for_its_shape_is_taped_as_its_shape():
    args = _layers_args()
    g = srcad.grad(layers_loss, wrt=(0,))
    text = _code(g, *args)
    assert "v2.shape, h))" in text and "unbroadcast_to(" in text and "shape_record(" not in text
    (mine,) = g(*args)
    for (dW, db), (hW, hb) in zip(mine, layers_hand(*args)):
        np.testing.assert_allclose(dW, hW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, hb, rtol=1e-10, atol=1e-13)
        assert dW.flags.writeable and db.flags.writeable and dW.strides != (0, 0)
    assert srcad.check_grads(layers_loss, _layers_args(12), order=1, modes="rev", wrt=(0,))


def test_a_product_the_bias_broadcasts():
    """h @ W of one column plus a bias of 16: the taped shape is smaller than the adjoint,
    which unbroadcast_to sums back to it."""
    params = [(_r(3, 1), 0.1 * _r(16)), (_r(16, 1) / 4, 0.1 * _r(1))]
    args = (params, _r(9, 3), _r(9, 1))
    g = srcad.grad(layers_loss, wrt=(0,))
    assert "unbroadcast_to(" in _code(g, *args)
    assert srcad.check_grads(layers_loss, args, order=1, modes="rev", wrt=(0,))


@pytest.mark.parametrize("g_shape, shape", [((4, 3), (4, 3)), ((4, 3), (4, 1)), ((4, 3), (3,)),
                                            ((2, 4, 3), (1, 3)), ((5,), (1,))])
def test_unbroadcast_to_sums_as_unbroadcast_does(g_shape, shape):
    g = _r(*g_shape).astype(np.float32)
    expected = unbroadcast(g, np.zeros(shape, np.float32))
    got = unbroadcast_to(g, shape)
    assert got.shape == expected.shape == shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_float32_layers_keep_their_dtype():
    args = _layers_args(dtype=np.float32)
    (mine,) = srcad.grad(layers_loss, wrt=(0,))(*args)
    for (dW, db), (hW, hb) in zip(mine, layers_hand(*args)):
        assert dW.dtype == db.dtype == np.float32
        np.testing.assert_allclose(dW, hW, rtol=2e-4, atol=1e-6)
        np.testing.assert_allclose(db, hb, rtol=2e-4, atol=1e-6)


def test_sliced_gates_tape_the_shape_of_the_affine_map():
    args = _gates_args()
    g = srcad.grad(gates_loss, wrt=(0, 1, 2, 3))
    text = _code(g, *args)
    assert "shape_record(a)" in text
    assert srcad.check_grads(gates_loss, args, order=1, modes="rev", wrt=(0, 1, 2, 3))


@pytest.mark.parametrize("loss, args", [(layers_loss, _layers_args(12)),
                                        (gates_loss, _gates_args())])
def test_forward_mode_numbers(loss, args):
    wrt = (0,) if loss is layers_loss else (0, 1, 2, 3)
    assert srcad.check_grads(loss, args, order=1, modes="fwd", wrt=wrt)


def test_peak_memory_at_most_the_hand_written_gradients():
    args = _layers_args(2000)
    g = srcad.grad(layers_loss, wrt=(0,))
    assert _peak(g, args) <= _peak(layers_hand, args)


@pytest.mark.parametrize("x", [np.ones((3, 4)), np.ones(5, np.float32), np.float64(2.0),
                               np.ones((2, 0)), np.arange(6).reshape(2, 3)[:, ::2],
                               np.array([[1 + 2j]]), np.array(["ab", "c"]),
                               np.array([None, 1.0])])
def test_shape_record_has_the_shape_and_dtype_and_no_memory(x):
    record = shape_record(x)
    assert np.shape(record) == np.shape(x) and record.dtype == x.dtype
    if type(x) is np.ndarray and not x.dtype.hasobject:
        assert record.strides == (0,) * x.ndim and not record.flags.writeable
        assert record.base is None or not isinstance(record.base, np.ndarray)
    else:
        assert record is x


def test_numba_version_keeps_the_array():
    """Numba's tape keeps one type per slot: its shape_record is the array itself (its
    backend refuses the other helpers of these examples, index_adjoint and keepdims sums)."""
    numba = pytest.importorskip("numba")
    from srcad import runtime
    from srcad.codegen import numba_backend
    helpers = numba_backend._numba_helpers(numba)["helpers"]
    x = np.arange(6.0).reshape(2, 3)
    assert helpers[runtime.shape_record](x) is x


@pytest.mark.parametrize("loss", [layers_loss, gates_loss])
def test_derivative_of_the_derivative(loss):
    """Forward mode over the reverse sweep reads through the shape records too."""
    if loss is layers_loss:
        params = [(_r(3, 1), 0.1 * _r(16)), (_r(16, 1) / 4, 0.1 * _r(1))]
        args, wrt = (params, _r(9, 3), _r(9, 1)), (0,)
    else:
        args, wrt = _gates_args(), (0, 1, 2, 3)
    assert srcad.check_grads(loss, args, order=2, wrt=wrt)
