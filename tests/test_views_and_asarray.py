"""An in-place update of an array that a view or np.asarray also reaches, as Python does it.

`v = y[1:]` (or `y.T`, `y.reshape(...)`) is a view: a later `y += 1` changes what `v` reads;
`np.asarray(x)` of an array is `x` itself. srcad's SSA form would keep the old values, so it
refuses these updates at the user's line; the rewrite the message shows is differentiated
correctly. Checked in reverse and forward mode.
"""

import numpy as np
import pytest

import srcad

X = np.array([0.5, 1.0, 2.0])


def asarray_then_update(x):
    y = np.asarray(x)
    y += 1.0
    return np.sum(x * x)


def slice_then_update_base(x):
    y = x * 2.0
    v = y[1:]
    y += 1.0
    return np.sum(v * x[1:])


def transpose_then_update_base(x):
    y = x * 2.0
    v = y.T
    y *= 3.0
    return np.sum(v * x)


@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp])
@pytest.mark.parametrize("f", [asarray_then_update, slice_then_update_base,
                               transpose_then_update_base])
def test_update_seen_through_another_name_is_refused_at_the_line(f, transform):
    with pytest.raises(srcad.UnsupportedSyntaxError, match="in-place") as err:
        args = (X.copy(), np.ones(3)) if transform is srcad.jvp else (X.copy(),)
        transform(f)(*args)
    assert "line" in str(err.value)


def slice_rewritten(x):
    y = x * 2.0
    y = y + 1.0
    v = y[1:]
    return np.sum(v * x[1:])


def asarray_of_a_list_is_new(x):
    y = np.asarray([x[0], x[1]])
    y += 1.0
    return np.sum(y * x[:2])


def asarray_without_update(x):
    y = np.asarray(x)
    return np.sum(y * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", [slice_rewritten, asarray_of_a_list_is_new, asarray_without_update])
def test_rewrites_and_new_arrays_are_differentiated(f, mode):
    x = X.copy()
    value = srcad.value_and_grad(f)(x)[0]
    assert np.allclose(value, f(X.copy())) and np.array_equal(x, X)
    srcad.check_grad(f, X.copy(), mode=mode)


def _bump(a0, a1):
    a1 += 0.5
    a0 *= 2.0
    return a0 * 1.0


def same_object_passed_twice(x):
    t = np.where(x[0] > 0, x[0] * 1.5, x[1])      # a 0-d array: mutable
    u = _bump(x * 0.3, 0.25)
    return np.sum(np.sin(_bump(t, t) + u))


def different_objects(x):
    return np.sum(np.sin(_bump(x * 1.5, x * 2.0)) + _bump(x * 0.5, x + 1.0))


@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp])
def test_a_helper_changing_a_parameter_given_the_same_object_twice_is_refused(transform):
    """h(t, t) where h does `a1 += ...`: Python changes a0 too (found by the long fuzz)."""
    args = (X.copy(), np.ones(3)) if transform is srcad.jvp else (X.copy(),)
    with pytest.raises(srcad.UnsupportedSyntaxError, match="'a0' also names"):
        transform(same_object_passed_twice)(*args)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_helper_given_different_objects_is_differentiated(mode):
    srcad.check_grad(different_objects, X.copy(), mode=mode)


def asarray_own_dtype_then_update(x):
    a = np.asarray(x, dtype=float)       # x is float64: NumPy returns x itself
    a -= a.mean()
    return np.sum(x ** 3)


def float_copy_then_view_then_update(x):
    y = x * 1.0                          # a new array, which the builder folds to x
    z = y[:1]                            # a view (y[0] of a vector is a number, a copy)
    y *= 3
    return np.sum(z ** 2)


@pytest.mark.parametrize("f", [asarray_own_dtype_then_update, float_copy_then_view_then_update])
@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp])
def test_silent_aliasing_found_by_the_corpus_is_refused(f, transform):
    """FUZZ_FINDINGS F15 and F16: both gave silently wrong values and gradients."""
    args = (X.copy(), np.ones_like(X)) if transform is srcad.jvp else (X.copy(),)
    with pytest.raises(srcad.UnsupportedSyntaxError, match="also names"):
        transform(f)(*args)


def asarray_other_dtype_then_update(x):
    a = np.asarray(x, dtype=np.float32).astype(np.float64)
    b = np.asarray(x * 2.0, dtype=np.float32)        # a new float32 array
    b -= 1.0
    return np.sum(a * x) + np.sum(b.astype(np.float64) * x)


def float_copy_then_update(x):
    y = x * 1.0
    y += x                               # y is a new array: x is unchanged
    return np.sum(y * x)


@pytest.mark.parametrize("f", [asarray_other_dtype_then_update, float_copy_then_update])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_new_arrays_from_asarray_and_identity_arithmetic_are_differentiated(f, mode):
    srcad.check_grad(f, X.copy(), mode=mode, rtol=1e-4)
