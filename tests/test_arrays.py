"""NumPy arrays through `srcad.grad`: broadcasting, reductions, indexing, linear algebra and
shape functions, numerically stable losses, an MLP, dtypes. Every gradient is checked against
central differences (`srcad.check_grad`, rtol 1e-6 in float64) or against values derived by
hand."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 5))
V = RNG.normal(size=6)
T3 = RNG.normal(size=(2, 3, 4))


def check(f, *args, wrt=0):
    """srcad's gradient of f equals central differences, element by element."""
    assert srcad.check_grad(f, *args, wrt=wrt, rtol=1e-6)


# ----- broadcasting ------------------------------------------------------------------------
def scalar_times_array(a, x):
    return np.sum(np.sin(a * x + a))


def row_plus_column(r, c):
    return np.sum(np.tanh(r + c) * (r - c))


def bias_added_to_batch(b, h):
    return np.sum((h + b) ** 2) + np.sum(h / (1.5 + b * b))


def test_scalar_with_array_reduces_to_a_float():
    g = srcad.grad(scalar_times_array, wrt=(0, 1))(0.7, X)
    assert isinstance(g[0], float) and g[1].shape == X.shape
    check(scalar_times_array, 0.7, X, wrt=(0, 1))


def test_row_and_column_vectors():
    r, c = RNG.normal(size=(1, 5)), RNG.normal(size=(4, 1))
    gr, gc = srcad.grad(row_plus_column, wrt=(0, 1))(r, c)
    assert gr.shape == (1, 5) and gc.shape == (4, 1)
    check(row_plus_column, r, c, wrt=(0, 1))


def test_bias_added_to_batch():
    b = RNG.normal(size=5)
    assert srcad.grad(bias_added_to_batch)(b, X).shape == (5,)
    check(bias_added_to_batch, b, X, wrt=(0, 1))


def same_shapes(x, y):
    return np.sum(x * y + np.exp(x))


def test_no_unbroadcast_where_shapes_are_known_equal():
    """x * y of two arguments may broadcast, but exp(x) has x's shape: only the product's
    adjoints are reduced."""
    g = srcad.grad(same_shapes)
    np.testing.assert_allclose(g(X, 2 * X), 2 * X + np.exp(X))
    assert "for " not in srcad.source(g)


# ----- size-1 dimensions: part of the specialisation ----------------------------------------
def affine_loss(W, b, x, y):
    return np.mean((x @ W + b - y) ** 2)


def test_bias_adjoint_sums_the_batch_axis_when_the_sizes_of_1_are_known():
    """b of shape (m,) added to x @ W of shape (n, m), n and m not 1: the sum has the
    product's shape and b's adjoint sums the batch axis; the labels have the output's shape,
    so the mean's size is read from them (the hand-written gradient, statement for statement)."""
    W, b, x, y = RNG.normal(size=(3, 2)), RNG.normal(size=2), RNG.normal(size=(5, 3)), \
        RNG.normal(size=(5, 2))
    g = srcad.grad(affine_loss, wrt=(0, 1))
    text = srcad.source(g, W, b, x, y)
    assert "unbroadcast" not in text and "v1.sum(axis=0)" in text and "y.size" in text
    check(affine_loss, W, b, x, y, wrt=(0, 1))


@pytest.mark.parametrize("shapes", [
    ((3, 2), (2,), (1, 3), (1, 2)),       # a batch of one row
    ((1, 2), (2,), (5, 1), (5, 2)),       # one input feature
    ((3, 1), (1,), (5, 3), (5, 1)),       # one output, a bias of one
    ((3, 2), (1,), (5, 3), (5, 2)),       # a bias of one broadcast over two outputs
    ((3, 2), (2,), (5, 3), (1, 2)),       # one label row broadcast over the batch
    ((3, 2), (2,), (5, 3), (5, 1)),       # one label column broadcast over the outputs
    ((3, 2), (5, 1), (5, 3), (5, 2)),     # a per-row bias
    ((1, 1), (1,), (1, 1), (1, 1)),       # everything of size 1
])
def test_every_pattern_of_sizes_of_1_gets_its_own_correct_gradient(shapes):
    args = [RNG.normal(size=s) for s in shapes]
    grads = srcad.grad(affine_loss, wrt=(0, 1, 2, 3))(*args)
    assert [np.shape(gi) for gi in grads] == list(shapes)
    check(affine_loss, *args, wrt=(0, 1, 2, 3))


