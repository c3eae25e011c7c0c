"""Library coverage, third part (issue 20): np.linalg.eig and eigvals (real spectra),
scipy.linalg's sqrtm, solve_sylvester and block_diag, and scipy.special.polygamma called as
SciPy spells it. Each new rule is swept like the table (reverse and forward, kinds known and
generic, forward over reverse) and used at user level in both modes against central
differences; what srcad does not differentiate (a complex spectrum, a complex square root) is
refused when the code runs, with a note pointing at the user's line."""

import numpy as np
import pytest

import srcad

pytest.importorskip("scipy")

import scipy.linalg  # noqa: E402
import scipy.special  # noqa: E402
from rule_sweeps import sweep_tests  # noqa: E402

from srcad.rules import scipy_rules  # noqa: E402

scipy_rules.register_loaded()

NEW_PRIMS = ["eig", "eigvals", "solve_sylvester", "sqrtm", "block_diag", "block_part",
             "block_embed", "polygamma_call"]
test_reverse_sweep, test_forward_sweep, test_forward_over_reverse = sweep_tests(NEW_PRIMS)


def check_both_modes(f, *args, wrt=0):
    assert srcad.check_grad(f, *args, wrt=wrt)
    assert srcad.check_grad(f, *args, wrt=wrt, mode="forward")


# a real, well separated spectrum (about 2.0, 0.9, -0.5)
A = np.array([[1.9, 0.4, -0.3], [0.2, 0.8, 0.5], [-0.1, 0.3, -0.4]])
ROTATION = np.array([[0.0, 1.0], [-1.0, 0.0]])


# ----- eig and eigvals ------------------------------------------------------------------------
def dominant_mode(m):
    """The largest eigenvalue and a smooth function of its unit eigenvector (whose sign is
    NumPy's choice, the same at nearby matrices)."""
    w, v = np.linalg.eig(m)
    k = np.argmax(w)
    return w[k] + np.sum(v[:, k] ** 2 * np.array([1.0, 2.0, 3.0]))


def spectrum_energy(m):
    return np.sum(np.linalg.eigvals(m) ** 2)


def test_eig_values_and_vectors():
    check_both_modes(dominant_mode, A)


def test_eigvals_sum_of_squares_is_the_trace_of_the_square():
    # sum(w^2) = trace(A @ A), whose gradient is 2 A^T
    check_both_modes(spectrum_energy, A)
    np.testing.assert_allclose(srcad.grad(spectrum_energy)(A), 2.0 * A.T, rtol=1e-10)


def test_eig_of_a_stack_of_matrices():
    def f(ms):
        return np.sum(np.linalg.eigvals(ms) * np.array([1.0, -2.0, 0.5]))
    check_both_modes(f, np.stack([A, A.T + 0.5 * np.eye(3)]))


def test_complex_spectrum_is_refused_at_run_time_at_the_users_line():
    with pytest.raises(ValueError, match="complex eigenvalues") as info:
        srcad.grad(spectrum_energy)(ROTATION)
    assert any("spectrum_energy" in note or "line" in note
               for note in getattr(info.value, "__notes__", []))
    assert "np.sum(np.linalg.eigvals(m) ** 2)" in "\n".join(info.value.__notes__)


# ----- sqrtm, solve_sylvester, block_diag ---------------------------------------------------------
def whitened(m):
    root = scipy.linalg.sqrtm(m @ m.T + np.eye(3))
    return np.sum(root * np.arange(9.0).reshape(3, 3))


def sylvester_loss(a, q):
    x = scipy.linalg.solve_sylvester(a, a.T + np.eye(3), q)
    return np.sum(x ** 2)


def blocks(a, b):
    m = scipy.linalg.block_diag(a, b, 2.0 * b[0], a[:2, :2])
    return np.sum(np.tanh(m) @ np.arange(float(m.shape[1])))


def test_sqrtm():
    check_both_modes(whitened, A)


def test_sqrtm_squared_is_the_matrix():
    # sqrtm(s) @ sqrtm(s) = s: the derivative of sum(sqrtm(s) @ sqrtm(s) * c) is c
    c = np.arange(9.0).reshape(3, 3)

    def f(s):
        r = scipy.linalg.sqrtm(s)
        return np.sum((r @ r) * c)
    s = A @ A.T + np.eye(3)
    np.testing.assert_allclose(srcad.grad(f)(s), c, atol=1e-10)


def test_complex_square_root_is_refused_at_run_time():
    def f(s):
        return np.sum(scipy.linalg.sqrtm(s))
    with pytest.raises(ValueError, match="sqrtm of this matrix is complex"):
        srcad.grad(f)(np.diag([-1.0, 2.0]))


@pytest.mark.parametrize("wrt", [0, 1])
def test_solve_sylvester(wrt):
    check_both_modes(sylvester_loss, A, 0.3 * A, wrt=wrt)


@pytest.mark.parametrize("wrt", [0, 1])
def test_block_diag_of_matrices_rows_and_scalars(wrt):
    check_both_modes(blocks, A, np.array([0.3, -0.7]), wrt=wrt)


def test_block_diag_gradient_is_fresh_per_block():
    a, b = A.copy(), np.array([0.3, -0.7])
    ga, gb = srcad.grad(blocks, wrt=(0, 1))(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    assert ga.flags.writeable and not np.shares_memory(ga, gb)


# ----- scipy.special.polygamma(n, x) ----------------------------------------------------------
def polygamma_terms(x):
    return np.sum(scipy.special.polygamma(1, x) + scipy.special.polygamma(0, x) * x)


def test_polygamma_as_scipy_spells_it():
    check_both_modes(polygamma_terms, np.array([1.3, 2.5, 4.0]))
    x = np.array([1.3, 2.5])
    expected = (scipy.special.polygamma(2, x) + scipy.special.polygamma(1, x) * x
                + scipy.special.polygamma(0, x))
    np.testing.assert_allclose(srcad.grad(polygamma_terms)(x), expected, rtol=1e-12)
