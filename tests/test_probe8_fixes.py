"""Python the round-8 probe found srcad getting wrong or refusing (tests/corpus_programs_11.py):

- a helper wrapped by a decorator that uses functools.wraps was inlined as the function it
  wraps, skipping the wrapper's own code: a wrapper adding an L2 term gave the value and the
  gradient without it (silently); the wrapper itself, `def wrapped(w, *data)`, was refused
  at the top level, read with the wrapped function's signature (inspect.signature follows
  __wrapped__);
- a dataclass made in the function from differentiated values was refused (its generated
  `__init__` has no source); it is followed now as objects of the user's classes are;
- reverse mode named the read of an attribute (`p.W`) where the call it cannot differentiate
  (building a namedtuple) is what forward mode names.
"""

import collections
import dataclasses
import functools

import numpy as np
import pytest

import srcad


def with_penalty(weight):
    def decorate(loss):
        @functools.wraps(loss)
        def wrapped(w, *data):
            return loss(w, *data) + weight * np.sum(w ** 2)
        return wrapped
    return decorate


@with_penalty(10.0)
def penalised(w, X, y):
    return np.sum((X @ w - y) ** 2)


def calls_the_wrapped_helper(w, X, y):
    return 2.0 * penalised(w, X, y)


def _penalised_by_hand(w, X, y):
    return 2 * X.T @ (X @ w - y) + 20.0 * w


@dataclasses.dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray
    scale: float = 2.0
    size: float = dataclasses.field(init=False, default=0.0)
    seen: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        self.size = np.sum(self.W ** 2)

    def __call__(self, x):
        self.seen.append(x)
        return self.scale * np.tanh(x @ self.W + self.b)


@dataclasses.dataclass(kw_only=True, frozen=True)
class Options:
    power: float
    weight: np.ndarray


def dataclass_made_here(W, b, x):
    layer = Affine(W, b, scale=0.5)
    out = layer(layer(x) @ W.T)
    return np.sum(out ** 2) + layer.size + len(layer.seen)


def frozen_keyword_dataclass(w):
    opts = Options(power=3.0, weight=w * 2.0)
    return np.sum(opts.weight ** opts.power)


def _r(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = {
    "wrapper_at_top_level": (penalised, lambda: (_r(1, 3), _r(2, 5, 3), _r(3, 5))),
    "wrapper_as_helper": (calls_the_wrapped_helper, lambda: (_r(1, 3), _r(2, 5, 3), _r(3, 5))),
    "dataclass_made_here": (dataclass_made_here, lambda: (_r(4, 3, 3), _r(5, 3), _r(6, 2, 3))),
    "frozen_keyword_dataclass": (frozen_keyword_dataclass, lambda: (_r(7, 4),)),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_finite_differences(name, mode):
    f, build = CASES[name]
    wrt = tuple(range(len(build()))) if name == "dataclass_made_here" else 0
    srcad.check_grad(f, *build(), wrt=wrt, mode=mode, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_value_is_python_s(name):
    f, build = CASES[name]
    assert srcad.value_and_grad(f)(*build())[0] == f(*build())


def test_wrapper_keeps_its_own_term_in_both_modes():
    w, X, y = CASES["wrapper_as_helper"][1]()
    np.testing.assert_allclose(srcad.grad(calls_the_wrapped_helper)(w, X, y),
                               2 * _penalised_by_hand(w, X, y), rtol=1e-12)
    value, tangent = srcad.jvp(calls_the_wrapped_helper)(w, X, y, np.ones(3))
    assert value == calls_the_wrapped_helper(w, X, y)
    np.testing.assert_allclose(tangent, np.sum(2 * _penalised_by_hand(w, X, y)), rtol=1e-12)


def test_setting_a_field_of_a_frozen_dataclass_is_refused():
    def f(w):
        opts = Options(power=2.0, weight=w)
        opts.power = 3.0
        return np.sum(opts.weight ** opts.power)

    with pytest.raises(srcad.SrcadError, match="frozen dataclass"):
        srcad.grad(f)(np.ones(2))


Pair = collections.namedtuple("Pair", "W b")


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_both_modes_name_the_record_built_from_differentiated_values(mode):
    def f(W, b):
        p = Pair(W, b)
        return np.sum(p.W * p.b)

    with pytest.raises(srcad.SrcadError, match="building a Pair") as info:
        srcad.check_grad(f, np.ones(2), np.ones(2), mode=mode)
    assert f"line {f.__code__.co_firstlineno + 1}:" in str(info.value)    # p = Pair(W, b)