def test_a_batch_of_one_compiles_a_second_specialisation():
    g = srcad.grad(affine_loss, wrt=(0, 1))
    W, b = RNG.normal(size=(3, 2)), RNG.normal(size=2)
    for n in (5, 7, 1, 4):
        x, y = RNG.normal(size=(n, 3)), RNG.normal(size=(n, 2))
        gW, gb = g(W, b, x, y)
        error = 2 * (x @ W + b - y) / y.size
        np.testing.assert_allclose(gW, x.T @ error, rtol=1e-12)
        np.testing.assert_allclose(gb, error.sum(axis=0), rtol=1e-12)
    assert len(g.__srcad__.cache) == 2          # batches of 5, 7 and 4 share one


def test_size_1_patterns_merge_across_loop_iterations():
    """A carried value whose size-1 dimensions change between iterations ((n, 1) -> (n, 3))
    is not assumed to keep either pattern."""
    def layers(params, x):
        h = x
        for W, b in params:
            h = np.tanh(h @ W + b)
        return np.sum(h ** 2)
    params = [(RNG.normal(size=(1, 3)), RNG.normal(size=3)),
              (RNG.normal(size=(3, 1)), RNG.normal(size=1)),
              (RNG.normal(size=(1, 2)), RNG.normal(size=1))]
    check(layers, params, RNG.normal(size=(4, 1)))


def batched_product(a, b, c):
    return np.sum(np.tanh(a @ b + c) ** 2)


def transposed_plus(x, b):
    return np.sum(np.sin(x.T + b) * x.T)


@pytest.mark.parametrize("f, shapes", [
    (batched_product, ((1, 3, 4), (5, 4, 2), (2,))),     # a batch of one broadcast
    (batched_product, ((5, 3, 4), (1, 4, 2), (3, 1))),
    (batched_product, ((3,), (3, 4), (4,))),              # 1-d factors
    (batched_product, ((4, 3), (3,), (1,))),
    (batched_product, ((2, 1, 3), (3, 3), (1, 3))),
    (batched_product, ((1, 3), (3, 1), (1, 1))),
    (transposed_plus, ((4, 1), (4,))),                    # x.T is (1, 4)
    (transposed_plus, ((4, 3), (3, 1))),
    (transposed_plus, ((4, 1), (1,))),
])
def test_products_and_transposes_carry_their_sizes_of_1(f, shapes):
    """The size-1 pattern of a @ b and of x.T decides whether the adjoint of the added
    term is summed; forward mode agrees with reverse mode."""
    args = [RNG.normal(size=s) for s in shapes]
    wrt = tuple(range(len(args)))
    check(f, *args, wrt=wrt)
    tangents = [RNG.normal(size=s) for s in shapes]
    _, derivative = srcad.jvp(f, wrt=wrt)(*args, *tangents)
    grads = srcad.grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(derivative, sum(np.sum(g * t) for g, t in zip(grads, tangents)),
                               rtol=1e-10)


def column_offset(a, c):
    return np.sum(np.tanh(a + c) * a)


@pytest.mark.parametrize("shapes, summed", [
    (((4, 3), (4, 1)), "(a * (1.0 - v1 * v1)).sum(axis=1, keepdims=True)"),  # size-1 axis
    (((2, 4, 3), (4, 1)), "(a * (1.0 - v1 * v1)).sum(axis=2, keepdims=True).sum(axis=0)"),
    (((2, 4, 3), (3,)), "(a * (1.0 - v1 * v1)).sum(axis=(0, 1))"),          # leading axes
])
def test_broadcast_adjoints_are_plain_sums_when_the_sizes_of_1_are_known(shapes, summed):
    a, c = (RNG.normal(size=s) for s in shapes)
    text = srcad.source(srcad.grad(column_offset, wrt=1), a, c)
    assert summed in text and "unbroadcast" not in text
    check(column_offset, a, c, wrt=(0, 1))


def log_softmax_loss(z, y):
    return -np.sum(y * (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))))


