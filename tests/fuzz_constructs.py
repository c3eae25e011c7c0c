"""The fuzzer's grammar, widened to what people write (issue 16): a mixin of productions for
`fuzz_programs.Generator`.

    expr ::= ... | expr[index] | expr if c > k else expr
           | np.squeeze/ravel/outer/cumsum/reshape/.T/.sum() of floats | np.einsum(...)
           | size-1 batch broadcasting (x[None] @ y, x[:, None] * y[None]) | np.vstack(array)
           | np.std/np.var (axes of length 1 too) | np.mean/np.std of a list of arrays
    stmt ::= ... | if c > k: t = <one form> else: t = <another form>
           | a, b = b, a | a, b = e1, e2 | a = b = e | a, b = hK(...)
           | hs = []; for i in range(n): hs = hs + [e] (or hs += [e]); t = <use of hs>
           | fs = [lambda w, k=k: ... for k in (..)]; t = fs[0](e) + fs[1](e) (and loop forms)
           | aliasing through a branch or a loop, then an in-place update (Python's semantics:
             the shared array changes too; srcad must agree or refuse)
           | o = np.zeros(s) (or a copy); o[i] = e in a loop; o[1:] = e; o[mask] = 0.0;
             o[idx] += e; o[..., 0] *= e   (element and slice writes, issue 18)
           | d = {'a': e, 'b': e}; d['c'] = ...; t = d.get(..) / a walk of d.items()

Each table row is (form, operand shapes, result shape[, probe form]); a row's operands are
generated at exactly their shapes, so every program runs in NumPy.
"""

from hypothesis import strategies as st

from fuzz_base import CONSTANTS, Text, Var, disown, fits

