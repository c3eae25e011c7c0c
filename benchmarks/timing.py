"""Timing and memory measurement, timeit-style.

A `Loop` calibrates its count so that one loop runs at least `min_time` seconds; the figure
is the median over `repeats` loops, and the loops of all tools of a task run in interleaved
rounds; garbage collection is off inside a loop, as in `timeit`. The call is compiled into
the loop with the function and its arguments bound to local variables, so the figure for a
0.2 us gradient is not a 0.1 us lambda around it.
"""

import gc
import statistics
import timeit
import tracemalloc


class Loop:
    """An auto-calibrated timing loop around fn(*args); `run()` times one loop per call."""

    def __init__(self, fn, args, min_time):
        names = [f"a{i}" for i in range(len(args))]
        setup = "; ".join(["fn = _g['fn']"] + [f"{n} = _g['{n}']" for n in names])
        env = {"_g": {"fn": fn, **dict(zip(names, args))}}
        self.timer = timeit.Timer(f"fn({', '.join(names)})", setup=setup, globals=env)
        self.number = 1
        self.times = []      # seconds per call, one entry per loop
        while True:
            elapsed = self.timer.timeit(self.number)
            if elapsed >= min_time:
                break
            # aim straight for min_time, at most 10x more at once
            self.number = max(self.number + 1, min(self.number * 10,
                                                   int(self.number * 1.2 * min_time / elapsed)
                                                   if elapsed > 0 else self.number * 10))
        self.times.append(elapsed / self.number)

    def run(self):
        self.times.append(self.timer.timeit(self.number) / self.number)

    @property
    def median(self):
        return statistics.median(self.times)


def interleaved(loops, repeats):
    """Run `repeats` rounds, one loop of each in turn: a burst of load elsewhere on the
    machine then slows every tool of the round alike instead of one tool's figure."""
    for _ in range(repeats - 1):
        for loop in loops:
            loop.run()


def per_call(fn, args, min_time=0.2, repeats=7):
    """Median seconds per call of fn(*args) over `repeats` auto-calibrated loops."""
    loop = Loop(fn, args, min_time)
    interleaved([loop], repeats)
    return loop.median


def peak_bytes(fn, args):
    """Peak traced memory (bytes) allocated during one call of fn(*args), beyond what was live.

    NumPy reports its data buffers to tracemalloc, so this covers arrays as well as Python
    objects; allocators of other libraries (JAX, PyTorch) are invisible to it.
    """
    fn(*args)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak - base
