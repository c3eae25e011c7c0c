"""The `srcad` command line, run as `python -m srcad` in a subprocess: every subcommand, and
the error cases (one line on stderr, exit status 2 for usage errors, 1 for refusals)."""

import json
import os
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

TARGET = textwrap.dedent("""
    import numpy as np
    from srcad.extend import defprimitive


    def f(x1, x2):
        return np.log(x1) + x1 * x2 - np.sin(x2)


    def loss(w, x):
        h = np.tanh(x @ w)
        return np.sum(h * h) / 2.0


    def looped(x, n):
        for i in range(n):
            x = np.sin(x) * 1.5
        return x


    def cube(x):
        return x * x * x


    defprimitive(cube, jvp=lambda dx, ans, x: 3 * x * x * dx,
                 vjp=lambda g, ans, x: 2 * g * x * x)      # wrong on purpose: 2, not 3


    def uses_cube(x):
        return cube(x) + x


    def refused(x):
        return eval("x * x")


    NOT_A_FUNCTION = 3
""")


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "target.py"
    path.write_text(TARGET)
    return path


def srcad_cli(*argv, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "srcad", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)


def ok(result):
    assert result.returncode == 0, result.stderr
    return result.stdout


def usage_error(result, *needles):
    """Exit status 2 with exactly one line on stderr, mentioning each needle."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("srcad: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


# ----- show --------------------------------------------------------------------------------------
def test_show_generic_gradient(target):
    out = ok(srcad_cli("show", f"{target}:f", cwd=target.parent))
    assert out.startswith("# generic version") and "def grad_f(x1, x2):" in out
    assert "return" in out and "\033[" not in out          # no colours when piped


def test_show_specialised_forward_mode_with_colours(target):
    out = ok(srcad_cli("show", f"{target}:f", "--mode", "forward", "--args", "2", "5",
                       "--wrt", "x1,x2", "--color", "always", cwd=target.parent))
    assert "\033[1;34mdef\033[0m jvp_f(x1, x2, dx1, dx2):" in out
    assert "math.cos(x2)" in out                            # specialised to floats


def test_show_wrt_by_name_and_index(target):
    by_name = ok(srcad_cli("show", f"{target}:f", "--wrt", "x2", "--args", "2.0", "5.0",
                           cwd=target.parent))
    assert by_name.startswith("def grad_f(x1, x2):") and "return bx2" in by_name
    by_index = ok(srcad_cli("show", f"{target}:f", "--wrt", "1", "--args", "2.0", "5.0",
                            cwd=target.parent))
    assert by_index == by_name


def test_show_ir_and_dot(target):
    ir = ok(srcad_cli("show", f"{target}:f", "--ir", cwd=target.parent))
    assert "v-1 = x1" in ir and "v5 = v3 - v4" in ir
    dot = ok(srcad_cli("show", f"{target}:f", "--dot", cwd=target.parent))
    assert dot.startswith("digraph") and '"v3" -> "v5";' in dot


# ----- trace -------------------------------------------------------------------------------------
def test_trace_prints_the_published_values(target):
    out = ok(srcad_cli("trace", f"{target}:f", "--args", "2", "5", cwd=target.parent))
    assert out.count("trace") == 3
    assert "v5  = v3 - v4  = 11.652" in out
    x1_bar = unicodedata.normalize("NFC", "x\u03041")
    assert f"{x1_bar}  = " in out and out.rstrip().endswith("1.716")
    assert "5.500" in out


def test_trace_formats_seed_and_arrays(target):
    md = ok(srcad_cli("trace", f"{target}:f", "--args", "2", "5", "--seed", "0", "1",
                      "--format", "markdown", cwd=target.parent))
    assert "| v5 | `v3 - v4` | 11.652 |" in md and "| 1.716 |" in md
    html = ok(srcad_cli("trace", f"{target}:loss", "--args", "[0.5, -0.3]",
                        "[[1, 2], [3, 4]]", "--wrt", "w", "--format", "html", "--digits", "4",
                        cwd=target.parent))
    assert html.count("<table") == 3 and "[0.5000, -0.3000]" in html


# ----- check -------------------------------------------------------------------------------------
def test_check_passes_and_fails(target):
    out = ok(srcad_cli("check", f"{target}:f", "--args", "2", "5", "--wrt", "x1,x2",
                       cwd=target.parent))
    assert "matches central differences in 2 elements" in out
    out = ok(srcad_cli("check", f"{target}:looped", "--args", "0.3", "4", "--mode", "forward",
                       cwd=target.parent))
    assert "matches central differences in 1 element" in out        # n = 4 is a count
    wrong = srcad_cli("check", f"{target}:uses_cube", "--args", "1.5", cwd=target.parent)
    assert wrong.returncode == 1 and "disagrees with central differences" in wrong.stdout


def test_check_with_respect_to_a_count_says_why(target):
    result = srcad_cli("check", f"{target}:looped", "--args", "0.3", "4", "--wrt", "n",
                       cwd=target.parent)
    assert result.returncode == 1 and result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "--wrt n" in message and "uses it as an integer" in message
    assert "Traceback" not in message


def test_refused_function_exits_1_with_one_line(target):
    result = srcad_cli("show", f"{target}:refused", cwd=target.parent)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "eval" in lines[0] and "target.py, line" in lines[0]


# ----- export ------------------------------------------------------------------------------------
def test_export_writes_a_standalone_module(target, tmp_path):
    out_dir = tmp_path / "shipped"
    out_dir.mkdir()
    result = srcad_cli("export", f"{target}:loss", "-o", out_dir / "grad_loss.py", "--args",
                       "[0.5, -0.3]", "[[1, 2], [3, 4], [0.5, 0.1]]", "--wrt", "w",
                       cwd=target.parent)
    assert result.returncode == 0 and "wrote" in result.stderr
    script = ("import sys, json; sys.modules['srcad'] = None; import numpy as np; "
              "from grad_loss import grad_loss; "
              "print(json.dumps(grad_loss(np.array([0.5, -0.3]), "
              "np.array([[1., 2.], [3., 4.], [0.5, 0.1]])).tolist()))")
    command = f"import sys; sys.path.insert(0, {str(out_dir)!r}); exec({script!r})"
    run = subprocess.run([sys.executable, "-I", "-c", command], capture_output=True,
                         text=True, cwd=out_dir, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    w, x = np.array([0.5, -0.3]), np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 0.1]])
    h = np.tanh(x @ w)
    np.testing.assert_allclose(json.loads(run.stdout), x.T @ (h * (1 - h * h)), rtol=1e-14)


def test_export_to_stdout(target):
    out = ok(srcad_cli("export", f"{target}:f", "--args", "2", "5", cwd=target.parent))
    assert out.startswith('"""grad_f:') and "def grad_f(x1, x2):" in out
    assert "srcad" not in out.split('"""', 2)[2]


