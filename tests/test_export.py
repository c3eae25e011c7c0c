"""Standalone export: the exported module computes the same numbers as srcad's derivative in
a Python process where srcad cannot be imported."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcad
from srcad.tools.exporting import MAX_ARRAY_SIZE, constant_source

WEIGHTS = np.array([0.5, -1.5, 2.0])
HUGE = np.ones(MAX_ARRAY_SIZE + 1)


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def seed_sum(x1, x2):
    return np.sum(np.log(x1) + x1 * x2 - np.sin(x2))


def weighted(x):
    return np.sum((x * WEIGHTS) ** 2) + np.max(x) + x[0] * x[1]


def broadcast_loss(W, b, x):
    return np.sum(np.tanh(x @ W + b) ** 2)


def recurrence(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) * x
    return np.sum(y)


def mlp(params, x):
    for W, b in params:
        x = np.tanh(W @ x + b)
    return np.sum(x ** 2)


def huge(x):
    return np.sum(HUGE * x)


RUNNER = textwrap.dedent("""
    import json, sys
    sys.modules["srcad"] = None            # importing srcad now fails, whatever the path
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    module = __import__(sys.argv[2])
    args = json.loads(sys.argv[3])
    if sys.argv[4] == "params":
        args[0] = [(np.array(W), np.array(b)) for W, b in args[0]]
    args = [np.array(a) if isinstance(a, list) and i >= (sys.argv[4] == "params") else a
            for i, a in enumerate(args)]

    def plain(value):
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return np.asarray(value, dtype=float).tolist()

    print(json.dumps(plain(getattr(module, sys.argv[2])(*args))))
""")


def run_standalone(tmp_path, text, name, args, params=False):
    """Call the exported function `name` in `python -I` with srcad unimportable."""
    (tmp_path / f"{name}.py").write_text(text)
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    encoded = json.dumps([_plain(a) for a in args])
    result = subprocess.run([sys.executable, "-I", str(runner), str(tmp_path), name, encoded,
                             "params" if params else "-"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value.tolist() if isinstance(value, np.ndarray) else value


def assert_same(standalone, expected):
    if isinstance(expected, (tuple, list)):
        assert len(standalone) == len(expected)
        for s, e in zip(standalone, expected):
            assert_same(s, e)
    else:
        np.testing.assert_allclose(standalone, expected, rtol=1e-14, atol=0)


RNG = np.random.default_rng(0)
CASES = [
    ("seed", srcad.grad(seed, wrt=(0, 1)), (2.0, 5.0)),
    ("seed_arrays", srcad.grad(seed_sum, wrt=(0, 1)),
     (np.array([2.0, 3.0]), np.array([5.0, 1.0]))),
    ("seed_vjp", srcad.vjp(seed, wrt=(0, 1)),
     (np.array([2.0, 3.0]), np.array([5.0, 1.0]), np.array([1.0, -2.0]))),
    ("seed_value", srcad.value_and_grad(seed, wrt=1), (2.0, 5.0)),
    ("seed_jvp", srcad.jvp(seed, wrt=(0, 1)), (2.0, 5.0, 1.0, 0.0)),
    ("weighted", srcad.grad(weighted), (np.array([0.3, -0.2, 0.9]),)),
    ("broadcast", srcad.grad(broadcast_loss, wrt=(0, 1)),
     (RNG.normal(size=(3, 2)), RNG.normal(size=2), RNG.normal(size=(4, 3)))),
    ("recurrence", srcad.grad(recurrence), (np.array([0.3, 0.5]), 3)),
]


@pytest.mark.parametrize("name, derivative, args", CASES, ids=[c[0] for c in CASES])
def test_exported_module_runs_without_srcad(tmp_path, name, derivative, args):
    expected = derivative(*args)                     # compiles this specialisation
    text = srcad.export(derivative, tmp_path / "written.py")
    assert (tmp_path / "written.py").read_text() == text
    function = derivative.__name__
    assert f"def {function}(" in text and "srcad" not in text.split('"""', 2)[2]
    assert_same(run_standalone(tmp_path, text, function, args), expected)


