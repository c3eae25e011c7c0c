"""Rebuilding the AST of a straight-line function from its bytecode.

A function typed at the interactive prompt or piped to `python -` has no source text that
Python keeps. For the common case — assignments and a return of arithmetic, calls, attribute
lookups and subscripts, no branches or loops — the bytecode says everything the source did,
and a symbolic run of it over a stack of AST nodes gives the statements back: the AST the
source would parse to. Anything else (a jump, an unknown instruction, a form that would not
come back as its source did) is refused, and the caller reports that the source is
unavailable, suggesting `source=`.

The stack holds expressions, not values, so an expression is read when its statement runs.
Two forms store while the stack still holds such expressions, and each becomes one statement
again, so that every value is read before any name changes, as in Python:

- a multiple assignment (`x, y = y, x`, `a, b = step(a, b)`): the stores that empty the stack
  are gathered into one `targets = values` (CPython stores a 2- or 3-tuple right to left and
  may SWAP; the order the values were pushed in is the source order);
- an augmented assignment (`y += 1`: BINARY_OP `+=` then a store to y) is `y += 1` again, not
  `y = y + 1`, so that lowering sees the in-place update (and refuses it on an alias).
"""

import ast
import dis
import inspect

from .syntax import fix_missing_locations

_BINARY = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "**": ast.Pow,
           "@": ast.MatMult, "%": ast.Mod, "//": ast.FloorDiv}
_OLD_BINARY = {"BINARY_ADD": "+", "BINARY_SUBTRACT": "-", "BINARY_MULTIPLY": "*",
               "BINARY_TRUE_DIVIDE": "/", "BINARY_POWER": "**", "BINARY_MATRIX_MULTIPLY": "@",
               "BINARY_MODULO": "%", "BINARY_FLOOR_DIVIDE": "//"}
_COMPARE = {"<": ast.Lt, ">": ast.Gt, "<=": ast.LtE, ">=": ast.GtE, "==": ast.Eq,
            "!=": ast.NotEq}
_IGNORED = {"RESUME", "NOP", "CACHE", "PRECALL", "COPY_FREE_VARS", "MAKE_CELL",
            "EXTENDED_ARG"}
_NULL = object()


class CannotDecompile(Exception):
    """The bytecode has a form this module does not rebuild (control flow, ...)."""


class _Item:
    """Item k of n of an unpacked value (UNPACK_SEQUENCE), until a store names it."""

    def __init__(self, source, k, n):
        self.source, self.k, self.n = source, k, n


def function_ast(fn):
    """An ast.FunctionDef equivalent to `fn`, or raise CannotDecompile."""
    code = fn.__code__
    run = _Run(code)
    for ins in dis.get_instructions(code):
        run.step(ins)
    if not run.returned:
        raise CannotDecompile("no return statement")
    args = ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in
                                               code.co_varnames[:code.co_argcount]],
                         vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                         defaults=[ast.Constant(d) for d in (fn.__defaults__ or ())])
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_kwonlyargcount:
        raise CannotDecompile("*args, **kwargs or keyword-only parameters")
    name = fn.__name__ if fn.__name__.isidentifier() else "f"
    node = ast.FunctionDef(name, args, run.body, [], None, lineno=code.co_firstlineno,
                           col_offset=0)
    if "type_params" in ast.FunctionDef._fields:     # Python 3.12+: what ast.parse gives
        node.type_params = []
    return fix_missing_locations(node)


