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

from dataclasses import dataclass, field, replace

from .atoms import Const, Var, is_const  # noqa: F401  (is_const: the IR's vocabulary)
from ..display import ShowsAsText
from ..rules import RULES


@dataclass(frozen=True)
class Eqn:
    outs: tuple
    prim: str
    args: tuple
    line: int = None

    @property
    def out(self):
        return self.outs[0]


@dataclass(frozen=True)
class Block:
    stmts: list
    results: tuple = ()


@dataclass(frozen=True)
class If:
    cond: object
    then: Block
    orelse: Block
    outs: tuple
    line: int = None


@dataclass(frozen=True)
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
    snapshots: object = None   # srcad.checkpointed(..., snapshots=k): k, an atom


@dataclass(frozen=True)
class While:
    carry_init: tuple
    carry_params: tuple
    cond: Block              # reads carry_params; results = (condition,)
    body: Block              # reads carry_params; results = new carried values
    outs: tuple
    line: int = None


@dataclass(frozen=True, repr=False)
class Function(ShowsAsText):
    """An IR function: `str()` and `repr()` print the v_i trace (srcad.lower's result)."""

    name: str
    params: tuple
    body: Block
    filename: str = "<srcad>"
    line: int = None
    source_lines: dict = field(default_factory=dict)   # line number -> user's source text
    param_names: tuple = None                          # the user's parameter names
    numpy_only: bool = False                           # NumPy calls, no math.* (api.as_numpy)

    def __str__(self):
        return format_function(self)

    def to_dot(self):
        """The computational graph as Graphviz text, as in the literature's figures."""
        return format_dot(self)


def sub_blocks(stmt):
    """The blocks a statement holds, in evaluation order."""
    if isinstance(stmt, Eqn):                # most statements: asked first
        return ()
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, For):
        return (stmt.body,)
    if isinstance(stmt, While):
        return (stmt.cond, stmt.body)
    return ()


def with_sub_blocks(stmt, fn):
    """`stmt` with `fn` applied to each block it holds, in sub_blocks' order (a new statement);
    a statement that holds no block is returned as it is."""
    if isinstance(stmt, If):
        return replace(stmt, then=fn(stmt.then), orelse=fn(stmt.orelse))
    if isinstance(stmt, For):
        return replace(stmt, body=fn(stmt.body))
    if isinstance(stmt, While):
        return replace(stmt, cond=fn(stmt.cond), body=fn(stmt.body))
    return stmt


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
    """Adds to `bound` what `block` binds and returns those vars: a statement's blocks see the
    vars bound before it and its block params, and drop theirs after it (one set, not a copy
    of it per statement, which made a long block quadratic)."""
    def read(atom):
        if isinstance(atom, Var) and atom not in bound:
            free[atom] = None
    added = []
    for stmt in block.stmts:
        for atom in stmt_inputs(stmt):
            read(atom)
        subs = sub_blocks(stmt)
        if subs:
            inner = [p for p in block_params(stmt) if p not in bound]
            bound.update(inner)
            for sub in subs:
                inner += _collect_free(sub, bound, free)
            bound.difference_update(inner)
        added += [o for o in stmt.outs if o not in bound]
        bound.update(stmt.outs)
    for atom in block.results:
        read(atom)
    return added


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


def walk_stmts(block):
    """Every statement in `block` and its nested blocks, in order (an explicit stack: nested
    generators would pass each statement up through every level of the nest)."""
    stack = [iter(block.stmts)]
    while stack:
        for stmt in stack[-1]:
            yield stmt
            if not isinstance(stmt, Eqn):        # its blocks next, then the statements after it
                stack.extend(iter(sub.stmts) for sub in reversed(sub_blocks(stmt)))
                break
        else:
            stack.pop()


def walk_eqns(block):
    """Every equation in `block` and its nested blocks, in order."""
    return (stmt for stmt in walk_stmts(block) if isinstance(stmt, Eqn))


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


# ----- printing --------------------------------------------------------------------------------
# Printing the IR as the evaluation trace of the AD literature, and as a Graphviz graph.
#
# Inputs are numbered v_{1-n} ... v_0 and intermediates v_1, v_2, ... in order of definition:
#
#     v-1 = x1
#     v0  = x2
#     v1  = log(v-1)
#     v2  = v-1 * v0
#     ...
#     y   = v5


class TraceNames:
    """v_i numbers for the vars of one function, in order of definition."""

    def __init__(self, fn):
        self.numbers = {}
        n = len(fn.params)
        for k, p in enumerate(fn.params):
            self.numbers[p] = k + 1 - n
        self.next = 1

    def __call__(self, atom):
        if isinstance(atom, Const):
            return atom.name or _format_const(atom.value)
        if atom not in self.numbers:
            self.numbers[atom] = self.next
            self.next += 1
        return f"v{self.numbers[atom]}"


