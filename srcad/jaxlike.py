"""JAX's calling conventions, where users of JAX reach for them: `argnums=` as another
spelling of `wrt`, and `has_aux=True` (f returns `(value, aux)`; only value is differentiated,
aux comes back beside the gradient as computed).
"""

from . import naming
from .ir.builder import Builder
from .ir.nodes import Block, Const, Eqn, Function


def resolve_argnums(wrt, argnums, n_params, where):
    """The `wrt` a transform uses, given the `wrt` and `argnums` it was called with.

    argnums is an int or a list / tuple of ints, as in JAX (a list gives a tuple of
    gradients, like a tuple); anything else, or an index f has no parameter for, is a
    TypeError, as JAX raises. Both spellings at once is a TypeError too.
    """
    if argnums is None:
        return wrt
    if wrt != 0:
        raise TypeError(f"{where}: pass wrt= or argnums=, not both (argnums is JAX's "
                        f"spelling of wrt); got wrt={wrt!r}, argnums={argnums!r}")
    entries = list(argnums) if isinstance(argnums, (list, tuple)) else [argnums]
    for entry in entries:
        if isinstance(entry, bool) or not isinstance(entry, int):
            raise TypeError(f"{where}: argnums must be an int or a tuple / list of ints, got "
                            f"{argnums!r} (name parameters with wrt=)")
        if not -n_params <= entry < n_params:
            raise TypeError(f"{where}: argnums={argnums!r} asks for argument {entry}, but the "
                            f"function takes {n_params} positional parameter"
                            f"{'' if n_params == 1 else 's'}")
    if not entries:
        raise TypeError(f"{where}: argnums must name at least one argument")
    return tuple(entries) if isinstance(argnums, (list, tuple)) else argnums


def split_aux(fn, spec):
    """fn's IR returning only the value of its `(value, aux)` result, and the aux atom
    (computed in the body, so the derivative can return it as well); (fn, None) unless the
    transform's spec (pipeline.Spec) asks for `has_aux`."""
    if not spec.has_aux:
        return fn, None
    result, name = fn.body.results[0], fn.name
    kind = result.kind
    if kind.tag not in ("tuple", "list", "unknown") or \
            kind.items is not None and len(kind.items) != 2:
        raise TypeError(f"srcad: with has_aux=True, {name} must return a pair (value, aux); "
                        f"it returns {kind}")
    built = next((stmt for stmt in fn.body.stmts if isinstance(stmt, Eqn) and
                  stmt.outs == (result,) and stmt.prim in ("make_tuple", "make_list")), None)
    builder = Builder(fn.line)
    if built is not None and len(built.args) == 2:       # `return value, aux`: the pair's
        value, aux = built.args                          # items themselves
    else:
        value = builder.emit("getitem", result, Const(0))
        aux = builder.emit("getitem", result, Const(1), hint=naming.AUX)
    body = Block(list(fn.body.stmts) + builder.stmts, (value,))
    return Function(fn.name, fn.params, body, fn.filename, fn.line, fn.source_lines,
                    param_names=fn.param_names), aux


def with_aux(derived, aux, mode):
    """The derivative returning aux as JAX does: `(gradients, aux)` for grad,
    `((value, aux), gradients)` for value_and_grad, and aux last for vjp and jvp:
    `(value, gradients, aux)`, `(value, tangent_out, aux)` (JAX's `vjp` returns
    `(out, vjp_fn, aux)` and its `jvp` `(out, tangent_out, aux)`)."""
    if aux is None:
        return derived
    results = derived.body.results
    stmts = list(derived.body.stmts)
    builder = Builder(derived.line)
    if mode == "grad" and len(results) > 1:       # several gradients: one tuple of them
        results = (builder.emit("make_tuple", *results), aux)
    elif mode in ("grad", "vjp", "jvp"):
        results = results + (aux,)
    else:
        results = (builder.emit("make_tuple", results[0], aux, hint=naming.VALUE),) + results[1:]
    stmts += builder.stmts
    return Function(derived.name, derived.params, Block(stmts, results), derived.filename,
                    derived.line, derived.source_lines, param_names=derived.param_names)
