"""Everyday Python forms lowered as the plainer code they mean.

- `a, *rest = seq` (and `*init, last = seq`, nested): the items of a sequence whose length is
  known now; `rest` is a list, as in Python.
- `(n := expr)`: the value, bound to `n` in the function's scope.
- `del name`: the name holds the unbound marker (srcad/lowering/unbound.py), so a later read
  raises as Python does.
- `match`: the if/elif chain it means (srcad/frontend/matching.py).
- `try: ... finally: ...` without `except`: the body, then the finally block.
- A call of a function defined in this one sees the names it reads as they are when it runs
  (Python's closures read the enclosing scope then), also in a loop body; a call as a
  statement of its own is inlined like any other. Such a function used as a value (given to
  `np.vectorize`, `np.apply_along_axis`, `map`) is refused with the call to write instead.
"""

import ast
import copy
from dataclasses import replace

from .. import kinds as K
from .. import naming
from ..errors import NameResolutionError, PythonTypeError, PythonValueError
from ..frontend.matching import match_as_if
from ..frontend.syntax import fix_missing_locations, loop_contents, walk_no_defs
from ..ir.nodes import Const
from .dispatch import NOT_MINE
from .methods import CHANGING_METHODS
from .values import LocalFunction, Static, StaticSeq, from_python

