"""Lowering keys some of its tables by `id(value)`: each keyed value must stay alive as long
as its entry, or a value made later (a loop body is lowered again until its kinds settle, and
the discarded round's values are freed) may get the same id and be taken for it. The long fuzz
profile found this as a NameResolutionError that came and went: a freed "unbound" marker's id
reused by a bound value, so `t7` read as not defined (about 1 lowering in 25 of the program
in tests/programs/fuzz_unbound_marker.txt, depending on what the allocator reused)."""

import gc
import linecache
import pathlib
import random

import numpy as np
import pytest

import srcad
from srcad.lowering.unbound import Unbound

# The fuzzer's program as it generated it (tests/fuzz_programs.py), kept as text.
SOURCE = (pathlib.Path(__file__).parent / "programs" / "fuzz_unbound_marker.txt").read_text()
X = np.array([1.08876438, -1.25868244, -1.05925073])


def define(k):
    filename = f"<lowering identity {k}>"
    linecache.cache[filename] = (len(SOURCE), None, SOURCE.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(SOURCE, filename, "exec"), namespace)
    return namespace["f"]


def test_a_marker_stays_alive_while_the_lowering_knows_its_id():
    unbound = Unbound(None)         # the part of a lowering that holds the markers
    marker = unbound.marker()
    key = id(marker)
    del marker
    gc.collect()
    _, markers = unbound.unbound_state()
    assert markers[key] is not None and id(markers[key]) == key


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_lowering_is_the_same_whatever_the_allocator_reuses(mode):
    rng = random.Random(5)
    churn = []
    for k in range(60):
        churn.append([object() for _ in range(rng.randint(1, 4000))])
        if rng.random() < 0.3:
            churn.clear()
            gc.collect()
        f = define(k)
        assert srcad.check_grad(f, X, mode=mode)
