"""Every array srcad returns is the caller's own (issue 16, item 7): fresh, writable, C- or
F-contiguous, sharing memory with no argument, no captured constant and no other returned leaf;
the numbers stay those of finite differences."""

import numpy as np
import pytest
from fuzz_programs import programs
from hypothesis import HealthCheck, given, settings

import srcad
from srcad.tree import flatten

RNG = np.random.default_rng(16)
X = RNG.standard_normal(3)
M = RNG.standard_normal((3, 3))
C = RNG.standard_normal(3)          # a global the functions read


def _arrays(value):
    return [leaf for leaf in flatten(value)[0] if isinstance(leaf, np.ndarray)]


def assert_owned(derivatives, *others):
    """Each array in `derivatives` is writable, contiguous, and shares memory with nothing in
    `others` (arguments, constants, the value) nor with another derivative leaf."""
    leaves = _arrays(derivatives)
    held = [a for o in others for a in _arrays(o)] + [C, X, M]
    for k, leaf in enumerate(leaves):
        assert leaf.flags.writeable, "a returned gradient is read-only"
        assert leaf.flags.c_contiguous or leaf.flags.f_contiguous
        for other in held + leaves[:k]:
            assert not np.shares_memory(leaf, other), "a returned gradient shares memory"


# (function, example arguments): each is differentiated with respect to its first argument
CASES = {
    "weights_times_data": (lambda w, X: np.sum(w * X), (np.zeros(3), X)),
    "identity_sum": (lambda w: np.sum(w), (X.copy(),)),
    "mean_2d": (lambda w: np.mean(w), (M.copy(),)),
    "global": (lambda w: np.sum(w * C), (X.copy(),)),
    "dot": (lambda w, X: np.sum(np.dot(X, w)), (X.copy(), M)),
    "matmul": (lambda W, x: np.sum(x @ W), (M.copy(), X)),
    "reshape": (lambda w: np.sum(np.reshape(w, (3, 1)) * C), (X.copy(),)),
    "transpose": (lambda W: np.sum(W.T * M), (M.copy(),)),
    "broadcast_bias": (lambda b, A: np.sum(A + b), (X.copy(), M)),
    "index": (lambda w: w[0] * 2.0 + w[2], (X.copy(),)),
    "both_branches": (lambda w: np.sum(w * C) if w[0] > 0 else np.sum(w * X), (X.copy(),)),
    "loop": (lambda w: sum(np.sum(w * C) for _ in range(3)), (X.copy(),)),
    "list_arg": (lambda ps: np.sum(ps[0] * C) + np.sum(ps[1]), ([X.copy(), X.copy()],)),
    "dict_arg": (lambda d: np.sum(d["a"] * C), ({"a": X.copy()},)),
    "tanh": (lambda w: np.sum(np.tanh(w)), (X.copy(),)),
    "max": (lambda w: np.max(w * C), (X.copy(),)),
    "pad": (lambda W: np.sum(np.pad(W, 1) * 2.0), (M.copy(),)),
    "einsum": (lambda W: np.einsum("ij,ij->", W, M), (M.copy(),)),
    "concatenate": (lambda w, v: np.sum(np.concatenate([w, v]) * 3.0), (X.copy(), X.copy())),
    "astype": (lambda w: np.sum(w.astype(np.float64) * C), (X.copy(),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad_is_owned(name):
    f, args = CASES[name]
    g = srcad.grad(f)(*args)
    assert_owned(g, args)
    value, g2 = srcad.value_and_grad(f)(*args)
    assert_owned(g2, args, value)
    flat = flatten(g)[0]
    reference = flatten(srcad.numeric_grad(f, *args))[0]
    for a, b in zip(flat, reference):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_and_vjp_are_owned(name):
    f, args = CASES[name]
    tangent = _ones_like(args[0])
    value, t = srcad.jvp(f)(*args, tangent)
    assert_owned(t, args, value, tangent)
    value, grads = srcad.vjp(f)(*args, 1.0)
    assert_owned(grads, args, value)
    g = srcad.grad(f)(*args)
    np.testing.assert_allclose(t, sum(np.sum(a) for a in flatten(g)[0]), rtol=1e-9)


def _ones_like(x):
    if isinstance(x, np.ndarray):
        return np.ones_like(x)
    if isinstance(x, list):
        return [_ones_like(v) for v in x]
    if isinstance(x, dict):
        return {k: _ones_like(v) for k, v in x.items()}
    return 1.0


def test_identity_vjp_and_jvp_return_copies():
    cotangent = np.ones(3)
    value, (g,) = srcad.vjp(lambda x: x, wrt=(0,))(X, cotangent)
    assert value is X                    # the primal value is what Python returns
    assert g is not cotangent and not np.shares_memory(g, cotangent)
    np.testing.assert_array_equal(g, cotangent)
    value, t = srcad.jvp(lambda x: x)(X, cotangent)
    assert not np.shares_memory(t, cotangent) and t.flags.writeable
    np.testing.assert_array_equal(t, cotangent)


def test_container_identity_vjp():
    cot = [np.ones(2), {"b": np.ones(3)}]
    value, g = srcad.vjp(lambda ps: ps)([np.zeros(2), {"b": np.zeros(3)}], cot)
    assert_owned(g, cot)
    assert g[0] is not cot[0] and g[1] is not cot[1]


def test_two_wrt_share_nothing():
    g1, g2 = srcad.grad(lambda x, y: np.sum(x + y), wrt=(0, 1))(X.copy(), X.copy())
    assert not np.shares_memory(g1, g2)
    assert_owned((g1, g2))
    np.testing.assert_array_equal(g1, np.ones(3))


def test_in_place_updates_after_grad():
    """The everyday updates: scale a gradient, add weight decay to it."""
    data = X.copy()
    g = srcad.grad(lambda w, X: np.sum(w * X))(np.zeros(3), data)
    g *= 0.1
    np.testing.assert_array_equal(data, X)
    w = np.ones((3, 3))
    g = srcad.grad(lambda w: np.mean(w))(w)
    g += 1e-3 * w
    np.testing.assert_allclose(g, np.full((3, 3), 1 / 9 + 1e-3))


def test_family_outputs_are_owned():
    f = lambda x: np.sum(x * C)                 # noqa: E731
    assert_owned(srcad.jacobian(lambda x: x)(X), X)
    assert_owned(srcad.jacobian(lambda x: x * 1.0, mode="forward")(X), X)
    assert_owned(srcad.hessian(f)(X), X)
    v = np.ones(3)
    assert_owned(srcad.hvp(lambda x: np.sum(x ** 2))(X, v), X, v)


def test_exported_module_returns_owned(tmp_path):
    g = srcad.grad(lambda w, X: np.sum(w * X))
    g(np.zeros(3), X)
    namespace = {}
    exec(srcad.export(g), namespace)
    exported = namespace[g.__name__]
    data = X.copy()
    out = exported(np.zeros(3), data)
    assert not np.shares_memory(out, data) and out.flags.writeable


def test_lean_code_keeps_no_copy():
    """A gradient computed by an allocating operation is returned as it is."""
    text = srcad.source(srcad.grad(lambda W, x: np.sum(np.tanh(x @ W))), M, X)
    assert "copy" not in text
    text = srcad.source(srcad.grad(lambda w, X: np.sum(w * X)), X, X)
    assert "np.copy(X)" in text


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_generated_programs_return_owned_arrays(program):
    """The invariant on the fuzzer's programs, in every mode: grad, value_and_grad, vjp
    (cotangent 1) and jvp (unit tangents)."""
    f = program.define()
    try:
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in program.args]
        wrt = tuple(range(len(args)))
        tangents = [np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args]
        with np.errstate(all="ignore"):
            try:
                assert_owned(srcad.grad(f, wrt=wrt)(*args), args)
                value, grads = srcad.value_and_grad(f, wrt=wrt)(*args)
                assert_owned(grads, args, value)
                value, grads = srcad.vjp(f, wrt=wrt)(*args, 1.0)
                assert_owned(grads, args, value)
                value, tangent = srcad.jvp(f, wrt=wrt)(*args, *tangents)
                assert_owned(tangent, args, value, tangents)
            except srcad.SrcadError:
                pass                        # a refusal: tests/test_fuzz.py checks those
        for a, b in zip(args, program.args):
            np.testing.assert_array_equal(a, b)    # arguments untouched
    finally:
        program.forget()
