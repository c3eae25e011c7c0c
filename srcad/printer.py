"""Printing the IR as the evaluation trace of the AD literature, and as a Graphviz graph.

Inputs are numbered v_{1-n} ... v_0 and intermediates v_1, v_2, ... in order of definition:

    v-1 = x1
    v0  = x2
    v1  = log(v-1)
    v2  = v-1 * v0
    ...
    y   = v5
"""

from .ir import Const, Eqn, For, If, Var, While


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
    from .rules import RULES
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
    from .ir import free_vars, sub_blocks, stmt_inputs
    inputs = list(stmt_inputs(stmt))
    for sub in sub_blocks(stmt):
        inputs += free_vars(sub)
    return inputs


__all__ = ["format_function", "format_dot", "format_eqn", "TraceNames", "While"]
