"""srcad/pipeline.py: the derivation as one function, stages handed what they need from above
(issue 17). The numbers of every derivative are tested elsewhere; these tests pin the wiring:
SRCAD_VERIFY, and that a stage run outside the pipeline refuses honestly where it would need
the part the pipeline hands it."""

import numpy as np
import pytest

import srcad
from srcad.transforms import forward
from srcad.frontend import parse as frontend
from srcad.ir import nodes as ir
from srcad import pipeline
from srcad.transforms.reverse import sweep as reverse
from srcad.errors import SrcadError
from srcad.ir.nodes import Block, Eqn, Function, Var


def helper(x):
    s = np.sin(x)          # two statements and two call sites: called by name, not inlined
    return s * x


def calls_helper(x):
    return helper(x) + helper(2.0 * x)


def nested(x, y):
    inner = srcad.grad(lambda t: t * y ** 2)(x)
    return helper(x) * inner


def _broken():
    """A function reading a var nothing defines: verify rejects it."""
    x, ghost = Var("x"), Var("ghost")
    out = Var("y")
    return Function("broken", (x,), Block([Eqn((out,), "mul", (x, ghost))], (out,)))


def test_checked_verifies_only_under_the_flag(monkeypatch):
    monkeypatch.setenv("SRCAD_VERIFY", "1")
    with pytest.raises(ir.VerificationError):
        pipeline.checked(_broken())
    monkeypatch.setenv("SRCAD_VERIFY", "0")
    broken = _broken()
    assert pipeline.checked(broken) is broken


def test_the_suite_runs_with_verification_on():
    import os
    assert os.environ.get("SRCAD_VERIFY") == "1"        # tests/conftest.py


def test_transforms_outside_the_pipeline_refuse_a_helper_call():
    """reverse.adjoint without helpers= and forward.tangent without lower= cannot compile or
    lower a helper: a SrcadError says so, not a raw Python error."""
    primal = pipeline.lower(frontend.parse(calls_helper), None)
    with pytest.raises(SrcadError, match="helpers="):
        reverse.adjoint(primal, (0,))
    with pytest.raises(SrcadError, match="lower="):
        forward.tangent(primal, (0,))


def test_the_pipeline_hands_them_in():
    """The same IR through pipeline.differentiate: reverse calls the helper's compiled halves,
    forward inlines it; both agree with finite differences."""
    primal = pipeline.lower(frontend.parse(calls_helper), None)
    assert ir.evaluate(primal, 0.7) == pytest.approx(calls_helper(0.7))
    for mode in ("grad", "jvp"):
        derived = pipeline.differentiate(primal, mode, (0,), False)
        assert any(e.prim in ("call_fwd", "call_bwd") for e in ir.walk_eqns(derived.body)) == \
            (mode == "grad")
    x = 0.7
    numeric = srcad.numeric_grad(calls_helper, x)
    assert srcad.grad(calls_helper)(x) == pytest.approx(numeric, rel=1e-6)
    assert srcad.jvp(calls_helper)(x, 1.0)[1] == pytest.approx(numeric, rel=1e-6)


def test_a_derivative_inside_is_differentiated_by_the_pipeline():
    """srcad.grad inside a differentiated function: lowering calls pipeline.differentiate,
    which it receives, never imports; srcad.lower shows the result, both modes agree with
    finite differences."""
    assert "sin" in str(srcad.lower(nested))
    x, y = 0.8, 1.3
    numeric = srcad.numeric_grad(nested, x, y)
    assert srcad.grad(nested)(x, y) == pytest.approx(numeric, rel=1e-6)
    assert srcad.jvp(nested)(x, y, 1.0)[1] == pytest.approx(numeric, rel=1e-6)
