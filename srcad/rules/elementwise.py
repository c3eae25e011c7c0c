"""Elementwise primitives: arithmetic, the math library, and NumPy's differentiable ufuncs.

A unary rule gives the derivative f'(x) once, as an expression in `ans` and `x`; both modes
follow from it (jvp = dx * f'(x), vjp = g * f'(x)). A binary rule gives its two partial
derivatives; the adjoint is reduced back to each argument's shape (`reduce_to`), and nothing
is emitted for that where the shapes are known to agree.
"""

import math
import operator

import numpy as np

from .. import kinds as K
from .. import runtime
from ..ir.atoms import Var
from .core import reduce_to
from .ops import (ZERO, broadcast_like, cos, cosh, eq, exp, floor_divide, ge, gt, le, log, lt,
                  op, sign, sin, sinh, sqrt, where)
from .table import defprim

to_float = op("to_float")
sinc, sinc_grad, trunc, float_power = op("sinc"), op("sinc_grad"), op("trunc"), op("float_power")
conj, real = op("conj"), op("real")

_POS = 0.7
_ARRAY = np.array([[0.3, 0.6, 0.9], [0.45, 0.2, 0.8]])
_BROADCAST_PAIRS = [
    (np.array([[0.5, 1.5, 2.0], [1.2, 0.8, 1.7]]), np.array([0.9, 1.1, 1.3])),
    (np.array([[0.5], [1.5]]), np.array([[0.9, 1.1, 1.3]])),
    (1.3, np.array([0.7, 1.9])),
]


def unary(name, impl, deriv, *, math_name=None, functions=(), methods=(), samples=None, doc="",
          syntax=None):
    """An elementwise function with derivative `deriv(ans, x)` (a rule-language expression)."""
    defprim(name, impl, syntax or ("call", f"np.{name}"), math=math_name,
            functions=(impl,) + tuple(functions), methods=methods,
            kind=K.floating, shape_from="args", doc=doc,
            jvp=(lambda dx, ans, x: dx * deriv(ans, x),),
            vjp=(lambda g, ans, x: g * deriv(ans, x),),
            samples=samples or [(_POS,), (_ARRAY,)])


def _real(x):
    """True where x's kind says it is real (a complex or unknown kind may be complex)."""
    k = x.kind
    return k.tag in ("float", "int", "bool") or (
        k.is_array and k.dtype is not None and not k.dtype.startswith("complex"))


def _abs_kind(x):
    if x.is_array and str(x.dtype).startswith("complex"):
        return K.Kind("array", ndim=x.ndim, dtype="float32" if x.dtype == "complex64"
                      else "float64", ones=x.ones)
    return K.floating(x)


def zero_derivative(name, impl, functions=(), math_name=None):
    """An elementwise function that is piecewise constant: its derivative is zero (as JAX)."""
    defprim(name, impl, ("call", f"np.{name}"), math=math_name, functions=(impl,) + functions,
            kind=lambda k: k if k.is_array else K.FLOAT, jvp=(ZERO,), vjp=(ZERO,))


def binary(name, impl, dx, dy, *, syntax=None, symbol=None, functions=(), math_name=None,
           samples=None, kind=K.broadcast, vjp_y=None, adjoint_order=None):
    """An elementwise binary function with partial derivatives dx(ans, x, y), dy(ans, x, y);
    `vjp_y(g, ans, x, y)`, where given, is the adjoint in y (reduced to y's shape)."""
    defprim(name, impl, syntax or ("call", f"np.{name}"), arg_names=("x", "y"),
            symbol=symbol, math=math_name, functions=(impl,) + tuple(functions),
            kind=kind, shape_from="args", adjoint_order=adjoint_order,
            jvp=(lambda t, ans, x, y: expand_to(t * dx(ans, x, y), ans),
                 lambda t, ans, x, y: expand_to(t * dy(ans, x, y), ans)),
            vjp=(lambda g, ans, x, y: reduce_to(g * dx(ans, x, y), x),
                 vjp_y or (lambda g, ans, x, y: reduce_to(g * dy(ans, x, y), y))),
            samples=samples or [(0.8, 1.3)] + _BROADCAST_PAIRS)


