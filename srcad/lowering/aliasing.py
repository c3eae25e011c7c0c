"""Where Python's in-place updates would make a value differ from srcad's SSA form.

srcad lowers `a += b` as `a = a + b`. On an array, Python changes the object itself, so any
other reference to it sees the change. Lowering refuses the cases where such a reference
exists; this module answers the questions it asks about a call: which parameters a function
changes in place while they still hold the caller's objects, and whether the caller may read
the array again once the call has run.
"""

import ast
import functools
import inspect

from ..frontend import parse as frontend
from ..frontend.user_code import user_function
from ..errors import SrcadError
from ..ir.nodes import Eqn, For, If, Var, While, sub_blocks
from ..rules import prim_of
from . import numpy_writes
from .values import LocalFunction, Static

TRANSFORMS = ("grad", "value_and_grad", "jvp")   # the ones lowering differentiates inside

_LOOPS = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def is_srcad_transform(fn):
    """Whether fn is one of srcad's own transforms (srcad.grad used inside the function):
    srcad/api.py marks them, so lowering knows them without importing the API above it."""
    return inspect.isfunction(fn) and vars(fn).get("__srcad_transform__") in TRANSFORMS


def source_definition(callee, is_transform):
    """The `def` node of a user function whose code srcad lowers, or None: a library's
    function runs as written (srcad/frontend/user_code.py), and its source is not read (nor
    its module parsed: NumPy's function_base.py for `np.hanning` was most of a first call)."""
    if isinstance(callee, LocalFunction):
        return callee.node if isinstance(callee.node, ast.FunctionDef) else None
    fn = callee.obj if isinstance(callee, Static) else None
    if not user_function(fn) or prim_of(fn) is not None or is_transform(fn):
        return None
    try:
        node = frontend.definition(fn)
    except SrcadError:
        return None                  # the call itself reports what is missing
    return node if isinstance(node, ast.FunctionDef) else None


def params_changed_in_place(definition):
    """{parameter: operator} for the parameters the function may update with `p += ...`
    while p is still the caller's object: not after a `p = ...` earlier in the same block
    (one inside an `if` or a loop protects only the rest of that block)."""
    changed = {}

    def scan(stmts, original):
        original = set(original)
        for stmt in stmts:
            if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and \
                    stmt.target.id in original:
                op = ast.AugAssign(stmt.target, stmt.op, ast.Constant(0))  # `x += 0`: no value
                changed.setdefault(stmt.target.id, ast.unparse(op).split()[1][:-1])
            elif _written_item(stmt) in original:                 # p[i] = ..., p[i] += ...
                changed.setdefault(_written_item(stmt), "[...]")
            if isinstance(stmt, ast.Assign):
                original -= {t.id for target in stmt.targets for t in _bound_names(target)}
            elif not isinstance(stmt, (ast.FunctionDef, ast.Lambda)):
                for field in ("body", "orelse", "finalbody"):
                    scan(getattr(stmt, field, None) or [], original)

    args = definition.args
    scan(definition.body, {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs})
    return changed


@functools.lru_cache(maxsize=512)
def sets_parameter_attributes(definition):
    """Whether the function assigns an attribute of one of its parameters (`p.a = v`,
    `p.a += v`, `p.a.b = v`, `p.a[k] = v`), anywhere in its body. Once per definition (asked
    at each call site; the trees are only read)."""
    args = definition.args
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    for node in ast.walk(definition):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            root, through = target, False
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                through = through or isinstance(root, ast.Attribute)
                root = root.value
            if through and isinstance(root, ast.Name) and root.id in params:
                return True
    return False


def _bound_names(target):
    """The names an assignment target rebinds (not those of `p[i] = ...` or `p.a = ...`)."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
        inner = target.elts if not isinstance(target, ast.Starred) else [target.value]
        return [n for t in inner for n in _bound_names(t)]
    return []


def _written_item(stmt):
    """The name `p` of a statement `p[...] = ...` or `p[...] op= ...`, or of one of NumPy's
    writes `np.add.at(p, ...)`, `np.fill_diagonal(p, v)`, `ufunc(..., out=p)`; else None."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        written = numpy_writes.written_target(stmt.value)
        return written.id if isinstance(written, ast.Name) else None
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, ast.AugAssign) else []
    for target in targets:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            return target.value.id
    return None


def may_read_again(tree, call, names):
    """Whether a name in `names` may be read in `tree` once `call` has run: in the statement
    that makes the call (an operand evaluated before it is the same object), after it, or
    anywhere in a loop or comprehension around it, which runs the call again. A tuple, list
    or view holding the array ("packed", "view") counts always."""
    if names in (["packed"], ["view"]):
        return True
    statement, loop = _statement_and_loop_of(tree, call)
    start = (statement.lineno, statement.col_offset) if statement else (0, 0)
    passed = set() if loop else {id(n) for n in ast.walk(call)}   # handed over here, once
    return any(isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
               and id(n) not in passed and (loop is not None or (n.lineno, n.col_offset) >= start)
               for n in ast.walk(loop or tree))


def _statement_and_loop_of(tree, target):
    """The innermost statement of `tree` holding `target`, and the outermost loop (or
    comprehension) around it."""
    statement = loop = None

    def visit(node, loop_so_far):
        nonlocal statement, loop
        if node is target:
            return True
        for child in ast.iter_child_nodes(node):
            inner = loop_so_far or (child if isinstance(child, _LOOPS) else None)
            if visit(child, inner):
                if statement is None and isinstance(child, ast.stmt):
                    statement = child
                loop = loop or inner
                return True
        return False

    visit(tree, None)
    return statement, loop


_PASSES_ON = {"getitem", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to",
              "swapaxes", "moveaxis", "diagonal", "ravel", "flip", "fliplr", "flipud", "rot90",
              "atleast_1d", "atleast_2d", "atleast_3d", "real", "attr", "make_tuple",
              "make_list", "make_dict", "unpack", "seq_concat", "with_item"}


def returned_params(fn):
    """The positions of the parameters of the lowered function `fn` whose object its result
    may be, hold, or be a view of (`return a`, `return a if c else b`, `return a.T`,
    `return (a, b)`): a caller that changes the result in place changes those arguments."""
    defs = {}
    _definitions(fn.body, defs)
    found, stack, seen = set(), list(fn.body.results), set()
    while stack:
        v = stack.pop()
        if not isinstance(v, Var) or v in seen:
            continue
        seen.add(v)
        found.update(k for k, p in enumerate(fn.params) if p is v)
        stack.extend(defs.get(v, ()))
    return sorted(found)


def _definitions(block, defs):
    """defs[var] = the values var may be the same object as (or hold, or view)."""
    for stmt in block.stmts:
        if isinstance(stmt, Eqn) and stmt.prim in _PASSES_ON:
            for out in stmt.outs:
                defs[out] = stmt.args
        elif isinstance(stmt, If):
            for j, out in enumerate(stmt.outs):
                defs[out] = (stmt.then.results[j], stmt.orelse.results[j])
        elif isinstance(stmt, (For, While)):
            for j, out in enumerate(stmt.outs):
                defs[out] = (stmt.carry_init[j], stmt.body.results[j])
                defs[stmt.carry_params[j]] = (stmt.carry_init[j], stmt.body.results[j])
        for sub in sub_blocks(stmt):
            _definitions(sub, defs)
