"""Derivatives on Dask arrays (and CuPy arrays, where a GPU is present): the generated code is
the NumPy code, evaluated through NumPy's dispatch protocols. The data lives in chunked Dask
arrays on a two-worker LocalCluster (worker processes); the parameters are NumPy arrays. The
gradients come back lazy, computing nothing inside srcad, and equal the NumPy ones to 1e-12."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import srcad
from srcad import tree

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import logistic_regression  # noqa: E402
import sine_mlp  # noqa: E402
import softmax_digits  # noqa: E402

ROWS, CHUNK = 600, 150


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       memory_limit="300MiB", dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def refuse_compute(dsk, keys, **kwargs):
    raise AssertionError("srcad computed a Dask array (np.asarray or a conversion)")


def problems(rng):
    """(name, loss, wrt, parameters, data) for the three models: the data as NumPy arrays."""
    x = rng.uniform(0.0, 1.0, size=(ROWS, 1))
    sine = ("sine_mlp", sine_mlp.mse_loss, 0, (sine_mlp.glorot_uniform([1, 10, 10, 1], rng),),
            (x, np.sin(2 * np.pi * x) + 0.1 * rng.normal(size=(ROWS, 1))))
    X = rng.normal(size=(ROWS, 4))
    logistic = ("logistic", logistic_regression.bce_loss, 0, (rng.normal(size=4),),
                (X, (rng.random(ROWS) < 0.5).astype(float)))
    params = [(rng.normal(size=(4, 8)), 0.1 * rng.normal(size=8)),
              (rng.normal(size=(8, 3)), np.zeros(3))]
    softmax = ("softmax", softmax_digits.cross_entropy, 0, (params,),
               (X, np.eye(3)[rng.integers(0, 3, ROWS)], 1e-3))
    return [sine, logistic, softmax]


def chunked(value):
    if isinstance(value, np.ndarray):
        return da.from_array(value, chunks=(CHUNK,) + value.shape[1:])
    return value


def leaves(value):
    return tree.flatten(value)[0]


@pytest.mark.parametrize("case", range(3), ids=["sine_mlp", "logistic", "softmax"])
def test_gradients_on_dask_arrays_equal_numpy(client, case):
    name, loss, wrt, params, data = problems(np.random.default_rng(case))[case]
    grad = srcad.grad(loss, wrt)
    expected = grad(*params, *data)
    lazy_data = tuple(map(chunked, data))
    with dask.config.set(scheduler=refuse_compute):
        lazy = grad(*params, *lazy_data)
    assert all(isinstance(g, da.Array) for g in leaves(lazy))
    assert tree.flatten(lazy)[1] == tree.flatten(expected)[1]
    computed = dask.compute(*leaves(lazy))
    for got, want in zip(computed, leaves(expected)):
        assert isinstance(got, np.ndarray) and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # the same readable code: the Dask specialisation is the NumPy one
    assert str(srcad.source(grad, *params, *lazy_data)) == \
        str(srcad.source(grad, *params, *data))


def test_forward_mode_on_dask_arrays(client):
    name, loss, wrt, (w,), data = problems(np.random.default_rng(1))[1]
    tangent = np.random.default_rng(7).normal(size=w.shape)
    jvp = srcad.jvp(loss)
    value, expected = jvp(w, *data, tangent)
    with dask.config.set(scheduler=refuse_compute):
        lazy_value, lazy_tangent = jvp(w, *map(chunked, data), tangent)
    assert isinstance(lazy_tangent, da.Array) and isinstance(lazy_value, da.Array)
    got_value, got = dask.compute(lazy_value, lazy_tangent)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    reverse = srcad.grad(loss)(w, *data)       # forward and reverse agree: tangent . gradient
    np.testing.assert_allclose(got, reverse @ tangent, rtol=1e-10)


def test_gradient_with_respect_to_the_dask_array_is_a_new_lazy_array(client):
    """d/dX of sum(X * Y) is Y: the result is a new Dask array object (setting an element of
    it, which Dask does by rebuilding that object's graph, leaves Y as it was)."""
    Y = da.from_array(np.arange(12.0).reshape(6, 2), chunks=(3, 2))
    X = da.ones((6, 2), chunks=(3, 2))
    g = srcad.grad(lambda X, Y: np.sum(X * Y))(X, Y)
    assert isinstance(g, da.Array) and g is not Y
    g[0, 0] = -1.0
    assert float(Y[0, 0].compute()) == 0.0 and float(g[0, 0].compute()) == -1.0
    np.testing.assert_array_equal(g[1:].compute(), np.arange(2.0, 12.0).reshape(5, 2))


def test_kinds_name_the_array_library():
    x = da.ones((5, 1), chunks=2)
    kind = srcad.kinds.kind_of(x)
    assert kind.lib == "dask" and kind.ndim == 2 and kind.ones == (False, True)
    assert str(kind) == "dask:float64[2d]"
    assert srcad.kinds.kind_key(x) != srcad.kinds.kind_key(np.ones((5, 1)))
    assert srcad.kinds.kind_of(np.ones(3)).lib is None


def test_import_srcad_imports_neither_dask_nor_cupy():
    code = "import sys, srcad; print(sorted({'dask', 'cupy', 'distributed'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# ----- CuPy: the same gradients on the GPU, where CuPy imports and a GPU is present ------------


@pytest.fixture(scope="module")
def cupy():
    cp = pytest.importorskip("cupy")
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no GPU")
    except Exception as error:      # noqa: BLE001 - CUDA absent or not working
        pytest.skip(f"no working GPU: {error}")
    return cp


@pytest.mark.parametrize("case", range(3), ids=["sine_mlp", "logistic", "softmax"])
def test_gradients_on_cupy_arrays_equal_numpy(cupy, case):
    name, loss, wrt, params, data = problems(np.random.default_rng(case))[case]
    grad = srcad.grad(loss, wrt)
    expected = grad(*params, *data)
    on_device = tree.map(lambda v: cupy.asarray(v) if isinstance(v, np.ndarray) else v,
                         (params, data))
    got = grad(*on_device[0], *on_device[1])
    assert all(isinstance(g, cupy.ndarray) for g in leaves(got))
    for g, want in zip(leaves(got), leaves(expected)):
        np.testing.assert_allclose(cupy.asnumpy(g), want, rtol=1e-12, atol=1e-12)


def test_forward_mode_on_cupy_arrays(cupy):
    name, loss, wrt, (w,), data = problems(np.random.default_rng(1))[1]
    tangent = np.random.default_rng(7).normal(size=w.shape)
    value, expected = srcad.jvp(loss)(w, *data, tangent)
    got_value, got = srcad.jvp(loss)(*map(cupy.asarray, (w, *data, tangent)))
    assert isinstance(got, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(float(got_value), value, rtol=1e-12)


# ----- compute=True, and the example ----------------------------------------------------------


def test_compute_true_computes_value_and_gradients_in_one_go(client):
    name, loss, wrt, params, data = problems(np.random.default_rng(2))[2]
    value, grads = srcad.value_and_grad(loss, compute=True)(*params, *data)   # NumPy: as is
    calls = []

    def counting(dsk, keys, **kwargs):
        calls.append(keys)
        return client.get(dsk, keys, **kwargs)

    with dask.config.set(scheduler=counting):
        got_value, got = srcad.value_and_grad(loss, compute=True)(*params, *map(chunked, data))
    assert len(calls) == 1                       # the value and every gradient: one compute
    assert all(isinstance(g, np.ndarray) for g in leaves(got))
    assert tree.flatten(got)[1] == tree.flatten(grads)[1]
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    for g, want in zip(leaves(got), leaves(grads)):
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)
    computed = srcad.grad(loss, compute=True)
    assert "def grad_cross_entropy(" in str(srcad.source(computed, *params, *data))
    assert computed.__wrapped__ is loss


def test_big_data_example_matches_numpy_on_a_subsample(client, tmp_path):
    import big_data_logistic

    result = big_data_logistic.main(rows=40_000, chunk_rows=10_000, steps=3, mlp_steps=2,
                                    client=client, folder=tmp_path, verbose=False)
    np.testing.assert_allclose(result["w_dask"], result["w_numpy"], rtol=1e-12, atol=1e-14)
    assert result["mlp_gap"] < 1e-12
    w_true = result["w_true"]          # three steps from zero: on the way to the true weights
    assert np.linalg.norm(result["w_full"] - w_true) < 0.7 * np.linalg.norm(w_true)
    assert len(result["peaks_mib"]) == 2 and max(result["peaks_mib"]) < 1024
