"""Which functional updates generated code may write in place.

Lowering turns `out[:, t, :] = h` into `out_2 = setitem(out_1, (:, t, :), h)`, and the
reverse sweep turns it into `bh = bout_2[:, t, :]; bout_1 = setitem(bout_2, (:, t, :), 0.0)`.
Printed as copies, each would cost a whole array per write; a hand-written program writes in
place. Generated code does too where nothing can see the old version any more:

- the old version is an array the code owns: made in the same block by an operation that
  allocates (or by another write), or carried by the loop whose body the write is in, where
  the loop starts from such an array that nothing else reads and each iteration leaves the
  one it wrote;
- everything else that reads the old version comes earlier in the same block and is done
  with it: its result is a new array or a number, or is read no later than the write. A view
  taken from it that is read later (`bh = bout[:, t, :]`, used after `bout[:, t, :] = 0.0`)
  becomes a copy of that region, which is cheaper than a copy of the whole array.

A loop that would write in place into a carried array that it does not own (the cotangent
the caller passed, a read-only broadcast view) copies it once on entry. Everywhere else a
write copies the array first (`out_2 = out_1.copy(); out_2[i] = v`): a residual the reverse
sweep reads, a value on a tape, an array read again in a later iteration.
"""

from dataclasses import replace

import numpy as np

from .fresh import allocates
from ..ir.nodes import Eqn, For, Var, stmt_inputs, sub_blocks
from ..rules.writes import ARITHMETIC_INTO, WRITES

_OWNERS = frozenset(WRITES) | {"copy"} | frozenset(ARITHMETIC_INTO)
_INTO = frozenset(WRITES) | frozenset(ARITHMETIC_INTO)    # what writes into its first argument
_MAX_REPAIRS = 64


def plan(fn):
    """The ids of the write equations of `fn` to do in place; may add copies to fn's IR
    (of a view read after the write, of a loop's start) so that more of them can be."""
    in_place = set()
    for _ in range(_MAX_REPAIRS):           # each round adds one copy
        index = _Index(fn.body)
        changed = False
        for eqn, block, k in index.writes:
            if id(eqn) in in_place:
                continue
            verdict = _Verdict(index, eqn, block, k)
            if verdict.ok():
                in_place.add(id(eqn))
            elif eqn.prim in WRITES and verdict.repair():
                changed = True
                break
        if not changed:
            return in_place
    return in_place


class _Index:
    """Where each var is defined and read, block by block."""

    def __init__(self, body):
        self.defs = {}          # var -> (stmt, block, position)
        self.reads = {}         # var -> [(block, position)]: position len(stmts) = results
        self.carried = {}       # carry param -> (loop, j, its parent block, loop position)
        self.writes = []        # (eqn, block, position)
        self._walk(body)

    def _walk(self, block):
        for k, stmt in enumerate(block.stmts):
            for out in stmt.outs:
                self.defs[out] = (stmt, block, k)
            for a in stmt_inputs(stmt):
                if isinstance(a, Var):
                    self.reads.setdefault(a, []).append((block, k))
            if isinstance(stmt, Eqn) and stmt.prim in _INTO:
                self.writes.append((stmt, block, k))
            for j, param in enumerate(getattr(stmt, "carry_params", ())):
                self.carried[param] = (stmt, j, block, k)
            for sub in sub_blocks(stmt):
                self._walk(sub)
        for a in block.results:
            if isinstance(a, Var):
                self.reads.setdefault(a, []).append((block, len(block.stmts)))


