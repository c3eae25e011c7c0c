"""`backend="numba"` on the 1000-step recurrence (T4): the time of a gradient against the
hand-written Python gradient, srcad's Python backend and jax.jit (when JAX is installed), and
what the numba backend costs before its first result.

    python -m benchmarks.numba_backend [--repeats 3] [--clock cpu|wall] [--jax]

Steady state: each gradient called in loops of at least 0.2 s, the tools interleaved, the
median of `repeats` loops per tool. With `--clock cpu` (the default) a loop is timed in
process CPU time, which a loaded machine (this one is shared) inflates far less than wall
time; the `python -m benchmarks` table times wall-clock loops.

First call: each figure measured in a fresh Python process, so that nothing is warm that a
user's first call would find cold.

- `import numba`: loading Numba and LLVM;
- first call, Python backend: srcad's transformation alone (parse ... compile the source);
- first call, numba backend: the same transformation, numba imported, and Numba's compile of
  the derivative (the first compile in a process also sets up Numba's own machinery);
- second derivative in the same process: another numba-backend derivative of the same
  function (wrt in another order), with Numba's machinery warm;
- cache=True: the generated source written to a file and compiled with
  `numba.njit(cache=True)`, in one process that compiles and writes the cache and in a
  second that loads it (srcad itself keeps no on-disk cache; this measures what one would
  save).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = textwrap.dedent("""
    import json, sys, time
    clock = time.perf_counter if sys.argv[1] == "wall" else time.process_time
    start = clock()
    import numba
    import_s = clock() - start
    import srcad
    from benchmarks import losses
    args = (0.5, 0.8, 0.2)
    start = clock()
    srcad.grad(losses.recurrence, wrt=(0, 1, 2))(*args)
    python_s = clock() - start
    start = clock()
    srcad.grad(losses.recurrence, wrt=(0, 1, 2), backend="numba")(*args)
    numba_s = clock() - start
    start = clock()
    srcad.grad(losses.recurrence, wrt=(2, 1, 0), backend="numba")(*args)
    second_s = clock() - start
    json.dump(dict(import_s=import_s, python_s=python_s, numba_s=numba_s,
                   second_s=second_s), sys.stdout)
""")

CACHED = textwrap.dedent("""
    import json, sys, time
    clock = time.perf_counter if sys.argv[1] == "wall" else time.process_time
    start = clock()
    import numba
    sys.path.insert(0, sys.argv[2])
    import t4_derivative
    t4_derivative.grad_recurrence(0.5, 0.8, 0.2)
    json.dump(dict(total_s=clock() - start), sys.stdout)
""")

MODULE_HEAD = textwrap.dedent("""
    import math
    import numba
    import numpy as np


    @numba.njit(cache=True)
    def reversed(r):
        n = len(r)
        return range(r.start + (n - 1) * r.step, r.start - r.step, -r.step)

""")


def run(code, *argv):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         env=env, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def cached_module(directory):
    """T4's derivative, as srcad generates it, in a module compiled with cache=True."""
    sys.path.insert(0, ROOT)
    import srcad
    from benchmarks import losses
    source = str(srcad.source(srcad.grad(losses.recurrence, wrt=(0, 1, 2)), 0.5, 0.8, 0.2))
    text = MODULE_HEAD + "\n@numba.njit(cache=True)\n" + source
    with open(os.path.join(directory, "t4_derivative.py"), "w") as file:
        file.write(text)


def steady_state(clock, repeats, with_jax):
    """{tool: seconds a call}, loops of every tool interleaved, median of `repeats`."""
    sys.path.insert(0, ROOT)
    import srcad
    from benchmarks import losses, tasks
    args = (0.5, 0.8, 0.2)
    calls = {"hand-written Python": tasks.recurrence_hand,
             "srcad, Python backend": srcad.grad(losses.recurrence, wrt=(0, 1, 2)),
             "srcad, numba backend": srcad.grad(losses.recurrence, wrt=(0, 1, 2),
                                                backend="numba")}
    if with_jax:
        calls.update(_jax_jit(losses))
    timer = time.perf_counter if clock == "wall" else time.process_time
    numbers = {}
    for name, fn in calls.items():
        fn(*args)
        numbers[name] = _loop_size(fn, args)
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            start = timer()
            for _ in range(numbers[name]):
                fn(*args)
            times[name].append((timer() - start) / numbers[name])
    return {name: statistics.median(values) for name, values in times.items()}


def _loop_size(fn, args):
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn(*args)
        if time.perf_counter() - start >= 0.2:
            return number
        number *= 2


def _jax_jit(losses):
    """{"jax.jit": the jitted gradient} when JAX is installed, with its compile timed."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return {}
    jax.config.update("jax_enable_x64", True)
    g = jax.jit(jax.grad(losses.rebind(losses.recurrence, jnp), argnums=(0, 1, 2)))
    start = time.perf_counter()
    jax.block_until_ready(g(0.5, 0.8, 0.2))
    print(f"jax.jit compile (first call, wall): {time.perf_counter() - start:.1f} s")
    return {"jax.jit (steady state)": lambda *args: jax.block_until_ready(g(*args))}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                   help="process CPU time (default: steady on a loaded machine) or wall time")
    p.add_argument("--jax", action="store_true",
                   help="time jax.jit too (its compile unrolls the 1000 steps: 20-40 s)")
    options = p.parse_args(argv)
    repeats, clock = options.repeats, options.clock
    rows = [run(PROBE, clock) for _ in range(repeats)]
    with tempfile.TemporaryDirectory() as directory:
        cached_module(directory)
        cold = [run(CACHED, clock, directory)["total_s"]]     # compiles, writes the cache
        warm = [run(CACHED, clock, directory)["total_s"] for _ in range(repeats)]
    figures = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    print(f"medians of {repeats} fresh processes, {clock} seconds")
    print(f"  import numba                               {figures['import_s']:.3f}")
    print(f"  first call, Python backend (transform)     {figures['python_s']:.3f}")
    print(f"  first call, numba backend (+ Numba compile) {figures['numba_s']:.3f}")
    print(f"  second numba derivative, same process      {figures['second_s']:.3f}")
    print(f"  cache=True, import + compile + write cache {cold[0]:.3f}")
    print(f"  cache=True, import numba + load from cache {statistics.median(warm):.3f}")
    steady = steady_state(clock, max(repeats, 5), options.jax)
    hand = steady["hand-written Python"]
    print(f"\nT4 gradient, {clock} time a call (median of {max(repeats, 5)} loops)")
    for name, seconds in steady.items():
        print(f"  {name:28s} {seconds * 1e6:9.1f} us   {hand / seconds:6.1f}x hand-written")


if __name__ == "__main__":
    main()
