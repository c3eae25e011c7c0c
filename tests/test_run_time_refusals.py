"""A derivative refused at the values it is called with (a complex spectrum, a complex matrix
square root, a full SVD of a non-square matrix) is a SrcadError naming the user's file and
line, as a refusal found while transforming is, and still a ValueError."""

import importlib.util
import inspect

import numpy as np
import pytest

import srcad

scipy_linalg = pytest.importorskip("scipy.linalg")

ROTATION = np.array([[0.0, -1.0], [1.0, 0.0]])


def spectrum_energy(m):
    w = np.linalg.eigvals(m)
    return np.sum(w ** 2)


def root_sum(s):
    r = scipy_linalg.sqrtm(s)
    return np.sum(r)


def full_basis(a):
    u, s, vh = np.linalg.svd(a, full_matrices=True)
    return np.sum(u) + np.sum(s)


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn, arg, text, says", [
    (spectrum_energy, ROTATION, "eigvals", "complex eigenvalues"),
    (root_sum, np.diag([-1.0, 2.0]), "sqrtm", "sqrtm of this matrix is complex"),
    (full_basis, np.ones((3, 2)), "svd", "only for square"),
])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_refusal_names_the_users_line(fn, arg, text, says, mode):
    derivative = srcad.grad(fn) if mode == "grad" else srcad.jvp(fn)
    args = (arg,) if mode == "grad" else (arg, np.ones_like(arg))
    with pytest.raises(srcad.SrcadError, match=says) as info:
        derivative(*args)
    assert isinstance(info.value, ValueError)
    assert info.value.filename == __file__
    assert info.value.line == line_of(fn, text)
    assert str(info.value).startswith(f"{__file__}, line {info.value.line}: ")


def test_real_spectrum_is_still_differentiated():
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    np.testing.assert_allclose(srcad.grad(spectrum_energy)(a), 2.0 * a.T, rtol=1e-10)


def test_exported_derivative_keeps_the_refusal(tmp_path):
    path = tmp_path / "basis.py"
    srcad.export(srcad.grad(full_basis), path, args=(np.eye(2) + 0.1,))
    spec = importlib.util.spec_from_file_location("basis", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exported = module.grad_full_basis
    square = np.array([[2.0, 0.3], [0.1, 1.0]])
    np.testing.assert_allclose(exported(square), srcad.grad(full_basis)(square), rtol=1e-12)
    with pytest.raises(ValueError, match="only for square"):
        exported(np.ones((3, 2)))
