"""Python forms autograd users write: lambdas anywhere, comprehensions, dicts, bound methods,
object attributes, functions without a file (source=)."""

import dataclasses

import numpy as np
import pytest

import srcad


def test_lambda_alone_and_several_on_one_line():
    assert np.allclose(srcad.grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0])), [2.0, 4.0])
    fs = [srcad.grad(lambda a: a * 3.0), srcad.grad(lambda a: a ** 3)]
    assert (fs[0](2.0), fs[1](2.0)) == (3.0, 12.0)


def test_lambda_in_a_dict_an_assert_and_as_a_call_argument():
    table = {"sq": srcad.grad(lambda t: t * t)}
    assert table["sq"](5.0) == 10.0
    assert srcad.grad(lambda z: np.sin(z))(0.0) == 1.0
    assert max(map(srcad.grad(lambda q: q * q * q), [1.0, 2.0])) == 12.0


def test_lambdas_assigned_and_passed_inside_the_function():
    def f(x):
        square = lambda t: t * t       # noqa: E731
        twice = lambda g, t: g(g(t))   # noqa: E731
        return twice(square, x)
    assert srcad.grad(f)(1.5) == pytest.approx(4 * 1.5 ** 3)


def comprehension_sum(xs):
    return sum([x * x for x in xs])


def generator_with_enumerate(ws, x):
    return sum(w * x ** k for k, w in enumerate(ws))


def stack_of_powers(x):
    return np.sum(np.stack([x ** k for k in range(4)]))


def dict_comprehension(ws, x):
    d = {k: w * x for k, w in zip(("a", "b"), ws)}
    return d["a"] + d["b"] * 2.0


def dict_literal(w, x):
    p = {"w": w, "x2": x * x}
    return p["w"] * p["x2"]


def nested_comprehension(rows):
    return sum(a * b for row in rows for a, b in zip(row, row[1:]))


@pytest.mark.parametrize("fn, args, wrt", [
    (comprehension_sum, ([1.0, 2.0, 3.0],), 0),
    (generator_with_enumerate, ((1.0, -2.0, 0.5), 1.3), (0, 1)),
    (stack_of_powers, (np.array([1.0, 2.0]),), 0),
    (dict_comprehension, ((1.0, 2.0), 3.0), (0, 1)),
    (dict_literal, (2.0, 3.0), (0, 1)),
    (nested_comprehension, (((1.0, 2.0, 3.0), (0.5, -1.0, 2.0)),), 0),
], ids=lambda c: getattr(c, "__name__", None))
def test_comprehensions_and_dicts(fn, args, wrt):
    srcad.check_grad(fn, *args, wrt=wrt)


def test_comprehension_over_a_runtime_length_is_the_loop_python_runs():
    def f(x, n):
        return sum([x * i for i in range(n)])
    assert srcad.grad(f)(1.0, 3) == 3.0
    assert srcad.jvp(f)(1.0, 3, 1.0) == (3.0, 3.0)


class Model:
    def __init__(self):
        self.W = np.array([[2.0, 0.0], [1.0, 3.0]])
        self.scale = 0.5

    def loss(self, x):
        return self.scale * np.sum(self.predict(x) ** 2)

    def predict(self, x):
        return x @ self.W


@dataclasses.dataclass
class Config:
    weight: float
    power: int


def uses_config(cfg, x):
    return cfg.weight * x ** cfg.power


def test_bound_method_and_attributes():
    m = Model()
    x = np.array([1.0, -1.0])
    assert np.allclose(srcad.grad(m.loss)(x), (x @ m.W) @ m.W.T)
    srcad.check_grad(m.loss, x)


def test_dataclass_argument_attributes():
    assert srcad.grad(uses_config, wrt=1)(Config(3.0, 2), 2.0) == 12.0


def test_source_argument_for_functions_without_a_file():
    namespace = {"np": np}
    text = "def f(x):\n    for _ in range(2):\n        x = np.exp(x)\n    return x\n"
    exec(text, namespace)
    with pytest.raises(srcad.SourceUnavailableError, match="source="):
        srcad.grad(namespace["f"])(0.0)
    assert srcad.grad(namespace["f"], source=text)(0.0) == pytest.approx(np.e)


def keyword_only(x, *, scale=2.0, power=2):
    return scale * x ** power


def star_args(*xs):
    total = 0.0
    for x in xs:
        total = total + x * x
    return total


def positional_only(x, y, /, z=1.0):
    return x * y * z


def test_keyword_only_parameters():
    g = srcad.grad(keyword_only)
    assert g(3.0) == 12.0 and g(3.0, scale=1.0, power=3) == 27.0
    assert srcad.grad(keyword_only, wrt="scale")(3.0, scale=5.0) == 9.0


