"""Lowering of the statements Python runs for what they do (srcad/effects.py): an expression
statement whose value is dropped (`print(...)`, `log.info(...)`, `warnings.warn(...)`,
`np.random.seed(0)`, `check(x)`), `assert`, and a branch that ends in `raise`.

Each becomes one `run` equation in the IR: a call, in the forward sweep, of the statement
compiled from the user's source, given the local values it reads. `if bad: raise E(...)`
becomes "run `if bad: raise E(...)`" followed by the other branch, as straight-line code:
where the function goes on, the condition was false.
"""

import ast
import inspect
import sys

import numpy as np

from .. import effects, naming
from .. import kinds as K
from ..ir.nodes import Const
from .dispatch import NOT_MINE
from ..frontend.syntax import walk_no_defs

# methods that change a local array, list or dict they are called on
_CHANGING_METHODS = {"fill", "sort", "partition", "put", "itemset", "resize", "setflags",
                     "byteswap", "append", "extend", "insert", "pop", "remove", "clear",
                     "reverse", "update", "setdefault", "popitem"}
_LIBRARIES = {"numpy", "scipy", "builtins", "srcad"}
_FRAME_READERS = (eval, exec, locals, globals, vars, breakpoint)
_STOPS = (ast.Return, ast.Break, ast.Continue, ast.Yield, ast.YieldFrom, ast.Await)


class RunAsWritten(ast.stmt):
    """Statements lowering hands to Python whole (a branch ending in `raise`)."""

    _fields = ("body",)


def raises(stmts):
    """Whether a block always ends by raising, with no return, break or continue in it. How
    it ends is asked first: walking every block for a `return` would walk an `elif` chain once
    per level."""
    if not stmts:
        return False
    last = stmts[-1]
    ends = raises(last.body) and raises(last.orelse) if isinstance(last, ast.If) else \
        isinstance(last, ast.Raise)
    return ends and not any(isinstance(n, _STOPS) for s in stmts
                            for n in [s, *walk_no_defs(s)])


def split_raising_if(node):
    """`if c: ...; raise E` as [run `if c: ...; raise E`] + the other branch; None when
    neither branch of `node` raises (or both do: then the whole `if` runs as written)."""
    then_raises, else_raises = raises(node.body), raises(node.orelse)
    if then_raises and else_raises:
        return [RunAsWritten([node])]
    if then_raises:
        return [_run_if(node, node.test, node.body), *node.orelse]
    if else_raises:
        negated = ast.copy_location(ast.UnaryOp(ast.Not(), node.test), node.test)
        return [_run_if(node, negated, node.orelse), *node.body]
    return None


def _run_if(node, test, body):
    branch = ast.copy_location(ast.If(test=test, body=body, orelse=[]), node)
    return ast.copy_location(RunAsWritten([branch]), node)


