"""scipy.signal's convolutions of real arrays of any number of dimensions, in every mode:
convolve, correlate, fftconvolve, convolve2d, correlate2d. Registered by scipy_rules when the
user has imported scipy.signal (this module never imports SciPy).

Each is linear in each argument. With G the adjoint g placed in zeros shaped like the 'full'
result (where the mode's part sits: centred, as SciPy crops it),

    convolve(a, b):   a's adjoint  correlate(G, b, 'valid')     b's   correlate(G, a, 'valid')
    correlate(a, b) = convolve(a, flip(b)):
                      a's adjoint  convolve(G, b, 'valid')      b's   flip(correlate(G, a, 'valid'))

and the tangents are the operation applied to the tangent. correlate2d's 'same' part sits one
later than convolve2d's where the kernel's length is even (`shift`).
"""

import numpy as np

from .. import kinds as K
from .ops import ZERO, op
from .table import defprim


def _offsets(a, b, out_shape, shift):
    full = np.add(np.shape(a), np.shape(b)) - 1
    before = (full - np.asarray(out_shape) + shift) // 2
    return full, before


def signal_embed(g, a, b, shift=0):
    """g, a part of a convolution of a and b, placed in zeros shaped like the full one."""
    g = np.asarray(g)
    full, before = _offsets(a, b, g.shape, shift)
    return np.pad(g, [(s, f - s - n) for s, f, n in zip(before, full, g.shape)])


def signal_crop(h, a, b, like, shift=0):
    """The part shaped like `like` of a full convolution h of a and b, where SciPy's mode
    keeps it (signal_embed's transpose)."""
    out = np.shape(like)
    _, before = _offsets(a, b, out, shift)
    return np.asarray(h)[tuple(slice(s, s + n) for s, n in zip(before, out))].copy()


def _constant(atom, name, allowed):
    value = getattr(atom.atom, "value", "unknown")
    if value not in allowed:
        raise ValueError(f"scipy.signal: srcad differentiates it with {name} in {allowed}; "
                         f"got {value!r}")
    return value


def register(signal):
    flip = op("flip")
    families = {
        "signal_convolve": (signal.convolve, ("method",), {"method": "auto"}, False, 0,
                            lambda x, y, m, extra: op("signal_correlate")(x, y, m, *extra)),
        "signal_correlate": (signal.correlate, ("method",), {"method": "auto"}, True, 0,
                             lambda x, y, m, extra: op("signal_convolve")(x, y, m, *extra)),
        "fftconvolve": (signal.fftconvolve, ("axes",), {"axes": None}, False, 0,
                        lambda x, y, m, extra: op("fftconvolve")(x, flip(y), m, *extra)),
        "convolve2d": (signal.convolve2d, ("boundary", "fillvalue"),
                       {"boundary": "fill", "fillvalue": 0}, False, 0,
                       lambda x, y, m, extra: op("correlate2d")(x, y, m, *extra)),
        "correlate2d": (signal.correlate2d, ("boundary", "fillvalue"),
                        {"boundary": "fill", "fillvalue": 0}, True, 1,
                        lambda x, y, m, extra: op("convolve2d")(x, y, m, *extra)),
    }
    for name, (fn, extra, defaults, flipped, shift, other) in families.items():
        _convolution(name, fn, extra, defaults, flipped, shift, other)
    defprim("signal_embed", signal_embed, ("impl", "signal_embed"),
            arg_names=("g", "a", "b", "shift"), defaults={"shift": 0},
            kind=lambda g, *rest: g,
            jvp=(lambda dg, ans, g, a, b, s: op("signal_embed")(dg, a, b, s), ZERO, ZERO, ZERO),
            vjp=(lambda h, ans, g, a, b, s: op("signal_crop")(h, a, b, g, s), ZERO, ZERO, ZERO),
            samples=[(_M[:2, :2], _M, _K, 0), (_M, _M, _K, 1), (_V[:3], _V, _V[:3], 0)])
    defprim("signal_crop", signal_crop, ("impl", "signal_crop"),
            arg_names=("h", "a", "b", "like", "shift"), defaults={"shift": 0},
            kind=lambda h, *rest: h,
            jvp=(lambda dh, ans, h, a, b, m, s: op("signal_crop")(dh, a, b, m, s), ZERO, ZERO,
                 ZERO, ZERO),
            vjp=(lambda g, ans, h, a, b, m, s: op("signal_embed")(g, a, b, s), ZERO, ZERO, ZERO,
                 ZERO),
            samples=[(np.arange(40.0).reshape(5, 8) / 9, _M, _K, np.zeros((4, 6)), 1),
                     (np.arange(9.0) / 3, _V, _V[:3], np.zeros(5), 0)])


