"""Lists and dicts the function did not make, changed in place as Python changes them
(issue 18): the caller's argument (`bn_param['running_mean'] = ...`, `config.setdefault(...)`,
`hs.append(h)`), what an object's attribute holds (`self.params[k] = v`), attributes
(`self.cache = ...`, `self.count += 1`), and a helper's changes to its caller's list or dict.

Each derivative, in both modes, is checked against finite differences of the function run in
plain Python on a fresh copy of its arguments, and the caller's objects after one call of the
derivative against the same objects after one plain call: the change happens once per call,
with the values Python stores. What srcad still cannot follow is refused at the user's line,
and the rewrite the message shows is differentiated here too.
"""

import copy

import numpy as np
import pytest

import srcad
from srcad import UnsupportedSyntaxError

RNG = np.random.default_rng(18)


def _r(*shape):
    return RNG.standard_normal(shape)


def check_both_modes(f, *args, wrt=0):
    """grad and jvp of f at args against finite differences of plain runs on fresh copies;
    the arguments srcad's calls were given end as the plain calls leave theirs."""
    def plain(x):
        fresh = list(copy.deepcopy(args))
        fresh[wrt] = x
        return f(*fresh)
    numeric = srcad.numeric_grad(plain, copy.deepcopy(args[wrt]))
    after_grad, after_jvp, after_plain = (copy.deepcopy(args) for _ in range(3))
    gradient = srcad.grad(f, wrt=wrt)(*after_grad)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)
    tangent = _r(*np.shape(args[wrt])) if np.ndim(args[wrt]) else 0.7
    value, derivative = srcad.jvp(f, wrt=wrt)(*after_jvp, tangent)
    want = f(*after_plain)
    np.testing.assert_allclose(value, want, rtol=1e-12)
    np.testing.assert_allclose(derivative, np.sum(numeric * tangent), rtol=1e-5, atol=1e-7)
    for got in (after_grad, after_jvp):
        assert_same(got, after_plain)
    return after_plain


def assert_same(got, want):
    """Two argument lists alike: the same containers, keys, order and values."""
    assert type(got) is type(want)
    if isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            assert_same(got[k], want[k])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
    elif isinstance(want, np.ndarray):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    elif want is None or isinstance(want, str):
        assert got == want
    else:
        assert got == pytest.approx(want, rel=1e-12)


# ----- a dict the caller passed ---------------------------------------------------------------
def batchnorm_loss(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1]))
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_var"] = momentum * bn_param.get("running_var", np.ones(x.shape[1])) + \
        (1 - momentum) * var
    return np.sum(out ** 3)


def test_a_dict_argument_written_in_a_forward_pass_is_the_caller_s_after_each_call():
    args = (_r(5, 3), _r(3), _r(3), {"momentum": 0.8, "running_mean": _r(3)})
    for wrt in (0, 1):
        after = check_both_modes(batchnorm_loss, *args, wrt=wrt)
        assert list(after[3]) == ["momentum", "running_mean", "running_var"]
    bn_param = {"momentum": 0.8, "running_mean": np.zeros(3)}
    grad = srcad.grad(batchnorm_loss)
    x = _r(5, 3)
    for calls in (1, 2, 3):         # once per call: the running mean moves three times
        grad(x, np.ones(3), np.zeros(3), bn_param)
        np.testing.assert_allclose(bn_param["running_mean"],
                                   (1 - 0.8 ** calls) * x.mean(axis=0))


def stored_then_read(x, cache):
    cache["h"] = np.tanh(x)
    cache["calls"] = cache.get("calls", 0) + 1
    return np.sum(cache["h"] * x) * cache["calls"]


def test_a_value_stored_into_the_argument_and_read_again_is_differentiated():
    after = check_both_modes(stored_then_read, _r(4), {"calls": 2})
    assert after[1]["calls"] == 3


