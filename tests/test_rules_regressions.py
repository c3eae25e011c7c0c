"""Regressions of the rule table and of the float specialisation (issue 16, items 3, 4, 6, 11,
13, 15, 16): each case in reverse mode (grad) and forward mode (jvp), against central
differences or a documented convention."""

import warnings

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(16)


def _leaves(value):
    return value if isinstance(value, (list, tuple)) else [value]


def check_both_modes(f, args, wrt=0, atol=1e-6):
    """grad against numeric_grad, and the jvp along a random direction against the dot
    product of the numeric gradient with it; the gradient has its argument's type and shape."""
    analytic = srcad.grad(f, wrt)(*args)
    numeric = srcad.numeric_grad(f, *args, wrt=wrt)
    x = args[wrt]
    assert type(analytic) is type(x)
    for a, n, leaf in zip(_leaves(analytic), _leaves(numeric), _leaves(x)):
        assert np.shape(a) == np.shape(leaf)
        np.testing.assert_allclose(a, n, atol=atol, rtol=1e-6)
    direction = [RNG.standard_normal(np.shape(leaf)) for leaf in _leaves(x)]
    tangent = direction if isinstance(x, (list, tuple)) else direction[0]
    if isinstance(x, tuple):
        tangent = tuple(tangent)
    if isinstance(x, float):
        tangent = float(tangent)
    _, forward = srcad.jvp(f, wrt)(*args, tangent)
    expected = sum(float(np.sum(n * d)) for n, d in zip(_leaves(numeric), direction))
    np.testing.assert_allclose(forward, expected, atol=atol, rtol=1e-6)
    return analytic


# ----- items 3 and 11: einsum with '...' anywhere and with size-1 broadcasting ----------------
EINSUMS = [
    (lambda a, b: np.sum(np.sin(np.einsum("ij,ij->", a, b))), (1, 3), (2, 3)),
    (lambda a, b: np.sum(np.sin(np.einsum("ij,ij->", a, b))), (2, 3), (1, 3)),
    (lambda a, b: np.sum(np.sin(np.einsum("ij,ij->i", a, b))), (2, 1), (2, 3)),
    (lambda a, b: np.sum(np.sin(np.einsum("ij,jk->ik", a, b))), (2, 3), (1, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("bij,bjk->bik", a, b))), (1, 2, 3), (4, 3, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("bij,bjk->bik", a, b))), (4, 2, 3), (1, 3, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("bij,bjk->bk", a, b))), (1, 2, 3), (4, 3, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("i...j,j...k->i...k", a, b))), (2, 3, 4), (4, 3, 5)),
    (lambda a, b: np.sum(np.sin(np.einsum("i...j,j...k->i...k", a, b))), (2, 1, 4), (4, 3, 5)),
    (lambda a, b: np.sum(np.sin(np.einsum("...ij,...jk", a, b))), (1, 2, 3), (4, 3, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("...ij,...jk", a, b))), (2, 3), (4, 3, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("...ij,...jk->...ik", a, b))), (5, 1, 2, 3),
     (4, 3, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("...j,j->...", a, b))), (2, 4, 3), (1,)),
    (lambda a, b: np.sum(np.sin(np.einsum("ij...,jk->ik...", a, b))), (2, 1, 4), (3, 2)),
    (lambda a, b: np.sum(np.sin(np.einsum("i...,i...->...", a, b))), (3, 1, 4), (3, 2, 1)),
]


@pytest.mark.parametrize("case", range(len(EINSUMS)))
@pytest.mark.parametrize("wrt", [0, 1])
def test_einsum_ellipsis_and_size_one_broadcasting(case, wrt):
    f, shape_a, shape_b = EINSUMS[case]
    a, b = RNG.standard_normal(shape_a), RNG.standard_normal(shape_b)
    check_both_modes(f, (a, b), wrt)


# ----- item 4: joining one array (NumPy iterates it along its first axis) ---------------------
JOINS = [
    lambda a: np.sum(np.sin(np.vstack(a))),
    lambda a: np.sum(np.sin(np.hstack(a))),
    lambda a: np.sum(np.sin(np.column_stack(a))),
    lambda a: np.sum(np.sin(np.dstack(a))),
    lambda a: np.sum(np.sin(np.stack(a))),
    lambda a: np.sum(np.sin(np.stack(a, axis=1))),
    lambda a: np.sum(np.sin(np.concatenate(a))),
    lambda a: np.sum(np.sin(np.concatenate(a, axis=None))),
]


@pytest.mark.parametrize("case", range(len(JOINS)))
@pytest.mark.parametrize("container", [np.asarray, list, tuple])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_joining_one_array_a_list_or_a_tuple(case, container, shape):
    x = container(RNG.standard_normal(shape))
    check_both_modes(JOINS[case], (x,))


def test_joining_one_float32_array_keeps_its_dtype():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    g = srcad.grad(lambda a: np.sum(np.vstack(a) ** 2))(x)
    assert type(g) is np.ndarray and g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6)