@pytest.mark.parametrize("shape", [(4, 3), (1, 3), (4, 1)])
def test_reductions_with_keepdims_carry_their_sizes_of_1(shape):
    z, y = RNG.normal(size=shape), RNG.uniform(size=shape)
    check(log_softmax_loss, z, y)


def branch_pairs(x, flag):
    if flag > 0:
        pair = [x, 2.0]
    else:
        pair = [x[:1], 3.0]
    return np.sum(pair[0] ** 2) * pair[1]


def test_branches_joining_lists_whose_arrays_differ_in_sizes_of_1():
    x = RNG.normal(size=4)
    for flag in (1.0, -1.0):
        check(branch_pairs, x, flag)


# ----- reductions: every axis / keepdims combination ----------------------------------------
AXES_2D = [None, 0, 1, -1, -2, (0, 1), (1, 0), (-1,)]
AXES_3D = [None, 0, 2, -1, (0, 2), (2, 0), (-1, -3), (0, 1, 2)]


def _reduction_case(name, axis, keepdims):
    """sum(w * reduce(x, axis, keepdims)) with a weight array that has the result's shape,
    so every element of the reduced result contributes differently."""
    reduce = getattr(np, name)

    def loss(x, w):
        return np.sum(reduce(x, axis=axis, keepdims=keepdims) * w)
    return loss, reduce


REDUCTIONS = ["sum", "mean", "max", "min", "prod", "var", "std"]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES_2D)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_axes_2d(name, axis, keepdims):
    loss, reduce = _reduction_case(name, axis, keepdims)
    w = RNG.normal(size=np.shape(reduce(X, axis=axis, keepdims=keepdims)))
    check(loss, X, w)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES_3D)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_axes_3d(name, axis, keepdims):
    loss, reduce = _reduction_case(name, axis, keepdims)
    w = RNG.normal(size=np.shape(reduce(T3, axis=axis, keepdims=keepdims)))
    check(loss, T3, w)


def reductions_as_methods(x):
    return (x.sum() + np.sum(x.mean(axis=0) ** 2) + np.sum(x.max(axis=1)) + x.min()
            + np.sum(x.prod(axis=-1)) + np.sum(x.var(axis=1, ddof=1)) + x.std())


def reductions_with_ddof(x):
    return np.sum(np.var(x, axis=0, ddof=1)) + np.std(x, ddof=1) + np.var(x, 1, ddof=1)[0]


def amax_amin(x):
    return np.sum(np.amax(x, axis=0) * np.arange(5.0)) - np.amin(x)


def test_reductions_as_array_methods():
    check(reductions_as_methods, X)


def test_var_std_ddof():
    check(reductions_with_ddof, X)


def test_amax_amin_aliases():
    check(amax_amin, X)


def max_of(x):
    return np.max(x)


def row_max(x):
    return np.sum(np.max(x, axis=1) * np.array([1.0, 10.0]))


