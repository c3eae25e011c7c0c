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
- A float written into an integer or boolean array (`a = np.zeros(3, dtype=int); a[:] = 3 * x`,
  `np.arange(3)`, `np.full(3, 7)`, a uint8 image) is stored cast: its derivative stops there.
  srcad sent the value's derivative through the write in both modes (a wrong gradient, in an
  integer dtype for `a[i] += v`), and forward mode wrote it into an integer tangent.
- `np.sum(k * y)` with integer weights k: the adjoint `1.0 * k` was folded to `k`, an integer
  array, so the gradient came out in an integer dtype, and a float added into it in place was
  truncated (`y[0] = y[0] ** 2` then `k * y`: 1.8 came out as 1). `x * 1.0`, `x / 1`,
  `x + 0.0` fold to x only where they keep x's dtype.
- `a += x` with a float x on an integer array: Python raises NumPy's UFuncTypeError (the
  sum cannot be stored back into the int array in place); srcad lowered it as `a = a + x`
  and returned a value and a gradient. Now a PythonTypeError (a SrcadError and a TypeError)
  at the line, with the rewrite.
- `a * b if not isinstance(a, list) else a[0] * b` with a list `a`: `not` of a condition known
  now was not folded, so the branch Python never runs was lowered and refused (`list * float`).
- The builder's rewrites of the user's arithmetic changed its rounding: `0.1 * (3.0 * x)` ran
  as `0.30000000000000004 * x` and `x * (1 / c)` as `x / c`, so the value (and what the
  derivative reads of it) differed from Python's in the last bits (a third of the elements
  for c = 3); `mask * -1` ran as `-mask`, which NumPy refuses for booleans (a TypeError from
  generated code where Python computes an int array).
- A leapfrog / wave-equation loop swapping its carries (`u_prev, u = u, u_next`) with slice
  writes: in the reverse loop the adjoint of `u` was written in place under the name of the
  adjoint of `u_prev`, and the new `u_prev` adjoint then took that same name before the other
  was read (`bu_prev[2:] += v; bu_prev = ...; bu = bu_prev`): a wrong gradient, silently.
- `B[:, 0], B[:, 1] = B[:, 1], B[:, 0]`: Python's second view already shows the first write,
  so column 1 stays and column 0 gets its copy; srcad swapped the columns (a wrong value and
  gradient, silently). Now refused at the line, with copies on the right as the rewrite.
- `tmp = y[j]; y[j] = y[j + 1]; y[j + 1] = tmp` (a bubble sort) on a vector was refused as a
  write into an array 'tmp' also names: `y[j]` of a vector is a number, a copy, not a view.
- `srcad.grad(nll)(w)` inside a differentiated function, for `def nll(w, X=X0, y=Y0)`, was
  refused as "name 'X' is not defined" at nll's line: the defaults were not bound. And
  `srcad.jacfwd(srcad.grad(nll))(w)` inside one said "using DerivativeValue as a value".
- `w, *_ = np.linalg.lstsq(X, y, rcond=None)` was refused as a starred assignment of a
  sequence of unknown length: lstsq's result is four items.
- `enumerate(x, start=1)` counted from 0 (the keyword was dropped), and a start known only at
  run time counted from 0 in a comprehension: wrong values and gradients, silently.
- `a, b = zip(*pairs)` was refused as "using ZipValue as a value" (`list(zip(*pairs))` worked).
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


# ----- values written into integer and boolean arrays --------------------------------------
def slice_into_ints(x):
    a = np.zeros(3, dtype=int)
    a[:] = x * 3
    return np.sum(a * x)


def elements_into_ints(x):
    a = np.zeros(3, dtype=np.int64)
    a[1] = x[0] * 5
    a[2] += x[1] * 4
    a[0] -= x[2] * 3
    return np.sum(a * x)


def into_arange(x):
    a = np.arange(3)
    a[1] = x[0] * 10
    a[...] *= 2
    return np.sum(a * x)


def into_full(x):                 # np.full's dtype is known only when it runs
    a = np.full(3, 7)
    a[0] = x[0] * 2.5
    b = np.full(3, 0.5)
    b[1] = x[1]
    return np.sum(a * x) + np.sum(b * x)


