"""Facts a transform learns about a value after the value is made, kept beside the IR.

A `Var` is frozen: its name, kind and shape source are given when it is made. A transform
learns two facts later: the name of an adjoint or tangent (`bx` for x's, known once the value
turns out to be x's first contribution; taken back when a total or a cast gradient takes it)
and that a value has the shape of another (an adjoint has its primal's). The transform keeps
them here while it runs, reads them through this table (its builders do too, so the rules see
equal shapes), and makes the Vars of its output with them (`Facts.baked`): the passes after it
see ordinary Vars whose facts were given at construction.
"""

from .nodes import Block, Eqn, For, If, Var, While

_UNSET = object()
_SET = object.__setattr__         # a Var is frozen: its slots are set once, when it is made


class Facts:
    """The names and shape sources a transform gave its values after making them."""

    __slots__ = ("hints", "soft", "shapes", "ahead")

    def __init__(self):
        self.hints = {}          # var -> its name now (None: the name it was made with is gone)
        self.soft = set()        # vars whose name is only a suggestion (Var.soft_hint)
        self.shapes = {}         # var -> a var known to share its shape
        self.ahead = {}          # var -> a var further along its chain of shape sources

    def hint(self, var):
        hint = self.hints.get(var, _UNSET)
        return var.hint if hint is _UNSET else hint

    def name(self, var, hint, soft=False):
        self.hints[var] = hint
        if soft:
            self.soft.add(var)
        else:
            self.soft.discard(var)

    def unname(self, var):
        """var loses its name (a total or a cast takes it); a suggested one stays suggested."""
        self.hints[var] = None

    def shape_source(self, var):
        """The var `var` is known to share its shape with, if any (Var.same_shape_as)."""
        return self.shapes.get(var) or var.same_shape_as

    def shape_class(self, var):
        """A representative var of the values known to share var's shape (Var.shape_class).
        The vars met on the way remember the last one (`ahead`): a chain of n adjoints, each
        accumulated into the one before and shaped as it, is not walked to its end for each."""
        met = []
        while True:
            source = self.ahead.get(var) or self.shapes.get(var) or var.same_shape_as
            if not isinstance(source, Var):
                break
            met.append(var)
            var = source
        self.ahead.update((v, var) for v in met[:-1])
        return var

    def same_shape(self, var, source):
        """Record that `var`, made without a shape source, has the shape of `source` (a chain
        grows at its end; where a link changes, what was remembered ahead is forgotten)."""
        if isinstance(self.shapes.get(var) or var.same_shape_as, Var):
            self.ahead.clear()
        self.shapes[var] = source

    def baked(self, stmts, atoms=()):
        """(stmts, atoms) with every var that has a fact here, or a shape source that is
        remade, replaced by a Var made with its facts (where it is bound and where read)."""
        if not (self.hints or self.soft or self.shapes):
            return stmts, tuple(atoms)
        remade = _Remade(self)
        return [remade.stmt(s) for s in stmts], tuple(remade.atom(a) for a in atoms)


def _made_with(var, hint, source, soft, atom):
    """A new var like `var` made with these facts; of var's class, where a lowering's
    Argument or NewObject keeps its own slots (`atom` remakes a var one of them holds)."""
    if type(var) is Var:
        return Var(hint, var.kind, source, var.soft_hint or soft)
    new = object.__new__(type(var))
    for cls in type(var).__mro__[:-1]:
        for slot in cls.__dict__.get("__slots__", ()):
            _SET(new, slot, atom(getattr(var, slot)))
    for slot, value in (("hint", hint), ("same_shape_as", source),
                        ("soft_hint", var.soft_hint or soft)):
        _SET(new, slot, value)
    return new


class _Remade:
    """The vars of one output, remade with their facts (each var once)."""

    def __init__(self, facts):
        self.facts = facts
        self.memo = {}

    def atom(self, atom):
        if not isinstance(atom, Var):
            return atom
        new = self.memo.get(atom)
        return new if new is not None else self.var(atom)

    def var(self, var):
        """var remade where it has a fact or its shape source is remade (no recursion: a
        chain of shape sources can be long)."""
        facts, chain = self.facts, []
        while isinstance(var, Var) and var not in self.memo:    # (a NewObject of a
            chain.append(var)                                  # constant ends in it)
            var = facts.shapes.get(var) or var.same_shape_as
        for v in reversed(chain):
            old = facts.shapes.get(v) or v.same_shape_as
            source = self.memo[old] if isinstance(old, Var) else old
            if source is old and v not in facts.hints and v not in facts.soft and \
                    v not in facts.shapes:
                self.memo[v] = v
            else:
                self.memo[v] = _made_with(v, facts.hint(v), source, v in facts.soft,
                                          self.atom)
        return self.memo[chain[0]] if chain else self.memo[var]

    def block(self, block):
        return Block([self.stmt(s) for s in block.stmts], tuple(map(self.atom, block.results)))

    def stmt(self, stmt):
        a = self.atom
        if isinstance(stmt, Eqn):
            outs, args = tuple(map(a, stmt.outs)), tuple(map(a, stmt.args))
            if outs == stmt.outs and args == stmt.args:
                return stmt
            return Eqn(outs, stmt.prim, args, stmt.line)
        if isinstance(stmt, If):
            return If(a(stmt.cond), self.block(stmt.then), self.block(stmt.orelse),
                      tuple(map(a, stmt.outs)), stmt.line)
        inits, params = tuple(map(a, stmt.carry_init)), tuple(map(a, stmt.carry_params))
        outs = tuple(map(a, stmt.outs))
        if isinstance(stmt, For):
            return For(a(stmt.index), a(stmt.start), a(stmt.stop), a(stmt.step), inits, params,
                       self.block(stmt.body), outs, stmt.reverse, stmt.line, a(stmt.snapshots))
        return While(inits, params, self.block(stmt.cond), self.block(stmt.body), outs,
                     stmt.line)