_JUMPS = (ast.Return, ast.Break, ast.Continue)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Forms:
    """A part of the lowering `lw` of a function: Python's forms that are other statements in
    disguise (`match`, `try/finally`, `del`, `:=`, `a, *rest = seq`, f-strings, `map`,
    `reduce`, functions defined in the function; its `forms`)."""

    def __init__(self, lw):
        self.lw = lw
        self.deleted = {}            # name -> line of the del that unbound it


    def statement_form(self, stmt, rest, env, builder):
        """`match` and `try: ... finally: ...` as the statements they equal, lowered with
        the `rest` of their block."""
        if isinstance(stmt, ast.Match):
            subject = self.match_subject(stmt)
            return self.lw.suite(match_as_if(stmt, subject, self.lw.refuse) + rest, env, builder)
        if isinstance(stmt, ast.Try) and not stmt.handlers and not stmt.orelse:
            self.refuse_jump_out_of_try(stmt)
            return self.lw.suite(stmt.body + stmt.finalbody + rest, env, builder)
        if isinstance(stmt, (ast.For, ast.While)):
            self.refuse_forms_in_loop(stmt)
        return NOT_MINE

    def match_subject(self, stmt):
        """The name the cases test: the subject's own name, or a fresh one it is bound to."""
        if isinstance(stmt.subject, ast.Name):
            return stmt.subject.id
        return naming.fresh_name("subject", self.lw.taken_names())

    def refuse_jump_out_of_try(self, stmt):
        for node in stmt.body:
            for inner in [node, *walk_no_defs(node)]:
                if isinstance(inner, _JUMPS) and not _inside_loop_of(inner, stmt.body):
                    self.lw.refuse(inner, f"`{type(inner).__name__.lower()}` inside `try:` with "
                                          "`finally:` (Python runs the finally block first); "
                                          "set a variable in the try block and "
                                          f"{type(inner).__name__.lower()} after the finally block")

    def refuse_forms_in_loop(self, loop):
        if isinstance(loop, ast.While):
            for node in walk_no_defs(loop.test):
                if isinstance(node, ast.NamedExpr):
                    self.lw.refuse(node, "`:=` in a while loop's test; assign the name before "
                                         "the loop and again at the end of its body, and test it: "
                                         "`n = f()` / `while n > 0: ...; n = f()`")
        for node in loop_contents(self.lw.parsed.node, loop):
            if isinstance(node, ast.Delete):
                self.lw.refuse(node, "del inside a loop; assign the name a new value instead "
                                     "(or stop using it)")

    # ----- functions defined in the function ------------------------------------------------
    def enter_local_call(self, node, env):
        """Before lowering `g(...)` of a `g` defined in this function (CallerObjects'
        expr_Call calls this and leave_local_call around the call, in its own frame, so a
        call costs no extra frame in deeply nested expressions): g reads the names as they
        are now (also where they changed since its def: a loop body, a branch). Returns what
        leave_local_call needs, or None for any other call."""
        name = node.func.id if isinstance(node.func, ast.Name) else None
        local = env.get(name)
        if not (isinstance(local, LocalFunction) and local.scope is self.lw):
            return None
        names = _nonlocal_names(local.node)
        if local.env is not env:
            self.refuse_shadowed_reads(node, local)
        if any(node in list(ast.walk(c)) for c in ast.walk(self.lw.parsed.node)
               if isinstance(c, _COMPREHENSIONS)) and _changed_inside(local, env, set()):
            self.lw.refuse(node, f"a call of {name}, which changes the caller's names or objects "
                                 "(`nonlocal`, `.append`), in a comprehension; call it in a for "
                                 "loop")
        env[name] = replace(local, env=env, node=_returning(local.node, names) if names
                            else local.node)
        return name, local, names

    def restore_local(self, entered, env):
        if entered is not None:
            env[entered[0]] = entered[1]

    def leave_local_call(self, entered, out, node, env, builder):
        """After the call: the names g declares `nonlocal` and assigns are assigned here, in
        the caller; the call's own value is returned."""
        if entered is None or not entered[2]:
            return out
        names = entered[2]
        items = self.lw.view_writes.unpack(out, 1 + len(names), node, builder)
        for target, value in zip(names, items[1:]):
            self.lw.assign(ast.Name(target, ast.Store()), value, env, builder)
        return items[0]

    def refuse_shadowed_reads(self, node, local):
        """A comprehension's variable of the same name as one the function reads from this
        scope: which one the call sees cannot be told here."""
        if "comprehension_targets" not in vars(self):
            self.comprehension_targets = {t.id for c in ast.walk(self.lw.parsed.node)
                                          if isinstance(c, ast.comprehension)
                                          for t in ast.walk(c.target) if isinstance(t, ast.Name)}
        own = {a.arg for a in ast.walk(local.node.args) if isinstance(a, ast.arg)} | \
            {n.id for n in ast.walk(local.node) if isinstance(n, ast.Name) and
             isinstance(n.ctx, ast.Store)}
        read = {n.id for n in ast.walk(local.node) if isinstance(n, ast.Name)} - own
        clash = sorted(read & self.comprehension_targets)
        if clash:
            self.lw.refuse(node, f"{local.name} reads '{clash[0]}', which a comprehension of "
                                 "the function also names; rename the comprehension's variable")

    def carry_changed_by_calls(self, assigned, env, node):
        """The loop also carries the caller's objects that functions defined here change when
        the loop calls them (`seen.append(v)` inside `note`, called as `note(v)`)."""
        changed = _changed_by_calls(node, env, set(), loop_contents(self.lw.parsed.node, node))
        return list(assigned) + [n for n in changed if n not in assigned and n in env]

    def local_call_statement(self, node, env, builder):
        """`g(x)` as a statement, with `g` defined in this function: inlined, for what it
        does (its prints run, a list it appends to grows). A stmt_Expr handler (dispatch.py)."""
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                isinstance(env.get(call.func.id), LocalFunction):
            self.lw.expr(call, env, builder)
            return None
        return NOT_MINE

    def local_function_atom(self, value, builder, node):
        if isinstance(value, LocalFunction):
            self.lw.refuse(node, _function_as_value(value, self.lw.source_of(node)))
        return NOT_MINE

    # ----- map(f, xs), functools.reduce(f, xs[, init]) --------------------------------------
    def call_map(self, node, args, kwargs, builder):
        """`map(f, xs, ...)` of sequences whose length is known now: the list of the calls
        (Python's map is an iterator of them; srcad's is consumed as a list)."""
        seqs = [self.items_now(node, a, "map", builder) for a in args[1:]]
        if kwargs or not seqs:
            self.lw.refuse(node, "map() with these arguments")
        return StaticSeq([self.lw.call(node, args[0], list(items), {}, builder)
                          for items in zip(*seqs)], "list")

    def call_reduce(self, node, args, kwargs, builder):
        """`functools.reduce(f, xs[, init])` of a sequence whose length is known now: the
        calls one after another, as Python makes them."""
        if kwargs or len(args) not in (2, 3):
            self.lw.refuse(node, "functools.reduce() with these arguments")
        items = list(self.items_now(node, args[1], "functools.reduce", builder))
        if len(args) == 3:
            items.insert(0, args[2])
        if not items:
            raise PythonTypeError("reduce() of empty iterable with no initial value, as Python "
                                  "raises when the function runs", filename=self.lw.filename,
                                  line=node.lineno, construct=self.lw.source_of(node))
        total = items[0]
        for item in items[1:]:
            total = self.lw.call(node, args[0], [total, item], {}, builder)
        return total

    def sorted_by_known_keys(self, node, args, kwargs, builder):
        """`sorted(xs, key=f)` of a sequence of known length whose keys are known now (the
        order decided by values that carry no derivative): the items in that order."""
        key, reverse = kwargs.get("key"), kwargs.get("reverse", Const(False))
        if len(args) != 1 or set(kwargs) - {"key", "reverse"} or not isinstance(reverse, Const):
            return NOT_MINE
        if key is None:
            return sorted_pairs(args[0], reverse.value)
        if isinstance(key, Const):
            return NOT_MINE
        items = list(self.items_now(node, args[0], "sorted", builder))
        keys = [self.lw.atom(self.lw.call(node, key, [item], {}, builder), builder, node)
                for item in items]
        if not all(isinstance(k, Const) for k in keys):
            self.lw.refuse(node, "sorted() by keys known only when the function runs: the order "
                                 "would decide which value goes where in the derivative; sort by "
                                 "keys known now, or index with an order computed from an array "
                                 "(`xs[np.argsort(keys, kind='stable')]`)")
        order = sorted(range(len(items)), key=lambda k: keys[k].value, reverse=reverse.value)
        return StaticSeq([items[k] for k in order], "list")

    def items_now(self, node, value, what, builder):
        """The items of a sequence whose length is known now, or refused with the loop."""
        if isinstance(value, StaticSeq):
            return value.items
        if isinstance(value, Const) and type(value.value) in (list, tuple):
            return [from_python(v) for v in value.value]
        atom = self.lw.atom(value, builder, node)
        if atom.kind.tag in ("list", "tuple") and atom.kind.items is not None:
            return [builder.emit("getitem", atom, Const(k)) for k in range(len(atom.kind.items))]
        rewrite = {"map": "`[f(t) for t in xs]`",
                   "sorted": "`xs[np.argsort(keys, kind='stable')]` with the keys an array"}.get(
            what, "`total = xs[0]` then `for t in xs[1:]: total = f(total, t)`")
        self.lw.refuse(node, f"{what}() over a sequence whose length is known only at run time "
                             f"(an array's length is); write what it means: {rewrite}")

    # ----- f"...", "...".format(...) ----------------------------------------------------------
    def expr_JoinedStr(self, node, env, builder):
        """An f-string: computed on the primal values when the derivative runs (a string
        carries no derivative), or now where every value is known."""
        template, values = _template(node)
        if template is None:
            self.lw.refuse(node, "an f-string whose format spec holds a value; compute the spec "
                                 "first, or use `format(v, spec)`")
        return self.formatted(node, template.format, [self.lw.expr(v, env, builder)
                                                      for v in values], builder, "fstring")

    def formatted(self, node, fn, values, builder, name):
        atoms = [self.lw.atom(v, builder, node) for v in values]
        if all(isinstance(a, Const) for a in atoms):
            return Const(fn(*[a.value for a in atoms]))
        atoms = [builder.emit("stop_gradient", a) if _may_carry_derivative(a.kind) else a
                 for a in atoms]       # the string is the primal values' (it has no derivative)
        builder.line = node.lineno
        return builder.emit("opaque", Const(fn, name), *atoms, kind=K.Kind("str"))

    def expr_BinOp(self, node, env, builder):
        """`"%.3f" % v`, `"%s=%d" % (a, b)`: formatted like an f-string."""
        if not (isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and
                isinstance(node.left.value, str)):
            return self.lw.operators.expr_BinOp(node, env, builder)
        parts = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        values = [self.lw.expr(p, env, builder) for p in parts]
        template = node.left.value
        if isinstance(node.right, ast.Tuple):
            return self.formatted(node, _Percent(template), values, builder, "percent_format")
        return self.formatted(node, template.__mod__, values, builder, "percent_format")

    def call_format(self, node, callee, args, kwargs, builder):
        fn = callee.obj if isinstance(callee, Static) else None
        if isinstance(getattr(fn, "__self__", None), str) and fn.__name__ == "format" and \
                not kwargs:
            return self.formatted(node, fn, args, builder, "str_format")  # "{}".format(v)
        return NOT_MINE

    # ----- a, *rest = seq --------------------------------------------------------------------
    def assign_starred(self, target, value, env, builder):
        """`a, *rest, z = seq`: the items before and after the star, and the list between."""
        star = next(k for k, t in enumerate(target.elts) if isinstance(t, ast.Starred))
        after = len(target.elts) - star - 1
        items = self.known_items(value, target, builder)
        if len(items) < star + after:
            raise PythonValueError(f"not enough values to unpack (expected at least "
                                   f"{star + after}, got {len(items)}), as Python raises when "
                                   "the function runs", filename=self.lw.filename,
                                   line=target.lineno,
                                   construct=f"{self.lw.source_of(target)} = ...")
        middle = StaticSeq(list(items[star:len(items) - after]), "list")
        values = list(items[:star]) + [middle] + list(items[len(items) - after:])
        for t, v in zip(target.elts, values):
            self.lw.assign(t.value if isinstance(t, ast.Starred) else t, v, env, builder)

    def known_items(self, value, target, builder):
        if isinstance(value, Const) and type(value.value) in (list, tuple):
            return [from_python(v) for v in value.value]
        if isinstance(value, StaticSeq):
            return value.items
        atom = self.lw.atom(value, builder, target)
        items = atom.kind.items if atom.kind.tag in ("list", "tuple") else None
        if items is None:
            names = [self.lw.source_of(t.value if isinstance(t, ast.Starred) else t)
                     for t in target.elts]
            self.lw.refuse(target, "starred assignment of a sequence whose length is known only "
                                   "at run time (an array's length is); index it instead: "
                                   f"`{names[0]}, {names[1]} = x[0], x[1:]`" if len(names) == 2
                        else "starred assignment of a sequence whose length is known only at "
                             "run time (an array's length is); index it instead")
        return [builder.emit("getitem", atom, Const(k)) for k in range(len(items))]

    # ----- (n := expr) -----------------------------------------------------------------------
    def expr_NamedExpr(self, node, env, builder):
        value = self.lw.expr(node.value, env, builder)
        self.lw.assign(node.target, value, env, builder)
        return value

    # ----- del -------------------------------------------------------------------------------
    def stmt_Delete(self, node, env, builder):
        for target in node.targets:
            if not isinstance(target, ast.Name):
                self.lw.refuse(target, "del of an item or attribute; build the container "
                                       "without it instead (`d = {k: v for k, v in d.items() if "
                                       "k != key}`, `xs = xs[:i] + xs[i + 1:]`)")
            if target.id not in env:
                raise NameResolutionError(f"name '{target.id}' is not defined, as Python "
                                          "raises at this del", filename=self.lw.filename,
                                          line=node.lineno, construct=self.lw.source_of(node))
            env[target.id] = self.lw.unbound.marker()
            self.deleted_names()[target.id] = node.lineno

    def deleted_names(self):
        return self.deleted

    def refuse_deleted(self, node, name):
        """`name` read after a `del` of it."""
        line = self.deleted_names().get(name)
        if line is not None:
            raise NameResolutionError(
                f"cannot access local variable '{name}' where it is not associated with a "
                f"value: the del at line {line} unbound it (Python raises UnboundLocalError "
                "here)", filename=self.lw.filename, line=node.lineno, construct=name)


