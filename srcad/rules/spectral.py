"""np.fft and the functions of complex values (np.real, np.imag, np.conj, np.angle, np.abs):
complex intermediate values between real inputs and a real result, so that a power-spectrum
loss of a real signal differentiates.

The convention for the adjoint of a complex value z = u + iv is JAX's: c = dL/du - i dL/dv.
Under it the adjoint of a function that is complex-differentiable (+, *, exp, every FFT) is
its transpose, so the elementwise rules hold as written for complex values; the functions that
are not (real, imag, conj, abs, angle) have their own rules here. Where the argument of a
transform is real its adjoint is the real part of the transposed transform's result.

Each transform `T` has an adjoint primitive `T_adjoint(g, a, ...)`: linear in g, reading only
the shape and realness of `a`; its own adjoint is `T` again, so every order works.
"""

import numpy as np

from .. import kinds as K
from .core import is_complex, is_real
from .ops import ZERO, op
from .table import defprim

conj, real = op("conj"), op("real")

_SIGNAL = np.array([0.3, -1.2, 0.5, 0.8, 0.1, -0.6, 1.1])
_IMAGE = np.array([[0.3, -1.2, 0.5, 0.7], [0.8, 0.1, -0.6, 0.2], [1.1, -0.4, 0.9, -0.3]])
_MINUS_I = np.array(-1j)    # a 0-d array: its kind is known to be complex
_Z = np.array([0.3 - 1.1j, -1.2 + 0.4j, 0.5 + 0.9j])

# name -> (NumPy function, the transposed transform's family, is it n-dimensional)
_TRANSFORMS = {
    "fft": (np.fft.fft, "c2c", False), "ifft": (np.fft.ifft, "c2c", False),
    "rfft": (np.fft.rfft, "r2c", False), "irfft": (np.fft.irfft, "c2r", False),
    "fft2": (np.fft.fft2, "c2c", True), "ifft2": (np.fft.ifft2, "c2c", True),
    "fftn": (np.fft.fftn, "c2c", True), "ifftn": (np.fft.ifftn, "c2c", True),
    "rfft2": (np.fft.rfft2, "r2c", True), "irfft2": (np.fft.irfft2, "c2r", True),
    "rfftn": (np.fft.rfftn, "r2c", True), "irfftn": (np.fft.irfftn, "c2r", True),
}


def _lengths_axes(a, name, size, axes):
    """The transform's axes and lengths (s / n) as NumPy resolves them for `a`."""
    nd = _TRANSFORMS[name][2]
    shape = np.shape(a)
    if not nd:
        axes = (axes if axes is not None else -1,)
        size = None if size is None else (size,)
    elif axes is None:
        axes = (-2, -1) if name.endswith("2") else \
            tuple(range(-len(size), 0)) if size is not None else tuple(range(-len(shape), 0))
    axes = tuple(ax % len(shape) for ax in axes)
    if size is None:
        size = [shape[ax] for ax in axes]
        if _TRANSFORMS[name][1] == "c2r":
            size[-1] = 2 * (size[-1] - 1)
    return tuple(size), axes


def _fit(y, shape, axes):
    """y cut or zero-padded along axes to the lengths of `shape` there."""
    for ax in axes:
        have, want = y.shape[ax], shape[ax]
        if have > want:
            y = np.take(y, np.arange(want), axis=ax)
        elif have < want:
            pad = [(0, 0)] * y.ndim
            pad[ax] = (0, want - have)
            y = np.pad(y, pad)
    return y