def test_exported_mlp_gradient_with_containers(tmp_path):
    params = [(RNG.normal(size=(3, 2)), RNG.normal(size=3)),
              (RNG.normal(size=(1, 3)), RNG.normal(size=1))]
    x = RNG.normal(size=2)
    g = srcad.grad(mlp)
    expected = g(params, x)
    text = srcad.export(g)
    assert "def add_at(" in text and "def add_any(" in text     # helpers of helpers
    assert_same(run_standalone(tmp_path, text, "grad_mlp", (params, x), params=True),
                [list(p) for p in expected])


def test_exported_code_checks_the_sizes_of_1_it_is_specialised_on(tmp_path):
    """The bias adjoint of the exported code sums the batch axis, as written for a batch of
    several rows; srcad would compile another specialisation for a batch of one, exported
    code cannot, so it refuses one instead of returning a gradient of the wrong shape."""
    W, b, x = RNG.normal(size=(3, 2)), RNG.normal(size=2), RNG.normal(size=(4, 3))
    g = srcad.grad(broadcast_loss, wrt=(0, 1))
    text = srcad.export(g, args=(W, b, x))
    assert "np.sum(" in text and "unbroadcast" not in text
    other_batch = RNG.normal(size=(6, 3))
    assert_same(run_standalone(tmp_path, text, "grad_broadcast_loss", (W, b, other_batch)),
                g(W, b, other_batch))
    namespace = {}
    exec(compile(text, "grad_broadcast_loss.py", "exec"), namespace)
    with pytest.raises(ValueError, match=r"size-1 dimensions are \(False, False\) in x"):
        namespace["grad_broadcast_loss"](W, b, x[:1])


def seed_sum_once(x1, x2):
    """seed_sum, transformed by one test only: srcad.grad(f) returns the derivative other
    calls made of f (tests/test_jax_conventions.py), with their specialisations."""
    return np.sum(np.log(x1) + x1 * x2 - np.sin(x2))


def test_generic_export_works_for_floats_and_arrays(tmp_path):
    g = srcad.grad(seed_sum_once, wrt=(0, 1))
    text = srcad.export(g, args=None)                 # nothing compiled yet: generic code
    assert "math." not in text
    for args in [(2.0, 5.0), (np.array([2.0, 3.0]), np.array([5.0, 1.0]))]:
        assert_same(run_standalone(tmp_path, text, "grad_seed_sum_once", args), g(*args))


def test_export_specialised_by_example_arguments():
    g = srcad.grad(seed_sum, wrt=(0, 1))
    assert "math.cos" in srcad.export(g, args=(2.0, 5.0))
    assert "np.cos" in srcad.export(g, args=(np.ones(2), np.ones(2)))


def test_captured_arrays_become_literals():
    text = srcad.export(srcad.grad(weighted), args=(np.ones(3),))
    assert "np.array([0.5, -1.5, 2.0], dtype='float64')" in text
    assert constant_source(np.array([1.0, np.nan]), "c", "test").startswith("np.frombuffer(")
    assert eval(constant_source(np.float32, "c", "test"), {"np": np}) is np.float32


def test_refusals():
    with pytest.raises(srcad.SrcadError, match="larger ones must be passed as arguments"):
        srcad.export(srcad.grad(huge), args=(np.ones(MAX_ARRAY_SIZE + 1),))
    with pytest.raises(srcad.SrcadError, match="export the srcad.grad, vjp or jvp"):
        srcad.export(srcad.hessian(seed))
    with pytest.raises(TypeError, match="expects a function srcad returned"):
        srcad.export(seed)
    with pytest.raises(srcad.SrcadError, match="cannot be written as a literal"):
        constant_source(object(), "thing", "the generated code")
