"""The element-by-element comparison behind srcad.check_grad (numeric.py): an analytic
gradient against central differences, leaf by leaf, with the worst elements as a table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import tree

REPORT_ROWS = 20


@dataclass(frozen=True)
class _Row:
    label: str  # "params[0]['W'][2, 1]"
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float
    excess: float  # abs_err / tolerance: above 1 fails


def _kind_problem(analytic, numeric) -> str | None:
    """Why analytic cannot be the gradient of a leaf whose numeric gradient is numeric."""
    if numeric is None:
        return f"expected None (the gradient of a None), got {type(analytic).__name__}"
    if isinstance(numeric, np.ndarray):
        want = f"an array of shape {numeric.shape} and dtype {numeric.dtype}"
        if not isinstance(analytic, np.ndarray):
            return f"expected {want}, got {type(analytic).__name__} {analytic!r}"
        if (analytic.shape, analytic.dtype) != (numeric.shape, numeric.dtype):
            return f"expected {want}, got shape {analytic.shape} and dtype {analytic.dtype}"
        return None
    if not isinstance(analytic, (float, np.floating)):
        return f"expected a float, got {type(analytic).__name__} {analytic!r}"
    return None


def _errors(analytic, numeric, noise, rtol, atol):
    """Elementwise abs err, rel err, and abs err / tolerance (inf where one side is nan)."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    same = (a == n) | (np.isnan(a) & np.isnan(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_err = np.where(same, 0.0, np.abs(a - n))
        rel_err = abs_err / np.maximum(np.abs(n), np.finfo(np.float64).tiny)
        excess = abs_err / (atol + rtol * np.abs(n) + noise)
    return abs_err, rel_err, np.where(same, 0.0, np.nan_to_num(excess, nan=np.inf))


@dataclass(frozen=True)
class Stats:
    checked: int = 0
    failing: int = 0
    max_abs_err: float = 0.0
    max_rel_err: float = 0.0

    def __add__(self, other: Stats) -> Stats:
        return Stats(self.checked + other.checked, self.failing + other.failing,
                      max(self.max_abs_err, other.max_abs_err),
                      max(self.max_rel_err, other.max_rel_err))


def _leaf_rows(label, analytic, numeric, noise, rtol, atol) -> tuple[list[_Row], Stats]:
    """The worst failing elements of one leaf (at most a report's worth), and its stats."""
    abs_err, rel_err, excess = _errors(analytic, numeric, noise, rtol, atol)
    failing = [tuple(i) for i in np.argwhere(excess > 1)]
    worst = sorted(failing, key=lambda i: -excess[i])[:REPORT_ROWS]
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    rows = [_Row(label + (f"[{', '.join(map(str, i))}]" if i else ""), float(a[i]),
                 float(n[i]), float(abs_err[i]), float(rel_err[i]), float(excess[i]))
            for i in worst]
    finite = np.isfinite(abs_err)
    stats = Stats(abs_err.size, len(failing), float(np.max(abs_err, where=finite, initial=0)),
                   float(np.max(rel_err, where=finite, initial=0)))
    return rows, stats


def compare_tree(label, analytic, numeric, noise, rtol, atol):
    """Problems (wrong structure, shape, dtype), worst rows and stats for one argument."""
    try:
        analytic = tree.map_leaves(lambda n, a: a, numeric, analytic)
    except ValueError as err:
        return [f"the gradient w.r.t. {label} has the wrong structure: {err}"], [], Stats()
    problems, rows, stats = [], [], Stats()
    n_leaves, treedef = tree.flatten(numeric)
    leaves = zip(tree.paths(treedef), tree.flatten(analytic)[0], n_leaves, tree.flatten(noise)[0])
    for path, a, n, e in leaves:
        if n is None and a is None:
            continue
        problem = _kind_problem(a, n)
        if problem:
            problems.append(f"the gradient w.r.t. {label}{path}: {problem}")
            continue
        leaf_rows, leaf_stats = _leaf_rows(label + path, a, n, e, rtol, atol)
        rows, stats = rows + leaf_rows, stats + leaf_stats
    return problems, rows, stats


def table(rows: list[_Row]) -> str:
    """The report's table: one line per element, columns aligned."""
    header = ("element", "analytic", "numeric", "abs err", "rel err")
    cells = [header] + [(r.label, f"{r.analytic:.10g}", f"{r.numeric:.10g}",
                         f"{r.abs_err:.2e}", f"{r.rel_err:.2e}") for r in rows]
    widths = [max(len(line[c]) for line in cells) for c in range(len(header))]
    return "\n".join("  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
                     for line in cells)
