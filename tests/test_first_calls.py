"""First calls (issue 21): work a transform no longer repeats, counted (never timed), with the
derivatives still those of the function in both modes, against finite differences."""

import ast

import numpy as np
import pytest

import srcad
from srcad.errors import SrcadError
from srcad.frontend import parse as frontend_parse
from srcad.frontend.syntax import nodes_below, walk_no_defs
from srcad.lowering import function as lowering_function

TREE = """
def tree_sum(node, leaves):
    if isinstance(node, int):
        return leaves[node]
    op, left, right = node
    if op == "+":
        return tree_sum(left, leaves) + tree_sum(right, leaves)
    return tree_sum(left, leaves) * tree_sum(right, leaves)


def f(leaves):
    return tree_sum(("*", ("+", 0, 1), ("+", 2, ("*", 0, 3))), leaves)
"""


def counted_helper_lowerings(monkeypatch):
    original, calls = lowering_function.lowered_for_kinds, []

    def counting(fn, arg_kinds, lower_fn):
        def lower(parsed, kinds):
            calls.append(fn.__name__)
            return lower_fn(parsed, kinds)
        return original(fn, arg_kinds, lower)
    monkeypatch.setattr("srcad.lowering.inline.lowered_for_kinds", counting)
    return calls


def test_a_recursive_helper_is_lowered_once_per_question(load, monkeypatch):
    """Each call of a helper called by name lowers it to learn its result's kind; in a
    recursion, every level asked the same questions again (174 lowerings of tree_sum for one
    first call, 600 ms); each is now answered once while the outermost is in progress."""
    f = load(TREE)
    calls = counted_helper_lowerings(monkeypatch)
    leaves = np.array([0.5, -1.5, 2.0, 0.25])
    g = srcad.grad(f)(leaves)
    assert len(calls) <= 50, len(calls)          # 43; 174 before
    a, b, c, d = leaves
    np.testing.assert_allclose(g, [(c + a * d) + (a + b) * d, c + a * d, a + b, (a + b) * a])
    srcad.check_grad(f, leaves, rtol=1e-5, atol=1e-7)


def test_the_answers_are_forgotten_after_the_outermost_lowering(load):
    f = load(TREE)
    srcad.grad(f)(np.ones(4))
    assert not lowering_function._LOWERED and not lowering_function._LOWERING


NESTED = """
def f(x, items):
    total = 0.0
    for i in range(3):
        for j in range(2):
            try:
                total = total + x * i
            except ValueError:
                total = total - 1.0
            with open("p") as handle:
                items.append(lambda t: t + j)
        def inner(y):
            return y * 2
        match i:
            case 1:
                total = inner(total)
            case _:
                pass
    while total > 10.0:
        total = total / 2
    return total
"""


def test_nodes_below_a_statement_are_those_of_the_walk():
    """syntax.nodes_below gives a statement's nodes in walk_no_defs's order, made from the
    tuples of the compound statements inside it (each loop of a nest once, not once per
    level around it)."""
    function = ast.parse(NESTED).body[0]
    for stmt in [function, *walk_no_defs(function)]:
        if isinstance(stmt, ast.stmt):
            assert list(nodes_below(stmt)) == list(walk_no_defs(stmt))
    outer = function.body[1]
    inner = outer.body[0]
    nodes_below.cache_clear()
    nodes_below(outer)
    hits = nodes_below.cache_info().hits
    nodes_below(inner)
    assert nodes_below.cache_info().hits == hits + 1       # made while its loop's was


def test_a_definition_is_the_parsed_node_and_refused_alike(load):
    f = load(TREE)
    assert frontend_parse.definition(f) is frontend_parse.parse(f).node
    for not_a_function in (np.sin, len):
        with pytest.raises(SrcadError) as parsed:
            frontend_parse.parse(not_a_function)
        with pytest.raises(SrcadError) as defined:
            frontend_parse.definition(not_a_function)
        assert str(defined.value) == str(parsed.value)
