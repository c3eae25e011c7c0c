"""Statements Python runs for what they do, not for a value: `print(...)`, logging,
`warnings.warn`, `np.random.seed(0)`, `assert`, a helper called for its checks, and a branch
that ends in `raise`.

srcad does not differentiate these: the derivative runs them as written, in its forward sweep,
on the values the function computes (the primal values, never tangents or adjoints), at the
point where the function runs them. Lowering compiles each such statement, from the user's
own source, into a small function of the local names it reads (`Statement`); generated code
calls it as `print_line5(loss)`. Globals are looked up when it runs, in the function's own
module, as Python does.

What these statements see is read-only: arrays arrive as read-only views, lists and dicts as
read-only copies. A statement that tries to change one of them in place (a helper doing
`x[0] = 0` or `xs.append(v)`, `rng.shuffle(perm)`) would change a value srcad has already
differentiated as unchanged, so it raises a SrcadError naming the user's line instead of
giving a wrong gradient.
"""

import ast
import copy

import numpy as np

from .errors import UnsupportedSyntaxError


class ReadOnlyError(TypeError):
    """A statement run as written tried to change a list or dict srcad passed it."""


def _refuse_change(self, *args, **kwargs):
    raise ReadOnlyError("read-only")


class ReadOnlyList(list):
    """A list the statement may read but not change (it prints as a list)."""

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse_change
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse_change


class ReadOnlyDict(dict):
    """A dict the statement may read but not change (it prints as a dict)."""

    update = pop = popitem = clear = setdefault = _refuse_change
    __setitem__ = __delitem__ = __ior__ = _refuse_change


def read_only(value):
    """`value` as the statement may see it: the same values, nothing it can change."""
    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    if type(value) is list:
        return ReadOnlyList(read_only(v) for v in value)
    if type(value) is dict:
        return ReadOnlyDict((k, read_only(v)) for k, v in value.items())
    if type(value) is tuple:
        return tuple(read_only(v) for v in value)
    return value


class Statement:
    """One statement (or a branch ending in `raise`) of the user's function, compiled from its
    source as a function of the local names it reads."""

    def __init__(self, fn, filename, line, text, source):
        self.fn = fn
        self.filename, self.line, self.text = filename, line, text
        self.source = source            # the definition, as srcad.export writes it
        self.__name__ = fn.__name__

    def __call__(self, *values):
        try:
            self.fn(*[read_only(v) for v in values])
        except ReadOnlyError:
            raise self.changes_argument() from None
        except ValueError as error:
            if "read-only" not in str(error):
                raise
            raise self.changes_argument() from None

    def changes_argument(self):
        return UnsupportedSyntaxError(
            "unsupported: this statement changes an array, list or dict of the function in "
            "place, which srcad cannot follow (it runs statements whose result is dropped "
            "as written, on read-only values); " + (numpy_rewrite(self.text) or
            "return the new value and assign it instead (`x = helper(x)`, "
            "`perm = rng.permutation(perm)`)"),
            filename=self.filename, line=self.line, construct=self.text)


# NumPy's functions that write into their first argument, and the element write srcad
# differentiates instead (an element write is followed as Python does it: lowering/stores.py)
_IN_PLACE_REWRITES = {
    "put_along_axis": "write the elements with an index instead: for a 2-d `a` and axis=1, "
                      "`a[np.arange(a.shape[0])[:, None], indices] = values`",
    "fill_diagonal": "write the diagonal with an index instead: "
                     "`k = np.arange(np.min(a.shape)); a[k, k] = value` (what "
                     "np.fill_diagonal(a, value) does, and srcad differentiates, with wrap=False "
                     "and `a` a name; with wrap=True a tall matrix's diagonal starts again every "
                     "n + 1 rows: write those rows too)",
    "copyto": "write every element instead: `dst[...] = src`",
    "put": "write through a flat copy instead: `flat = a.reshape(-1).copy(); "
           "flat[indices] = values; a = flat.reshape(a.shape)`",
}


def numpy_rewrite(text):
    """The element write to show instead of the statement `text` where it calls one of NumPy's
    functions (or array methods) that write into an argument; None otherwise."""
    for name, rewrite in _IN_PLACE_REWRITES.items():
        if f".{name}(" in text or text.lstrip().startswith(f"{name}("):
            return rewrite
    return None

    def __repr__(self):
        return f"<srcad statement {self.__name__}: {self.text}>"


def call_with_keywords(fn, names, *args):
    """fn(*positional, **dict(zip(names, the last len(names) args)))."""
    split = len(args) - len(names)
    return fn(*args[:split], **dict(zip(names, args[split:])))


class Keywords:
    """`fn` called with its last arguments by keyword: `normal_with_size(0.0, 1.0, shape)` in
    generated code is `rng.normal(0.0, 1.0, size=shape)`."""

    def __init__(self, fn, names):
        self.fn, self.names = fn, tuple(names)
        self.__name__ = f"{getattr(fn, '__name__', 'call')}_with_{'_'.join(names)}"

    def __call__(self, *args):
        return call_with_keywords(self.fn, self.names, *args)

    def __repr__(self):
        return f"<{self.__name__}: {self.fn!r} with keywords {', '.join(self.names)}>"


def compile_statements(stmts, params, name, parsed):
    """A `Statement` running `stmts` (AST nodes of the user's function) with `params` as its
    arguments, its other free names resolved in the function's module when it runs."""
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    definition = ast.FunctionDef(name=name, args=args, body=copy.deepcopy(stmts),
                                 decorator_list=[], returns=None, type_params=[])
    ast.copy_location(definition, stmts[0])
    module = ast.fix_missing_locations(ast.Module([definition], []))
    namespace = {}
    exec(compile(module, parsed.filename, "exec"), parsed.globals, namespace)
    text = " ".join(ast.unparse(s) for s in stmts).replace("\n", " ")
    text = text if len(text) <= 80 else text[:77] + "..."
    return Statement(namespace[name], parsed.filename, stmts[0].lineno, text,
                     ast.unparse(definition))