def adam_step_loss(w, config):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("beta1", 0.9)
    config.setdefault("m", np.zeros_like(w))
    config["t"] = config.get("t", 0) + 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * w
    next_w = w - config["learning_rate"] * config["m"] / (1 - config["beta1"] ** config["t"])
    return np.sum(next_w ** 2)


def test_setdefault_and_a_config_made_when_none_change_only_the_caller_s_dict():
    after = check_both_modes(adam_step_loss, _r(3), {"beta1": 0.5, "m": _r(3), "t": 4})
    assert list(after[1]) == ["beta1", "m", "t", "learning_rate"]
    check_both_modes(adam_step_loss, _r(3), {})
    check_both_modes(adam_step_loss, _r(3), None)


def sgd_loss(w, X, y, state):
    grad = X.T @ (X @ w - y)
    state["velocity"] = 0.9 * state.get("velocity", np.zeros_like(w)) - 0.1 * grad
    state.update({"steps": state.get("steps", 0) + 1})
    w_next = w + state["velocity"]
    return 0.5 * np.sum((X @ w_next - y) ** 2)


def test_update_and_an_active_value_kept_in_the_state_dict():
    after = check_both_modes(sgd_loss, _r(3), _r(6, 3), _r(6), {"velocity": _r(3)})
    assert after[3]["steps"] == 1


# ----- a list the caller passed -----------------------------------------------------------------
def rnn_keeping_states(x, Wh, hs):
    h = hs[-1]
    for t in range(x.shape[0]):
        h = np.tanh(Wh @ h + x[t])
        hs.append(h)
    hs.extend([h * 2.0])
    return np.sum(hs[-1] * hs[1])


def test_a_list_argument_grown_by_append_and_extend():
    after = check_both_modes(rnn_keeping_states, _r(3, 2), _r(2, 2), [_r(2)])
    assert len(after[2]) == 5
    check_both_modes(rnn_keeping_states, _r(3, 2), _r(2, 2), [_r(2)], wrt=1)


def scaled_in_place(x, params):
    for k in params:
        params[k] = params[k] * x
    params["sum"] = sum(params[k] for k in ("a", "b"))
    return params["sum"] ** 2


def test_a_loop_over_the_argument_s_keys_writes_each():
    after = check_both_modes(scaled_in_place, 1.3, {"a": 0.5, "b": -2.0})
    assert list(after[1]) == ["a", "b", "sum"]


# ----- helpers that change their caller's list or dict -----------------------------------------
def _append(xs, v):
    xs.append(v)
    return len(xs)


def appends_through_a_helper(x):
    xs = [x]
    _append(xs, 2.0 * x)
    n = _append(xs, x * x)
    return np.sum(xs[1] * xs[-1] * n)


def _momentum(w, dw, config):
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    config["velocity"] = config["momentum"] * v - config["learning_rate"] * dw
    return w + config["velocity"], config


def momentum_steps(w, A, c):
    config = {"learning_rate": 0.05}
    for _ in range(3):
        w, _ = _momentum(w, A.T @ (A @ w - c), config)
    return np.sum((A @ w - c) ** 2) + np.sum(config["velocity"])


def test_a_helper_changing_its_caller_s_list_is_seen_by_the_caller():
    """It was silently wrong: the caller's name kept the list as it was before the call."""
    check_both_modes(appends_through_a_helper, 1.7)
    check_both_modes(appends_through_a_helper, np.array([0.5, -1.2]))


def test_a_helper_changing_a_config_dict_in_a_loop_without_returning_it():
    check_both_modes(momentum_steps, _r(3), _r(4, 3), _r(4))


def outer_passes_its_argument(w, A, c, config):
    w, _ = _momentum(w, A.T @ (A @ w - c), config)
    return np.sum((A @ w - c) ** 2)


def test_a_helper_changing_the_caller_s_argument_changes_the_caller_s_dict():
    after = check_both_modes(outer_passes_its_argument, _r(3), _r(4, 3), _r(4),
                             {"learning_rate": 0.1, "velocity": _r(3)})
    assert list(after[3]) == ["learning_rate", "velocity", "momentum"]


