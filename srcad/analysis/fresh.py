"""Every array srcad returns is the caller's own, as a hand-written gradient's would be.

For `np.sum(w * X)` the adjoint of `w` *is* `X`; the vjp of the identity is the cotangent
object itself; the adjoint of `np.sum` is a read-only zero-stride view. Inside generated code
such reuse is what makes it lean, but a returned gradient that is the caller's data turns the
everyday `g *= lr` into a silent change of the training set, and `g += wd * w` on a read-only
view raises. So the last step before code generation decides, statically, which returned
derivative leaf might be a parameter, a constant, a view or another returned leaf, and copies
only those: a leaf computed by an operation that always allocates (`h2.T @ v1`,
`np.sum(v, axis=0)`, `2.0 * x`) is returned as it is, so hot code stays as hand-written.

The primal value is returned as Python computes it (the identity returns its argument).
"""

from dataclasses import replace

from .. import kinds as K
from ..ir.nodes import Block, Const, Eqn, If, Var, read_counts, sub_blocks
from ..rules import RULES

# Operations whose array result is newly allocated on every call (NumPy ufuncs are added by
# `allocates`): an unknown operation is assumed to reuse memory, which costs a copy only.
FRESH = frozenset("""
add sub mul div pow matmul neg pos mod floor_divide logistic
sum mean prod max min std var ptp average dot inner outer tensordot kron cross cumsum cumprod
clip where select concatenate stack vstack hstack dstack column_stack tile repeat pad sort roll
tril triu trace zeros ones full eye arange np_zeros_like ones_like empty empty_like zeros_like
copy copy_tree inv solve pinv det cholesky norm sinc round array scatter_add
sort_adjoint untile unrepeat diag_adjoint diagonal_adjoint shift sinc_grad identity_like astype
empty_adjoint like_number distinct_scatter add_summed log_softmax_picked_adjoint
setitem iadd_at isub_at imul_at idiv_at
""".split())                # a write is on a copy, or in place on an array nothing else reads

# Operations that return their first argument or an array made from it (summed, cast,
# reshaped): as fresh as that argument, and sharing its memory.
THROUGH = frozenset("unbroadcast finish_adjoint reshape reshape_like ravel squeeze "
                    "expand_dims astype_adjoint cast cast_like".split())

_CONTAINERS = ("make_list", "make_tuple", "make_dict")


def own_outputs(fn, mode):
    """`fn` (the final IR of a derivative) returning a copy of each derivative leaf that is
    not certainly a new array of its own; the results of `grad` are all derivatives, the
    other modes return the primal value first."""
    origins = _Origins(fn)
    first_derivative = 0 if mode == "grad" else 1
    seen = set()
    for result in fn.body.results[:first_derivative]:
        for leaf in _leaves(result, origins.defs):
            seen.add(origins.root(leaf))
    copies = []
    # np.copy of a Dask or CuPy array would compute it or bring it to the host: a derivative
    # taking such arrays copies with copy_tree (x.copy(), which each library implements)
    plain = not K.libraries(p.kind for p in fn.params)
    results = [_own(r, origins, seen, copies, plain)
               for r in fn.body.results[first_derivative:]]
    if not copies:
        return fn
    results = fn.body.results[:first_derivative] + tuple(results)
    body = Block(fn.body.stmts + copies, results)
    reads = read_counts(body)
    kept = [s for s in body.stmts if not (
        isinstance(s, Eqn) and s.prim in _CONTAINERS and not reads.get(s.out))]
    return replace(fn, body=Block(kept, results))


def _own(atom, origins, seen, copies, plain=True):
    """`atom`, or a copy of it appended to `copies`; containers built in the code are taken
    apart and rebuilt around their own leaves."""
    if not isinstance(atom, Var) or _immutable(atom):
        return atom
    eqn = origins.defs.get(atom)
    if isinstance(eqn, Eqn) and eqn.prim in _CONTAINERS:
        start = 1 if eqn.prim == "make_dict" else 0
        items = [_own(a, origins, seen, copies, plain) for a in eqn.args[start:]]
        if all(a is b for a, b in zip(items, eqn.args[start:])):
            return atom
        rebuilt = Var(atom.hint, atom.kind)
        copies.append(Eqn((rebuilt,), eqn.prim, eqn.args[:start] + tuple(items), eqn.line))
        return rebuilt
    fresh, root = origins.origin(atom)
    if fresh and root not in seen:
        seen.add(root)
        return atom
    copy = Var(None, atom.kind)
    plain = plain and atom.kind.is_array and atom.kind.ndim is not None and \
        0 < atom.kind.ndim <= 2
    # (a 0-d kind may be a NumPy scalar: copy_tree keeps it one, np.copy would not)
    copies.append(Eqn((copy,), "copy" if plain else "copy_tree", (atom,)))
    return copy