def _template(node):
    """An f-string as (str.format template, the expressions it formats); (None, None) where
    a format spec holds a value."""
    parts, values = [], []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(str(part.value).replace("{", "{{").replace("}", "}}"))
            continue
        spec = ""
        if part.format_spec is not None:
            inner = part.format_spec.values
            if not all(isinstance(p, ast.Constant) for p in inner):
                return None, None
            spec = ":" + "".join(str(p.value) for p in inner)
        conversion = "" if part.conversion == -1 else "!" + chr(part.conversion)
        parts.append("{" + conversion + spec + "}")
        values.append(part.value)
    return "".join(parts), values


class _Percent:
    """`template % (a, b, ...)` as a call of the values one by one."""

    def __init__(self, template):
        self.template = template

    def __call__(self, *values):
        return self.template % values

    def __repr__(self):
        return f"percent_format({self.template!r})"


def _may_carry_derivative(kind):
    if kind.tag in ("int", "bool", "str", "none"):
        return False
    return not (kind.tag in ("tuple", "list") and kind.items is not None and
                all(not _may_carry_derivative(k) for k in kind.items))


def has_star(target):
    """Whether an assignment target is `a, *rest` (a tuple or list with a starred item)."""
    return isinstance(target, (ast.Tuple, ast.List)) and \
        any(isinstance(t, ast.Starred) for t in target.elts)


