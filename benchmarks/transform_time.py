"""Transform time against program size: four series, each with its fitted growth exponent.

    python -m benchmarks.transform_time [--branches 5,10,20,40,80,160] [--depths 1,2,3,4,5,6]
        [--primitives 10,30,100,300,1000,3000,10000] [--helpers 1,2,5,10,20,50]
        [--modes grad,jvp] [--repeats 3] [--gc-off]

The series: an `if`/`elif` chain of n branches, every branch with residuals for the reverse
sweep (`elif x > -k: y = np.sin(x) * x + k * np.cos(x)`); loops nested d deep around an `if`;
a straight line of n primitives (`s = np.sin(s) * x`, two a line); a function calling n
module-level helpers (`s = h3(s)`, each called once, so inlined). Each row is the first call
(source read, lowered, differentiated, simplified, printed and compiled) in CPU seconds of
this process (steady on a shared machine, where wall-clock time is not), the best of
`--repeats` fresh functions, and the generated code's lines. Under each series: the exponent b
of the least-squares fit t = a * n ** b over all its sizes and over its upper half (where the
fixed cost of a call weighs least): linear growth shows as b <= 1.
"""

import argparse
import gc
import importlib.util
import math
import os
import sys
import tempfile
import time

if __name__ == "__main__" and not __package__:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def chain_source(n):
    lines = ["def f(x):", "    if x > 0.0:", "        y = np.sin(x) * x"]
    for k in range(1, n):
        lines += [f"    elif x > {-k}.0:", f"        y = np.sin(x) * x + {k}.0 * np.cos(x)"]
    return "\n".join(lines + ["    else:", "        y = x * x", "    return y"])


def nest_source(depth):
    lines, pad = ["def f(x):", "    s = x"], "    "
    for k in range(depth):
        lines.append(f"{pad}for i{k} in range(2):")
        pad += "    "
    lines += [f"{pad}if s > 0.0:", f"{pad}    s = np.sin(s) * x", f"{pad}else:",
              f"{pad}    s = s + x"]
    return "\n".join(lines + ["    return s"])


def straight_source(primitives):
    """n primitives in a line: a sine and a product per statement."""
    body = ["    s = np.sin(s) * x"] * max(1, primitives // 2)
    return "\n".join(["def f(x):", "    s = x"] + body + ["    return s"])


def helpers_source(n):
    """f calling n helpers of its module one after the other, each once."""
    helpers = [f"def h{k}(x):\n    return np.sin(x) * x + {k}.0\n\n" for k in range(n)]
    calls = [f"    s = h{k}(s)" for k in range(n)]
    return "\n".join(helpers + ["def f(x):", "    s = x"] + calls + ["    return s"])


SERIES = {   # name: (source of a size, unit of the last column, title)
    "branches": (chain_source, "branch", "if/elif chain, every branch with residuals"),
    "depths": (nest_source, "level", "loops nested d deep around an if"),
    "primitives": (straight_source, "primitive", "straight-line code"),
    "helpers": (helpers_source, "helper", "helpers called once each (inlined)"),
}


def load(text, folder, name):
    """`f` defined in a module file of its own, as srcad reads sources from files."""
    path = os.path.join(folder, name + ".py")
    with open(path, "w") as out:
        out.write("import numpy as np\n\n" + text + "\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def first_call(f, mode, collect=True):
    """(CPU seconds of the first call, lines of generated code); `collect=False`: with Python's
    cyclic garbage collector off during the call."""
    import srcad
    transform, args = (srcad.grad(f), (0.3,)) if mode == "grad" else (srcad.jvp(f), (0.3, 1.0))
    gc.collect()                 # no collection of the runs before it falls into this one
    if not collect:
        gc.disable()
    start = time.process_time()
    try:
        transform(*args)
    finally:
        seconds = time.process_time() - start
        gc.enable()
    return seconds, len(srcad.source(transform, *args).splitlines())


def series(kind, sizes, modes, repeats, folder, collect=True):
    source = SERIES[kind][0]
    rows = []
    for mode in modes:
        for size in sizes:
            runs = [first_call(load(source(size), folder, f"{kind}_{mode}_{size}_{r}"), mode,
                               collect) for r in range(repeats)]
            rows.append((mode, size, min(s for s, _ in runs), runs[0][1]))
    return rows


def exponent(points):
    """b of the least-squares fit log t = log a + b log n; None under two sizes."""
    if len({n for n, _ in points}) < 2:
        return None
    xs, ys = [math.log(n) for n, _ in points], [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def exponents(rows, mode):
    """(exponent over all sizes, over the upper half) of one mode's rows."""
    points = [(size, seconds) for m, size, seconds, _ in rows if m == mode]
    return exponent(points), exponent(points[len(points) // 2:])


def print_rows(kind, rows):
    unit = SERIES[kind][1]
    print(f"{'mode':<5} {kind:>10} {'seconds':>9} {'lines':>6} {'ms per ' + unit:>19}")
    for mode, size, seconds, lines in rows:
        print(f"{mode:<5} {size:>10} {seconds:>9.3f} {lines:>6} {1000 * seconds / size:>19.3f}")
    for mode in dict.fromkeys(m for m, *_ in rows):
        whole, upper = exponents(rows, mode)
        shown = ["-" if b is None else f"{b:.2f}" for b in (whole, upper)]
        print(f"{mode:<5} fitted exponent: {shown[0]} (all sizes), {shown[1]} (upper half)")


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks.transform_time",
                                description=__doc__.split("\n")[0])
    p.add_argument("--branches", default="5,10,20,40,80,160")
    p.add_argument("--depths", default="1,2,3,4,5,6")
    p.add_argument("--primitives", default="10,30,100,300,1000,3000,10000")
    p.add_argument("--helpers", default="1,2,5,10,20,50")
    p.add_argument("--modes", default="grad,jvp")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--gc-off", action="store_true",
                   help="Python's cyclic garbage collector off during each timed call")
    args = p.parse_args(argv)
    ints = lambda text: [int(v) for v in text.split(",") if v.strip()]   # noqa: E731
    args.sizes = {kind: ints(getattr(args, kind)) for kind in SERIES}
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    return args


def main(argv=None):
    args = parse(argv)
    with tempfile.TemporaryDirectory() as folder:
        sys.path.insert(0, folder)
        for kind, sizes in args.sizes.items():
            if sizes:
                print(f"\n{SERIES[kind][2]}:", flush=True)
                rows = series(kind, sizes, args.modes, args.repeats, folder, not args.gc_off)
                print_rows(kind, rows)


if __name__ == "__main__":
    main()