def _format_const(value):
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "shape"):
        return f"<array {getattr(value, 'shape', '')}>"
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def format_function(fn):
    names = TraceNames(fn)
    lines = [f"def {fn.name}({', '.join(p.hint or '_' for p in fn.params)}):"]
    width = max([len(names(p)) for p in fn.params] + [3])
    for p in fn.params:
        lines.append(f"    {names(p):<{width}} = {p.hint}")
    lines += _block_lines(fn.body.stmts, names, 1)
    results = ", ".join(names(a) for a in fn.body.results)
    lines.append(f"    return {results}")
    return "\n".join(lines)


def format_eqn(eqn, names):
    rule = RULES.get(eqn.prim)
    args = [names(a) for a in eqn.args]
    if rule is not None and rule.symbol and len(args) == 2:
        rhs = f"{args[0]} {rule.symbol} {args[1]}"
    elif rule is not None and rule.symbol and len(args) == 1:
        rhs = f"{rule.symbol}{args[0]}" if rule.symbol != "not" else f"not {args[0]}"
    else:
        rhs = f"{eqn.prim}({', '.join(args)})"
    outs = ", ".join(names(o) for o in eqn.outs)
    return f"{outs} = {rhs}"


def _block_lines(stmts, names, depth):
    pad = "    " * depth
    lines = []
    for stmt in stmts:
        if isinstance(stmt, Eqn):
            text = format_eqn(stmt, names)
            hint = stmt.outs[0].hint if len(stmt.outs) == 1 else None
            lines.append(pad + text + (f"    # {hint}" if hint else ""))
        elif isinstance(stmt, If):
            lines += _if_lines(stmt, names, pad, depth)
        else:
            lines += _loop_lines(stmt, names, pad, depth)
    return lines


def _if_lines(stmt, names, pad, depth):
    outs = ", ".join(names(o) for o in stmt.outs)
    lines = [pad + f"{outs} = if {names(stmt.cond)}:" if outs else pad + f"if {names(stmt.cond)}:"]
    lines += _block_lines(stmt.then.stmts, names, depth + 1)
    lines.append(pad + "    yield " + ", ".join(names(a) for a in stmt.then.results))
    lines.append(pad + "else:")
    lines += _block_lines(stmt.orelse.stmts, names, depth + 1)
    lines.append(pad + "    yield " + ", ".join(names(a) for a in stmt.orelse.results))
    return lines


def _loop_lines(stmt, names, pad, depth):
    outs = ", ".join(names(o) for o in stmt.outs)
    carry = ", ".join(f"{names(p)} <- {names(i)}"
                      for p, i in zip(stmt.carry_params, stmt.carry_init))
    if isinstance(stmt, For):
        order = "reversed range" if stmt.reverse else "range"
        head = (f"for {names(stmt.index)} in {order}({names(stmt.start)}, {names(stmt.stop)}, "
                f"{names(stmt.step)}) carry ({carry}):")
        lines = [pad + (f"{outs} = " if outs else "") + head]
    else:
        lines = [pad + (f"{outs} = " if outs else "") + f"while carry ({carry}):"]
        lines += _block_lines(stmt.cond.stmts, names, depth + 1)
        lines.append(pad + f"    test {names(stmt.cond.results[0])}")
    lines += _block_lines(stmt.body.stmts, names, depth + 1)
    lines.append(pad + "    yield " + ", ".join(names(a) for a in stmt.body.results))
    return lines


def format_dot(fn):
    """Graphviz text for the computational graph of straight-line code (loops as boxes)."""
    names = TraceNames(fn)
    lines = ["digraph trace {", "  rankdir=LR;", '  node [shape=circle, fontname="Helvetica"];']
    for p in fn.params:
        lines.append(f'  "{names(p)}" [label="{names(p)}\\n{p.hint}", shape=box];')
    _dot_block(fn.body.stmts, names, lines)
    for a in fn.body.results:
        if isinstance(a, Var):
            lines.append(f'  "{names(a)}" -> "y";')
    lines.append('  "y" [shape=doublecircle];')
    lines.append("}")
    return "\n".join(lines)


def _dot_block(stmts, names, lines):
    for stmt in stmts:
        inputs = stmt.args if isinstance(stmt, Eqn) else _compound_inputs(stmt)
        label = stmt.prim if isinstance(stmt, Eqn) else type(stmt).__name__.lower()
        for out in stmt.outs:
            lines.append(f'  "{names(out)}" [label="{names(out)}\\n{label}"];')
            for a in inputs:
                if isinstance(a, Var):
                    lines.append(f'  "{names(a)}" -> "{names(out)}";')


def _compound_inputs(stmt):
    inputs = list(stmt_inputs(stmt))
    for sub in sub_blocks(stmt):
        inputs += free_vars(sub)
    return inputs