def _changed_by_calls(node, env, seen, below=None):
    """Names of `env` whose objects the functions defined in the function that `node` calls
    change in place (a method such as `append`, an element write), through their calls too;
    `below`: the nodes below `node` to look at, if known (syntax.loop_contents)."""
    changed = []
    for call in walk_no_defs(node) if below is None else below:
        local = env.get(call.func.id) if isinstance(call, ast.Call) and \
            isinstance(call.func, ast.Name) else None
        if isinstance(local, LocalFunction) and id(local.node) not in seen:
            seen.add(id(local.node))
            changed += _changed_inside(local, env, seen)
    return list(dict.fromkeys(changed))


def _changed_inside(local, env, seen):
    inner = {a.arg for a in ast.walk(local.node.args) if isinstance(a, ast.arg)}
    body = local.node.body if isinstance(local.node.body, list) else [local.node.body]
    changed = []
    for n in [n for stmt in body for n in [stmt, *walk_no_defs(stmt)]]:
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            inner.add(n.id)
        base = n.func.value if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) \
            and n.func.attr in CHANGING_METHODS else \
            n.value if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) else None
        if isinstance(base, ast.Name):
            changed.append(base.id)
    changed += _changed_by_calls(ast.Module(body, []), env, seen)
    return [n for n in changed if n not in inner] + _nonlocal_names(local.node)