def expand_to(t, ans):
    """A tangent t broadcast to the shape of ans; nothing where the shapes are known equal."""
    if t.kind.is_scalar and ans.kind.is_scalar:
        return t
    if isinstance(t.atom, Var) and isinstance(ans.atom, Var) and \
            t.builder.shape_class(t.atom) is t.builder.shape_class(ans.atom):
        return t
    return broadcast_like(t, ans)


# ----- arithmetic ----------------------------------------------------------------------------
binary("add", operator.add, lambda ans, x, y: 1.0, lambda ans, x, y: 1.0,
       syntax=("binop", "+"), symbol="+", functions=(np.add,))
binary("sub", operator.sub, lambda ans, x, y: 1.0, lambda ans, x, y: -1.0,
       syntax=("binop", "-"), symbol="-", functions=(np.subtract,))
binary("mul", operator.mul, lambda ans, x, y: y, lambda ans, x, y: x,
       syntax=("binop", "*"), symbol="*", functions=(np.multiply,))


def _div_vjp_y(g, ans, x, y):
    """-g ans / y summed back to y's shape, summed before the division: y is the same along
    the axes it was broadcast over, so sum(g ans) / y is that sum (one full-size product
    instead of two, batch norm's `x_hat / std` in `(x - mu) / std`). Derived before the
    adjoint in x (adjoint_order), which is then g's last read, `g / y`: where g is an array
    the code owns, it is divided in place (codegen/in_place_arithmetic.py), one full-size
    array less at the peak."""
    return -(reduce_to(g * ans, y) / y)


binary("div", operator.truediv, lambda ans, x, y: 1.0 / y, lambda ans, x, y: -(ans / y),
       syntax=("binop", "/"), symbol="/", functions=(np.divide, np.true_divide),
       kind=lambda *ks: K.floating(K.broadcast(*ks)), vjp_y=_div_vjp_y, adjoint_order=(1, 0))
def _log_base(x):
    """log x, with log 1 = 0 standing in at x == 0: the derivative of x ** y in y is then
    0 at a zero base where x ** y is 0 or 1 (y > 0, y == 0), as in JAX and autograd, rather
    than -inf * 0 = nan (docs/nondifferentiable.md). `x + (x == 0)` is x elsewhere, exactly."""
    return log(x + eq(x, 0.0))


binary("pow", operator.pow, lambda ans, x, y: y * x ** (y - 1),
       lambda ans, x, y: _log_base(x) * ans,
       syntax=("binop", "**"), symbol="**", functions=(np.power, pow, math.pow),
       samples=[(0.8, 1.3), (_ARRAY, 2.0), (_ARRAY, 3), (1.7, np.array([0.5, 2.0])),
                (np.array([0, 2]), np.array([2.5, 1.5])), (0, 2.5)]
       + _BROADCAST_PAIRS[:2])
defprim("neg", operator.neg, ("unary", "-"), symbol="-", functions=(np.negative,),
        kind=lambda k: k, shape_from="args",
        jvp=(lambda dx, ans, x: -dx,), vjp=(lambda g, ans, x: -g,),
        samples=[(0.7,), (_ARRAY,)])
defprim("pos", operator.pos, ("unary", "+"), symbol="+", functions=(np.positive,),
        kind=lambda k: k, shape_from="args",
        jvp=(lambda dx, ans, x: dx,), vjp=(lambda g, ans, x: g,), samples=[(0.7,)])

# ----- the math library ----------------------------------------------------------------------
unary("sin", np.sin, lambda ans, x: cos(x), math_name="math.sin", functions=(math.sin,))
unary("cos", np.cos, lambda ans, x: -sin(x), math_name="math.cos", functions=(math.cos,))
unary("tan", np.tan, lambda ans, x: 1.0 + ans * ans, math_name="math.tan",
      functions=(math.tan,))
unary("exp", np.exp, lambda ans, x: ans, math_name="math.exp", functions=(math.exp,))


