"""Run every (task, tool) pair: check the gradient against the hand-written one, then time it.

A row is a plain dict (it goes to JSON as is). Times are seconds per call; ratios are
filled in once the task's hand-written row exists. A tool that is missing or does not apply
gives a `skip` row, one that fails gives an `error` row with the first line of the error:
the suite never stops at a tool.
"""

import statistics
import time
import traceback
import types

import numpy as np

from benchmarks import srcad_probe, timing, tools


def compare(got, ref):
    """Largest relative error max|a - b| / max|b| over the leaves, or a structure mismatch.

    A gradient must have its argument's shape and, for arrays, its dtype.
    """
    if len(got) != len(ref):
        return None, f"{len(got)} gradient leaves, expected {len(ref)}"
    worst = 0.0
    for i, (a, b) in enumerate(zip(got, ref)):
        if isinstance(b, np.ndarray) and np.asarray(a).dtype != b.dtype:
            return None, f"leaf {i} has dtype {np.asarray(a).dtype}, expected {b.dtype}"
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return None, f"leaf {i} has shape {a.shape}, expected {b.shape}"
        scale = max(float(np.max(np.abs(b))), 1e-300)
        worst = max(worst, float(np.max(np.abs(a - b))) / scale)
    return worst, None


def tolerance(task):
    return 1e-4 if task.dtype == "float32" else 1e-9


def _first_line(err):
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:160]


