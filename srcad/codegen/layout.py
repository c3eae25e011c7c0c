"""Layout decisions on generated lines that need no IR: how deep an expression may nest before
it is assigned to a name, and `elif` for an `else:` that holds only an `if`."""

import ast

MAX_INLINED_DEPTH = 40


def depth(node, known):
    """How deep the expression nests (iteratively: no recursion). `known` maps id(node) to
    (node, depth) for the pending expressions already measured, which are not walked again:
    inlining a chain of thousands of single-use temporaries stays linear."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        hit = known.get(id(current))
        if hit is not None and hit[0] is current:
            deepest = max(deepest, level - 1 + hit[1])
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(current))
    return deepest


def else_part(lines, pad, last_if):
    """What follows an `if`'s then-branch, from its else branch's `lines`, printed at the `if`'s
    own indentation `pad` (where an `elif` stands): nothing for a branch of comments and
    `pass`; the `elif` of as_elif; else `else:` and the lines one level in."""
    if not any(not line.strip().startswith("#") and line.strip() != "pass" for line in lines):
        return []
    chained = as_elif(lines, pad, last_if)
    if chained is not None:
        return chained
    return [pad + "else:"] + ["    " + line for line in lines]


def as_elif(lines, pad, last_if):
    """The lines of an `else:` branch (printed at `pad`) whose one statement is an `if`, as an
    `elif` continuing the outer `if`; None for any other branch. `last_if` is (header, number of
    lines) of the last `if` printed: the branch's one statement if it ends the branch and only
    comments precede it, so no line is read again (an if/elif chain stays linear in time, and
    flat as the user wrote it: Python allows 100 levels of indentation). A test computed into
    a name just before (the forward sweep keeps it for the reverse one) is bound in the
    header: `elif (v2 := c > 1):`."""
    start = len(lines) - last_if[1] if last_if is not None else -1
    if start < 0 or lines[start] is not last_if[0] or not lines[start].startswith(pad + "if "):
        return None
    before = [k for k in range(start) if not lines[k][len(pad):].startswith("#")]
    if len(before) > 1:
        return None
    test = _named_test([lines[k][len(pad):] for k in before] + [lines[start][len(pad):]])
    if before and test is None:
        return None
    lines[start] = f"{pad}elif ({test[0]} := {test[1]}):" if test else \
        pad + "el" + lines[start][len(pad):]
    if before:
        del lines[before[0]]
    return lines


def _named_test(texts):
    """(name, expression) for `name = expression` followed by `if name:`."""
    if len(texts) < 2 or " = " not in texts[0]:
        return None
    name, value = texts[0].split(" = ", 1)
    if not name.isidentifier() or texts[1] != f"if {name}:":
        return None
    return name, value
