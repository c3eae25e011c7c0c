"""srcad.check_grads, as JAX's and autograd's check_grads (issue 22): dot-product tests of jvp
and vjp at first order, and of the derivative functions themselves at higher orders. Found on
the way: reverse mode over a derivative with several results (srcad.vjp(srcad.jvp(f))) seeded
only the first result and returned f's value: now the results are one tuple, as forward mode
already had it."""

from types import SimpleNamespace

import numpy as np
import pytest

import srcad

PROGRAMS = """
def f(x, y):
    return np.log(x) + x * y - np.sin(y)


def mlp(W, b, x):
    return np.tanh(x @ W + b)


def loss(W, x, scale=2.0):
    return scale * np.sum(np.tanh(x @ W) ** 2)


def looped(x, n):
    for i in range(n):
        x = np.sin(x) * 1.5
    return x


def cube(x):
    return x * x * x


def uses_cube(x):
    return np.sum(cube(x) + x)
"""


@pytest.fixture(scope="module")
def programs(load):
    return SimpleNamespace(**load(PROGRAMS).__globals__)


def _rng():
    return np.random.default_rng(3)


def test_first_and_second_order_in_both_modes(programs):
    report = srcad.check_grads(programs.f, (2.0, 5.0), order=2, modes=("fwd", "rev"))
    assert report and report.method == "dot-product"
    assert report.checked == 9                    # f; jvp_f; vjp_f: three comparisons each
    for name in ("of f ", "of jvp_f ", "of vjp_f "):
        assert name in str(report)
    assert str(report).startswith("srcad.check_grads: f up to order 2")


@pytest.mark.parametrize("modes", [("fwd",), ("rev",), ("fwd", "rev"), "rev",
                                   ("forward", "reverse")])
def test_arrays_and_modes(programs, modes):
    rng = _rng()
    args = (rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3)))
    report = srcad.check_grads(programs.mlp, args, order=2, modes=modes)
    per_check = 3 if len(set(modes)) == 2 and not isinstance(modes, str) else 1
    assert report.checked == per_check * (1 + (2 if per_check == 3 else 1))


def test_keyword_only_tangents_and_a_count(programs):
    rng = _rng()
    srcad.check_grads(programs.loss, (rng.normal(size=(3, 2)), rng.normal(size=(4, 3))),
                      order=2, wrt=0)                      # defaults: tangents keyword-only
    srcad.check_grads(programs.looped, (0.3, 4), order=3, modes=("fwd",), wrt="x")
    srcad.check_grads(programs.looped, (0.3, 4), order=1, wrt=0)
    # vjp of vjp through a loop is refused; with both modes the second order is checked
    # forward over reverse instead, and the report says so
    report = srcad.check_grads(programs.looped, (0.3, 4), order=2, wrt=0)
    assert "reverse mode over this derivative is not supported" in str(report)
    assert "dot-product test of vjp_looped" in str(report)
    with pytest.raises(srcad.NonDifferentiableError, match="reverse mode over the loop"):
        srcad.check_grads(programs.looped, (0.3, 4), order=2, modes="rev", wrt=0)


def test_a_wrong_rule_fails_in_the_mode_that_uses_it(programs, rules_restored):
    from srcad.extend import defprimitive
    defprimitive(programs.cube, jvp=lambda dx, ans, x: 3 * x * x * dx,
                 vjp=lambda g, ans, x: 2 * g * x * x)      # wrong on purpose: 2, not 3
    x = np.array([0.5, -1.5, 2.0])
    srcad.check_grads(programs.uses_cube, (x,), order=1, modes=("fwd",))
    with pytest.raises(srcad.GradientCheckError, match=r"vjp\(v\)> vs <v, fd\(u\)>.*FAIL"):
        srcad.check_grads(programs.uses_cube, (x,), order=1, modes=("rev",))


def test_bad_modes_and_order(programs):
    with pytest.raises(ValueError, match="modes"):
        srcad.check_grads(programs.f, (2.0, 5.0), modes=("sideways",))
    with pytest.raises(ValueError, match="order"):
        srcad.check_grads(programs.f, (2.0, 5.0), order=0)


def test_reverse_over_forward_returns_every_result(programs):
    """srcad.vjp(srcad.jvp(f)) took one cotangent for f's value alone and returned f's value."""
    f = programs.f
    x, y, dx, dy = 2.0, 5.0, 0.3, -0.7
    jvp_f = srcad.jvp(f, wrt=(0, 1))
    value, (bx, by) = srcad.vjp(jvp_f, wrt=(0, 1))(x, y, dx, dy, (1.0, 1.0))
    tangent = dx / x + dx * y + dy * x - dy * np.cos(y)
    assert value == pytest.approx((np.log(x) + x * y - np.sin(y), tangent), rel=1e-14)
    # d/dx and d/dy of value + tangent, by hand
    assert bx == pytest.approx(1 / x + y - dx / x ** 2 + dy, rel=1e-13)
    assert by == pytest.approx(x - np.cos(y) + dx + dy * np.sin(y), rel=1e-13)
    # forward over forward agrees: the jvp of jvp_f along (1, 0) and (0, 1), summed outputs
    jj = srcad.jvp(jvp_f, wrt=(0, 1))
    assert sum(jj(x, y, dx, dy, 1.0, 0.0)[1]) == pytest.approx(bx, rel=1e-13)
    assert sum(jj(x, y, dx, dy, 0.0, 1.0)[1]) == pytest.approx(by, rel=1e-13)


def test_grad_of_a_tuple_of_gradients_is_refused(programs):
    """grad(grad(f, wrt=(0, 1))) differentiated the first gradient alone; the output is a
    tuple, so grad refuses it as it refuses any non-scalar output."""
    with pytest.raises(srcad.SrcadError, match="must return a scalar"):
        srcad.grad(srcad.grad(programs.f, wrt=(0, 1)))(2.0, 5.0)
    H = srcad.jacobian(srcad.grad(programs.f, wrt=(0, 1)), wrt=(0, 1))(2.0, 5.0)
    np.testing.assert_allclose(np.array(H, dtype=float),
                               [[-1 / 4.0, 1.0], [1.0, np.sin(5.0)]], rtol=1e-13)
