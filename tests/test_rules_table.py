"""The table-wide rule sweep: every differentiable primitive, at every sample input, against
central differences.

For a primitive `prim` and a sample `args`, the checked function is

    L(args) = sum(prim(*args) * w)          (w: a fixed random array of the output's shape)

built directly as IR (one equation, no lowering), differentiated by `reverse.adjoint`,
simplified and compiled, and compared with `srcad.numeric_grad` of the same expression
evaluated with the rule's NumPy implementation. Each sample runs twice: with the parameters'
kinds taken from the sample values (the kind-specialised code paths), and with every kind
UNKNOWN (the generic paths). Float arguments (and lists/tuples of float arrays, which are
materialised with make_list / make_tuple) are parameters; everything else (axes, shapes,
indices, conditions, subscripts strings) is a constant.

`sample_problem` is the reusable part: it returns the IR function, its inputs and the
reference function, so a forward-mode sweep can differentiate the same IR with jvps.
"""

from dataclasses import dataclass

import numpy as np
import pytest

from srcad.codegen import writer as codegen
from srcad.ir import nodes as ir
from srcad import numeric_grad
from srcad.optimize import passes as optimize
from srcad.transforms.reverse import sweep as reverse
from srcad import kinds as K
from srcad.ir.builder import Builder
from srcad.rules import RULES

RTOL = 1e-6
ATOL = 1e-9


def _is_float_value(value):
    return isinstance(value, float) or (isinstance(value, np.ndarray) and value.dtype.kind == "f")


def _is_float_seq(value):
    return isinstance(value, (list, tuple)) and value and all(_is_float_value(v) for v in value)


def has_vjp(rule):
    """A rule with at least one adjoint that is a function (not ZERO, not None)."""
    entries = (rule.vjp,) if rule.variadic else rule.vjp
    return any(callable(e) for e in entries)


def _differentiated_positions(rule, sample):
    """Argument positions whose derivative the sweep checks: float values whose adjoint is a
    function or ZERO (a claimed zero is checked too)."""
    positions = []
    for i, value in enumerate(sample):
        entry = rule.vjp_rule(i)
        if entry is None:
            continue
        if _is_float_value(value) or _is_float_seq(value):
            positions.append(i)
    return positions


@dataclass
class Problem:
    """L(params) = sum(prim(*args) * w) as IR, with everything needed to run and check it."""
    fn: ir.Function
    inputs: list          # values of fn.params, in order
    wrt: list             # indices into fn.params that are differentiated
    reference: object     # reference(*inputs) -> L, computed with rule.impl


def _weights(out, rng):
    """Fixed random weights shaped like `out` (one array per item of a container output)."""
    if isinstance(out, dict):
        return {k: _weights(o, rng) for k, o in out.items()}
    if isinstance(out, (list, tuple)):
        return [_weights(o, rng) for o in out]
    if np.ndim(out) == 0:
        return float(rng.uniform(0.5, 1.5))
    return rng.uniform(-1.0, 1.0, np.shape(out)).astype(np.result_type(out, np.float32))


def _weighted_sum(b, out, w, out_value):
    """Emit sum(out * w), item by item for a container output."""
    if isinstance(out_value, (list, tuple, dict)):
        keys = list(out_value) if isinstance(out_value, dict) else range(len(out_value))
        total = None
        for k in keys:
            wk, vk = w[k], out_value[k]
            item = b.emit("getitem", out, ir.Const(k))
            part = _weighted_sum(b, item, wk, vk)
            total = part if total is None else b.emit("add", total, part)
        return total
    return b.emit("sum", b.emit("mul", out, ir.Const(w)), ir.Const(None), ir.Const(False))


def _reference_sum(out, w):
    if isinstance(out, dict):
        return sum(_reference_sum(o, w[k]) for k, o in out.items())
    if isinstance(out, (list, tuple)):
        return sum(_reference_sum(o, wk) for o, wk in zip(out, w))
    return np.real(np.sum(out * w))    # a complex result: L is the real part of the sum