def _convolution(name, fn, extra, defaults, flipped, shift, other):
    flip = op("flip")
    conv = op(name)

    def check(extras):
        if name in ("convolve2d", "correlate2d"):
            _constant(extras[0], "boundary", ("fill",))
            _constant(extras[1], "fillvalue", (0, 0.0))
        if name == "fftconvolve":
            _constant(extras[0], "axes", (None,))

    def vjp_a(g, ans, a, b, mode, *extras):
        check(extras)
        full = op("signal_embed")(g, a, b, shift)
        return other(full, b, "valid", extras) if not flipped else \
            _same_kind(name, full, b, extras)

    def vjp_b(g, ans, a, b, mode, *extras):
        check(extras)
        full = op("signal_embed")(g, a, b, shift)
        if not flipped:
            return other(full, a, "valid", extras)
        return flip(_correlate_of(name, full, a, extras))

    def jvp(which):
        def tangent(t, ans, a, b, mode, *extras):
            check(extras)
            return conv(t, b, mode, *extras) if which == 0 else conv(a, t, mode, *extras)
        return tangent
    names = ("in1", "in2", "mode") + extra
    defprim(name, _keywords(fn, names), ("impl", name), arg_names=names,
            defaults={"mode": "full", **defaults}, functions=(fn,),
            kind=lambda a, b, *rest: K.floating(K.broadcast(a, b)) if a.is_array and
            b.is_array else K.UNKNOWN,
            jvp=(jvp(0), jvp(1)) + (None,) * (1 + len(extra)),
            vjp=(vjp_a, vjp_b) + (None,) * (1 + len(extra)),
            samples=_samples(extra, defaults, name),
            doc="real arrays, every mode" + ("; boundary='fill', fillvalue=0" if "2d" in name
                                            else "; axes=None" if name == "fftconvolve" else ""))


def _same_kind(name, full, b, extras):
    """The adjoint in a of a correlation: the convolution of the family with b, 'valid'."""
    base = {"signal_correlate": "signal_convolve", "correlate2d": "convolve2d"}[name]
    return op(base)(full, b, "valid", *extras)


def _correlate_of(name, full, a, extras):
    return op(name)(full, a, "valid", *extras)


def _keywords(fn, names):
    def call(in1, in2, *args, **given):
        values = dict(zip(names[2:], args), **given)
        return fn(in1, in2, **values)
    return call


_V = np.array([0.3, -1.2, 0.5, 0.9, 0.1, -0.4, 0.7])
_M = np.array([[0.3, -1.2, 0.5, 0.7, 0.2, -0.1], [0.8, 0.1, -0.6, 1.3, 0.4, 0.5],
               [0.2, 0.4, 1.1, -0.3, -0.8, 0.6], [0.9, -0.5, 0.3, 0.1, 0.7, -0.2]])
_K = np.array([[0.5, -1.0, 0.25], [0.3, 0.8, -0.6]])


def _samples(extra, defaults, name):
    tail = tuple(defaults[e] for e in extra)
    pairs = [(_M, _K), (_K, _M)] if "2d" in name else \
        [(_V, _V[:4]), (_V[:3], _V), (_M, _K), (_K, _M)]
    return [(a, b, mode) + tail for a, b in pairs for mode in ("full", "same", "valid")]
