"""The code base stays lint-clean under the ruff configuration in pyproject.toml (E, F, W, B)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ["srcad", "tests", "benchmarks", "examples", "scripts"]


def test_ruff_finds_nothing():
    """Run as a subprocess from the repo root so pyproject.toml's [tool.ruff] applies; a finding
    fails here, with ruff's own report, rather than piling up unnoticed."""
    pytest.importorskip("ruff")
    run = subprocess.run([sys.executable, "-m", "ruff", "check", *CHECKED], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
