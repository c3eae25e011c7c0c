"""`srcad.grad(f, checkpoint=k)`: checkpoint f's long loops without marking them.

The option marks, before the reverse transform, every `for` loop of f that is not inside
another loop and whose carried values depend on the differentiated arguments, as if it were
written `for t in srcad.checkpointed(range(n), snapshots=k)` (srcad/transforms/reverse/
checkpoint.py reverses it with the revolve schedule). A loop the user marked keeps its own k;
a loop inside another loop is part of that loop's body, recomputed with it; a loop whose
carried values the gradient does not depend on has nothing to tape and is left as it is.

Refused at the user's line, with the rewrite, where the option cannot do what it says:

- a `while` loop that carries such values (its trip count is known only when it ends, and the
  schedule needs it before the first step);
- a loop carrying a list or dict, or whose body has an effect a second run would repeat (as
  the marker refuses them);
- a function with no loop to checkpoint at all (at its `def` line: the option would change
  nothing).
"""

from dataclasses import replace

from ...analysis.activity import varied_vars
from ...errors import UnsupportedSyntaxError
from ...ir.nodes import Block, Const, For, If, While, with_sub_blocks
from .checkpoint import refuse_repeated_effects

_MARK = "mark the loops to checkpoint with srcad.checkpointed(range(n), snapshots=k) instead"


def checkpoint_loops(fn, wrt, snapshots):
    """fn with its outermost active `for` loops checkpointed with `snapshots` snapshots."""
    varied = varied_vars(fn, [fn.params[i] for i in wrt])
    marked = []
    body = _marking(fn, fn.body, varied, Const(snapshots), marked)
    if not marked:
        raise UnsupportedSyntaxError(
            f"checkpoint={snapshots}: {fn.name} has no for loop whose carried values the "
            f"gradient depends on, so there is nothing to checkpoint (a loop inside another "
            f"loop is checkpointed with the outer one); drop checkpoint=",
            filename=fn.filename, line=fn.line, construct="checkpoint=")
    return replace(fn, body=body)


def _marking(fn, block, varied, snapshots, marked):
    """`block` with its outermost active loops marked (those inside an `if` too)."""
    stmts = []
    for stmt in block.stmts:
        if isinstance(stmt, If):
            stmt = with_sub_blocks(stmt, lambda b: _marking(fn, b, varied, snapshots, marked))
        elif isinstance(stmt, (For, While)) and any(p in varied for p in stmt.carry_params):
            stmt = _marked(fn, stmt, snapshots)
            marked.append(stmt)
        stmts.append(stmt)
    return Block(stmts, block.results)


def _marked(fn, stmt, snapshots):
    where = dict(filename=fn.filename, line=stmt.line, construct=f"checkpoint={snapshots.value}")
    if isinstance(stmt, While):
        raise UnsupportedSyntaxError(
            f"checkpoint={snapshots.value} checkpoints the function's for loops, but this "
            f"while loop carries values the gradient depends on, and its trip count is known "
            f"only when it ends (the schedule needs it before the first step); write it as a "
            f"for loop over a bound with a break (for t in range(max_steps): if done: break), "
            f"or drop checkpoint=", **where)
    refuse_repeated_effects(fn, stmt, construct=where["construct"],
                            drop=f"drop checkpoint= and {_MARK}")
    return stmt if stmt.snapshots is not None else replace(stmt, snapshots=snapshots)
