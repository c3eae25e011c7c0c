"""The SSA intermediate representation: the evaluation trace v_i = phi_i(v_j, ...) of the AD
literature, with structured control flow.

Grammar::

    function ::= def name(var, ...): block
    block    ::= stmt* ; yield atom, ...                 (the block's results)
    stmt     ::= eqn | if | for | while
    eqn      ::= var, ... = prim(atom, ...)
    if       ::= var, ... = if atom: block else: block
    for      ::= var, ... = for var in [reversed] range(atom, atom, atom)
                            carry (var <- atom, ...): block
    while    ::= var, ... = while carry (var <- atom, ...): cond_block; body_block
    atom     ::= var | const

Each var is bound exactly once. A block sees the vars of the blocks around it; the vars it binds
are private to it, and only its results leave it (as the `outs` of its statement). `If`, `For`
and `While` name the values they carry in (`carry`) and out (`outs`), as MLIR's scf dialect or
JAX's cond/scan/while do, so every transform is a walk over a tree.

`str(function)` prints the trace; `verify(function)` checks the SSA rules; `evaluate` is the
reference interpreter that generated code is tested against.
"""

from dataclasses import dataclass, field

from . import kinds as K


class Var:
    """An SSA value. Compared by identity; `hint` is the user's name for it, if any."""

    __slots__ = ("hint", "kind", "same_shape_as", "soft_hint")

    def __init__(self, hint=None, kind=K.UNKNOWN, same_shape_as=None):
        self.hint = hint
        self.kind = kind
        self.same_shape_as = same_shape_as   # a var known to have this one's shape
        self.soft_hint = False               # the hint is only a suggestion (`bh` for h's
                                             # adjoint): read once, the value may be inlined

    def shape_class(self):
        """A representative var of the values known to share this one's shape."""
        var = self
        while var.same_shape_as is not None:
            var = var.same_shape_as
        return var

    def __repr__(self):
        return f"Var({self.hint or '_'}:{self.kind})"


class Const:
    """A constant: a number, string, None, slice, tuple of constants, array, or any object."""

    __slots__ = ("value", "kind", "name")

    def __init__(self, value, name=None):
        self.value = value
        self.kind = K.kind_of(value)
        self.name = name            # a global's name, to print it as the user wrote it

    def key(self):
        """A hashable identity for common-subexpression elimination."""
        v = self.value
        if isinstance(v, (bool, int, float, str, type(None))):
            return (type(v).__name__, v)
        if isinstance(v, (tuple, slice)):
            try:
                hash(v)
                return ("const", repr(v))
            except TypeError:
                pass
        return ("object", id(v))

    def __repr__(self):
        return f"Const({self.name or repr(self.value)})"


def is_const(atom, value=None):
    """True if `atom` is a constant (equal to `value` when given, for plain numbers)."""
    if not isinstance(atom, Const):
        return False
    if value is None:
        return True
    v = atom.value
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == value


@dataclass
class Eqn:
    outs: tuple
    prim: str
    args: tuple
    line: int = None

    @property
    def out(self):
        return self.outs[0]


@dataclass
class Block:
    stmts: list
    results: tuple = ()


@dataclass
class If:
    cond: object
    then: Block
    orelse: Block
    outs: tuple
    line: int = None


@dataclass
class For:
    index: Var
    start: object
    stop: object
    step: object
    carry_init: tuple
    carry_params: tuple
    body: Block
    outs: tuple
    reverse: bool = False
    line: int = None


@dataclass
class While:
    carry_init: tuple
    carry_params: tuple
    cond: Block              # reads carry_params; results = (condition,)
    body: Block              # reads carry_params; results = new carried values
    outs: tuple
    line: int = None


@dataclass
class Function:
    name: str
    params: tuple
    body: Block
    filename: str = "<srcad>"
    line: int = None
    source_lines: dict = field(default_factory=dict)   # line number -> user's source text
    param_names: tuple = None                          # the user's parameter names

    def __str__(self):
        from .printer import format_function
        return format_function(self)

    def to_dot(self):
        """The computational graph as Graphviz text, as in the literature's figures."""
        from .printer import format_dot
        return format_dot(self)


def sub_blocks(stmt):
    """The blocks a statement holds, in evaluation order."""
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, For):
        return (stmt.body,)
    if isinstance(stmt, While):
        return (stmt.cond, stmt.body)
    return ()


def stmt_inputs(stmt):
    """Atoms a statement reads directly (not those read inside its blocks)."""
    if isinstance(stmt, Eqn):
        return stmt.args
    if isinstance(stmt, If):
        return (stmt.cond,)
    if isinstance(stmt, For):
        return (stmt.start, stmt.stop, stmt.step) + tuple(stmt.carry_init)
    return tuple(stmt.carry_init)


def block_params(stmt):
    """Vars a statement binds at the top of its blocks (loop index, carried values)."""
    if isinstance(stmt, For):
        return (stmt.index,) + tuple(stmt.carry_params)
    if isinstance(stmt, While):
        return tuple(stmt.carry_params)
    return ()


def free_vars(block, bound=None):
    """Vars read in `block` (or nested blocks) that it does not bind: its inputs from outside."""
    bound = set() if bound is None else set(bound)
    free = {}
    _collect_free(block, bound, free)
    return list(free)


def _collect_free(block, bound, free):
    def read(atom):
        if isinstance(atom, Var) and atom not in bound:
            free[atom] = None
    for stmt in block.stmts:
        for atom in stmt_inputs(stmt):
            read(atom)
        inner = bound | set(block_params(stmt))
        for sub in sub_blocks(stmt):
            _collect_free(sub, inner, free)
        bound.update(stmt.outs)
    for atom in block.results:
        read(atom)


