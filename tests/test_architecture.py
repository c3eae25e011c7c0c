"""The shape of the code base (issue 17): no import cycle among srcad's modules, counting imports
inside functions; no import inside a function that hides one; no `_private` name imported from
another srcad module; no class over 300 lines and no function over 60.

Each rule carries an explicit allow-list of the offenders that remain. The lists may only
shrink: a new offender fails, a listed one that grew fails, and a listed one that is gone must
leave its list (so the test says when a fix has landed and keeps it from coming back).
"""

import ast
import dataclasses
import tomllib
from pathlib import Path

import pytest

from srcad import kinds as K
from srcad.ir.nodes import Block, Eqn, Function, Var
from srcad.lowering.dispatch import Dispatching
from srcad.lowering.expressions import Expressions
from srcad.lowering.statements import FunctionLowering

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "srcad"

CLASS_LIMIT = 300
FUNCTION_LIMIT = 60

# "module:Qualified.name" -> its current length in lines. Shrink only.
OVERSIZED = {}

# Imports that close a cycle ("importer -> imported", without the "srcad." prefix). Shrink only.
CYCLE_EDGES = set()

# Imports of srcad modules inside functions. Without a cycle to hide, an import belongs at the
# top of the module; none is left. One that must stay inside a function (an optional dependency,
# a cost at import time) goes here and says why where it stands. Shrink only.
LOCAL_IMPORTS = set()

# "importer: name <- imported" for `_private` names another module imports. Shrink only.
PRIVATE_IMPORTS = set()

# The base classes of lowering.statements.FunctionLowering: the hooks (Dispatching; the
# expression code is the part lw.expressions; docs/how_it_works.md, "Lowering: parts and
# hooks"). Shrink only.
LOWERING_BASES = 1


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(path):
    return path.name == "__init__.py"


def resolve(node, name, path):
    """The absolute module an ImportFrom names (relative imports resolved against `name`)."""
    if node.level == 0:
        return node.module or ""
    base = name.split(".") if is_package(path) else name.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(name, path, known, attributes=False):
    """Each (imported srcad module, imported name or None, line) in the module at `path`,
    anywhere in it, including inside functions. With `attributes`: (module, name) pairs, the
    names read as attributes of an imported module (`api._signature`) included."""
    found, aliases = [], {}
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names if a.name in known]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(node, name, path)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:              # from . import rules  /  from .rules import ops
                    found.append((sub, None, node.lineno))
                    aliases[alias.asname or alias.name] = sub
                elif target in known:
                    found.append((target, alias.name, node.lineno))
    if not attributes:
        return found
    read = [(aliases[n.value.id], n.attr) for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id in aliases]
    return [(module, alias) for module, alias, _ in found] + read


def import_graph():
    known = modules()
    return {name: {m for m, _, _ in imports(name, path, known) if m != name}
            for name, path in known.items()}


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def edges_within(graph, component):
    return sorted(f"{a} -> {b}" for a in component for b in graph[a] if b in component)


def short(module):
    return module.removeprefix("srcad.") or module


def check_allow_list(found, allowed, what):
    """`found` (a set of entries) within `allowed`, and every allowed entry still found."""
    new, gone = sorted(found - allowed), sorted(allowed - found)
    assert not new, f"{what}:\n  " + "\n  ".join(new)
    assert not gone, f"fixed; remove from the allow-list in {__file__}:\n  " + "\n  ".join(gone)


def test_no_import_cycle():
    """Counting imports inside functions too: a function-level import that hides a cycle is
    still a cycle (a module that needs one below it and one above it has two jobs). The listed
    edges are the ones that remain to be cut; without them the graph must be acyclic."""
    graph = import_graph()
    cut = {k: {m for m in v if f"{short(k)} -> {short(m)}" not in CYCLE_EDGES}
           for k, v in graph.items()}
    found = cycles(cut)
    assert not found, "import cycle:\n" + "\n".join(
        ", ".join(c) + ":\n  " + "\n  ".join(edges_within(cut, c)) for c in found)
    closing = {f"{short(a)} -> {short(b)}" for c in cycles(graph) for a in c for b in graph[a]
               if b in c}
    check_allow_list(closing & CYCLE_EDGES, CYCLE_EDGES, "import cycle")


