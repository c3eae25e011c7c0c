"""What the linear-algebra rule families share (rules/linalg_solve.py, linalg_diagonals.py,
linalg_decompositions.py, linalg_products.py, linalg_norm.py): the primitives they build
derivatives from, helpers for stacks of matrices, and the sample matrices of their
finite-difference tests.

Every rule of those families batches over leading axes (NumPy's `(..., M, N)` stacks of
matrices) and is written over other primitives (matmul, solve, inv, the decompositions
themselves), so second derivatives go through them.
"""

import numpy as np

from .. import kinds as K
from .ops import expand_dims, op, swapaxes

inv = op("inv")
solve = op("solve")
tril = op("tril")
triu = op("triu")
diagonal = op("diagonal")
diagonal_adjoint = op("diagonal_adjoint")
identity_like = op("identity_like")
svd = op("svd")

A = np.array([[1.3, 0.4, -0.2], [0.1, 0.9, 0.5], [-0.3, 0.6, 1.7]])
B = np.array([[0.6, -0.1], [0.4, 0.9], [-0.3, 0.5]])
V3 = np.array([0.5, -1.2, 0.8])
BATCH = np.stack([A, A.T + 0.3 * np.eye(3)])
SPD = np.array([[2.0, 0.3, -0.4], [0.3, 1.5, 0.2], [-0.4, 0.2, 1.2]])
SPD_BATCH = np.stack([SPD, np.array([[1.4, -0.5, 0.1], [-0.5, 2.2, 0.6], [0.1, 0.6, 0.9]])])
TALL = np.array([[0.8, -0.3], [0.2, 1.1], [-0.5, 0.4], [0.7, 0.6]])
T3 = np.arange(24.0).reshape(2, 3, 4) / 10.0 - 1.1
WIDE_BATCH = np.random.default_rng(7).uniform(-1.0, 1.0, (2, 3, 4))   # full rank


def constant_of(sym, default="unknown"):
    return getattr(sym.atom, "value", default)


def mT(x):
    """x with its last two axes swapped: the transpose of every matrix in a stack."""
    return swapaxes(x, -1, -2)


def per_matrix(g):
    """g (one value per matrix of a stack) with two unit axes, to scale whole matrices."""
    return g if g.kind.is_scalar else expand_dims(expand_dims(g, -1), -1)


def square_kind(a):
    return a if a.is_array else K.UNKNOWN


def scalar_per_matrix_kind(a):
    if not a.is_array:
        return K.UNKNOWN
    if a.ndim == 2:
        return K.FLOAT if a.dtype == "float64" else K.array(0, a.dtype)
    return K.array(a.ndim - 2, a.dtype)