# ----- attributes -----------------------------------------------------------------------------
class Dense:
    def __init__(self, W, b):
        self.params = {"W": W, "b": b}
        self.cache = None
        self.calls = 0
        self.stats = {"norm": 0.0}

    def forward(self, X):
        self.cache = (X, self.params["W"])
        self.calls += 1
        Z = X @ self.params["W"] + self.params["b"]
        self.params["scale"] = np.tanh(np.sum(Z))
        self.stats["norm"] += 1.0
        return np.sum((self.params["scale"] * Z) ** 2)


def test_attribute_writes_in_a_method_leave_the_object_as_python_does():
    X, W, b = _r(4, 3), _r(3, 2), _r(2)
    layers = [Dense(W.copy(), b.copy()) for _ in range(4)]
    plain = layers[0].forward(X)
    gradient = srcad.grad(lambda X: layers[1].forward(X))(X)
    value, derivative = srcad.jvp(lambda X: layers[2].forward(X))(X, np.ones_like(X))
    assert value == pytest.approx(plain)
    numeric = srcad.numeric_grad(lambda X: layers[3].forward(X), X)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)
    assert derivative == pytest.approx(np.sum(numeric), rel=1e-5)
    for layer in layers[1:3]:
        assert layer.calls == 1 and layer.stats == {"norm": 1.0}
        assert layer.cache[0] is X and layer.cache[1] is layer.params["W"]
        assert list(layer.params) == ["W", "b", "scale"]
        assert layer.params["scale"] == pytest.approx(layers[0].params["scale"])


def test_the_attribute_s_dict_named_first_is_read_again_as_changed():
    class Model:
        def __init__(self):
            self.state = {"k": 2.0}

        def loss(self, x):
            state = self.state
            state["k"] = state["k"] * x
            return self.state["k"] * x

    m, plain = Model(), Model()
    assert srcad.grad(m.loss)(1.5) == pytest.approx(2 * 2.0 * 1.5)
    plain.loss(1.5)
    assert m.state == plain.state


# ----- what is refused, and the rewrite that works -----------------------------------------
def adds_into_the_caller_s_array(x, bn_param):
    bn_param["running_mean"] += 0.1 * np.mean(x, axis=0)
    return np.sum(x ** 2)


def adds_into_a_new_array(x, bn_param):
    bn_param["running_mean"] = bn_param["running_mean"] + 0.1 * np.mean(x, axis=0)
    return np.sum(x ** 2)


def test_an_array_the_caller_s_dict_holds_changed_in_place_is_written_into():
    """Followed since it is a write into the caller's array (tests/test_caller_writes.py):
    the dict keeps its array, written into; the rewrite that binds a new one works too."""
    given = {"running_mean": np.zeros(2)}
    array = given["running_mean"]
    check_both_modes(adds_into_the_caller_s_array, _r(3, 2), given)
    check_both_modes(adds_into_a_new_array, _r(3, 2), {"running_mean": np.zeros(2)})
    x, in_place = _r(3, 2), {"running_mean": array}
    srcad.grad(adds_into_the_caller_s_array)(x, in_place)
    assert in_place["running_mean"] is array
    np.testing.assert_allclose(array, 0.1 * np.mean(x, axis=0))


def stores_then_changes(x, cache):
    h = np.tanh(x)
    cache["h"] = h
    h[0] = 0.0
    return np.sum(h * x)


def stores_a_copy(x, cache):
    h = np.tanh(x)
    cache["h"] = h.copy()
    h[0] = 0.0
    return np.sum(h * x)


def test_an_array_stored_into_the_caller_s_dict_then_written_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="since line") as info:
        srcad.grad(stores_then_changes)(_r(3), {})
    assert info.value.line == stores_then_changes.__code__.co_firstlineno + 3
    check_both_modes(stores_a_copy, _r(3), {})