class FreeVars:
    """`free_vars` that keeps each block's answer (by identity) while it lives: asking about
    every level of a deep nest (an `if`/`elif` chain of 200 branches) stays linear."""

    def __init__(self):
        self.memo = {}           # id(block) -> (block, its free vars): the block keeps the id

    def __call__(self, block):
        hit = self.memo.get(id(block))
        if hit is not None and hit[0] is block:
            return hit[1]
        bound, free = set(), {}
        for stmt in block.stmts:
            for atom in stmt_inputs(stmt):
                if isinstance(atom, Var) and atom not in bound:
                    free[atom] = None
            params = block_params(stmt)
            for sub in sub_blocks(stmt):
                free.update((v, None) for v in self(sub) if v not in bound and v not in params)
            bound.update(stmt.outs)
        free.update((a, None) for a in block.results if isinstance(a, Var) and a not in bound)
        result = list(free)
        self.memo[id(block)] = (block, result)
        return result


def walk_eqns(block):
    """Every equation in `block` and its nested blocks, in order (an explicit stack: nested
    generators would pass each equation up through every level of the nest)."""
    stack = [iter(block.stmts)]
    while stack:
        stmt = next(stack[-1], None)
        if stmt is None:
            stack.pop()
            continue
        if isinstance(stmt, Eqn):
            yield stmt
        stack.extend(iter(sub.stmts) for sub in reversed(sub_blocks(stmt)))


class VerificationError(Exception):
    """The IR breaks an SSA rule; a bug in srcad, never the user's fault."""


def verify(fn):
    """Check SSA: each var bound once, none read before it is bound, block arities agree."""
    bound = set()
    for p in fn.params:
        _bind(p, bound)
    _verify_block(fn.body, bound, set(fn.params))
    return fn


def _bind(var, bound):
    if not isinstance(var, Var):
        raise VerificationError(f"{var!r} bound but is not a Var")
    if var in bound:
        raise VerificationError(f"{var!r} is bound twice")
    bound.add(var)


def _verify_block(block, bound, visible):
    visible = set(visible)

    def read(atom):
        if isinstance(atom, Var) and atom not in visible:
            raise VerificationError(f"{atom!r} read before it is bound")
    for stmt in block.stmts:
        for atom in stmt_inputs(stmt):
            read(atom)
        _verify_nested(stmt, bound, visible)
        for out in stmt.outs:
            _bind(out, bound)
            visible.add(out)
    for atom in block.results:
        read(atom)


def _verify_nested(stmt, bound, visible):
    params = block_params(stmt)
    for p in params:
        _bind(p, bound)
    subs = sub_blocks(stmt)
    inner = visible | set(params) if subs else visible    # no copy per equation
    for sub in subs:
        _verify_block(sub, bound, inner)
    if isinstance(stmt, If):
        for sub in (stmt.then, stmt.orelse):
            _check_arity(sub, len(stmt.outs), "if branch")
    elif isinstance(stmt, (For, While)):
        _check_arity(stmt.body, len(stmt.carry_params), "loop body")
        if (len(stmt.carry_init) != len(stmt.carry_params)
                or len(stmt.outs) != len(stmt.carry_params)):
            raise VerificationError("loop carries, initial values and outs disagree")


def _check_arity(block, n, what):
    if len(block.results) != n:
        raise VerificationError(f"{what} yields {len(block.results)} values, expected {n}")


def evaluate(fn, *args):
    """Run the IR with the rule table's NumPy implementations: the reference interpreter."""
    from .rules import RULES
    env = dict(zip(fn.params, args))
    results = _run_block(fn.body, env, RULES)
    return results[0] if len(results) == 1 else tuple(results)


def _value(atom, env):
    return env[atom] if isinstance(atom, Var) else atom.value


def _run_block(block, env, rules):
    for stmt in block.stmts:
        outs = _run_stmt(stmt, env, rules)
        for var, value in zip(stmt.outs, outs):
            env[var] = value
    return [_value(a, env) for a in block.results]


def _run_stmt(stmt, env, rules):
    if isinstance(stmt, Eqn):
        result = rules[stmt.prim].impl(*[_value(a, env) for a in stmt.args])
        return result if len(stmt.outs) != 1 else (result,)
    if isinstance(stmt, If):
        branch = stmt.then if _value(stmt.cond, env) else stmt.orelse
        return _run_block(branch, env, rules)
    carried = [_value(a, env) for a in stmt.carry_init]
    if isinstance(stmt, For):
        indices = range(*[_value(a, env) for a in (stmt.start, stmt.stop, stmt.step)])
        for i in (reversed(indices) if stmt.reverse else indices):
            env.update(zip(stmt.carry_params, carried))
            env[stmt.index] = i
            carried = _run_block(stmt.body, env, rules)
        return carried
    while True:
        env.update(zip(stmt.carry_params, carried))
        if not _run_block(stmt.cond, env, rules)[0]:
            return carried
        carried = _run_block(stmt.body, env, rules)


def read_counts(block, counts=None):
    """How often each var is read, nested blocks included."""
    counts = {} if counts is None else counts
    for stmt in block.stmts:
        for a in stmt_inputs(stmt):
            if isinstance(a, Var):
                counts[a] = counts.get(a, 0) + 1
        for sub in sub_blocks(stmt):
            read_counts(sub, counts)
    for a in block.results:
        if isinstance(a, Var):
            counts[a] = counts.get(a, 0) + 1
    return counts