class Suite:
    """Measurement settings; `run` gives one row per (task, tool)."""

    def __init__(self, min_time=0.2, repeats=7, log=print, quick=False):
        self.min_time = min_time
        self.repeats = repeats
        self.log = log
        self.quick = quick

    def time(self, fn, args):
        return timing.per_call(fn, args, self.min_time, self.repeats)

    def run(self, tasks, tool_names):
        rows = []
        for task in tasks:
            self.log(f"== {task.name}: {task.title} [{task.dtype}]")
            reference = tools.leaves(task.hand_grad(*task.args()))
            prepared = [self.prepare(tool, task, reference) for tool in tool_names]
            ready = [(row, runner) for row, runner in prepared if runner is not None]
            self.guarded(self.time_task, ready)
            for row, runner in ready:
                self.guarded(self.extras, [(row, runner)], task)
                if row["status"] == "ok":
                    self.log(f"   {row['tool']:9s} grad {row['grad_s'] * 1e6:10.2f} us   "
                             f"check {row['check']}")
            rows += [row for row, _ in prepared]
            add_ratios([row for row, _ in prepared])
        return rows

    def prepare(self, tool, task, reference):
        """(row, runner) with the gradient checked; runner None for a skip or an error."""
        row = {"task": task.name, "tool": tool, "dtype": task.dtype, "status": "ok"}
        try:
            if self.quick and tool in task.slow_tools:
                raise tools.Skip("left out under --quick (unrolling 1000 steps takes 20-50 s "
                                 "in jax.jit, 0.6 s a call without)")
            if tool in task.skip:
                raise tools.Skip(task.skip[tool])
            runner = tools.prepare(tool, task)
            self.check(row, runner, task, reference)
        except tools.Skip as skip:
            row.update(status="skip", note=str(skip))
            self.log(f"   {tool:9s} skipped: {skip}")
            return row, None
        except Exception as err:  # noqa: BLE001 - a tool's failure is a result to report
            self.failed(row, err)
            return row, None
        return row, runner

    def guarded(self, step, entries, *more):
        """Run a measuring step; an exception turns the rows it concerns into error rows."""
        try:
            step(entries, *more)
        except Exception as err:  # noqa: BLE001 - as in prepare: report, go on
            for row, _ in entries:
                self.failed(row, err)

    def failed(self, row, err):
        row.update(status="error", note=_first_line(err), trace=traceback.format_exc(limit=-3))
        self.log(f"   {row['tool']:9s} ERROR {row['note']}")

    def check(self, row, runner, task, reference):
        result = runner.grad_fn(*runner.grad_args)
        got = runner.to_leaves(result) if runner.to_leaves else tools.leaves(result)
        err, problem = compare(got, reference)
        row["check_err"] = err
        if problem:
            row["check"] = "WRONG: " + problem
        else:
            row["check"] = f"{'ok' if err <= tolerance(task) else 'WRONG'} {err:.1e}"

    def time_task(self, entries):
        """Gradient and primal loops of every tool of a task, timed in interleaved rounds.

        The NumPy primal is one loop shared by the NumPy-based tools; JAX and PyTorch time
        their own primal (jitted for jax_jit, under no_grad for torch).
        """
        loops, numpy_primal = [], None
        for row, runner in entries:
            row["_grad"] = timing.Loop(runner.grad_fn, runner.grad_args, self.min_time)
            if row["tool"] not in tools.NUMPY_BASED:
                row["_primal"] = timing.Loop(runner.primal_fn, runner.primal_args, self.min_time)
            else:
                numpy_primal = numpy_primal or timing.Loop(runner.primal_fn, runner.primal_args,
                                                           self.min_time)
                row["_primal"] = numpy_primal
            loops += [row["_grad"]] + ([row["_primal"]] if row["_primal"] not in loops else [])
            if runner.srcad_fn is not None:   # the generated code called without the wrapper
                direct = srcad_probe.generated(runner.srcad_fn).function
                row["_direct"] = timing.Loop(direct, runner.grad_args, self.min_time)
                loops.append(row["_direct"])
        timing.interleaved(loops, self.repeats)
        for row, _ in entries:
            grad, primal = row.pop("_grad"), row.pop("_primal")
            row.update(grad_s=grad.median, grad_min_s=min(grad.times), primal_s=primal.median,
                       loops=grad.number)
            if "_direct" in row:
                row["direct_s"] = row.pop("_direct").median

    def extras(self, entries, task):
        """One-time cost, peak memory, and srcad's overhead and tape."""
        for row, runner in entries:
            row["first_call_s"] = runner.first_call_s
            if row["tool"] in tools.NUMPY_BASED:
                row["peak_bytes"] = timing.peak_bytes(runner.grad_fn, runner.grad_args)
            if runner.srcad_fn is not None:
                self.srcad_details(row, runner, task)

    def srcad_details(self, row, runner, task):
        """Cached-call overhead, cost of a fresh transformation, and the tape of T4."""
        row["overhead_s"] = srcad_probe.call_overhead(runner.srcad_fn, runner.grad_args, self.time)
        row["retransform_s"] = retransform_time(task)
        row["source"] = srcad_probe.generated(runner.srcad_fn).source
        if task.tape:
            row["tape"] = srcad_probe.tape_size(runner.srcad_fn, runner.grad_args).as_dict()


def retransform_time(task, tries=3):
    """Median time of the first call of a fresh srcad.grad (the transform after warm-up). Each
    try differentiates a new function object with a new code object: srcad.grad of the same
    function returns its transform, compiled specialisations included (srcad/reuse.py), and
    would time a cached call."""
    import srcad
    times = []
    for _ in range(tries):
        g = srcad.grad(fresh_function(task.loss), wrt=task.wrt)
        args = task.args()
        start = time.perf_counter()
        g(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh_function(f):
    """A copy of the plain function f that srcad has not seen: same source, globals, closure
    and defaults, a code object of its own."""
    if not isinstance(f, types.FunctionType):
        return f
    copy = types.FunctionType(f.__code__.replace(), f.__globals__, f.__name__, f.__defaults__,
                              f.__closure__)
    copy.__kwdefaults__ = f.__kwdefaults__
    return copy


def add_ratios(rows):
    """grad/primal for every row, tool/hand where the task has a hand-written row."""
    hand = next((r for r in rows if r["tool"] == "hand" and r["status"] == "ok"), None)
    for row in rows:
        if row["status"] != "ok":
            continue
        row["grad_over_primal"] = row["grad_s"] / row["primal_s"]
        if hand is not None:
            row["over_hand"] = row["grad_s"] / hand["grad_s"]