def sample_problem(prim, sample, generic=False, seed=0):
    """The IR of sum(prim(*sample) * w) with the float arguments as parameters.

    generic=True gives every parameter the UNKNOWN kind; otherwise kinds come from the values.
    """
    rule = RULES[prim]
    positions = _differentiated_positions(rule, sample)
    out_value = rule.impl(*sample)
    w = _weights(out_value, np.random.default_rng(seed))
    params, inputs, wrt, layout = [], [], [], []
    b = Builder(line=1)
    atoms = []
    for i, value in enumerate(sample):
        if _is_float_value(value) or (i in positions and _is_float_seq(value)):
            items = list(value) if isinstance(value, (list, tuple)) else [value]
            vars_ = [ir.Var(f"x{i}_{k}" if len(items) > 1 or value is not items[0] else f"x{i}",
                            K.UNKNOWN if generic else K.kind_of(v)) for k, v in enumerate(items)]
            if i in positions:
                wrt.extend(range(len(params), len(params) + len(vars_)))
            params += vars_
            inputs += items
            if isinstance(value, (list, tuple)):
                atoms.append(b.emit("make_list" if isinstance(value, list) else "make_tuple",
                                    *vars_))
                layout.append(("seq", type(value), len(items)))
            else:
                atoms.append(vars_[0])
                layout.append(("param", None, 1))
        else:
            atoms.append(ir.Const(value))
            layout.append(("const", value, 0))
    out = b.emit(prim, *atoms)
    loss = _weighted_sum(b, out, w, out_value)
    fn = ir.Function(f"L_{prim}", tuple(params), ir.Block(b.stmts, (loss,)))

    def reference(*values):
        args, k = [], 0
        for tag, payload, n in layout:
            if tag == "const":
                args.append(payload)
            elif tag == "param":
                args.append(values[k])
            else:
                args.append(payload(values[k:k + n]))
            k += n
        return _reference_sum(rule.impl(*args), w)

    return Problem(ir.verify(fn), inputs, wrt, reference)


def reverse_gradients(problem):
    """Gradients of the problem's L by the reverse transform, simplify and codegen."""
    derived = reverse.adjoint(problem.fn, problem.wrt, wrt_tuple=True)
    derived = ir.verify(optimize.simplify(derived))
    generated = codegen.compile_function(derived, "grad_" + problem.fn.name)
    return generated.function(*problem.inputs), generated.source


def check_sample(prim, sample, generic=False):
    """Reverse gradients of one rule at one sample agree with central differences."""
    problem = sample_problem(prim, sample, generic)
    if not problem.wrt:
        return
    grads, source = reverse_gradients(problem)
    rtol, eps = tolerances(sample)
    numeric = numeric_grad(problem.reference, *problem.inputs, wrt=tuple(problem.wrt), eps=eps)
    for k, (g, n) in enumerate(zip(grads, numeric)):
        x = problem.inputs[problem.wrt[k]]
        assert np.shape(g) == np.shape(x), f"{prim}: gradient shape {np.shape(g)} for " \
            f"{np.shape(x)}\n{source}"
        if isinstance(x, np.ndarray):
            assert np.asarray(g).dtype == x.dtype, f"{prim}: dtype {np.asarray(g).dtype}\n{source}"
        np.testing.assert_allclose(g, n, rtol=rtol, atol=ATOL,
                                   err_msg=f"{prim} arg {problem.wrt[k]}\n{source}")


def tolerances(sample):
    """(rtol, finite-difference step): 1e-6 in float64; a sample that computes in float32
    (a float32 argument or a cast to it) is compared at 1e-3 with a step that float32
    rounding does not swamp."""
    low = any((isinstance(v, np.ndarray) and v.dtype == np.float32) or
              (isinstance(v, str) and v == "float32") for v in sample)
    return (1e-3, 1e-3) if low else (RTOL, None)


def _cases():
    for name, rule in sorted(RULES.items()):
        for k, sample in enumerate(rule.samples):
            yield pytest.param(name, sample, id=f"{name}-{k}")


# Rules whose adjoint the pipeline supplies when the code runs: dyncall's is the callee's,
# checked against differences in tests/test_runtime_calls.py.
RUN_TIME_ADJOINTS = {"dyncall"}


def test_every_differentiable_rule_has_samples():
    missing = sorted(name for name, rule in RULES.items()
                     if has_vjp(rule) and not rule.samples and name not in RUN_TIME_ADJOINTS)
    assert not missing, f"rules with an adjoint but no samples: {missing}"


@pytest.mark.parametrize("prim, sample", list(_cases()))
def test_rule_vjp_kinds(prim, sample):
    check_sample(prim, sample, generic=False)


@pytest.mark.parametrize("prim, sample", list(_cases()))
def test_rule_vjp_generic(prim, sample):
    check_sample(prim, sample, generic=True)


def test_sweep_catches_a_wrong_rule():
    """The sweep is not vacuous: a rule whose adjoint is wrong (cos'(x) = sin(x)) fails it."""
    from srcad.rules import defprim
    from srcad.rules.ops import sin
    defprim("_selftest_cos", np.cos, ("impl", "selftest_cos"),
            vjp=(lambda g, ans, x: g * sin(x),), samples=[(0.7,)])
    try:
        with pytest.raises(AssertionError):
            check_sample("_selftest_cos", (0.7,))
    finally:
        RULES.pop("_selftest_cos")
