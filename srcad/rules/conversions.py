"""Conversions and roundings of an active value: np.float64(x) (the identity on a number),
math.floor / math.ceil / math.trunc and Python's round(x) (ints, derivative zero), round(x, n)
and np.round(x, decimals) (piecewise constant: derivative zero, as autograd and JAX give).

Python's semantics decides each result's type: math.floor(1.5) and round(1.5) are ints (so
they may index, or count a loop), round(1.57, 1) is a float, np.float64(x) a NumPy float.
"""

import math

import numpy as np

from .. import kinds as K
from .ops import ZERO, broadcast_like, op
from .table import defprim

_M = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.6]])


def _float64_kind(x):
    """np.float64 of a number or a 0-d array is a NumPy float (a float); of an array, an
    array of float64 of its shape."""
    if x.is_array and x.ndim != 0:
        return K.array(x.ndim, "float64")
    return K.FLOAT if x.is_scalar or x.is_array else K.UNKNOWN


defprim("to_float64", np.float64, ("call", "np.float64"), functions=(np.float64,),
        kind=_float64_kind, shape_from=0,
        jvp=(lambda dx, ans, x: op("to_float64")(dx),),
        vjp=(lambda g, ans, x: g if x.kind.is_scalar else broadcast_like(g, x),),
        doc="the identity on the values (its tangent converted the same way)",
        samples=[(0.7,), (np.array(0.7),), (_M,)])

for _name, _fn in (("math_floor", math.floor), ("math_ceil", math.ceil),
                   ("math_trunc", math.trunc)):
    defprim(_name, _fn, ("call", f"math.{_fn.__name__}"), functions=(_fn,),
            kind=lambda x: K.INT, jvp=(ZERO,), vjp=(ZERO,),
            doc="an int, as Python gives: derivative zero (piecewise constant)")


def _round_kind(number, ndigits):
    """round(x) of a number is an int; round(x, n) a float; of an array, an array."""
    if number.is_array and number.ndim != 0:
        return number
    if not (number.is_scalar or number.is_array):
        return K.UNKNOWN
    return K.INT if ndigits.tag == "none" else K.FLOAT


defprim("py_round", round, ("call", "round"), arg_names=("number", "ndigits"),
        defaults={"ndigits": None}, functions=(round,), kind=_round_kind,
        jvp=(ZERO, ZERO), vjp=(ZERO, ZERO),
        doc="Python's round: an int without ndigits; derivative zero (piecewise constant)")
defprim("round", np.round, ("call", "np.round"), arg_names=("a", "decimals"),
        defaults={"decimals": 0}, functions=(np.round, np.around),
        kind=lambda a, d: a if a.is_array else K.FLOAT, shape_from=0,
        jvp=(ZERO, ZERO), vjp=(ZERO, ZERO),
        doc="derivative zero (piecewise constant), at any number of decimals")
