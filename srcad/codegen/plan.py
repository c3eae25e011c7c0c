"""What the writer (srcad/codegen/writer.py) decides from the IR alone, before any name is chosen:
which temporaries are inlined at their one use, which runs of equations one line says
(`for W, b in params:`, `a, b = pair`, `(W1, b1), (W2, b2) = params`), which index tuples are
written in the subscript (`x[:, t, :]`), and what is read after a value, which decides whether
it may take the name it is yielded as. The writer consults a `Plan` as it prints; the names
themselves are the writer's (they depend on what it has printed)."""

from bisect import bisect_left

from ..analysis import inplace
from ..ir.nodes import (Block, Const, Eqn, FreeVars, Var, is_const, read_counts, stmt_inputs,
                        sub_blocks)
from ..ir.nodes import walk_eqns
from ..rules import RULES
from ..rules.writes import ARITHMETIC_INTO, WRITES

_CONTAINERS = ("make_list", "make_tuple", "make_dict")
# `v, = res` is a target list; `x[i] = v` and `a += b` (in place) are statements
_STATEMENTS = {"unpack", *WRITES, *ARITHMETIC_INTO}


class Plan:
    """The facts about `fn` the writer's decisions read, found once."""

    def __init__(self, fn):
        self.fn = fn
        self.in_place = inplace.plan(fn)     # ids of the writes done in place (may add copies)
        self.written = {e.args[0] for e in walk_eqns(fn.body) if e.prim in WRITES}
        self.uses = read_counts(fn.body)
        self.defs = {o: e for e in walk_eqns(fn.body) for o in e.outs}
        # `x[:, t, t:t + k]` written in place: the index tuples, and the slices in them
        self.indices, self.index_parts = _index_tuples(fn.body, self.defs)
        self.free_vars = FreeVars()  # each nested block's inputs, found once
        self.spans, self.in_place_at = _preorder(fn.body, self.in_place)

    def index_definitions(self):
        """The ids of the equations that build the index tuples a subscript writes out."""
        return {id(self.defs[v]) for v in self.indices | self.index_parts}

    def inlinable(self, stmts, tail):
        """Temporaries read once, by a later statement of this same block (not a nested one);
        adjoints named only after their primal (`bh`), unless what reads them is a gradient
        the function returns; and the list or tuple the function returns
        (`return [(bW1, bb1), (bW2, bb2)]`)."""
        top = {a for s in stmts for a in stmt_inputs(s) if isinstance(a, Var)}
        top |= {a for a in tail if isinstance(a, Var)}
        nested = {v for s in stmts for sub in sub_blocks(s) for v in self.free_vars(sub)}
        returned = {a for a in tail if isinstance(a, Var)}
        returned |= {a for s in stmts if isinstance(s, Eqn) and s.prim in _CONTAINERS
                     for a in s.args}
        found = {s.out for s in stmts if isinstance(s, Eqn) and len(s.outs) == 1
                 and (s.out.hint is None or s.out.soft_hint and s.out not in returned or
                      tail is self.fn.body.results and s.prim in ("make_list", "make_tuple"))
                 and self.uses.get(s.out) == 1 and s.out in top
                 and s.out not in nested and not RULES[s.prim].effect
                 and s.prim not in _STATEMENTS and s.out not in self.written}
        return found - self.moved_past_a_write(stmts, found)

    def moved_past_a_write(self, stmts, inlinable):
        """The temporaries that, inlined at their reader, would read an array (or a view of
        it) after a write into it in place between their definition and that reader."""
        writes = [k for k, s in enumerate(stmts) if isinstance(s, Eqn) and id(s) in self.in_place]
        if not writes:
            return set()
        where = {s.out: k for k, s in enumerate(stmts) if isinstance(s, Eqn) and len(s.outs) == 1}
        reader = {a: k for k, s in enumerate(stmts) for a in stmt_inputs(s) if isinstance(a, Var)}
        taken = inplace.views_taken(stmts)
        changed = [(k, inplace.views_of(stmts, stmts[k].args[0], k, taken)) for k in writes]
        moved = set()
        for var in inlinable:
            reads = _reads_through(var, self.defs, inlinable)
            if any(where[var] < k < reader.get(var, -1) and reads & seen
                   for k, seen in changed):
                moved.add(var)
        return moved

    def in_place_within(self, stmts):
        """The writes done in place in `stmts` (a run of one block's statements) and the blocks
        they hold, in order: a slice of them all, not a walk (a walk per branch of an if/elif
        chain would walk the rest of the chain again)."""
        if not stmts:
            return []
        first, last = self.spans.get(id(stmts[0])), self.spans.get(id(stmts[-1]))
        if first is None or last is None:      # a statement object found twice in fn
            return [e for e in walk_eqns(Block(list(stmts), ())) if id(e) in self.in_place]
        at = self.in_place_at
        return [e for _, e in at[bisect_left(at, (first[0],)):bisect_left(at, (last[1],))]]

    def read_after(self, stmts, results, j):
        """The vars read after result j's definition in `stmts` (or by the other results);
        None where `stmts` does not define it or it is yielded twice."""
        result = results[j]
        k = next((k for k, s in enumerate(stmts) if result in s.outs), None)
        if k is None or list(results).count(result) > 1:
            return None
        others = [r for i, r in enumerate(results) if i != j]
        return set(self.free_vars(Block(list(stmts[k + 1:]), tuple(others))))

    def read_by_or_after(self, stmt, rest, tail):
        """The vars a compound statement's blocks read, and those read after it."""
        later = set(self.free_vars(Block(list(rest), tuple(tail))))
        for block in sub_blocks(stmt):
            later |= set(self.free_vars(block))
        return later

    def sequence_loop(self, stmt):
        """The `getitem` that picks element i of a sequence for loop index i, first in the
        body of a loop over range(len(seq)) (`for W, b in params:`); else None."""
        body = stmt.body.stmts
        if stmt.reverse or not body or not _is_zero_one(stmt.start, stmt.step):
            return None
        first = body[0]
        if not (isinstance(first, Eqn) and first.prim == "getitem" and
                first.args[1] is stmt.index and self.uses.get(stmt.index) == 1):
            return None
        length = self.defs.get(stmt.stop)
        if length is None or length.prim != "len" or length.args[0] is not first.args[0]:
            return None
        return first

    def tape_loop(self, stmt, rest, tail):
        """The `tape_pop` first in the body of a reverse loop whose index nothing reads, where
        it is the body's one read of the tape and nothing reads the tape after the loop: the
        loop pops each record the forward loop pushed, last first, so it can say
        `for x_2 in reversed(tape):` (no pop call per iteration)."""
        body = stmt.body.stmts
        first = body[0] if stmt.reverse and body else None
        if not (isinstance(first, Eqn) and first.prim == "tape_pop" and
                isinstance(first.args[0], Var) and not self.uses.get(stmt.index)):
            return None
        tape = first.args[0]
        if read_counts(stmt.body).get(tape) != 1 or \
                tape in self.free_vars(Block(list(rest), tuple(tail))):
            return None
        return first

    def taken_apart(self, element, rest):
        """The equations of `rest` that `a, b = element` stands for, if it is only taken apart
        by constant indices 0..n-1 right away; else None."""
        n = self.uses.get(element, 0)
        items = rest[:n]
        return items if n > 1 and takes_apart(element, items, n) else None

    def unpacks(self, stmt, stmts, k):
        """True if the value of stmt, stmts[k], is used only by `a, b = value` right after it."""
        n = self.uses.get(stmt.outs[0], 0)
        return len(stmt.outs) == 1 and n > 1 and stmt.outs[0].hint is None and \
            takes_apart(stmt.outs[0], stmts[k + 1:k + 1 + n], n) and not RULES[stmt.prim].effect

    def nested_unpack(self, stmts, k, inlinable):
        """For `(W1, b1), (W2, b2) = params` where stmts[k:] take every item of `params` (a
        list or tuple of that length, as its kind says) and take apart the items that are
        pairs: ([(take, parts)], True), `parts` the equations taking one item apart (or
        None). Where they do not: the items matched before the mismatch, and False."""
        first = stmts[k]
        if not (isinstance(first, Eqn) and first.prim == "getitem" and
                isinstance(first.args[0], Var) and is_const(first.args[1], 0)):
            return [], False
        seq = first.args[0]
        if seq.kind.tag not in ("list", "tuple") or not seq.kind.items:
            return [], False
        groups, pos = [], k
        for i, item_kind in enumerate(seq.kind.items):
            take = stmts[pos] if pos < len(stmts) else None
            if not (isinstance(take, Eqn) and take.prim == "getitem" and
                    take.args[0] is seq and is_const(take.args[1], i)):
                return groups, False
            n = self.uses.get(take.out, 0)
            parts = stmts[pos + 1:pos + 1 + n]
            apart = take.out.hint is None and item_kind.items is not None and \
                len(parts) > 1 and takes_apart(take.out, parts, n)
            groups.append((take, list(parts) if apart else None))
            pos += 1 + (len(parts) if apart else 0)
        used = [e for take, parts in groups for e in [take] + (parts or [])]
        return groups, len(groups) >= 2 and any(p is not None for _, p in groups) and \
            not any(o in inlinable for e in used for o in e.outs)