class Weights:
    def __init__(self):
        self.W = np.ones(3)
        self.total = 0.0

    def adds_in_place(self, x):
        self.W += x
        return np.sum(self.W * x)

    def rebinds(self, x):
        self.W = self.W + x
        self.total += np.sum(x)
        return np.sum(self.W * x) + self.total


def test_an_array_attribute_updated_in_place_is_written_into():
    w, plain = Weights(), Weights()
    array, x = w.W, _r(3)
    want = srcad.numeric_grad(lambda x: Weights().adds_in_place(x), x)
    np.testing.assert_allclose(srcad.grad(w.adds_in_place)(x), want, rtol=1e-5, atol=1e-7)
    plain.adds_in_place(x)
    assert w.W is array
    np.testing.assert_allclose(array, plain.W)
    w, plain = Weights(), Weights()
    want = srcad.numeric_grad(lambda x: Weights().rebinds(x), x)
    np.testing.assert_allclose(srcad.grad(w.rebinds)(x), want, rtol=1e-5, atol=1e-7)
    plain.rebinds(x)
    np.testing.assert_allclose(w.W, plain.W)
    assert w.total == pytest.approx(plain.total)


CACHE = {}


def writes_a_global(x):
    CACHE["x"] = x
    return np.sum(x ** 2)


def writes_an_argument(x, cache):
    cache["x"] = x
    return np.sum(x ** 2)


def test_a_global_dict_changed_is_refused_with_the_argument_rewrite():
    with pytest.raises(UnsupportedSyntaxError, match=r"pass it as an argument"):
        srcad.grad(writes_a_global)(_r(3))
    after = check_both_modes(writes_an_argument, _r(3), CACHE)
    assert list(after[1]) == ["x"] and CACHE == {}


def _adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("beta1", 0.9)
    config["m"] = config["beta1"] * config.get("m", 0.0) + (1 - config["beta1"]) * dw
    return w - 0.1 * config["m"], config


def adam_steps_from_none(w):
    config = None
    for _ in range(3):
        w, config = _adam(w, 2 * w, config)
    return np.sum(w ** 2)


def adam_steps_from_a_dict(w):
    config = {}
    for _ in range(3):
        w, config = _adam(w, 2 * w, config)
    return np.sum(w ** 2)


def adam_steps_while(w):
    config, k = None, 0
    while k < 3:
        w, config = _adam(w, 2 * w, config)
        k += 1
    return np.sum(w ** 2)


def test_a_loop_carrying_none_then_a_dict_runs_its_first_iteration_on_its_own():
    """`config = None` before the loop, the dict adam makes after its first iteration: the
    first iteration is lowered on its own (srcad/lowering/peel.py); a while loop is refused
    with the rewrite `config = {}`, which works."""
    check_both_modes(adam_steps_from_none, _r(3))
    check_both_modes(adam_steps_from_a_dict, _r(3))
    with pytest.raises(UnsupportedSyntaxError, match=r"config = \{\}") as info:
        srcad.grad(adam_steps_while)(_r(3))
    assert info.value.line == adam_steps_while.__code__.co_firstlineno + 3


def test_the_generated_code_writes_the_change_as_the_function_does():
    source = srcad.source(srcad.grad(batchnorm_loss))
    assert "bn_param['running_mean'] = " in source
    assert "bn_param_1 = bn_param.copy()" in source
    assert "running_mean = bn_param_1" in source or "bn_param_1.get" in source or \
        "bn_param_1['running_mean']" in source
    source = srcad.source(srcad.jvp(adam_step_loss), _r(3), {}, _r(3))
    assert "config.setdefault('learning_rate', 0.01)" in source


# ----- loops, nested containers and the same dict passed twice -------------------------------
def rescales_in_a_loop(x, d):
    for _ in range(3):
        d["a"] = d["a"] * x
    return d["a"] * x


def test_a_loop_carrying_the_argument_reads_the_items_as_they_were_each_step():
    """It was silently wrong in reverse mode: the reverse sweep read the caller's dict after
    the loop had changed it (the copy taken on entry is now always what the function reads)."""
    after = check_both_modes(rescales_in_a_loop, 1.5, {"a": 2.0})
    assert after[1]["a"] == pytest.approx(2.0 * 1.5 ** 3)


