"""The command line's contract (issue 22): one exit-code table (0 ok, 1 the check failed or srcad
refused, 2 usage) stated in `--help` and held by every command; no internal repr in a message;
`--version`; `--wrt` defaulting to the first parameter as srcad.grad does."""

import re

import pytest

import srcad
from srcad.tools import cli
from test_cli import ROOT, srcad_cli, usage_error

SEED = ROOT / "examples" / "seed_function.py"
INTERNAL = re.compile(r"\b(StaticSeq|Const|Var|Static|LocalFunction|DerivativeValue|Kind)\(|"
                      r"<srcad\.|object at 0x")


def test_exit_code_table_is_documented():
    assert cli.EXIT_CODES == {0: "ok", 1: "the check failed, or srcad refused the function",
                              2: "usage error: bad command line, file, function, --args or --wrt"}
    out = srcad_cli("--help", cwd=ROOT).stdout
    flat = " ".join(out.split())
    for code, meaning in cli.EXIT_CODES.items():
        assert f"{code} {meaning}" in flat
    assert "Exit status" in cli.__doc__
    page = (ROOT / "docs" / "inspecting.md").read_text()
    for code in cli.EXIT_CODES:
        assert f"| {code} |" in page


def test_version():
    result = srcad_cli("--version", cwd=ROOT)
    assert result.returncode == 0 and result.stdout.strip() == f"srcad {srcad.__version__}"


@pytest.mark.parametrize("wrt", ["x3", "5", "-3"])
def test_a_wrt_that_names_no_parameter_is_a_usage_error(wrt):
    for command in (["show"], ["check", "--args", "2", "5"], ["trace", "--args", "2", "5"]):
        line = usage_error(srcad_cli(command[0], f"{SEED}:f", *command[1:], "--wrt", wrt,
                                     cwd=ROOT), "--wrt")
        assert "x1, x2" in line


def test_wrt_defaults_to_the_first_parameter_as_the_api():
    shown = srcad_cli("show", f"{SEED}:f", "--args", "2.0", "5.0", cwd=ROOT)
    assert shown.returncode == 0
    assert shown.stdout == srcad.source(srcad.grad(_seed_f()), 2.0, 5.0).rstrip("\n") + "\n"
    assert "return bx1\n" in shown.stdout
    checked = srcad_cli("check", f"{SEED}:f", "--args", "2", "5", cwd=ROOT)
    assert checked.returncode == 0 and "in 1 element (" in checked.stdout
    exported = srcad_cli("export", f"{SEED}:f", "--args", "2", "5", "--mode", "forward",
                         cwd=ROOT)
    assert exported.returncode == 0 and "def jvp_f(x1, x2, dx1):" in exported.stdout


def test_wrt_by_name_differentiates_that_parameter():
    checked = srcad_cli("check", f"{SEED}:f", "--args", "2", "5", "--wrt", "x2", cwd=ROOT)
    assert checked.returncode == 0, checked.stderr       # 5 made a float as an index would
    forward = srcad_cli("check", f"{SEED}:f", "--args", "2", "5", "--wrt", "x1,x2",
                        "--mode", "forward", cwd=ROOT)
    assert forward.returncode == 0 and "in 2 elements" in forward.stdout


@pytest.mark.parametrize("command", ["show", "trace", "check", "export"])
def test_a_refusal_exits_1_with_one_located_line_and_no_internals(command):
    """`srcad show examples/seed_function.py:main --args 2 5` printed StaticSeq(items=...)."""
    result = srcad_cli(command, f"{SEED}:main", "--args", "2.0", "5.0", cwd=ROOT)
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("srcad: error: "), result.stderr
    assert not INTERNAL.search(result.stderr + result.stdout), result.stderr
    assert "srcad: error: srcad:" not in lines[0]
    assert re.search(r"seed_function\.py, line \d+: ", lines[0]), lines[0]


def test_no_internal_repr_in_usage_errors(tmp_path):
    for argv in (["show", f"{SEED}:nope"], ["trace", f"{SEED}:f", "--args", "2", "x"],
                 ["show", f"{SEED}:f", "--wrt", ","], ["show", f"{SEED}"]):
        result = srcad_cli(*argv, cwd=tmp_path)
        assert result.returncode == 2 and not INTERNAL.search(result.stderr), result.stderr


def test_demo_is_found_in_a_checkout():
    assert cli.demo_path() == ROOT / "examples" / "demo.py"


def _seed_f():
    import importlib.util
    spec = importlib.util.spec_from_file_location("seed_for_cli_contract", SEED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f
