"""Reading a function's source: the AST node, its file and lines, and the names it can see.

The whole file is parsed (through `linecache`, so notebook cells and registered sources work)
and the function is found by its code object's name and first line; a lambda is found among
the lambdas on its line by the code object's column positions. Line numbers in the AST are the
file's own, so every error and `# line N` comment points at the user's source.
"""

import ast
import builtins
import inspect
import linecache
import textwrap
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache

from . import syntax
from .decompile import CannotDecompile, function_ast
from ..errors import SourceUnavailableError, UnsupportedSyntaxError
from .live import cell_origin, global_origin
from .signature import signature_of


@dataclass
class Parsed:
    """A function's AST with everything needed to resolve its names."""

    node: ast.AST                       # ast.FunctionDef or ast.Lambda
    name: str
    filename: str
    globals: dict
    closure: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)     # line number -> source text
    signature: inspect.Signature = None
    function: object = None             # the function object: its own defaults, cells
    local_defaults: dict = None         # a nested def's defaults, lowered where it is defined
    cells: dict = field(default_factory=dict)     # closure name -> its cell

    def lookup(self, name):
        """Resolve a free name: closure, then globals, then builtins. Raises KeyError."""
        if name in self.closure:
            return self.closure[name]
        if name in self.globals:
            return self.globals[name]
        table = self.globals.get("__builtins__", builtins)
        table = table if isinstance(table, dict) else vars(table)
        return table[name]

    def origin(self, name):
        """Where the free name `name` is read when the function runs (live.Origin), or None
        for a builtin; raises KeyError when it is not defined."""
        if name in self.cells:
            if name not in self.closure:        # a closure variable not assigned yet
                raise KeyError(name)
            return cell_origin(self.cells[name], name)
        if name in self.globals:
            return global_origin(self.globals, name)
        self.lookup(name)
        return None


def parse(fn, source=None):
    """Parse `fn` (a Python function or lambda). `source` overrides the text for REPL code."""
    found = _located(fn, source)
    if isinstance(found, Parsed):
        return found
    node, offset, text = found
    return Parsed(node=node, name=fn.__name__, filename=fn.__code__.co_filename,
                  globals=fn.__globals__, closure=_closure_values(fn),
                  lines=_numbered_lines(text, offset), signature=signature_of(fn),
                  function=fn, cells=_cells(fn))


def definition(fn):
    """`parse(fn).node`, refused as parse refuses it, without the rest of what a lowering of
    fn reads (its signature, the values of its closure): lowering asks at every call site of
    a function what its def changes, and parse's signature was most of that."""
    found = _located(fn, None)
    return found.node if isinstance(found, Parsed) else found[0]


def _located(fn, source):
    """(the def node of fn, the line offset, the text holding it), or a Parsed rebuilt from
    fn's bytecode where there is no text; refused where there is neither."""
    if inspect.ismethod(fn) and inspect.isfunction(fn.__func__):
        raise SourceUnavailableError(
            f"{fn.__qualname__} is a bound method: srcad.grad handles those; to lower it, "
            "pass the function (type(obj).method) and the object as an argument",
            construct=fn.__qualname__)
    if not inspect.isfunction(fn):
        what = getattr(fn, "__name__", type(fn).__name__)
        raise SourceUnavailableError(
            f"cannot read the source of {what!r}: srcad differentiates Python functions it can "
            "read; for a builtin or library function register a rule with "
            "srcad.extend.defprimitive",
            construct=what)
    code = fn.__code__
    filename = code.co_filename
    if source is None:
        linecache.checkcache(filename)      # a file edited and reloaded: read it afresh
    text = source if source is not None else "".join(linecache.getlines(filename))
    if not text:
        rebuilt = _from_bytecode(fn)
        if rebuilt is not None:
            return _check_nesting(rebuilt)
        raise SourceUnavailableError(
            f"the source of {fn.__qualname__} is not available (defined in {filename}); "
            "pass it as srcad.grad(f, source='def f(...): ...') or define f in a file",
            filename=filename, line=code.co_firstlineno, construct=fn.__qualname__)
    node, offset = _find_node(text, code, source is not None)
    _nesting_checked(node, filename)
    return node, offset, text


_MAX_NESTING = 220     # the transforms recurse over nested blocks, a few frames per level


def _check_nesting(parsed):
    _nesting_checked(parsed.node, parsed.filename)
    return parsed


