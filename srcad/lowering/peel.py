"""A loop whose carried name starts as None and becomes what a call returns in its first
iteration (`config = None`, then `w, config = adam(w, dw, config)` in the loop, with adam's
`if config is None: config = {}`): Python's first iteration and the others run different
code, and a loop lowered once would carry a value of no kind srcad can tell.

Where the loop iterates `range(...)` of names or constants, it is lowered as the program it
equals, with the first iteration on its own, guarded by whether the range is empty:

    if len(range(a, b, c)) > 0:
        i = a
        <body>
        for i in range(a + c, b, c):
            <body>

so the loop proper starts with the value the first iteration made (a dict), as Python's does.
"""

import ast
import functools

from ..frontend import desugar
from ..ir.nodes import Const, Var
from .dispatch import NOT_MINE
from ..frontend.syntax import fix_missing_locations, nodes_below


class Peeling:
    """A part of the lowering of a function (`lowering`, whose statements it lowers): peels
    the first iteration of such a loop: the first handler of a statement lowered with the
    rest of its block (lowering/dispatch.py)."""

    def __init__(self, lowering):
        self.lowering = lowering

    def statement(self, stmt, rest, env, builder):
        """The value of the block `stmt` starts (with `rest`) where stmt is such a loop, its
        first iteration peeled; NOT_MINE for any other statement."""
        lw = self.lowering
        if isinstance(stmt, ast.For) and starts_as_none(stmt, env):
            peeled = _peeled(stmt)
            if peeled is not None:
                return lw.suite([peeled] + rest, env, builder)
        return NOT_MINE


def starts_as_none(loop, env):
    """Whether the loop assigns a name that is None before it a call's result (`w, config
    = adam(w, dw, config)`, `h = step(x, h)`): what the first call makes of None."""
    return any(_is_none(env.get(name)) for name in _assigned_calls(loop))


@functools.lru_cache(maxsize=512)
def _assigned_calls(loop):
    """The names the loop assigns a call's result to (once per loop: it is lowered again
    until its kinds settle; the trees are only read)."""
    return frozenset(t.id for n in nodes_below(loop)
                     if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
                     for target in n.targets for t in ast.walk(target) if isinstance(t, ast.Name))


def _is_none(value):
    return isinstance(value, (Var, Const)) and value.kind.tag == "none"


def _peeled(loop):
    """The loop with its first iteration on its own (module docstring), or None where it is
    not a plain loop over `range` of names and constants."""
    it = loop.iter
    if loop.orelse or desugar.has_jumps(loop.body) or \
            any(isinstance(n, ast.Return) for s in loop.body for n in (s, *nodes_below(s))) or \
            not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and
                 it.func.id == "range" and 1 <= len(it.args) <= 3 and not it.keywords and
                 all(isinstance(a, (ast.Name, ast.Constant)) for a in it.args)):
        return None
    args = list(it.args)
    start = args[0] if len(args) > 1 else ast.Constant(0)
    stop = args[1] if len(args) > 1 else args[0]
    step = args[2] if len(args) == 3 else ast.Constant(1)
    nonempty = ast.Compare(ast.Call(ast.Name("len", ast.Load()), [it], []), [ast.Gt()],
                           [ast.Constant(0)])
    first = ast.Assign([loop.target], start)
    later = ast.For(loop.target, ast.Call(ast.Name("range", ast.Load()),
                                          [ast.BinOp(start, ast.Add(), step), stop, step], []),
                    loop.body, [], None)
    peeled = ast.If(nonempty, [ast.copy_location(first, loop), *loop.body,
                               ast.copy_location(later, loop)], [])
    return fix_missing_locations(ast.copy_location(peeled, loop))