# Indexing and slicing: (form, operand shape, result shape); `i` is an int loop index < 3.
INDEXES = [
    ("{}[1]", (3,), ()), ("{}[-1]", (3,), ()), ("{}[0]", (2,), ()), ("{}[1, 2]", (2, 3), ()),
    ("{}[0]", (2, 3), (3,)), ("{}[-1, :]", (2, 3), (3,)), ("{}[:, 1]", (2, 3), (2,)),
    ("{}[:2]", (3,), (2,)), ("{}[1:]", (3,), (2,)), ("{}[::-1]", (3,), (3,)),
    ("{}[::-1]", (2, 3), (2, 3)), ("{}[:, 1:2]", (2, 3), (2, 1)), ("{}[1:]", (2, 3), (1, 3)),
    ("{}[:1, ::-1]", (2, 3), (1, 3)), ("{}[:, 0]", (2, 1), (2,)), ("{}[0]", (1, 3), (3,)),
    ("{}[None]", (3,), (1, 3)), ("{}[:, None]", (2,), (2, 1)), ("{}[1:2]", (3,), (1,)),
    ("{}[..., 2]", (2, 3), (2,)), ("{}[[0, 2, 1]]", (3,), (3,)), ("{}[[1, 0]]", (2, 3), (2, 3)),
    ("np.sum({}[3:])", (3,), ()),
]
LOOP_INDEXES = [("{}[i]", (3,), ()), ("{}[i % 2]", (2, 3), (3,)), ("{}[:, i]", (2, 3), (2,))]
# Floats (and 0-d values) passed to NumPy functions and methods, and shapes of size 1.
NUMPY_FLOATS = [
    ("np.squeeze({})", [()], ()), ("np.squeeze({})", [(2, 1)], (2,)),
    ("np.squeeze({}, axis=0)", [(1, 3)], (3,)), ("np.ravel(np.sin({}))", [()], (1,)),
    ("np.ravel(np.sin({}))", [(1, 3)], (3,)), ("np.sin({}).T", [()], ()),
    ("np.tanh({}).T", [(3,)], (3,)), ("np.cos({}).reshape(1)", [()], (1,)),
    ("np.cos({}).reshape((1, 1))", [()], (1, 1)),
    ("np.exp(np.sin({})).reshape(1, 3)", [(3,)], (1, 3)),
    ("np.sin({}).reshape((2, 1))", [(2,)], (2, 1)), ("np.reshape({}, (1,))", [()], (1,)),
    ("np.asarray({})", [()], ()), ("np.array({})", [()], ()), ("np.cumsum({})", [()], (1,)),
    ("np.cumsum({})", [(3,)], (3,)), ("np.cumsum({}, axis=1)", [(2, 3)], (2, 3)),
    ("np.sin({}).sum()", [()], ()), ("np.tanh({}).mean()", [()], ()),
    ("np.atleast_1d({})", [()], (1,)), ("np.expand_dims({}, 0)", [()], (1,)),
    ("np.mean({})", [()], ()), ("np.std({})", [()], ()), ("np.var({})", [()], ()),
    ("(np.ones(np.sin({}).shape) * {})", [(), ()], ()),
    ("(np.ones(np.cos({}).shape) * {})", [(3,), ()], (3,)),
    ("np.outer({}, {})", [(), (3,)], (1, 3)), ("np.outer({}, {})", [(2,), (3,)], (2, 3)),
    ("np.outer({}, {})", [(2,), ()], (2, 1)), ("np.dot({}, {})", [(), (3,)], (3,)),
    ("np.multiply({}, {})", [(), ()], ()),
]
EINSUMS = [
    ("np.einsum('i,i->', {}, {})", [(3,), (3,)], ()),
    ("np.einsum('ij,j->i', {}, {})", [(2, 3), (3,)], (2,)),
    ("np.einsum('ij,ij->', {}, {})", [(1, 3), (2, 3)], ()),
    ("np.einsum('ij,ij->ij', {}, {})", [(2, 1), (2, 3)], (2, 3)),
    ("np.einsum('ij->j', {})", [(2, 3)], (3,)),
    ("np.einsum('ij,kj->ik', {}, {})", [(2, 3), (1, 3)], (2, 1)),
    ("np.einsum('i,j->ij', {}, {})", [(2,), (3,)], (2, 3)),
    ("np.einsum('...j,j->...', {}, {})", [(2, 3), (3,)], (2,)),
    ("np.einsum('...i,...i->...', {}, {})", [(2, 3), (1, 3)], (2,)),
    ("np.einsum('i...,i...->...', {}, {})", [(2, 3), (2, 1)], (3,)),
    ("np.einsum('bij,bjk->bik', {}[None], {}[None, :, None])[0]", [(2, 3), (3,)], (2, 1)),
    ("np.einsum('i...j,j...k->i...k', {}[:, None, :], {}[:, None, None])[..., 0]",
     [(2, 3), (3,)], (2, 1)),
    ("np.einsum('...ij,...jk', {}[None], {}[:, None])[0]", [(2, 3), (3,)], (2, 1)),
]
# Broadcasting with size-1 batch axes.
BATCHES = [
    ("np.sum({}[None] * {}, axis=0)", [(2, 3), (2, 3)], (2, 3)),
    ("({}[None] @ {})[0]", [(2, 3), (3,)], (2,)),
    ("np.matmul({}[None], {}[None, :, None])[0]", [(2, 3), (3,)], (2, 1)),
    ("np.sum({}[:, None, :] * {}[None, :, :], axis=1)", [(2, 3), (2, 3)], (2, 3)),
    ("({}[None] + {}[:, None])", [(3,), (2,)], (2, 3)),
    ("({}[None] * {}[:, None, None]).sum(axis=0)", [(2, 3), (2,)], (2, 3)),
    ("({} @ {}[None].T)", [(2, 3), (3,)], (2, 1)),
]
# An array where NumPy wants a sequence: iterated along its first axis.
STACK_ONE = [
    ("np.vstack({})", [(2, 3)], (2, 3)), ("np.stack({})", [(2, 3)], (2, 3)),
    ("np.concatenate({})", [(2, 1)], (2,)), ("np.concatenate({})", [(1, 3)], (3,)),
    ("np.hstack({})", [(2, 1)], (2,)), ("np.vstack({})", [(2,)], (2, 1)),
    ("np.stack({})", [(3,)], (3,)), ("np.dstack({})[0, :, 1]", [(2, 3)], (3,)),
    ("np.column_stack({})[:, 0]", [(1, 3)], (3,)),
]
_VAR_GAP = "({0} + 0 * _gap(np.var({1}), 0.0))"
# Moments; a probe form records how close a variance is to 0 (where std has a kink).
MOMENTS = [
    ("np.std({}, axis=1)", [(2, 1)], (2,)), ("np.var({}, axis=0)", [(1, 3)], (3,)),
    ("np.std({}, axis=1, keepdims=True)", [(2, 1)], (2, 1)),
    ("np.var({})", [(3,)], ()), ("np.var({}, axis=0)", [(2, 3)], (3,)),
    ("np.std({})", [(3,)], (), _VAR_GAP.format("np.std({0})", "{0}")),
    ("np.std({}, axis=1, keepdims=True)", [(2, 3)], (2, 1),
     "(np.std({0}, axis=1, keepdims=True) + 0 * _gap(np.var({0}, axis=1), 0.0)[:, None])"),
    ("np.mean([{}, {}], axis=0)", [(3,), (3,)], (3,)), ("np.mean([{}, {}])", [(2, 3)] * 2, ()),
    ("np.std([{}, {}], axis=0)", [(2, 3)] * 2, (2, 3),
     "(np.std([{0}, {1}], axis=0) + 0 * _gap({0}, {1}))"),
    ("np.var([{}, {}])", [(3,), (3,)], ()), ("np.mean([{}, {}], axis=0)", [(), ()], ()),
]
# Where a name may alias another (a view, an operand, a helper's own parameter).
VIEWS = ("np.squeeze(", "np.ravel(", "np.asarray(", "np.atleast_1d(", "np.expand_dims(",
         "np.reshape(")