@lru_cache(maxsize=256)
def _nesting_checked(node, filename):
    """Refuse, at the deepest line, statements nested deeper than srcad's transforms go: an
    `if`/`elif` chain of hundreds of branches (Python compiles about a thousand). Once per
    node of a cached module tree (a helper's source is read at each of its call sites); a
    refusal is raised again each time (lru_cache keeps no exception)."""
    levels, where = syntax.nesting(node)
    if levels > _MAX_NESTING:
        raise UnsupportedSyntaxError(
            f"statements nested {levels} levels deep (each elif, and each `a if c else ...`, "
            f"is one level deeper); srcad handles up to {_MAX_NESTING}: split the chain, or "
            "choose among the cases with a table of functions or np.select",
            filename=filename, line=getattr(where, "lineno", None),
            construct=type(where).__name__)


def _from_bytecode(fn):
    """Parsed for a function without source text (REPL, `python -`), rebuilt from its
    bytecode when it is straight-line code; None otherwise."""
    try:
        node = function_ast(fn)
    except CannotDecompile:
        return None
    lines = {stmt.lineno: syntax.unparse(stmt) for stmt in node.body}
    return Parsed(node=node, name=fn.__name__, filename=fn.__code__.co_filename,
                  globals=fn.__globals__, closure=_closure_values(fn), lines=lines,
                  signature=signature_of(fn), function=fn, cells=_cells(fn))


def _cells(fn):
    return dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))


def _closure_values(fn):
    cells = fn.__closure__ or ()
    values = {}
    for name, cell in zip(fn.__code__.co_freevars, cells):
        try:
            values[name] = cell.cell_contents
        except ValueError:          # a closure variable not assigned yet
            pass
    return values


@lru_cache(maxsize=256)
def _find_node(text, code, from_user_source):
    """The FunctionDef or Lambda node of the code object in `text`, and the line offset
    applied to it; once per text and code object (a helper is read at each call site)."""
    try:
        tree = _module_tree(text)
        offset = 0
    except SyntaxError:
        tree = ast.parse(textwrap.dedent(inspect.getsource(code)))
        offset = code.co_firstlineno - 1
        ast.increment_lineno(tree, offset)
    first = code.co_firstlineno if not from_user_source else None
    if code.co_name == "<lambda>":         # the def's own name: __name__ may be reassigned
        return _find_lambda(tree, code, first), offset
    for node in _definitions(tree).get(code.co_name, ()):
        starts = [node.lineno] + [d.lineno for d in node.decorator_list]
        if first is None or first in starts:
            _refuse_async(node, code.co_filename)
            return node, offset
    raise SourceUnavailableError(
        f"could not find the definition of {code.co_qualname} in {code.co_filename}",
        filename=code.co_filename, line=code.co_firstlineno, construct=code.co_qualname)


@lru_cache(maxsize=32)
def _definitions(tree):
    """Function name -> the (async) defs of that name in `tree`, in ast.walk's order. A def is
    a statement: only statements (and the except and case clauses holding them) are visited,
    breadth first as ast.walk goes, not every expression of the module (most of a first call
    that parsed a long file)."""
    found, todo = {}, deque([tree])
    while todo:
        node = todo.popleft()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.setdefault(node.name, []).append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, _HOLDS_STATEMENTS))
    return found


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


@lru_cache(maxsize=32)
def _numbered_lines(text, offset):
    """Line number -> source text (shared by the functions of one text: only read)."""
    return dict(enumerate(text.splitlines(), start=1 + offset))


@lru_cache(maxsize=32)
def _module_tree(text):
    """The module's syntax tree, parsed once per text: lowering reads the source of every
    helper at every call site (the LSTM's three calls of one sigmoid), and parsing the whole
    file each time was a third of a first call. The tree is only read, never changed."""
    return ast.parse(text)


def _refuse_async(node, filename):
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedSyntaxError(
            "async functions cannot be differentiated; write a plain def",
            filename=filename, line=node.lineno, construct="async def")


def _find_lambda(tree, code, first_line):
    lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
               and (first_line is None or n.lineno == first_line)]
    params = code.co_varnames[:code.co_argcount]
    lambdas = [n for n in lambdas if tuple(a.arg for a in n.args.args) == params]
    if len(lambdas) > 1:
        lambdas = _match_positions(lambdas, code) or lambdas
    if len(lambdas) != 1:
        raise SourceUnavailableError(
            "cannot tell which lambda on this line to differentiate; give it a name with def",
            filename=code.co_filename, line=code.co_firstlineno, construct="lambda")
    return lambdas[0]


def _match_positions(lambdas, code):
    """The lambdas whose source span holds every source position of the code object."""
    positions = [(p[0], p[2]) for p in code.co_positions() if p[0] is not None and
                 p[2] is not None and (p[2], p[3]) != (0, 0)]
    return [n for n in lambdas if positions and all(
        (n.lineno, n.col_offset) <= pos <= (n.end_lineno, n.end_col_offset)
        for pos in positions)]