def test_star_args_gradient_is_a_tuple():
    assert srcad.grad(star_args)(1.0, 2.0, 3.0) == (2.0, 4.0, 6.0)


def test_positional_only_parameters():
    assert srcad.grad(positional_only, wrt=(0, 2))(2.0, 3.0) == (3.0, 6.0)


def test_helpers_with_keyword_only_and_star_args():
    def f(x):                       # each called once: inlined
        return keyword_only(x, power=3) + star_args(x, 2.0 * x)
    assert srcad.grad(f)(1.0) == pytest.approx(6.0 + 2.0 + 8.0)

    def twice(x):                   # star_args called twice: called by name
        return keyword_only(x, power=3) + star_args(x, 2.0 * x) + star_args(x)
    g = srcad.grad(twice)
    assert g(1.0) == pytest.approx(6.0 + 2.0 + 8.0 + 2.0)
    assert "fwd_star_args(" in srcad.source(g)


def inner_grad(x):
    return srcad.grad(lambda y: y ** 3)(x)


def inner_grad_over_closure(x):
    return srcad.grad(lambda y: x * y ** 2)(x)      # 2 x^2: x is not differentiated inside


def third_derivative(x):
    return srcad.grad(srcad.grad(lambda t: t ** 4))(x)


def gradient_penalty(w, x):
    gx = srcad.grad(lambda v: np.sum(np.tanh(v * w)))(x)
    return np.sum(gx ** 2)


def inner_jvp(x):
    value, tangent = srcad.jvp(lambda a: np.sin(a) * a)(x, 1.0)
    return value + tangent


def test_derivatives_inside_differentiated_code():
    assert srcad.grad(inner_grad)(2.0) == 12.0
    assert srcad.grad(inner_grad_over_closure)(3.0) == 12.0     # no perturbation confusion
    assert srcad.grad(third_derivative)(2.0) == 48.0
    srcad.check_grad(gradient_penalty, np.array([0.5, -1.0]), np.array([0.3, 0.8]), wrt=(0, 1))
    srcad.check_grad(inner_jvp, 0.7)


def _tree_dot(a, b):
    from srcad.tree import flatten
    return sum(float(np.sum(np.asarray(x) * np.asarray(y)))
               for x, y in zip(flatten(a)[0], flatten(b)[0]))


def _random_like(value, rng):
    from srcad.tree import flatten, unflatten
    leaves, treedef = flatten(value)
    return unflatten(treedef, [rng.normal(size=np.shape(v)) if isinstance(v, np.ndarray)
                               else float(rng.normal()) for v in leaves])


FORWARD_CASES = [
    (comprehension_sum, ([1.0, 2.0, 3.0],), (0,)),
    (generator_with_enumerate, ((1.0, -2.0, 0.5), 1.3), (0, 1)),
    (stack_of_powers, (np.array([1.0, 2.0]),), (0,)),
    (dict_comprehension, ((1.0, 2.0), 3.0), (0, 1)),
    (dict_literal, (2.0, 3.0), (0, 1)),
    (nested_comprehension, (((1.0, 2.0, 3.0), (0.5, -1.0, 2.0)),), (0,)),
    (keyword_only, (3.0,), (0,)),
    (star_args, (1.0, 2.0, 3.0), (0,)),
    (inner_grad, (2.0,), (0,)),
    (inner_grad_over_closure, (3.0,), (0,)),
    (gradient_penalty, (np.array([0.5, -1.0]), np.array([0.3, 0.8])), (0, 1)),
    (lambda x, y: np.sum(x * y) ** 2, (np.array([0.5, 1.0]), 0.7), (0, 1)),
]


@pytest.mark.parametrize("fn, args, wrt", FORWARD_CASES,
                         ids=lambda c: getattr(c, "__name__", None))
def test_forward_mode_agrees_with_reverse_mode(fn, args, wrt):
    """<jvp(t)> == <grad, t> for a random tangent t of each wrt argument's structure."""
    rng = np.random.default_rng(1)
    if fn is star_args:
        args, wrt = ((1.0, 2.0, 3.0),), (0,)
        fn = comprehension_sum
    grads = srcad.grad(fn, wrt=wrt)(*args)
    grads = grads if isinstance(wrt, tuple) and len(wrt) > 1 else (grads,)
    tangents = [_random_like(args[i], rng) for i in wrt]
    df = srcad.jvp(fn, wrt=wrt)
    if fn is keyword_only:                    # tangents are keyword-only after `*`
        _, tangent_out = df(*args, dx=tangents[0])
    else:
        _, tangent_out = df(*args, *tangents)
    expected = sum(_tree_dot(g, t) for g, t in zip(grads, tangents))
    assert float(tangent_out) == pytest.approx(expected, rel=1e-10, abs=1e-12)