def test_max_ties_share_the_gradient():
    """docs/conventions.md: tied maxima split the gradient evenly."""
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(srcad.grad(max_of)(x), [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_allclose(srcad.grad(row_max)(x),
                               [[0, 0.5, 0.5], [10 / 3, 10 / 3, 10 / 3]])


def prod_all(x):
    return np.prod(x)


def test_prod_with_zeros_needs_no_division():
    x = np.array([2.0, 0.0, 3.0, 5.0])
    np.testing.assert_allclose(srcad.grad(prod_all)(x), [0.0, 30.0, 0.0, 0.0])
    x2 = np.array([2.0, 0.0, 3.0, 0.0])
    np.testing.assert_allclose(srcad.grad(prod_all)(x2), [0.0, 0.0, 0.0, 0.0])


def count_positive(x):
    return np.sum(x ** 2) * np.sum(x > 0) + np.mean(x) * np.mean(x < 0)


def test_sum_and_mean_of_a_bool_mask_are_constants():
    check(count_positive, X)


# ----- indexing ------------------------------------------------------------------------------
def idx_int(x):
    return np.sum(x[1] ** 2)


def idx_negative(x):
    return np.sum(x[-1] * x[0]) + x[-2, -1] ** 3


def idx_slices(x):
    return np.sum(x[1:3, ::2] ** 2) + np.sum(x[::-1, -2:] * x[:, :2])


def idx_newaxis(x):
    return np.sum(x[None, :, 1] * x[:, np.newaxis, 2])


def idx_ellipsis(x):
    return np.sum(x[..., 1] ** 3) + np.sum(x[0, ...] ** 2)


def idx_mask(x):
    return np.sum(x[x > 0] ** 2)


def idx_fancy_repeats(v):
    return np.sum(v[np.array([0, 2, 2, 5, 2])] ** 2)


def idx_fancy_pairs(x):
    return np.sum(x[np.array([0, 3, 0]), np.array([1, 1, 1])] ** 2)


def idx_fancy_columns(x):
    return np.sum(x[:, [4, 0, 4]] * np.arange(3.0))


def idx_dynamic(x, i):
    return x[i, i + 1] * x[i]


INDEXING = [idx_int, idx_negative, idx_slices, idx_newaxis, idx_ellipsis, idx_mask,
            idx_fancy_pairs, idx_fancy_columns]


@pytest.mark.parametrize("f", INDEXING, ids=lambda f: f.__name__)
def test_indexing_forms(f):
    check(f, X)


def test_repeated_indices_accumulate():
    g = srcad.grad(idx_fancy_repeats)(V)
    expected = np.zeros(6)
    expected[[0, 5]] = 2 * V[[0, 5]]
    expected[2] = 3 * 2 * V[2]
    np.testing.assert_allclose(g, expected)
    check(idx_fancy_repeats, V)


def idx_dynamic_sum(x, i):
    return np.sum(idx_dynamic(x, i))


def test_index_from_an_argument():
    check(idx_dynamic_sum, X, 1)


def shape_queries(x):
    n, m = x.shape
    return np.sum(x) * n + len(x) * x.ndim * np.mean(x) + x.size * np.sum(x ** 2) / m


def test_shape_len_ndim_size_are_constants():
    g = srcad.grad(shape_queries)(X)
    expected = 4 + 4 * 2 / 20 + 20 * 2 * X / 5
    np.testing.assert_allclose(g, expected)


# ----- linear algebra and shape functions ---------------------------------------------------
def la_matmul(a, b):
    return np.sum(np.sin(a @ b))


def la_dot(a, b):
    return np.sum(np.dot(a, b) ** 2)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((2, 3, 4), (4, 2)), ((2, 3, 4), (2, 4, 5)),
                                    ((3, 4), (2, 4, 5)), ((2, 3, 4), (4,))],
                         ids=str)
@pytest.mark.parametrize("f", [la_matmul, la_dot], ids=lambda f: f.__name__)
def test_products(f, shapes):
    a, b = (RNG.normal(size=s) for s in shapes)
    if f is la_dot and len(shapes[1]) == 3:
        pytest.skip("np.dot contracts with b's second-to-last axis: a different product")
    check(f, a, b, wrt=(0, 1))


def products(u, v, m):
    return (np.sum(np.outer(u, v) ** 2) + np.inner(u, u) + np.sum(np.inner(m, v))
            + np.sum(m.T @ u) + np.sum(u.dot(m) ** 2))


def test_outer_inner_transpose_method_dot():
    u, v = RNG.normal(size=4), RNG.normal(size=5)
    m = RNG.normal(size=(4, 5))
    check(products, u, v, m, wrt=(0, 1, 2))


EINSUMS = [("ij,jk->ik", (3, 4), (4, 2)), ("ij,j->i", (3, 4), (4,)), ("i,i->", (4,), (4,)),
           ("ij,ij->", (3, 4), (3, 4)), ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
           ("i,j->ij", (3,), (4,)), ("ij,kj->ik", (3, 4), (2, 4)), ("ij,jk", (3, 4), (4, 2)),
           ("ij,k->ik", (3, 4), (2,))]