def logistic(x):
    """1 / (1 + e^-x), the sigmoid; see Builder.rewrite, which recognises it."""
    return 1.0 / (1.0 + np.exp(-x))


unary("logistic", logistic, lambda ans, x: ans * (1.0 - ans),
      syntax=("template", "1.0 / (1.0 + np.exp(-x))"), math_name="1.0 / (1.0 + math.exp(-x))",
      samples=[(_POS,), (_ARRAY - 0.5,)],
      doc="what `1 / (1 + np.exp(-z))` lowers to: its derivative σ(1 - σ) reads only the output")
unary("log", np.log, lambda ans, x: 1.0 / x, math_name="math.log", functions=(math.log,))
unary("sqrt", np.sqrt, lambda ans, x: 0.5 / ans, math_name="math.sqrt",
      functions=(math.sqrt,))
unary("tanh", np.tanh, lambda ans, x: 1.0 - ans * ans, math_name="math.tanh",
      functions=(math.tanh,))
unary("sinh", np.sinh, lambda ans, x: cosh(x), math_name="math.sinh", functions=(math.sinh,))
unary("cosh", np.cosh, lambda ans, x: sinh(x), math_name="math.cosh", functions=(math.cosh,))
unary("arctan", np.arctan, lambda ans, x: 1.0 / (1.0 + x * x), math_name="math.atan",
      functions=(math.atan,))
unary("arcsin", np.arcsin, lambda ans, x: 1.0 / sqrt(1.0 - x * x), math_name="math.asin",
      functions=(math.asin,), samples=[(0.3,), (_ARRAY * 0.9,)])
unary("arccos", np.arccos, lambda ans, x: -1.0 / sqrt(1.0 - x * x), math_name="math.acos",
      functions=(math.acos,), samples=[(0.3,), (_ARRAY * 0.9,)])
unary("arcsinh", np.arcsinh, lambda ans, x: 1.0 / sqrt(x * x + 1.0), math_name="math.asinh",
      functions=(math.asinh,))
unary("arccosh", np.arccosh, lambda ans, x: 1.0 / sqrt(x * x - 1.0), math_name="math.acosh",
      functions=(math.acosh,), samples=[(1.7,), (_ARRAY + 1.5,)])
unary("arctanh", np.arctanh, lambda ans, x: 1.0 / (1.0 - x * x), math_name="math.atanh",
      functions=(math.atanh,), samples=[(0.3,), (_ARRAY * 0.9,)])
unary("log1p", np.log1p, lambda ans, x: 1.0 / (1.0 + x), math_name="math.log1p",
      functions=(math.log1p,))
unary("expm1", np.expm1, lambda ans, x: ans + 1.0, math_name="math.expm1",
      functions=(math.expm1,))
unary("log2", np.log2, lambda ans, x: 1.0 / (x * math.log(2.0)), math_name="math.log2",
      functions=(math.log2,))
unary("log10", np.log10, lambda ans, x: 1.0 / (x * math.log(10.0)), math_name="math.log10",
      functions=(math.log10,))
unary("exp2", np.exp2, lambda ans, x: ans * math.log(2.0))
unary("square", np.square, lambda ans, x: 2.0 * x)
unary("reciprocal", np.reciprocal, lambda ans, x: -(ans * ans))
defprim("abs", np.abs, ("call", "np.abs"), math="abs",
        functions=(np.abs, np.absolute, np.fabs, abs, math.fabs), kind=_abs_kind,
        shape_from="args", doc="abs'(0) = 0, as in JAX; of a complex z: |z|",
        jvp=(lambda dx, ans, x: dx * sign(x) if _real(x) else real(dx * conj(sign(x))),),
        vjp=(lambda g, ans, x: g * sign(x) if _real(x) else g * conj(sign(x)),),
        samples=[(-0.7,), (_ARRAY - 0.5,)])
unary("cbrt", np.cbrt, lambda ans, x: 1.0 / (3.0 * ans * ans))
unary("deg2rad", np.deg2rad, lambda ans, x: math.pi / 180.0, functions=(np.radians,))
unary("rad2deg", np.rad2deg, lambda ans, x: 180.0 / math.pi, functions=(np.degrees,))

