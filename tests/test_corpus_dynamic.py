"""Corpus programs leaning on Python's dynamism (tests/corpus_programs_dynamic.py): keyword
options and isinstance in a layer library, a run-time drag law inside a generator of a body
object. Both modes against finite differences."""

import numpy as np
import pytest

import srcad
import corpus_programs_dynamic as P


def _r(seed, *shape, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


CASES = {
    "configured_network": (P.configured_network_loss,
                           (_r(1, 3, 4, scale=0.5), _r(2, 4, scale=0.1), _r(3, 4, 2, scale=0.5),
                            _r(4, 2, scale=0.1), _r(5, 6, 3), _r(6, 6, 2),
                            (np.random.default_rng(7).random(4) > 0.3).astype(float)),
                           (0, 1, 2, 3)),
    "flight_slow": (P.flight_miss, (np.array([2.0, 1.0]), 0.3, np.array([1.0, 0.0])), (0, 1)),
    "flight_fast": (P.flight_miss, (np.array([4.0, 3.0]), 0.05, np.array([2.0, 0.5])), (0, 1)),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(CASES))
def test_dynamic_corpus_against_finite_differences(name, mode):
    f, args, wrt = CASES[name]
    srcad.check_grad(f, *args, wrt=wrt, rtol=1e-5, atol=1e-7, mode=mode)
