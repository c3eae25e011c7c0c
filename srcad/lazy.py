"""`compute=True`: a derivative's lazy results, computed before they are returned.

On Dask arrays a derivative returns lazy Dask arrays: its generated code builds the task
graph of the gradient and nothing runs until the caller asks (`dask.compute(g)`, `g.compute()`,
or the next step of a larger graph). `srcad.grad(loss, compute=True)` asks for the caller:
every lazy leaf of the result (the value too, for value_and_grad, vjp and jvp) is computed
in one `dask.compute` call, so the work they share (the forward pass) runs once, and the
result holds NumPy arrays. Arrays that are not lazy (NumPy's, CuPy's) are returned as they
are. Dask is never imported here: a lazy leaf means the caller has imported it already.
"""

import functools
import sys

from . import tree


def computing(derivative):
    """`derivative` with its lazy results computed (compute=True); still a srcad function
    (srcad.source and srcad.export read the derivative it wraps)."""
    @functools.wraps(derivative)
    def computed(*args, **kwargs):
        return computed_tree(derivative(*args, **kwargs))
    computed.__wrapped__ = derivative.__wrapped__     # the user's function, as srcad's own
    return computed


def computed_tree(result):
    """`result` with each lazy Dask leaf replaced by its computed value, all in one compute."""
    leaves, treedef = tree.flatten(result)
    lazy = [i for i, leaf in enumerate(leaves) if _is_lazy(leaf)]
    if not lazy:
        return result
    values = sys.modules["dask"].compute(*(leaves[i] for i in lazy))
    for i, value in zip(lazy, values):
        leaves[i] = value
    return tree.unflatten(treedef, leaves)


def _is_lazy(value):
    return hasattr(type(value), "__dask_graph__") and "dask" in sys.modules
