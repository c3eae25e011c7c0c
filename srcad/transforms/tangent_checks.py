"""Checking the tangents a caller passes to a jvp: the structure and shapes of the
arguments they go with (srcad/api.py and srcad/family.py call `check_tangents`)."""

import numpy as np

from .. import tree


def check_tangent(primal, tangent, name):
    """Raise ValueError unless `tangent` has the structure and shapes of `primal`.

    `name` is the argument's name, as the message shows it. A tangent is a number for a
    number, an array of the argument's shape for an array, and the same nesting of those
    for a list / tuple / dict.
    """
    try:
        tree.map_leaves(lambda p, t: None, primal, tangent)
    except ValueError as err:
        raise ValueError(f"srcad.jvp: the tangent for argument {name!r} does not have its "
                         f"structure: {err}") from None
    leaves, treedef = tree.flatten(primal)
    for p, t, path in zip(leaves, tree.flatten(tangent)[0], tree.paths(treedef)):
        problem = _leaf_problem(p, t)
        if problem:
            raise ValueError(f"srcad.jvp: the tangent for argument {name!r}{path and ' at '}"
                             f"{path}: {problem}")


def _leaf_problem(primal, tangent):
    """What is wrong with `tangent` as the tangent of one leaf, or None."""
    if primal is None:                  # an empty subtree (JAX): its tangent is None too
        return None if tangent is None else f"expected None (the argument's), got " \
                                            f"{type(tangent).__name__}"
    numeric = isinstance(tangent, (int, float, np.integer, np.floating)) and \
        not isinstance(tangent, (bool, np.bool_))
    if isinstance(tangent, np.ndarray) or hasattr(type(tangent), "__array_function__") and \
            hasattr(tangent, "dtype"):          # NumPy's, or a Dask or CuPy array
        numeric = tangent.dtype.kind in "fiu"
    if not numeric:
        return f"expected a number or a numeric array, got {type(tangent).__name__}"
    if np.shape(primal) != np.shape(tangent):
        return f"expected shape {np.shape(primal)} (the argument's), got {np.shape(tangent)}"
    return None


def check_tangents(args, tangents, names):
    """check_tangent for each (argument, tangent, name): the jvp wrapper's argument check."""
    if len(args) != len(tangents):
        raise ValueError(f"srcad.jvp: expected {len(args)} tangents (one per wrt argument: "
                         f"{', '.join(names)}), got {len(tangents)}")
    for primal, tangent_value, name in zip(args, tangents, names):
        check_tangent(primal, tangent_value, name)
