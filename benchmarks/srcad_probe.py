"""Look inside srcad's generated code: what its tape records, and the cost of a cached call.

The tape of a reverse-mode loop is a Python list named `tape_N` in the generated source
(`tape_1 = []`, `tape_1.append((x, v1))`, `tape_1.pop()`). `tape_size` recompiles that source
with each such list replaced by a counting list and runs it once, so the count is what the
code really pushes, not what the source suggests.
"""

import ast
from dataclasses import dataclass


class CountingTape(list):
    """A list that counts appends and the values in each appended tuple."""

    def __init__(self, items=()):
        super().__init__(items)
        self.pushes = 0
        self.values = 0
        self.peak = len(self)

    def append(self, item):
        super().append(item)
        self.pushes += 1
        self.values += len(item) if isinstance(item, tuple) else 1
        self.peak = max(self.peak, len(self))


@dataclass
class TapeCount:
    """What the generated code recorded in one gradient call."""

    tapes: int          # how many tape lists the code creates (per call, all loops)
    pushes: int         # append calls
    values: int         # values recorded (tuple entries)
    peak_entries: int   # the longest any tape got
    records: list       # the source text of each append, e.g. "tape_1.append((x, v1))"

    def as_dict(self):
        return {"tapes": self.tapes, "pushes": self.pushes, "values": self.values,
                "peak_entries": self.peak_entries, "records": self.records}


class _WrapTapes(ast.NodeTransformer):
    """`tape_N = <value>` becomes `tape_N = _counting_tape(<value>)`."""

    def __init__(self):
        self.records = []

    def visit_Assign(self, node):
        if any(isinstance(t, ast.Name) and t.id.startswith("tape") for t in node.targets):
            node.value = ast.Call(ast.Name("_counting_tape", ast.Load()), [node.value], [])
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "append" and \
                isinstance(func.value, ast.Name) and func.value.id.startswith("tape"):
            self.records.append(ast.unparse(node))
        return node


def generated(g):
    """The latest generated code object srcad compiled for the transform `g`."""
    return g.__srcad__.last


def tape_size(g, args):
    """Count what srcad's generated code for `g` pushes on its tapes in one call g(*args)."""
    code = generated(g)
    wrapper = _WrapTapes()
    tree = ast.fix_missing_locations(wrapper.visit(ast.parse(code.source)))
    tapes = []

    def counting_tape(items):
        tapes.append(CountingTape(items))
        return tapes[-1]

    namespace = dict(code.namespace, _counting_tape=counting_tape)
    # srcad's own generated source, recompiled with counting tapes: the measurement itself
    exec(compile(tree, code.filename + " (tape count)", "exec"), namespace)  # noqa: S102
    namespace[code.function.__name__](*args)
    return TapeCount(len(tapes), sum(t.pushes for t in tapes), sum(t.values for t in tapes),
                     max((t.peak for t in tapes), default=0), wrapper.records)


def _noop(*args):
    return None


def call_overhead(g, args, time_call):
    """Seconds a cached call of `g` spends outside the generated code.

    Every cache entry holding the generated function (srcad keeps more than one cache) is
    swapped for a no-op while timing, so the figure is the wrapper's own work (argument
    kinds, cache lookup, one call), free of the noise of subtracting two timings of the
    array work; where the derivative has guards (on the globals it reads,
    srcad/frontend/live.py), the
    no-op checks them, so the figure includes them. A scalar derivative written into the
    wrapper itself cannot be swapped out: there the figure is the wrapper's time minus the
    generated function's, and None (not measurable) where the call takes so long that the
    difference is timing noise.
    """
    compiled = generated(g).function
    if compiled is g.__srcad__.inlined:
        direct = time_call(compiled, args)
        overhead = time_call(g, args) - direct
        return overhead if direct < 1e-6 and overhead >= 0 else None
    check = generated(g).check

    def checked_noop(*args):        # a specialisation with guards checks them first
        check()

    noop = _noop if check is None else checked_noop
    # the caches, and the wrapper's own namespace: the first array specialisation is called
    # from there, behind a test of the arguments' types (srcad/fastpath.py array_path)
    caches = [c for c in vars(g.__srcad__).values() if isinstance(c, dict)]
    caches += [g.__globals__] if getattr(g, "__globals__", None) is not None else []
    slots = [(cache, key, value) for cache in caches for key, value in list(cache.items())
             if value is compiled or getattr(value, "__wrapped__", None) is compiled]
    if not slots:
        return None
    for cache, key, _ in slots:
        cache[key] = noop
    try:
        return time_call(g, args) - time_call(_noop, args)
    finally:
        for cache, key, value in slots:
            cache[key] = value
