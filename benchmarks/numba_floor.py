"""Where the time of `backend="numba"` goes on the 1000-step recurrence (T4): srcad's compiled
gradient next to variants written by hand in Numba and to the function alone, compiled
(docs/numba.md, "Where the compiled time goes").

    python -m benchmarks.numba_floor [--calls 2000] [--loops 5]

CPU time a call (`time.process_time`), best of `loops` loops of `calls` calls. Needs Numba.
"""

import argparse
import math
import time

import numba
import numpy as np

import srcad
from benchmarks import losses, tasks

STEPS = 1000


@numba.njit
def list_tape(x0, a, b):
    """srcad's generated gradient, as one would write it in Numba: a list as the tape."""
    tape = []
    x = x0
    for _ in range(STEPS):
        tape.append(x)
        x = a * math.sin(x) + b * x
    bx, ba, bb = 1.0, 0.0, 0.0
    for _ in range(STEPS):
        xk = tape.pop()
        bb = bb + bx * xk
        ba = ba + bx * math.sin(xk)
        bx = bx * b + bx * a * math.cos(xk)
    return bx, ba, bb


def array_tape_source(fastmath):
    @numba.njit(fastmath=fastmath)
    def array_tape(x0, a, b):
        xs = np.empty(STEPS)
        x = x0
        for k in range(STEPS):
            xs[k] = x
            x = a * math.sin(x) + b * x
        bx, ba, bb = 1.0, 0.0, 0.0
        for k in range(STEPS - 1, -1, -1):
            ba += bx * math.sin(xs[k])
            bb += bx * xs[k]
            bx = bx * (a * math.cos(xs[k]) + b)
        return bx, ba, bb
    return array_tape


@numba.njit
def sines_taped(x0, a, b):
    """An array tape that also records sin(x), as benchmarks/tasks.py's hand gradient does."""
    xs, sines = np.empty(STEPS), np.empty(STEPS)
    x = x0
    for k in range(STEPS):
        s = math.sin(x)
        xs[k], sines[k] = x, s
        x = a * s + b * x
    bx, ba, bb = 1.0, 0.0, 0.0
    for k in range(STEPS - 1, -1, -1):
        ba += bx * sines[k]
        bb += bx * xs[k]
        bx = bx * (a * math.cos(xs[k]) + b)
    return bx, ba, bb


@numba.njit
def function_alone(x0, a, b):
    x = x0
    for _ in range(STEPS):
        x = a * math.sin(x) + b * x
    return x


@numba.njit
def empty(x0, a, b):
    return x0


@numba.njit
def cosines(x0, a, b):
    total, x = 0.0, x0
    for _ in range(STEPS):
        total += math.cos(x)
        x = x + 1e-3
    return total


def per_call(fn, args, calls, loops):
    best = math.inf
    for _ in range(loops):
        start = time.process_time()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.process_time() - start) / calls)
    return best * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.numba_floor",
                                description=__doc__.split("\n")[0])
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--loops", type=int, default=5)
    opts = p.parse_args(argv)
    args = (0.5, 0.8, 0.2)
    srcad_numba = srcad.grad(losses.recurrence, wrt=(0, 1, 2), backend="numba")
    reference = srcad.grad(losses.recurrence, wrt=(0, 1, 2))(*args)
    fast = array_tape_source(True)
    srcad_numba(*args)
    compiled = next(iter(srcad_numba.__srcad__.cache.values()))     # without srcad's wrapper
    rows = [("hand-written Python gradient", tasks.recurrence_hand, max(opts.calls // 10, 1)),
            ('srcad, backend="numba"', srcad_numba, opts.calls),
            ("the same compiled function, called without srcad's wrapper", compiled,
             opts.calls),
            ("by hand in Numba, a list tape", list_tape, opts.calls),
            ("by hand, an array tape", array_tape_source(False), opts.calls),
            ("by hand, an array tape recording sin(x) too", sines_taped, opts.calls),
            ("by hand, array tape, fastmath=True", fast, opts.calls),
            ("the function alone, compiled", function_alone, opts.calls),
            ("1000 calls of math.cos, compiled", cosines, opts.calls),
            ("an empty compiled function", empty, opts.calls * 10)]
    for _, fn, _ in rows:
        fn(*args)                                            # compiles
    difference = max(abs(f - r) / abs(r) for f, r in zip(fast(*args), reference))
    hand = per_call(tasks.recurrence_hand, args, rows[0][2], opts.loops)
    print("| what runs | µs a call | hand-written Python / it |\n|---|---|---|")
    for name, fn, calls in rows:
        us = hand if fn is tasks.recurrence_hand else per_call(fn, args, calls, opts.loops)
        print(f"| {name} | {us:.1f} | {hand / us:.1f} |")
    print(f"\nfastmath=True against the Python backend: {difference:.1e} (relative)")


if __name__ == "__main__":
    main()
