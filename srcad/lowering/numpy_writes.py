"""NumPy's np.put_along_axis, lowered as the element write it performs:

    np.put_along_axis(a, indices, values, axis)
        ==>   a[along_axis_index(indices, a, axis)] = values

`along_axis_index` (rules/picking.py, the index np.take_along_axis takes too) is computed when
the code runs; the element write is then followed as Python does it (lowering/stores.py): the
name is rebound to a copy with those elements replaced, and the write is refused where another
name or a view would show it. Repeated indices keep the last value written, as NumPy's
assignment does. NumPy's other functions that write into an argument (fill_diagonal, copyto,
put) are refused with the element write to use instead (srcad/effects.py).
"""

import ast

import numpy as np

from ..frontend.syntax import fix_missing_locations

_PARAMETERS = ("arr", "indices", "values", "axis")


class Known(ast.expr):
    """An expression whose lowered value is known already (`value`): lowering's expr_Known
    returns it, so a rewritten statement can name a value lowering made for it."""

    _fields = ()

    def __init__(self, value, **location):
        super().__init__(**location)
        self.value = value


def names_put_along_axis(call):
    """Whether the call's function is spelled `...put_along_axis` (resolved by the caller)."""
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "put_along_axis" or \
        isinstance(func, ast.Name) and func.id == "put_along_axis"


def as_element_write(call, fn, lower_index):
    """The `ast.Assign` doing what `call` does where `fn`, its function, is np.put_along_axis
    and its array is a plain name; None otherwise. lower_index(indices, arr, axis), given their
    expressions, lowers the index np.take_along_axis takes (the along_axis_index primitive)."""
    if fn is not np.put_along_axis or any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return None
    bound = dict(zip(_PARAMETERS, call.args))
    bound.update((k.arg, k.value) for k in call.keywords)
    if set(bound) != set(_PARAMETERS) or not isinstance(bound["arr"], ast.Name):
        return None
    name = bound["arr"].id
    index = Known(lower_index(bound["indices"], bound["arr"], bound["axis"]))
    target = ast.Subscript(ast.Name(name, ast.Load()), index, ast.Store())
    return fix_missing_locations(ast.copy_location(
        ast.Assign([target], bound["values"]), call))
