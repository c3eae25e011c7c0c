"""The logistic-regression gradient on big data: NumPy in memory against Dask with two
worker processes at N = 10^7 rows, and Dask alone out of core (chunked files on disk) at
N = 10^8. Prints time per gradient, peak memory per worker (or of the NumPy process) and
throughput; the numbers are in docs/benchmarks.md.

    python -m benchmarks.big_data                        # 10^7 in memory, then 10^8 out of core
    python -m benchmarks.big_data --out-of-core-rows 0   # the in-memory comparison only
    python -m benchmarks.big_data --rows 1e6 --out-of-core-rows 1e7    # a quick run

The out-of-core files go to a temporary folder (--folder to choose; /tmp by default) and are
deleted at the end. Needs `pip install 'srcad[dask]'`.
"""

import argparse
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

import srcad

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import big_data_logistic as example  # noqa: E402  (the loss and the chunked files)


def timed(function, repeats):
    """The best of `repeats` wall-clock times of function() and its last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def numpy_in_memory(X, y, w, repeats):
    """Seconds per gradient, and the peak of what the gradient allocates (MiB, tracemalloc:
    NumPy reports its buffers), for the data in this process's memory."""
    grad = srcad.grad(example.bce_loss)
    grad(w, X[:10], y[:10])                                  # compiled outside the timing
    seconds, g = timed(lambda: grad(w, X, y), repeats)
    tracemalloc.start()
    grad(w, X, y)
    extra = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, g, extra


def dask_gradient(client, X, y, w, repeats):
    """Seconds per computed gradient on the cluster, the gradient, and each worker's peak
    resident memory (MiB) since it started."""
    grad = srcad.grad(example.bce_loss, compute=True)
    seconds, g = timed(lambda: grad(w, X, y), repeats)
    peaks = sorted(client.run(peak_rss_mib).values())
    return seconds, g, peaks


def row(label, rows, seconds, memory):
    print(f"{label:<44} {rows:>13,} {seconds:>9.2f} s {rows / seconds / 1e6:>9.1f} M rows/s"
          f"   {memory}", flush=True)


def in_memory(client, rows, features, chunk_rows, repeats):
    """The same data in the workers' memory (made there, persisted) and in this process's."""
    import dask.array as da

    rng = da.random.default_rng(0)
    X_lazy = client.persist(rng.normal(size=(rows, features), chunks=(chunk_rows, features)))
    y_lazy = client.persist((rng.random(rows, chunks=chunk_rows) < 0.5).astype(float))
    # the NumPy copy block by block: computing X whole would join it on one worker
    X = np.concatenate([block.compute() for block in X_lazy.blocks])
    y = np.concatenate([block.compute() for block in y_lazy.blocks])
    w = np.random.default_rng(1).normal(size=features) / features
    seconds, expected, extra = numpy_in_memory(X, y, w, repeats)
    row("NumPy, in memory (this process)", rows, seconds,
        f"gradient allocates {extra:,.0f} MiB; data {X.nbytes / 2**20:,.0f} MiB")
    del X, y
    seconds, g, peaks = dask_gradient(client, X_lazy, y_lazy, w, repeats)
    row("Dask, 2 workers, data in worker memory", rows, seconds,
        "peak per worker " + ", ".join(f"{p:,.0f} MiB" for p in peaks))
    print(f"  |Dask - NumPy| = {np.abs(g - expected).max():.1e}", flush=True)
    client.cancel([X_lazy, y_lazy])


def out_of_core(client, rows, features, chunk_rows, folder, repeats):
    folder = Path(tempfile.mkdtemp(prefix="srcad_bench_", dir=folder))
    try:
        start = time.perf_counter()
        example.write_chunks(folder, rows, features, chunk_rows)
        X, y = example.open_chunks(folder)
        print(f"  wrote {X.nbytes / 2**30 + y.nbytes / 2**30:.1f} GiB in {X.numblocks[0]} "
              f"files in {time.perf_counter() - start:.0f} s", flush=True)
        w = np.random.default_rng(1).normal(size=features) / features
        seconds, g, peaks = dask_gradient(client, X, y, w, repeats)
        row("Dask, 2 workers, out of core (.npy chunks)", rows, seconds,
            "peak per worker " + ", ".join(f"{p:,.0f} MiB" for p in peaks))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=float, default=1e7, help="in-memory rows (10^7)")
    parser.add_argument("--out-of-core-rows", type=float, default=1e8,
                        help="rows written to disk for Dask alone (10^8; 0: skip)")
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--chunk-rows", type=float, default=1e6)
    parser.add_argument("--worker-memory", default="2GiB")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folder", default=None, help="where the out-of-core files go")
    options = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           memory_limit=options.worker_memory, dashboard_address=None)
    client = Client(cluster)
    print(f"{'':<44} {'rows':>13} {'time':>11} {'throughput':>19}   memory")
    try:
        chunk_rows = int(options.chunk_rows)
        if options.rows:
            in_memory(client, int(options.rows), options.features, chunk_rows, options.repeats)
        if options.out_of_core_rows:
            out_of_core(client, int(options.out_of_core_rows), options.features,
                        2 * chunk_rows, options.folder, max(1, options.repeats - 2))
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
