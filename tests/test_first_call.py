"""First-call (transform) time (issue 21): a module's source is parsed once per text, not once
per function read from it: lowering reads a helper's source at each of its call sites (the
LSTM's three calls of one sigmoid), and parsing the whole file each time was a third of a
first call. An edited file is a new text, parsed afresh. Gradients unchanged, both modes.
"""

import ast
import importlib
import sys

import numpy as np
import pytest

import srcad

PROGRAM = '''
import numpy as np


def gate(x):
    pos = x >= 0
    z = np.zeros_like(x)
    z[pos] = np.exp(-x[pos])
    z[~pos] = np.exp(x[~pos])
    top = np.ones_like(x)
    top[~pos] = z[~pos]
    return top / (1 + z)


def cell(a):
    i = gate(a[:, :2])
    f = gate(a[:, 2:4])
    o = gate(a[:, 4:])
    return np.sum(o * np.tanh(f + i)) * SCALE


SCALE = {scale}
'''


@pytest.fixture
def program(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "first_call_program.py"

    def load(scale):
        path.write_text(PROGRAM.format(scale=scale))
        sys.modules.pop("first_call_program", None)
        importlib.invalidate_caches()
        return importlib.import_module("first_call_program"), str(path)
    yield load
    sys.modules.pop("first_call_program", None)


def _counting_parse(monkeypatch, filename):
    parsed = []
    real = ast.parse

    def parse(source, *args, **kwargs):
        if isinstance(source, str) and "def gate(x):" in source and "def cell(a):" in source:
            parsed.append(source)
        return real(source, *args, **kwargs)
    monkeypatch.setattr(ast, "parse", parse)
    return parsed


def test_a_module_is_parsed_once_for_all_its_call_sites(program, monkeypatch):
    module, filename = program(2.0)
    parsed = _counting_parse(monkeypatch, filename)
    a = np.random.default_rng(2124).standard_normal((3, 6))
    srcad.grad(module.cell)(a)
    srcad.jvp(module.cell)(a, np.ones_like(a))
    assert len(parsed) == 1


def test_an_edited_module_is_read_afresh(program):
    a = np.random.default_rng(2125).standard_normal((3, 6))
    first, _ = program(2.0)
    g1 = srcad.grad(first.cell)(a)
    second, _ = program(-3.0)
    g2 = srcad.grad(second.cell)(a)
    np.testing.assert_allclose(g2, -1.5 * g1, rtol=1e-13)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_of_the_gated_cell(program, mode):
    module, _ = program(2.0)
    a = np.random.default_rng(2126).standard_normal((3, 6))
    assert srcad.check_grad(module.cell, a, mode=mode)
