"""The test suite runs srcad with SRCAD_VERIFY=1: the pipeline verifies the IR after every pass
(srcad/pipeline.py), so a pass that breaks the SSA rules fails at that pass, not later in
generated code. It costs the suite no measurable time (measured on test_control_flow,
test_corpus and test_python_forms: within noise)."""

import importlib.util
import itertools
import os

import pytest

os.environ.setdefault("SRCAD_VERIFY", "1")


_MODULES = itertools.count()


@pytest.fixture(scope="module")
def load(tmp_path_factory):
    """Define `f` from source text in a module file of its own (srcad reads the source)."""
    folder = tmp_path_factory.mktemp("programs")

    def load(text):
        name = f"program_{next(_MODULES)}"
        path = folder / f"{name}.py"
        path.write_text("import numpy as np\n\n" + text + "\n")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.f
    return load


@pytest.fixture
def rules_restored():
    """The rule tables as they were before the test: a custom rule that a test's module
    registers (srcad.extend.defprimitive) does not reach the tests after it."""
    from srcad import rules
    tables = [rules.RULES, rules.FUNCTIONS, rules.METHODS, rules.ATTRIBUTES]
    saved = [dict(table) for table in tables]
    yield
    for table, contents in zip(tables, saved):
        table.clear()
        table.update(contents)
