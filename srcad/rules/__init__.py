"""The primitive table: for each primitive its NumPy implementation, how generated code spells
it, its tangent (jvp) and adjoint (vjp) rules, how to infer its result kind, and sample inputs
for the table-wide finite-difference test.

Rules are written over other primitives (through `srcad.ir.builder.Sym`), so that derivative code
is made of primitives again and can itself be differentiated: higher order for free.

    jvp[i](dx_i, ans, *args)  = the tangent of the output caused by the tangent dx_i of args[i]
    vjp[i](g, ans, *args)     = g . d ans / d args[i], shaped like args[i]

`None` in jvp/vjp marks an argument the output does not depend on differentiably (an axis, an
index, a shape); a primitive whose entries are all None is non-differentiable.
"""

import sys

# the families register their rules as they are imported, in this order
from . import (core, elementwise, arrays, linalg, reductions, shaping,  # noqa: F401
               linalg_solve, linalg_diagonals, linalg_decompositions, linalg_products,
               linalg_norm, assembly, sequences, picking, series, spectral, library,
               scipy_rules, writes, losses, numpy_more, linalg_eig,
               checkpoints, order_statistics, conversions)
from .table import (ATTRIBUTES, FUNCTIONS, METHODS, RULES, SUBSCRIPTS, ZERO,  # noqa: F401
                    Rule, defprim, subscript_prim)


def prim_of(obj):
    """The primitive a Python object (np.sin, math.exp, ...) lowers to, or None. SciPy's
    rules are registered at the first miss after the user imported SciPy (rules/scipy_rules.py)."""
    try:
        name = FUNCTIONS.get(obj)
    except TypeError:          # unhashable objects are never primitives
        return None
    if name is None and "scipy" in sys.modules:
        if scipy_rules.register_loaded():
            name = FUNCTIONS.get(obj)
    return name
