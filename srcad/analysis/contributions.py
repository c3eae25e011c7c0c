"""Which outer adjoints the reverse sweep of a compound statement contributes to.

Before reversing an `if` or a loop, the reverse sweep must know the values bound *outside* it
whose adjoints its reverse adds to: they become the outs of the reverse `if` (one per branch)
or the accumulators of the reverse loop. That is a static question about activity, answered
here by walking the statement's blocks backwards once, without building any adjoint.

Contract: `Contributions(varied).outer(stmt, seeded)` is the tuple of vars bound outside
`stmt` (an `If`, `For` or `While`) to whose adjoint `reverse.Sweep` contributes while
reversing `stmt`, when `seeded` are the outs of `stmt` that have an adjoint. The order is the
order in which the sweep first contributes to them (the sweep orders its outs by it, so
generated code does not depend on set order). The walk mirrors `Sweep` exactly:

- an equation whose (single) output has an adjoint contributes to each varied argument whose
  rule is not ZERO (a call: to each varied argument; `getitem` of a container: to the
  container);
- an `if` with a seeded out, or with outer contributions, contributes to its own outer vars;
- a loop with a seeded out or outer contributions contributes to its outer vars and to the
  start values of its varied carries (its reverse seeds every varied carry, whatever leaves).

Each statement is analysed once per set of seeded outs (memoised by identity), so the work
grows linearly with the program, however deep its `if`/`elif` chains and loop nests.
"""

from ..ir.nodes import Eqn, If, Var, block_params
from ..rules import RULES, ZERO


class Contributions:
    def __init__(self, varied):
        self.varied = varied
        self.memo = {}           # (id(stmt), seeded) -> (stmt, outer): the stmt keeps the id

    def outer(self, stmt, seeded):
        """The vars bound outside `stmt` whose adjoint its reverse contributes to, in order."""
        key = (id(stmt), frozenset(seeded))
        hit = self.memo.get(key)
        if hit is not None:
            return hit[1]
        found = {}
        is_if = isinstance(stmt, If)
        for block in (stmt.then, stmt.orelse) if is_if else (stmt.body,):
            live = {r: None for o, r in zip(stmt.outs, block.results)
                    if o in seeded and self.is_varied(r)}
            if not is_if:
                live.update((p, None) for p in stmt.carry_params if p in self.varied)
                live.update((r, None) for r in block.results if self.is_varied(r))
            self.block(block.stmts, live)
            found.update(live)
        local = {o for block in _blocks(stmt) for st in block.stmts for o in st.outs}
        local.update(block_params(stmt))    # nested blocks bind their vars privately
        result = tuple(v for v in found if v not in local)
        self.memo[key] = (stmt, result)
        return result

    def is_varied(self, atom):
        return isinstance(atom, Var) and atom in self.varied

    def block(self, stmts, live):
        """Walk `stmts` backwards; `live` (an ordered set) gains every var contributed to."""
        for stmt in reversed(stmts):
            if isinstance(stmt, Eqn):
                self.eqn(stmt, live)
                continue
            seeded = {o for o in stmt.outs if o in live}
            for o in seeded:
                del live[o]
            outer = self.outer(stmt, seeded)
            if not seeded and not outer:
                continue
            live.update((u, None) for u in outer)
            if not isinstance(stmt, If):
                live.update((init, None) for p, init in zip(stmt.carry_params, stmt.carry_init)
                            if p in self.varied and self.is_varied(init))

    def eqn(self, eqn, live):
        if len(eqn.outs) != 1 or eqn.out not in live:
            return                   # no adjoint (a multi-output one is refused by Sweep)
        del live[eqn.out]
        if eqn.prim == "getitem" and eqn.args[0].kind.is_container:
            targets = eqn.args[:1]
        elif eqn.prim == "call":
            targets = eqn.args[1:]
        else:
            rule = RULES[eqn.prim]
            targets = [a for i, a in enumerate(eqn.args) if rule.vjp_rule(i) is not ZERO]
        live.update((a, None) for a in targets if self.is_varied(a))


def _blocks(stmt):
    return (stmt.then, stmt.orelse) if isinstance(stmt, If) else (stmt.body,)
