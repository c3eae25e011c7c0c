"""Walks over the user's syntax tree that do not recurse in Python.

A generated sum of thousands of terms is a left-deep `BinOp` chain thousands of nodes deep.
Python compiles it; a recursive walk (`ast.fix_missing_locations`, a recursive generator)
would exceed the interpreter's recursion limit. These walks keep an explicit stack instead.
"""

import ast
import functools

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def walk_no_defs(node):
    """The nodes below `node` in pre-order (as the recursive walk would give them), not
    entering nested functions and lambdas."""
    stack = [iter(ast.iter_child_nodes(node))]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif not isinstance(child, _DEFS):
            yield child
            stack.append(iter(ast.iter_child_nodes(child)))


@functools.lru_cache(maxsize=4096)
def nodes_below(stmt):
    """tuple(walk_no_defs(stmt)) of a statement of the user's tree, made from the tuples of
    the compound statements in it (each made once): lowering asks what a loop assigns, calls
    or returns at each loop of a nest, and walking each loop's tree walked the innermost
    body once per level. Only for trees that are only read (a tree changed after it was
    asked would be answered as it was)."""
    nodes = []
    for child in ast.iter_child_nodes(stmt):
        if isinstance(child, _DEFS):
            continue
        nodes.append(child)
        nodes.extend(nodes_below(child) if isinstance(child, _COMPOUND) else walk_no_defs(child))
    return tuple(nodes)


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
             ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


@functools.lru_cache(maxsize=1024)
def names_read_outside(function, stmt):
    """Names that `function` reads anywhere outside the statement `stmt` (a node of it, or
    one desugaring made), nested functions included. A loop body is lowered again until its
    kinds settle (2 ** depth times in a nest): asked once per pair (the trees are only read);
    and answered from where each name is read, not by walking the whole function for each
    statement (an if/elif chain of n branches walked it n times)."""
    spans, reads = _read_spans(function)
    span = spans.get(id(stmt))           # the function holds its nodes: their ids are theirs
    if span is None:
        inside = {id(n) for n in ast.walk(stmt)}
        return frozenset(n.id for n in ast.walk(function) if isinstance(n, ast.Name) and
                         isinstance(n.ctx, ast.Load) and id(n) not in inside)
    start, end = span
    return frozenset(name for name, (first, last) in reads.items() if first < start or
                     last >= end)


@functools.lru_cache(maxsize=64)
def _read_spans(function):
    """({id(node): (start, end)}: the pre-order positions of each node of `function` and of
    the nodes below it, {name: (first, last)}: where the name is read first and last)."""
    spans, reads, position = {}, {}, 0
    stack = [(function, None)]
    while stack:
        node, start = stack.pop()
        if start is not None:
            spans[id(node)] = (start, position)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads[node.id] = (reads.get(node.id, (position,))[0], position)
        stack.append((node, position))
        position += 1
        stack.extend((child, None) for child in reversed(list(ast.iter_child_nodes(node))))
    return spans, reads


def loop_contents(function, loop):
    """The `del` statements and the calls below `loop` (a statement of `function`), in the
    order of walk_no_defs: what lowering checks in each loop of the function. Found in one
    walk of the function (each loop of a nest walked what the loops around it walk again);
    a loop made later (desugaring), or in a nested function, is walked on its own."""
    found = _loop_contents(function).get(id(loop))
    if found is None:
        return [n for n in walk_no_defs(loop) if isinstance(n, _LOOP_CONTENTS)]
    return found


_LOOP_CONTENTS = (ast.Delete, ast.Call)


@functools.lru_cache(maxsize=64)
def _loop_contents(function):
    """{id(loop): its contents} for the loops of `function` outside nested functions."""
    index, open_loops = {}, []
    stack = [(iter(ast.iter_child_nodes(function)), False)]
    while stack:
        children, in_loop = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if in_loop:
                open_loops.pop()
            continue
        if isinstance(child, _DEFS):
            continue
        if isinstance(child, _LOOP_CONTENTS):
            for contents in open_loops:
                contents.append(child)
        is_loop = isinstance(child, (ast.For, ast.While))
        if is_loop:
            open_loops.append(index.setdefault(id(child), []))
        stack.append((iter(ast.iter_child_nodes(child)), is_loop))
    return {key: tuple(contents) for key, contents in index.items()}


