"""The frozen IR's side tables (srcad/ir/facts.py): a Var is never changed after it is made;
what a pass learns later is kept beside it and given to the Vars of the pass's output."""

import importlib.util
import textwrap

import numpy as np

import srcad
from srcad import kinds as K
from srcad.ir.facts import Facts
from srcad.ir.nodes import Const, Eqn, Var
from srcad.lowering.stores import NewObject


def test_baked_vars_carry_the_facts_and_shape_chains_follow():
    x, y = Var("x", K.FLOAT), Var(None, K.FLOAT)
    z = Var(None, K.FLOAT, y)                    # made knowing it has y's shape
    facts = Facts()
    facts.name(y, "by", soft=True)
    facts.same_shape(y, x)
    stmts, (result,) = facts.baked([Eqn((y,), "neg", (x,)), Eqn((z,), "sin", (y,))], (z,))
    new_y, new_z = stmts[0].out, stmts[1].out
    assert (new_y.hint, new_y.soft_hint, new_y.same_shape_as) == ("by", True, x)
    assert stmts[1].args == (new_y,) and new_z.same_shape_as is new_y and result is new_z
    assert (y.hint, y.same_shape_as, z.same_shape_as) == (None, None, y)    # unchanged


def test_a_new_object_of_a_constant_is_made_again_with_its_name():
    """np.zeros((2, 1)) folds to a constant that a NewObject stands for; named by its
    assignment, it is made again, as a NewObject still, its shape source the constant."""
    buffer = NewObject(Const(np.zeros((2, 1))))
    facts = Facts()
    facts.name(buffer, "buf")
    stmts, (read,) = facts.baked([], (buffer,))
    assert isinstance(read, NewObject) and read.hint == "buf"
    assert read.value is buffer.value and read.same_shape_as is buffer.value


PROGRAM = '''
import numpy as np

def h0(a0, a1):
    o0 = np.zeros((2, 1))
    for i1 in range(2):
        o0[i1, 0] = 0.5
    o0[:, 0] += np.broadcast_to(a1, (2,))
    for i1 in range(2):
        o0[i1, 0] = 0.5
    t1 = a1
    return np.broadcast_to(0.5, (3,))[1]


def h1(a0):
    t2 = (a0[:, 1] ** 2)
    return (np.broadcast_to((0.5 + 0.5), (3,)) @ np.broadcast_to(np.cos(np.mean(t2)), (3,)))


def f(x0, x1):
    t3 = t4 = np.mean(x1)
    t4 -= ((-0.7 + t3) ** 2)
    for i0 in range(2):
        t5 = (np.broadcast_to(np.tanh((i0 + 0.5)), (3,))[-1] + np.where(
            (np.ones(np.sin(t3).shape) * (i0 + 0.5)) > -0.7, np.tanh(x1),
            np.sqrt((1.5 + (i0 + 0.5) * (i0 + 0.5)))))
        o6 = np.zeros((2, 1))
        for i1 in range(2):
            o6[i1, 0] = ((1.5 + (i1 + 0.5) * (i1 + 0.5)) ** -1.5)
    if (np.where(-0.7 > 0.3, t3, x1) @ np.broadcast_to(h1(np.broadcast_to(2.0, (2, 3))),
                                                       (3,))) > 2.0:
        t3 = np.log((1.5 + 2.0 * 2.0))
    else:
        t7 = (((t3 + 0.5) + (-x0)) + x1[1])
    t8 = h0(x1, np.sum(np.broadcast_to((-x0), (2, 3))))
    t9 = t10 = np.broadcast_to(((0.5 * t3) / (2.0 + np.cos(0.5))), (2, 1))
    return np.sum(-0.7) + t8 * np.sum(x0)
'''


def test_a_program_with_new_arrays_of_constants_in_helpers(tmp_path):
    """A fuzz program (tests/test_fuzz.py) whose helper's buffer made again failed with an
    AttributeError; both modes against central differences."""
    path = tmp_path / "frozen_program.py"
    path.write_text(textwrap.dedent(PROGRAM))
    spec = importlib.util.spec_from_file_location("frozen_program", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x0, x1 = np.array([[-0.76], [0.80]]), np.array([0.59, -1.10, 1.23])
    grads = srcad.grad(module.f, wrt=(0, 1))(x0, x1)
    expected = srcad.numeric_grad(module.f, x0, x1, wrt=(0, 1))
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got, want, atol=1e-7)
    np.testing.assert_allclose(grads[0], 0.5)
    dx0, dx1 = np.array([[1.0], [2.0]]), np.array([0.5, -1.0, 2.0])
    _, tangent = srcad.jvp(module.f, wrt=(0, 1))(x0, x1, dx0, dx1)
    np.testing.assert_allclose(tangent, np.sum(expected[0] * dx0) + np.sum(expected[1] * dx1),
                               atol=1e-7)
