"""How one equation is spelled as a Python expression: the `ast` node of the syntax form its
rule names (`binop`, `call`, `runtime`, `subscript`, ...), constants as literals where they
are plain values and as named globals of the generated code otherwise. The writer
(srcad/codegen/writer.py) prints the node with `ast.unparse`, so precedence and parentheses are
always right."""

import ast
import math

import numpy as np

from .. import runtime
from ..ir.nodes import Const
from ..naming import LITERAL_TYPES, is_identifier, is_literal
from ..rules import RULES

BINOPS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "**": ast.Pow,
          "@": ast.MatMult, "%": ast.Mod, "//": ast.FloorDiv}
# np.sum(x, ...) of a NumPy array (or scalar) is x.sum(...): NumPy calls the method for any
# type but ndarray, and for ndarray both reach the same reduction, the method through fewer
# Python calls (np.sum's dispatch and _wrapreduction), as a hand-written gradient spells it
METHOD_REDUCTIONS = frozenset({"sum", "mean"})
_UNARY = {"-": ast.USub, "+": ast.UAdd, "not": ast.Not, "~": ast.Invert}
_COMPARE = {">": ast.Gt, "<": ast.Lt, ">=": ast.GtE, "<=": ast.LtE, "==": ast.Eq,
            "!=": ast.NotEq, "is": ast.Is, "is not": ast.IsNot, "in": ast.In}


