"""Derivatives built from the two sweeps: Jacobians, Hessians and Hessian-vector products.

    jacobian(f)(x)   J[i..., j...] = d f(x)[i...] / d x[j...]     shape f(x).shape + x.shape
    hessian(f)(x)    H = jacobian(grad f)(x), by forward over reverse
    hvp(f)(x, v)     H v = jvp(grad f)(x, v), without forming H

A reverse-mode Jacobian runs one vjp sweep per output element, a forward-mode one runs one
jvp sweep per input element; both return the same matrix, laid out as `jax.jacobian` does. A
tuple `wrt` gives a tuple of blocks, one per argument; a tuple (list, dict) output gives the
same structure of blocks.

Each function accepts `preserve_result=True` to also return f's value, computed by the
sweeps themselves (never by a separate call of f, except where no sweep runs at all).
"""

import functools
import inspect

import numpy as np

from . import api, jaxlike, naming, tree
from .transforms import forward
from .frontend.signature import Fn, Wrt, current_defaults, normalise_wrt, signature_of

_JAC_MODES = ("reverse", "forward")


def jacobian(f: Fn, wrt: Wrt = 0, mode: str = "reverse", *,
             argnums: int | tuple[int, ...] | None = None, preserve_result: bool = False) -> Fn:
    """`jac(*args)`: the Jacobian of f with respect to the arguments `wrt` (or `argnums`,
    JAX's spelling).

    Each block has shape f(*args).shape + args[w].shape. mode "reverse" runs one vjp per
    output element (good for few outputs), "forward" one jvp per input element (good for
    few inputs). The differentiated arguments must be floats or float arrays. A block has
    the dtype of its argument in both modes, and a 0-d block its type (a float for a float,
    a 0-d array for a 0-d array), as a gradient from srcad.grad does.
    """
    if mode not in _JAC_MODES:
        raise ValueError(f"srcad.jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    wrt = _argnums(f, wrt, argnums, "srcad.jacobian")
    indices, many = _wrt_indices(f, wrt)
    sweep = api.vjp(f, wrt=wrt) if mode == "reverse" else api.jvp(f, wrt=wrt)
    build = _reverse_blocks if mode == "reverse" else _forward_blocks

    def jac(*args):
        value, blocks = build(f, sweep, indices, many, args)
        return (value, blocks) if preserve_result else blocks

    return _wrap(jac, f, sweep, f"jacobian_{_name(f)}")


def jacfwd(f: Fn, wrt: Wrt = 0, *, argnums: int | tuple[int, ...] | None = None,
           preserve_result: bool = False) -> Fn:
    """`jacobian(f, wrt, mode="forward")`, under JAX's name: one jvp per input element."""
    wrt = _argnums(f, wrt, argnums, "srcad.jacfwd")
    return jacobian(f, wrt, "forward", preserve_result=preserve_result)


def jacrev(f: Fn, wrt: Wrt = 0, *, argnums: int | tuple[int, ...] | None = None,
           preserve_result: bool = False) -> Fn:
    """`jacobian(f, wrt, mode="reverse")`, under JAX's name: one vjp per output element."""
    wrt = _argnums(f, wrt, argnums, "srcad.jacrev")
    return jacobian(f, wrt, "reverse", preserve_result=preserve_result)


def hessian(f: Fn, wrt: Wrt = 0, *, argnums: int | tuple[int, ...] | None = None,
            preserve_result: bool = False) -> Fn:
    """`hess(*args)`: the Hessian of scalar f, forward-mode Jacobian of its reverse-mode
    gradient. Block (i, j) has shape args[i].shape + args[j].shape; a tuple `wrt` gives a
    tuple of tuples, as `jax.hessian` does. Types and dtypes as in `jacobian`: the Hessian of
    a function of a float is a float."""
    wrt = _argnums(f, wrt, argnums, "srcad.hessian")
    indices, many = _wrt_indices(f, wrt)
    inner = api.value_and_grad(f, wrt=wrt) if preserve_result else api.grad(f, wrt=wrt)
    sweep = api.jvp(inner, wrt=wrt)

    def hess(*args):
        value, blocks = _forward_blocks(inner, sweep, indices, many, args)
        if preserve_result:
            return value[0], blocks[1]
        return blocks

    return _wrap(hess, f, sweep, f"hessian_{_name(f)}")


def hvp(f: Fn, wrt: Wrt = 0, *, argnums: int | tuple[int, ...] | None = None,
        preserve_result: bool = False) -> Fn:
    """`hv(*args, v)`: the Hessian of scalar f times v (a tuple of vectors for a tuple wrt),
    as the jvp of the gradient along v: one forward-over-reverse sweep, no Hessian formed."""
    wrt = _argnums(f, wrt, argnums, "srcad.hvp")
    indices, many = _wrt_indices(f, wrt)
    inner = api.value_and_grad(f, wrt=wrt) if preserve_result else api.grad(f, wrt=wrt)
    sweep = api.jvp(inner, wrt=wrt)
    names = _param_names(f)

    vector = naming.added_parameter("v", set(names))    # fresh against f's own parameters
    signature = _with_extra(_signature(f), [vector])

    def hv(*args, **kwargs):
        primals, kwargs = _split_hvp_vector(signature, args, kwargs, f"hvp_{_name(f)}", f)
        v = primals.pop()
        vs = _as_tangents(v, many, [names[i] for i in indices])
        forward.check_tangents([primals[i] for i in indices], vs, [names[i] for i in indices])
        value, tangent = sweep(*primals, **kwargs, **_extra_arguments(sweep, vs))
        if preserve_result:
            return value[0], tangent[1]
        return tangent

    wrapper = _wrap(hv, f, sweep, f"hvp_{_name(f)}")
    wrapper.__signature__ = signature
    return wrapper


def _with_extra(signature, names):
    """The signature with parameters `names` appended: keyword-only when f has defaults,
    *args or keyword-only parameters, as the tangents of srcad.jvp are."""
    params = list(signature.parameters.values())
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    if any(p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY) or p.default is not p.empty
           for p in params):
        kind = inspect.Parameter.KEYWORD_ONLY
    return signature.replace(parameters=params + [inspect.Parameter(n, kind) for n in names])


