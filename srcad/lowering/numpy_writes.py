"""NumPy's np.put_along_axis, lowered as the element write it performs:

    np.put_along_axis(a, indices, values, axis)
        ==>   a[along_axis_index(indices, a, axis)] = values

`along_axis_index` (rules/picking.py, the index np.take_along_axis takes too) is computed when
the code runs; the element write is then followed as Python does it (lowering/stores.py): the
name is rebound to a copy with those elements replaced, and the write is refused where another
name or a view would show it. Repeated indices keep the last value written, as NumPy's
assignment does. np.fill_diagonal(a, v) (wrap=False) is `a[diagonal_index(a)] = v`, and a
ufunc given `out=c` as a statement, `c[...] = ufunc(...)`, the same way. NumPy's other
functions that write into an argument (copyto, put) are refused with the element write to use
instead (srcad/effects.py).
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
    """Whether the call's function is spelled `...put_along_axis` or `...fill_diagonal`, or
    it passes `out=` (resolved by the caller)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in ("put_along_axis", "fill_diagonal") or \
        any(k.arg == "out" for k in call.keywords)


def as_other_write(call, fn, lower_index):
    """The `ast.Assign` doing what `call` does where fn is np.fill_diagonal (wrap=False) or a
    ufunc given `out=name`; None otherwise. lower_index(name, node) lowers the diagonal's
    index (the diagonal_index primitive) of the array `node` names."""
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return None
    keywords = {k.arg: k.value for k in call.keywords}
    if fn is np.fill_diagonal:
        bound = dict(zip(("a", "val", "wrap"), call.args), **keywords)
        wrap = bound.get("wrap", ast.Constant(False))
        if set(bound) - {"wrap"} != {"a", "val"} or not isinstance(bound["a"], ast.Name) or \
                not (isinstance(wrap, ast.Constant) and wrap.value is False):
            return None
        index = Known(lower_index("diagonal_index", bound["a"]))
        return _write(call, bound["a"].id, index, bound["val"])
    out = keywords.pop("out", None)
    if isinstance(out, ast.Tuple) and len(out.elts) == 1:
        out = out.elts[0]
    if not isinstance(fn, np.ufunc) or fn.nout != 1 or not isinstance(out, ast.Name) or \
            "where" in keywords:
        return None
    value = ast.Call(call.func, call.args, [ast.keyword(k, v) for k, v in keywords.items()])
    return _write(call, out.id, ast.Constant(Ellipsis), value)


def _write(call, name, index, value):
    """`name[index] = value`, at the call's place."""
    target = ast.Subscript(ast.Name(name, ast.Load()), index, ast.Store())
    return fix_missing_locations(ast.copy_location(ast.Assign([target], value), call))


def as_element_write(call, fn, lower_index):
    """The `ast.Assign` doing what `call` does where `fn`, its function, is np.put_along_axis
    and its array is a plain name; None otherwise. lower_index(indices, arr, axis), given their
    expressions, lowers the index np.take_along_axis takes (the along_axis_index primitive)."""
    if fn is not np.put_along_axis:
        return as_other_write(call, fn, lambda prim, a: lower_index(a, prim=prim))
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return None
    bound = dict(zip(_PARAMETERS, call.args))
    bound.update((k.arg, k.value) for k in call.keywords)
    if set(bound) != set(_PARAMETERS) or not isinstance(bound["arr"], ast.Name):
        return None
    index = Known(lower_index(bound["indices"], bound["arr"], bound["axis"]))
    return _write(call, bound["arr"].id, index, bound["values"])