def test_imports_at_the_top():
    """An import of a srcad module inside a function hid a cycle or was needless; new ones
    go at the top of the module."""
    known = modules()
    found = set()
    for name, path in known.items():
        tree = ast.parse(path.read_text())
        top = {n.lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
        found |= {f"{short(name)} -> {short(target)}"
                  for target, _, line in imports(name, path, known) if line not in top}
    check_allow_list(found, LOCAL_IMPORTS, "import inside a function (move it to the top)")


def test_no_private_name_crosses_modules():
    """A name another module needs is public; `_private` stays inside the module defining it."""
    known = modules()
    found = {f"{short(name)}: {alias} <- {short(target)}"
             for name, path in known.items()
             for target, alias in imports(name, path, known, attributes=True)
             if alias and alias.startswith("_") and not alias.startswith("__") and target != name}
    check_allow_list(found, PRIVATE_IMPORTS, "private name imported from another module")


def definitions(tree, prefix=""):
    """(qualified name, kind, length in lines) for every class and function, nested ones too."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            qualified = prefix + node.name
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            yield qualified, kind, node.end_lineno - start + 1
            yield from definitions(node, qualified + ".")
        else:
            yield from definitions(node, prefix)


def oversized():
    found = {}
    for name, path in modules().items():
        for qualified, kind, length in definitions(ast.parse(path.read_text())):
            if length > (CLASS_LIMIT if kind == "class" else FUNCTION_LIMIT):
                found[f"{name}:{qualified}"] = length
    return found


def test_no_class_or_function_over_the_limit():
    """Classes up to 300 lines, functions up to 60 (STYLE), except the listed offenders, which
    may not grow; a listed one that is now within the limit must leave the list."""
    found = oversized()
    new = {k: v for k, v in found.items() if k not in OVERSIZED}
    grown = {k: (OVERSIZED[k], v) for k, v in found.items() if k in OVERSIZED and v > OVERSIZED[k]}
    fixed = sorted(k for k in OVERSIZED if k not in found)
    assert not new, f"over the limit (split it): {new}"
    assert not grown, f"listed offenders grew (was, now): {grown}"
    assert not fixed, f"now within the limit; remove from OVERSIZED: {fixed}"


def spelled_name(node):
    """Whether an expression spells a name itself: a string literal, an f-string, or a sum
    with a string literal in it (`"b" + var.hint`)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return spelled_name(node.left) or spelled_name(node.right)
    if isinstance(node, ast.BoolOp):
        return any(spelled_name(v) for v in node.values)
    return False


def test_names_come_from_naming():
    """srcad/naming.py owns every name srcad writes into generated code: no other module
    spells the hint of a Var it creates (`Var("tape", ...)`, `hint="b" + x.hint`)."""
    found = []
    for name, path in modules().items():
        if name == "srcad.naming":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            hints = [k.value for k in node.keywords if k.arg == "hint"]
            if isinstance(node.func, ast.Name) and node.func.id == "Var" and node.args:
                hints.append(node.args[0])
            found += [f"{path.relative_to(ROOT)}:{node.lineno}" for h in hints if spelled_name(h)]
    assert not found, "\n".join(found)


def test_no_public_name_shadows_a_module():
    """`srcad.trace` is the function, so no module may be called srcad/trace.py: the function
    bound in the package would hide the module (`srcad.trace.render_graph` would fail)."""
    init = ast.parse((PACKAGE / "__init__.py").read_text())
    public = {alias.asname or alias.name for node in init.body
              if isinstance(node, ast.ImportFrom) for alias in node.names}
    shadowed = sorted(name for name in public if f"srcad.{name}" in modules()
                      and not any(isinstance(n, ast.ImportFrom) and n.module is None and
                                  any(a.name == name for a in n.names) for n in init.body))
    assert not shadowed, f"public names that shadow a module of the same name: {shadowed}"


def test_ir_statements_are_frozen():
    """A pass changes a statement by making a new one (`dataclasses.replace`), never in place:
    no pass can change a node another one holds."""
    eqn = Eqn((), "tape_new", (), 3)
    for node, field in ((eqn, "line"), (Block([eqn]), "results"), (Function("f", (), Block([])),
                                                                  "body")):
        try:
            setattr(node, field, None)
        except dataclasses.FrozenInstanceError:
            continue
        raise AssertionError(f"{type(node).__name__}.{field} can be changed in place")


def test_vars_are_frozen():
    """A Var's facts (name, kind, shape source, soft name) are given when it is made; a pass
    keeps what it learns later in its side table (srcad/ir/facts.py), so no pass can change a
    value another one holds."""
    var = Var("x", K.FLOAT)
    for field, value in (("hint", "y"), ("kind", K.INT), ("same_shape_as", Var()),
                         ("soft_hint", True), ("anything", 1)):
        with pytest.raises(AttributeError):
            setattr(var, field, value)
    assert (var.hint, var.kind, var.same_shape_as, var.soft_hint) == ("x", K.FLOAT, None, False)


# The stages, lowest first (REDESIGN 4.1, docs/how_it_works.md). A module of a stage imports
# modules of its own stage and of the ones below it; the flat modules are either small
# utilities every stage may use or the public surface above the stages; tools/ (trace tables,
# gradient checks, export, the command line) stand on the public surface.
STAGES = ["ir", "rules", "frontend", "analysis", "lowering", "transforms", "optimize", "codegen"]
UTILITIES = {"errors", "kinds", "naming", "runtime", "runtime_linalg", "runtime_moves",
             "runtime_order", "runtime_lazy", "runtime_checks", "tree", "display", "effects",
             "revolve"}
SURFACE = {"__init__", "__main__", "api", "pipeline", "fastpath", "family", "jaxlike", "reuse",
           "callables", "records", "extend", "integrate", "ode", "lazy"}

# Imports from a stage into a later one, or from a stage into the public surface
# ("importer -> imported"). Each is a module in the wrong stage or a callback waiting to be
# passed in. Shrink only.
UPWARD_IMPORTS = {
    "ir.builder -> rules",                   # the builder emits through the rule table
    "ir.nodes -> rules",                     # the printer and `evaluate` read the rule table
    "naming -> ir.nodes",                    # naming reads Var hints and rule names
    "naming -> rules",
    "frontend.live -> lowering.values",      # live values are lowered when they are read
    "transforms.helpers -> optimize.passes",       # a helper's VJP pair is simplified
}


def stage(module):
    """A module's layer: its stage's index; utilities below every stage, the surface above."""
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and parts[1] in SURFACE):
        return len(STAGES)
    if parts[1] == "tools":
        return len(STAGES) + 1
    if len(parts) == 2 and parts[1] in UTILITIES:
        return -1
    return STAGES.index(parts[1])


