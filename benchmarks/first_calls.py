"""First calls of every benchmark task and every real-style corpus program, in fresh processes.

    python -m benchmarks.first_calls [--tasks] [--corpus] [--modes grad,jvp] [--processes 3]
        [--only NAME,...] [--all] [--warm-caches] [--profile NAME] [--limit-ms 50,100]

A first call is what a user waits for the first time they call a derivative: srcad reads the
function's source, lowers, differentiates, simplifies, prints and compiles it, then runs it
once. Each of `--processes` fresh Python processes imports srcad, warms up with one small
derivative (so that no program pays srcad's own imports) and then times the first call of
every program once, on a copy of the function srcad has not seen (benchmarks.suite's
fresh_function), srcad's caches emptied before each (`clear_caches`; `--warm-caches` keeps
them, as a process differentiating several functions of one file would). A benchmark task's
hand-written gradient runs once before (as in the suite, where it gives the reference), with
one BLAS thread. Shown per program: the median over the processes of the wall time and of the
CPU time of the process (`time.process_time`, which other jobs on a shared machine disturb
far less), and the spread (min-max) of the CPU times. The issue's targets: 50 ms for a
benchmark task, 100 ms for a corpus program (against the CPU median); by default only
programs over half their target are listed (`--all`: every one).

Corpus programs are the cases of tests/test_corpus*.py (function, argument builder, wrt,
...), reverse mode (`grad`) and forward mode (`jvp`, tangents of ones). Benchmark tasks are
benchmarks.tasks (reverse mode, as the suite's "first call" column).

`--profile NAME`: in this process, the first call of that program (a task or a corpus case,
`name` or `name:jvp`) under cProfile, the 40 costliest functions by cumulative and by own time.
"""

import argparse
import gc
import glob
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

if __name__ == "__main__" and not __package__:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import run  # noqa: E402 - after the path is set

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
MARK = "first call: "


def corpus_cases():
    """{name: (function, argument builder, wrt)} of every tests/test_corpus*.py CASES."""
    if TESTS not in sys.path:
        sys.path.insert(0, TESTS)
    cases = {}
    for path in sorted(glob.glob(os.path.join(TESTS, "test_corpus*.py"))):
        module = importlib.import_module(os.path.basename(path)[:-3])
        for name, case in getattr(module, "CASES", {}).items():
            build = case[1] if callable(case[1]) else (lambda args=case[1]: args)
            cases[name] = (case[0], build, case[2])
    return cases


def task_cases():
    """{name: (loss, argument builder, wrt)} of benchmarks.tasks; as in the suite, where the
    hand-written gradient gives the reference first, the builder runs it once (so that NumPy's
    first touch of the task's arrays is not srcad's)."""
    from benchmarks import tasks

    def builder(task):
        def build():
            task.hand_grad(*task.args())
            return task.args()
        return build
    return {t.name: (t.loss, builder(t), t.wrt) for t in tasks.all_tasks()}


def ones_like(value):
    """A tangent of ones shaped as `value` (arrays, floats, lists, tuples, dicts of them)."""
    import numpy as np
    if isinstance(value, np.ndarray):
        return np.ones_like(value)
    if isinstance(value, (list, tuple)):
        return type(value)(ones_like(v) for v in value)
    if isinstance(value, dict):
        return {k: ones_like(v) for k, v in value.items()}
    return 1.0


def derivative(f, build, wrt, mode):
    """(the derivative, its positional arguments, its keyword arguments) of one program."""
    import srcad
    from srcad.tools.numeric import extra_arguments
    args = build()
    wanted = wrt if isinstance(wrt, tuple) else (wrt,)
    if mode == "grad":
        return srcad.grad(f, wrt=wanted), args, {}
    df = srcad.jvp(f, wrt=wanted)
    tail, keywords = extra_arguments(df, [ones_like(args[i]) for i in wanted], {})
    return df, (*args, *tail), keywords


def clear_caches():
    """Empty every functools cache of srcad's modules (parsed module trees, answers kept per
    syntax-tree node): a program is timed as if no program of its file had been transformed
    before it in this process, the order of the programs does not matter, and a file's parse
    is paid by every program of it (conservative: a corpus file holds many programs)."""
    for name, module in list(sys.modules.items()):
        if name == "srcad" or name.startswith("srcad."):
            for value in list(vars(module).values()):
                if hasattr(value, "cache_clear"):
                    value.cache_clear()


def first_call(f, build, wrt, mode, cold=True):
    """(wall ms, CPU ms) of the first call of a fresh copy of f; None where srcad refuses it."""
    import srcad
    from benchmarks.suite import fresh_function
    if cold:
        clear_caches()
    g, args, keywords = derivative(fresh_function(f), build, wrt, mode)
    gc.collect()            # no collection of the programs before it falls into this one
    start, cpu = time.perf_counter(), time.process_time()
    try:
        g(*args, **keywords)
    except srcad.SrcadError:
        return None
    except Exception as err:        # noqa: BLE001 - shown in the report, not raised
        return str(err)[:60]
    return (time.perf_counter() - start) * 1e3, (time.process_time() - cpu) * 1e3


