"""Packaging (issue 22): an MIT LICENSE and an SPDX license string, classifiers, `py.typed` with
an annotated public API, strict xfails, plots in a git-ignored folder; and, where the `build`
package is installed (the test extra has it), the wheel and the sdist themselves: the wheel
ships py.typed, the license and the examples (`srcad demo` runs from it) and no tests; the
sdist holds what its tests read, and they pass there."""

import inspect
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import srcad
from srcad import extend

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def test_license_is_mit_in_a_file_and_an_spdx_string():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # PEP 639
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]


def test_classifiers_say_what_srcad_is():
    classifiers = set(PROJECT["classifiers"])
    assert {"Typing :: Typed", "Programming Language :: Python :: 3 :: Only",
            "Topic :: Scientific/Engineering :: Mathematics"} <= classifiers
    assert PROJECT["requires-python"] == ">=3.11"


def _public_functions():
    for module, names in ((srcad, srcad.__all__), (extend, extend.__all__)):
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj


@pytest.mark.parametrize("name, fn", list(_public_functions()), ids=lambda v: str(v))
def test_public_api_is_annotated(name, fn):
    signature = inspect.signature(fn)
    missing = [p.name for p in signature.parameters.values() if p.annotation is p.empty]
    assert not missing and signature.return_annotation is not signature.empty, (name, missing)


def test_py_typed_ships():
    assert (ROOT / "srcad" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["srcad"]


def test_every_xfail_is_strict():
    assert PYPROJECT["tool"]["pytest"]["ini_options"]["xfail_strict"] is True
    loose = re.compile(r"xfail\([^)]*strict\s*=\s*False")
    for path in (ROOT / "tests").glob("*.py"):
        assert not loose.search(path.read_text()), path.name


def test_plots_go_to_a_git_ignored_folder():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import sine_mlp
    finally:
        sys.path.remove(str(ROOT / "examples"))
    folder = Path(sine_mlp.PLOT).parts[0]
    assert folder == "out" and f"/{folder}/" in (ROOT / ".gitignore").read_text().split()
    assert inspect.signature(sine_mlp.main).parameters["plot"].default == sine_mlp.PLOT


def test_manifest_grafts_every_folder_the_tests_read():
    manifest = (ROOT / "MANIFEST.in").read_text()
    grafted = set(re.findall(r"^graft (\S+)", manifest, re.MULTILINE))
    read = set()
    for path in (ROOT / "tests").glob("*.py"):
        read |= set(re.findall(r'(?:ROOT|parent\.parent) / "([\w.]+)"', path.read_text()))
    folders = {name for name in read if (ROOT / name).is_dir()}
    assert folders <= grafted | {"srcad"}, folders - grafted
    for name in read - folders:
        if (ROOT / name).is_file():
            assert name in manifest or name in ("pyproject.toml", "MANIFEST.in"), name


# ----- the built distributions ---------------------------------------------------------------
def _copy_tree(target):
    skip = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                  ".hypothesis", ".pytest_cache", "out", "site")
    shutil.copytree(ROOT, target, ignore=skip)


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    if not hasattr(pytest.importorskip("build"), "ProjectBuilder"):    # not a build/ folder
        pytest.skip("the build package is not installed")
    folder = tmp_path_factory.mktemp("dist")
    source = folder / "source"
    _copy_tree(source)
    run = subprocess.run([sys.executable, "-m", "build", "-o", str(folder / "out"), str(source)],
                         capture_output=True, text=True, timeout=600, check=False)
    if run.returncode != 0 and "Could not find a version" in run.stdout + run.stderr:
        pytest.skip("python -m build cannot install setuptools here (no package index)")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    wheel = next((folder / "out").glob("*.whl"))
    sdist = next((folder / "out").glob("*.tar.gz"))
    return folder, wheel, sdist


@pytest.mark.slow
def test_wheel_contents_and_demo(dists):
    folder, wheel, _ = dists
    names = zipfile.ZipFile(wheel).namelist()
    assert "srcad/py.typed" in names and "srcad/examples/demo.py" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    installed = folder / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(installed))
    run = subprocess.run([sys.executable, "-m", "srcad", "demo", "--epochs", "5"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "demo finished" in run.stdout and str(installed) in _demo_path(env, elsewhere)
    assert not list(elsewhere.iterdir())                   # the demo writes nothing there


def _demo_path(env, cwd):
    code = "from srcad.tools import cli; print(cli.demo_path())"
    return subprocess.run([sys.executable, "-c", code],
                          cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_sdist_holds_what_its_tests_read_and_they_pass(dists):
    folder, _, sdist = dists
    with tarfile.open(sdist) as archive:
        archive.extractall(folder / "sdist", filter="data")
    top = next((folder / "sdist").iterdir())
    for needed in ("LICENSE", "mkdocs.yml", "docs/index.md", "examples/demo.py",
                   "tests/golden", ".ci/run", "scripts/gen_supported.py"):
        assert (top / needed).exists(), needed
    env = dict(os.environ, PYTHONPATH=str(top))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                          "tests/test_docs.py", "tests/test_examples.py", "tests/test_ci.py",
                          "tests/test_site.py", "-m", "not slow"],
                         cwd=top, env=env, capture_output=True, text=True, timeout=900,
                         check=False)
    assert run.returncode == 0, run.stdout[-3000:]