class _Verdict:
    """Whether write `eqn`, statement k of `block`, may overwrite its first argument."""

    def __init__(self, index, eqn, block, k):
        self.index, self.eqn, self.block, self.k = index, eqn, block, k
        self.old = eqn.args[0]
        self.blockers = []       # earlier views of the old version read after the write
        self.entry = None        # (loop, j): the loop whose start to copy

    def ok(self):
        return isinstance(self.old, Var) and self.owned() and self.done_with() and \
            not self.blockers

    def owned(self):
        """The old version is an array this block owns (see the module's doc)."""
        definition = self.index.defs.get(self.old)
        if definition is not None and isinstance(definition[0], Eqn):
            stmt, block, _ = definition
            return block is self.block and _owner(stmt, self.index)
        if definition is not None and isinstance(definition[0], For):   # what a loop left
            loop, block, _ = definition
            j = loop.outs.index(self.old)
            return block is self.block and \
                self.leaves_own(loop, j, loop.carry_params[j]) and self.starts_owned(loop, j)
        carried = self.index.carried.get(self.old)
        if carried is None or carried[0].body is not self.block:
            return False
        loop, j = carried[:2]
        return self.leaves_own(loop, j, self.old) and self.starts_owned(loop, j)

    def leaves_own(self, loop, j, own):
        """Each iteration of `loop` leaves in slot j what it wrote into `own` (the carried
        array, or what an inner loop made of it), read by nothing but the loop."""
        if not isinstance(loop, For):
            return False
        result = loop.body.results[j]
        if result is own:
            return True
        definition = self.index.defs.get(result)
        if definition is None or definition[1] is not loop.body:
            return False
        made = _owner(definition[0], self.index) or own in getattr(definition[0], "outs", ())
        return made and list(loop.body.results).count(result) == 1 and \
            len(self.index.reads.get(result, ())) == 1

    def starts_owned(self, loop, j):
        """Slot j of `loop` starts from an array nothing else reads: made just before the
        loop, or carried in turn by a loop around it that owns it. Where not, the loop is
        noted for a copy on entry."""
        init, (_, parent, position) = loop.carry_init[j], self.index.defs[loop.outs[0]]
        alone = isinstance(init, Var) and list(loop.carry_init).count(init) == 1 and \
            _done(self.index, init, parent, position) == (True, [])
        definition = self.index.defs.get(init)
        if alone and definition is not None:
            if isinstance(definition[0], Eqn) and _owner(definition[0], self.index) and \
                    definition[1] is parent:
                return True
        elif alone and init in self.index.carried:
            outer, i = self.index.carried[init][:2]
            if outer.body is parent and self.leaves_own(outer, i, loop.outs[j]):
                return self.starts_owned(outer, i)
        self.entry = (loop, j)
        return False

    def done_with(self):
        """Every other read of the old version comes earlier in this block and is done."""
        done, self.blockers = _done(self.index, self.old, self.block, self.k)
        return done

    def repair(self):
        """Make a later write possible: copy the views read after it, or the loop's start.
        Whether anything changed."""
        if self.blockers and self.owned():
            for reader in self.blockers:
                _copy_result(self.block, reader)
            return True
        if self.entry is not None and self.done_with() and not self.blockers:
            loop, j = self.entry
            _copy_start(self.index, loop, j)
            return True
        return False


def _done(index, var, block, k):
    """(whether every read of `var` but by statement k of `block` is an earlier equation of
    that block that is done with its memory by then, the views taken from var that are read
    later: to be copied instead)."""
    blockers = []
    for where, position in index.reads.get(var, ()):
        if where is block and position == k:
            continue
        if where is not block or position > k:
            return False, []
        reader = block.stmts[position]
        if not isinstance(reader, Eqn) or reader.prim in WRITES:
            return False, []
        if _outlives(index, reader, block, k):
            if reader.prim != "getitem":
                return False, []
            blockers.append(reader)
    return True, blockers


def _outlives(index, reader, block, k):
    """Whether memory that `reader` hands on (its results that may be views, and views of
    those) is read after statement k of `block`."""
    stack, seen = [o for o in reader.outs if not _new_or_number(reader, o)], set()
    while stack:
        var = stack.pop()
        if var in seen:
            continue
        seen.add(var)
        for where, position in index.reads.get(var, ()):
            if where is not block or position > k:
                return True
            later = block.stmts[position]
            if position == k:
                continue
            if not isinstance(later, Eqn):
                return True
            stack.extend(o for o in later.outs if not _new_or_number(later, o))
    return False


