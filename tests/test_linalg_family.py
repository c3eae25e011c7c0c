"""np.linalg and the matrix-structure functions at user level: srcad.grad / jvp / hessian of
ordinary functions, against closed forms, central differences (srcad.check_grad) and each
other (forward against reverse)."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(11)
A = RNG.normal(size=(3, 3)) + 3.0 * np.eye(3)
B = RNG.normal(size=(3, 3))
SPD = A @ A.T + np.eye(3)
TALL = RNG.normal(size=(4, 3))
BATCH = RNG.normal(size=(2, 3, 3)) + 3.0 * np.eye(3)
V = RNG.normal(size=3)


def forward_matches_reverse(f, x):
    """<grad f(x), u> from reverse mode equals the jvp along u from forward mode."""
    u = np.random.default_rng(5).normal(size=np.shape(x))
    g = srcad.grad(f)(x)
    _, t = srcad.jvp(f)(x, u)
    np.testing.assert_allclose(np.sum(g * u), t, rtol=1e-9, atol=1e-12)


# ----- closed forms --------------------------------------------------------------------------
def det_of(X):
    return np.linalg.det(X)


def logdet_of(X):
    _sign, logdet = np.linalg.slogdet(X)
    return logdet


def trace_of_product(X, Y):
    return np.trace(X @ Y)


def test_det_gradient_is_det_times_inverse_transpose():
    np.testing.assert_allclose(srcad.grad(det_of)(A), np.linalg.det(A) * np.linalg.inv(A).T,
                               rtol=1e-12)


def test_slogdet_unpacks_and_differentiates():
    """d log|det A| / dA = inv(A).T, also for a negative determinant."""
    for X in (A, -A):
        np.testing.assert_allclose(srcad.grad(logdet_of)(X), np.linalg.inv(X).T, rtol=1e-12)
    forward_matches_reverse(logdet_of, -A)


def test_trace_of_product():
    np.testing.assert_allclose(srcad.grad(trace_of_product)(A, B), B.T, rtol=1e-15)
    np.testing.assert_allclose(srcad.grad(trace_of_product, wrt=1)(A, B), A.T, rtol=1e-15)


def test_inverse_hessian_vector_against_closed_form():
    """f(X) = sum(inv(X)): the jvp of its gradient along U is inv^T (U^T G + G U^T) inv^T
    style; compare the Hessian with central differences of the gradient."""
    def f(X):
        return np.sum(np.linalg.inv(X))
    H = srcad.hessian(f)(A)
    grad = srcad.grad(f)
    h = 1e-6
    for i, j in [(0, 0), (1, 2), (2, 1)]:
        E = np.zeros((3, 3))
        E[i, j] = h
        np.testing.assert_allclose(H[..., i, j], (grad(A + E) - grad(A - E)) / (2 * h),
                                   rtol=1e-5, atol=1e-8)


# ----- every function, against central differences and forward mode -------------------------
def solve_vector(X):
    return np.sum(np.linalg.solve(X, V) ** 2)


def solve_batched(X):
    return np.sum(np.sin(np.linalg.solve(X, np.ones((3, 2)))))


def cholesky_loss(X):
    S = X @ X.T + np.eye(3)
    L = np.linalg.cholesky(S)
    return np.sum(L * L) + np.sum(np.log(np.diagonal(L)))


def eigh_loss(X):
    w, Q = np.linalg.eigh(X + X.T)
    return np.sum(w ** 3) + np.sum(Q[:, 0] ** 4)


def svd_loss(X):
    U, s, Vh = np.linalg.svd(X, full_matrices=False)
    return np.sum(s ** 2) + np.sum(U[:, 0] ** 4) + np.sum(Vh[1] ** 3)


def singular_values(X):
    return np.sum(np.linalg.svd(X, compute_uv=False) ** 3)


def qr_loss(X):
    Q, R = np.linalg.qr(X)
    return np.sum(Q ** 3) + np.sum(np.triu(R) ** 2)


def pinv_loss(X):
    return np.sum(np.linalg.pinv(X) ** 2)


def norms(X):
    return (np.linalg.norm(X) + np.linalg.norm(X, "nuc") + np.linalg.norm(X, 2)
            + np.linalg.norm(X, 1) + np.linalg.norm(X, -np.inf)
            + np.sum(np.linalg.norm(X, 3, axis=0))
            + np.sum(np.linalg.norm(X, axis=1, keepdims=True)))


def structure(X):
    return (np.trace(X, 1) + np.sum(np.diag(np.diag(X), 1) ** 2) + np.sum(np.tril(X, -1) * X)
            + np.sum(np.diagonal(X[None], 0, 1, 2) ** 3) + np.sum(np.triu(X) ** 2))


def products(X):
    C = np.cross(X, X[::-1] * 2.0)
    K = np.kron(X[:2, :2], X)
    T = np.tensordot(X, X, axes=([0], [1]))
    return np.sum(C * C) + np.sum(K ** 2) * 0.1 + np.sum(np.sin(T))


def einsums(X):
    return (np.sum(np.einsum("ij,jk,kl->il", X, X, X)) + np.einsum("...i,...i->...", X, X).sum()
            + np.sum(np.einsum(X, [0, 1], X, [1, 2], [0, 2]) ** 2))


@pytest.mark.parametrize("f, x", [
    (det_of, A), (det_of, BATCH[0]), (logdet_of, A), (solve_vector, A), (solve_batched, BATCH),
    (cholesky_loss, A), (eigh_loss, A), (svd_loss, TALL), (svd_loss, TALL.T),
    (singular_values, TALL), (qr_loss, TALL), (pinv_loss, TALL), (norms, TALL),
    (structure, A), (products, A), (einsums, A),
], ids=lambda a: getattr(a, "__name__", ""))
def test_against_differences_and_forward(f, x):
    srcad.check_grad(f, x)
    forward_matches_reverse(f, x)


def test_batched_inverse_and_det():
    def f(X):
        return np.sum(np.linalg.inv(X) * np.linalg.det(X)[:, None, None])
    srcad.check_grad(f, BATCH)
    forward_matches_reverse(f, BATCH)


def test_cholesky_reads_the_lower_triangle():
    """As NumPy does: an entry above the diagonal does not change the factor."""
    def f(X):
        return np.sum(np.linalg.cholesky(X) ** 3)
    g = srcad.grad(f)(SPD)
    assert np.all(np.triu(g, 1) == 0.0)
    srcad.check_grad(f, SPD)


def test_second_derivatives_through_decompositions():
    for f in (eigh_loss, svd_loss, qr_loss, cholesky_loss):
        x = TALL if f in (svd_loss, qr_loss) else A
        u = np.random.default_rng(3).normal(size=x.shape)
        hv = srcad.hvp(f)(x, u)
        grad = srcad.grad(f)
        h = 1e-6
        np.testing.assert_allclose(hv, (grad(x + h * u) - grad(x - h * u)) / (2 * h),
                                   rtol=1e-5, atol=1e-7)


def test_float32_stays_float32():
    X = A.astype(np.float32)

    def f(X):
        return np.sum(np.linalg.inv(X)) + np.linalg.norm(X) + np.trace(X)
    g = srcad.grad(f)(X)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, srcad.grad(f)(A), rtol=1e-3)


def test_full_svd_of_a_non_square_matrix_is_refused():
    def f(X):
        U, _s, _vh = np.linalg.svd(X)
        return np.sum(U)
    with pytest.raises(ValueError, match="square"):
        srcad.grad(f)(TALL)
    srcad.check_grad(f, A)


def test_norm_needs_constant_ord():
    def f(x, p):
        return np.linalg.norm(x, p)
    with pytest.raises(srcad.SrcadError, match="constants"):
        srcad.grad(f)(V, 3)
