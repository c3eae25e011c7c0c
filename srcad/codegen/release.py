"""Arrays released as soon as the generated function is done with them.

A hand-written gradient frees the forward pass's arrays while its backward pass runs (`h =
hs.pop()` rebinds the one name it uses); a generated one binds each value to a name of its
own, which holds the array until the function returns. Where a top-level name holds an array
the function made, is read no more, and later statements still make new arrays, `del name`
follows its last use, so the peak of the reverse sweep no longer holds the forward sweep's
values it has finished with (T2x: `h2`, 16 KiB of 100, while `v3 = v2 @ W2.T * (h1 * (1.0 -
h1))` makes its temporaries). Only names bound unconditionally at the top level of the
function qualify (a name a branch or a loop binds may be unbound there), never a parameter,
never one the return statement or a nested function reads.

A loop's step does the same with the arrays it makes for itself (an LSTM's reverse step names
a dozen gate adjoints): bound unconditionally in the body, not carried from the step before,
not read by the loop's header or after the loop, each is released after its last use in the
step, so the next step does not run while the last one's arrays are still held (C2: 1550 ->
1437 KiB, below the hand-written 1477).
"""

import ast


def release_dead_arrays(source, names):
    """`source` (one generated function) with `del` lines after the last use of each name of
    an array (`names`: the writer's {Var: name}) that later statements no longer read, at the
    top level and in the body of each top-level loop; the same text where there is none."""
    arrays = {name for var, name in names.items() if var.kind.is_array}
    fn = ast.parse(source).body[0] if arrays else None
    if fn is None or len(fn.body) < 3 or not isinstance(fn.body[-1], ast.Return):
        return source
    body = fn.body
    params = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    used, nested = _names_of(body)
    candidates = (arrays - params - used[-1] - nested) & _bound_at_top(body)
    releases = _releases(body[:-1], used[:-1], candidates, in_loop=False)
    for k, stmt in enumerate(body):
        if isinstance(stmt, (ast.For, ast.While)) and not stmt.orelse:
            later = set().union(*used[k + 1:])
            releases.update(_loop_releases(stmt, arrays - params - nested - later))
    if not releases:
        return source
    lines = []
    for number, line in enumerate(source.split("\n"), 1):
        lines.append(line)
        if number in releases:
            lines.append(releases[number])
    return "\n".join(lines)


def _releases(body, used, candidates, in_loop):
    """{line number: the `del` line to add after it} for the statements `body` (`used`: the
    names each holds): a name of `candidates` is released after its last use where a later
    statement makes new arrays, or in a loop's body anywhere (the next step makes them)."""
    first, last = {}, {}
    for k, found in enumerate(used):
        for name in found & candidates:
            first.setdefault(name, k)
            last[name] = k
    making = [k for k, stmt in enumerate(body) if _computes(stmt)]
    after = {}
    for name, k in last.items():
        if making and (in_loop or making[-1] > k):
            after.setdefault(k, []).append(name)
    return {body[k].end_lineno: " " * body[k].col_offset + "del " + ", ".join(
        sorted(names, key=lambda n: (first[n], n))) for k, names in after.items()}


def _loop_releases(loop, candidates):
    """The releases in a top-level loop's body of the arrays a step makes for itself: bound
    there unconditionally, read neither before that in the step (a value carried from the
    step before), nor by the loop's header, nor after the loop (`candidates` excludes
    those)."""
    body = loop.body
    used, nested = _names_of(body)
    header = _names_in(loop.iter if isinstance(loop, ast.For) else loop.test)
    if isinstance(loop, ast.For):
        header |= _names_in(loop.target)
    carried = set()
    bound = set()
    for stmt in body:
        carried |= (_loads(stmt) - bound)
        bound |= _stores(stmt)
    mine = (candidates - nested - header - carried) & _bound_at_top(body)
    return _releases(body, used, mine, in_loop=True)


def _loads(stmt):
    """The names a statement reads (an augmented assignment reads its target too)."""
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and (not isinstance(n.ctx, ast.Store) or isinstance(stmt, ast.AugAssign))}


def _stores(stmt):
    """The names a statement of a loop's body binds whenever it runs (a branch's are not)."""
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return {n.id for t in targets for n in ast.walk(t)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return set()


def _names_in(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _names_of(body):
    """([the names each statement holds], the names read inside lambdas or nested functions,
    whose cells must stay bound), in one walk of the body."""
    used, nested = [], set()
    for stmt in body:
        names = set()
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, _NESTED):
                nested |= _names_in(node)
        used.append(names)
    return used, nested


_NESTED = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)


def _bound_at_top(body):
    """Names a top-level assignment of a computed value binds (bound whenever the statement
    after it runs); not a second name for a value (`bh = dout`), a view or an item of a
    container (`x[:, t, :]`, `(W1, b1), ... = params`), whose `del` frees nothing."""
    bound = set()
    for stmt in body:
        if isinstance(stmt, ast.Assign) and not isinstance(stmt.value, _NAMING):
            for target in stmt.targets:
                bound |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                          and isinstance(n.ctx, ast.Store)}
    return bound


_NAMING = (ast.Name, ast.Subscript, ast.Attribute, ast.Constant, ast.Tuple, ast.List)


def _computes(stmt):
    """Whether a statement makes new arrays: an assignment of a computed value, a loop or a
    branch; not an update in place (`bx *= s`) or a call for its effect (a check)."""
    if isinstance(stmt, ast.Assign):
        return not isinstance(stmt.value, _NAMING)
    return isinstance(stmt, (ast.For, ast.While, ast.If))
