"""Functions that emit primitives, for writing rules: `cos(x)` inside a rule emits `cos`.

They find the builder through their symbolic arguments (`srcad.ir.builder.Sym`), so this module
needs no builder of its own and every rule file can import it.
"""

from .table import RULES, ZERO  # noqa: F401  (ZERO: rules import it from here)


def op(prim):
    """A function that emits `prim` into the builder of its first symbolic argument.

    Trailing arguments the rule has defaults for may be left out (`sum(g)` is
    `sum(g, None, False)`), as in the NumPy call the primitive stands for.
    """
    def apply(*args):
        first = next(a for a in args if hasattr(a, "builder"))
        return first._op(prim, *args, *_missing_defaults(prim, len(args)))
    apply.__name__ = prim
    return apply


def _missing_defaults(prim, n_given):
    """Default values of the arguments after the first n_given (read at call time: the
    table is filled after this module is imported)."""
    rule = RULES[prim]
    if rule.variadic:
        return ()
    return tuple(rule.defaults[name] for name in rule.arg_names[n_given:])



sin = op("sin")
cos = op("cos")
tan = op("tan")
exp = op("exp")
log = op("log")
sqrt = op("sqrt")
tanh = op("tanh")
sinh = op("sinh")
cosh = op("cosh")
square = op("square")
reciprocal = op("reciprocal")
abs = op("abs")
sign = op("sign")
neg = op("neg")
add = op("add")
sub = op("sub")
mul = op("mul")
div = op("div")
pow = op("pow")
where = op("where")
gt = op("gt")
lt = op("lt")
ge = op("ge")
le = op("le")
eq = op("eq")
ne = op("ne")
logical_not = op("logical_not")
sum = op("sum")
mean = op("mean")
maximum = op("maximum")
minimum = op("minimum")
transpose = op("transpose")
reshape = op("reshape")
shape = op("shape")
matmul = op("matmul")
dot = op("dot")
outer = op("outer")
unbroadcast = op("unbroadcast")
broadcast_like = op("broadcast_like")
zeros_like = op("zeros_like")
add_any = op("add_any")
getitem = op("getitem")
index_adjoint = op("index_adjoint")
adjoint_item = op("adjoint_item")
expand_dims = op("expand_dims")
squeeze = op("squeeze")
broadcast_to = op("broadcast_to")
size = op("size")
ndim = op("ndim")
astype = op("astype")
log1p = op("log1p")
expm1 = op("expm1")
exp2 = op("exp2")
make_tuple = op("make_tuple")
make_list = op("make_list")
swapaxes = op("swapaxes")
moveaxis = op("moveaxis")
einsum = op("einsum")
sigmoid = op("sigmoid")
floor_divide = op("floor_divide")
count = op("count")