zero_derivative("sign", np.sign)
zero_derivative("floor", np.floor, math_name="math.floor")
zero_derivative("ceil", np.ceil, math_name="math.ceil")
zero_derivative("rint", np.rint)
zero_derivative("trunc", np.trunc, functions=(np.fix,))

# ----- binary ufuncs -------------------------------------------------------------------------
binary("maximum", np.maximum,
       lambda ans, x, y: gt(x, y) + 0.5 * eq(x, y), lambda ans, x, y: lt(x, y) + 0.5 * eq(x, y),
       functions=(np.fmax,))
binary("minimum", np.minimum,
       lambda ans, x, y: lt(x, y) + 0.5 * eq(x, y), lambda ans, x, y: gt(x, y) + 0.5 * eq(x, y),
       functions=(np.fmin,))
binary("hypot", np.hypot, lambda ans, x, y: x / ans, lambda ans, x, y: y / ans,
       math_name="math.hypot", functions=(math.hypot,))
binary("arctan2", np.arctan2, lambda ans, x, y: y / (x * x + y * y),
       lambda ans, x, y: -x / (x * x + y * y), math_name="math.atan2", functions=(math.atan2,))
binary("logaddexp", np.logaddexp, lambda ans, x, y: exp(x - ans), lambda ans, x, y: exp(y - ans))
binary("logaddexp2", np.logaddexp2, lambda ans, x, y: 2.0 ** (x - ans),
       lambda ans, x, y: 2.0 ** (y - ans))
binary("copysign", np.copysign, lambda ans, x, y: sign(x) * sign(y), lambda ans, x, y: 0.0,
       math_name="math.copysign", functions=(math.copysign,),
       samples=[(0.8, -1.3), (_ARRAY, -1.0)])
defprim("floor_divide", np.floor_divide, ("binop", "//"), arg_names=("x", "y"), symbol="//",
        functions=(operator.floordiv,), kind=K.broadcast, shape_from="args",
        jvp=(ZERO, ZERO), vjp=(ZERO, ZERO))
binary("mod", np.mod, lambda ans, x, y: 1.0, lambda ans, x, y: -floor_divide(x, y),
       functions=(np.remainder, operator.mod), syntax=("binop", "%"), symbol="%",
       samples=[(2.3, 0.7), (_ARRAY + 1.0, 0.7)])

# ----- selection -----------------------------------------------------------------------------
def _where_kind(c, x, y):
    """np.where broadcasts the condition too, and always returns an array (0-d for scalars)."""
    values = K.broadcast(x, y)
    if not c.is_numeric or not values.is_numeric:
        return K.UNKNOWN
    ndim = max(k.ndim if k.is_array else 0 for k in (c, values))
    dtype = values.dtype if values.is_array else ("int64" if values.tag == "int" else "float64")
    return K.array(ndim, dtype)


def _adjoint_of_where(g, x):
    """g reduced to x; a float for a float x (np.where makes 0-d arrays of scalars)."""
    g = reduce_to(g, x)
    return to_float(g) if x.kind.is_scalar and g.kind.is_array else g


defprim("where", np.where, arg_names=("condition", "x", "y"), functions=(np.where,),
        kind=_where_kind,
        jvp=(ZERO,
             lambda dx, ans, c, x, y: expand_to(where(c, dx, 0.0), ans),
             lambda dy, ans, c, x, y: expand_to(where(c, 0.0, dy), ans)),
        vjp=(ZERO,
             lambda g, ans, c, x, y: _adjoint_of_where(where(c, g, 0.0), x),
             lambda g, ans, c, x, y: _adjoint_of_where(where(c, 0.0, g), y)),
        samples=[(np.array([True, False, True]), np.array([1.0, 2.0, 3.0]),
                  np.array([4.0, 5.0, 6.0])),
                 (np.array([[True], [False]]), np.array([1.0, 2.0]), 0.5)])
