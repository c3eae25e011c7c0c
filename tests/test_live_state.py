"""Python semantics for what a function reads besides its arguments (issue 16, items 2, 8, 12).

A derivative reads module globals, closure cells and object attributes when it runs, as the
function does; defaults are the function object's own; transforms of functions with defaults
take their extra arguments (tangents, cotangent, v) by keyword.
"""

import itertools
import linecache

import numpy as np
import pytest

import srcad

X = np.array([0.5, -1.25, 2.0])
DX = np.array([1.0, 0.25, -0.5])
_FILES = itertools.count()


# ----- item 12: jvp / vjp / hessian / hvp of a function with a default parameter -------------
def cubic(x, c=2.0):
    return np.sum(c * x ** 3)


def test_jvp_of_function_with_default():
    value, tangent = srcad.jvp(cubic)(X, dx=DX)
    assert np.isclose(value, cubic(X))
    assert np.isclose(tangent, np.sum(6.0 * X ** 2 * DX))
    value, tangent = srcad.jvp(cubic)(X, 3.0, dx=DX)
    assert np.isclose(tangent, np.sum(9.0 * X ** 2 * DX))


def test_vjp_of_function_with_default():
    value, grad = srcad.vjp(cubic)(X, cotangent=2.0)
    assert np.isclose(value, cubic(X))
    assert np.allclose(grad, 2.0 * srcad.numeric_grad(cubic, X))
    assert np.allclose(srcad.vjp(cubic)(X, 0.5, cotangent=1.0)[1], 1.5 * X ** 2)


def test_hessian_and_hvp_of_function_with_default():
    assert np.allclose(srcad.hessian(cubic)(X), np.diag(12.0 * X))
    assert np.allclose(srcad.hessian(cubic)(X, 1.0), np.diag(6.0 * X))
    assert np.allclose(srcad.hvp(cubic)(X, v=DX), 12.0 * X * DX)
    assert np.allclose(srcad.hvp(cubic)(X, 1.0, v=DX), 6.0 * X * DX)
    assert np.allclose(srcad.jacobian(cubic, mode="forward")(X), 6.0 * X ** 2)


def test_hvp_without_defaults_keeps_positional_v():
    def g(x, y):
        return np.sum(x ** 2 * y)
    assert np.allclose(srcad.hvp(g)(X, X, DX), 2.0 * X * DX)


# ----- item 8: defaults are the function object's own ------------------------------------------
SCALE = 2.0


def scaled(x, c=SCALE):
    return c * np.sin(x)


SCALE = 5.0          # rebinding after the def does not change the default (Python's rule)
CALLS = []


def counted():
    CALLS.append(1)
    return 3.0


def with_side_effect(x, c=counted()):  # noqa: B008 - the side effect is the point
    return c * x ** 2


LAMBDAS = [lambda x, k=k: k * np.cos(x) for k in (1.0, 2.0, 3.0)]


def uses_helper_defaults(x):
    return np.sum(scaled(x) + scaled(x, 1.0) + with_side_effect(x) + with_side_effect(2.0 * x))


def uses_lambda_defaults(x):
    return np.sum(LAMBDAS[0](x) + LAMBDAS[2](x) * x)


def uses_local_lambda_defaults(x):
    fs = [lambda y, k=k: k * np.cos(y) for k in (1.0, 2.0, 3.0)]
    k = 10.0
    def inner(y, *, s=k):
        return s * y
    return np.sum(fs[0](x) + fs[2](x) * x + inner(x) + inner(x, s=0.5))


@pytest.mark.parametrize("f", [uses_helper_defaults, uses_lambda_defaults,
                               uses_local_lambda_defaults])
def test_defaults_evaluated_once_by_python(f):
    calls = len(CALLS)
    assert srcad.check_grad(f, X)
    assert np.allclose(srcad.grad(f)(X), srcad.numeric_grad(f, X))
    value, tangent = srcad.jvp(f)(X, DX)
    assert np.isclose(value, f(X))
    assert np.isclose(tangent, srcad.numeric_grad(f, X) @ DX)
    assert len(CALLS) == calls                      # counted() ran once, at the def