LAMBDA_BODIES = ["w * k", "np.sin(w) * k", "w * w + k", "np.tanh(k * w)"]


class Constructs:
    """The widened productions; the Generator provides draw, expr, exact, emit, assign, block."""

    # ----- expressions ---------------------------------------------------------------------
    def table(self, rows, scope, target, depth, fresh=True):
        rows = [r for r in rows if fits(r[2], target)]
        if not rows:
            return None
        row = self.draw(st.sampled_from(rows))
        form, shapes, result = row[:3]
        operands = [self.exact(scope, s, depth) for s in shapes]
        if not operands:
            return None
        text = operands[0].map(form, *operands[1:], probe_fmt=row[3] if len(row) > 3 else None,
                               fresh=fresh and not form.startswith(VIEWS)
                               and not form.endswith("]"))      # an item or slice: a view
        return text, result

    def _index(self, scope, target, depth):
        rows = [(f, [s], r) for f, s, r in INDEXES]
        index = next((v.name for v in scope if v.name.startswith("i")), None)
        if index is not None:
            rows += [(f.replace("[i", "[" + index).replace(", i]", ", " + index + "]"), [s], r)
                     for f, s, r in LOOP_INDEXES]
        return self.table(rows, scope, target, depth, fresh=False)

    def _numpy_float(self, scope, target, depth):
        return self.table(NUMPY_FLOATS, scope, target, depth)

    def _einsum(self, scope, target, depth):
        return self.table(EINSUMS, scope, target, depth)

    def _batch(self, scope, target, depth):
        return self.table(BATCHES, scope, target, depth)

    def _stack_one(self, scope, target, depth):
        return self.table(STACK_ONE, scope, target, depth)

    def _moments(self, scope, target, depth):
        return self.table(MOMENTS, scope, target, depth)

    def _ifexp(self, scope, target, depth):
        c, _ = self.expr(scope, (), depth)
        k = Text(self.draw(st.sampled_from(CONSTANTS)))
        a = self.exact(scope, target, depth)
        b = self.exact(scope, target, depth)
        return (c.map("({2} if {0} > {1} else {3})", k, a, b, fresh=False,
                      probe_fmt="({2} if _gap({0}, {1}) > 0 else {3})"), tuple(target))

    def expr_of(self, kind, scope, shape, depth=1):
        """An expression of exactly `shape` made by production `kind` (a leaf if it cannot)."""
        made = getattr(self, "_" + kind)(scope, tuple(shape), depth)
        text, got = made if made is not None else self._leaf(scope, tuple(shape), depth)
        if got == tuple(shape):
            return text
        return text.map("np.broadcast_to({}, " + repr(tuple(shape)) + ")", fresh=False)

    # ----- statements ----------------------------------------------------------------------
    def new_temp(self):
        return f"t{next(self.temps)}"

    def _s_ifassign(self, scope, indent, nesting):
        """One name bound on both paths by different kinds of expression (an index on one,
        a call on the other): what one path keeps for the reverse sweep, the other lacks."""
        shape = self.draw(st.sampled_from(self.shapes))
        forms = [f for f in ("index", "numpy_float", "unary", "call", "einsum", "moments",
                             "leaf", "stack_one", "batch") if f not in self.skipped]
        first = self.draw(st.sampled_from(forms))
        second = self.draw(st.sampled_from([f for f in forms if f != first]))
        cond, _ = self.expr(scope, (), 1)
        k = Text(self.draw(st.sampled_from(CONSTANTS)))
        self.emit(indent, cond.map("if {} > {}:", k, probe_fmt="if _gap({0}, {1}) > 0:"))
        name = self.new_temp()
        owned = {v.name for v in scope if v.owned}
        for kind in (first, second):
            inner = self.block(scope, indent + 1, 0, 1, nesting + 1)
            text = self.expr_of(kind, inner, shape)
            self.assign(indent + 1, name, "=", text)
            inner = disown(inner, text)
            owned &= {v.name for v in inner if v.owned}
            if kind == first:
                self.emit(indent, Text("else:"))
        return [Var(v.name, v.shape, v.name in owned) for v in scope] + [Var(name, shape)]

    def _s_swap(self, scope, indent, nesting):
        names = [v for v in scope if not v.name.startswith("i")]
        pairs = [(a, b) for a in names for b in names if a.name < b.name and a.shape == b.shape]
        if not pairs:
            return self._s_multi(scope, indent, nesting)
        a, b = self.draw(st.sampled_from(pairs))
        self.emit(indent, Text(f"{a.name}, {b.name} = {b.name}, {a.name}"))
        swapped = {a.name: b.owned, b.name: a.owned}
        return [Var(v.name, v.shape, swapped.get(v.name, v.owned)) for v in scope]

    def targets(self, scope, count):
        """`count` names to bind: existing variables (not loop indices) or new temporaries."""
        existing = [v for v in scope if not v.name.startswith("i")]
        chosen = []
        for _ in range(count):
            pool = [v for v in existing if v.name not in {c.name for c in chosen}]
            if pool and self.draw(st.booleans()):
                chosen.append(self.draw(st.sampled_from(pool)))
            else:
                chosen.append(Var(self.new_temp(), self.draw(st.sampled_from(self.shapes))))
        return chosen

    def _s_multi(self, scope, indent, nesting):
        """`a, b = e1, e2`: both sides are evaluated before either name is bound."""
        a, b = self.targets(scope, 2)
        first = self.exact(scope, a.shape, 1)
        known = a.name in {v.name for v in scope}
        if known and fits(a.shape, b.shape) and self.draw(st.integers(0, 2)) == 0:
            second = Text(a.name, fresh=False) if a.shape == b.shape else \
                Text(f"np.broadcast_to({a.name}, {b.shape!r})", fresh=False)
        else:
            second = self.exact(scope, b.shape, 1)
        self.emit(indent, first.map(f"{a.name}, {b.name} = {{}}, {{}}", second))
        self.emit(indent, Text(None, f"_mag({a.name}); _mag({b.name})"))
        return self.rebind(disown(disown(scope, first), second),
                           [(a, first.fresh), (b, second.fresh)])

    def rebind(self, scope, bound):
        """The scope after binding each (Var, fresh) in `bound`."""
        names = {v.name: (v, fresh) for v, fresh in bound}
        after = [Var(v.name, v.shape, names[v.name][1] and v.shape != ())
                 if v.name in names else v for v in scope]
        seen = {v.name for v in scope}
        return after + [Var(v.name, v.shape, fresh and v.shape != ())
                        for v, fresh in bound if v.name not in seen]

    def _s_chain(self, scope, indent, nesting):
        """`a = b = e`: two names for one object."""
        shape = self.draw(st.sampled_from(self.shapes))
        text = self.exact(scope, shape, 1)
        a, b = self.new_temp(), self.new_temp()
        self.emit(indent, text.map(f"{a} = {b} = {{}}"))
        self.emit(indent, Text(None, f"_mag({a})"))
        return disown(scope, text) + [Var(a, shape), Var(b, shape)]

    def _s_unpack(self, scope, indent, nesting):
        """`a, b = hK(...)`, with a helper that returns a pair (`x, y = step(x, y)`)."""
        pairs = [h for h in self.helpers if len(h.results) == 2]
        if not pairs:
            return self._s_multi(scope, indent, nesting)
        helper = self.draw(st.sampled_from(pairs))
        call = self.helper_call(scope, helper, 1)
        a, b = self.targets(scope, 2)
        a, b = Var(a.name, helper.results[0]), Var(b.name, helper.results[1])
        if a.name in {v.name for v in scope} and a.shape != _shape_of(scope, a.name):
            a = Var(self.new_temp(), a.shape)
        if b.name in {v.name for v in scope} and b.shape != _shape_of(scope, b.name):
            b = Var(self.new_temp(), b.shape)
        self.emit(indent, call.map(f"{a.name}, {b.name} = {{}}"))
        self.emit(indent, Text(None, f"_mag({a.name}); _mag({b.name})"))
        return self.rebind(disown(scope, call), [(a, False), (b, False)])

    def _s_listgrow(self, scope, indent, nesting):
        """A list grown in a loop, then read by index, summed, stacked or iterated."""
        shape = self.draw(st.sampled_from(self.shapes))
        steps = self.draw(st.integers(1, 3))
        hs, index, name = f"hs{next(self.temps)}", f"i{nesting}", self.new_temp()
        start = self.draw(st.sampled_from(["[]", "start"]))
        first = self.exact(scope, shape, 1) if start == "start" else Text("[]")
        self.emit(indent, first.map(f"{hs} = [{{}}]" if start == "start" else f"{hs} = []"))
        self.emit(indent, Text(f"for {index} in range({steps}):"))
        item = self.exact(scope + [Var(index, ())], shape, 1)
        grow = self.draw(st.sampled_from([f"{hs} = {hs} + [{{}}]", f"{hs} += [{{}}]"]))
        self.emit(indent + 1, item.map(grow))
        uses = [f"{hs}[0] + 1.5 * {hs}[-1]", f"sum({hs})", f"np.stack({hs}).sum(axis=0)",
                f"np.mean({hs}, axis=0)", f"{hs}[-1] * {hs}[0]", "loop", "loop_inner"]
        use = self.draw(st.sampled_from(uses))
        if use.startswith("loop"):
            rest = "[1:-1]" if use == "loop_inner" else "[1:]"
            self.emit(indent, Text(f"{name} = {hs}[0] * 1.0"))
            self.emit(indent, Text(f"for u in {hs}{rest}:"))
            self.emit(indent + 1, Text(f"{name} = {name} + u * 0.5"))
        else:
            self.emit(indent, Text(f"{name} = {use}"))
        self.emit(indent, Text(None, f"_mag({name})"))
        return scope + [Var(name, shape)]

    def _s_lambdas(self, scope, indent, nesting):
        """Lambdas capturing a loop variable: through a default (`k=k`, bound when each lambda
        is made) or late (the closure sees the variable's last value)."""
        shape = self.draw(st.sampled_from(self.shapes))
        body = self.draw(st.sampled_from(LAMBDA_BODIES))
        name, fs = self.new_temp(), f"fs{next(self.temps)}"
        ks = self.draw(st.sampled_from(["(0.5, -1.2)", "(1.5, 0.3, -0.7)"]))
        form = self.draw(st.sampled_from(["default", "late", "loop"]))
        a = self.exact(scope, shape, 1)
        if form == "loop":
            index = f"i{nesting}"
            self.emit(indent, a.map(f"{name} = {{}} * 0.5"))
            self.emit(indent, Text(f"for {index} in range(2):"))
            self.emit(indent + 1, Text(f"g{fs[2:]} = lambda w, k={index} + 0.5: {body}"))
            self.emit(indent + 1, a.map(f"{name} = {name} + g{fs[2:]}({{}})"))
        else:
            default = ", k=k" if form == "default" else ""
            self.emit(indent, Text(f"{fs} = [lambda w{default}: {body} for k in {ks}]"))
            b = self.exact(scope, shape, 1)
            self.emit(indent, a.map(f"{name} = {fs}[0]({{}}) + {fs}[-1]({{}})", b))
        self.emit(indent, Text(None, f"_mag({name})"))
        return scope + [Var(name, shape)]

    def _s_fill(self, scope, indent, nesting):
        """An array the function makes (`np.zeros`, a copy), filled and updated by element and
        slice writes, in loops too (issue 18)."""
        shape = self.draw(st.sampled_from(sorted(FILLS)))
        out, index = f"o{next(self.temps)}", f"i{nesting}"
        start = self.draw(st.sampled_from(["np.zeros({!r})".format(shape), "copy"]))
        if start == "copy":
            self.emit(indent, self.exact(scope, shape, 1).map(f"{out} = np.array({{}})"))
        else:
            self.emit(indent, Text(f"{out} = {start}"))
        for _ in range(self.draw(st.integers(1, 3))):
            form, shapes = self.draw(st.sampled_from(FILLS[shape]))
            inner = scope + [Var(index, ())] if "{i}" in form else scope
            operands = [self.exact(inner, s, 2) for s in shapes]
            if ">" in form or "<" in form:
                k = "0.5" if ">" in form else "0.3"
                self.emit(indent, Text(None, f"_gap({out}, {k})"))
            lines = form.replace("{o}", out).replace("{i}", index).split("\n")
            for depth, line in enumerate(lines):
                text = operands[0].map(line, *operands[1:]) if operands and "{}" in line \
                    else Text(line)
                self.emit(indent + depth, text)
            self.emit(indent, Text(None, f"_mag({out})"))
        return scope + [Var(out, shape, True)]

    def _s_dicts(self, scope, indent, nesting):
        """Values kept in a dict by name: set, read, .get with a default, walked by .items()."""
        shape = self.draw(st.sampled_from(self.shapes))
        d, name = f"d{next(self.temps)}", self.new_temp()
        a, b, c = (self.exact(scope, shape, 1) for _ in range(3))
        self.emit(indent, a.map(f"{d} = {{{{'a': {{}}, 'b': {{}}}}}}", b))
        self.emit(indent, c.map(f"{d}['c'] = {d}['a'] * 0.5 + {{}}"))
        use = self.draw(st.sampled_from(["get", "items", "values"]))
        if use == "get":
            self.emit(indent, Text(f"{name} = {d}.get('c', 0.0) + {d}.get('z', 1.5) * {d}['b']"))
        else:
            self.emit(indent, Text(f"{name} = {d}['a'] * 1.0"))
            walk = "for k, v in {}.items():" if use == "items" else "for v in {}.values():"
            self.emit(indent, Text(walk.format(d)))
            self.emit(indent + 1, Text(f"{name} = {name} + v * 0.25"))
        self.emit(indent, Text(None, f"_mag({name})"))
        return scope + [Var(name, shape)]

    def _s_alias(self, scope, indent, nesting):
        """An alias made on one path of a branch, or by a loop, then updated in place."""
        owned = [v for v in scope if v.owned and v.shape != ()]
        if not owned or self.draw(st.integers(0, 2)) > 0:    # rarer: srcad may refuse it
            return self._s_temp(scope, indent, nesting)
        self.features.add("alias")
        t = self.draw(st.sampled_from(owned))
        v = self.new_temp()
        update = self.expr(scope, t.shape, 1)[0]
        form = self.draw(st.sampled_from(["branch", "loop", "loop_made"]))
        if form == "branch":
            cond, _ = self.expr(scope, (), 1)
            self.emit(indent, cond.map(f"{v} = {t.name} if {{}} > 0.3 else {t.name} * 1.5",
                                       probe_fmt=f"{v} = {t.name} if _gap({{}}, 0.3) > 0 "
                                                 f"else {t.name} * 1.5"))
            self.emit(indent, update.map(f"{v} += {{}}"))
        elif form == "loop":
            self.emit(indent, Text(f"{v} = {t.name}"))
            self.emit(indent, Text(f"for i{nesting} in range(2):"))
            self.emit(indent + 1, update.map(f"{v} += {{}}"))
            self.emit(indent + 1, Text(f"{v} = {v} * 0.5"))
        else:
            self.emit(indent, Text(f"{v} = {t.name} * 1.0"))
            self.emit(indent, Text(f"for i{nesting} in range(2):"))
            self.emit(indent + 1, update.map(f"{v} = {v} + {{}}"))
            self.emit(indent + 1, Text(f"{t.name} = {v}"))
            self.emit(indent, update.map(f"{v} += {{}}"))
        self.emit(indent, Text(None, f"_mag({v}); _mag({t.name})"))
        return [Var(x.name, x.shape, x.owned and x.name != t.name) for x in scope] + [
            Var(v, t.shape)]


