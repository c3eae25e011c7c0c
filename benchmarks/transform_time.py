"""Transform time against program size: an if/elif chain of n branches and loops nested d deep.

    python -m benchmarks.transform_time [--branches 5,10,20,40,80,120,200] [--depths 1,...,6]
                                        [--modes grad,jvp] [--repeats 3]

Prints one row per size and mode: the seconds of the first call (source read, lowered,
differentiated, simplified, printed and compiled; the median of `--repeats` fresh functions)
and the generated code's lines. Every branch of the chain has residuals for the reverse sweep
(`elif x > -k: y = np.sin(x) * x + k * np.cos(x)`), so the reverse sweep has something to keep
on every path. Linear growth shows as a constant time per branch (the last column).
"""

import argparse
import importlib.util
import os
import statistics
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


def load(text, folder, name):
    """`f` defined in a module file of its own, as srcad reads sources from files."""
    path = os.path.join(folder, name + ".py")
    with open(path, "w") as out:
        out.write("import numpy as np\n\n" + text + "\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def first_call(f, mode):
    """(seconds of the first call, lines of generated code)."""
    import srcad
    transform, args = (srcad.grad(f), (0.3,)) if mode == "grad" else (srcad.jvp(f), (0.3, 1.0))
    start = time.perf_counter()
    transform(*args)
    seconds = time.perf_counter() - start
    return seconds, len(srcad.source(transform, *args).splitlines())


def series(kind, sizes, modes, repeats, folder):
    source = chain_source if kind == "branches" else nest_source
    rows = []
    for mode in modes:
        for size in sizes:
            runs = [first_call(load(source(size), folder, f"{kind}_{mode}_{size}_{r}"), mode)
                    for r in range(repeats)]
            seconds = statistics.median(s for s, _ in runs)
            rows.append((mode, size, seconds, runs[0][1]))
    return rows


def print_rows(kind, rows):
    unit = {"branches": "branch", "depths": "level"}[kind]
    print(f"{'mode':<5} {kind:>8} {'seconds':>9} {'lines':>6} {'ms per ' + unit:>16}")
    for mode, size, seconds, lines in rows:
        print(f"{mode:<5} {size:>8} {seconds:>9.3f} {lines:>6} {1000 * seconds / size:>16.2f}")


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks.transform_time",
                                description=__doc__.split("\n")[0])
    p.add_argument("--branches", default="5,10,20,40,80,120,200")
    p.add_argument("--depths", default="1,2,3,4,5,6")
    p.add_argument("--modes", default="grad,jvp")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    ints = lambda text: [int(v) for v in text.split(",") if v.strip()]   # noqa: E731
    args.branches, args.depths = ints(args.branches), ints(args.depths)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    return args


def main(argv=None):
    args = parse(argv)
    with tempfile.TemporaryDirectory() as folder:
        sys.path.insert(0, folder)
        print("if/elif chain, every branch with residuals:")
        print_rows("branches", series("branches", args.branches, args.modes, args.repeats,
                                      folder))
        print("\nloops nested d deep around an if:")
        print_rows("depths", series("depths", args.depths, args.modes, args.repeats, folder))


if __name__ == "__main__":
    main()
