"""Command line of the benchmark suite.

    python -m benchmarks [--tasks T1,T2] [--tools srcad,hand,autograd,jax,jax_jit,torch]
                         [--json out.json] [--plot out.png] [--markdown out.md] [--quick]
    python benchmarks/run.py ...     (the same)

Thread counts are fixed through the environment before NumPy, JAX or PyTorch load, which
is why this module imports nothing heavy at the top.
"""

import argparse
import os
import sys
import time

if __name__ == "__main__" and not __package__:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TOOL_NAMES = ("srcad", "srcad_vg", "srcad_fwd", "hand", "autograd", "jax", "jax_jit", "torch")
OPTIONAL_TOOLS = ("srcad_numba",)      # run when named: backend="numba" (needs numba)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--tasks", help="comma-separated task names or prefixes (T2 = T2, T2x)")
    p.add_argument("--tools", default=",".join(TOOL_NAMES),
                   help=f"comma-separated, from {', '.join(TOOL_NAMES + OPTIONAL_TOOLS)}")
    p.add_argument("--json", help="write rows and environment to this JSON file")
    p.add_argument("--plot", help="write a bar chart (PNG) of tool / hand-written time")
    p.add_argument("--markdown", help="write the table and notes as Markdown to this file")
    p.add_argument("--quick", action="store_true", help="short loops and 3 repeats (< 1 min)")
    p.add_argument("--threads", type=int, default=1, help="threads for every tool (default 1)")
    p.add_argument("--min-time", type=float, help="seconds per timed loop (default 0.2)")
    p.add_argument("--repeats", type=int, help="timed loops per figure, median taken (7)")
    p.add_argument("--native-blas", action="store_true",
                   help="unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this run, so "
                        "OpenBLAS picks the kernel for this CPU")
    args = p.parse_args(argv)
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(args.tools) - set(TOOL_NAMES + OPTIONAL_TOOLS))
    if unknown:
        p.error(f"unknown tool(s) {', '.join(unknown)}; known: "
                f"{', '.join(TOOL_NAMES + OPTIONAL_TOOLS)}")
    args.tasks = [t.strip() for t in args.tasks.split(",")] if args.tasks else None
    args.min_time = args.min_time or (0.01 if args.quick else 0.2)
    args.repeats = args.repeats or (3 if args.quick else 7)
    return args


def configure_threads(threads, native_blas):
    """Same thread count for NumPy's BLAS, JAX (XLA) and PyTorch; must run before they load."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    if threads == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false"
                                   " intra_op_parallelism_threads=1").strip()
    if native_blas:
        os.environ.pop("OPENBLAS_CORETYPE", None)
        os.environ.pop("OPENBLAS_L2_SIZE", None)


def configure_torch(threads):
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:        # already set by an earlier call in this process
        pass


def main(argv=None):
    args = parse(argv)
    configure_threads(args.threads, args.native_blas)
    if "torch" in args.tools:
        configure_torch(args.threads)
    from benchmarks import report, suite, tasks

    env = report.environment(args.threads)
    print(report.environment_text(env), flush=True)
    start = time.perf_counter()
    runner = suite.Suite(args.min_time, args.repeats, log=lambda s: print(s, flush=True),
                         quick=args.quick)
    rows = runner.run(tasks.select(args.tasks), args.tools)
    print()
    print(report.table(rows))
    notes = report.srcad_notes(rows)
    print("\n".join(["", *notes]))
    print(f"\n{len(rows)} rows in {time.perf_counter() - start:.0f} s "
          f"(loops of >= {args.min_time} s, median of {args.repeats})")
    settings = {"min_time": args.min_time, "repeats": args.repeats, "threads": args.threads}
    if args.json:
        report.write_json(args.json, rows, env, settings)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report.table(rows, markdown=True) + "\n\n" +
                    "\n".join(f"- {n}" for n in notes) + "\n")
    if args.plot:
        problem = report.plot(args.plot, rows)
        print(problem or f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
