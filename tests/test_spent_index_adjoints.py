"""An index read's dense adjoint, replaced by `a[i] += g` (transforms/reverse/sweep.py _add),
is dropped only once nothing reads it: `(x1 + x0)[1]` gives the same adjoint to both operands
of the sum, and a second read of the same element reads the primal array again. Found by the
long fuzz profile (a VerificationError: a value read before it is bound)."""

import numpy as np

import srcad


def grown_then_read_twice(x0, x1, x2):
    hs = []
    for _ in range(1):
        hs = hs + [(x1 + x0)[1]]
    _t = hs[0] + 1.5 * hs[-1]         # read by nothing, as the fuzzer wrote it
    return np.sum(0.5) + 0.0 * x2[0]


def read_twice_used(x0, x1):
    s = x1 + x0
    return s[1] * 2.0 + s[1] ** 2 + s[0]


def test_constant_result_with_a_dead_index_read():
    x = np.ones(3)
    g0, g1 = srcad.grad(grown_then_read_twice, wrt=(0, 1))(x, 2 * x, 3 * x)
    assert np.array_equal(g0, np.zeros(3)) and np.array_equal(g1, np.zeros(3))


def test_the_same_element_read_twice_from_a_sum():
    x0, x1 = np.array([0.3, -1.2, 0.7]), np.array([1.1, 0.4, -0.5])
    g0, g1 = srcad.grad(read_twice_used, wrt=(0, 1))(x0, x1)
    want = srcad.numeric_grad(read_twice_used, x0, x1, wrt=0)
    assert np.allclose(g0, want, atol=1e-6) and np.allclose(g1, want, atol=1e-6)
    t = np.array([0.5, -1.0, 2.0])
    _, tangent = srcad.jvp(read_twice_used, wrt=0)(x0, x1, t)
    assert np.isclose(tangent, want @ t, atol=1e-6)
