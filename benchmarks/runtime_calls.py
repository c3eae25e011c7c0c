"""Run-time calls against the same calls resolved when transforming.

    python -m benchmarks.runtime_calls [--repeats 7] [--number 2000]

`routed` picks its callee from three by an index it computes (srcad cannot name it when
transforming: a run-time call, srcad/lowering/runtime_calls.py); `resolved` computes the same
index into a list holding one callee three times, which srcad resolves when transforming.
Prints microseconds of CPU time per call of each derivative (the best of `--repeats` rounds) and the
dispatch of one run-time call site alone: `pullback(fn, x)` against the callee's compiled
forward half called directly, `back(g)` against its backward half, and `pushforward(fn, x, dx)`
against its jvp.
"""

import argparse
import gc
import os
import sys
import time
import timeit

import numpy as np

if __name__ == "__main__" and not __package__:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def gated(z):
    return z * np.tanh(z) + 0.5 * z


def gated_more(z):
    return z * np.tanh(z) + 0.75 * z


def gated_less(z):
    return z * np.tanh(z) + 0.25 * z


EXPERTS = [gated, gated_more, gated_less]      # three callees: srcad cannot pick one
SAME = [gated, gated, gated]                   # one callee: resolved when transforming


def routed(w, x):
    expert = EXPERTS[int(abs(np.sum(w)) * 0.0)]   # known when it runs
    return np.sum(expert(x @ w) ** 2)


def resolved(w, x):
    expert = SAME[int(abs(np.sum(w)) * 0.0)]
    return np.sum(expert(x @ w) ** 2)


def best(fn, args, repeats, number):
    """Microseconds of CPU time per call, the best of `repeats` rounds (CPU time, not wall
    time: on a shared machine it counts this process's work only)."""
    fn(*args)
    timer = timeit.Timer(lambda: fn(*args), timer=time.process_time)
    return min(timer.repeat(repeat=repeats, number=number)) / number * 1e6


def whole(repeats, number, w, x, dw):
    """(mode, run-time us, resolved us) of the whole derivative."""
    import srcad
    for mode, transform, extra in (("grad", srcad.grad, ()), ("jvp", srcad.jvp, (dw,))):
        yield (mode, best(transform(routed), (w, x) + extra, repeats, number),
               best(transform(resolved), (w, x) + extra, repeats, number))


def dispatch(repeats, number, w, x):
    """(what, through the call site us, the compiled derivative called directly us)."""
    import srcad
    from srcad.lowering.runtime_calls import Pullback, Pushforward
    srcad.grad(routed)(w, x), srcad.jvp(routed)(w, x, w)
    pullback = next(o for o in gc.get_objects() if type(o) is Pullback)
    pushforward = next(o for o in gc.get_objects() if type(o) is Pushforward)
    h = x @ w
    fwd, bwd = next(iter(pullback.known.values()))[:2]
    _, residuals = fwd(gated, h)
    _, back = pullback(gated, h)
    jvp = next(iter(pushforward.known.values()))[0]
    yield ("pullback(fn, x)", best(pullback, (gated, h), repeats, number),
           best(fwd, (gated, h), repeats, number))
    yield ("back(g)", best(back, (h,), repeats, number), best(bwd, (residuals, h), repeats, number))
    yield ("pushforward(fn, x, dx)", best(pushforward, (gated, h, h), repeats, number),
           best(jvp, (gated, h, h), repeats, number))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--number", type=int, default=2000)
    options = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    w, x, dw = rng.normal(size=(4, 4)), rng.normal(size=(3, 4)), rng.normal(size=(4, 4))
    print(f"{'derivative':24} {'run-time us':>12} {'resolved us':>12} {'difference':>11}")
    for mode, t_dyn, t_static in whole(options.repeats, options.number, w, x, dw):
        print(f"{mode:24} {t_dyn:12.1f} {t_static:12.1f} {t_dyn - t_static:11.1f}")
    print(f"{'call site':24} {'through it us':>12} {'direct us':>12} {'dispatch':>11}")
    for what, t_site, t_direct in dispatch(options.repeats, options.number * 5, w, x):
        print(f"{what:24} {t_site:12.1f} {t_direct:12.1f} {t_site - t_direct:11.1f}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
