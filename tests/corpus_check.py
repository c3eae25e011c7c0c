"""The checks every corpus program goes through (tests/test_corpus_*.py), in both modes.

A case is (function, argument builder, wrt, hand-written gradient or None); the hand-written
gradient takes the function's arguments and returns one gradient per `wrt` index. Oracles:
finite differences (srcad.check_grad, element by element) in reverse and in forward mode, the
hand-written backward pass (itself checked against finite differences, so a wrong oracle shows
up as its own failure), and autograd on the same source where it is installed. Returned
gradients must be fresh: writable and sharing no memory with an argument or with each other.
"""

import copy
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import srcad

CHECKS = ("reverse", "forward", "hand", "autograd")


def params(cases, xfail, check):
    """pytest params for one check; xfail maps name -> (reason, set of checks that fail)."""
    for name in cases:
        reason, checks = xfail.get(name, (None, ()))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if check in checks else []
        yield pytest.param(name, marks=marks, id=name)


def leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in leaves(v)]
    return [value]


def assert_fresh(grads, args):
    arrays = [a for a in leaves(args) if isinstance(a, np.ndarray)]
    out = [g for g in leaves(grads) if isinstance(g, np.ndarray)]
    for i, g in enumerate(out):
        assert g.flags.writeable, "a returned gradient is read-only"
        assert not any(np.shares_memory(g, a) for a in arrays), "a gradient shares an argument"
        assert not any(np.shares_memory(g, h) for h in out[i + 1:]), "two gradients share memory"


def close(got, want, rtol=1e-6, atol=1e-9):
    got, want = leaves(got), leaves(want)
    assert len(got) == len(want), f"{len(got)} gradient leaves, expected {len(want)}"
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def _wanted(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def check_reverse(case):
    f, build, wrt, _ = case
    srcad.check_grad(f, *build(), wrt=wrt, mode="reverse", rtol=1e-5, atol=1e-7)


def check_forward(case):
    f, build, wrt, _ = case
    srcad.check_grad(f, *build(), wrt=wrt, mode="forward", rtol=1e-5, atol=1e-7)


def check_hand(case):
    """srcad's gradient equals the hand-written backward pass, and is fresh."""
    f, build, wrt, backward = case
    args = build()
    grads = srcad.grad(f, wrt=_wanted(wrt))(*args)
    assert_fresh(grads, args)
    if backward is not None:
        close(grads, backward(*build()))


def check_hand_written_oracle(case):
    """The hand-written backward pass itself against finite differences (no srcad involved)."""
    f, build, wrt, backward = case
    args = build()
    want = backward(*copy.deepcopy(args))
    got = [srcad.numeric_grad(f, *args, wrt=i) for i in _wanted(wrt)]
    close(got, want, rtol=1e-5, atol=1e-7)


def _autograd_namespace(f):
    module = sys.modules[f.__module__]
    namespace = {"__name__": module.__name__ + "_with_autograd"}
    source = pathlib.Path(module.__file__).read_text().replace("import numpy as np",
                                                               "import autograd.numpy as np")
    exec(compile(source, module.__file__, "exec"), namespace)
    return namespace


def check_autograd(case):
    if importlib.util.find_spec("autograd") is None:
        pytest.skip("autograd (optional extra) is not installed")
    import autograd
    f, build, wrt, _ = case
    args = build()
    same = _autograd_namespace(f).get(f.__name__)
    if same is None:
        pytest.skip(f"{f.__qualname__} is not a module-level function")
    try:
        want = [autograd.grad(same, argnum=i)(*build()) for i in _wanted(wrt)]
    except Exception as err:        # noqa: BLE001 - autograd itself cannot take the program
        pytest.skip(f"autograd cannot differentiate {f.__name__}: {type(err).__name__}")
    got = srcad.grad(f, wrt=_wanted(wrt))(*args)
    try:
        close(got, want)
    except (AssertionError, TypeError):         # TypeError: autograd returned its boxes
        numeric = [srcad.numeric_grad(f, *build(), wrt=i) for i in _wanted(wrt)]
        try:
            close(want, numeric, rtol=1e-5, atol=1e-7)
        except (AssertionError, ValueError, TypeError):
            pytest.skip(f"autograd's own gradient of {f.__name__} disagrees with finite "
                        "differences")
        raise
