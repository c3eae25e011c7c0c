"""Reverse mode of an `if`/`elif`/.../`else` chain as one multi-way branch.

Lowering gives `if a: A elif b: B else: C` as nested `if`s: the `else` of the first holds the
test of the second and the second `if`. Reversed level by level, every inner branch's
residuals (the values its reverse reads) would leave through every enclosing `if`: the forward
sweep and the transform grow with the square of the number of branches, and the printed code
nests one level per branch. Here the chain is reversed as one statement instead:

- each branch is reversed on its own, as a branch of a plain `if` is;
- the forward sweep keeps the chain's shape (it prints as a flat `if`/`elif`/`else`), and
  each branch also yields two values: the index of the branch taken and a tuple of its own
  residuals (None when it has none), so every level passes on two values, not all of them;
- the reverse sweep is a flat chain on that index (`if branch == 0: ... elif branch == 1:`),
  each branch unpacking its own residuals.

A level joins the chain when the statements before its test (`elif f(x) > 0:` computes
f(x) there) have no adjoint: they only choose the branch.
"""

from ... import kinds as K
from ... import naming
from ...analysis.activity import substitute_block
from ...ir.nodes import Block, Const, Eqn, If, Var


def chain_levels(stmt, varied):
    """[(test statements, if)] for each `if` of the chain headed by `stmt`, or None when its
    `else` is not an `elif` that can join the chain."""
    levels = [((), stmt)]
    node = stmt
    while True:
        block = node.orelse
        if not block.stmts or not isinstance(block.stmts[-1], If):
            break
        inner = block.stmts[-1]
        tests = block.stmts[:-1]
        if len(block.results) != len(inner.outs) or \
                any(r is not o for r, o in zip(block.results, inner.outs)):
            break
        if not all(isinstance(s, Eqn) and not any(o in varied for o in s.outs) for s in tests):
            break
        levels.append((tuple(tests), inner))
        node = inner
    return levels if len(levels) > 1 else None


def reverse_chain(sweep, stmt, levels, seeds, outer, adj, rb):
    """Reverse the chain into `rb`; returns the forward sweep's statements for it."""
    bodies = [level.then for _, level in levels] + [levels[-1][1].orelse]
    tested = set()                       # values the tests so far computed
    reversed_bodies = []
    for k, body in enumerate(bodies):
        if k < len(levels):
            tested.update(o for s in levels[k][0] for o in s.outs)
        reversed_bodies.append(sweep.reverse_branch(body, stmt, seeds, outer, adj, tested))
    branch = Var(naming.BRANCH, K.INT)
    residuals = Var(naming.RESIDUALS, K.Kind("tuple"))
    forward = _forward_chain(levels, bodies, reversed_bodies, stmt.outs, branch, residuals)
    lines = [level.line for _, level in levels]
    outs = _reverse_chain_if(lines, reversed_bodies, outer, branch, residuals, rb)
    for u, out in zip(outer, outs):
        adj[u] = out
        sweep.name_adjoint(u, out)
    return [forward]


def _forward_chain(levels, bodies, reversed_bodies, outs, branch, residuals):
    """The chain again, each branch also yielding its index and its residuals' tuple."""
    blocks = []
    for k, (body, (forward, _, needed)) in enumerate(zip(bodies, reversed_bodies)):
        stmts = list(forward)
        packed = Const(None)
        if needed:
            packed = Var(None, K.Kind("tuple"))
            line = levels[min(k, len(levels) - 1)][1].line
            stmts.append(Eqn((packed,), "make_tuple", tuple(needed), line))
        blocks.append(Block(stmts, tuple(body.results) + (Const(k), packed)))
    inner = blocks[-1]
    for k in range(len(levels) - 1, -1, -1):
        tests, level = levels[k]
        inner_slots = (Var(naming.BRANCH, K.INT), Var(naming.RESIDUALS, K.Kind("tuple")))
        level_outs = (outs if k == 0 else level.outs) + \
            ((branch, residuals) if k == 0 else inner_slots)
        node = If(level.cond, blocks[k], inner, level_outs, level.line)
        if k == 0:
            return node
        inner = Block(list(tests) + [node], level_outs)


def _reverse_chain_if(lines, reversed_bodies, outer, branch, residuals, rb):
    """`if branch == 0: ... elif branch == 1: ... else: ...` into `rb`, each branch unpacking
    its own residuals first; returns the adjoints it yields, one per var of `outer`."""
    blocks = []
    for k, (_, reverse, needed) in enumerate(reversed_bodies):
        popped = [Var(v.hint, v.kind, v) for v in needed]      # the same values: same shapes
        mapping = dict(zip(needed, popped))
        unpack = [Eqn(tuple(popped), "unpack", (residuals, Const(len(popped))),
                      lines[min(k, len(lines) - 1)])] \
            if needed else []
        renamed = substitute_block(reverse, mapping)
        blocks.append(Block(unpack + renamed.stmts, renamed.results))
    inner = blocks[-1]
    for k in range(len(blocks) - 2, -1, -1):
        outs = tuple(Var(naming.adjoint(u.hint), u.kind, _shaped_like(u)) for u in outer)
        test = Var(None, K.BOOL)
        node = If(test, blocks[k], inner, outs, lines[k])
        test_eqn = Eqn((test,), "eq", (branch, Const(k)), lines[k])
        if k == 0:
            rb.append(test_eqn)
            rb.append(node)
            return outs
        inner = Block([test_eqn, node], outs)
    raise AssertionError("a chain has at least two branches")


def _shaped_like(var):
    """An adjoint has its primal's shape; numeric primal vars only (containers have none)."""
    return var if isinstance(var, Var) and var.kind.is_numeric else None
