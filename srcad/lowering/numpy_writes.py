"""NumPy's np.put_along_axis, lowered as the element write it performs:

    np.put_along_axis(a, indices, values, axis)
        ==>   a[along_axis_index(indices, a, axis)] = values

`along_axis_index` (rules/picking.py, the index np.take_along_axis takes too) is computed when
the code runs; the element write is then followed as Python does it (lowering/stores.py): the
name is rebound to a copy with those elements replaced, and the write is refused where another
name or a view would show it. Repeated indices keep the last value written, as NumPy's
assignment does. np.fill_diagonal(a, v) (wrap=False) is `a[diagonal_index(a)] = v`, and a
ufunc given `out=c` as a statement, `c[...] = ufunc(...)`, the same way, and
np.add.at(a, i, b) is `a[...] = index_added(a, i, b)` (rules/writes.py; np.subtract.at adds
-b). A loop around any of them carries `a` (statements._assigned_in). NumPy's other
functions that write into an argument (copyto, put) are refused with the element write to use
instead (srcad/effects.py).
"""

import ast

import numpy as np

from ..frontend.syntax import fix_missing_locations

_PARAMETERS = ("arr", "indices", "values", "axis")
_ACCUMULATING = (np.add, np.subtract)       # ufuncs whose .at srcad follows (index_added)


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
        any(k.arg == "out" for k in call.keywords) or \
        name == "at" and isinstance(func.value, ast.Attribute)         # np.add.at(...)


def written_target(call):
    """The array expression a NumPy write call spelled as names_put_along_axis recognises
    changes (its first argument, or `out=`): a loop around it carries that name. None where
    there is none."""
    if not names_put_along_axis(call):
        return None
    out = next((k.value for k in call.keywords if k.arg == "out"), None)
    if isinstance(out, ast.Tuple) and len(out.elts) == 1:
        out = out.elts[0]
    return out if out is not None else call.args[0] if call.args else None


def as_other_write(call, fn, lower_index):
    """The `ast.Assign` doing what `call` does where fn is np.fill_diagonal (wrap=False) or a
    ufunc given `out=name`; None otherwise. lower_index(name, node) lowers the diagonal's
    index (the diagonal_index primitive) of the array `node` names."""
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return None
    keywords = {k.arg: k.value for k in call.keywords}
    if getattr(fn, "__name__", None) == "at" and getattr(fn, "__self__", None) in _ACCUMULATING:
        return _accumulation(call, fn.__self__, keywords, lower_index)
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


def _accumulation(call, ufunc, keywords, lower):
    """`np.add.at(a, indices, b)` as `a[...] = index_added(a, indices, b)` (np.subtract.at
    adds -b); None where `a` is not a name or the arguments are not those three."""
    bound = dict(zip(("a", "indices", "b"), call.args), **keywords)
    if set(bound) != {"a", "indices", "b"} or not isinstance(bound["a"], ast.Name):
        return None
    value = bound["b"] if ufunc is np.add else \
        fix_missing_locations(ast.copy_location(ast.UnaryOp(ast.USub(), bound["b"]), call))
    added = Known(lower("index_added", bound["a"], bound["indices"], value))
    return _write(call, bound["a"].id, ast.Constant(Ellipsis), added)


def _write(call, name, index, value):
    """`name[index] = value`, at the call's place."""
    target = ast.Subscript(ast.Name(name, ast.Load()), index, ast.Store())
    return fix_missing_locations(ast.copy_location(ast.Assign([target], value), call))


def as_element_write(call, fn, lower_index):
    """The `ast.Assign` doing what `call` does where `fn`, its function, is np.put_along_axis
    and its array is a plain name; None otherwise. lower_index(indices, arr, axis), given their
    expressions, lowers the index np.take_along_axis takes (the along_axis_index primitive)."""
    if fn is not np.put_along_axis:
        return as_other_write(call, fn, lambda prim, *nodes: lower_index(*nodes, prim=prim))
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return None
    bound = dict(zip(_PARAMETERS, call.args))
    bound.update((k.arg, k.value) for k in call.keywords)
    if set(bound) != set(_PARAMETERS) or not isinstance(bound["arr"], ast.Name):
        return None
    index = Known(lower_index(bound["indices"], bound["arr"], bound["axis"]))
    return _write(call, bound["arr"].id, index, bound["values"])