def into_mask_and_bytes(x):
    m = np.zeros(3, dtype=bool)
    m[:] = x
    pixels = np.zeros(3, dtype=np.uint8)
    pixels[:] = np.abs(x) * 50
    return np.sum(m * x) + np.sum(pixels * x)


@pytest.mark.parametrize("f", [slice_into_ints, elements_into_ints, into_arange, into_full,
                               into_mask_and_bytes])
def test_a_value_written_into_an_integer_array_has_no_derivative(f):
    x = np.array([0.71, -1.43, 2.37])
    _check(f, (x,), (0,))
    grad = srcad.grad(f)(x)
    assert grad.dtype == np.float64


# ----- integer weights: the adjoint stays a float -----------------------------------------
def squared_first_then_int_weights(x, k):
    y = x * 1.0
    y[0] = y[0] ** 2
    return np.sum(k * y)


def int_weights_matmul(x, k):
    return x @ k + np.sum(np.where(k > 1, x, 0.0)) + np.sum((k > 1) * x)


@pytest.mark.parametrize("f", [squared_first_then_int_weights, int_weights_matmul])
def test_integer_weights_give_a_float_gradient(f):
    x, k = np.array([0.3, 1.0, 2.0]), np.array([3, 1, 2])
    _check(f, (x, k), (0,))
    grad = srcad.grad(f)(x, k)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, srcad.numeric_grad(f, x, k), rtol=1e-6)


def test_a_float_neutral_keeps_the_integer_operand_a_float():
    def scaled(x, k):
        return np.sum((k * 1.0) * x) + np.sum((k / 1) * x) + np.sum((k + 0.0) * x)

    x, k = np.array([0.5, 1.5]), np.array([2, 3])
    value, grad = srcad.value_and_grad(scaled)(x, k)
    assert value == scaled(x, k)
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, 3.0 * k)


# ----- `a += x` that NumPy refuses to store in place ---------------------------------------
def float_added_into_ints(x):
    a = np.zeros(3, dtype=int)
    a += x
    return np.sum(a * x)


def ints_divided_in_place(x):
    k = np.arange(3)
    k /= 2
    return np.sum(k * x)


def allowed_in_place(x):          # a float into floats, an int into ints: NumPy allows both
    a = np.zeros(3)
    a += x
    k = np.arange(3)
    k += 2
    k *= 3
    return np.sum(a * x) + np.sum(k * x)


@pytest.mark.parametrize("f", [float_added_into_ints, ints_divided_in_place])
def test_an_in_place_update_numpy_refuses_is_python_s_type_error(f):
    x = np.array([0.5, 1.5, -2.0])
    with pytest.raises(TypeError):
        f(x.copy())
    for transform, more in ((srcad.grad, ()), (srcad.jvp, (np.ones(3),))):
        with pytest.raises(srcad.SrcadError, match=r"line \d+.*Cannot cast ufunc") as err:
            transform(f)(x.copy(), *more)
        assert isinstance(err.value, TypeError)


def test_in_place_updates_numpy_allows_are_followed():
    x = np.array([0.5, 1.5, -2.0])
    _check(allowed_in_place, (x,), (0,))

    def into_float32(x):
        a = np.zeros(3, dtype=np.float32)
        a += x
        return np.sum(a.astype(np.float64) * 2.0)

    value, grad = srcad.value_and_grad(into_float32)(x)
    assert value == into_float32(x)
    np.testing.assert_array_equal(grad, [2.0, 2.0, 2.0])


# ----- `not` of a condition known now picks the branch Python runs -------------------------
def first_or_itself(a, b):
    if not isinstance(a, (list, tuple)):
        a = [a, 0.0]
    return a[0] * b if not isinstance(a, float) else a * b


def test_not_of_a_condition_known_now_lowers_only_the_branch_python_runs():
    for a in ([2.0, 1.0], 2.0, (2.0, 1.0)):
        grads = srcad.grad(first_or_itself, wrt=(0, 1))(a, 3.0)
        want = srcad.numeric_grad(first_or_itself, a, 3.0, wrt=(0, 1))
        np.testing.assert_allclose(np.ravel(grads[0]), np.ravel(want[0]), atol=1e-8)
        np.testing.assert_allclose(grads[1], want[1], rtol=1e-8)
        value, tangent = srcad.jvp(first_or_itself, wrt=(1,))(a, 3.0, 1.0)
        assert value == first_or_itself(a, 3.0) and tangent == 2.0