def _immutable(atom):
    return atom.kind.is_scalar or atom.kind.tag in ("none", "str")


def _leaves(atom, defs):
    eqn = defs.get(atom) if isinstance(atom, Var) else None
    if isinstance(eqn, Eqn) and eqn.prim in _CONTAINERS:
        start = 1 if eqn.prim == "make_dict" else 0
        return [leaf for a in eqn.args[start:] for leaf in _leaves(a, defs)]
    return [atom]


class _Origins:
    """For each var: whether it is certainly a new array nobody else holds (`fresh`) and the
    var whose memory it is (`root`): itself, or what it was summed or reshaped from."""

    def __init__(self, fn):
        self.defs = {}            # var -> the statement that binds it
        self.inside = {}          # id(block) -> the vars bound in it, nested blocks included
        self.block_of = {}        # id(eqn) -> the block it is in
        self.carried = {}         # a loop's carry param -> (the loop, its position)
        self.memo = {}
        self._index(fn.body)

    def _index(self, block):
        bound = set()
        for stmt in block.stmts:
            for out in stmt.outs:
                self.defs[out] = stmt
            bound.update(stmt.outs)
            self.block_of[id(stmt)] = block
            for j, param in enumerate(getattr(stmt, "carry_params", ())):
                self.carried[param] = (stmt, j)
            for sub in sub_blocks(stmt):
                bound |= self._index(sub)
        self.inside[id(block)] = bound
        return bound

    def root(self, atom):
        return self.origin(atom)[1]

    def origin(self, atom):
        if not isinstance(atom, Var):
            return not _mutable_const(atom), None
        if atom not in self.memo:
            self.memo[atom] = (False, atom)         # a cycle (never in SSA) stays unowned
            self.memo[atom] = self._origin(atom)
        return self.memo[atom]

    def _origin(self, var):
        if _immutable(var):
            return True, None
        if var in self.carried:          # the start value, or what the body made of it
            loop, j = self.carried[var]
            return self.origin(loop.carry_init[j])[0], var
        stmt = self.defs.get(var)
        if stmt is None:                             # a parameter or a loop index
            return False, var
        if isinstance(stmt, Eqn):
            return self._eqn_origin(stmt, var)
        j = stmt.outs.index(var)
        if isinstance(stmt, If):
            return all(self._owned_result(b, j) for b in (stmt.then, stmt.orelse)), var
        fresh, root = self.origin(stmt.carry_init[j])
        kept = self._owned_result(stmt.body, j, stmt.carry_params[j])
        return fresh and kept, root

    def _eqn_origin(self, eqn, var):
        if allocates(eqn.prim):
            return True, var
        if eqn.prim in THROUGH or eqn.prim == "transpose" and var.kind.ndim in (0, 1, 2):
            return self.origin(eqn.args[0])
        if eqn.prim == "add_at":                 # acc[index] = g, or acc[index] + g
            fresh, root = self.origin(eqn.args[0])
            return fresh and self._stored_owned(eqn.args[2], eqn), root
        return False, var

    def _owned_result(self, block, j, carry=None):
        """Result j of `block` is a new array made in the block (or what it made of the
        loop's `carry`), and no other result's."""
        fresh, root = self.origin(block.results[j])
        if not fresh:
            return False
        if root is None:
            return True
        others = [self.root(r) for k, r in enumerate(block.results) if k != j]
        return (root in self.inside[id(block)] or root is carry) and root not in others

    def _stored_owned(self, item, eqn):
        """The leaves of `item`, stored into a container by `eqn`, are new arrays made in
        eqn's block (each run of a loop body makes new ones) that nothing else holds."""
        block = self.block_of[id(eqn)]
        roots = []
        for leaf in _leaves(item, self.defs):
            fresh, root = self.origin(leaf)
            if not fresh:
                return False
            if root is not None:
                roots.append(root)
        leaving = {self.root(r) for r in block.results}
        return len(set(roots)) == len(roots) and all(
            r in self.inside[id(block)] and r not in leaving for r in roots)


def allocates(prim):
    """Whether `prim` returns a newly allocated array on every call."""
    if prim in FRESH:
        return True
    rule = RULES.get(prim)
    if rule is None or rule.syntax[0] != "call" or not rule.syntax[1].startswith("np."):
        return False
    import numpy as np
    return isinstance(getattr(np, rule.syntax[1][3:], None), np.ufunc)


def _mutable_const(const):
    return not isinstance(const, Const) or not isinstance(
        const.value, (bool, int, float, complex, str, type(None)))