def transform_adjoint(g, a, name, size, axes, norm):
    """The adjoint of `a` in np.fft.<name>(a, size, axes, norm) for the adjoint g of its
    result (JAX's convention), real where a is real."""
    size, axes = _lengths_axes(a, name, size, axes)
    family = _TRANSFORMS[name][1]
    inverse = name.startswith("i")
    g = np.asarray(g)
    if family == "c2c":
        y = (np.fft.ifftn if inverse else np.fft.fftn)(g, axes=axes, norm=norm)
    elif family == "r2c":
        shape = list(g.shape)
        shape[axes[-1]] = size[-1]
        y = np.fft.fftn(_fit(g, shape, axes[-1:]), axes=axes, norm=norm)
    else:
        n, last = size[-1], axes[-1]
        c = np.fft.ifft(g, axis=last, norm=norm)
        c = np.take(c, np.arange(n // 2 + 1), axis=last)
        weight = np.full(n // 2 + 1, 2.0)
        weight[0] = 1.0
        if n % 2 == 0:
            weight[-1] = 1.0
        c = c * weight.reshape((-1,) + (1,) * (c.ndim - 1 - last))
        y = np.fft.ifftn(c, axes=axes[:-1], norm=norm) if len(axes) > 1 else c
    y = _fit(y, np.shape(a), axes)
    return y if np.iscomplexobj(a) else np.ascontiguousarray(y.real)


def _transform_kind(name):
    def kind(a, *rest):
        if not a.is_array:
            return K.UNKNOWN
        single = a.dtype in ("float32", "complex64")
        if _TRANSFORMS[name][1] == "c2r":
            return K.array(a.ndim, "float32" if single else "float64")
        return K.array(a.ndim, "complex64" if single else "complex128")
    return kind


def _impl(name):
    fn, _, nd = _TRANSFORMS[name]

    def impl(a, size=None, axes=None, norm=None):
        return fn(a, size, axes, norm) if nd else fn(a, size, -1 if axes is None else axes, norm)
    impl.__name__ = name
    return impl


def _define_transform(name):
    fn, _, nd = _TRANSFORMS[name]
    size, axes = ("s", "axes") if nd else ("n", "axis")
    adjoint = op(name + "_adjoint")
    forward = op(name)
    defprim(name, _impl(name), ("call", f"np.fft.{name}"),
            arg_names=("a", size, axes, "norm"), defaults={size: None, axes: None, "norm": None},
            functions=(fn,), kind=_transform_kind(name),
            jvp=(lambda da, ans, a, s, ax, norm: forward(da, s, ax, norm), None, None, None),
            vjp=(lambda g, ans, a, s, ax, norm: adjoint(g, a, s, ax, norm), None, None, None),
            samples=_transform_samples(name),
            doc="real results" if _TRANSFORMS[name][1] == "c2r" else
            "complex results; the adjoint of a real argument is real")

    def adjoint_impl(g, a, *args, **given):
        values = dict(zip((size, axes, "norm"), args), **given)
        return transform_adjoint(g, a, name, values.get(size), values.get(axes),
                                 values.get("norm"))
    adjoint_impl.__name__ = name + "_adjoint"
    defprim(name + "_adjoint", adjoint_impl, ("impl", name + "_adjoint"),
            arg_names=("g", "a", size, axes, "norm"),
            defaults={size: None, axes: None, "norm": None},
            kind=lambda g, a, *rest: a if a.is_array and str(a.dtype).startswith("complex")
            else K.floating(a),
            jvp=(lambda dg, ans, g, a, s, ax, norm: adjoint(dg, a, s, ax, norm),
                 ZERO, None, None, None),
            vjp=(lambda h, ans, g, a, s, ax, norm: real_like(forward(h, s, ax, norm), g),
                 ZERO, None, None, None),
            samples=[(np.real(_impl(name)(*sample)) * 0.7 + 0.1,) + sample
                     for sample in _transform_samples(name)[:2]])


def _transform_samples(name):
    family, nd = _TRANSFORMS[name][1:]
    if family == "c2r":
        base = np.fft.rfftn(_IMAGE) if nd else np.fft.rfft(_SIGNAL)
        return [(base.real, None, None, None), (base.real * 0.5 + 0.2, None, None, "ortho")]
    if nd:
        return [(_IMAGE, None, None, None), (_IMAGE, (4, 3), (1, 0), "ortho"),
                (_IMAGE, (2, 5), (0, 1), "forward")]
    return [(_SIGNAL, None, None, None), (_SIGNAL, 5, None, "ortho"),
            (_IMAGE, 6, 0, "forward"), (_IMAGE, None, 1, None)]


for _name in _TRANSFORMS:
    _define_transform(_name)


# ----- fftshift / ifftshift: permutations, each the other's transpose ------------------------
def _define_shift(name, other):
    fn = getattr(np.fft, name)
    shift, back = op(name), op(other)
    defprim(name, fn, ("call", f"np.fft.{name}"), arg_names=("x", "axes"),
            defaults={"axes": None}, functions=(fn,),
            kind=lambda x, axes: x if x.is_array else K.UNKNOWN,
            jvp=(lambda dx, ans, x, axes: shift(dx, axes), None),
            vjp=(lambda g, ans, x, axes: back(g, axes), None),
            samples=[(_SIGNAL, None), (_IMAGE, None), (_IMAGE, 1), (_IMAGE, (0,))])


_define_shift("fftshift", "ifftshift")
_define_shift("ifftshift", "fftshift")


# ----- functions of complex values -----------------------------------------------------------
def _real_kind(x):
    if x.is_array:
        dtype = "float32" if x.dtype in ("float32", "complex64") else \
            x.dtype if not str(x.dtype).startswith("complex") else "float64"
        return K.Kind("array", ndim=x.ndim, dtype=dtype, ones=x.ones)
    return x if x.tag in ("float", "int", "bool") else K.UNKNOWN


def real_of(g, x):
    """g as the adjoint of x: its real part where x is real."""
    return g if np.iscomplexobj(x) else np.real(g)


def real_like(g, x):
    """real_of(g, x), decided now where x's kind says whether it is complex."""
    if is_complex(x.kind):
        return g
    if is_real(x.kind):
        return real(g) if not is_real(g.kind) else g
    return op("real_of")(g, x)


defprim("real_of", real_of, ("impl", "real_of"), arg_names=("g", "x"),
        kind=lambda g, x: g if is_complex(x) else _real_kind(g) if is_real(x) else K.UNKNOWN,
        shape_from=0,
        jvp=(lambda dg, ans, g, x: op("real_of")(dg, x), ZERO),
        vjp=(lambda h, ans, g, x: h, ZERO), samples=[(_SIGNAL, _SIGNAL)])
defprim("real", np.real, ("call", "np.real"), functions=(np.real,), attributes=("real",),
        kind=_real_kind, shape_from=0,
        jvp=(lambda dx, ans, x: real(dx),), vjp=(lambda g, ans, x: real_like(g, x),),
        samples=[(_SIGNAL,), (0.7,)], doc="the adjoint of a complex z is dL/du - i dL/dv")
defprim("imag", np.imag, ("call", "np.imag"), functions=(np.imag,), attributes=("imag",),
        kind=_real_kind, shape_from=0,
        jvp=(lambda dx, ans, x: op("imag")(dx),),
        vjp=(lambda g, ans, x: real_like(g * _MINUS_I, x),), samples=[(_SIGNAL,)])
defprim("conj", np.conj, ("call", "np.conj"), functions=(np.conj, np.conjugate),
        methods=("conj", "conjugate"), kind=lambda x: x, shape_from=0,
        jvp=(lambda dx, ans, x: conj(dx),), vjp=(lambda g, ans, x: conj(g),),
        samples=[(_SIGNAL,)])


def _conj_sign(x):
    return conj(op("sign")(x))


def _angle_slope(x):
    """-i conj(z) / |z|^2: the adjoint of z in angle(z) per unit adjoint of the angle."""
    return conj(x) * _MINUS_I / (x * conj(x))


defprim("angle", np.angle, ("call", "np.angle"), functions=(np.angle,), kind=_real_kind,
        shape_from=0,
        jvp=(lambda dx, ans, x: op("imag")(conj(x) * dx) / real(x * conj(x)),),
        vjp=(lambda g, ans, x: real_like(g * _angle_slope(x), x),),
        samples=[(_Z.real + 0.1,)], doc="atan2(imag, real)")
