"""Program fuzzing: srcad's derivatives of random programs against central differences.

For each program from `fuzz_programs.programs()` (helpers, loops, ifs, augmented assignment,
broadcasting, reductions, `@`): reverse mode agrees with central differences element by element,
and forward mode passes the dot-product test against reverse mode, <jvp(u), v> == <u, vjp(v)>;
or srcad refuses with a SrcadError that names a line. Failures shrink to a minimal program, whose
source is in the assertion message.

Profiles: the default runs in CI in about a minute; SRCAD_FUZZ=long runs 20,000 programs
(SRCAD_FUZZ_EXAMPLES overrides the count) and prints the tallies:

    SRCAD_FUZZ=long PYTHONPATH=. python3 -m pytest -q -s tests/test_fuzz.py
"""

import math
import os
from collections import Counter

import numpy as np
from fuzz_programs import programs
from hypothesis import HealthCheck, given, settings

import srcad
from srcad.tree import flatten

PROFILES = {"ci": 500, "long": 20000}
PROFILE = os.environ.get("SRCAD_FUZZ", "ci")
EXAMPLES = int(os.environ.get("SRCAD_FUZZ_EXAMPLES", PROFILES.get(PROFILE, PROFILES["ci"])))
# Finite differences move inputs by ~2e-4 relative; a kink closer than this may be crossed.
KINK_MARGIN = 1e-3
# Beyond this, values like cos(t) of a huge t make differences meaningless: not a test of srcad.
MAX_VALUE = 1e4
RTOL, ATOL = 1e-5, 1e-7
SMALL_EPS = 1e-6             # the second, smaller relative step for a mismatch (see check_program)
# Refusals must be rare: the grammar is ordinary NumPy code. About 2% are in-place updates
# (`v += e`) of an array another name shares, which srcad refuses rather than differ from
# Python: the grammar takes shape-() values for floats, but np.where of floats is a 0-d array.
MAX_REFUSED = 0.03


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _refusal(err, program, mode):
    """A refusal is fine if it names a line of the program; it is counted."""
    assert err.line is not None and f"line {err.line}" in str(err), (
        f"{mode} refused without a line: {err}\n{program}")
    return f"refused ({mode})"


def _same_structure(grads, args, program):
    for g, a in zip(grads, args):
        if isinstance(a, float):
            assert isinstance(g, float), f"gradient {g!r} of a float is not a float\n{program}"
        else:
            assert np.shape(g) == a.shape, f"gradient shape {np.shape(g)} != {a.shape}\n{program}"


def _dot(us, grads):
    return float(sum(np.sum(np.asarray(u) * np.asarray(g)) for u, g in zip(us, grads)))


def check_program(program):
    """Check one program; returns the tally it belongs to."""
    f = program.define()
    args, wrt = program.args, tuple(range(len(program.args)))
    with np.errstate(all="ignore"):
        value = f(*_copies(args))
    if not math.isfinite(float(value)):
        return "not finite"
    record = program.probe(args)
    if record.min_gap < KINK_MARGIN:
        return "near a kink"
    if not record.max_abs < MAX_VALUE:
        return "large values"
    try:
        grads = srcad.grad(f, wrt=wrt)(*_copies(args))
    except srcad.SrcadError as err:
        return _refusal(err, program, "reverse")
    _same_structure(grads, args, program)
    retried = False
    try:
        srcad.check_grad(f, *args, wrt=wrt, rtol=RTOL, atol=ATOL, grad_fn=lambda *a: grads)
    except srcad.GradientCheckError:
        # A fast-oscillating program (sin of a value in the hundreds) defeats the default step's
        # O(h^4) truncation bound; a mismatch must survive a step 100x smaller to be srcad's.
        retried = True
        try:
            srcad.check_grad(f, *args, wrt=wrt, rtol=RTOL, atol=ATOL, eps=SMALL_EPS,
                             grad_fn=lambda *a: grads)
        except srcad.GradientCheckError as err:
            if _ill_conditioned(f, args, wrt):
                return "ill-conditioned"
            raise AssertionError(f"reverse mode disagrees with central differences\n"
                                 f"{program}\n{err.report}") from None
    outcome = check_forward(f, program, wrt, value)
    return outcome + " (smaller step)" if retried and outcome == "checked" else outcome


def _ill_conditioned(f, args, wrt):
    """Central differences at two step sizes disagree with each other (sin of x**4 with x
    near 40 oscillates faster than any step resolves): no reference to check against."""
    with np.errstate(all="ignore"):
        coarse = srcad.numeric_grad(f, *_copies(args), wrt=wrt)
        fine = srcad.numeric_grad(f, *_copies(args), wrt=wrt, eps=SMALL_EPS / 10)
    leaves = zip(flatten(coarse)[0], flatten(fine)[0])
    return any(not np.allclose(a, b, rtol=1e-3, atol=1e-6) for a, b in leaves)


def check_forward(f, program, wrt, value):
    """<jvp(u), v> == <u, vjp(v)> for random u, v; the values agree with f's."""
    rng = np.random.default_rng(len(program.source))
    us = [rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())
          for a in program.args]
    v = float(rng.standard_normal())
    try:
        primal, tangent = srcad.jvp(f, wrt=wrt)(*_copies(program.args), *us)
    except srcad.SrcadError as err:
        if "not implemented" in str(err):
            return "no forward mode"
        return _refusal(err, program, "forward")
    primal2, grads = srcad.vjp(f, wrt=wrt)(*_copies(program.args), v)
    forward, reverse = float(tangent) * v, _dot(us, grads)
    size = abs(v) * _dot([np.abs(u) for u in us], [np.abs(g) for g in grads])
    assert abs(forward - reverse) <= 1e-9 + 1e-8 * size, (
        f"<jvp(u), v> = {forward!r} but <u, vjp(v)> = {reverse!r}\n{program}")
    for name, got in (("jvp", primal), ("vjp", primal2)):
        assert math.isclose(float(got), float(value), rel_tol=1e-9, abs_tol=1e-12), (
            f"{name} value {got!r} != f's value {value!r}\n{program}")
    return "checked"


def test_fuzz_programs():
    """Random programs: correct derivatives or a located refusal, never a wrong number."""
    tally = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=PROFILE == "ci",
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(programs())
    def run(program):
        try:
            tally[check_program(program)] += 1
        finally:
            program.forget()

    try:
        run()
    finally:                 # the tallies so far, also when a failure stops the run
        total = sum(tally.values())
        print(f"\nfuzz profile {PROFILE}: {total} programs: {dict(sorted(tally.items()))}")
    refused = sum(n for k, n in tally.items() if k.startswith("refused"))
    assert refused <= MAX_REFUSED * total, f"too many refusals: {tally}"
    checked = tally["checked"] + tally["checked (smaller step)"]
    assert checked >= 0.8 * total, f"too few programs fully checked: {tally}"

