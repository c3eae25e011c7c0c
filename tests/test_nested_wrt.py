"""A derivative taken inside a differentiated function with `wrt` written as a tuple, a name, a
1-tuple or a module constant (issue 22: `srcad show seed_function.py:main` printed
`StaticSeq(items=[Const(0), Const(1)], tag='tuple')` where it met `wrt=(0, 1)`); a wrt computed
at run time is refused at its line. Both modes, against central differences."""

import numpy as np
import pytest

import srcad

H = """
import srcad

WRT = (0, 1)


def h(a, b):
    return np.sin(a) * b ** 2


def f(x, y):
{body}
"""

BODIES = {
    "a tuple": "    da, db = srcad.grad(h, wrt=(0, 1))(x, y)\n    return da * db + x",
    "names": "    da, db = srcad.grad(h, wrt=('a', 'b'))(x, y)\n    return da * np.exp(db)",
    "a 1-tuple": "    return srcad.grad(h, wrt=(1,))(x, y)[0] * y",
    "a module constant": "    da, db = srcad.grad(h, wrt=WRT)(x, y)\n    return da - db * x",
    "positional wrt": "    return srcad.grad(h, 1)(x, y) * x",
}


def _hand(name, x, y):
    da, db = np.cos(x) * y ** 2, 2 * np.sin(x) * y
    return {"a tuple": da * db + x, "names": da * np.exp(db), "a 1-tuple": db * y,
            "a module constant": da - db * x, "positional wrt": db * x}[name]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(BODIES))
def test_static_wrt_of_an_inner_derivative(load, name, mode):
    f = load(H.format(body=BODIES[name]).replace("import srcad\n", "import srcad\n", 1))
    x, y = 0.7, 1.3
    assert f(x, y) == pytest.approx(_hand(name, x, y), rel=1e-14)
    srcad.check_grad(f, x, y, wrt=(0, 1), mode=mode)
    fd = srcad.numeric_grad(lambda x, y: _hand(name, x, y), x, y, wrt=(0, 1))
    got = srcad.grad(f, wrt=(0, 1))(x, y) if mode == "reverse" else \
        tuple(srcad.jvp(f, wrt=(0, 1))(x, y, *d)[1] for d in ((1.0, 0.0), (0.0, 1.0)))
    np.testing.assert_allclose(got, fd, rtol=1e-7)


@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp])
def test_a_wrt_computed_at_run_time_is_refused_at_its_line(load, transform):
    f = load(H.format(body="    return srcad.grad(h, wrt=int(y > 0))(x, y)"))
    args = (0.7, 1.3) if transform is srcad.grad else (0.7, 1.3, 1.0)
    with pytest.raises(srcad.SrcadError, match=r"line 14: .*wrt that is not a constant") as err:
        transform(f)(*args)
    assert "StaticSeq" not in str(err.value) and "Const(" not in str(err.value)


def test_a_wrt_out_of_range_is_refused_at_its_line(load):
    f = load(H.format(body="    return srcad.grad(h, wrt=(0, 5))(x, y)"))
    with pytest.raises(srcad.SrcadError, match=r"line 14: .*wrt=5: h takes 2 parameters"):
        srcad.grad(f)(0.7, 1.3)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_check_grad_of_a_vector_function_with_defaults(load, mode):
    """srcad's vjp and jvp take the cotangent / tangents keyword-only for a function with
    defaults: the dot-product test passed them positionally (a raw TypeError)."""
    f = load("def f(x, scale=2.0):\n    return np.sin(x) * scale\n")
    report = srcad.check_grad(f, np.array([0.3, -1.2]), mode=mode)
    assert report.method == "dot-product"
