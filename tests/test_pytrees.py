"""Pytrees (issue 19): namedtuples, dataclasses, None leaves, nested containers and classes
registered with srcad.tree.register as differentiated arguments, in both modes, checked
against central differences; the gradient has the argument's own structure and classes."""

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np
import pytest

import srcad
from srcad import tree

MODES = ["reverse", "forward"]
Params = namedtuple("Params", "W b")
Other = namedtuple("Other", "W b")
rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))


@dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class Frozen:
    W: np.ndarray
    b: float
    activation: str = field(default="tanh", metadata={"static": True})


@dataclass
class Noisy:
    """A dataclass whose construction has a side effect: gradients must not construct it."""
    W: np.ndarray
    built = []

    def __post_init__(self):
        Noisy.built.append(self)


class Affine:
    """A user container registered as JAX's register_pytree_node registers one."""

    def __init__(self, W, b, name):
        self.W, self.b, self.name = W, b, name


tree.register(Affine, lambda a: ((a.W, a.b), a.name),
              lambda name, children: Affine(*children, name))


def check(f, *args, wrt=0):
    for mode in MODES:
        assert srcad.check_grad(f, *args, wrt=wrt, mode=mode)


def net(p, x):
    return np.sum(np.tanh(x @ p.W + p.b) ** 2)


def test_namedtuple_attributes_and_indexing():
    p = Params(rng.standard_normal((3, 2)), 0.5)

    def by_index(p, x):
        W, b = p
        return np.sum(np.tanh(x @ p[0] + b))

    for f in (net, by_index):
        g = srcad.grad(f)(p, X)
        assert type(g) is Params and type(g.b) is float and g.W.shape == (3, 2)
        check(f, p, X)


def test_namedtuple_classes_of_one_shape_keep_their_class():
    g = srcad.grad(net)
    assert type(g(Params(np.ones((3, 2)), 1.0), X)) is Params
    assert type(g(Other(np.ones((3, 2)), 1.0), X)) is Other


@pytest.mark.parametrize("make", [lambda W, b: Dense(W, b), lambda W, b: Frozen(W, 0.3)])
def test_dataclass_gradient_is_an_instance_of_its_class(make):
    d = make(rng.standard_normal((3, 2)), rng.standard_normal(2))
    g = srcad.grad(net)(d, X)
    assert type(g) is type(d)
    check(net, d, X)
    value, tangent = srcad.jvp(net)(d, X, g)
    assert value == pytest.approx(net(d, X))
    flat_g = tree.flatten(g)[0]
    assert tangent == pytest.approx(sum(np.sum(u * u) for u in flat_g))


def test_static_dataclass_field_is_carried_not_differentiated():
    g = srcad.grad(net)(Frozen(np.ones((3, 2)), 0.2, "relu"), X)
    assert g.activation == "relu"


def test_gradient_does_not_run_init_or_post_init():
    d = Noisy(np.ones(3))
    Noisy.built.clear()
    g = srcad.grad(lambda d: np.sum(d.W ** 3))(d)
    assert type(g) is Noisy and np.allclose(g.W, 3.0) and Noisy.built == []


def test_none_leaves_have_none_gradients():
    p = {"a": {"W": rng.standard_normal((4, 3))}, "mask": None}

    def f(p, x):
        s = np.sum(np.sin(p["a"]["W"] * x))
        if p["mask"] is None:
            return s
        return s * p["mask"]

    g = srcad.grad(f)(p, X)
    assert g["mask"] is None and g["a"]["W"].shape == (4, 3)
    check(f, p, X)
    value, tangent = srcad.jvp(f)(p, X, {"a": {"W": np.ones((4, 3))}, "mask": None})
    assert tangent == pytest.approx(np.sum(np.cos(p["a"]["W"] * X) * X))


def test_none_tangent_where_the_argument_has_none():
    with pytest.raises(ValueError, match=r"at \['mask'\]: expected None"):
        srcad.jvp(lambda p: np.sum(p["W"]))({"W": np.ones(2), "mask": None},
                                            {"W": np.ones(2), "mask": 1.0})


