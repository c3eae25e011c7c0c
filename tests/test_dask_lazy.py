"""Derivatives on Dask arrays stay lazy through the operations whose adjoints scatter or move
elements (an integer-array index, np.repeat, np.pad, np.sort of a NumPy array, products and
cumulative scans): no compute runs inside srcad, and the computed values equal NumPy's to
1e-12 in both modes. A NumPy function Dask does not have (np.sort, np.split) on a Dask array is
refused at the user's line, and the rewrites the refusal suggests work."""

import numpy as np
import pytest

import srcad
from srcad import runtime
from srcad.errors import NonDifferentiableError

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
Callback = pytest.importorskip("dask.callbacks").Callback

RNG = np.random.default_rng(11)
X = RNG.normal(size=(12, 3))
W = RNG.normal(size=3)
ROWS = np.array([0, 3, 3, 11, 5, 0])            # repeats: the adjoint must add, not assign


def no_compute(dsk, keys, **kwargs):
    raise AssertionError("srcad computed a Dask array")


def lazy(a):
    return da.from_array(a, chunks=(4,) + a.shape[1:])


def gather_rows(w, X):
    return np.sum(np.tanh(X[ROWS] @ w))


def gather_weights(w, X):
    return np.sum(np.tanh(X @ w[np.array([2, 0, 0])]))


MASK = X[:, 0] > 0.0


def masked(w, X):
    return np.sum(np.sin(X[MASK] @ w) ** 2)


def repeated(w, X):
    return np.sum(np.repeat(X @ w, 2) ** 2) + np.sum(np.repeat(X * w, 3, axis=0) ** 3)


def padded(w, X):
    return np.sum(np.pad(X * w, 1, "edge") ** 2) + np.sum(np.pad(X * w, 2, "reflect") ** 3)


def sorted_weights(w, X):
    return np.sum(np.tanh(X @ np.sort(w)))


def products(w, X):
    return np.sum(np.prod(X * w, axis=1)) + np.prod(np.tanh(X[:3] * w))


def scans(w, X):
    return np.sum(np.cumprod(np.tanh(X @ w))) + np.sum(np.cumsum(X @ w) ** 2)


def assembled(w, X):
    v = X @ w
    return np.sum(np.concatenate([v, 2 * v]) ** 2) + np.sum(np.stack([v, v * v]) ** 3) + \
        np.sum(np.tile(v, 2) * np.sinc(np.tile(v, 2))) + np.std(v) + np.sum(np.diff(v) ** 2)


def log_sum_exp(w, X):
    return np.log(np.sum(np.exp(X @ w)))      # math.log of a 0-d Dask array would compute it


CASES = [gather_rows, gather_weights, masked, repeated, padded, sorted_weights, products, scans,
         assembled, log_sum_exp]


@pytest.mark.parametrize("wrt", [0, 1], ids=["w", "X"])
@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_stays_lazy_and_equals_numpy(f, wrt):
    want = srcad.grad(f, wrt)(W, X)
    with dask.config.set(scheduler=no_compute):
        got = srcad.grad(f, wrt)(W, lazy(X))
    assert isinstance(got, da.Array) and got.shape == want.shape
    np.testing.assert_allclose(got.compute(scheduler="sync"), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("wrt", [0, 1], ids=["w", "X"])
@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_tangent_stays_lazy_and_equals_numpy(f, wrt):
    tangent = (np.linspace(-1.0, 1.0, 3), np.cos(X))[wrt]
    value, want = srcad.jvp(f, wrt)(W, X, tangent)
    lazy_tangent = lazy(tangent) if wrt else tangent
    with dask.config.set(scheduler=no_compute):
        got_value, got = srcad.jvp(f, wrt)(W, lazy(X), lazy_tangent)
    assert isinstance(got, da.Array)
    got_value, got = dask.compute(got_value, got, scheduler="sync")
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)


@pytest.fixture(scope="module")
def cupy():
    cp = pytest.importorskip("cupy")
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no GPU")
    except Exception as error:      # noqa: BLE001 - CUDA absent or not working
        pytest.skip(f"no working GPU: {error}")
    return cp


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_the_same_derivatives_on_cupy_arrays(cupy, f):
    """Where CuPy imports and a GPU is present: both modes, on the device, equal NumPy's."""
    tangent = np.cos(X)
    want_grad = srcad.grad(f, 1)(W, X)
    want_tangent = srcad.jvp(f, 1)(W, X, tangent)[1]
    w, x, t = map(cupy.asarray, (W, X, tangent))
    got_grad = srcad.grad(f, 1)(w, x)
    got_tangent = srcad.jvp(f, 1)(w, x, t)[1]
    assert isinstance(got_grad, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(got_grad), want_grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cupy.asnumpy(got_tangent), want_tangent, rtol=1e-12, atol=1e-12)


def test_vjp_of_a_gather_from_a_dask_array():
    def rows(X):
        return np.tanh(X[ROWS])
    cotangent = RNG.normal(size=(len(ROWS), 3))
    want = srcad.vjp(rows)(X, cotangent)[1]
    with dask.config.set(scheduler=no_compute):
        got = srcad.vjp(rows)(lazy(X), lazy(cotangent))[1]
    assert isinstance(got, da.Array) and got.chunks == lazy(X).chunks
    np.testing.assert_allclose(got.compute(scheduler="sync"), want, rtol=1e-12, atol=1e-12)