@pytest.mark.parametrize("spec, sa, sb", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum_two_operands(spec, sa, sb):
    a, b = RNG.normal(size=sa), RNG.normal(size=sb)

    def loss(a, b):
        return np.sum(np.cos(np.einsum(spec, a, b)))
    check(loss, a, b, wrt=(0, 1))


def einsum_one_operand(x):
    return np.sum(np.einsum("ij->ji", x) * np.arange(20.0).reshape(5, 4)) + \
        np.sum(np.einsum("ij->i", x) ** 2)


def test_einsum_one_operand():
    check(einsum_one_operand, X)


def shapes_reshape(x):
    return (np.sum(x.reshape(2, -1) ** 2 * np.arange(10.0)) + np.sum(np.reshape(x, (-1,)) ** 3)
            + np.sum(x.reshape((5, 4))[0] ** 2) + np.sum(x.reshape(-1) * np.arange(20.0)))


def shapes_transpose(t):
    return (np.sum(np.transpose(t, (2, 0, 1))[0] ** 2) + np.sum(t.transpose(1, 0, 2)[0] * 2.0)
            + np.sum(t.T[1] ** 2) + np.sum(np.transpose(t)[:, 0] ** 3))


def shapes_join(x):
    wide = np.concatenate([x, x ** 2], axis=1)
    tall = np.concatenate((x, np.sin(x)))
    flat = np.concatenate([x[0], x[1, :2]], axis=None)
    stacked = np.stack((x, np.cos(x)), axis=-1)
    return (np.sum(wide * np.arange(10.0)) + np.sum(tall ** 3) + np.sum(flat ** 2)
            + np.sum(stacked[..., 1] * x) + np.sum(np.stack([x[0], x[1]]) ** 2))


def shapes_dims(x):
    col = x[:, :1]
    return (np.sum(np.squeeze(col) * np.expand_dims(x[:, 2], 0)) + np.sum(col.squeeze(1) ** 3)
            + np.sum(np.expand_dims(x, -1) * np.ones((1, 1, 3))))


def shapes_copies(v):
    return (np.sum(np.broadcast_to(v, (3, 6)) * np.arange(18.0).reshape(3, 6))
            + np.sum(np.tile(v, (2, 2)) ** 2) + np.sum(np.repeat(v, 3) * np.arange(18.0))
            + np.sum(v.reshape(2, 3).repeat(2, axis=0) ** 3)
            + np.sum(np.repeat(v, [1, 0, 2, 1, 1, 3]) ** 2))


def shapes_flatten(x):
    return np.sum(x.flatten() * np.arange(20.0) + x.ravel() ** 2 + np.ravel(x) ** 3)


def shapes_copy(x):
    return np.sum(x.copy() ** 2 + np.copy(x) * 3.0 + np.array(x) * np.asarray(x))


def shapes_array_of_list(a, b):
    return np.sum(np.array([a, b * 2.0, a * b]) ** 2)


@pytest.mark.parametrize("f", [shapes_reshape, shapes_join, shapes_dims, shapes_flatten,
                               shapes_copy], ids=lambda f: f.__name__)
def test_shape_functions(f):
    check(f, X)


def test_transpose_forms():
    check(shapes_transpose, T3)


def test_broadcast_to_tile_repeat():
    check(shapes_copies, V)


def test_array_of_a_list_of_floats():
    check(shapes_array_of_list, 0.3, -1.2, wrt=(0, 1))


# ----- numerically stable functions and losses ----------------------------------------------
def stable_pieces(x):
    return np.sum(np.logaddexp(x, 2 * x) + np.where(x > 0, x, 0.1 * x) ** 2
                  + np.maximum(x, 0.0) ** 2 + np.clip(x, -0.5, 0.5) ** 2
                  + np.sign(x) * x ** 2 + np.log1p(x ** 2) + np.expm1(x))


def softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def logsumexp(z):
    m = np.max(z, axis=-1)
    return m + np.log(np.sum(np.exp(z - m[:, None]), axis=-1))


def softmax_loss(z, w):
    return np.sum(softmax(z) * w)


def cross_entropy(z, labels):
    return -np.mean(log_softmax(z)[np.arange(z.shape[0]), labels])


def logsumexp_loss(z, w):
    return np.sum(logsumexp(z) * w)


def test_stable_pieces():
    check(stable_pieces, X)


def test_softmax_and_log_softmax():
    w = RNG.normal(size=X.shape)
    check(softmax_loss, X, w)
    labels = np.array([0, 4, 2, 2])
    g = srcad.grad(cross_entropy)(X, labels)
    expected = softmax(X)
    expected[np.arange(4), labels] -= 1.0
    np.testing.assert_allclose(g, expected / 4, rtol=1e-12, atol=1e-15)
    check(cross_entropy, X, labels)


def test_logsumexp_is_softmax_weighted():
    w = RNG.normal(size=4)
    np.testing.assert_allclose(srcad.grad(logsumexp_loss)(X, w), softmax(X) * w[:, None],
                               rtol=1e-12)
    big = X * 300.0        # exp overflows without the max-subtraction
    assert np.all(np.isfinite(srcad.grad(logsumexp_loss)(big, w)))


# ----- a two-layer MLP ----------------------------------------------------------------------
def mlp_loss(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def _mlp_args(dtype=np.float64):
    rng = np.random.default_rng(3)
    shapes = [(3, 6), (6,), (6, 2), (2,), (8, 3), (8, 2)]
    return [rng.normal(size=s).astype(dtype) for s in shapes]


def test_mlp_loss_matches_finite_differences():
    check(mlp_loss, *_mlp_args(), wrt=(0, 1, 2, 3))


def test_mlp_gradient_reads_like_numpy():
    g = srcad.grad(mlp_loss, wrt=(0, 1, 2, 3))
    g(*_mlp_args())
    source = srcad.source(g)
    assert "for " not in source and "while " not in source
    assert "W2.T" in source and "h.T @ " in source and "X.T @ " in source


# ----- dtypes ------------------------------------------------------------------------------
def cast_loss(x):
    return np.sum(x.astype(np.float32) ** 2) + np.sum(x.astype("float64") * 2.0) \
        + np.sum(x.astype(int) * x)


def test_float32_inputs_give_float32_gradients():
    args = _mlp_args(np.float32)
    grads = srcad.grad(mlp_loss, wrt=(0, 1, 2, 3))(*args)
    assert all(g.dtype == np.float32 for g in grads)
    reference = srcad.grad(mlp_loss, wrt=(0, 1, 2, 3))(*[a.astype(np.float64) for a in args])
    for g, r in zip(grads, reference):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("f", [reductions_as_methods, stable_pieces, shapes_join,
                               idx_fancy_columns, softmax_loss],
                         ids=lambda f: f.__name__)
def test_float32_dtype_is_preserved(f):
    x = X.astype(np.float32)
    args = (x, RNG.normal(size=X.shape).astype(np.float32)) if f is softmax_loss else (x,)
    assert srcad.grad(f)(*args).dtype == np.float32


def test_astype():
    """float -> float keeps the derivative (in the input's dtype), -> int has none."""
    g = srcad.grad(cast_loss)(X)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * X.astype(np.float32) + 2.0 + X.astype(int), rtol=1e-6)


def test_integer_argument_to_wrt_is_a_type_error():
    with pytest.raises(TypeError, match="x"):
        srcad.grad(idx_int)(np.arange(20).reshape(4, 5))


def test_integer_arrays_as_labels_are_fine():
    labels = np.array([1, 1, 0, 3])
    assert srcad.grad(cross_entropy)(X, labels).shape == X.shape


def test_shape_stand_ins_and_scalar_broadcasts_have_the_right_shape_and_dtype():
    from srcad.runtime import broadcast_like, shape_like
    a64, b64 = np.ones((3, 1)), np.ones(4)
    for arrays, shape, dtype in [((a64, b64), (3, 4), np.float64),
                                 ((b64, b64), (4,), np.float64),
                                 ((np.ones(4, np.float32), np.ones(4, np.float32)), (4,),
                                  np.float32),
                                 ((np.ones(4, int), np.ones(4, int)), (4,), np.float64),
                                 ((2.0, b64), (4,), np.float64)]:
        stand_in = shape_like(*arrays)
        assert stand_in.shape == shape and stand_in.dtype == dtype
    spread = broadcast_like(0.5, np.ones((2, 3), np.float32))
    assert spread.shape == (2, 3) and spread.dtype == np.float32 and not spread.flags.writeable
    np.testing.assert_array_equal(spread * np.ones((2, 3)), np.full((2, 3), 0.5))