def _preorder(body, in_place):
    """id(stmt) -> (its position, one past the last statement nested in it) in walk_stmts'
    order (None for an object found twice), and the [(position, equation)] of the writes done
    in place, in that order: a run of statements is one range of positions."""
    first, spans, at, count = {}, {}, [], 0
    todo = [(False, s) for s in reversed(body.stmts)]
    while todo:
        done, stmt = todo.pop()
        if done:
            spans[id(stmt)] = None if id(stmt) in spans else (first[id(stmt)], count)
            continue
        first[id(stmt)] = count
        if id(stmt) in in_place:
            at.append((count, stmt))
        count += 1
        todo.append((True, stmt))
        todo += [(False, s) for sub in reversed(sub_blocks(stmt)) for s in reversed(sub.stmts)]
    return spans, at


def takes_apart(element, items, uses):
    """`a, b = element` can stand for `items`: they are element[0], element[1], ... in order,
    they are all of element's `uses` (else its name is read without being assigned), and
    element is a list or tuple of exactly that length (unpacking an array of another length
    raises)."""
    kind = element.kind
    if kind.tag not in ("list", "tuple") or kind.items is None or \
            not len(kind.items) == len(items) == uses:
        return False
    return bool(items) and all(isinstance(e, Eqn) and e.prim == "getitem" and
                               e.args[0] is element and isinstance(e.args[1], Const) and
                               e.args[1].value == k for k, e in enumerate(items))