def test_export_refuses_to_overwrite_the_source_file(target, rules_restored):
    """Issue 16, item 22: `-o mine.py` used to replace the user's own source without a word."""
    before = target.read_text()
    for output, mode in ((target, "reverse"), ("./target.py", "forward"),
                         (target.parent / "." / "target.py", "reverse")):
        name = "grad_f" if mode == "reverse" else "jvp_f"
        usage_error(srcad_cli("export", f"{target}:f", "-o", output, "--mode", mode,
                              cwd=target.parent),
                    "is the source file of f", "will not overwrite it", f"{name}.py")
    assert target.read_text() == before
    import srcad
    module = _load(target)
    with pytest.raises(srcad.SrcadError, match="will not write .*source file of f"):
        srcad.export(srcad.grad(module.f), target)
    assert target.read_text() == before


def test_export_creates_a_missing_folder(target, tmp_path, rules_restored):
    for mode, name in (("reverse", "grad_f"), ("forward", "jvp_f")):
        output = tmp_path / "out" / mode / f"{name}.py"
        result = srcad_cli("export", f"{target}:f", "-o", output, "--args", "2", "5",
                           "--mode", mode, "--wrt", "x1,x2", cwd=target.parent)
        assert result.returncode == 0, result.stderr
        assert f"created the folder {output.parent}" in result.stderr
        assert "Traceback" not in result.stderr
        exported = _load(output)
        x1, x2 = 2.0, 5.0
        gradient = (1.0 / x1 + x2, x1 - np.cos(x2))                    # by hand
        if mode == "reverse":
            np.testing.assert_allclose(getattr(exported, name)(x1, x2), gradient, rtol=1e-14)
        else:
            value, tangent = getattr(exported, name)(x1, x2, 1.0, 0.0)
            assert value == pytest.approx(np.log(x1) + x1 * x2 - np.sin(x2), rel=1e-14)
            assert tangent == pytest.approx(gradient[0], rel=1e-14)


