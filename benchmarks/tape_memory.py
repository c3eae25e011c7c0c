"""Memory of reverse mode through loops: srcad's tape against a hand-written gradient that
keeps only what it needs, on a 10^4-step scalar loop and a 100-step array loop.

    python -m benchmarks.tape_memory
"""

import math
import tracemalloc

import numpy as np

import srcad


def scalar_loop(x0, a, b):
    x = x0
    for _ in range(10000):
        x = a * np.sin(x) + b * x
    return x


def scalar_loop_hand(x0, a, b, n=10000):
    xs = [0.0] * n
    x = x0
    for k in range(n):
        xs[k] = x
        x = a * math.sin(x) + b * x
    bx, ba, bb = 1.0, 0.0, 0.0
    for k in range(n - 1, -1, -1):
        x = xs[k]
        ba += bx * math.sin(x)
        bb += bx * x
        bx = bx * (a * math.cos(x) + b)
    return bx, ba, bb


def array_loop(W, h0):
    h = h0
    for _ in range(100):
        h = np.tanh(W @ h)
    return np.sum(h)


def array_loop_hand(W, h0, n=100):
    hs = [h0]
    for _ in range(n):
        hs.append(np.tanh(W @ hs[-1]))
    bh, bW = np.ones_like(h0), np.zeros_like(W)
    for k in range(n, 0, -1):
        bz = bh * (1.0 - hs[k] ** 2)
        bW += np.outer(bz, hs[k - 1])
        bh = W.T @ bz
    return bW, bh


def peak_bytes(fn, *args):
    fn(*args)                                  # compile and warm up outside the measurement
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    rng = np.random.default_rng(0)
    W, h0 = rng.normal(size=(50, 50)) / 10.0, rng.normal(size=50)
    cases = [("10^4-step scalar loop", scalar_loop, scalar_loop_hand, (0.5, 0.9, 0.3), (0, 1, 2)),
             ("100-step array loop (50x50)", array_loop, array_loop_hand, (W, h0), (0, 1))]
    print(f"{'loop':30} {'srcad peak':>12} {'hand peak':>12} {'ratio':>6}")
    for name, f, hand, args, wrt in cases:
        g = srcad.grad(f, wrt=wrt)
        ours, theirs = peak_bytes(g, *args), peak_bytes(hand, *args)
        print(f"{name:30} {ours / 1024:10.0f} KiB {theirs / 1024:10.0f} KiB "
              f"{ours / theirs:6.2f}")


if __name__ == "__main__":
    main()
