"""What srcad keeps after the user lets go (issue 16, item 21): the helper-derivative cache is
weak and bounded, and the linecache entries of generated code go with the code. Each test
measures: memory and entry counts return to their baseline once the objects are dropped and
the garbage collector runs."""

import gc
import itertools
import linecache
import runpy
import textwrap
import tracemalloc
import types

import numpy as np
import pytest

import srcad
from srcad.codegen import compiled
from srcad import pipeline

MIB = 2 ** 20

SCRIPT = textwrap.dedent("""
    import numpy as np
    import srcad

    BIG = np.ones(1_000_000)          # 8 MB, read by the helper


    def helper(x):
        y = np.sin(x)
        return y * BIG[0]


    def f(x):
        return helper(x) + helper(2.0 * x)   # two call sites: a shared helper derivative


    grad_f = srcad.grad(f)
    jvp_f = srcad.jvp(f)
    GRAD = grad_f(0.5)
    TANGENT = jvp_f(0.5, 1.0)[1]
""")


def _generated_entries():
    return sum(1 for name in linecache.cache if name.startswith("<srcad "))


def test_scripts_run_with_runpy_leave_nothing_behind(tmp_path):
    """20 scripts, each holding an 8 MB global that its helper reads: before the fix the
    helper cache kept every one of them (153 MiB)."""
    expected = np.cos(0.5) + 2.0 * np.cos(1.0)
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for k in range(20):
            path = tmp_path / f"script_{k}.py"
            path.write_text(SCRIPT)
            result = runpy.run_path(str(path))
            assert result["GRAD"] == pytest.approx(expected, rel=1e-12)       # reverse
            assert result["TANGENT"] == pytest.approx(expected, rel=1e-12)    # forward
            del result
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert kept < 2 * MIB, f"{kept / MIB:.1f} MiB kept after 20 scripts"


def tanh_squared(x):
    y = np.tanh(x)
    return y * y


def twice(x):
    return tanh_squared(x) + tanh_squared(3.0 * x)


def test_helper_cache_lives_as_long_as_a_derivative_uses_it():
    # a function of its own: srcad.grad(f) keeps its derivative as long as f lives (for a
    # training loop that re-creates it: srcad/reuse.py), and a module-level `twice` lives on
    f = types.FunctionType(twice.__code__, twice.__globals__, "twice")
    gc.collect()
    before = len(pipeline._DERIVATIVES)
    g = srcad.grad(f)
    assert g(0.2) == pytest.approx(srcad.numeric_grad(f, 0.2), rel=1e-7)
    assert len(pipeline._DERIVATIVES) == before + 1
    assert "def fwd_tanh_squared" in srcad.source(g)              # srcad.source still finds it
    second = srcad.grad(f)                                  # shares it while both live
    second(0.3)
    assert len(pipeline._DERIVATIVES) == before + 1
    del g, second, f
    gc.collect()
    assert len(pipeline._DERIVATIVES) == before


def test_helper_specialisations_are_bounded():
    def helper(x):
        y = np.sin(x)
        return y * 2.0

    derivative = pipeline.helper_vjp(helper, (0,))
    shapes = [p for n in range(1, 7) for p in itertools.product((1, 2), repeat=n)]
    assert len(shapes) > pipeline.MAX_SPECIALISATIONS
    for shape in shapes:                         # 126 kinds: ndim and size-1 patterns
        x = np.full(shape, 0.3)
        value, residuals = derivative.fwd(x)
        np.testing.assert_allclose(derivative.bwd(residuals, np.ones(shape)),
                                   2.0 * np.cos(x), rtol=1e-14)
    assert len(derivative.cache) == pipeline.MAX_SPECIALISATIONS
    assert len(derivative.sources) == pipeline.MAX_SPECIALISATIONS


@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp])
def test_linecache_entries_go_with_the_generated_code(transform):
    """Before the fix every closure's derivative added entries for good (10,000 closures,
    10,001 entries)."""
    gc.collect()
    before = (_generated_entries(), len(compiled.USER_FILES))
    derivatives = []
    for k in range(50):
        scale = float(k)
        derivative = transform(_scaled_sine(scale))
        tangent = (1.0,) if transform is srcad.jvp else ()
        result = derivative(0.5, *tangent)                    # floats: the inlined fast path
        result_array = derivative(np.array(0.5), *[np.array(1.0) for _ in tangent])
        expected = scale * np.cos(0.5)
        assert (result[1] if tangent else result) == pytest.approx(expected, rel=1e-14)
        np.testing.assert_allclose(result_array[1] if tangent else result_array, expected,
                                   rtol=1e-14)
        derivatives.append(derivative)
    assert _generated_entries() >= before[0] + 50     # the live ones keep their lines
    del derivatives, derivative
    gc.collect()
    assert (_generated_entries(), len(compiled.USER_FILES)) == before


def test_lines_stay_while_a_traceback_holds_the_code():
    def f(x):
        return np.sum(np.log(x) * x)

    g = srcad.grad(f)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError) as info:
        g(np.zeros(3))
    del g
    gc.collect()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "raised by generated code <srcad grad_f" in notes
    frames = [tb for tb in _frames(info.value.__traceback__)
              if tb.tb_frame.f_code.co_filename.startswith("<srcad ")]
    assert frames and linecache.getline(frames[-1].tb_frame.f_code.co_filename,
                                         frames[-1].tb_lineno).strip()


def _scaled_sine(scale):
    return lambda x: np.sin(x) * scale                        # a new closure each time


def _frames(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next
