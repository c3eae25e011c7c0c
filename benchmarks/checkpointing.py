"""Binomial checkpointing against the full tape: peak memory (tracemalloc) and time of the
gradient of a long scalar recurrence and of a recurrent network over a wide state, for
k = 10, 30, 100 snapshots (srcad.checkpointed, docs/checkpointing.md).

    python -m benchmarks.checkpointing [--steps 1000000] [--rnn-steps 10000] [--width 256]
                                       [--snapshots 10,30,100] [--repeats 2] [--markdown out.md]
                                       [--json out.json]

`python -m benchmarks.checkpoint_plot out.json docs/checkpointing_tradeoff.svg` draws the
trade-off from the JSON (docs/benchmarks.md shows it).

Memory is the peak tracemalloc sees during one call (the arguments allocated before it are not
counted); time is the best of `--repeats` calls without tracemalloc, after a warm-up call that
compiles the derivative, measured as this process's CPU time (`time.process_time`: on a
machine shared with other work, wall time counts their share too). Both gradients are
compared: they agree to rounding.
"""

import argparse
import json
import math
import time
import tracemalloc

import numpy as np

import srcad


def recurrence(x, n, k):
    s = x
    for _t in srcad.checkpointed(range(n), snapshots=k):
        s = math.sin(s) * 0.9 + x * 0.1
    return s


def recurrence_taped(x, n, k):
    s = x
    for _ in range(n):
        s = math.sin(s) * 0.9 + x * 0.1
    return s


def rnn(W, b, h, n, k):
    for _t in srcad.checkpointed(range(n), snapshots=k):
        h = np.tanh(W @ h + b)
    return np.sum(h * h)


def rnn_taped(W, b, h, n, k):
    for _ in range(n):
        h = np.tanh(W @ h + b)
    return np.sum(h * h)


def peak_bytes(fn, *args):
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def seconds(fn, args, repeats):
    best = math.inf
    for _ in range(repeats):
        start = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - start)
    return best


def measure(name, taped, checkpointed, args, snapshots, wrt, repeats):
    """Rows (case, k, peak bytes, peak bytes beyond a one-step gradient's, seconds, max
    relative difference) for the taped gradient (k None) and the checkpointed one for each k.
    The one-step gradient's peak is what any gradient of the function holds besides the loop
    (its arguments' adjoints and their temporaries: a 256x256 weight's adjoint, say)."""
    rows = []
    reference = None
    one_step = srcad.grad(taped, wrt=wrt)
    one_step(*args[:-1], 1, 1)                          # compiles
    floor = peak_bytes(one_step, *args[:-1], 1, 1)
    for k in [None] + snapshots:
        f = taped if k is None else checkpointed
        g = srcad.grad(f, wrt=wrt)
        call = args + (k or 1,)
        value = g(*call)                                # compiles; the reference to compare
        if reference is None:
            reference = value
        difference = max(float(np.max(np.abs(np.asarray(a) - np.asarray(r)) /
                                      np.maximum(np.abs(r), 1e-300)))
                         for a, r in zip(value, reference))
        peak = peak_bytes(g, *call)
        rows.append((name, k, peak, max(peak - floor, 1), seconds(g, call, repeats),
                     difference))
    return rows


def table(rows):
    lines = ["| loop | gradient | peak memory | / taped | beyond one step | / taped | time | "
             "/ taped | max rel. difference |", "|---|---|---|---|---|---|---|---|---|"]
    base = {}
    for name, k, peak, loop, sec, diff in rows:
        if k is None:
            base[name] = (peak, loop, sec)
        tape_peak, tape_loop, tape_sec = base[name]
        label = "full tape" if k is None else f"checkpointed, k = {k}"
        lines.append(f"| {name} | {label} | {_mib(peak)} | 1/{tape_peak / peak:.0f} | "
                     f"{_mib(loop)} | 1/{tape_loop / loop:.0f} | {sec:.2f} s | "
                     f"{sec / tape_sec:.2f}x | {diff:.1e} |")
    return "\n".join(lines)


def _mib(size):
    return f"{size / 2 ** 20:.3f} MiB"


def parse(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.checkpointing",
                                description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=10 ** 6, help="scalar recurrence steps")
    p.add_argument("--rnn-steps", type=int, default=10 ** 4, help="RNN steps")
    p.add_argument("--width", type=int, default=256, help="RNN state width")
    p.add_argument("--snapshots", default="10,30,100", help="comma-separated k")
    p.add_argument("--repeats", type=int, default=2, help="timed calls, best taken")
    p.add_argument("--markdown", help="write the table to this file")
    p.add_argument("--json", help="write the rows to this file (benchmarks/checkpoint_plot.py)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    snapshots = [int(k) for k in args.snapshots.split(",")]
    rng = np.random.default_rng(0)
    W = rng.normal(size=(args.width, args.width)) / np.sqrt(args.width)
    b, h = rng.normal(size=args.width) * 0.1, rng.normal(size=args.width)
    rows = measure(f"scalar recurrence, {args.steps} steps", recurrence_taped, recurrence,
                   (0.5, args.steps), snapshots, (0,), args.repeats)
    rows += measure(f"RNN, {args.rnn_steps} steps, {args.width}-wide state", rnn_taped, rnn,
                    (W, b, h, args.rnn_steps), snapshots, (0, 1, 2), args.repeats)
    text = table(rows)
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    if args.json:
        keys = ("loop", "snapshots", "peak_bytes", "beyond_one_step_bytes", "seconds",
                "max_rel_difference")
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([dict(zip(keys, row)) for row in rows], out, indent=1)


if __name__ == "__main__":
    main()
