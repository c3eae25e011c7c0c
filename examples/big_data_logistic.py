"""Logistic regression and a small MLP trained on data that lives on disk, in chunks, and is
read by Dask worker processes: the gradient is srcad's generated NumPy code, evaluated by
Dask chunk by chunk, so no process ever holds the whole data set.

The example writes a synthetic classification data set as chunked `.npy` files (labels drawn
from a logistic model with known weights) into a temporary folder, opens them as Dask arrays
(one task per file, loaded where it runs), starts a `LocalCluster` of two worker processes
and trains

- logistic regression by full-batch gradient descent: each step is one pass over the files,
  `srcad.grad(loss, compute=True)` turning the lazy gradient into a NumPy vector;
- a one-hidden-layer tanh MLP by minibatch gradient descent, one random file per step.

The training functions are the same for NumPy and Dask arrays. To check them, the same
steps run in memory with NumPy on a subsample (the first files) and must give the same
weights to rounding; the full-data weights must be close to the ones the labels came from.
Each worker's peak memory is measured (its peak resident size, read on the worker).

    python examples/big_data_logistic.py           # 200,000 rows in 4 files: seconds
    python examples/big_data_logistic.py --big     # 10^8 rows, about 7 GB of files in /tmp
    python examples/big_data_logistic.py --rows 20000000 --chunk-rows 1000000

Needs `pip install 'srcad[dask]'`. On a real cluster, pass `client=Client("tcp://...")` to
main() (the files must then be on storage every worker reads).
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import srcad


def bce_loss(w, X, y):
    """Mean binary cross-entropy of a logistic model with logits X @ w."""
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp_loss(params, X, y):
    """Mean binary cross-entropy of a one-hidden-layer tanh network."""
    (W1, b1), (w2, b2) = params
    z = np.tanh(X @ W1 + b1) @ w2 + b2
    return np.mean(np.logaddexp(0.0, z) - y * z)


def write_chunks(folder, rows, features, chunk_rows, seed=0):
    """Files X_00000.npy, y_00000.npy, ... of `chunk_rows` rows each; returns the weights
    the labels were drawn with. Each chunk has a random stream of its own, so the data set
    does not depend on how it is written."""
    w_true = np.random.default_rng(seed).normal(size=features) / np.sqrt(features) * 3
    for k, start in enumerate(range(0, rows, chunk_rows)):
        rng = np.random.default_rng([seed, k])
        X = rng.normal(size=(min(chunk_rows, rows - start), features))
        y = (rng.random(len(X)) < 1.0 / (1.0 + np.exp(-(X @ w_true)))).astype(float)
        np.save(folder / f"X_{k:05d}.npy", X)
        np.save(folder / f"y_{k:05d}.npy", y)
    return w_true


def open_chunks(folder):
    """The files as two Dask arrays, X (rows, features) and y (rows,), one chunk per file."""
    import dask
    import dask.array as da

    X_parts, y_parts = [], []
    for X_path in sorted(folder.glob("X_*.npy")):
        y_path = X_path.with_name("y" + X_path.name[1:])
        shape = np.load(X_path, mmap_mode="r").shape          # the header only
        X_parts.append(da.from_delayed(dask.delayed(np.load)(X_path), shape, np.float64))
        y_parts.append(da.from_delayed(dask.delayed(np.load)(y_path), shape[:1], np.float64))
    return da.concatenate(X_parts), da.concatenate(y_parts)


def load_files(folder, indices):
    """The chunks with these indices, read into memory as NumPy arrays X and y."""
    X = np.concatenate([np.load(folder / f"X_{k:05d}.npy") for k in indices])
    y = np.concatenate([np.load(folder / f"y_{k:05d}.npy") for k in indices])
    return X, y


def fit_logistic(X, y, steps, learning_rate):
    """Full-batch gradient descent from zero; X and y NumPy or Dask arrays alike."""
    grad = srcad.grad(bce_loss, compute=True)
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w = w - learning_rate * grad(w, X, y)
    return w


def init_mlp(features, hidden, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(features, hidden)) / np.sqrt(features), np.zeros(hidden)),
            (rng.normal(size=hidden) / np.sqrt(hidden), 0.0)]


def fit_mlp(params, batches, learning_rate):
    """One gradient step per (X, y) batch; the batches NumPy or Dask arrays alike."""
    grad = srcad.grad(mlp_loss, compute=True)
    for X, y in batches:
        g = grad(params, X, y)
        params = [(W - learning_rate * gW, b - learning_rate * gb)
                  for (W, b), (gW, gb) in zip(params, g)]
    return params


def worker_peaks(client):
    """Each worker's peak resident memory in MiB (its process's, read on the worker)."""
    def peak_mib():
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return sorted(client.run(peak_mib).values())


def start_cluster(worker_memory):
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           memory_limit=worker_memory, dashboard_address=None)
    return Client(cluster)


def run(folder, client, steps, mlp_steps, learning_rate, subsample_files, say):
    """Train on the files in `folder` with the cluster behind `client`; the numbers."""
    X, y = open_chunks(folder)
    say(f"data: {X.shape[0]:,} rows x {X.shape[1]} features in {X.numblocks[0]} files "
        f"({X.nbytes / 2**20:,.0f} MiB of X), workers: {len(client.scheduler_info()['workers'])}")
    start = time.perf_counter()
    w_full = fit_logistic(X, y, steps, learning_rate)
    seconds = time.perf_counter() - start
    say(f"logistic regression, {steps} full-batch steps on Dask: {seconds:.1f} s "
        f"({steps * X.shape[0] / seconds:,.0f} rows/s)")

    rows = sum(X.chunks[0][:subsample_files])
    w_numpy = fit_logistic(*load_files(folder, range(subsample_files)), steps, learning_rate)
    w_dask = fit_logistic(X[:rows], y[:rows], steps, learning_rate)
    say(f"subsample of {rows:,} rows: |w_dask - w_numpy| = {np.abs(w_dask - w_numpy).max():.1e}")

    order = np.random.default_rng(2).integers(0, X.numblocks[0], size=mlp_steps)
    params = init_mlp(X.shape[1], 8)
    lazy = fit_mlp(params, [(X.blocks[k], y.blocks[k]) for k in order], learning_rate)
    eager = fit_mlp(params, [load_files(folder, [k]) for k in order], learning_rate)
    mlp_gap = max(np.abs(a - b).max() for pa, pb in zip(lazy, eager) for a, b in zip(pa, pb))
    say(f"MLP, {mlp_steps} minibatch steps (one file each): |Dask - NumPy| = {mlp_gap:.1e}")
    peaks = worker_peaks(client)
    say(f"peak memory per worker: {', '.join(f'{p:.0f} MiB' for p in peaks)}")
    return {"w_full": w_full, "w_numpy": w_numpy, "w_dask": w_dask, "mlp_gap": mlp_gap,
            "peaks_mib": peaks, "seconds": seconds, "rows": X.shape[0]}


def main(rows=200_000, features=8, chunk_rows=50_000, steps=10, mlp_steps=3,
         learning_rate=1.0, subsample_files=1, client=None, folder=None, verbose=True):
    say = print if verbose else (lambda *_: None)
    own_folder = folder is None
    folder = Path(tempfile.mkdtemp(prefix="srcad_big_data_")) if own_folder else Path(folder)
    own_client = client is None
    try:
        start = time.perf_counter()
        w_true = write_chunks(folder, rows, features, chunk_rows)
        say(f"wrote {rows:,} rows to {folder} in {time.perf_counter() - start:.1f} s")
        client = start_cluster("1GiB") if own_client else client
        result = run(folder, client, steps, mlp_steps, learning_rate, subsample_files, say)
        result["w_true"] = w_true
        say(f"|w_full - w_true| = {np.abs(result['w_full'] - w_true).max():.3f}, "
            f"|w_numpy(subsample) - w_true| = {np.abs(result['w_numpy'] - w_true).max():.3f}")
        return result
    finally:
        if own_client and client is not None:
            cluster = client.cluster
            client.close()
            cluster.close()
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="10^8 rows (about 7 GB on disk)")
    parser.add_argument("--rows", type=float, default=200_000)
    parser.add_argument("--chunk-rows", type=float, default=50_000)
    parser.add_argument("--steps", type=int, default=10)
    options = parser.parse_args()
    rows, chunk_rows = int(options.rows), int(options.chunk_rows)
    if options.big:
        rows, chunk_rows, options.steps = 10**8, 2_000_000, 3
    main(rows=rows, chunk_rows=chunk_rows, steps=options.steps)