def _split_hvp_vector(signature, args, kwargs, name, f=None):
    """hv's arguments bound as Python binds them: the primal arguments (f's defaults as they
    are now applied, positional ones in order) with v last, and the keyword-only ones."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as err:
        raise TypeError(f"{name}(): {err}") from None
    for key, value in current_defaults(f, signature).items():
        bound.arguments.setdefault(key, value)
    bound.apply_defaults()
    positional, keywords = [], {}
    vector = list(signature.parameters)[-1]          # `v`, or a fresh name if f has a v
    for p in signature.parameters.values():
        value = bound.arguments[p.name]
        if p.kind == p.VAR_POSITIONAL:
            positional.extend(value)
        elif p.kind == p.KEYWORD_ONLY and p.name != vector:
            keywords[p.name] = value
        elif p.name != vector:
            positional.append(value)
    return positional + [bound.arguments[vector]], keywords


def _extra_arguments(sweep, values):
    """The tangents (or the cotangent) of a jvp (vjp) sweep, by the names it gives them."""
    transform = sweep.__srcad__
    extra = list(transform.output_signature().parameters)[-len(values):]
    return dict(zip(extra, values))


# ----- the sweeps ------------------------------------------------------------------------------
def _reverse_blocks(f, vjp_fn, indices, many, args):
    """One vjp per output element: row k of each block is the gradient of output element k."""
    _check_inputs(f, indices, args)
    entry = _containers_as_given(args)
    value = f(*args)
    out_leaves, out_def = _output_leaves(f, value)
    rows = [[[] for _ in indices] for _ in out_leaves]
    for n, leaf in enumerate(out_leaves):
        for k in range(np.size(leaf)):
            cotangent = tree.unflatten(out_def, _one_hot_leaves(out_leaves, n, k))
            again = _containers_as_given(entry)
            grads = vjp_fn(*again, **_extra_arguments(vjp_fn, [cotangent]))[1]
            for w, g in enumerate(grads if many else (grads,)):
                rows[n][w].append(np.asarray(g))
    blocks = [[_stack_rows(rows[n][w], leaf, args[i]) for w, i in enumerate(indices)]
              for n, leaf in enumerate(out_leaves)]
    return value, _assemble(blocks, out_def, many)


def _forward_blocks(f, jvp_fn, indices, many, args):
    """One jvp per input element: column k of each block is the tangent along e_k."""
    _check_inputs(f, indices, args)
    columns, value, out_def = [[] for _ in indices], None, None
    entry, first = _containers_as_given(args), True
    for w, i in enumerate(indices):
        for k in range(np.size(args[i])):
            tangents = [_zero_or_one_hot(args[j], k if j == i and v == w else None)
                        for v, j in enumerate(indices)]
            again = args if first else _containers_as_given(entry)
            value, tangent = jvp_fn(*again, **_extra_arguments(jvp_fn, tangents))
            first = False
            leaves, out_def = tree.flatten(tangent)
            columns[w].append([np.asarray(t) for t in leaves])
    if out_def is None:
        value = f(*args)
    out_leaves, out_def = _output_leaves(f, value)
    blocks = [[_stack_columns([c[n] for c in columns[w]], leaf, args[i])
               for w, i in enumerate(indices)] for n, leaf in enumerate(out_leaves)]
    return value, _assemble(blocks, out_def, many)


def _containers_as_given(args):
    """The arguments with their lists, tuples and dicts rebuilt and their arrays copied (other
    leaves the same objects): a function that changes a list or dict it is given
    (srcad/lowering/caller.py), or writes into an array (srcad/lowering/argument_writes.py),
    changes the caller's once, in the first sweep; the others start from these, as given."""
    def rebuilt(value):
        if type(value) in (list, tuple):
            return type(value)(rebuilt(v) for v in value)
        if type(value) is dict:
            return {k: rebuilt(v) for k, v in value.items()}
        if type(value) is np.ndarray:
            return value.copy()
        return value
    return tuple(rebuilt(a) for a in args)


