"""Bad input gets a clear error naming file, line and construct, never a wrong number."""

import math
import textwrap

import numpy as np
import pytest

import srcad
from srcad import (MissingRuleError, NameResolutionError, SourceUnavailableError,
                   UnsupportedSyntaxError)


def _define(source, name="f", extra=None):
    """Define a function from source text registered in linecache, as a file would be."""
    import linecache
    filename = f"<test {name} {abs(hash(source))}>"
    text = textwrap.dedent(source)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "math": math, **(extra or {})}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name], filename


UNSUPPORTED = [
    ("try", "def f(x):\n    try:\n        y = x * 2\n    except Exception:\n        y = x\n"
            "    return y\n", 2),
    ("with", "def f(x):\n    with open('a') as h:\n        y = x\n    return y\n", 2),
    ("yield", "def f(x):\n    yield x\n", 2),
    ("global", "def f(x):\n    global G\n    G = x\n    return x\n", 2),
    ("del item", "def f(x):\n    y = [x]\n    del y[0]\n    return x\n", 3),
    ("class", "def f(x):\n    class A:\n        pass\n    return x\n", 2),
    ("element write", "def f(x):\n    x[0] = 1.0\n    return x\n", 2),
    ("augmented element write", "def f(x):\n    x[0] += 1.0\n    return x\n", 2),
    ("import", "def f(x):\n    import os\n    return x\n", 2),
    ("return in nested loops", "def f(x):\n    for i in range(3):\n        for j in range(2):\n"
                               "            return x\n    return x\n", 2),
    ("star kwargs", "def f(x, **options):\n    return x\n", 1),
    ("for else", "def f(x):\n    for i in range(2):\n        x = x * 2\n    else:\n        x = x\n"
                 "    return x\n", 2),
]


