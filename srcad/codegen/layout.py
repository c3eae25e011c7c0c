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


def as_elif(else_lines, pad):
    """The lines of an `else:` branch (indented one level below `pad`) whose one statement is
    an `if`, dedented to continue the outer `if` as `elif`; None for any other branch. An
    if/elif chain stays flat as the user wrote it (Python allows 100 levels of indentation).
    A test computed into a name just before (the forward sweep keeps it for the reverse one)
    is bound in the header: `elif (v2 := c > 1):`."""
    inner = pad + "    "
    top = [k for k, line in enumerate(else_lines) if line[len(inner):len(inner) + 1] != " "
           and not line[len(inner):].startswith("#")]
    texts = [else_lines[k][len(inner):] for k in top]
    test = _named_test(texts)
    if test is not None:
        texts = texts[1:]
    if not texts or not texts[0].startswith("if ") or \
            not all(line.startswith("elif ") or line == "else:" for line in texts[1:]):
        return None
    head = top[1] if test is not None else top[0]
    header = f"{pad}elif ({test[0]} := {test[1]}):" if test else pad + "el" + texts[0]
    skipped = {top[0], head} if test is not None else {head}
    return [header if k == head else line[4:] for k, line in enumerate(else_lines)
            if k == head or k not in skipped]


def _named_test(texts):
    """(name, expression) for `name = expression` followed by `if name:`."""
    if len(texts) < 2 or " = " not in texts[0]:
        return None
    name, value = texts[0].split(" = ", 1)
    if not name.isidentifier() or texts[1] != f"if {name}:":
        return None
    return name, value