def _owner(stmt, index):
    """Whether `stmt` leaves an array of its own: an operation that allocates, the adjoint of
    an array read (zeros with g at the index), or `unbroadcast` of such an array that only it
    reads, made in the same block (it returns that array or a new sum of it; at least 1-d)."""
    if not isinstance(stmt, Eqn):
        return False
    if stmt.prim in _OWNERS or allocates(stmt.prim):
        return True
    if stmt.prim == "index_adjoint":
        return stmt.out.kind.is_array
    if stmt.prim != "unbroadcast" or not isinstance(stmt.args[0], Var) or \
            not stmt.out.kind.is_array or not stmt.out.kind.ndim:     # g[()] is no array
        return False
    inner, here = index.defs.get(stmt.args[0]), index.defs.get(stmt.out)
    return inner is not None and here is not None and inner[1] is here[1] and \
        len(index.reads.get(stmt.args[0], ())) == 1 and _owner(inner[0], index)


def _new_or_number(reader, out):
    kind = out.kind
    return allocates(reader.prim) or reader.prim in ARITHMETIC_INTO or kind.is_scalar or \
        kind.tag in ("none", "str", "bool") or \
        kind.is_array and kind.dtype == "bool" and reader.prim != "getitem" or \
        reader.prim == "getitem" and _advanced(reader.args[1])


def _advanced(index):
    """Whether an index holds an array of at least one dimension (a mask, integers): NumPy's
    advanced indexing, whose result is always a new array, never a view (`g[mask]`, read
    before `g[mask] = 0.0`, needs no copy)."""
    items = index.kind.items if index.kind.tag == "tuple" and index.kind.items else (index.kind,)
    value = getattr(index, "value", None)
    return any(k.is_array and k.ndim is not None and k.ndim >= 1 for k in items) or \
        isinstance(value, np.ndarray) and value.ndim >= 1


_VIEWS = frozenset({"getitem", "reshape", "transpose", "expand_dims", "squeeze", "swapaxes",
                     "moveaxis", "diagonal", "ravel", "real", "imag", "broadcast_to", "flip",
                     "atleast_1d", "atleast_2d", "atleast_3d"})


def views_of(stmts, array, k, taken=None):
    """`array` and the views taken from it (through views) by `stmts[:k]`: what a write into
    `array` in place at statement k changes too. `taken`: views_taken(stmts), found once for
    all the writes of a block (not a scan of the block's statements for each)."""
    taken = views_taken(stmts) if taken is None else taken
    seen, todo = {array}, [array]
    while todo:
        for j, view in taken.get(todo.pop(), ()):
            if j < k and view not in seen:
                seen.add(view)
                todo.append(view)
    return seen


def views_taken(stmts):
    """{value: [(k, view)]}: the views stmts[k] takes directly from each value."""
    taken = {}
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, Eqn) and stmt.prim in _VIEWS and stmt.args and \
                not _new_or_number(stmt, stmt.out):
            taken.setdefault(stmt.args[0], []).append((k, stmt.out))
    return taken


def _copy_result(block, reader):
    """`view = x[i]` becomes `region = x[i]; view = np.copy(region)`."""
    k = next(k for k, s in enumerate(block.stmts) if s is reader)
    view = reader.out
    region = Var(None, view.kind, view)
    block.stmts[k] = Eqn((region,), reader.prim, reader.args, reader.line)
    block.stmts.insert(k + 1, Eqn((view,), "copy", (region,), reader.line))


def _copy_start(index, loop, j):
    """The loop starts slot j from a copy of its start value, made just before it."""
    _, parent, k = index.defs[loop.outs[0]]
    init = loop.carry_init[j]
    start = Var(init.hint, init.kind, init)
    parent.stmts.insert(k, Eqn((start,), "copy", (init,), loop.line))
    inits = tuple(start if i == j else a for i, a in enumerate(loop.carry_init))
    parent.stmts[k + 1] = replace(loop, carry_init=inits)