def test_default_values_are_the_objects_own():
    expected = 2.0 * np.cos(X) + 1.0 * np.cos(X) + 6.0 * X + 24.0 * X
    assert np.allclose(srcad.grad(uses_helper_defaults)(X), expected)


# ----- item 2: globals, closure cells and attributes are read when the derivative runs -------
def _define(source, namespace):
    """The first function `source` defines, exec'd in `namespace` (its module globals) from
    a file name registered in linecache, as a module's would be."""
    filename = f"<live {next(_FILES)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    name = source.split("def ", 1)[1].split("(", 1)[0]
    return namespace[name], source


def _check_both_modes(f, g, j, x=X, dx=DX, **kwargs):
    """g = srcad.grad(f), j = srcad.jvp(f) made earlier: both agree with finite differences
    of f as Python runs it now."""
    expected = srcad.numeric_grad(lambda t: f(t, **kwargs), x)
    assert np.allclose(g(x, **kwargs), expected, rtol=1e-6, atol=1e-8)
    value, tangent = j(x, dx=dx, **kwargs) if kwargs else j(x, dx)
    assert np.isclose(value, f(x, **kwargs))
    assert np.isclose(tangent, expected @ dx, rtol=1e-6, atol=1e-8)


def test_pre_stop_hook_global_array_rebound():
    text = "def uses_w(x):\n    return np.sum(W * x * x)\n"
    ns = {"np": np, "W": np.ones(3)}
    exec(text, ns)
    gg = srcad.grad(ns["uses_w"], source=text)
    jj = srcad.jvp(ns["uses_w"], source=text)
    gg(X)
    ns["W"] = np.full(3, 5.0)
    assert np.allclose(gg(X), 10.0 * X)
    assert np.isclose(jj(X, DX)[1], np.sum(10.0 * X * DX))


def test_global_numbers_arrays_and_structure_follow_rebinding():
    ns = {"np": np, "W": np.ones(3), "K": 2.0, "N": 2, "FLAG": True}
    f, _ = _define("def act(z):\n    return np.tanh(z)\n\n"
                   "def h(x):\n    return np.sum(W * x) * K\n\n"
                   "def loss(x):\n    s = 0.0\n    for i in range(N):\n"
                   "        s = s + h(x * (i + 1.0)) + h(x)\n"
                   "    if FLAG:\n        s = s + np.sum(act(x))\n    return s\n", ns)
    f = ns["loss"]
    g, j = srcad.grad(f), srcad.jvp(f)
    _check_both_modes(f, g, j)
    for name, value in [("W", np.array([1.0, 2.0, 3.0])), ("K", 5.0), ("N", 3),
                        ("FLAG", False), ("FLAG", True), ("W", np.ones((1, 3))),
                        ("W", np.ones(3, dtype=np.float32)), ("K", np.float64(0.5))]:
        ns[name] = value
        _check_both_modes(f, g, j)
        _check_both_modes(f, srcad.grad(f), srcad.jvp(f))     # a new transform agrees
    _define("def act(z):\n    return z ** 3\n", ns)            # a helper rebound
    _check_both_modes(f, g, j)
    _define("def h(x):\n    return np.sum(np.sin(x)) * K\n", ns)
    _check_both_modes(f, g, j)


def test_closure_cells_are_read_when_the_derivative_runs():
    def make():
        scale = 2.0
        W = np.ones(3)

        def f(x):
            return scale * np.sum(W * np.sin(x))

        def rebind(new_scale, new_w):
            nonlocal scale, W
            scale, W = new_scale, new_w
        return f, rebind
    f, rebind = make()
    g, j = srcad.grad(f), srcad.jvp(f)
    _check_both_modes(f, g, j)
    rebind(3.0, np.array([0.5, 1.0, -2.0]))
    _check_both_modes(f, g, j)
    assert np.allclose(g(X), 3.0 * np.array([0.5, 1.0, -2.0]) * np.cos(X))


class _Model:
    def __init__(self):
        self.W = np.ones(3)
        self.scale = 2.0
        self.n = 2

    def forward(self, x):
        return np.tanh(self.W * x) * self.scale

    def loss(self, x):
        s = 0.0
        for _ in range(self.n):
            s = s + np.sum(self.forward(x))
        return s


def test_bound_method_reads_its_object_when_called():
    model = _Model()
    g, j = srcad.grad(model.loss), srcad.jvp(model.loss)
    _check_both_modes(model.loss, g, j)
    model.scale = 3.0
    _check_both_modes(model.loss, g, j)
    model.W = np.array([1.0, 2.0, 0.5])
    _check_both_modes(model.loss, g, j)
    model.n = 3
    _check_both_modes(model.loss, g, j)
    model.forward = lambda x: np.sin(model.W * x)        # an instance attribute shadows it
    _check_both_modes(model.loss, g, j)


def test_generated_code_reads_the_global_by_name():
    ns = {"np": np, "W": np.ones(3), "lr": 0.5}
    f, _ = _define("def f(x):\n    return lr * np.sum(W * x * x)\n", ns)
    g = srcad.grad(f)
    g(X)
    text = srcad.source(g)
    assert "W = globals_['W']" in text and "lr = globals_['lr']" in text


def test_deleted_global_raises_name_error_like_python():
    ns = {"np": np, "W": np.ones(3)}
    f, _ = _define("def f(x):\n    return np.sum(W * x)\n", ns)
    g = srcad.grad(f)
    g(X)
    del ns["W"]
    with pytest.raises(NameError):
        f(X)
    with pytest.raises(srcad.SrcadError, match="'W' is not defined"):
        g(X)


# ----- acceptance: a training loop that rebinds self.W and a module global ---------------------
_RNG = np.random.default_rng(16)
_BATCHES = [(_RNG.standard_normal((5, 3)), _RNG.standard_normal((5, 2))) for _ in range(20)]
Xb, Yb = _BATCHES[0]


def _hand_gradients(W, b, decay, X, Y):
    """d/dW and d/db of mean((tanh(X W + b) - Y)^2) + decay * sum(W^2), by hand."""
    h = np.tanh(X @ W + b)
    dz = 2.0 * (h - Y) / h.size * (1.0 - h ** 2)
    return X.T @ dz + 2.0 * decay * W, dz.sum(axis=0)


class _Trainer:
    def __init__(self):
        self.W = _RNG.standard_normal((3, 2))
        self.b = np.zeros(2)
        self.decay = 0.01
        self.grad_b = srcad.grad(self.loss)              # reads self.W, self.decay, Xb, Yb
        self.jvp_b = srcad.jvp(self.loss)
        self.grad_w = srcad.grad(self.loss_of_w)         # reads self.b, self.decay, Xb, Yb

    def loss(self, b):
        return np.mean((np.tanh(Xb @ self.W + b) - Yb) ** 2) + self.decay * np.sum(self.W ** 2)

    def loss_of_w(self, W):
        return np.mean((np.tanh(Xb @ W + self.b) - Yb) ** 2) + self.decay * np.sum(W ** 2)

    def step(self, t):
        global Xb, Yb
        Xb, Yb = _BATCHES[t]                             # the next minibatch, a new array
        hand_w, hand_b = _hand_gradients(self.W, self.b, self.decay, Xb, Yb)
        assert np.allclose(self.grad_b(self.b), hand_b, rtol=1e-10, atol=1e-12)
        assert np.allclose(self.grad_w(self.W), hand_w, rtol=1e-10, atol=1e-12)
        _, tangent = self.jvp_b(self.b, DX[:2])
        assert np.isclose(tangent, hand_b @ DX[:2], rtol=1e-10, atol=1e-12)
        self.W = self.W - 0.5 * hand_w                   # rebinds self.W
        self.b = self.b - 0.5 * hand_b
        self.decay = self.decay * 1.1


def test_training_loop_rebinding_self_and_a_global_matches_hand_gradients():
    trainer = _Trainer()
    for t in range(20):
        trainer.step(t)
    for g in (trainer.grad_b, trainer.jvp_b, trainer.grad_w):
        assert len(g.__srcad__.variants) == 1           # rebinding data never recompiled


def test_nested_def_reads_the_enclosing_closure_cell_when_run():
    def make():
        scale = 2.0

        def f(x):
            def inner(y):
                return scale * np.sin(y)
            return np.sum(inner(x) * x)

        def rebind(value):
            nonlocal scale
            scale = value
        return f, rebind
    f, rebind = make()
    g, j = srcad.grad(f), srcad.jvp(f)
    _check_both_modes(f, g, j)
    rebind(-3.0)
    _check_both_modes(f, g, j)


def test_helper_called_by_name_reads_its_globals_when_run():
    """A helper called from several places is differentiated once, as fwd/bwd functions that
    are cached per helper: they read its globals when they run and are recompiled when a
    guard on them fails, for old and new transforms alike."""
    ns = {"np": np, "V": np.ones(3), "C": 2.0}
    _define("def layer(x):\n    z = V * x\n    return np.tanh(z) * C\n\n"
            "def loss(x):\n    return np.sum(layer(x) + layer(2.0 * x) * x)\n", ns)
    f = ns["loss"]
    old_g, old_j = srcad.grad(f), srcad.jvp(f)
    _check_both_modes(f, old_g, old_j)
    assert "fwd_layer" in srcad.source(old_g)
    for name, value in [("V", np.array([0.5, -1.0, 2.0])), ("C", -1.5),
                        ("V", np.ones((1, 3))), ("V", np.array([1.0, 2.0, 3.0]))]:
        ns[name] = value
        _check_both_modes(f, old_g, old_j)
        _check_both_modes(f, srcad.grad(f), srcad.jvp(f))


def test_changing_a_global_array_in_place_is_refused():
    """`y = W; y += x` changes the global W in Python: refused, as for any shared array."""
    ns = {"np": np, "W": np.ones(3)}
    f, _ = _define("def f(x):\n    y = W\n    y += x\n    return np.sum(y * x)\n", ns)
    for transform in (srcad.grad, srcad.jvp):
        with pytest.raises(srcad.SrcadError, match="in-place `y"):
            transform(f)(X, *((DX,) if transform is srcad.jvp else ()))


def test_second_order_transforms_read_globals_when_run():
    """hessian and hvp (jvp of grad) carry the guards of the function they differentiate."""
    ns = {"np": np, "W": np.ones(3), "N": 1}
    f, _ = _define("def f(x):\n    s = 0.0\n    for _ in range(N):\n"
                   "        s = s + np.sum(W * x ** 3)\n    return s\n", ns)
    hessian, hvp = srcad.hessian(f), srcad.hvp(f)
    for w, n in [(np.ones(3), 1), (np.array([2.0, 1.0, -1.0]), 3)]:
        ns["W"], ns["N"] = w, n
        assert np.allclose(hessian(X), np.diag(6.0 * w * X * n))
        assert np.allclose(hvp(X, DX), 6.0 * w * X * DX * n)


class _Layer:
    def __init__(self, w):
        self.W = w


class _Stack:
    def __init__(self):
        self.first, self.second = _Layer(np.ones(3)), _Layer(np.full(3, 2.0))

    @property
    def layers(self):                   # a new list on every access
        return [self.first, self.second]

    def loss(self, x):
        s = 0.0
        for layer in self.layers:
            s = s + np.sum(np.tanh(layer.W * x))
        return s


def test_list_of_objects_built_by_a_property_is_guarded_by_its_items():
    stack = _Stack()
    g, j = srcad.grad(stack.loss), srcad.jvp(stack.loss)
    for _ in range(3):
        _check_both_modes(stack.loss, g, j)
        stack.first.W = stack.first.W * 0.5 - 0.25
    assert [len(v) for v in g.__srcad__.variants.values()] == [1]   # same items: no recompile
    stack.second = _Layer(np.full(3, -1.0))
    _check_both_modes(stack.loss, g, j)


def test_lambdas_made_in_a_comprehension_read_its_variable_when_called():
    """Without a default, each lambda reads k when it is called, after the comprehension
    ended: the last k for all of them (Python's late binding); with k=k, its own k."""
    def late(x):
        fs = [lambda w: w * k for k in (0.5, -1.2, 3.0)]  # noqa: B023 - late binding is the point
        return np.sum(fs[0](x) + fs[1](x) * x)

    def early(x):
        fs = [lambda w, k=k: w * k for k in (0.5, -1.2, 3.0)]
        return np.sum(fs[0](x) + fs[1](x) * x)
    for f in (late, early):
        _check_both_modes(f, srcad.grad(f), srcad.jvp(f))
    assert np.allclose(srcad.grad(late)(X), 3.0 + 6.0 * X)
