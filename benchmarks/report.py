"""Present the rows: a text (or Markdown) table, the environment, JSON, a bar chart.

Times print in microseconds with three significant digits; `-` marks a figure that does not
apply (no tracemalloc for JAX and PyTorch, no transformation for hand-written code).
"""

import json
import os
import platform
import subprocess
import sys
from importlib import metadata

from benchmarks.tasks import HAND_TAPE_VALUES

COLUMNS = [("task", "task"), ("tool", "tool"), ("primal us", "primal_s"), ("grad us", "grad_s"),
           ("grad/primal", "grad_over_primal"), ("tool/hand", "over_hand"),
           ("first call ms", "first_call_s"), ("overhead us", "overhead_s"),
           ("peak KiB", "peak_bytes"), ("check", "check")]


def _sig(x):
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def cell(row, key):
    """One table cell: the figure in the column's unit, the skip/error note, or '-'."""
    value = row.get(key)
    if key == "check" and row["status"] != "ok":
        return f"{row['status']}: {row.get('note', '')}"
    if value is None:
        return "-"
    if key in ("grad_s", "primal_s", "overhead_s"):
        return _sig(value * 1e6)
    if key == "first_call_s":
        return _sig(value * 1e3)
    if key == "peak_bytes":
        return _sig(value / 1024)
    if key in ("grad_over_primal", "over_hand"):
        return f"{value:.2f}"
    return str(value)


# The Markdown tables: ten columns overflow a documentation page, so speed and cost are two.
MARKDOWN_TABLES = [
    ("Speed", ["task", "tool", "primal_s", "grad_s", "grad_over_primal", "over_hand"]),
    ("Cost and check", ["task", "tool", "first_call_s", "overhead_s", "peak_bytes", "check"]),
]


def markdown_tables(rows):
    """The rows as the Markdown tables of MARKDOWN_TABLES, each under a bold title."""
    names = {key: name for name, key in COLUMNS}
    parts = []
    for title, keys in MARKDOWN_TABLES:
        lines = [f"**{title}**", "", "| " + " | ".join(names[k] for k in keys) + " |",
                 "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(cell(r, k) for k in keys) + " |" for r in rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def table(rows, markdown=False):
    """The rows as an aligned text table, or Markdown tables (markdown_tables)."""
    header = [name for name, _ in COLUMNS]
    body = [[cell(r, key) for _, key in COLUMNS] for r in rows]
    if markdown:
        return markdown_tables(rows)
    widths = [max(len(x) for x in col) for col in zip(header, *body)]
    fmt = "  ".join(f"{{:{'<' if i < 2 or i == len(widths) - 1 else '>'}{w}}}"
                    for i, w in enumerate(widths))
    return "\n".join(fmt.format(*line).rstrip() for line in [header] + body)


def srcad_notes(rows):
    """Lines on srcad's transformation cost, cached-call overhead and T4 tape."""
    lines = []
    for r in rows:
        if r["tool"] != "srcad" or r["status"] != "ok":
            continue
        overhead = "n/a" if r.get("overhead_s") is None else f"{r['overhead_s'] * 1e6:.2f} us"
        lines.append(f"{r['task']}: first call {r['first_call_s'] * 1e3:.1f} ms (a fresh transform "
                     f"after warm-up {r['retransform_s'] * 1e3:.1f} ms); cached call "
                     f"{r['grad_s'] * 1e6:.2f} us, the generated code alone "
                     f"{r['direct_s'] * 1e6:.2f} us, wrapper overhead {overhead}")
        tape = r.get("tape")
        if tape:
            lines.append(f"{r['task']}: tape {tape['values']} values in {tape['pushes']} pushes "
                         f"on {tape['tapes']} tape(s) ({'; '.join(tape['records'])}); "
                         f"hand-written records {HAND_TAPE_VALUES} values")
    return lines


def _version(name):
    if name == "srcad":
        import srcad
        return srcad.__version__
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas():
    try:
        import threadpoolctl
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture', '')} "
                     f"threads={i['num_threads']}" for i in threadpoolctl.threadpool_info())


def _commit():
    """The srcad commit measured, with '+changes' when the work tree differs from it."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                                "srcad"], cwd=here, text=True, capture_output=True,
                               check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" +changes in srcad/" if dirty.strip() else "")


def environment(threads):
    """What the figures depend on: CPU, versions, BLAS kernel, thread settings."""
    import numpy as np
    return {
        "cpu": _cpu(), "logical_cpus": os.cpu_count(), "platform": platform.platform(),
        "python": sys.version.split()[0], "numpy": np.__version__, "blas": _blas(),
        "threads": threads, "load_average": os.getloadavg(), "commit": _commit(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "versions": {name: _version(name) for name in
                     ("srcad", "autograd", "jax", "jaxlib", "torch")},
    }


def environment_text(env):
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    return "\n".join([
        f"CPU: {env['cpu']} ({env['logical_cpus']} logical CPUs), {env['platform']}",
        f"Python {env['python']}, NumPy {env['numpy']}; BLAS: {env['blas']}",
        f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}; {versions} (commit {env['commit']})",
        f"threads: {env['threads']} for every tool (OMP/OPENBLAS/MKL_NUM_THREADS, "
        "torch.set_num_threads, XLA intra-op); load average at start "
        + ", ".join(f"{x:.2f}" for x in env["load_average"]),
    ])


def write_json(path, rows, env, settings):
    with open(path, "w") as f:
        json.dump({"environment": env, "settings": settings, "rows": rows}, f, indent=1)


def plot(path, rows):
    """Bar chart of tool / hand-written time per task (log scale); None if no matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed: no plot (pip install matplotlib)"
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    tools = [t for t in dict.fromkeys(r["tool"] for r in rows) if t != "hand"]
    ratio = {(r["task"], r["tool"]): r.get("over_hand") for r in rows}
    wrong = {(r["task"], r["tool"]) for r in rows if str(r.get("check", "")).startswith("WRONG")}
    width = 0.8 / max(len(tools), 1)
    fig, ax = plt.subplots(figsize=(max(8, 1.4 * len(tasks)), 4.5))
    for i, tool in enumerate(tools):
        xs = [k + (i - (len(tools) - 1) / 2) * width for k, t in enumerate(tasks)
              if ratio.get((t, tool))]
        ys = [ratio[(t, tool)] for t in tasks if ratio.get((t, tool))]
        hatches = ["xx" if (t, tool) in wrong else "" for t in tasks if ratio.get((t, tool))]
        ax.bar(xs, ys, width, label=tool, hatch=hatches)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.axhline(1.3, color="gray", linewidth=0.8, linestyle="--", label="1.3x target")
    ax.set_yscale("log")
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set_ylabel("gradient time / hand-written (log)")
    ax.set_title("Gradient time relative to a hand-written NumPy gradient (lower is better; "
                 "hatched: wrong gradient)", fontsize=10)
    ax.legend(ncol=4, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