def test_none_argument_itself_is_refused():
    with pytest.raises(TypeError, match="is None; gradients need float inputs"):
        srcad.grad(lambda p: 1.0)(None)


def test_non_float_leaves_are_refused_with_a_rewrite():
    """As JAX and autograd do: an int or a string inside a differentiated argument is a
    mistake or belongs in a static field (docs/conventions.md)."""
    @dataclass
    class Config:
        W: np.ndarray
        n: int

    with pytest.raises(TypeError, match=r"at c\.n is an integer \(3\).*static"):
        srcad.grad(lambda c: np.sum(c.W) * c.n)(Config(np.ones(2), 3))


def test_nested_containers_of_records():
    layers = [Dense(rng.standard_normal((3, 5)), rng.standard_normal(5)),
              Frozen(rng.standard_normal((5, 2)), 0.1)]
    params = {"layers": layers, "head": Params(rng.standard_normal(2), 0.2)}

    def f(params, x):
        for layer in params["layers"]:
            x = np.tanh(x @ layer.W + layer.b)
        return np.sum(x @ params["head"].W) + params["head"][1]

    g = srcad.grad(f)(params, X)
    assert [type(layer) for layer in g["layers"]] == [Dense, Frozen]
    assert type(g["head"]) is Params
    check(f, params, X)


def test_registered_container():
    a = Affine(rng.standard_normal((3, 2)), rng.standard_normal(2), "first")
    g = srcad.grad(net)(a, X)
    assert type(g) is Affine and g.name == "first" and g.b.shape == (2,)
    check(net, a, X)


def test_record_through_a_helper_and_with_wrt_tuple():
    def layer(p, x):
        return np.tanh(x @ p.W + p.b)

    def f(p, x):
        return np.sum(layer(p, x) ** 2)

    d = Dense(rng.standard_normal((3, 2)), rng.standard_normal(2))
    value, (gd, gx) = srcad.value_and_grad(f, wrt=(0, 1))(d, X)
    assert value == pytest.approx(f(d, X)) and type(gd) is Dense and gx.shape == X.shape
    check(f, d, X, wrt=(0, 1))
    value, grads = srcad.vjp(lambda d, x: layer(d, x))(d, X, np.ones((4, 2)))
    assert type(grads) is Dense


def test_method_of_a_record_is_refused():
    @dataclass
    class WithMethod:
        W: np.ndarray

        def norm(self):
            return np.sum(self.W ** 2)

    with pytest.raises(srcad.SrcadError, match="norm"):
        srcad.grad(lambda m: m.norm())(WithMethod(np.ones(2)))


def test_register_refuses_builtin_containers():
    with pytest.raises(TypeError):
        tree.register(dict, lambda d: ((), None), lambda aux, ch: {})


def test_tree_functions_on_records():
    d = Frozen(np.ones(2), 1.0, "relu")
    leaves, treedef = tree.flatten(d)
    assert len(leaves) == 2 and str(treedef) == "Frozen(W=*, b=*)"
    assert tree.paths(treedef) == [".W", ".b"]
    rebuilt = tree.unflatten(treedef, [np.zeros(2), 2.0])
    assert type(rebuilt) is Frozen and rebuilt.activation == "relu" and rebuilt.b == 2.0
    doubled = tree.map_leaves(lambda u: 2 * u, Affine(np.ones(2), 1.0, "a"))
    assert type(doubled) is Affine and doubled.b == 2.0 and doubled.name == "a"


def test_record_through_a_helper_called_twice():
    """A helper called from two places is compiled on its own and receives the record as
    the derivative holds it; its kind still says it is a record."""
    def layer(p, x):
        return np.tanh(x @ p.W + p.b)

    def f(p, q, x):
        return np.sum(layer(q, layer(p, x)) ** 2)

    p = Dense(rng.standard_normal((3, 3)), rng.standard_normal(3))
    q = Dense(rng.standard_normal((3, 2)), rng.standard_normal(2))
    gp, gq = srcad.grad(f, wrt=(0, 1))(p, q, X)
    assert type(gp) is Dense and type(gq) is Dense
    check(f, p, q, X, wrt=(0, 1))
