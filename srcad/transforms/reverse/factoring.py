"""Two contributions to one adjoint that share a factor are summed inside it.

`x` read twice, as in `a * np.sin(x) + b * x`, gets `bx * b` and `bx * a * cos(x)`; added as
they come that is four operations, `bx * (b + a * cos(x))` three. The sum is factored where
both contributions are products with a common operand, one possibly nested one level (`(p *
r) * s`). It never costs an operation: a product still read elsewhere is computed as before
and the sum takes as many as it saved. Products only, and only where what moves inside the sum is a
float (a boolean mask `m` read twice gives `g * m + g * m`, and `m + m` is `m | m`), so the
result is the same number up to rounding, of the same shape and dtype (a product of several
factors promotes to the same dtype in any grouping).
"""


def factored_sum(var, a, b, rb):
    """`p * (q + t)` equal to `a + b`, emitted in the builder `rb`, where a = p * q and b is
    p * t or (p * r) * s (t = r * s) in either order; None where they share no factor or var
    (whose adjoint they are) is not a float."""
    if a is b or not _is_float(var.kind):       # `g + g` saves nothing factored
        return None
    return _factored(a, b, rb) or _factored(b, a, rb)


def _factored(a, b, rb):
    first, second = _factors(a, rb), _factors(b, rb)
    if first is None or second is None:
        return None
    for p in dict.fromkeys(f for f in first if hasattr(f, "kind")):
        q = _other(first, p)
        if p in second and _addable(q, _other(second, p)):
            return rb.emit("mul", p, rb.emit("add", q, _other(second, p)))
        for u in second:
            inner = _factors(u, rb)
            if inner is not None and p in inner and \
                    _addable(q, _other(inner, p), _other(second, u)):
                t = rb.emit("mul", _other(inner, p), _other(second, u))
                return rb.emit("mul", p, rb.emit("add", q, t))
    return None


def _addable(*atoms):
    """Whether the factors that move inside the sum are floats (or int constants): a mask's
    `m + m` is `m | m`, not 2 m, and small integer arrays wrap where floats do not."""
    return all(_is_float(a.kind) or (a.kind.tag == "int" and not hasattr(a, "hint"))
               for a in atoms)


def _factors(atom, rb):
    """The two operands of `atom` where the builder made it as a product, else None."""
    eqn = rb.defined_by.get(atom) if hasattr(atom, "kind") else None
    return eqn.args if eqn is not None and eqn.prim == "mul" else None


def _other(pair, one):
    return pair[1] if pair[0] is one else pair[0]


def _is_float(kind):
    return kind.tag in ("float", "complex") or (
        kind.is_array and kind.dtype is not None and kind.dtype.startswith(("float", "complex")))
