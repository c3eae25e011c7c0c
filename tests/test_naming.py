"""Names srcad writes never collide with the user's (issue 16, items 5 and 20).

srcad/naming.py chooses every name in generated code, in desugared loops, in wrappers and in
added parameters fresh against the user's names; generated source holds only identifiers srcad
made and literals it wrote itself. The property test renames every name of a fuzzer program to
names srcad itself generates and checks that values and derivatives stay bit-identical.
"""

import ast
import builtins
import enum
import linecache

import numpy as np
import pytest
from fuzz_programs import programs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import srcad
from srcad.tree import flatten

# what srcad writes: adjoints, temporaries, tapes, loop flags, modules, runtime helpers,
# added parameters, wrapper names, builtins generated code calls
SRCAD_NAMES = ["bx", "v1", "tape_1", "broke", "retval", "np", "math", "unbroadcast", "add_at",
               "shape_like", "skipped", "returned", "tape", "record", "finish_adjoint",
               "zeros_like", "broadcast_like", "check_broadcast", "unreduce", "empty_adjoint",
               "v2", "v3", "g", "dx", "dx0", "bx0", "bt0", "cotangent", "range", "reversed",
               "slice", "len", "float", "int", "getattr", "_srcad_type", "_srcad_dispatch",
               "bx_1", "v1_1", "broke_1", "h", "b", "d", "c", "grad_f", "jvp_f", "copy_tree",
               "tape_push", "tape_pop", "res_f", "fwd_f", "bwd_f", "x0", "t0", "a0"]


def _names(tree):
    found = []
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.arg if isinstance(
            node, ast.arg) else node.name if isinstance(node, ast.FunctionDef) else None
        if name is not None and name not in found:
            found.append(name)
    return found


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(self.mapping[node.id], node.ctx), node)

    def visit_arg(self, node):
        node.arg = self.mapping[node.arg]
        return node

    def visit_FunctionDef(self, node):
        node.name = self.mapping[node.name]
        self.generic_visit(node)
        return node

    def visit_keyword(self, node):
        """`h(x, c=0.5)`: the keyword names a parameter, renamed with it."""
        node.arg = self.mapping.get(node.arg, node.arg)
        self.generic_visit(node)
        return node


def _define(source, main, names, filename):
    """Exec `source` (registered in linecache) with the globals it reads bound under `names`
    (original name -> its name in this source); returns the function `main`."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    for original, name in names.items():
        if original == "np":
            namespace[name] = np
        elif hasattr(builtins, original):
            namespace[name] = getattr(builtins, original)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the program under test
    return namespace[main]


def _outcome(f, args, tangents):
    """(value, reverse-mode gradients, forward-mode tangent), or the refusal's class."""
    wrt = tuple(range(len(args)))
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            value, grads = srcad.value_and_grad(f, wrt=wrt)(*copies)
            primal, tangent = srcad.jvp(f, wrt=wrt)(*copies, *tangents)
    except srcad.SrcadError as err:
        return type(err)
    return [value, *flatten(grads)[0], primal, tangent]


def _identical(a, b):
    if isinstance(a, type) or isinstance(b, type):
        return a is b
    return len(a) == len(b) and all(
        type(x) is type(y) and np.shape(x) == np.shape(y) and
        np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(), st.randoms(use_true_random=False))
def test_renaming_to_srcad_names_changes_nothing(program, random):
    """Every name of a generated program (parameters, locals, helpers, `np`, `range`) renamed
    to names srcad generates: values and gradients (reverse and forward) bit-identical."""
    tree = ast.parse(program.source)
    names = _names(tree)
    targets = random.sample(SRCAD_NAMES, len(names))
    mapping = dict(zip(names, targets))
    renamed = ast.unparse(_Rename(mapping).visit(tree)) + "\n"
    tangents = [np.full(np.shape(a), 0.5) if isinstance(a, np.ndarray) else 0.5
                for a in program.args]
    identity = {n: n for n in names}
    try:
        f = _define(program.source, "f", identity, f"<naming original {id(program)}>")
        g = _define(renamed, mapping["f"], mapping, f"<naming renamed {id(program)}>")
        expected = _outcome(f, program.args, tangents)
        got = _outcome(g, program.args, tangents)
    finally:
        linecache.cache.pop(f"<naming original {id(program)}>", None)
        linecache.cache.pop(f"<naming renamed {id(program)}>", None)
    assert _identical(expected, got), f"{program.source}\nrenamed:\n{renamed}"