def _stack_rows(rows, out_leaf, x):
    shape = np.shape(out_leaf) + np.shape(x)
    return _finish(np.stack(rows).reshape(shape) if rows else np.zeros(shape), x)


def _stack_columns(columns, out_leaf, x):
    shape = np.shape(out_leaf) + np.shape(x)
    return _finish(np.stack(columns, axis=-1).reshape(shape) if columns else np.zeros(shape), x)


def _finish(block, x):
    """A block in the dtype of the argument x, as a gradient is, in both modes (the forward
    one stacks tangents of the output, whose dtype may differ); a 0-d block has x's type: a
    float for a float, a NumPy scalar for one, a 0-d array for a 0-d array."""
    dtype = np.asarray(x).dtype
    if block.dtype != dtype and dtype.kind == "f":
        block = block.astype(dtype)
    if block.ndim or isinstance(x, np.ndarray):
        return block
    return block[()] if isinstance(x, np.generic) else float(block)


def _assemble(blocks, out_def, many):
    """Blocks [output leaf][wrt] in the output's structure, a tuple per leaf for tuple wrt."""
    per_leaf = [tuple(row) if many else row[0] for row in blocks]
    return tree.unflatten(out_def, per_leaf)


def _one_hot_leaves(leaves, n, k):
    """Zero cotangents for every output leaf, with a one at flat position k of leaf n."""
    result = []
    for m, leaf in enumerate(leaves):
        result.append(_zero_or_one_hot(leaf, k if m == n else None))
    return result


def _zero_or_one_hot(x, k):
    """A zero shaped like x (a float for a number), with 1 at flat position k unless None."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return 0.0 if k is None else 1.0
    dtype = x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
    e = np.zeros(np.shape(x), dtype=dtype)
    if k is not None:
        e.flat[k] = 1.0
    return e


# ----- arguments and outputs -------------------------------------------------------------------
def _check_inputs(f, indices, args):
    names = _param_names(f)
    for i in indices:
        if i >= len(args):
            raise TypeError(f"{_name(f)}() missing argument {names[i]!r}")
        x = args[i]
        if tree.node_type(x) is not None:
            raise TypeError(f"srcad.jacobian: argument {names[i]!r} of {_name(f)} is a "
                            f"{type(x).__name__}; Jacobians and Hessians need a float or a "
                            "float array (use srcad.vjp / srcad.jvp for containers)")
        tree.check_differentiable(x, f"argument {names[i]!r} of {_name(f)}", names[i])


def _output_leaves(f, value):
    leaves, treedef = tree.flatten(value)
    for leaf in leaves:
        if not tree.is_float_leaf(leaf) and not isinstance(leaf, (int, np.integer)):
            raise TypeError(f"srcad.jacobian: {_name(f)} returns a {type(leaf).__name__} "
                            "leaf; a Jacobian needs float outputs")
    return leaves, treedef


def _as_tangents(v, many, names):
    if not many:
        return (v,)
    if not isinstance(v, (tuple, list)) or len(v) != len(names):
        raise ValueError(f"srcad.hvp: with wrt for {', '.join(names)}, v must be a tuple of "
                         f"{len(names)} vectors, one per argument; got {type(v).__name__}")
    return tuple(v)


def _argnums(f, wrt, argnums, where):
    return jaxlike.resolve_argnums(wrt, argnums, len(_param_names(f)), where)


def _wrt_indices(f, wrt):
    return normalise_wrt(wrt, _param_names(f), f)


def _param_names(f):
    return list(_signature(f).parameters)


def _signature(f):
    transform = getattr(f, "__srcad__", None)
    if transform is not None and hasattr(transform, "output_signature"):
        return transform.output_signature()
    return signature_of(f)


def _name(f):
    return getattr(f, "__name__", "f")


def _wrap(fn, f, sweep, name):
    """fn with f's metadata; `srcad.source` shows the sweep's generated code."""
    functools.update_wrapper(fn, f)
    fn.__name__ = fn.__qualname__ = name
    fn.__wrapped__ = f
    fn.__srcad__ = Composite(name, sweep.__srcad__)
    return fn


class Composite:
    """What `srcad.source` needs of a function built from sweeps; it cannot be transformed
    again (differentiate the function inside it instead)."""

    def __init__(self, name, sweep):
        self.name = name
        self.sweep = sweep

    def latest(self):
        return self.sweep.latest()

    def output_signature(self):
        raise TypeError(f"srcad cannot differentiate {self.name}, which loops over sweeps in "
                        "Python; differentiate the function it was built from instead "
                        "(srcad.hessian, srcad.hvp or srcad.jvp of srcad.grad)")

    def derivative_ir(self, arg_kinds, inline_calls=False, guards=None):
        return self.output_signature()
