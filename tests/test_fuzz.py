"""Program fuzzing: srcad's derivatives of random programs against central differences.

For each program from `fuzz_programs.programs()` (helpers with defaults and pairs of results,
loops, ifs whose branches index and call differently, aliasing through branches and loops,
swaps and multiple assignment, lists grown in loops, lambdas capturing loop variables, floats
passed to NumPy, einsum, size-1 broadcasting, reductions, `@`):

- reverse mode agrees with central differences element by element (the primary oracle), and
  forward mode passes the dot-product test against reverse mode, <jvp(u), v> == <u, vjp(v)>;
  or srcad refuses with a SrcadError that names a line;
- every array srcad returns (grad, vjp, jvp) is writable and shares no memory with an argument
  or another returned leaf;
- where autograd is installed (the `test` extra), its gradient of the same program agrees (a
  second oracle: a disagreement fails only where autograd agrees with central differences);
- the no-source path: the same program exec'd without its source registered, so srcad rebuilds
  it from bytecode, gives the same gradient and tangent, or refuses with a SrcadError.

Failures shrink to a minimal program, whose source is in the assertion message.

Profiles: the default runs in CI in about a minute; SRCAD_FUZZ=long runs 20,000 programs
(SRCAD_FUZZ_EXAMPLES overrides the count, SRCAD_FUZZ_SEED picks another random stream) and
prints the tallies:

    SRCAD_FUZZ=long PYTHONPATH=. python3 -m pytest -q -s tests/test_fuzz.py

SRCAD_FUZZ_SKIP (comma-separated) leaves out productions or checks by name, for a bug whose
fix is in progress (fuzz_programs.SKIPPED says what is left out by default, and why).
"""

import math
import os
import types
import warnings
from collections import Counter

import numpy as np
from fuzz_programs import SKIPPED, programs
from hypothesis import HealthCheck, given, seed, settings

import srcad
from srcad.tree import flatten

try:
    import autograd
    import autograd.numpy as anp
except ImportError:          # the optional second oracle
    autograd = anp = None
else:
    # The program text run on autograd.numpy, with the two functions whose autograd version
    # cannot take what NumPy's does (leading dims added by broadcast_to, asarray of a box)
    # replaced by the same values computed another way.
    anp = types.SimpleNamespace(**{name: getattr(anp, name) for name in dir(anp)})
    anp.broadcast_to = lambda x, shape: x + autograd.numpy.zeros(shape)
    anp.asarray = lambda x: x + 0.0

PROFILES = {"ci": 500, "long": 20000}
PROFILE = os.environ.get("SRCAD_FUZZ", "ci")
EXAMPLES = int(os.environ.get("SRCAD_FUZZ_EXAMPLES", PROFILES.get(PROFILE, PROFILES["ci"])))
SEED = os.environ.get("SRCAD_FUZZ_SEED")
# Finite differences move inputs by ~2e-4 relative; a kink closer than this may be crossed.
KINK_MARGIN = 1e-3
# Beyond this, values like cos(t) of a huge t make differences meaningless: not a test of srcad.
MAX_VALUE = 1e4
RTOL, ATOL = 1e-5, 1e-7
SMALL_EPS = 1e-6             # the second, smaller relative step for a mismatch (see check_program)
# Refusals must be rare: the grammar is ordinary NumPy code. Some are in-place updates
# (`v += e`) of an array another name shares, which srcad refuses rather than differ from
# Python: 0-d arrays (np.where of floats, np.squeeze of a float) shared by two names, and views
# of temporaries. (The aliasing production makes such updates on purpose: counted apart.)
MAX_REFUSED = 0.04
# Two exact derivatives of one program agree to rounding (sums taken in another order).
ORACLE_RTOL, ORACLE_ATOL = 1e-7, 1e-10


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _refusal(err, program, mode):
    """A refusal is fine if it names a line of the program; it is counted (apart, for a
    program that updates an alias in place on purpose: refusing it is the expected answer
    where srcad cannot follow Python's sharing)."""
    assert err.line is not None and f"line {err.line}" in str(err), (
        f"{mode} refused without a line: {err}\n{program}")
    if "alias" in program.features:
        return f"aliasing refused ({mode})"
    if os.environ.get("SRCAD_FUZZ_SHOW_REFUSALS"):
        print(f"REFUSED {mode}: {str(err)[:300]}")
    return f"refused ({mode})"


def _same_structure(grads, args, program):
    for g, a in zip(grads, args):
        if isinstance(a, float):
            assert isinstance(g, float), f"gradient {g!r} of a float is not a float\n{program}"
        else:
            assert np.shape(g) == a.shape, f"gradient shape {np.shape(g)} != {a.shape}\n{program}"


