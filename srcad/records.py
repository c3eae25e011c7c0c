"""Differentiated arguments that hold dataclasses or registered classes ("records").

The compiled derivative receives each such argument with its records replaced by dicts of
their attributes (`tree.to_builtin`): the function's `p.W` is lowered to `p['W']`, and the
derivative works with the dicts, lists and tuples it knows. Its gradients come back in the
argument's own classes (`tree.from_builtin`). Only specialisations whose differentiated
arguments hold a record pay for this, on each call: a conversion of the argument on the way
in and of its gradient on the way out; every other derivative is called directly.
"""

from . import tree


def entry(function, args, transform):
    """`function` itself, or, where a wrt argument (among `args`, the first call's) holds a
    record, a function taking the arguments as the user passes them that converts them."""
    wrt, mode, wrt_tuple = transform.wrt, transform.mode, transform.wrt_is_tuple
    n_params = len(transform.names)
    positions = [i for i in wrt if tree.has_records(args[i])]
    if not positions:
        return function
    tangents = {i: n_params + k for k, i in enumerate(wrt)} if mode == "jvp" else {}

    def through_records(*args):
        converted = list(args)
        for i in positions:
            converted[i] = tree.to_builtin(args[i])
            if i in tangents:
                converted[tangents[i]] = tree.to_builtin(args[tangents[i]])
        result = function(*converted)
        if mode == "jvp":
            return result
        if mode == "grad" and transform.has_aux:           # (gradients, aux)
            return _gradients(result[0], args, positions, wrt, wrt_tuple), result[1]
        if mode == "grad":
            return _gradients(result, args, positions, wrt, wrt_tuple)
        return (result[0], _gradients(result[1], args, positions, wrt, wrt_tuple)) + \
            tuple(result[2:])                                # vjp's aux

    through_records.__name__ = through_records.__qualname__ = function.__name__
    through_records.__wrapped__ = function
    return through_records


def _gradients(grads, args, positions, wrt, wrt_tuple):
    """The gradients of the wrt arguments, records rebuilt in their arguments' classes."""
    if not wrt_tuple:
        return tree.from_builtin(args[wrt[0]], grads)
    return tuple(tree.from_builtin(args[i], g) if i in positions else g
                 for i, g in zip(wrt, grads))