@pytest.mark.parametrize("what, source, line", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_syntax_names_file_line_and_construct(what, source, line):
    f, filename = _define(source)
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.grad(f)(1.0)
    err = info.value
    assert err.filename == filename and err.line == line
    assert filename in str(err) and f"line {line}" in str(err)


def test_yield_is_refused_with_a_sentence():
    f, _ = _define("def f(x):\n    yield x\n")
    with pytest.raises(UnsupportedSyntaxError, match="generators"):
        srcad.grad(f)(1.0)


def test_unknown_callee_points_to_custom_rules():
    import fractions
    f, filename = _define("def f(x):\n    return gcd(x, 2.0)\n", extra={"gcd": math.gcd})
    with pytest.raises(MissingRuleError, match="defprimitive") as info:
        srcad.grad(f)(1.0)
    assert info.value.line == 2
    del fractions


def test_callee_without_source():
    hidden = {}
    exec("def g(t):\n    while t > 1.0:\n        t = t / 2.0\n    return t\n", hidden)
    f, _ = _define("def f(x):\n    return g(x)\n", extra={"g": hidden["g"]})
    with pytest.raises(SourceUnavailableError):
        srcad.grad(f)(1.0)


def test_undefined_name():
    f, _ = _define("def f(x):\n    return x * undefined_thing\n")
    with pytest.raises(NameResolutionError, match="undefined_thing"):
        srcad.grad(f)(1.0)


def test_name_assigned_only_in_a_loop_that_may_not_run():
    """As in Python: UnboundLocalError where the loop ran no iteration (tests/test_containers.py
    has more); refused where the name may be bound to None itself."""
    f, _ = _define("def f(x):\n    while x < 3.0:\n        y = x * 2.0\n        x = x + 1.0\n"
                   "    return y\n")
    assert srcad.grad(f)(1.0) == 2.0
    with pytest.raises(UnboundLocalError):
        srcad.grad(f)(5.0)
    g, _ = _define("def f(x):\n    while x < 3.0:\n        y = None if x > 9.0 else x\n"
                   "        x = x + 1.0\n    return y\n")
    with pytest.raises(NameResolutionError, match="only inside the loop.*cannot tell from None"):
        srcad.grad(g)(1.0)


def test_grad_of_a_builtin_without_a_rule_is_refused():
    """np.sin has a rule and differentiates (tests/test_dynamic_calls.py); math.gcd has none."""
    with pytest.raises(SourceUnavailableError, match="gcd"):
        srcad.grad(math.gcd)(1.0, 2.0)


def test_wrt_out_of_range_and_unknown_name():
    def f(x, y):
        return x * y
    with pytest.raises(ValueError, match="0..1"):
        srcad.grad(f, wrt=2)
    with pytest.raises(ValueError, match="no parameter 'z'"):
        srcad.grad(f, wrt="z")
    with pytest.raises(TypeError, match="indices or names"):
        srcad.grad(f, wrt=1.5)


def test_non_scalar_output_is_refused_not_summed():
    def f(x):
        return x * 2.0
    with pytest.raises(ValueError, match="scalar"):
        srcad.grad(f)(np.ones(3))


def test_integer_and_complex_wrt_arguments():
    def f(x):
        return x * 2.0
    with pytest.raises(TypeError, match="integer"):
        srcad.grad(f)(3)
    with pytest.raises(TypeError, match="integer"):
        srcad.grad(f)(np.arange(3))
    with pytest.raises(TypeError, match="complex"):
        srcad.grad(f)(1j)


def test_wrong_argument_count():
    def f(x, y):
        return x * y
    with pytest.raises(TypeError, match="grad_f"):
        srcad.grad(f)(1.0)
    with pytest.raises(TypeError):
        srcad.grad(f)(1.0, 2.0, 3.0)


def test_non_differentiable_use_of_an_active_value_is_refused():
    f, _ = _define("def f(x):\n    return float(int(x) + x) * np.floor(x)\n")
    assert srcad.grad(f)(1.5) == pytest.approx(1.0)


def test_shape_error_surfaces_as_numpy_error_in_generated_line():
    def f(a, b):
        return np.sum(a * b)
    with pytest.raises(ValueError, match="broadcast") as info:
        srcad.grad(f)(np.ones(3), np.ones(4))
    frames = [tb.tb_frame.f_code.co_filename for tb in _walk(info.tb)]
    assert any(name.startswith("<srcad grad_f") for name in frames)
    note = "\n".join(info.value.__notes__)
    assert "raised by generated code <srcad grad_f" in note and "np.sum(a * b)" in note
    assert __file__ in note


def _scaled(a, b):
    return np.exp(a) * b


def _uses_scaled(a, b):
    return np.sum(_scaled(a, b) ** 2)


def test_an_error_in_a_one_expression_helper_names_the_calling_line():
    with pytest.raises(ValueError, match="broadcast") as info:
        srcad.grad(_uses_scaled)(np.ones(3), np.ones(4))
    note = "\n".join(info.value.__notes__)
    assert "return np.sum(_scaled(a, b) ** 2)" in note


def _sum_of_sum(a, b):
    return np.sum(a + b)


def _mean_product(a, b):
    return np.mean(a * b)


def _sine_weighted(a, b):
    return np.sum(np.sin(a) * b)


def _affine(W, b, x):
    return np.sum(x @ W + b)


_R = np.random.default_rng(3)


@pytest.mark.parametrize("f, args, wrt", [
    (_sum_of_sum, (np.ones(3), np.ones(4)), 0),
    (_sum_of_sum, (np.ones((2, 3)), np.ones((3, 2))), (0, 1)),
    (_mean_product, (np.ones(3), np.ones(4)), 0),
    (_sine_weighted, (np.ones((2, 3)), np.ones((2, 4))), 1),
    (_affine, (_R.normal(size=(3, 2)), np.zeros(3), _R.normal(size=(5, 3))), 1),
])
def test_arguments_that_do_not_broadcast_raise_like_the_function(f, args, wrt):
    """The gradient code may not need the value of an elementwise expression, only the
    knowledge of which operands have its shape; NumPy's broadcasting check is still made,
    so shapes that make f raise make its gradient raise too, never a number."""
    with pytest.raises(ValueError, match="broadcast"):
        f(*args)
    with pytest.raises(ValueError, match="broadcast"):
        srcad.grad(f, wrt=wrt)(*args)


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def test_in_place_update_of_an_aliased_array_is_refused():
    # Python's `t0 += 0.5` on an array changes t1 too; srcad refuses rather than differ
    f, _ = _define("def f(x):\n    t0 = x * 2.0\n    t1 = t0\n    t0 += 0.5\n    "
                   "return np.sum(t1 * t0)\n")
    with pytest.raises(UnsupportedSyntaxError, match="also names") as info:
        srcad.grad(f)(np.ones(2))
    assert info.value.line == 4
    g, _ = _define("def g(x):\n    t1 = x * 2.0\n    t0 = t1\n    for i in range(2):\n"
                   "        t0 += x\n    return np.sum(t1 * t0)\n", name="g")
    with pytest.raises(UnsupportedSyntaxError, match="also names"):
        srcad.grad(g)(np.ones(2))
    h, _ = _define("def h(x):\n    t = x * 2.0\n    t += 0.5\n    return np.sum(t * t)\n",
                   name="h")
    srcad.check_grad(h, np.ones(2))           # no other name: `+=` is just `t = t + 0.5`


def test_in_place_update_of_a_view_is_refused():
    f, _ = _define("def f(x):\n    y = x[:2]\n    y += 1.0\n    return np.sum(x * x)\n")
    with pytest.raises(UnsupportedSyntaxError, match="view"):
        srcad.grad(f)(np.ones(3))


def test_an_error_on_the_inlined_scalar_path_names_the_generated_and_the_user_line():
    def f(x, y):
        return y / x        # Python raises at x = 0.0 (np.log(x) * y would warn: inf)
    g = srcad.grad(f, wrt=(0, 1))
    assert g(2.0, 3.0) == pytest.approx((-0.75, 0.5))
    with pytest.raises(ZeroDivisionError) as info:
        g(0.0, 3.0)
    note = "\n".join(info.value.__notes__)
    assert "raised by generated code <srcad grad_f wrapper" in note
    assert "return y / x" in note and __file__ in note


def unpacks_two_layers(params, x):
    (W1, b1), (W2, b2) = params
    return np.sum(np.tanh(x @ W1 + b1) @ W2 + b2)


def test_unpacking_a_list_of_another_length_raises_as_python_does():
    layer = (np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="too many values to unpack"):
        unpacks_two_layers([layer] * 3, np.ones(2))
    with pytest.raises(ValueError, match=r"too many values to unpack \(expected 2, got 3\)"):
        srcad.grad(unpacks_two_layers)([layer] * 3, np.ones(2))
    with pytest.raises(ValueError, match="not enough values to unpack"):
        srcad.grad(unpacks_two_layers)([layer], np.ones(2))
