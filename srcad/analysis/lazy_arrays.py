"""NumPy functions Dask does not have, refused where a derivative would call them on a Dask array.

A NumPy function called on a Dask array runs Dask's own version (NumPy's `__array_function__`
protocol). Where Dask has none (np.sort, np.split, np.take_along_axis, np.linalg.det, ...),
Dask computes the whole array, warns, and calls NumPy's function on the result: the derivative
would load the data set into one process, the thing Dask is there to avoid, and continue on a
mix of lazy and computed arrays. srcad refuses that at the user's line instead, naming the
function and what to write.

Which functions Dask has is read from dask.array itself (already imported: a Dask argument
came in); which values are Dask arrays, from the derivative's data flow out of its Dask
arguments.
"""

import sys

import numpy as np

from .. import kinds as K
from ..errors import NonDifferentiableError
from ..ir.nodes import Eqn, Var, block_params, stmt_inputs, sub_blocks, walk_eqns, walk_stmts
from ..rules import RULES


def refuse_missing_on_dask(fn):
    """Raise NonDifferentiableError at the first call of `fn` (a derivative's IR) to a NumPy
    function Dask does not have, with an argument computed from a Dask argument of fn."""
    lazy = [p for p in fn.params if "dask" in K.libraries([p.kind])]
    if not lazy or "dask.array" not in sys.modules:
        return
    on_dask = computed_from(fn, lazy)
    for eqn in walk_eqns(fn.body):
        if eqn.prim in _SCATTERS and _is_mask(eqn.args[2], on_dask):
            raise NonDifferentiableError(
                "the adjoint of x[mask] where the mask is a Dask array (computed from the "
                "data): how many elements it selects is known only when Dask computes, and "
                "the adjoint would compute it here. Keep the shape instead: "
                "np.where(mask, value, 0.0) in place of value[mask]",
                filename=fn.filename, line=eqn.line, construct="mask")
        if eqn.prim in _SORTING_HELPERS and _reads(eqn.args[1:2], on_dask):
            raise NonDifferentiableError(
                f"{_SORTING_HELPERS[eqn.prim]} on a Dask array: its derivative sorts the data "
                f"(np.argsort, np.put_along_axis), which Dask does not have, so it would "
                f"compute the whole array here. Compute the array first where it fits in "
                f"memory (pass x.compute()), or use a loss without order statistics",
                filename=fn.filename, line=eqn.line, construct=eqn.prim)
        name = numpy_name(eqn.prim)
        if name is None or _dask_has(name):
            continue
        if _reads(eqn.args, on_dask):
            raise NonDifferentiableError(
                f"{name} on a Dask array: Dask has no {name}, so it would compute the whole "
                f"array here and call NumPy's (and the derivative with it). Compute the array "
                f"first where it fits in memory (pass x.compute(), or call .compute() on the "
                f"Dask arguments), or write this step with operations Dask has (slices "
                f"instead of np.split, masks and reductions instead of a sort)",
                filename=fn.filename, line=eqn.line, construct=name)


def computed_from(fn, params):
    """The vars of fn whose values are computed from any of `params` (data flow of any kind,
    differentiable or not: a mask `X > 0` is computed from X). A loop or an if that reads
    such a value counts for all it binds; repeated until nothing changes (loop carries)."""
    found = set(params)
    changed = True
    while changed:
        changed = False
        for stmt in walk_stmts(fn.body):
            if isinstance(stmt, Eqn):
                reads, binds = stmt.args, stmt.outs
            else:
                reads = list(stmt_inputs(stmt)) + [a for b in sub_blocks(stmt) for a in b.results]
                binds = tuple(stmt.outs) + tuple(block_params(stmt))
            if any(isinstance(a, Var) and a in found for a in reads) and \
                    not found.issuperset(binds):
                found.update(binds)
                changed = True
    return found


# runtime helpers of derivatives that sort their second argument (srcad/runtime_order.py)
_SORTING_HELPERS = {"quantile_tangent": "np.median, np.quantile or np.percentile",
                    "quantile_adjoint": "np.median, np.quantile or np.percentile"}


def _reads(atoms, on_dask):
    return any(isinstance(a, Var) and a in on_dask for a in atoms)


_SCATTERS = ("index_adjoint", "distinct_scatter")     # (g, x, index): x[index]'s adjoint


def _is_mask(index, on_dask):
    """Whether `index` (or an item of an index tuple) is a boolean array computed from a Dask
    argument: a selection of a size Dask knows only when it computes."""
    if not (isinstance(index, Var) and index in on_dask):
        return False
    kinds = index.kind.items if index.kind.tag == "tuple" and index.kind.items else (index.kind,)
    return any(k.is_array and k.dtype == "bool" for k in kinds)


def numpy_name(prim):
    """`np.xxx` for a primitive written as a call of a NumPy function (not a ufunc), else None."""
    rule = RULES.get(prim)
    syntax = getattr(rule, "syntax", None)
    if not syntax or syntax[0] != "call" or not str(syntax[1]).startswith("np."):
        return None
    target = np
    for part in syntax[1].split(".")[1:]:
        target = getattr(target, part, None)
    return None if target is None or isinstance(target, np.ufunc) else syntax[1]


def _dask_has(name):
    target = sys.modules["dask.array"]
    for part in name.split(".")[1:]:
        target = getattr(target, part, None)
        if target is None:
            return False
    return True