def check_fresh(results, inputs, program, what):
    """Every array in `results` is writable and shares memory with no input and no other
    returned array: what srcad returns is the user's to keep and update in place."""
    if "invariants" in SKIPPED:
        return
    leaves = [a for a in flatten(results)[0] if isinstance(a, np.ndarray)]
    given_arrays = [a for a in flatten(list(inputs))[0] if isinstance(a, np.ndarray)]
    for i, leaf in enumerate(leaves):
        assert leaf.flags.writeable, f"{what}: returned array {i} is read-only\n{program}"
        for j, arg in enumerate(given_arrays):
            assert not np.shares_memory(leaf, arg), (
                f"{what}: returned array {i} shares memory with input {j}\n{program}")
        for j, other in enumerate(leaves[i + 1:], start=i + 1):
            assert not np.shares_memory(leaf, other), (
                f"{what}: returned arrays {i} and {j} share memory\n{program}")


def _dot(us, grads):
    return float(sum(np.sum(np.asarray(u) * np.asarray(g)) for u, g in zip(us, grads)))


def _agree(a, b):
    leaves = zip(flatten(list(a))[0], flatten(list(b))[0])
    return all(np.allclose(x, y, rtol=ORACLE_RTOL, atol=ORACLE_ATOL) for x, y in leaves)


def check_program(program, tally):
    """Check one program; count its outcome (and the side checks') in `tally`."""
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
    given_args = _copies(args)
    try:
        grads = srcad.grad(f, wrt=wrt)(*given_args)
    except srcad.SrcadError as err:
        tally[check_no_source(program, None, None, value)] += 1
        return _refusal(err, program, "reverse")
    _same_structure(grads, args, program)
    check_fresh(grads, given_args, program, "grad")
    outcome = check_reverse(f, program, grads, wrt)
    if outcome != "checked":
        return outcome
    tally[check_autograd(program, grads, value)] += 1
    outcome, tangent = check_forward(f, program, wrt, value)
    tally[check_no_source(program, grads, tangent, value)] += 1
    return outcome


def check_reverse(f, program, grads, wrt):
    """The gradient against central differences; "checked", or why there is no reference."""
    args = program.args
    try:
        srcad.check_grad(f, *args, wrt=wrt, rtol=RTOL, atol=ATOL, grad_fn=lambda *a: grads)
    except srcad.GradientCheckError:
        # A fast-oscillating program (sin of a value in the hundreds) defeats the default step's
        # O(h^4) truncation bound; a mismatch must survive a step 100x smaller to be srcad's.
        try:
            srcad.check_grad(f, *args, wrt=wrt, rtol=RTOL, atol=ATOL, eps=SMALL_EPS,
                             grad_fn=lambda *a: grads)
        except srcad.GradientCheckError as err:
            if _ill_conditioned(f, args, wrt):
                return "ill-conditioned"
            raise AssertionError(f"reverse mode disagrees with central differences\n"
                                 f"{program}\n{err.report}") from None
    return "checked"


def _ill_conditioned(f, args, wrt):
    """Central differences at two step sizes disagree with each other (sin of x**4 with x
    near 40 oscillates faster than any step resolves): no reference to check against."""
    with np.errstate(all="ignore"):
        coarse = srcad.numeric_grad(f, *_copies(args), wrt=wrt)
        fine = srcad.numeric_grad(f, *_copies(args), wrt=wrt, eps=SMALL_EPS / 10)
    leaves = zip(flatten(coarse)[0], flatten(fine)[0])
    return any(not np.allclose(a, b, rtol=1e-3, atol=1e-6) for a, b in leaves)


def _directions(program):
    rng = np.random.default_rng(len(program.source))
    us = [rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())
          for a in program.args]
    return us, float(rng.standard_normal())


def check_forward(f, program, wrt, value):
    """<jvp(u), v> == <u, vjp(v)> for random u, v; the values agree with f's. Returns the
    outcome and the tangent (None when forward mode refused)."""
    us, v = _directions(program)
    given_args, given_us = _copies(program.args), _copies(us)
    try:
        primal, tangent = srcad.jvp(f, wrt=wrt)(*given_args, *given_us)
    except srcad.SrcadError as err:
        if "not implemented" in str(err):
            return "no forward mode", None
        return _refusal(err, program, "forward"), None
    check_fresh((primal, tangent), given_args + given_us, program, "jvp")
    given_args = _copies(program.args)
    primal2, grads = srcad.vjp(f, wrt=wrt)(*given_args, v)
    check_fresh(grads, given_args, program, "vjp")
    forward, reverse = float(tangent) * v, _dot(us, grads)
    size = abs(v) * _dot([np.abs(u) for u in us], [np.abs(g) for g in grads])
    assert abs(forward - reverse) <= 1e-9 + 1e-8 * size, (
        f"<jvp(u), v> = {forward!r} but <u, vjp(v)> = {reverse!r}\n{program}")
    for name, got in (("jvp", primal), ("vjp", primal2)):
        assert math.isclose(float(got), float(value), rel_tol=1e-9, abs_tol=1e-12), (
            f"{name} value {got!r} != f's value {value!r}\n{program}")
    return "checked", tangent


