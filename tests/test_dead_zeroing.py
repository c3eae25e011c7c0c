"""A reverse loop's zeroing of an adjoint element no later iteration reads is dropped
(srcad/optimize/dead_zeroing.py), and kept wherever another iteration may read the place.
Both modes against central differences; forward mode has no such zeroing and is checked on
the same programs."""

import numpy as np
import pytest

import srcad


def slices(x, w):
    N, T, D = x.shape
    h = np.zeros((N, T, D))
    for t in range(T):
        h[:, t, :] = np.tanh(x[:, t, :] * w)
    return np.sum(h * h)


def elements(x, w):
    N, H = x.shape
    F = w.shape[0]
    out = np.zeros((N, F, H - 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - 1):
                out[n, f, i] = np.sum(x[n, i:i + 2] * w[f])
    return np.sum(np.sin(out))


def reads_the_place_before(x, a):
    out = np.zeros(x.shape[0])
    out[0] = x[0]
    for t in range(1, x.shape[0]):
        out[t] = out[t - 1] * a + x[t]
    return np.sum(out ** 2)


def wraps_around(x):
    out = np.zeros(3)
    for t in range(-1, 3):          # out[-1] is out[2]: written twice, the first overwritten
        out[t] = x[t + 1] * 2.0
    return np.sum(out * np.array([1.0, 2.0, 3.0]))


def windows(x):
    out = np.zeros(x.shape[0] + 1)
    for t in range(x.shape[0]):
        out[t:t + 2] = x[t] * np.array([1.0, -1.0])   # overlapping: the next one overwrites
    return np.sum(out * np.arange(1.0, x.shape[0] + 2))


def read_after(x):
    out = np.zeros(x.shape)
    for t in range(x.shape[0]):
        out[t] = np.sin(x[t])
    return np.sum(out * out) + out[0] * out[-1]


def _r(*shape, seed=11):
    return np.random.default_rng(seed + len(shape)).standard_normal(shape)


CASES = {
    "slices": (slices, lambda: (_r(2, 4, 3), _r(3)), (0, 1), True),
    "elements": (elements, lambda: (_r(2, 5), _r(3, 2)), (0, 1), True),
    "reads the place before": (reads_the_place_before, lambda: (_r(5), 0.7), (0, 1), False),
    "wraps around": (wraps_around, lambda: (_r(4),), 0, False),
    "windows": (windows, lambda: (_r(4),), 0, False),
    "read after": (read_after, lambda: (_r(4),), 0, False),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_of_loops_writing_into_arrays(name, mode):
    f, make, wrt, _ = CASES[name]
    assert srcad.check_grad(f, *make(), wrt=wrt, mode=mode)


@pytest.mark.parametrize("name", CASES)
def test_zeroing_dropped_only_where_no_iteration_reads_the_place(name):
    f, make, wrt, dropped = CASES[name]
    text = str(srcad.source(srcad.grad(f, wrt=wrt), *make()))
    reverse = text[text.index("reversed("):]
    assert ("= 0.0" not in reverse) == dropped


def test_wrapped_around_place_gets_no_gradient_from_the_overwritten_write():
    """x[0] is written to out[-1], which out[2] = x[3] * 2 overwrites: its gradient is 0."""
    g = srcad.grad(wraps_around)(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_allclose(g, [0.0, 2.0, 4.0, 6.0])