def fix_missing_locations(node):
    """`ast.fix_missing_locations`, iteratively: a node without a location takes its parent's."""
    stack = [(node, 1, 0, 1, 0)]
    while stack:
        current, lineno, col, end_lineno, end_col = stack.pop()
        fields = current._attributes
        if "lineno" in fields:
            lineno = _inherit(current, "lineno", lineno)
        if "end_lineno" in fields:
            end_lineno = _inherit(current, "end_lineno", end_lineno)
        if "col_offset" in fields:
            col = _inherit(current, "col_offset", col)
        if "end_col_offset" in fields:
            end_col = _inherit(current, "end_col_offset", end_col)
        stack.extend((child, lineno, col, end_lineno, end_col)
                     for child in ast.iter_child_nodes(current))
    return node


def _inherit(node, field, parent_value):
    value = getattr(node, field, None)
    if value is None:
        setattr(node, field, parent_value)
        return parent_value
    return value


def depth(node):
    """How deep the tree below `node` nests."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(current))
    return deepest


_UNPARSE_DEPTH = 150        # ast.unparse recurses through several frames per level


def unparse(node):
    """`ast.unparse(node)`, or for a tree too deep for it a short description of it."""
    levels = depth(node)
    if levels <= _UNPARSE_DEPTH:
        return ast.unparse(node)
    return f"<{type(node).__name__.lower()}, an expression {levels} levels deep>"


class ReturnsInside:
    """`returns_inside(stmt)`: whether a `return` is inside `stmt` (not counting nested
    functions and lambdas). One walk of the function answers it for each of its statements
    (asking each `if` of an `elif` chain would walk the chain once per level); a statement
    made later (desugaring) is walked on its own."""

    def __init__(self, tree):
        self.tree = tree
        self.holders, self.nodes = set(), {}
        parent, stack = {}, [tree]
        while stack:
            node = stack.pop()
            self.nodes[id(node)] = node
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, _DEFS):
                    parent[id(child)] = node
                    stack.append(child)
        for node in reversed(list(self.nodes.values())):       # children before parents
            up = parent.get(id(node))
            if up is not None and (isinstance(node, ast.Return) or id(node) in self.holders):
                self.holders.add(id(up))

    def __call__(self, stmt):
        if self.nodes.get(id(stmt)) is stmt:
            return id(stmt) in self.holders
        return any(isinstance(n, ast.Return) for n in walk_no_defs(stmt))


@functools.lru_cache(maxsize=64)
def returns_inside_of(tree):
    """The ReturnsInside of `tree`, made once per function tree (each inlined call of a
    helper lowers it anew; the trees are only read)."""
    return ReturnsInside(tree)


def operations_in_order(node, operations):
    """The nodes of the tree of `operations` (ast.BinOp, ast.UnaryOp) rooted at `node`, each
    after its operands and a left operand before a right one, as Python evaluates them; the
    operands that are other expressions come as leaves. Iterative: `x ** x ** ...` or a sum
    of thousands of terms is as deep as it is long."""
    stack = [(node, False)]
    while stack:
        current, operands_done = stack.pop()
        if operands_done or not isinstance(current, operations):
            yield current
            continue
        stack.append((current, True))
        stack.extend((child, False) for child in reversed(
            [current.left, current.right] if isinstance(current, ast.BinOp)
            else [current.operand]))


_CHANGING = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
             "update", "setdefault", "popitem"}


@functools.lru_cache(maxsize=256)
def changed_free_names(node):
    """The names a function changes in place by a method call (`LOG.append(v)`) and never
    assigns: free names (globals, closure variables) whose contents change as it runs. Once
    per function node (the trees are parsed once per text and only read)."""
    nodes = nodes_below(node)
    assigned = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return frozenset(n.func.value.id for n in nodes if isinstance(n, ast.Call) and
                     isinstance(n.func, ast.Attribute) and n.func.attr in _CHANGING and
                     isinstance(n.func.value, ast.Name) and n.func.value.id not in assigned)


_LEVELS = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.IfExp)


def nesting(tree):
    """(levels, node): how deep statements and conditional expressions nest in `tree`, and
    the node at the deepest level. An `elif` is an `if` inside the `else` of the one before
    it, one level deeper, as lowering makes it."""
    deepest, where = 0, tree
    stack = [(tree, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, _LEVELS):
            level += 1
            if level > deepest:
                deepest, where = level, node
        stack.extend((child, level) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, _DEFS))
    return deepest, where
