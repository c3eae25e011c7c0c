"""The operators of a lowered expression: arithmetic in Python's order (without recursion, so
a 1000-term sum lowers like a short one), comparisons (chained ones as `and`), `and`/`or` with
Python's short circuit, and `x if c else y`, the last two as an `If` where the test is known
only at run time."""

import ast

from .. import kinds as K
from ..ir.builder import Builder
from ..ir.nodes import Block, Const, If, Var
from . import made_operators
from .dispatch import NOT_MINE
from .stores import same_object
from ..frontend.syntax import fix_missing_locations, operations_in_order
from .values import StaticSeq

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul", ast.Mod: "mod", ast.FloorDiv: "floor_divide"}
_COMPARE = {ast.Gt: "gt", ast.Lt: "lt", ast.GtE: "ge", ast.LtE: "le", ast.Eq: "eq",
            ast.NotEq: "ne", ast.Is: "is_", ast.IsNot: "is_not", ast.In: "contains"}
_UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Not: "not_", ast.Invert: "invert"}
_SEQUENCE_OPS = {"add": "seq_concat"}       # `xs + ys` joins two lists (or two tuples)


class Operators:
    """The operator expressions of the lowering that holds it (its `operators`)."""

    def __init__(self, lowering):
        self.lowering = lowering

    def expr_BinOp(self, node, env, builder):
        """Arithmetic in Python's order, without recursion: a 1000-term sum (code generators
        write them) or a right-deep power tower `x ** x ** ...` lowers like a short one."""
        lw = self.lowering
        values = []
        for item in operations_in_order(node, (ast.BinOp, ast.UnaryOp)):
            if isinstance(item, ast.BinOp):
                values[-2:] = [self.binop(item, *values[-2:], builder)]
            elif isinstance(item, ast.UnaryOp):
                prim = self.operator(_UNARY, item)
                made = made_operators.unary(lw, item, prim, values[-1], builder)
                values[-1] = made if made is not NOT_MINE else \
                    lw.emit(prim, [lw.atom(values[-1], builder, item)], builder, item)
            else:
                values.append(lw.expr(item, env, builder))
        return values[0]

    expr_UnaryOp = expr_BinOp

    def binop(self, node, left, right, builder):
        lw = self.lowering
        prim = self.operator(_BINOPS, node)
        if (made := made_operators.binary(lw, node, prim, left, right, builder)) is not NOT_MINE:
            return made                   # `a + b` of objects made here: their __add__
        if isinstance(left, StaticSeq) and isinstance(right, StaticSeq) and prim == "add":
            return StaticSeq(left.items + right.items, left.tag)
        if prim == "mul" and (_repeats(left, right) or _repeats(right, left)):
            seq, times = (left, right) if isinstance(left, StaticSeq) else (right, left)
            return StaticSeq(seq.items * times.value, seq.tag)       # [0.0] * 3
        atoms = [lw.atom(left, builder, node), lw.atom(right, builder, node)]
        if any(a.kind.is_array for a in atoms):   # `X @ w`, `w + X` of a list X: the array's
            atoms = [lw.emit("array", [a, Const(None)], builder, node)   # operator converts X
                     if a.kind.tag in ("list", "tuple") else a for a in atoms]
        if any(a.kind.tag in ("list", "tuple") for a in atoms):
            prim = _SEQUENCE_OPS.get(prim) or lw.refuse(node, (
                f"the operator {type(node.op).__name__} on a list or tuple whose length is "
                "known only at run time; build the list in a loop (`xs = []`, `xs.append(v)`)"))
        return lw.emit(prim, atoms, builder, node)

    def operator(self, table, node):
        return table.get(type(node.op)) or self.lowering.refuse(
            node, f"the operator {type(node.op).__name__}")

    def expr_Compare(self, node, env, builder):
        lw = self.lowering
        if len(node.ops) > 1:
            parts = [ast.Compare(left, [op], [r]) for left, op, r in
                     zip([node.left] + node.comparators[:-1], node.ops, node.comparators)]
            chained = ast.BoolOp(ast.And(), parts)
            return lw.expr(fix_missing_locations(ast.copy_location(chained, node)),
                           env, builder)
        op = node.ops[0]
        left = lw.atom(lw.expr(node.left, env, builder), builder, node)
        right = lw.atom(lw.expr(node.comparators[0], env, builder), builder, node)
        if isinstance(op, ast.NotIn):
            return lw.emit("not_", [lw.emit("contains", [right, left], builder, node)],
                           builder, node)
        if isinstance(op, ast.In):
            return lw.emit("contains", [right, left], builder, node)
        return lw.emit(_COMPARE[type(op)], [left, right], builder, node)

    def expr_BoolOp(self, node, env, builder):
        """`a and b` / `a or b` with Python's short-circuit semantics, as an if."""
        lw = self.lowering
        result = lw.expr(node.values[0], env, builder)
        for operand in node.values[1:]:
            result = self.short_circuit(node, result, operand, env, builder)
        return result

    def short_circuit(self, node, first, operand, env, builder):
        lw = self.lowering
        first = lw.atom(first, builder, node)
        truth = lw.expressions.condition_of(first, builder, node)
        is_and = isinstance(node.op, ast.And)
        if isinstance(truth, Const):
            return lw.expr(operand, env, builder) if bool(truth.value) == is_and else first
        other_builder = Builder(node.lineno, facts=builder.facts)
        other = lw.atom(lw.expr(operand, dict(env), other_builder), other_builder, node)
        taken = Block(other_builder.stmts, (other,))
        kept = Block([], (first,))
        out = Var(None, K.join(first.kind, other.kind))
        then, orelse = (taken, kept) if is_and else (kept, taken)
        builder.append(If(truth, then, orelse, (out,), node.lineno))
        lw.may_be(out, (first, other))
        return out

    def expr_IfExp(self, node, env, builder):
        lw = self.lowering
        cond = lw.expressions.condition(node.test, env, builder)
        if isinstance(cond, Const):
            return lw.expr(node.body if cond.value else node.orelse, env, builder)
        blocks, objects = [], []
        for branch in (node.body, node.orelse):
            b = Builder(node.lineno, facts=builder.facts)
            value = lw.expr(branch, dict(env), b)
            blocks.append(Block(b.stmts, (lw.atom(value, b, node),)))
            objects.append(same_object(value, blocks[-1].results[0]))
        out = Var(None, K.join(blocks[0].results[0].kind, blocks[1].results[0].kind))
        builder.append(If(cond, blocks[0], blocks[1], (out,), node.lineno))
        lw.may_be(out, objects)
        return out


def _repeats(seq, times):
    """`seq * times` repeats a list or tuple literal a number of times known now."""
    return isinstance(seq, StaticSeq) and isinstance(times, Const) and \
        isinstance(times.value, int) and not isinstance(times.value, bool)