def test_export_bad_output_paths_are_one_line(target, tmp_path):
    usage_error(srcad_cli("export", f"{target}:f", "-o", tmp_path, cwd=target.parent),
                "is a folder", "grad_f.py")
    (tmp_path / "a_file").write_text("")
    usage_error(srcad_cli("export", f"{target}:f", "-o", tmp_path / "a_file" / "grad_f.py",
                          cwd=target.parent), "cannot write")


def _load(path):
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"loaded_{path.stem}_{id(path)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----- demo and help -----------------------------------------------------------------------------
def test_demo_runs(tmp_path):
    out = ok(srcad_cli("demo", "--epochs", "20", cwd=tmp_path))
    assert "demo finished" in out


@pytest.mark.parametrize("argv", [["--help"], ["show", "--help"], ["trace", "--help"],
                                  ["check", "--help"], ["export", "--help"], ["demo", "--help"]])
def test_help(argv, tmp_path):
    out = ok(srcad_cli(*argv, cwd=tmp_path))
    assert out.startswith("usage: srcad")
    if argv == ["--help"]:
        for command in ("show", "trace", "check", "export", "demo"):
            assert f"    {command} " in out


# ----- usage errors: one line, exit status 2 ---------------------------------------------------
def test_bad_path(tmp_path):
    usage_error(srcad_cli("show", "missing.py:f", cwd=tmp_path), "no such file: missing.py")


def test_bad_function_name(target):
    line = usage_error(srcad_cli("trace", f"{target}:nope", "--args", "1", cwd=target.parent),
                       "has no function 'nope'")
    assert "uses_cube" in line                                  # lists what is there
    usage_error(srcad_cli("show", f"{target}:NOT_A_FUNCTION", cwd=target.parent),
                "is a int, not a function")
    usage_error(srcad_cli("show", str(target), cwd=target.parent), "expected FILE.py:FUNC")


def test_bad_args(target):
    usage_error(srcad_cli("trace", f"{target}:f", "--args", "2", "five", cwd=target.parent),
                "cannot read 'five'")
    usage_error(srcad_cli("trace", f"{target}:f", "--args", "2", "5", "6", cwd=target.parent),
                "too many positional arguments")
    usage_error(srcad_cli("check", f"{target}:f", "--args", "[1, [2]]", "1",
                          cwd=target.parent), "not a rectangular list")
    usage_error(srcad_cli("show", f"{target}:f", "--wrt", "x3", cwd=target.parent),
                "no parameter 'x3'")


def test_argparse_errors_are_one_line(target, tmp_path):
    usage_error(srcad_cli(cwd=tmp_path), "required: COMMAND")
    usage_error(srcad_cli("bogus", cwd=tmp_path), "invalid choice: 'bogus'")
    usage_error(srcad_cli("trace", f"{target}:f", cwd=target.parent), "--args")
    usage_error(srcad_cli("show", f"{target}:f", "--mode", "sideways", cwd=target.parent),
                "invalid choice: 'sideways'")


def test_broken_target_file(tmp_path):
    (tmp_path / "broken.py").write_text("def f(x:\n    return x\n")
    usage_error(srcad_cli("show", "broken.py:f", cwd=tmp_path), "broken.py, line 1")
    (tmp_path / "raises.py").write_text("raise RuntimeError('boom')\n")
    usage_error(srcad_cli("show", "raises.py:f", cwd=tmp_path), "RuntimeError: boom")
