"""`max(a, b, key=f)` and `min(items, key=f)` of a sequence whose length is known now: the
item whose key is largest (smallest), as Python chooses it, the first of equal keys.

Each key is computed once, in order, and each later item replaces the chosen one where its
key is strictly larger (smaller): a structured `if` per item, so the derivative flows to the
item chosen (the key itself only decides; it is not differentiated through).
"""

from .. import kinds as K
from ..ir.nodes import Block, Const, If, Var


def select_by_key(lw, node, items, key, name, builder):
    """The item max (name "max") or min chooses by `key` among the lowered `items`."""
    compare = "gt" if name == "max" else "lt"
    best = lw.atom(items[0], builder, node)
    best_key = lw.atom(lw.call(node, key, [items[0]], {}, builder), builder, node)
    for item in items[1:]:
        atom = lw.atom(item, builder, node)
        item_key = lw.atom(lw.call(node, key, [item], {}, builder), builder, node)
        builder.line = node.lineno
        better = lw.emit(compare, [item_key, best_key], builder, node)
        if isinstance(better, Const):
            best, best_key = (atom, item_key) if better.value else (best, best_key)
            continue
        best, best_key = (_choose(lw, better, new, old, builder, node)
                          for new, old in ((atom, best), (item_key, best_key)))
    return best


def _choose(lw, cond, new, old, builder, node):
    """`new if cond else old`, as a structured if of two atoms."""
    out = Var(None, K.join(new.kind, old.kind))
    builder.append(If(cond, Block([], (new,)), Block([], (old,)), (out,), node.lineno))
    lw.may_be(out, [new, old])
    return out
