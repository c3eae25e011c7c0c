"""A `match` statement as the if/elif chain it means.

    match kind:                      if kind == "sq":
        case "sq":                       A
            A             ==>        elif kind is None or kind == Mode.ABS:
        case None | Mode.ABS:            B
            B                        else:
        case other:                      other = kind
            C                            C

Literal, singleton (`None`, `True`), value (`Mode.ABS`), capture (`other`), wildcard (`_`),
`|` of patterns that bind no name, and sequence patterns (`[a, b]`, `(first, *rest)`) are
supported; a class or mapping pattern is refused at its line with the if/elif to write. A
subject that is not a plain name is bound to a fresh name first, so it is evaluated once. A
guard sees the captured names as the subject's parts (a capture is bound only in the case that
is taken; Python also binds it when the guard fails).
"""

import ast
import copy

from .syntax import fix_missing_locations

_REWRITE = "write the if/elif chain it means (`if isinstance(v, Point) and v.x == 0: ...`)"


def match_as_if(stmt, subject, refuse):
    """[`subject = <expr>`,] the if chain: a list of statements located at the match."""
    head = []
    if not (isinstance(stmt.subject, ast.Name) and stmt.subject.id == subject):
        head = [ast.Assign([ast.Name(subject, ast.Store())], stmt.subject)]
    orelse = []
    for case in reversed(stmt.cases):
        test, binds = _pattern(case.pattern, ast.Name(subject, ast.Load()), refuse)
        if case.guard is not None:
            guard = _Substitute(dict(binds)).visit(copy.deepcopy(case.guard))
            test = guard if test is None else ast.BoolOp(ast.And(), [test, guard])
        body = [ast.copy_location(ast.Assign([ast.Name(n, ast.Store())], v), case.pattern)
                for n, v in binds] + case.body
        if test is None:
            orelse = body                    # an irrefutable case: the later ones never run
        else:
            orelse = [ast.copy_location(ast.If(test, body, orelse), case.pattern)]
    out = [ast.copy_location(node, stmt) for node in head] + orelse
    for node in out:
        fix_missing_locations(node)
    return out


def _pattern(pattern, subject, refuse):
    """(test or None for always, [(name, expr), ...] to bind) for `subject` matching."""
    if isinstance(pattern, ast.MatchValue):
        return ast.Compare(subject, [ast.Eq()], [pattern.value]), []
    if isinstance(pattern, ast.MatchSingleton):
        return ast.Compare(subject, [ast.Is()], [ast.Constant(pattern.value)]), []
    if isinstance(pattern, ast.MatchAs):
        test, binds = (None, []) if pattern.pattern is None else \
            _pattern(pattern.pattern, subject, refuse)
        return test, binds + ([(pattern.name, subject)] if pattern.name else [])
    if isinstance(pattern, ast.MatchOr):
        parts = [_pattern(p, subject, refuse) for p in pattern.patterns]
        if any(binds for _, binds in parts):
            refuse(pattern, "a `|` pattern that binds names; " + _REWRITE)
        if any(test is None for test, _ in parts):
            return None, []
        return ast.BoolOp(ast.Or(), [test for test, _ in parts]), []
    if isinstance(pattern, ast.MatchSequence):
        return _sequence(pattern, subject, refuse)
    refuse(pattern, f"this match pattern ({type(pattern).__name__}); " + _REWRITE)


def _sequence(pattern, subject, refuse):
    """`[a, *rest, z]`: a list or tuple of the length, and each part matching."""
    stars = [k for k, p in enumerate(pattern.patterns) if isinstance(p, ast.MatchStar)]
    n = len(pattern.patterns) - len(stars)
    size = ast.Call(ast.Name("len", ast.Load()), [subject], [])
    kinds = ast.Tuple([ast.Name("list", ast.Load()), ast.Name("tuple", ast.Load())], ast.Load())
    tests = [ast.Call(ast.Name("isinstance", ast.Load()), [subject, kinds], []),
             ast.Compare(size, [ast.GtE() if stars else ast.Eq()], [ast.Constant(n)])]
    binds = []
    for k, p in enumerate(pattern.patterns):
        if isinstance(p, ast.MatchStar):
            stop = len(pattern.patterns) - k - 1
            part = ast.ListComp(ast.Name("item_", ast.Load()), [ast.comprehension(
                ast.Name("item_", ast.Store()), ast.Subscript(
                    subject, ast.Slice(ast.Constant(k), ast.Constant(-stop) if stop else None),
                    ast.Load()), [], 0)])          # a list, as Python's `*rest`
            binds += [(p.name, part)] if p.name else []
            continue
        index = k if not stars or k < stars[0] else k - len(pattern.patterns)
        test, more = _pattern(p, ast.Subscript(subject, ast.Constant(index), ast.Load()),
                              refuse)
        tests += [test] if test is not None else []
        binds += more
    return ast.BoolOp(ast.And(), tests), binds


class _Substitute(ast.NodeTransformer):
    """A guard's reads of captured names, as the parts of the subject they capture."""

    def __init__(self, binds):
        self.binds = binds

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.binds:
            return self.binds[node.id]
        return node