def _nonlocal_names(node):
    """The names a def declares `nonlocal` (not counting its own nested defs)."""
    if isinstance(node, ast.Lambda):
        return []
    return list(dict.fromkeys(n for stmt in node.body for s in [stmt, *walk_no_defs(stmt)]
                              if isinstance(s, ast.Nonlocal) for n in s.names))


def _returning(node, names):
    """The def without its `nonlocal` lines, returning `(value, *names)`: the caller assigns
    the names from the call's result (srcad inlines the call, so this is the same program)."""
    new = copy.deepcopy(node)
    extra = [ast.Name(n, ast.Load()) for n in names]
    for holder in [new, *walk_no_defs(new)]:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(holder, field, None)
            if isinstance(block, list):
                block[:] = [s for s in block if not isinstance(s, ast.Nonlocal)] or [ast.Pass()]
    for ret in [n for n in walk_no_defs(new) if isinstance(n, ast.Return)]:
        ret.value = ast.Tuple([ret.value or ast.Constant(None), *copy.deepcopy(extra)],
                              ast.Load())
    new.body.append(ast.Return(ast.Tuple([ast.Constant(None), *extra], ast.Load())))
    fix_missing_locations(new)
    return new


def _function_as_value(local, where):
    what = "a lambda" if local.name == "<lambda>" else f"the function {local.name} " \
        "defined in the function"
    return (f"{what} used as a value in `{where}` (given to a library function, stored or "
            "returned): srcad follows a function of yours where you call it, not inside "
            "NumPy; call it yourself: `np.array([g(t) for t in x])` for "
            "`np.vectorize(g)(x)`, `np.stack([g(x[:, j]) for j in range(x.shape[1])], "
            "axis=1)` for `np.apply_along_axis(g, 0, x)`, `[g(t) for t in xs]` for "
            "`map(g, xs)`")


def _inside_loop_of(jump, stmts):
    """Whether a break/continue belongs to a loop inside `stmts` (a return never does)."""
    if isinstance(jump, ast.Return):
        return False
    return any(jump in list(walk_no_defs(n)) for s in stmts for n in [s, *walk_no_defs(s)]
               if isinstance(n, (ast.For, ast.While)))


def sorted_pairs(value, reverse):
    """`sorted(d.items())` (pairs whose first items are distinct and known now, as a
    dict's keys are): Python's order, decided by those keys alone; NOT_MINE otherwise."""
    pairs = value.items if isinstance(value, StaticSeq) else ()
    firsts = [p.items[0] if isinstance(p, StaticSeq) and p.items else None for p in pairs]
    if not pairs or not all(isinstance(k, Const) for k in firsts):
        return NOT_MINE
    keys = [k.value for k in firsts]
    try:
        order = sorted(range(len(pairs)), key=lambda k: keys[k], reverse=reverse)
    except TypeError:
        return NOT_MINE
    if any(keys[a] == keys[b] for a, b in zip(order, order[1:])):
        return NOT_MINE                  # equal keys: the values would decide
    return StaticSeq([pairs[k] for k in order], "list")