class _Run:
    """The symbolic run: a stack of AST expressions and the statements made so far."""

    def __init__(self, code):
        self.code = code
        self.stack = []
        self.body = []
        self.kw_names = ()
        self.returned = False
        self.line = code.co_firstlineno
        self.pushed = 0
        self.order = {}              # id of a pushed node -> when it was pushed
        self.stores = []             # (name, value) of a multiple assignment so far

    def step(self, ins):
        if ins.positions is not None and ins.positions.lineno is not None:
            self.line = ins.positions.lineno
        if ins.opname in _IGNORED:
            return
        if self.returned:
            raise CannotDecompile("code after the return")
        handler = getattr(self, "op_" + ins.opname, None)
        if handler is None and ins.opname in _OLD_BINARY:
            return self.binary(_OLD_BINARY[ins.opname])
        if handler is None:
            raise CannotDecompile(f"the instruction {ins.opname}")
        handler(ins)

    def push(self, node):
        if isinstance(node, ast.AST):
            ast.copy_location(node, ast.Name("_", lineno=self.line, col_offset=0))
            node.end_lineno, node.end_col_offset = self.line, 0
        self.pushed += 1
        self.order[id(node)] = self.pushed      # the source order of a multiple assignment
        self.stack.append(node)

    def pop(self, n=None):
        if n is None:
            return self._expression(self._pop_value())
        items = [self._expression(self._pop_value()) for _ in range(n)]
        return items[::-1]

    def _expression(self, value):
        """A popped value that an operation reads: an expression, never an unpacked item or
        an in-place operation's result (a store alone takes those)."""
        if isinstance(value, _Item) or getattr(value, "inplace", False):
            raise CannotDecompile("an unpacked value or in-place result read by an operation")
        return value

    def _pop_value(self):
        value = self.stack.pop()
        while value is _NULL:
            value = self.stack.pop()
        return value

    def _stack_empty(self):
        return all(v is _NULL for v in self.stack)

    def statement(self, node):
        node.lineno, node.col_offset = self.line, 0
        node.end_lineno, node.end_col_offset = self.line, 0
        self.body.append(node)

    # ----- loads ----------------------------------------------------------------------------
    def op_LOAD_FAST(self, ins):
        self.push(ast.Name(ins.argval, ast.Load()))

    op_LOAD_FAST_CHECK = op_LOAD_DEREF = op_LOAD_CLOSURE = op_LOAD_NAME = op_LOAD_FAST

    def op_LOAD_FAST_LOAD_FAST(self, ins):
        for name in ins.argval:
            self.push(ast.Name(name, ast.Load()))

    def op_LOAD_GLOBAL(self, ins):
        with_null = ins.argrepr.startswith("NULL + ")
        if with_null:
            self.stack.append(_NULL)
        self.push(ast.Name(ins.argval, ast.Load()))
        if ins.argrepr.endswith(" + NULL"):
            self.stack.append(_NULL)

    def op_LOAD_CONST(self, ins):
        self.push(ast.Constant(ins.argval))

    def op_LOAD_ATTR(self, ins):
        self.push(ast.Attribute(self.pop(), ins.argval, ast.Load()))

    op_LOAD_METHOD = op_LOAD_ATTR

    def op_PUSH_NULL(self, ins):
        self.stack.append(_NULL)

    # ----- stores and returns ---------------------------------------------------------------
    def op_STORE_FAST(self, ins):
        self.store(ins.argval, self._pop_value())

    def op_STORE_FAST_STORE_FAST(self, ins):
        for name in ins.argval:
            self.store(name, self._pop_value())

    def store(self, name, value):
        """A store: one statement, or part of a multiple assignment while values remain."""
        self.stores.append((name, value))
        if not self._stack_empty():
            return
        stores, self.stores = self.stores, []
        if len(stores) == 1 and not isinstance(value, _Item):
            return self.statement(_single(name, value))
        self.statement(self.multiple(stores))

    def multiple(self, stores):
        """`a, b = e0, e1` or `a, b = e` from the stores that emptied the stack."""
        values = [v for _, v in stores]
        if any(getattr(v, "inplace", False) for v in values):
            raise CannotDecompile("an in-place operation in a multiple assignment")
        if all(isinstance(v, _Item) for v in values):
            source = values[0].source
            if not all(v.source is source and v.n == len(stores) for v in values) or \
                    sorted(v.k for v in values) != list(range(len(stores))):
                raise CannotDecompile("a nested or partial unpacking")
            stores = sorted(stores, key=lambda s: s[1].k)
            value = source
        elif any(isinstance(v, _Item) for v in values):
            raise CannotDecompile("an unpacking mixed with other values")
        else:
            stores = sorted(stores, key=lambda s: self.order[id(s[1])])
            value = ast.Tuple([v for _, v in stores], ast.Load())
        targets = ast.Tuple([ast.Name(n, ast.Store()) for n, _ in stores], ast.Store())
        return ast.Assign([targets], value)

    def op_RETURN_VALUE(self, ins):
        self.statement(ast.Return(self.pop()))
        self.returned = True

    def op_RETURN_CONST(self, ins):
        self.statement(ast.Return(ast.Constant(ins.argval)))
        self.returned = True

    def op_UNPACK_SEQUENCE(self, ins):
        value = self.pop()
        for k in reversed(range(ins.argval)):
            self.push(_Item(value, k, ins.argval))

    def op_SWAP(self, ins):
        self.stack[-1], self.stack[-ins.arg] = self.stack[-ins.arg], self.stack[-1]

    # ----- operators ------------------------------------------------------------------------
    def op_BINARY_OP(self, ins):
        inplace = ins.argrepr.endswith("=")
        symbol = ins.argrepr[:-1] if inplace else ins.argrepr
        if symbol not in _BINARY:
            raise CannotDecompile(f"the operator {ins.argrepr}")
        self.binary(symbol, inplace)

    def binary(self, symbol, inplace=False):
        left, right = self.pop(2)
        node = ast.BinOp(left, _BINARY[symbol](), right)
        node.inplace = inplace       # `left op= right`: only a store to left may take it
        self.push(node)

    def op_UNARY_NEGATIVE(self, ins):
        self.push(ast.UnaryOp(ast.USub(), self.pop()))

    def op_UNARY_NOT(self, ins):
        self.push(ast.UnaryOp(ast.Not(), self.pop()))

    def op_COMPARE_OP(self, ins):
        left, right = self.pop(2)
        symbol = ins.argrepr.replace("bool(", "").rstrip(")")
        if symbol not in _COMPARE:
            raise CannotDecompile(f"the comparison {ins.argrepr}")
        self.push(ast.Compare(left, [_COMPARE[symbol]()], [right]))

    def op_BINARY_SUBSCR(self, ins):
        value, index = self.pop(2)
        self.push(ast.Subscript(value, index, ast.Load()))

    def op_BUILD_TUPLE(self, ins):
        self.push(ast.Tuple(self.pop(ins.argval), ast.Load()))

    def op_BUILD_LIST(self, ins):
        self.push(ast.List(self.pop(ins.argval), ast.Load()))

    def op_BINARY_SLICE(self, ins):
        """Python 3.12+: `x[a:b]` is one instruction (a slice with a step is BUILD_SLICE)."""
        value, start, stop = self.pop(3)
        parts = [None if isinstance(p, ast.Constant) and p.value is None else p
                 for p in (start, stop)]
        self.push(ast.Subscript(value, ast.Slice(*parts), ast.Load()))

    def op_BUILD_SLICE(self, ins):
        parts = self.pop(ins.argval)
        parts = [None if isinstance(p, ast.Constant) and p.value is None else p for p in parts]
        self.push(ast.Slice(*parts))

    # ----- calls ----------------------------------------------------------------------------
    def op_KW_NAMES(self, ins):
        self.kw_names = self.code.co_consts[ins.arg]

    def op_CALL(self, ins):
        self.call(ins.argval, self.kw_names)
        self.kw_names = ()

    op_CALL_FUNCTION = op_CALL_METHOD = op_CALL

    def op_CALL_KW(self, ins):
        names = self.pop().value
        self.call(ins.argval, names)

    def op_CALL_FUNCTION_KW(self, ins):
        names = self.pop().value
        self.call(ins.argval, names)

    def call(self, argc, kw_names):
        args = self.pop(argc) if argc else []
        func = self.pop()
        split = len(args) - len(kw_names)
        keywords = [ast.keyword(k, v) for k, v in zip(kw_names, args[split:])]
        self.push(ast.Call(func, args[:split], keywords))


def _single(name, value):
    """`name = value`, or `name op= right` where value is the in-place `name op right`."""
    if getattr(value, "inplace", False):
        if not (isinstance(value.left, ast.Name) and value.left.id == name):
            raise CannotDecompile("an in-place operation stored under another name")
        return ast.AugAssign(ast.Name(name, ast.Store()), value.op, value.right)
    return ast.Assign([ast.Name(name, ast.Store())], value)


__all__ = ["function_ast", "CannotDecompile"]
