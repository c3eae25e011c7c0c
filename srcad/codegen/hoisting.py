"""The `math` functions a loop calls, looked up once before it.

A scalar loop's step is a handful of float operations, and `math.sin(x)` costs a global load
and an attribute load before the call: in T4's 1000-step recurrence these lookups are about a
tenth of the gradient's time. A careful person writing such a loop binds the functions to
locals first (`sin, cos = math.sin, math.cos`); the generated code does the same, once, before
the first top-level statement holding a loop that calls them, and the loops call the locals.
Only `math` is hoisted: a NumPy call inside a loop works on arrays, where the lookup is noise,
and `np.sin(x)` reads better than an alias. Nested functions and lambdas keep `math.X` (a
local they read would become a cell).
"""

import ast


def hoist_math_lookups(source, namer):
    """`source` (one generated function) with each `math.NAME` read inside a loop replaced by a
    local bound before the loops (named by `namer`, the writer's naming authority, fresh against
    every name the source holds); the same text where no loop calls `math`."""
    if "math." not in source:
        return source
    fn = ast.parse(source).body[0]
    first, found = None, []
    for k, stmt in enumerate(fn.body):
        inside = [node for loop in _loops(stmt) for node in _math_reads(loop)]
        if inside and first is None:
            first = k
        found += inside
    if not found:
        return source
    namer.used |= {node.id for node in ast.walk(fn) if isinstance(node, ast.Name)}
    names = {}
    for node in found:
        if node.attr not in names:
            names[node.attr] = namer.fresh(node.attr)
    return _rewrite(source, fn.body[first], found, names)


def _loops(stmt):
    """The outermost loops in `stmt` (itself, or inside its branches), not inside a nested
    function."""
    if isinstance(stmt, (ast.For, ast.While)):
        return [stmt]
    if isinstance(stmt, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
        return []
    return [loop for child in ast.iter_child_nodes(stmt) if isinstance(child, ast.stmt)
            for loop in _loops(child)]


def _math_reads(node):
    """The `math.NAME` loads under `node`, outside nested functions and lambdas."""
    if isinstance(node, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
        return []
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "math" and isinstance(node.ctx, ast.Load)):
        return [node]
    return [read for child in ast.iter_child_nodes(node) for read in _math_reads(child)]


def _rewrite(source, before, found, names):
    """The lines of `source` with the reads in `found` renamed and the binding line inserted
    before the statement `before` (above the comment lines that introduce it)."""
    lines = source.split("\n")
    by_line = {}
    for node in found:
        by_line.setdefault(node.lineno, []).append(node)
    for number, nodes in by_line.items():
        text = lines[number - 1].encode()            # ast columns count UTF-8 bytes
        for node in sorted(nodes, key=lambda n: -n.col_offset):
            text = (text[:node.col_offset] + names[node.attr].encode()
                    + text[node.end_col_offset:])
        lines[number - 1] = text.decode()
    at = before.lineno - 1
    while at > 0 and lines[at - 1].strip().startswith("#"):
        at -= 1
    indent = " " * before.col_offset
    order = list(names)
    binding = (", ".join(names[a] for a in order) + " = "
               + ", ".join("math." + a for a in order))
    lines.insert(at, indent + binding)
    return "\n".join(lines)