def nested_local(x):
    hs = [{"W": 2.0}, {"W": 3.0}]
    hs[1]["W"] = hs[1]["W"] * x
    return hs[1]["W"] * x + hs[0]["W"]


def nested_argument(x, params):
    params[0]["W"] = params[0]["W"] * x
    return params[0]["W"] * x


def nested_argument_replaced(x, params):
    params[0] = dict(params[0], W=params[0]["W"] * x)
    return params[0]["W"] * x


def test_a_dict_inside_a_list_written_through_both():
    """It raised IndexError from generated code: the inner dict was written as an array."""
    check_both_modes(nested_local, 1.5)
    with pytest.raises(UnsupportedSyntaxError, match=r"params\[0\] = dict\(params\[0\]") as info:
        srcad.grad(nested_argument)(1.5, [{"W": 2.0}])
    assert info.value.line == nested_argument.__code__.co_firstlineno + 1
    after = check_both_modes(nested_argument_replaced, 1.5, [{"W": 2.0, "b": 1.0}])
    assert after[1] == [{"W": 3.0, "b": 1.0}]


def writes_one_reads_other(x, d, e):
    d["a"] = x
    return e["a"] * x


def test_the_same_dict_passed_as_two_arguments_is_refused_when_the_derivative_runs():
    d = {"a": 1.0}
    with pytest.raises(TypeError, match="passed as 'd'.*pass a copy"):
        srcad.grad(writes_one_reads_other)(1.5, d, d)
    with pytest.raises(TypeError, match="passed as 'd'.*pass a copy"):
        srcad.jvp(writes_one_reads_other)(1.5, d, [0.0, d], 1.0)
    assert d == {"a": 1.0}
    check_both_modes(writes_one_reads_other, 1.5, d, dict(d))


def running_mean_loss(x, stats):
    stats["mean"] = 0.9 * stats.get("mean", 0.0) + 0.1 * np.mean(x)
    stats["calls"] = stats.get("calls", 0) + 1
    return np.sin(x) * stats["mean"]


def test_jacobian_and_hessian_change_the_caller_s_dict_once_per_call():
    x = _r(3)
    want = {}
    plain = running_mean_loss(x, want)
    for jac in (srcad.jacobian(running_mean_loss), srcad.jacfwd(running_mean_loss)):
        stats = {}
        got = jac(x, stats)
        assert_same([stats], [want])
        numeric = np.stack([srcad.numeric_grad(lambda v, k=k: running_mean_loss(v, {})[k], x)
                            for k in range(3)])
        np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-7)
    stats = {}
    srcad.hessian(lambda x, stats: np.sum(running_mean_loss(x, stats)))(x, stats)
    assert stats["calls"] == 1
    np.testing.assert_allclose(plain, running_mean_loss(x, {}))


class AffineCachingInADict:
    def __init__(self, W):
        self.W = W

    def forward(self, X):
        self.cache = {}
        self.cache["X"] = X
        out = X @ self.W
        self.cache["out"] = out
        return np.sum(self.cache["out"] ** 2)


def test_a_dict_set_on_self_in_the_call_then_filled_item_by_item():
    X, W = _r(2, 3), _r(3, 2)
    layers = [AffineCachingInADict(W) for _ in range(3)]
    layers[0].forward(X)
    gradient = srcad.grad(lambda X: layers[1].forward(X))(X)
    _, derivative = srcad.jvp(lambda X: layers[2].forward(X))(X, np.ones_like(X))
    numeric = srcad.numeric_grad(lambda X: AffineCachingInADict(W).forward(X), X)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)
    assert derivative == pytest.approx(np.sum(numeric), rel=1e-5)
    for layer in layers[1:]:
        assert list(layer.cache) == ["X", "out"] and layer.cache["X"] is X
        np.testing.assert_allclose(layer.cache["out"], layers[0].cache["out"])