# ----- the user's arithmetic runs as written, to the last bit --------------------------------
def scaled_twice(x, c):
    y = 0.1 * (3.0 * x)
    z = x * (1 / c)
    return np.sum(y * z)


def negated_mask(x):
    m = x > 0
    return np.sum(m * -1 * x) + np.sum(0.5 * (4 * x))


def test_the_value_is_python_s_to_the_last_bit():
    x = np.random.default_rng(7).standard_normal(300)
    value, grad = srcad.value_and_grad(scaled_twice)(x, 3.0)
    assert value == scaled_twice(x, 3.0)
    out = srcad.vjp(lambda x, c: x * (1 / c))(x, 3.0, np.ones_like(x))
    np.testing.assert_array_equal(out[0], x * (1 / 3.0))
    value, tangent = srcad.jvp(scaled_twice)(x, 3.0, np.ones_like(x))
    assert value == scaled_twice(x, 3.0)
    np.testing.assert_allclose(tangent, np.sum(srcad.numeric_grad(scaled_twice, x, 3.0)),
                               rtol=1e-6)


def test_a_boolean_times_minus_one_is_an_integer_array():
    _check(negated_mask, (np.array([0.5, -1.5, 2.0]),), (0,))


# ----- carries swapped in a loop, adjoints written in place --------------------------------
def wave_equation(u0, c):
    u_prev = u0.copy()
    u = u0.copy()
    for _ in range(4):
        u_next = np.empty_like(u)
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + c ** 2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_next[0] = 0.0
        u_next[-1] = 0.0
        u_prev, u = u, u_next
    return np.sum(u ** 2)


def test_swapped_carries_keep_their_adjoints_apart():
    _check(wave_equation, (np.sin(np.linspace(0, np.pi, 9)), np.array(0.5)), (0, 1))


# ----- a swap through views ----------------------------------------------------------------
def swap_columns_through_views(A):
    B = A.copy()
    B[:, 0], B[:, 1] = B[:, 1], B[:, 0]
    return np.sum(B * np.arange(B.size).reshape(B.shape))


def swap_rows_through_views(A, i, j):
    B = A * 2.0
    B[i], B[j] = B[j], B[i]
    return np.sum(B * np.arange(B.size).reshape(B.shape))


def swap_with_copies(A, i, j):
    B = A * 2.0
    B[:, i], B[:, j] = B[:, j].copy(), B[:, i].copy()
    B[i], B[j] = B[j].copy(), B[i].copy()
    y = A[0] * 3.0
    y[i], y[j] = y[j], y[i]          # elements: numbers, not views
    return np.sum(B * np.arange(B.size).reshape(B.shape)) + y @ np.arange(3.0)


@pytest.mark.parametrize("f, extra", [(swap_columns_through_views, ()),
                                      (swap_rows_through_views, (0, 2))])
def test_a_swap_through_views_is_refused_at_the_line(f, extra):
    A = np.arange(9.0).reshape(3, 3)
    for transform, more in ((srcad.grad, ()), (srcad.jvp, (np.ones((3, 3)),))):
        with pytest.raises(srcad.SrcadError, match=r"line \d+.*a view of 'B'.*copies"):
            transform(f)(A, *extra, *more)


def test_a_swap_with_copies_is_followed():
    A = np.arange(9.0).reshape(3, 3) / 7
    want = swap_with_copies(A, 0, 2)
    value, grad = srcad.value_and_grad(swap_with_copies)(A, 0, 2)
    assert value == want
    np.testing.assert_allclose(grad, srcad.numeric_grad(swap_with_copies, A, 0, 2), rtol=1e-6)
    srcad.check_grad(swap_with_copies, A, 0, 2, mode="forward")


# ----- an element of a vector is a number, not a view --------------------------------------
def bubble_sorted_weights(x):
    y = x.copy()
    n = len(y)
    for i in range(n):
        for j in range(n - 1 - i):
            if y[j] > y[j + 1]:
                tmp = y[j]
                y[j] = y[j + 1]
                y[j + 1] = tmp
    return np.sum(y * np.arange(n))


def element_then_update(x):
    y = x * 1.0
    z = y[0]
    y *= 3
    return z ** 2 + np.sum(y)