def _inside(x, lo, hi):
    """Where clip passes x through: lo <= x <= hi, a bound None (no bound) left out."""
    lo_none, hi_none = (getattr(b.atom, "value", "unknown") is None for b in (lo, hi))
    if lo_none:
        return le(x, hi)
    return ge(x, lo) if hi_none else ge(x, lo) * le(x, hi)


defprim("clip", np.clip, arg_names=("x", "a_min", "a_max"), functions=(np.clip,),
        methods=("clip",), kind=lambda x, lo, hi: K.floating(x) if x.is_numeric else K.UNKNOWN,
        shape_from=0,
        jvp=(lambda dx, ans, x, lo, hi: dx * _inside(x, lo, hi), None, None),
        vjp=(lambda g, ans, x, lo, hi: g * _inside(x, lo, hi), None, None),
        samples=[(_ARRAY, 0.35, 0.7), (1.3, 0.0, 1.0), (_ARRAY, 0.35, None),
                 (_ARRAY, None, 0.7)])

# ----- more ufuncs: sinc, fmod, float_power, heaviside ---------------------------------------
def _sinc_grad2(ans, x):
    """sinc''(x) = -pi^2 sinc(x) - 2 sinc'(x) / x, and -pi^2/3 at 0 (the limit); the rule
    language spelling, so sinc is exact to third order at 0 and to every order elsewhere."""
    zero = eq(x, 0.0)
    safe = where(zero, 1.0, x)
    return where(zero, -math.pi ** 2 / 3.0, -(math.pi ** 2) * sinc(x) - 2.0 * ans / safe)


unary("sinc", np.sinc, lambda ans, x: sinc_grad(x),
      samples=[(0.7,), (_ARRAY - 0.5,), (np.array([0.0, 1.5, -2.0]),)],
      doc="sin(pi x) / (pi x); sinc'(0) = 0")
defprim("sinc_grad", runtime.sinc_grad, ("runtime", "sinc_grad"), kind=K.floating,
        shape_from="args",
        jvp=(lambda dx, ans, x: dx * _sinc_grad2(ans, x),),
        vjp=(lambda g, ans, x: g * _sinc_grad2(ans, x),),
        samples=[(0.7,), (_ARRAY - 0.5,), (np.array([0.0, 1.5, -2.0]),)],
        doc="the derivative of np.sinc")
# fmod(x, y) = x - trunc(x / y) * y has the sign of x (np.remainder / np.mod: the sign of y)
binary("fmod", np.fmod, lambda ans, x, y: 1.0, lambda ans, x, y: -trunc(x / y),
       samples=[(2.3, 0.7), (-2.3, 0.7), (_ARRAY * 2.9 - 1.05, 0.7),
                (np.array([[-2.3], [1.9]]), np.array([0.7, -0.8, 1.1]))])
def _float64_kind(*ks):
    """np.float_power computes in float64 (or wider) whatever its arguments are."""
    kind = K.broadcast(*ks)
    return K.array(kind.ndim, "float64") if kind.is_array else K.floating(kind)


binary("float_power", np.float_power, lambda ans, x, y: y * float_power(x, y - 1.0),
       lambda ans, x, y: _log_base(x) * ans,
       kind=_float64_kind,
       samples=[(0.8, 1.3), (_ARRAY, 2.0), (_ARRAY, 3)] + _BROADCAST_PAIRS)
defprim("heaviside", np.heaviside, arg_names=("x", "y"), functions=(np.heaviside,),
        kind=K.broadcast, shape_from="args",
        jvp=(ZERO, lambda t, ans, x, y: expand_to(t * eq(x, 0.0), ans)),
        vjp=(ZERO, lambda g, ans, x, y: reduce_to(g * eq(x, 0.0), y)),
        samples=[(np.array([-1, 0, 2, 0]), 0.5), (np.array([[0], [3]]), np.array([0.3, 0.6])),
                 (_ARRAY - 0.5, 0.5)],
        doc="a step: no derivative in x; in y (its value at x == 0), 1 where x == 0")
