"""The table-wide sweep of tests/test_rules_table.py and tests/test_forward.py, for a test
module's own list of primitives (SciPy's, a library-coverage round's): every sample of each,
in reverse and forward mode with kinds known and generic, and forward over reverse.

    test_reverse_sweep, test_forward_sweep, test_forward_over_reverse = sweep_tests(PRIMS)
"""

import pytest
from test_forward import forward_check, hvp_check
from test_rules_table import check_sample

from srcad.rules import RULES


def sweep_tests(prims):
    """The three parametrised sweep tests over the samples of `prims`."""
    cases = [pytest.param(p, s, id=f"{p}-{k}") for p in prims
             for k, s in enumerate(RULES[p].samples)]

    @pytest.mark.parametrize("prim, sample", cases)
    @pytest.mark.parametrize("generic", [False, True])
    def test_reverse_sweep(prim, sample, generic):
        check_sample(prim, sample, generic)

    @pytest.mark.parametrize("prim, sample", cases)
    @pytest.mark.parametrize("generic", [False, True])
    def test_forward_sweep(prim, sample, generic):
        forward_check(prim, sample, generic)

    @pytest.mark.parametrize("prim, sample", cases)
    def test_forward_over_reverse(prim, sample):
        hvp_check(prim, sample, False)

    return test_reverse_sweep, test_forward_sweep, test_forward_over_reverse
