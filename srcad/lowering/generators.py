"""Generators of the user's, consumed by a loop, list(), sum() or a comprehension.

`def layers(ws): for w in ws: yield w` called as `for w in layers(params):` runs, in
Python, a step of the generator before each step of the loop. srcad runs the generator to
its end first, as the list of what it yields, and the loop then walks that list: the same
values in the same order, so the same derivative, wherever the generator only computes
(what it yields, from its arguments). The generator becomes a function returning that list:

    def layers(ws):                      def layers(ws):
        for w in ws:                         yielded = []
            yield w                ->        for w in ws:
                                                 yielded.append(w)
                                             return yielded

`yield from it` extends the list; `return` ends it. Refused, with a rewrite: a generator
with a `while` loop (it may never end, where its consumer stops it early), one whose yield
is an expression (`x = yield v`, the send protocol), and an async generator.
"""

import ast
import copy
from dataclasses import replace

from ..frontend.syntax import fix_missing_locations, walk_no_defs
from ..naming import fresh_name, names_in


def is_generator(node):
    """Whether a def's own body (not a nested def's) yields."""
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        isinstance(n, (ast.Yield, ast.YieldFrom)) for s in node.body for n in _walk(s))


def _walk(stmt):
    yield stmt
    yield from walk_no_defs(stmt)


def problem(node):
    """Why the generator `node` cannot run to its end first (a node and a reason), or None."""
    if isinstance(node, ast.AsyncFunctionDef):
        return node, "an async generator"
    for stmt in node.body:
        for sub in _walk(stmt):
            if isinstance(sub, ast.While):
                return sub, ("a generator with a while loop, which may never end where its "
                             "consumer stops early; yield from a for loop over a range, or "
                             "return the list of values")
            if isinstance(sub, (ast.Yield, ast.YieldFrom)) and not _statement_yield(node, sub):
                return sub, ("a yield used as a value (the send protocol); yield as a "
                             "statement of its own, or return the list of values")
    return None


def _statement_yield(node, target):
    return any(isinstance(s, ast.Expr) and s.value is target
               for stmt in node.body for s in _walk(stmt))


def as_list_function(parsed):
    """`parsed` with its generator rewritten as a function returning the list it yields."""
    node = copy.deepcopy(parsed.node)
    out = fresh_name("yielded", names_in(node))
    node.body = [_at(ast.Assign([ast.Name(out, ast.Store())], ast.List([], ast.Load())),
                     node.body[0])] + [_Rewriter(out).visit(s) for s in node.body] + \
        [_at(ast.Return(ast.Name(out, ast.Load())), node.body[-1])]
    fix_missing_locations(node)
    return replace(parsed, node=node)


def _at(new, old):
    return ast.copy_location(new, old)


class _Rewriter(ast.NodeTransformer):
    """yield v -> out.append(v); yield from it -> out.extend(it); return -> return out."""

    def __init__(self, out):
        self.out = out

    def visit_FunctionDef(self, node):
        return node                              # a nested def keeps its own yields

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_Expr(self, node):
        value = node.value
        if isinstance(value, (ast.Yield, ast.YieldFrom)):
            method = "append" if isinstance(value, ast.Yield) else "extend"
            item = value.value if value.value is not None else ast.Constant(None)
            call = ast.Call(ast.Attribute(ast.Name(self.out, ast.Load()), method, ast.Load()),
                            [item], [])
            return _at(ast.Expr(call), node)
        return node

    def visit_Return(self, node):
        return _at(ast.Return(ast.Name(self.out, ast.Load())), node)