class Opaque:
    """A part of the lowering `lw` of a function: what it hands to Python as written
    (statements run as written, calls of what has no rule; its `opaque`)."""

    def __init__(self, lw):
        self.lw = lw
        self.instances = {}     # objects made by calling a class of the user's: var -> class

    def lower_raising(self, stmt, rest, env, builder):
        """A `raise`, or an `if` with a branch ending in one, lowered with the `rest` of its
        block: the block's value."""
        if isinstance(stmt, ast.Raise):
            self.lw.stmt(stmt, env, builder)
            return self.lw.suite([], env, builder)     # what follows a raise never runs
        split = split_raising_if(stmt) if isinstance(stmt, ast.If) else None
        return NOT_MINE if split is None else self.lw.suite(split + rest, env, builder)

    def opaque_call(self, node, fn, args, kwargs, builder):
        """A call of `fn`, which has no rule and no source, run as written: right where its
        arguments do not depend on the differentiated inputs (`rng.normal(size=x.shape)`),
        refused with the function's name by the derivative transforms where they do."""
        if any(fn is reader for reader in _FRAME_READERS):
            self.lw.refuse(node, f"{fn.__name__}() reads the names of the running function, which "
                                 "differ in its derivative; write the expression out instead")
        if getattr(fn, "__name__", None) in _CHANGING_METHODS:
            self.lw.refuse(node, f"`.{fn.__name__}()` changes an object in place; assign a new "
                                 "value instead")
        callee = effects.Keywords(fn, list(kwargs)) if kwargs else fn
        name = getattr(callee, "__name__", None)
        atoms = [self.lw.atom(v, builder, node) for v in [*args, *kwargs.values()]]
        builder.line = node.lineno
        out = builder.emit("opaque", Const(callee, name if _readable(name) else "call"), *atoms)
        if _user_class(fn):
            self.instances[out] = fn        # Sig().fn(z): fn's code is known, and inlined
        return out

    def opaque_method(self, node, obj, name, args, kwargs, builder):
        """`obj.name(...)` for a method with no rule: the method read when the code runs and
        called as written (see opaque_call)."""
        method = inspect.getattr_static(self.instances.get(obj), name, None)
        if inspect.isfunction(method):
            return self.lw.functions.inline(node, method, [obj, *args], kwargs, builder)
        if name in _CHANGING_METHODS:
            self.lw.refuse(node, f"`.{name}()` changes an object in place; assign a new value "
                                 "instead (`x = np.sort(x)`)")
        if obj.kind.tag == "dict" and obj.kind.node is not None:   # a record, received as a
            self.lw.refuse(node, K.attribute_problem(obj.kind, name))  # dict (records.py)
        method = builder.emit("attr", obj, Const(name), hint=name)
        atoms = [self.lw.atom(v, builder, node) for v in [*args, *kwargs.values()]]
        builder.line = node.lineno
        if kwargs:
            return builder.emit("opaque", Const(effects.call_with_keywords, "call_with_keywords"),
                                method, Const(tuple(kwargs)), *atoms)
        return builder.emit("opaque", method, *atoms)

    def stmt_RunAsWritten(self, node, env, builder):
        self.run_as_written(node, node.body, env, builder)

    def stmt_Raise(self, node, env, builder):
        self.run_as_written(node, [node], env, builder)

    def stmt_Assert(self, node, env, builder):
        self.run_as_written(node, [node], env, builder)

    def run_as_written(self, node, stmts, env, builder):
        """Emit `run(statement, *values)` for `stmts`: Python runs them on the values of the
        local names they read, in the forward sweep."""
        read = _read_names(stmts)
        params = [n for n in read if n in env or n in self.lw.parsed.closure]
        self.refuse_changing_methods(node, stmts, params)
        refuse_ufunc_at(self.lw, node, stmts)
        self.refuse_hidden_change(node, stmts, env)
        refuse_global_read_back(self.lw, node, stmts, env)
        values = [self.lw.made.as_written(
            self.lw.expr(ast.copy_location(ast.Name(n, ast.Load()), node), env, builder),
            builder, node) for n in params]
        name = naming.statement_name(_label(stmts), node.lineno)
        statement = effects.compile_statements(stmts, params, name, self.lw.parsed)
        builder.line = node.lineno
        builder.emit("run", Const(statement, name), *values)

    def refuse_hidden_change(self, node, stmts, env):
        """`stats.add_loss(err)` on an object the caller passed, run as written, may change
        it: where the function reads an attribute of it afterwards (`stats.total`), the
        derivative could not follow the change (it came out 0), so it is refused."""
        name = _method_receiver(stmts)
        value = env.get(name)
        if name is None or getattr(getattr(value, "kind", None), "tag", None) not in \
                ("other", "unknown"):
            return
        read = _attribute_read_after(self.lw.parsed.node, stmts[0], name)
        if read is not None:
            method = stmts[0].value.func.attr
            self.lw.refuse(node, f"`{name}.{method}(...)` runs as written on '{name}', an "
                                 "object the caller passed, which srcad does not look into, "
                                 f"and the function reads `{name}.{read.attr}` after it (line "
                                 f"{read.lineno}): the derivative would miss what the method "
                                 f"changes; compute the value in the function (`total = "
                                 f"{name}.{read.attr} + ...`) and change the object outside")

    def unread_method_result(self, stmt, rest, env, builder):
        """`_ = stats.add_loss(err)`, a method's value the function never reads: checked as
        the statement `stats.add_loss(err)` is (refuse_hidden_change); lowered as usual."""
        if not isinstance(stmt, ast.Assign):
            return NOT_MINE
        as_statement = ast.copy_location(ast.Expr(stmt.value), stmt)
        receiver = env.get(_method_receiver([as_statement]))
        if getattr(getattr(receiver, "kind", None), "tag", None) in ("other", "unknown") and \
                all(isinstance(t, ast.Name) and not _name_read(self.lw.parsed.node, t.id)
                    for t in stmt.targets):
            self.refuse_hidden_change(stmt, [as_statement], env)
        return NOT_MINE

    def refuse_changing_methods(self, node, stmts, params):
        for sub in (n for s in stmts for n in ast.walk(s)):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and \
                    isinstance(sub.func.value, ast.Name) and sub.func.value.id in params and \
                    sub.func.attr in _CHANGING_METHODS:
                owner = sub.func.value.id
                self.lw.refuse(node, f"`{owner}.{sub.func.attr}(...)` changes '{owner}' in "
                                     "place; assign a new value instead (`x = np.sort(x)`, "
                                     f"`{owner}.append(v)` as a statement of its own)")


def refuse_ufunc_at(lw, node, stmts):
    """`np.maximum.at(a, i, v)` (a NumPy ufunc's .at other than np.add's and np.subtract's,
    which lowering follows as writes: numpy_writes.py): it changes `a` in place even through
    the read-only view srcad passes a statement run as written, so it is refused, not run."""
    for call in (n for s in stmts for n in ast.walk(s)):
        func = getattr(call, "func", None)
        if not (isinstance(call, ast.Call) and isinstance(func, ast.Attribute) and
                func.attr == "at" and isinstance(func.value, ast.Attribute) and
                isinstance(func.value.value, ast.Name)):
            continue
        try:
            ufunc = getattr(lw.parsed.lookup(func.value.value.id), func.value.attr, None)
        except KeyError:
            continue
        text = ast.unparse(func)
        if ufunc is np.add or ufunc is np.subtract:
            lw.refuse(node, f"`{text}(...)` with arguments other than (a, indices, b), `a` a "
                            f"name (srcad follows `{text}(a, indices, b)` as the write it "
                            "does); add into a new array, then add that: `part = "
                            f"np.zeros_like(a); {text}(part, indices, b); a += part`")
        if isinstance(ufunc, np.ufunc):
            lw.refuse(node, f"`{text}(a, indices, b)` changes `a` in place, which srcad does "
                            "not follow for this ufunc (it does for np.add.at and "
                            "np.subtract.at); write the updates one by one: `for k in "
                            "range(len(indices)): a[indices[k]] = "
                            f"{ast.unparse(func.value)}(a[indices[k]], b[k])`")