# Writes into a preallocated array: (shape, [(statement form, operand shapes)]); `{o}` is the
# array, `{i}` a loop index over its first axis when the form loops. Forms with a mask write
# record how close the array is to the mask's threshold (a kink) in the probe.
FILLS = {
    (3,): [("for {i} in range(3):\n{o}[{i}] = {}", [()]), ("{o}[1:] = {}", [(2,)]),
           ("{o}[[0, 2]] += {}", [(2,)]), ("{o}[0] *= {}", [()]), ("{o}[::-1] -= {}", [(3,)]),
           ("{o}[{o} > 0.5] = 0.0", []), ("{o}[{o} < 0.3] *= {}", [()])],
    (2, 3): [("for {i} in range(2):\n{o}[{i}] = {}", [(3,)]), ("{o}[:, 1] = {}", [(2,)]),
             ("for {i} in range(2):\n{o}[{i}, :] += {}", [(3,)]), ("{o}[..., 0] *= {}", [()]),
             ("{o}[1, 2] = {}", [()]), ("{o}[{o} > 0.5] = 0.0", []),
             ("{o}[np.arange(2), [0, 2]] -= {}", [(2,)]), ("{o}[:, 1:] = {}", [(2, 2)])],
    (2, 1): [("for {i} in range(2):\n{o}[{i}, 0] = {}", [()]), ("{o}[:, 0] += {}", [(2,)])],
}


def _shape_of(scope, name):
    return next(v.shape for v in scope if v.name == name)