def check_autograd(program, grads, value):
    """The second oracle: autograd's gradient of the same program text."""
    if autograd is None or "autograd" in SKIPPED:
        return "autograd: not installed"
    if "alias" in program.features:       # autograd's `+=` rebinds: another program
        return "autograd: in-place aliasing"
    f = program.define(numpy=anp)
    args = _copies(program.args)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = autograd.grad(lambda xs: f(*xs))(list(args))
            their_value = f(*_copies(program.args))
    except Exception:  # noqa: BLE001 - what autograd cannot run is not srcad's to answer for
        return "autograd: cannot run it"
    if not math.isclose(float(their_value), float(value), rel_tol=1e-9, abs_tol=1e-12):
        return "autograd: another value"
    if _agree(grads, theirs):
        return "autograd: agrees"
    try:
        srcad.check_grad(program.define(), *program.args, wrt=tuple(range(len(args))),
                         rtol=RTOL, atol=ATOL, grad_fn=lambda *a: tuple(theirs))
    except srcad.GradientCheckError:
        return "autograd: wrong (disagrees with differences)"
    if _closer_to_differences(program, grads, theirs):
        return "autograd: wrong (further from differences)"    # both within the tolerance
    raise AssertionError(f"srcad's gradient {grads!r} disagrees with autograd's {theirs!r}, "
                         f"which agrees with central differences\n{program}")


def _closer_to_differences(program, ours, theirs):
    """Whether srcad's gradient is at least as close to central differences as autograd's
    (both may pass the check where the gradient is below its absolute tolerance: autograd's
    einsum with size-1 broadcasting is one such case)."""
    wrt = tuple(range(len(program.args)))
    numeric = [srcad.numeric_grad(program.define(), *_copies(program.args), wrt=i) for i in wrt]

    def error(grads):
        return max(float(np.max(np.abs(np.asarray(g) - n))) for g, n in zip(grads, numeric))

    return error(ours) <= error(theirs)


def check_no_source(program, grads, tangent, value):
    """The program rebuilt from bytecode: the same gradient and tangent as from source (or
    central differences, where the source path refused), or a SrcadError."""
    if "no_source" in SKIPPED:
        return "no source: skipped"
    f = program.define(source=False)
    args, wrt = _copies(program.args), tuple(range(len(program.args)))
    try:
        ours = srcad.grad(f, wrt=wrt)(*args)
    except srcad.SrcadError:
        return "no source: refused"
    check_fresh(ours, args, program, "grad without source")
    if grads is None:
        srcad.check_grad(f, *program.args, wrt=wrt, rtol=RTOL, atol=ATOL,
                         grad_fn=lambda *a: ours)
    else:
        assert _agree(ours, grads), (f"without its source the gradient is {ours!r}, from "
                                     f"source {grads!r}\n{program}")
    if tangent is None:
        return "no source: same gradient"
    us, _ = _directions(program)
    try:
        primal, theirs = srcad.jvp(f, wrt=wrt)(*_copies(program.args), *us)
    except srcad.SrcadError:
        return "no source: same gradient, forward refused"
    assert _agree([primal, theirs], [value, tangent]), (
        f"without its source jvp gives {primal!r}, {theirs!r}; from source "
        f"{value!r}, {tangent!r}\n{program}")
    return "no source: same gradient and tangent"


def test_fuzz_programs():
    """Random programs: correct derivatives or a located refusal, never a wrong number."""
    tally = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize=PROFILE == "ci" and SEED is None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(programs())
    def run(program):
        try:
            tally[check_program(program, tally)] += 1
        finally:
            program.forget()

    if SEED is not None:
        run = seed(int(SEED))(run)
    try:
        run()
    finally:                 # the tallies so far, also when a failure stops the run
        total = sum(n for k, n in tally.items() if ":" not in k)
        print(f"\nfuzz profile {PROFILE}: {total} programs: {dict(sorted(tally.items()))}")
    refused = sum(n for k, n in tally.items() if k.startswith("refused"))
    assert refused <= MAX_REFUSED * total, f"too many refusals: {tally}"
    checked = tally["checked"]
    assert checked >= 0.75 * total, f"too few programs fully checked: {tally}"