def _method_receiver(stmts):
    """`obj` of a statement `obj.method(...)` with an argument, else None."""
    if len(stmts) != 1 or not isinstance(stmts[0], ast.Expr):
        return None
    call = stmts[0].value
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
            isinstance(call.func.value, ast.Name) and (call.args or call.keywords):
        return call.func.value.id
    return None


def refuse_global_read_back(lw, node, stmts, env):
    """`HIST.append(v)` (`S.history.append(v)`, `S.record(v)`) on an object the function does
    not bind (a global's, a closure's), run as written, which the function reads after it
    (`return HIST[-1]`): the derivative would miss what the call put there (it came out 0)."""
    call = stmts[0].value if len(stmts) == 1 and isinstance(stmts[0], ast.Expr) else None
    root = call.func if isinstance(call, ast.Call) and (call.args or call.keywords) else None
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    if not isinstance(root, ast.Name) or root.id in env or not passes_local(call, env):
        return
    try:
        value = lw.parsed.lookup(root.id)
    except KeyError:
        return
    if not (isinstance(value, (list, dict, set, np.ndarray)) or _user_class(type(value))):
        return                          # a module (`np.random.seed(0)`), a function, a class
    read = name_read_after(lw.parsed.node, stmts[0], root.id)
    if read is not None:
        lw.refuse(node, f"`{ast.unparse(call.func)}(...)` runs as written on '{root.id}', "
                        "which the function does not bind (a global or a closure's), and the "
                        f"function reads '{root.id}' after it (line {read.lineno}): the "
                        "derivative would miss what the call puts there; keep the value in a "
                        "variable of the function and use that (`v = ...; "
                        f"{ast.unparse(call.func)}(v); return v`)")


def passes_local(call, env):
    """Whether a call's arguments read a name the function binds (what may depend on the
    differentiated inputs; `HISTORY.append(1.5)` does not)."""
    return any(isinstance(n, ast.Name) and n.id in env
               for arg in [*call.args, *call.keywords] for n in ast.walk(arg))


def name_read_after(tree, stmt, name):
    """A read of `name` after `stmt` in `tree`, or anywhere in a loop around it, whose value
    the function may compute with: not in a statement whose value is dropped (`name.append(v)`,
    `print(name[-1])`) nor as `len(name)`; else None."""
    loops = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While)) and
             n.lineno <= stmt.lineno <= n.end_lineno]
    dropped = [n for n in ast.walk(tree) if isinstance(n, ast.Expr) or isinstance(n, ast.Call)
               and isinstance(n.func, ast.Name) and n.func.id == "len"]
    called = {id(sub) for n in dropped for sub in ast.walk(n)}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) and \
                id(n) not in called and (n.lineno > stmt.end_lineno or any(
                    loop.lineno <= n.lineno <= loop.end_lineno for loop in loops)):
            return n
    return None


def _name_read(tree, name):
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
               for n in ast.walk(tree))


def _attribute_read_after(tree, stmt, name):
    """A read of `name.attr` (not a method call) after `stmt` in `tree`, or anywhere in a
    loop around it, which runs the statement again; else None."""
    loops = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While)) and
             n.lineno <= stmt.lineno <= n.end_lineno]
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and \
                isinstance(n.value, ast.Name) and n.value.id == name and id(n) not in called \
                and (n.lineno > stmt.end_lineno or
                     any(loop.lineno <= n.lineno <= loop.end_lineno for loop in loops)):
            return n
    return None


def _user_class(fn):
    """A class defined in the user's code (not NumPy's, SciPy's or the standard library's)."""
    module = getattr(fn, "__module__", None) or ""
    return inspect.isclass(fn) and module.split(".")[0] not in _LIBRARIES and \
        module.split(".")[0] not in sys.stdlib_module_names


def _readable(name):
    return isinstance(name, str) and name.isidentifier() and not name.startswith("_")


def _read_names(stmts):
    """The names `stmts` read, in order of first appearance."""
    names = {}
    for stmt in stmts:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                names.setdefault(sub.id)
    return list(names)


def _label(stmts):
    """A readable stem for the compiled statement: the function it calls, or the keyword."""
    first = stmts[0]
    if isinstance(first, ast.If):
        return "raise" if raises(first.body) else "check"
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Call):
        func = first.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name if name.isidentifier() else "run"
    return type(first).__name__.lower() if isinstance(first, (ast.Raise, ast.Assert)) else "run"
