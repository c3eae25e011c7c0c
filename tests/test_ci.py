"""`.ci/run` finds the other CPythons 3.11+ on PATH for its quick subset: one that runs as the
version its name says is listed, a broken shim or another version is skipped with a word, and
the main interpreter's own version is not run twice."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAIN = "%d.%d" % sys.version_info[:2]


def _script(folder, name, body):
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.mark.skipif(shutil.which("bash") is None or os.name != "posix", reason="needs bash")
def test_ci_run_lists_the_other_working_pythons(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    (bin_dir / "dirname").symlink_to(shutil.which("dirname"))
    others = [m for m in ("3.11", "3.12", "3.13") if m != MAIN]
    _script(bin_dir, f"python{others[0]}", f"echo {others[0]}")     # runs: listed
    _script(bin_dir, f"python{others[1]}", "exit 127")              # a broken shim: skipped
    _script(bin_dir, "python3.14", "echo 3.9")                      # not what its name says
    _script(bin_dir, f"python{MAIN}", f"echo {MAIN}")               # the main one: not twice
    result = subprocess.run([shutil.which("bash"), str(ROOT / ".ci" / "run"), "--list-pythons"],
                            env={"PATH": str(bin_dir)}, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"python{others[0]}"]
    assert f"python{others[1]} is on PATH but does not run as Python {others[1]}" in result.stderr
    assert "python3.14 is on PATH but does not run" in result.stderr


def test_pyproject_requires_python_311():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in text
    for minor in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {minor}" in text