def test_scatter_into_dask_data_holds_one_block_at_a_time():
    """The adjoint of X[rows] in a Dask X: one bincount per row block of X, each the size of
    the block, so no task holds a vector of all of X (whose memory it would not fit)."""
    big = RNG.normal(size=(60, 3))
    sizes = []
    with dask.config.set({"array.chunk-size": "240B"}):      # 30 numbers: auto chunks small
        g = srcad.grad(lambda X: np.sum(np.tanh(X[ROWS * 5] ** 2)))(
            da.from_array(big, chunks=(10, 3)))
        with Callback(posttask=lambda key, result, *rest: sizes.append(
                np.size(result) if isinstance(key, tuple) else 0)):    # blocks, not the result
            got = g.compute(scheduler="sync")
    want = srcad.grad(lambda X: np.sum(np.tanh(X[ROWS * 5] ** 2)))(big)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert g.chunks == ((10,) * 6, (3,)) and max(sizes) <= 30 < big.size


def test_runtime_scatter_and_gather_on_dask_match_numpy():
    g = RNG.normal(size=(3, 4))
    x = RNG.normal(size=(3, 4))
    for axis in (0, 1, None):
        for tangent in (g, lazy(g)):
            got = runtime.sort_tangent(tangent, x, axis)
            np.testing.assert_array_equal(np.asarray(got), runtime.sort_tangent(g, x, axis))
        shape = x.shape if axis is not None else (x.size,)
        cot = RNG.normal(size=shape)
        got = runtime.sort_adjoint(lazy(cot) if axis is not None else da.from_array(cot),
                                   x, axis)
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), runtime.sort_adjoint(cot, x, axis), rtol=1e-15)
    z = RNG.normal(size=6) + 1j * RNG.normal(size=6)
    got = runtime.scatter_add(da.from_array(z, chunks=2), np.zeros(4), np.array([0, 3, 3, 1, 0, 2]))
    np.testing.assert_allclose(got.compute(), runtime.scatter_add(z, np.zeros(4), np.array(
        [0, 3, 3, 1, 0, 2])), rtol=1e-15)


# ----- NumPy functions Dask does not have: refused, and the suggested rewrites ----------------


def sort_data(w, X):
    return np.sum(np.sort(X @ w) * np.arange(12.0))


def split_data(w, X):
    return np.sum(np.split(X @ w, 3)[1] ** 2)


def sliced_data(w, X):
    return np.sum((X @ w)[4:8] ** 2)             # np.split(v, 3)[1], with a slice Dask has


def median_data(w, X):
    return np.sum(np.median(X * w, axis=0) ** 2)


@pytest.mark.parametrize("f, name", [(sort_data, "np.sort"), (split_data, "np.split"),
                                     (median_data, "np.median, np.quantile or np.percentile")])
def test_numpy_functions_dask_lacks_are_refused_at_the_users_line(f, name):
    for derivative, args in [(srcad.grad(f, 1), (W, lazy(X))),
                             (srcad.jvp(f), (W, lazy(X), W))]:
        with pytest.raises(NonDifferentiableError, match=f"{name} on a Dask array") as info:
            derivative(*args)
        assert info.value.filename == __file__
        assert info.value.line == f.__code__.co_firstlineno + 1
        assert "compute" in str(info.value)


def test_the_rewrites_the_refusal_shows_work():
    for f in (sort_data, median_data):
        np.testing.assert_allclose(srcad.grad(f, 1)(W, lazy(X).compute()),
                                   srcad.grad(f, 1)(W, X), rtol=1e-15)
    want = srcad.grad(split_data, 1)(W, X)
    with dask.config.set(scheduler=no_compute):
        got = srcad.grad(sliced_data, 1)(W, lazy(X))
    np.testing.assert_allclose(got.compute(scheduler="sync"), want, rtol=1e-12, atol=1e-12)


def data_masked(w, X):
    return np.sum(np.sin(X[X[:, 0] > 0.0] @ w) ** 2)


def data_where(w, X):
    return np.sum(np.sin(np.where(X[:, 0] > 0.0, X @ w, 0.0)) ** 2)   # the same, kept in shape


def test_a_mask_computed_from_dask_data_says_what_to_write():
    with pytest.raises(NonDifferentiableError, match=r"np.where\(mask, value, 0.0\)") as info:
        srcad.grad(data_masked, 1)(W, lazy(X))
    assert info.value.filename == __file__
    assert info.value.line == data_masked.__code__.co_firstlineno + 1
    with dask.config.set(scheduler=no_compute):    # in w, nothing is scattered: it stays lazy
        got = srcad.grad(data_masked, 0)(W, lazy(X))
    np.testing.assert_allclose(got.compute(scheduler="sync"), srcad.grad(data_masked, 0)(W, X),
                               rtol=1e-12, atol=1e-12)
    tangent = np.cos(X)                           # forward mode gathers: it stays lazy
    want = srcad.jvp(data_masked, 1)(W, X, tangent)[1]
    with dask.config.set(scheduler=no_compute):
        got = srcad.jvp(data_masked, 1)(W, lazy(X), lazy(tangent))[1]
    np.testing.assert_allclose(got.compute(scheduler="sync"), want, rtol=1e-12, atol=1e-12)
    want = srcad.grad(data_masked, 1)(W, X)
    with dask.config.set(scheduler=no_compute):
        got = srcad.grad(data_where, 1)(W, lazy(X))
    np.testing.assert_allclose(got.compute(scheduler="sync"), want, rtol=1e-12, atol=1e-12)