# ----- the examples of the issue, in both modes, against finite differences -----------------
def _check_both_modes(f, *args, wrt=0):
    srcad.check_grad(f, *args, wrt=wrt)
    srcad.check_grad(f, *args, wrt=wrt, mode="forward")


def test_parameter_named_like_a_loop_flag():
    def f(x, broke):
        for i in range(3):
            if i == 2:
                break
            x = x * broke
        return x

    assert srcad.value_and_grad(f)(1.5, 2.0) == (f(1.5, 2.0), 4.0)
    _check_both_modes(f, 1.5, 2.0, wrt=(0, 1))


def test_return_flags_and_nested_breaks():
    def f(retval, returned, skipped):
        for i in range(4):
            for j in range(3):
                if j == 1:
                    break
                retval = retval * returned
            if i == 2:
                return retval * skipped
            if i == 0:
                continue
            retval = retval + skipped
        return retval

    assert srcad.grad(f)(1.5, 2.0, 0.5) == pytest.approx(srcad.numeric_grad(f, 1.5, 2.0, 0.5))
    _check_both_modes(f, 1.5, 2.0, 0.5, wrt=(0, 1, 2))


def test_parameters_and_globals_named_like_runtime_helpers():
    def f(x, unbroadcast, add_at, shape_like):
        return np.sum(x * unbroadcast + add_at * shape_like * check_broadcast)

    args = (np.ones((2, 3)), np.arange(3.0), np.ones((2, 1)), 2.0)
    _check_both_modes(f, *args, wrt=(0, 1, 2, 3))


def test_user_names_np_math_range():
    source = ("def f(np, math, range):\n"
              "    for i in RANGE(2):\n"
              "        np = NP.sin(np) * math + range\n"
              "    return NP.sum(np)\n")
    namespace = {"NP": np, "RANGE": range}
    linecache.cache["<naming np>"] = (len(source), None, source.splitlines(True), "<naming np>")
    exec(compile(source, "<naming np>", "exec"), namespace)  # noqa: S102
    f = namespace["f"]
    _check_both_modes(f, np.array([0.3, -0.4]), 1.5, 0.25, wrt=(0, 1, 2))


def test_added_parameters_are_fresh():
    f = lambda x, v: np.sum(x * x * v)           # noqa: E731 - hvp's vector is not this v
    x, v = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(srcad.hvp(f)(x, v, np.ones(2)), 2 * v)
    g = lambda x, dx: x * dx                     # noqa: E731 - jvp's tangent is not this dx
    assert srcad.jvp(g)(2.0, 3.0, 1.0) == (6.0, 3.0)
    h = lambda x, cotangent: x * cotangent       # noqa: E731
    assert srcad.vjp(h)(2.0, 3.0, 1.0) == (6.0, 3.0)
    _check_both_modes(h, 2.0, 3.0)


# ----- item 20: user data never becomes generated text ---------------------------------------
class _Crafted(float):
    def __repr__(self):
        return "__import__('os').getcwd() and 2.0"


class _Axis(enum.IntEnum):
    ROWS = 0


CRAFTED = _Crafted(2.0)
check_broadcast = 1.5          # a global named like a runtime helper


def test_function_name_is_not_source():
    def loss(x):
        return x * x

    loss.__name__ = "loss[mse]"
    g = srcad.grad(loss)
    assert g(3.0) == 6.0 and g.__name__.isidentifier()
    assert srcad.jvp(loss)(3.0, 1.0) == (9.0, 6.0)
    assert "loss[mse]" not in srcad.source(g)


def test_float_subclass_and_int_enum_reach_code_through_the_namespace():
    def f(x):
        return np.sum(np.sum(x, axis=_Axis.ROWS) * CRAFTED)

    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    _check_both_modes(f, x)
    text = srcad.source(srcad.grad(f), x)
    assert "__import__" not in text and "<_Axis" not in text


def test_export_writes_no_user_text(tmp_path):
    def loss(x):
        return np.sum(x * 2.5)

    loss.__name__ = 'loss"""\\'
    g = srcad.grad(loss)
    g(np.ones(2))
    namespace = {}
    exec(srcad.export(g), namespace)  # noqa: S102 - the module must compile
    np.testing.assert_array_equal(namespace[g.__name__](np.ones(2)), [2.5, 2.5])

    def crafted(x):
        return np.sum(x * CRAFTED)

    g = srcad.grad(crafted)
    g(np.ones(2))
    with pytest.raises(srcad.SrcadError, match="cannot be written as a literal"):
        srcad.export(g)