def _reads_through(var, defs, inlinable):
    """The vars the expression of `var` reads once its inlinable operands are inlined."""
    found, stack = set(), [var]
    while stack:
        for a in defs[stack.pop()].args:
            if isinstance(a, Var) and a not in found:
                found.add(a)
                if a in inlinable:
                    stack.append(a)
    return found


def _index_tuples(body, defs):
    """The index tuples (`(slice(None), t, slice(t, t + k), ...)`) that only subscripts read:
    written in each subscript (`x[:, t, t:t + k]`), not as a variable; and the slices and
    integer arithmetic in them (`t + k`) that only such tuples read, written out in each, of
    constants and named values: `a:b` in a subscript costs less than a call of `slice`."""
    only_index, carried, readers = {}, set(), {}

    def visit(block):
        for stmt in block.stmts:
            carried.update(getattr(stmt, "carry_params", ()))
            if not isinstance(stmt, Eqn):
                carried.update(stmt.outs)
            for k, a in enumerate(stmt_inputs(stmt)):
                if isinstance(a, Var):
                    subscript = isinstance(stmt, Eqn) and k == 1 and \
                        (stmt.prim == "getitem" or stmt.prim in WRITES)
                    only_index[a] = only_index.get(a, True) and subscript
                    readers.setdefault(a, []).append(stmt)
            for sub in sub_blocks(stmt):
                visit(sub)
        for a in block.results:
            if isinstance(a, Var):
                only_index[a] = False
                readers.setdefault(a, []).append(None)

    visit(body)
    tuples = {v for v, only in only_index.items() if only and isinstance(defs.get(v), Eqn) and
              defs[v].prim == "make_tuple"}
    parts = {v for v, e in defs.items() if isinstance(e, Eqn) and len(e.outs) == 1 and (
        e.prim == "make_slice" or e.prim in _INT_ARITHMETIC and v.kind.tag == "int")}
    while True:
        kept_tuples = {v for v in tuples if _plain_args(defs[v], parts, carried)}
        users = {id(defs[v]) for v in kept_tuples | parts}
        kept_parts = {v for v in parts if _plain_args(defs[v], parts, carried) and
                      all(r is not None and id(r) in users for r in readers.get(v, [None]))}
        if (kept_tuples, kept_parts) == (tuples, parts):
            return tuples, parts
        tuples, parts = kept_tuples, kept_parts


def _plain_args(eqn, parts, carried):
    """Constants, parts written out themselves, and named values no loop rebinds."""
    return all(isinstance(a, Const) or a in parts or a.hint and not a.soft_hint and
               a not in carried for a in eqn.args)


_INT_ARITHMETIC = ("add", "sub", "mul", "floordiv", "neg")


def _is_zero_one(start, step):
    return isinstance(start, Const) and start.value == 0 and isinstance(step, Const) and \
        step.value == 1
