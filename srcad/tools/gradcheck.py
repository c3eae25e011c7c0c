"""`srcad.check_grads`: the gradient check JAX (`jax.test_util.check_grads`) and autograd
(`autograd.test_util.check_grads`) users know, on srcad's own derivatives.

At first order, the dot-product test of `jvp` and/or `vjp` against a central difference along a
random direction (`numeric.dot_product_check`). At order k > 1, the same check of order k - 1
on the derivative functions themselves: `jvp_f(*args, *us)` and `vjp_f(*args, v)` with random
tangents us and cotangent v held fixed, differentiated by srcad again (forward over forward,
reverse over forward, ... as `modes` says). So order=2 checks every second derivative srcad
writes along random directions, in both modes.
"""

import dataclasses
from typing import Any

import numpy as np

from .. import api, tree
from ..errors import NonDifferentiableError
from .numeric import CheckReport, dot_product_check, extra_arguments, random_direction
from ..frontend.signature import Fn, Wrt, normalise_wrt, signature_of

_MODES = {"fwd": "fwd", "forward": "fwd", "rev": "rev", "reverse": "rev"}


def check_grads(f: Fn, args: tuple | list, order: int = 2,
                modes: tuple[str, ...] | str = ("fwd", "rev"), *, wrt: Wrt | None = None,
                rtol: float | None = None, atol: float | None = None, eps: float | None = None,
                seed: int = 0, **kwargs: Any) -> CheckReport:
    """Check srcad's derivatives of f at `args` (a tuple) up to `order`, in `modes`.

    As in JAX and autograd: modes "fwd" (jvp, forward over forward, ...) and "rev" (vjp,
    reverse over reverse, forward over reverse, ...), first order by the dot-product test
    (<v, jvp(u)> and <u, vjp(v)> against <v, (f(x + tu) - f(x - tu)) / 2t>), order k by checking
    the order k - 1 derivative functions the same way. `wrt` defaults to every argument, as in
    JAX; give it (an index, a name or a tuple, as for srcad.grad) when some arguments are
    counts or flags. rtol (default 1e-6 at first order, 1e-5 above) and atol (1e-8) bound
    |error| <= atol + rtol * size + rounding noise; eps is the difference step; seed fixes
    the random directions. kwargs go to f. Returns a truthy CheckReport listing every
    comparison, or raises GradientCheckError naming the derivative that failed.
    """
    args = tuple(args)
    if isinstance(modes, str):
        modes = (modes,)
    unknown = [m for m in modes if m not in _MODES]
    if unknown or not modes:
        raise ValueError(f"modes must be a non-empty tuple of 'fwd' and 'rev'; got {modes!r}")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order must be a positive int; got {order!r}")
    names = list(signature_of(f).parameters)
    if wrt is None:
        wrt = tuple(range(len(args)))
    positions, _ = normalise_wrt(wrt, names, f)
    options = dict(rtol=rtol, atol=1e-8 if atol is None else atol, eps=eps)
    reports = []
    _check(f, args, kwargs, wrt, positions, order, {_MODES[m] for m in modes}, options,
           np.random.default_rng(seed), reports)
    text = "\n".join([f"srcad.check_grads: {getattr(f, '__name__', 'f')} up to order {order}, "
                      f"modes {tuple(modes)}: {sum(r.checked for r in reports)} comparisons "
                      "agree"] + [r.text for r in reports])
    return CheckReport("dot-product", sum(r.checked for r in reports),
                       max(r.max_abs_err for r in reports), max(r.max_rel_err for r in reports),
                       text)


def _check(f, args, kwargs, wrt, positions, order, modes, options, rng, reports):
    """The dot-product test of f's jvp / vjp, then of those functions down to order 1."""
    jvp_fn = api.jvp(f, wrt=wrt) if "fwd" in modes else None
    vjp_fn = api.vjp(f, wrt=wrt) if "rev" in modes else None
    rtol = options["rtol"]
    if rtol is None:
        rtol = 1e-6 if order == 1 and len(reports) == 0 else 1e-5
    def check(vjp_fn):
        return dot_product_check(f, *args, wrt=wrt, vjp_fn=vjp_fn, jvp_fn=jvp_fn, rtol=rtol,
                                 atol=options["atol"], eps=options["eps"], rng=rng, **kwargs)
    try:
        reports.append(check(vjp_fn))
    except NonDifferentiableError as err:
        if not (reports and vjp_fn is not None and jvp_fn is not None):
            raise
        # reverse over a derivative srcad cannot take again in reverse (a loop's): say so,
        # and check the forward mode over it, which srcad does take
        report = check(None)
        reason = str(err).split("; ")[0]
        reports.append(dataclasses.replace(report, text=report.text + (
            f"\n  reverse mode over this derivative is not supported ({reason}): checked "
            "in forward mode only")))
        vjp_fn = None
    if order == 1:
        return
    if jvp_fn is not None:
        tangents = [random_direction(args[i], rng) for i in positions]
        tail, keywords = extra_arguments(jvp_fn, tangents, kwargs)
        _check(jvp_fn, args + tail, keywords, wrt, positions, order - 1, modes, options, rng,
               reports)
    if vjp_fn is not None:
        cotangent = random_direction(tree.zeros_like(f(*args, **kwargs)), rng)
        tail, keywords = extra_arguments(vjp_fn, (cotangent,), kwargs)
        _check(vjp_fn, args + tail, keywords, wrt, positions, order - 1, modes, options, rng,
               reports)


__all__ = ["check_grads"]