@pytest.mark.parametrize("f", [bubble_sorted_weights, element_then_update])
def test_an_element_of_a_vector_is_a_copy(f):
    _check(f, (np.array([0.3, -1.2, 2.5, 0.7]),), (0,))


# ----- a gradient taken inside the function, of a function with defaults --------------------
X_FIXED = RNG.standard_normal((6, 3))
Y_FIXED = np.array([1, 0, 1, 1, 0, 0.0])


def logistic_nll(w, X=X_FIXED, y=Y_FIXED):
    p = 1 / (1 + np.exp(-X @ w))
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))


def gradient_norm(w):
    return np.sum(srcad.grad(logistic_nll)(w) ** 2)


def newton_inside(w):
    return np.sum(srcad.jacfwd(srcad.grad(logistic_nll))(w))


def test_a_gradient_inside_binds_the_defaults_of_its_function():
    w = np.array([0.1, -0.2, 0.3])
    for mode in ("reverse", "forward"):
        srcad.check_grad(gradient_norm, w, mode=mode, rtol=1e-5)
    assert srcad.value_and_grad(gradient_norm)(w)[0] == gradient_norm(w)


def test_a_jacobian_of_a_derivative_inside_is_refused_in_words():
    w = np.array([0.1, -0.2, 0.3])
    for transform, more in ((srcad.grad, ()), (srcad.jvp, (np.ones(3),))):
        with pytest.raises(srcad.SrcadError, match=r"line \d+.*srcad.grad\(logistic_nll\), "
                                                   r"which inside the function can only be"):
            transform(newton_inside)(w, *more)


# ----- np.linalg.lstsq's four items --------------------------------------------------------
def least_squares_weights(X, y):
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    return np.sum(w ** 2)


def test_starred_unpacking_of_lstsq():
    _check(least_squares_weights, (RNG.standard_normal((6, 3)), RNG.standard_normal(6)), (0, 1))


# ----- enumerate's start -------------------------------------------------------------------
def weighted_from_one(x):
    return sum(i * xi for i, xi in enumerate(x, start=1))


def weighted_loop_from(x, s):
    t = 0.0
    for i, xi in enumerate(x, start=s):
        t = t + i * xi ** 2
    return t


def weighted_list_from(xs, s):
    return sum([i * np.sum(v) for i, v in enumerate(xs, s)])


@pytest.mark.parametrize("f, extra", [(weighted_from_one, ()), (weighted_loop_from, (3,))])
def test_enumerate_counts_from_its_start(f, extra):
    _check(f, (np.array([0.5, -1.0, 2.0, 0.3]),) + extra, (0,))


def test_enumerate_from_a_start_known_at_run_time_in_a_comprehension():
    xs = [np.array([0.5, 1.0]), np.array([2.0, -1.0, 0.25])]
    value, grads = srcad.value_and_grad(weighted_list_from)(xs, 5)
    assert value == weighted_list_from(xs, 5)
    np.testing.assert_array_equal(grads[0], [5.0, 5.0])
    np.testing.assert_array_equal(grads[1], [6.0, 6.0, 6.0])


# ----- unpacking zip / enumerate / reversed ------------------------------------------------
def unzipped_products(pairs, x):
    a, b = zip(*pairs)
    (i, first), (j, second) = enumerate(reversed([x[0], x[1]]))
    return sum(p * q for p, q in zip(a, b)) + i * first + j * second ** 2


def test_unpacking_a_zip_enumerate_or_reversed():
    pairs, x = [(1.0, 2.0), (3.0, 4.0)], np.array([0.5, -1.5])
    for wrt in (0, 1):
        want = srcad.numeric_grad(unzipped_products, pairs, x, wrt=wrt)
        got = srcad.grad(unzipped_products, wrt=wrt)(pairs, x)
        np.testing.assert_allclose(np.ravel(got), np.ravel(want), rtol=1e-6, atol=1e-9)
    value, tangent = srcad.jvp(unzipped_products, wrt=1)(pairs, x, np.array([1.0, 1.0]))
    assert value == unzipped_products(pairs, x)
    assert tangent == pytest.approx(np.sum(srcad.numeric_grad(unzipped_products, pairs, x,
                                                              wrt=1)))