def warm_up():
    import numpy as np

    import srcad

    def warm(x, w):
        s = 0.0
        for i in range(2):
            s = s + np.sum(np.tanh(x @ w) * i)
        return s

    srcad.grad(warm, wrt=(1,))(np.ones((2, 3)), np.ones((3, 2)))
    srcad.jvp(warm, wrt=(1,))(np.ones((2, 3)), np.ones((3, 2)), np.ones((3, 2)))


def programs(args):
    """[(kind, name, mode, (f, build, wrt))] chosen by the options."""
    chosen = []
    if args.tasks:
        chosen += [("task", n, "grad", c) for n, c in task_cases().items()]
    if args.corpus:
        cases = corpus_cases()
        chosen += [("corpus", n, m, c) for m in args.modes for n, c in cases.items()]
    if args.only:
        chosen = [p for p in chosen if p[1] in args.only]
    return chosen


def child(args):
    run.configure_threads(1, native_blas=False)       # as `python -m benchmarks` by default
    warm_up()
    for kind, name, mode, (f, build, wrt) in programs(args):
        times = first_call(f, build, wrt, mode, cold=not args.warm_caches)
        row = {"kind": kind, "name": name, "mode": mode, "ms": times}
        print(MARK + json.dumps(row), flush=True)


def run_processes(argv, processes):
    rows = {}
    for _ in range(processes):
        out = subprocess.run([sys.executable, "-m", "benchmarks.first_calls", "--child", *argv],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if not line.startswith(MARK):
                continue        # a program's own print
            row = json.loads(line[len(MARK):])
            rows.setdefault((row["kind"], row["name"], row["mode"]), []).append(row["ms"])
    return rows


def report(rows, limits, show_all):
    print(f"{'kind':<7} {'program':<40} {'mode':<5} {'wall ms':>8} {'cpu ms':>8} "
          f"{'cpu min-max':>13}")
    over = []
    for (kind, name, mode), runs in sorted(rows.items(), key=lambda r: -_median(r[1], 1)):
        if any(r is None or isinstance(r, str) for r in runs):
            print(f"{kind:<7} {name:<40} {mode:<5} {runs[0] or 'refused'}")
            continue
        wall, cpu = _median(runs, 0), _median(runs, 1)
        limit = limits[kind]
        if cpu > limit:
            over.append(f"{name} {mode}")
        if show_all or cpu > limit / 2:
            low, high = min(r[1] for r in runs), max(r[1] for r in runs)
            print(f"{kind:<7} {name:<40} {mode:<5} {wall:>8.1f} {cpu:>8.1f} "
                  f"{low:>6.1f}-{high:<6.1f}")
    print(f"{len(rows)} first calls; over the target (task {limits['task']:g} ms, corpus "
          f"{limits['corpus']:g} ms, CPU median): {', '.join(over) or 'none'}")


def _median(runs, i):
    usable = [r[i] for r in runs if isinstance(r, list)]
    return statistics.median(usable) if len(usable) == len(runs) else 0.0


def profile(args):
    import cProfile
    run.configure_threads(1, native_blas=False)
    import pstats
    name, _, mode = args.profile.partition(":")
    cases = {**task_cases(), **corpus_cases()}
    warm_up()
    f, build, wrt = cases[name]
    profiler = cProfile.Profile()
    profiler.enable()
    first_call(f, build, wrt, mode or "grad")
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(40)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks.first_calls",
                                description=__doc__.split("\n")[0])
    p.add_argument("--tasks", action="store_true", help="the benchmark tasks (default: both)")
    p.add_argument("--corpus", action="store_true", help="the corpus programs (default: both)")
    p.add_argument("--modes", default="grad,jvp", help="modes of the corpus programs")
    p.add_argument("--processes", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated program names")
    p.add_argument("--warm-caches", action="store_true",
                   help="keep srcad's caches from one program to the next (default: cleared)")
    p.add_argument("--all", action="store_true", help="list every program")
    p.add_argument("--profile", default="", help="profile one first call: NAME or NAME:jvp")
    p.add_argument("--limit-ms", default="50,100", help="targets: task, corpus")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not (args.tasks or args.corpus):
        args.tasks = args.corpus = True
    args.modes = [m for m in args.modes.split(",") if m]
    args.only = {n for n in args.only.split(",") if n}
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.child:
        return child(args)
    if args.profile:
        return profile(args)
    task_ms, corpus_ms = (float(v) for v in args.limit_ms.split(","))
    rows = run_processes([a for a in argv if a != "--all"], args.processes)
    report(rows, {"task": task_ms, "corpus": corpus_ms}, args.all)


if __name__ == "__main__":
    main()