def test_flat_modules_are_utilities_or_surface():
    """A new module goes into the stage package it belongs to (srcad/<stage>/), or, if it is a
    small utility every stage uses or part of the public surface, into a list above."""
    flat = {name.split(".")[1] for name in modules() if name.count(".") == 1}
    flat -= set(STAGES) | {"tools"}
    assert flat <= UTILITIES | SURFACE, f"place in a stage: {sorted(flat - UTILITIES - SURFACE)}"


def test_stages_import_downward():
    """Data flows one way: a stage does not import a later stage or the public surface (the
    pipeline passes what a stage needs from above as a callback)."""
    graph = import_graph()
    found = {f"{short(a)} -> {short(b)}" for a, targets in graph.items() for b in targets
             if stage(a) < stage(b) and stage(a) < len(STAGES)}
    check_allow_list(found, UPWARD_IMPORTS, "import from a later stage (pass it in instead)")


def test_every_package_ships():
    """pyproject.toml names srcad's packages one by one: a stage package left out of the list
    would be missing from the wheel, and `import srcad` would fail after `pip install`."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_lowering_grows_by_parts():
    """A new capability of the lowering is a part it owns (`lw.<part>`) and a handler in
    lowering/dispatch.py, not one more base class of FunctionLowering; no method of the lowering
    calls the next one through super()."""
    bases = len(FunctionLowering.__bases__)
    assert bases <= LOWERING_BASES, f"FunctionLowering has {bases} bases: make the new one a part"
    assert bases == LOWERING_BASES, f"fewer bases now: set LOWERING_BASES = {bases} in {__file__}"
    chained = sorted(f"{cls.__name__}.{name}" for cls in FunctionLowering.__mro__[1:-1]
                     for name, method in vars(cls).items() if callable(method) and
                     "super" in getattr(getattr(method, "__code__", None), "co_names", ()))
    assert not chained, f"calls through super() (call the steps by name): {chained}"


def test_expressions_are_a_part():
    """The expression code is a part the lowering owns (lw.expressions, made in own_parts,
    lowering/expressions.py) and inherits from nothing; the hooks FunctionLowering inherits
    (Dispatching) hold no state of their own."""
    assert Expressions.__bases__ == (object,), \
        f"Expressions has bases {Expressions.__bases__}: make them parts"
    assert FunctionLowering.__bases__ == (Dispatching,)
    assert "__init__" not in vars(Dispatching), "the lowering's state is FunctionLowering's"