class Spelling:
    """The expressions of one generated function. `expr` turns an atom into its expression
    (the writer's: a pending single-use temporary is inlined there); `namespace` is the
    generated code's globals, which the helpers and constants it names are added to."""

    def __init__(self, expr, namer, namespace, plan, numpy_only):
        self.expr = expr
        self.namer = namer
        self.namespace = namespace
        self.plan = plan             # which index tuples are written in the subscript
        self.numpy_only = numpy_only

    def constant(self, const):       # a literal only for exactly the plain types: see _literal
        v = const.value
        if type(v) is float and not math.isfinite(v):
            text = "np.nan" if math.isnan(v) else ("np.inf" if v > 0 else "-np.inf")
            return ast.parse(text, mode="eval").body
        if type(v) in (int, float) and math.copysign(1, v) < 0:
            # -(0.7) as a unary minus, so unparse parenthesises it: (-0.7) ** 2, not -0.7 ** 2
            return ast.UnaryOp(ast.USub(), ast.Constant(-v))
        if type(v) in LITERAL_TYPES:
            return ast.Constant(v)
        if type(v) is tuple and all(is_literal(x) for x in v):
            return ast.Tuple([self.constant(Const(x)) for x in v], ast.Load())
        if type(v) is slice and all(is_literal(p) for p in (v.start, v.stop, v.step)):
            return ast.Call(ast.Name("slice", ast.Load()),
                            [self.constant(Const(p)) for p in (v.start, v.stop, v.step)], [])
        return ast.Name(self.global_name(const), ast.Load())

    def global_name(self, const):
        for name, value in self.namespace.items():
            if value is const.value:
                return name
        name = self.namer.fresh(const.name or "c")
        self.namespace[name] = const.value
        return name

    def call(self, eqn):
        rule = RULES[eqn.prim]
        args = [self.expr(a) for a in eqn.args]
        form, *detail = rule.syntax
        builder = getattr(self, "syntax_" + form)
        return builder(rule, eqn, args, *detail)

    def subscript_index(self, atom, node):
        """The index of a subscript as written: `x[:, t, :]`, `x[1:]`, `x[i, j]`."""
        if atom in self.plan.indices:
            node = ast.Tuple([self.subscript_index(a, self.index_part(a))
                              for a in self.plan.defs[atom].args], ast.Load())
        if isinstance(node, ast.Tuple):        # x[:, t, :], not x[slice(None, None, None), ..]
            return ast.Tuple([_as_slice(e) for e in node.elts], ast.Load())
        if isinstance(atom, Const) and is_literal(atom.value) and type(atom.value) is slice:
            v = atom.value
            return ast.Slice(*[None if p is None else self.constant(Const(p))
                               for p in (v.start, v.stop, v.step)])
        if isinstance(atom, Const) and type(atom.value) is tuple and \
                all(is_literal(x) for x in atom.value):
            return ast.Tuple([self.subscript_index(Const(x), self.constant(Const(x)))
                              for x in atom.value], ast.Load())
        return node

    def index_part(self, atom):
        """An item of an index tuple written in the subscript, its slice and arithmetic
        (plan.index_parts) written out there too."""
        if atom not in self.plan.index_parts:
            return self.expr(atom)
        eqn = self.plan.defs[atom]
        rule = RULES[eqn.prim]
        form, *detail = rule.syntax
        args = [self.index_part(a) for a in eqn.args]
        return getattr(self, "syntax_" + form)(rule, eqn, args, *detail)

    def syntax_call(self, rule, eqn, args, dotted):
        if rule.math and not self.numpy_only and all(a.kind.is_scalar for a in eqn.args):
            dotted = rule.math
        positional, keywords = self.split_args(rule, eqn, args)
        if rule.name in METHOD_REDUCTIONS and dotted == "np." + rule.name and \
                eqn.args[0].kind.is_array and eqn.args[0].kind.lib is None:
            return ast.Call(ast.Attribute(positional[0], rule.name, ast.Load()),
                            positional[1:], keywords)
        return ast.Call(ast.parse(dotted, mode="eval").body, positional, keywords)

    def syntax_template(self, rule, eqn, args, template):
        """An expression written out in full, its argument names standing for the arguments."""
        if rule.math and not self.numpy_only and all(a.kind.is_scalar for a in eqn.args):
            template = rule.math
        by_name = dict(zip(rule.arg_names, args))

        class Substitute(ast.NodeTransformer):
            def visit_Name(self, node):
                return by_name.get(node.id, node)

        return Substitute().visit(ast.parse(template, mode="eval").body)

    def syntax_runtime(self, rule, eqn, args, name):
        self.namespace[name] = getattr(runtime, name, None) or rule.impl
        positional, keywords = self.split_args(rule, eqn, args)
        return ast.Call(ast.Name(name, ast.Load()), positional, keywords)

    def syntax_impl(self, rule, eqn, args, name):
        self.namespace[name] = rule.impl
        positional, keywords = self.split_args(rule, eqn, args)
        return ast.Call(ast.Name(name, ast.Load()), positional, keywords)

    def split_args(self, rule, eqn, args):
        if rule.variadic or not rule.defaults:
            return args, []
        positional, keywords = [], []
        for name, atom, node in zip(rule.arg_names, eqn.args, args):
            if name not in rule.defaults:
                positional.append(node)
            elif not (isinstance(atom, Const) and _same(atom.value, rule.defaults[name])):
                keywords.append(ast.keyword(name, node))
        return positional, keywords

    def syntax_binop(self, rule, eqn, args, symbol):
        return ast.BinOp(args[0], BINOPS[symbol](), args[1])

    def syntax_unary(self, rule, eqn, args, symbol):
        return ast.UnaryOp(_UNARY[symbol](), args[0])

    def syntax_compare(self, rule, eqn, args, symbol):
        if symbol == "in":
            return ast.Compare(args[1], [ast.In()], [args[0]])
        return ast.Compare(args[0], [_COMPARE[symbol]()], [args[1]])

    def syntax_subscript(self, rule, eqn, args):
        return ast.Subscript(args[0], self.subscript_index(eqn.args[1], args[1]), ast.Load())

    def syntax_attr(self, rule, eqn, args, name):
        if not eqn.args[0].kind.is_array:      # a float or a list: np.shape(x), np.size(x)
            return ast.Call(ast.parse(f"np.{name}", mode="eval").body, args[:1], [])
        return ast.Attribute(args[0], name, ast.Load())

    def syntax_transpose(self, rule, eqn, args):
        if isinstance(eqn.args[1], Const) and eqn.args[1].value is None and \
                eqn.args[0].kind.is_array:
            return ast.Attribute(args[0], "T", ast.Load())
        return ast.Call(ast.parse("np.transpose", mode="eval").body, args, [])

    def syntax_method(self, rule, eqn, args, name):
        receiver = args[0]
        if rule.name == "astype" and not eqn.args[0].kind.is_array:   # a number: no .astype
            receiver = ast.Call(ast.parse("np.asarray", mode="eval").body, [receiver], [])
        positional, keywords = self.split_args(rule, eqn, args)
        return ast.Call(ast.Attribute(receiver, name, ast.Load()), positional[1:], keywords)

    def syntax_callee(self, rule, eqn, args):
        return ast.Call(args[0], args[1:], [])

    def syntax_called(self, rule, eqn, args):
        """`fn(a, b, scale=c)` for (the call site, fn, a, b, c): a run-time call reads as
        written, its keyword arguments last (the site's `keywords` names them)."""
        names = getattr(eqn.args[0].value, "keywords", ())
        split = len(args) - len(names)
        return ast.Call(args[1], args[2:split],
                        [ast.keyword(k, v) for k, v in zip(names, args[split:])])

    def syntax_identity(self, rule, eqn, args):
        return args[0]

    def syntax_dict(self, rule, eqn, args):
        keys = [self.constant(Const(k)) for k in eqn.args[0].value]
        return ast.Dict(keys, args[1:])

    def syntax_getattr(self, rule, eqn, args):
        name = getattr(eqn.args[1], "value", None)    # None: a name computed at run time
        return ast.Attribute(args[0], name, ast.Load()) if is_identifier(name) else \
            ast.Call(ast.Name("getattr", ast.Load()), [args[0], args[1]], [])

    def syntax_tuple(self, rule, eqn, args):
        return ast.Tuple(args, ast.Load())

    def syntax_list(self, rule, eqn, args):
        return ast.List(args, ast.Load())

    def syntax_slice(self, rule, eqn, args):
        return ast.Call(ast.Name("slice", ast.Load()), args, [])


def _as_slice(node):
    """`slice(a, b, c)` written in an index as `a:b:c`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "slice" and not node.keywords and 1 <= len(node.args) <= 3:
        parts = node.args if len(node.args) > 1 else [ast.Constant(None)] + node.args
        parts = [None if isinstance(p, ast.Constant) and p.value is None else p
                 for p in parts + [ast.Constant(None)] * (3 - len(parts))]
        return ast.Slice(*parts)
    return node


def _same(a, b):
    return type(a) is type(b) and a == b if not isinstance(a, np.ndarray) else False
