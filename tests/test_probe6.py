"""Programs a new user writes, found wrong or refused by the probe of this round, as Python
runs them: each in reverse mode (grad) and forward mode (jvp) against central differences,
its value against plain Python, and its gradients fresh (writable, sharing no memory with an
argument).

- `D.T[:] -= x.T`: a write through the transpose of an array the function made (pairwise
  differences, as kernel code writes them) changes that array; it was refused with a message
  about objects of the user's classes and a rewrite that was refused as well.
- srcad.numeric_grad / check_grad with several `wrt` arguments, of a function that writes into
  one of them: the central differences for one argument ran f on the caller's array of the
  other, so each evaluation changed it again (a wrong oracle, and the user's array changed).
"""

import copy

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(66)


def _r(*shape):
    return RNG.standard_normal(shape)


def _check(f, args, wrt):
    """Value as Python's, gradients fresh and equal to central differences, both modes."""
    want = f(*copy.deepcopy(args))
    value, grads = srcad.value_and_grad(f, wrt=wrt)(*copy.deepcopy(args))
    assert value == want
    for g in grads:
        assert g.flags.writeable if isinstance(g, np.ndarray) else True
        assert not any(isinstance(g, np.ndarray) and np.shares_memory(g, a) for a in args)
    for mode in ("reverse", "forward"):
        srcad.check_grad(f, *copy.deepcopy(args), wrt=wrt, mode=mode, rtol=1e-5, atol=1e-8)
    _, tangent = srcad.jvp(f, wrt=wrt)(*copy.deepcopy(args),
                                       *[np.ones_like(args[i]) for i in wrt])
    numeric = [srcad.numeric_grad(f, *copy.deepcopy(args), wrt=i) for i in wrt]
    np.testing.assert_allclose(tangent, sum(np.sum(n) for n in numeric), rtol=1e-5)


# ----- writes through a transpose ----------------------------------------------------------
def pairwise_kernel(x, ell):
    D = np.zeros((len(x), len(x)))
    D[:] = x
    D.T[:] -= x.T
    return np.sum(np.exp(-0.5 * D ** 2 / ell ** 2) * np.arange(len(x)))


def column_writes(x, w):
    D = np.outer(x, x)
    D.T[1] = x * 2
    D.T[:, 0] *= x
    return np.sum(D * w)


def argument_column_update(x, y):
    x.T[0] += y
    return np.sum(x ** 2 * np.arange(x.size).reshape(x.shape))


@pytest.mark.parametrize("f, args, wrt", [
    (pairwise_kernel, (_r(5), np.array(0.7)), (0, 1)),
    (column_writes, (_r(3), _r(3, 3)), (0,)),
], ids=["pairwise", "columns"])
def test_write_through_transpose(f, args, wrt):
    _check(f, args, wrt)


def test_write_through_transpose_of_argument_is_seen_by_the_caller():
    x, y = _r(2, 3), _r(2)
    _check(argument_column_update, (x, y), (0, 1))
    mine, python = x.copy(), x.copy()
    srcad.grad(argument_column_update, wrt=(0, 1))(mine, y)
    argument_column_update(python, y)
    np.testing.assert_array_equal(mine, python)


def test_write_through_transpose_of_a_shared_array_is_refused_at_the_line():
    def shared(x):
        D = np.zeros((3, 3))
        E = D
        D.T[0] = x
        return np.sum(E * x)

    for transform in (srcad.grad, srcad.jvp):
        with pytest.raises(srcad.SrcadError, match=r"line \d+.*'E' also names"):
            transform(shared)(_r(3), *([_r(3)] if transform is srcad.jvp else []))


# ----- central differences of a function that writes into a wrt argument ------------------
def test_numeric_grad_leaves_every_wrt_argument_as_given():
    x, y = np.arange(6.0).reshape(2, 3), np.array([0.5, 1.0])
    before = x.copy()
    gx, gy = srcad.numeric_grad(argument_column_update, x, y, wrt=(0, 1))
    np.testing.assert_array_equal(x, before)
    moved = before.copy()
    moved[:, 0] += y
    weights = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(gx, 2 * moved * weights, rtol=1e-6)
    np.testing.assert_allclose(gy, 2 * moved[:, 0] * weights[:, 0], rtol=1e-6)
    srcad.check_grad(argument_column_update, x, y, wrt=(0, 1), mode="forward")
    np.testing.assert_array_equal(x, before)
