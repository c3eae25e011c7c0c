"""Lowering one whole function: its parameters, its body, and the globals it reads, as an IR
Function. FunctionLowering (srcad/lowering/statements.py) lowers the function srcad was given
through it, and the lowering of a call reaches it too, to learn what a helper called by name
returns; the class doing the work is passed in, so this module sits below the lowering classes
that use it.
"""

import ast
import threading

from ..frontend import parse as frontend, live
from .. import kinds as K
from ..ir.builder import Builder
from ..ir.nodes import Block, Const, Function
from .argument_writes import copy_written_arguments
from .caller import snapshot_caller_objects
from .stores import Argument, resolve_new_objects
from ..frontend.signature import check_signature, parameter_names
from ..frontend.syntax import changed_free_names
from .values import from_python

FALLTHROUGH = object()       # what a suite that ends without `return` yields
_LOWERING = set()            # (function, kinds) being lowered: recursion in progress
_LOWERED = {}                # their answers while an outermost one is in progress


def lower_function(lowering_class, parsed, arg_kinds=None, bound=None, guards=None, derive=None):
    """Lower a parsed function to an IR Function with a `lowering_class` object
    (srcad/lowering/statements.py for the whole of it); `arg_kinds` specialise it (None: unknown).
    `bound` maps leading parameter names to values known now (a bound method's self).
    The globals, cells and attributes it reads are read at the top of its body; `guards`
    (a dict) collects the conditions the specialisation depends on (srcad/frontend/live.py).
    `derive` differentiates a derivative taken inside the function (srcad/lowering/nested.py,
    srcad/pipeline.py)."""
    node = parsed.node
    bound = bound or {}
    check_signature(node, parsed)
    names = [n for n in parameter_names(node.args) if n not in bound]
    arg_kinds = list(arg_kinds) if arg_kinds is not None else [K.UNKNOWN] * len(names)
    params = tuple(Argument(name, kind) for name, kind in zip(names, arg_kinds))
    lowering = lowering_class(parsed, derive=derive)
    lowering.live = live.Reads(guards, node.lineno)
    lowering.live.changed = changed_free_names(node)
    body_stmts = node.body if isinstance(node.body, list) else [ast.Return(node.body)]
    if isinstance(node, ast.Lambda):
        ast.copy_location(body_stmts[0], node.body)
    builder = Builder(node.lineno, facts=lowering.facts)
    env = {name: from_python(value, name) for name, value in bound.items()}
    env.update((name, from_python(p.kind.value, name) if p.kind.is_static else p)
               for name, p in zip(names, params))
    result = lowering.suite(body_stmts, env, builder)
    result = Const(None) if result is FALLTHROUGH else lowering.atom(result, builder, node)
    start = len(lowering.live.prelude.stmts)
    backs = lowering.caller_arrays.write_backs(builder)   # (may read the caller's dict at the end)
    stmts, results = lowering.facts.baked(lowering.live.prelude.stmts + builder.stmts + backs,
                                          (result,))         # names assignments gave
    body = Block(stmts, results)
    body = snapshot_caller_objects(copy_written_arguments(
        body, start, params, lowering.argument_writes.root_items, parsed.filename), start,
        params)
    body = resolve_new_objects(body)
    return Function(name=parsed.name, params=params, body=body,
                    filename=parsed.filename, line=node.lineno, source_lines=parsed.lines,
                    param_names=tuple(names))


def lowered_for_kinds(fn, arg_kinds, lower_fn):
    """fn lowered by `lower_fn(parsed, kinds)` for arguments of these kinds, to learn its
    result's kind; None while that same lowering is in progress (recursion: the kind is
    UNKNOWN there). A recursive helper asks again at every level of its recursion: while an
    outermost lowering is in progress, each question (fn, kinds, the lowerings in progress)
    is answered once, as it would be every time (tree_sum over a tree of nested tuples:
    174 lowerings of one helper for one first call, now 43)."""
    key = (fn, tuple(arg_kinds))
    if key in _LOWERING:
        return None
    question = (key, frozenset(_LOWERING), threading.get_ident())   # a thread's own lowering
    if question in _LOWERED:
        return _LOWERED[question]
    outermost = not _LOWERING
    _LOWERING.add(key)
    try:
        _LOWERED[question] = lowered = lower_fn(frontend.parse(fn), arg_kinds)
        return lowered
    finally:
        _LOWERING.discard(key)
        if outermost:
            _LOWERED.clear()
