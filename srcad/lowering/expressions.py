"""Expression lowering: operators, calls, attributes, subscripts, literals.

A NumPy or math call becomes its primitive (found by identity in the rule table); a call to
the user's own function is inlined with its parameters bound to the argument values; a global,
a closure variable or an attribute of an object is read when the derivative runs, or, where
the code's structure depends on it, specialised on and guarded (srcad/frontend/live.py).

Expressions is the lowering's part `lw.expressions`; own_parts (below) makes every part.
"""

import ast
import inspect

from . import aliasing
from ..frontend import live
from ..errors import SrcadError, UnsupportedSyntaxError
from ..ir.nodes import Const, Var
from .builtins import SPECIAL_CALLS, Builtins
from .argument_writes import CallerArrays
from .calls import Calls
from .caller import AttributeChanges, CallerObjects
from .containers import Containers
from .dynamic import Dynamic
from .effects import Opaque
from .forms import Forms
from .frozen import FrozenDistributions
from .inline import UserFunctions
from .integrate import Integration
from .methods import ContainerMethods
from .nested import DerivativeValue, NestedDerivatives
from .objects import MadeObjects
from .unbound import Unbound
from .operators import Operators
from .peel import Peeling
from .stores import Stores, resolved, same_object
from .types import TypeQuestions
from ..frontend.user_code import user_function
from ..naming import function_value_name as function_name
from ..rules import METHODS, RULES, prim_of, subscript_prim
from .view_writes import ViewWrites
from .writes import Writes
from .values import LocalFunction, RangeValue, Static, StaticSeq, from_python


_OUT = ("; a ufunc's out= is followed in a statement of its own (`np.add(a, b, out=c)` as "
        "`c[...] = np.add(a, b)`): write that statement, then use c")


class Expressions:
    """A part of the lowering `lw` of a function: names, literals, attributes, subscripts,
    calls and the primitives they emit (its `expressions`); `lw.expr` (lowering/dispatch.py)
    finds its expr_X first after the hooks."""

    def __init__(self, lw):
        self.lw = lw

    # ----- values and atoms ------------------------------------------------------------------
    def value_atom(self, value, builder, node):
        """A lowered value as an IR atom (the last handler of `atom`, lowering/dispatch.py);
        tuple literals become make_tuple equations."""
        if isinstance(value, StaticSeq):
            items = [self.lw.atom(v, builder, node) for v in value.items]
            if all(isinstance(a, Const) for a in items):
                return Const((tuple if value.tag == "tuple" else list)(a.value for a in items))
            out = builder.emit("make_tuple" if value.tag == "tuple" else "make_list", *items)
            self.lw.contains[out] = tuple(map(same_object, value.items, items))
            return out
        if isinstance(value, RangeValue):
            return self.lw.calls.range_atom(value, builder, node)
        if isinstance(value, Static) and not callable(value.obj):
            return Const(value.obj)
        if isinstance(value, Static) and isinstance(value.obj, type):
            return Const(value.obj, value.obj.__name__)     # a dtype: x.astype(np.float32)
        if isinstance(value, Static) and getattr(self.lw.derive, "runtime_calls", None):
            return Const(value.obj, function_name(value.obj))   # called when the code runs
        self.lw.refuse(node, f"using {self.describe(value)} as a value; a function is "
                             "resolved when srcad transforms the code: choose it by a "
                             "constant or an argument, and call it (docs/dynamic_python.md)")

    def describe(self, value):
        if isinstance(value, Static):
            return getattr(value.obj, "__name__", repr(value.obj))
        return _described(value)

    def expr_Constant(self, node, env, builder):
        return Const(node.value)

    def expr_Name(self, node, env, builder):
        if node.id in env:
            return self.lw.unbound.read_local(node, env, builder)
        try:
            origin = self.lw.parsed.origin(node.id)
            if origin is None:
                return from_python(self.lw.parsed.lookup(node.id), node.id)    # a builtin
            return self.lw.live.value(origin.read(), origin, self.lw.views)
        except KeyError:
            self.lw.refuse_undefined(node, node.id)

    def expr_Tuple(self, node, env, builder):
        return StaticSeq([self.lw.expr(e, env, builder) for e in self.no_starred(node.elts)])

    def expr_List(self, node, env, builder):
        return StaticSeq([self.lw.expr(e, env, builder) for e in self.no_starred(node.elts)],
                         "list")

    def no_starred(self, elts):
        for e in elts:
            if isinstance(e, ast.Starred):
                self.lw.refuse(e, "starred items (`*xs`) in a literal")
        return elts

    def condition(self, node, env, builder):
        """The truth value of a test expression: a Const when known now, else a bool atom."""
        value = self.lw.expr(node, env, builder)
        if isinstance(value, StaticSeq):
            return Const(bool(value.items))
        return self.condition_of(self.lw.atom(value, builder, node), builder, node)

    def condition_of(self, atom, builder, node):
        if isinstance(atom, Const):
            try:
                return Const(bool(atom.value))
            except ValueError as err:
                self.lw.refuse(node, f"an ambiguous truth value: {err}")
        if atom.kind.tag == "bool":
            return atom
        return self.lw.emit("truth", [atom], builder, node)

    # ----- attributes and subscripts ---------------------------------------------------------
    def value_attribute(self, node, env, builder):
        base = self.lw.expr(node.value, env, builder)
        if isinstance(base, Static):
            return self.lw.object_attribute(node, base.obj, getattr(base.obj, "__name__", None))
        atom = self.lw.atom(base, builder, node)
        if isinstance(atom, Const) and not hasattr(atom.value, "shape"):
            return self.lw.object_attribute(node, atom.value, atom.name)
        return self.lw.calls.runtime_attribute(node, atom, builder)

    def live_attribute(self, node, obj, obj_name):
        """`obj.name` for an object known now: a constant of NumPy, math or a plain value
        (`np.pi`, `(2).real`), else read when the function runs (`self.lw.W`, `config.lr`)."""
        try:
            value = getattr(obj, node.attr)
        except AttributeError:
            self.lw.refuse(node, f"{getattr(obj, '__name__', repr(obj))} has no attribute "
                              f"{node.attr!r}")
        if live.is_constant_attribute(obj) or not live.has_live_attributes(obj):
            return from_python(value, node.attr)
        return self.lw.live.value(value, live.attribute_origin(obj, obj_name, node.attr),
                               self.lw.views)

    def value_subscript(self, node, env, builder):
        base = self.lw.expr(node.value, env, builder)
        if isinstance(base, Const) and subscript_prim(base.value):
            return self.subscript_call(node, base.value, env, builder)
        index = self.lw.index(node.slice, env, builder)
        if isinstance(base, StaticSeq) and isinstance(index, Const) and \
                isinstance(index.value, int):
            return base.items[index.value]
        if isinstance(base, Static):
            base = Const(base.obj)
        atom = self.lw.atom(base, builder, node)
        if isinstance(atom, Const) and isinstance(index, Const) and \
                isinstance(atom.value, (dict, list, tuple)):
            return from_python(atom.value[index.value])
        return self.lw.emit("getitem", [atom, index], builder, node)

    def subscript_call(self, node, obj, env, builder):
        """np.r_[a, b] / np.c_[a, b]: the primitive of the subscripted object applied to the
        list of items; constant items alone are evaluated here (np.r_[0:3, 7])."""
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        items = [self.lw.index(e, env, builder) for e in elts]
        if all(isinstance(a, Const) for a in items):
            return Const(obj[tuple(a.value for a in items)])
        if any(isinstance(a, Const) and isinstance(a.value, (slice, str)) for a in items):
            self.lw.refuse(node, "a slice or a directive string in np.r_/np.c_ together with "
                              "arrays; build the range with np.arange and join with "
                              "np.concatenate")
        arrays = builder.emit("make_list", *items)
        return self.lw.emit(subscript_prim(obj), [arrays], builder, node)

    def value_index(self, node, env, builder):
        if isinstance(node, ast.Slice):
            lw = self.lw
            parts = [lw.atom(lw.expr(p, env, builder), builder, node) if p else Const(None)
                     for p in (node.lower, node.upper, node.step)]
            if all(isinstance(p, Const) for p in parts):
                return Const(slice(*[p.value for p in parts]))
            return self.lw.emit("make_slice", parts, builder, node)
        if isinstance(node, ast.Tuple):
            items = [self.lw.index(e, env, builder) for e in node.elts]
            return self.lw.atom(StaticSeq(items), builder, node)
        return self.lw.atom(self.lw.expr(node, env, builder), builder, node)

    # ----- calls -----------------------------------------------------------------------------
    def call_expression(self, node, env, builder):
        """`f(...)`: the callee and arguments lowered, the call lowered (`call`); expr_Call
        of lw.caller_objects runs it between its notes of what the call changes (caller.py)."""
        if isinstance(node.func, ast.Attribute):
            base = self.lw.expr(node.func.value, env, builder)
            if not isinstance(base, Static) and not (isinstance(base, Const) and
                                                     not hasattr(base.value, "shape")):
                return self.lw.method_call(node, base, env, builder)
        callee = self.lw.expr(node.func, env, builder)
        args = self.lw.calls.call_args(node, env, builder)
        kwargs = self.lw.calls.call_kwargs(node, env, builder)
        self.lw.refuse_changed_arguments(node, callee, args, kwargs, env, builder)
        return self.lw.call(node, callee, args, kwargs, builder)

    def value_method_call(self, node, base, env, builder):
        name = node.func.attr
        args = self.lw.calls.call_args(node, env, builder)
        kwargs = self.lw.calls.call_kwargs(node, env, builder)
        found = self.lw.container_method(node, base, args, kwargs, env, builder)
        if found is not None:
            return found
        atom = self.lw.atom(base, builder, node)
        if name in ("reshape", "transpose") and len(args) > 1:
            args = [StaticSeq(args)]
        if name == "copy" and not args and atom.kind.is_container:
            return atom                  # a copy of a container of values: the same values
        if name == "copy" and not args:
            return self.lw.emit("copy", [atom], builder, node)    # a new array: `y += 1` may follow
        prim = None if atom in self.lw.opaque.instances else METHODS.get(name)
        if prim is None:
            return self.lw.opaque.opaque_method(node, atom, name, args, kwargs, builder)
        return self.bind_and_emit(prim, [atom] + args, kwargs, builder, node)

    def call_value(self, node, callee, args, kwargs, builder):
        if isinstance(callee, LocalFunction):
            return self.lw.functions.inline_local(node, callee, args, kwargs, builder)
        if isinstance(callee, DerivativeValue):
            return self.lw.nested.call_derivative(node, callee, args, kwargs, builder)
        if isinstance(callee, Static) and aliasing.is_srcad_transform(callee.obj):
            return self.lw.nested.derivative_value(node, callee.obj, args, kwargs)
        if not isinstance(callee, Static):      # Tanh()(x), a function passed as an argument
            return self.lw.dynamic.call_runtime_value(node, callee, args, kwargs, builder)
        fn = callee.obj
        if inspect.ismethod(fn) and user_function(fn.__func__) and prim_of(fn) is None:
            first = fn.__func__.__code__.co_varnames[:1] or ("self",)
            args = [Const(fn.__self__, first[0])] + list(args)     # obj.method(...): self is known
            return self.lw.functions.inline(node, fn.__func__, args, kwargs, builder)
        special = SPECIAL_CALLS.get(fn) if _hashable(fn) else None
        if special is not None:
            return self.lw.special_call(special)(node, args, kwargs, builder)
        prim = prim_of(fn)
        if prim is not None:
            return self.bind_and_emit(prim, args, kwargs, builder, node)
        if user_function(fn):
            return self.lw.functions.call(node, fn, args, kwargs, builder)
        return self.lw.call_object(node, fn, args, kwargs, builder)

    def bind_and_emit(self, prim, args, kwargs, builder, node):
        rule = RULES[prim]
        if rule.variadic:
            if kwargs:
                self.lw.refuse(node, f"keyword arguments ({', '.join(kwargs)}=) to {prim}")
            return self.lw.emit(prim, [self.lw.atom(a, builder, node) for a in args], builder, node)
        names = rule.arg_names
        if len(args) > len(names):
            self.lw.refuse(node, f"{len(args)} positional arguments to {prim} (at most "
                                 f"{len(names)})")
        bound = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in bound:
                self.lw.refuse(node, f"the argument {key}= of {prim}" + _OUT * (key == "out"))
            bound[key] = value
        atoms = []
        for name in names:
            if name not in bound and name not in rule.defaults:
                self.lw.refuse(node, f"a call to {prim} without its argument {name!r}")
            value = bound.get(name, Const(rule.defaults.get(name)))
            atoms.append(self.lw.atom(value, builder, node))
        return self.lw.emit(prim, atoms, builder, node)

    def emit_primitive(self, prim, atoms, builder, node, kind=None):
        """The equation prim(*atoms) (the builder may fold it to a value), with what it may
        share and hold noted; `emit` (lowering/dispatch.py) calls it."""
        builder.line = getattr(node, "lineno", builder.line)
        try:
            operands = [resolved(a) for a in atoms]
            out = builder.emit(prim, *operands, kind=kind, exact=True)
            if _shares(prim, atoms, out) and isinstance(out, Var) and _made_now(builder, out):
                self.lw.views.add(out)          # may share memory with another array
                if atoms and isinstance(atoms[0], Var):
                    self.lw.view_base[out] = atoms[0]
            if prim in _HOLDING and isinstance(out, Var):
                self.lw.contains[out] = tuple(atoms)     # the objects, new ones included
            return self.lw.stores.new_object(prim, operands, out, builder)
        except SrcadError as err:
            err.locate(self.lw.filename, getattr(node, "lineno", None))
            raise
        except Exception as err:     # noqa: BLE001 - constant folding of a bad expression
            raise UnsupportedSyntaxError(f"cannot lower {self.lw.source_of(node)}: {err}",
                                         filename=self.lw.filename, line=node.lineno,
                                         construct=self.lw.source_of(node)) from err

    def local_function(self, node, env, builder):
        """A nested def or lambda: its defaults are evaluated now, in the scope that defines
        it, as Python evaluates them when the def runs."""
        params = node.args
        positional = [a.arg for a in params.posonlyargs + params.args]
        defaults = {name: self.lw.expr(d, env, builder) for name, d in
                    zip(positional[len(positional) - len(params.defaults):], params.defaults)}
        defaults.update((a.arg, self.lw.expr(d, env, builder)) for a, d in
                        zip(params.kwonlyargs, params.kw_defaults) if d is not None)
        return LocalFunction(node, env, getattr(node, "name", "<lambda>"), defaults, self.lw)

    def expr_Lambda(self, node, env, builder):
        return self.local_function(node, env, builder)


def _described(value):
    """Words for a value lowering holds that is no number or array (a function, a derivative
    taken inside the function), for a refusal."""
    if isinstance(value, DerivativeValue):
        inner = value.target
        name = getattr(getattr(inner, "obj", None), "__name__", None) or \
            getattr(inner, "name", None) or "f"
        return f"srcad.{value.mode}({name}), which inside the function can only be called " \
               f"(`srcad.{value.mode}({name})(x)`; take jacfwd, jacrev or hessian of it " \
               "outside the function),"
    if isinstance(value, LocalFunction):
        return f"the local function {value.name!r}"
    return type(value).__name__


def _shares(prim, atoms, out=None):
    """Whether prim's result may be a view of its first argument (x.astype(t, copy=False) is
    x itself where x has dtype t already; `y[j]` of a 1-d array is a number, not a view)."""
    if prim == "getitem" and getattr(getattr(out, "kind", None), "tag", None) in _NUMBERS:
        return False
    if prim == "astype":
        return len(atoms) > 2 and not (isinstance(atoms[2], Const) and atoms[2].value is True)
    return prim in _SHARING


_SHARING = {"getitem", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to",
            "swapaxes", "moveaxis", "diagonal", "ravel", "flip", "fliplr", "flipud", "rot90",
            "atleast_1d", "atleast_2d", "atleast_3d", "real", "attr"}


_NUMBERS = ("float", "int", "bool", "complex")
_HOLDING = {"make_tuple", "make_list", "make_dict", "with_item", "seq_concat"}


def _made_now(builder, out):
    """Whether `out` is what the equation just emitted defines (not a value made before that
    the builder folded the operation to, as `d["W"]` is the v of `d = {"W": v}`)."""
    return bool(builder.stmts) and builder.defined_by.get(out) is builder.stmts[-1]


def _hashable(obj):
    try:
        hash(obj)
        return True
    except TypeError:
        return False


def own_parts(lw):
    """The parts the lowering `lw` owns, each made with it and holding it as `lw`."""
    lw.expressions = Expressions(lw)      # names, literals, attributes, subscripts, calls
    lw.functions = UserFunctions(lw)      # the user's functions it calls
    lw.operators = Operators(lw)          # arithmetic, comparisons, and/or, x if c else y
    lw.peeling = Peeling(lw)              # a loop's first iteration lowered on its own
    lw.frozen = FrozenDistributions(lw)   # scipy.stats frozen distributions
    lw.integration = Integration(lw)      # odeint, solve_ivp
    lw.made = MadeObjects(lw)             # objects of the user's classes made here
    lw.builtins = Builtins(lw)            # range, zip, len, sum, ...; for loops' walks
    lw.types = TypeQuestions(lw)          # isinstance, type, hasattr, callable
    lw.containers = Containers(lw)        # comprehensions, dicts made
    lw.unbound = Unbound(lw)              # names that may be unbound where read
    lw.view_writes = ViewWrites(lw)       # D.T[i] = v; swaps through views
    lw.opaque = Opaque(lw)                # run as written: raise, assert, no rule
    lw.dynamic = Dynamic(lw)              # objects known now: layers, partial
    lw.writes = Writes(lw)                # x[i] = v, x[i] op= v on arrays
    lw.forms = Forms(lw)                  # match, try/finally, del, :=, f-strings, map
    lw.calls = Calls(lw)                  # *args, **kwargs; sorted, dict, list, np.finfo
    lw.container_methods = ContainerMethods(lw)   # xs.pop(), d.get(k), d.items(), ...
    lw.nested = NestedDerivatives(lw)     # srcad.grad(...) inside the function
    lw.stores = Stores(lw)                # what else reaches an object; xs.append(v), d[k] = v
    lw.caller_arrays = CallerArrays(lw)   # writes into the caller's arrays, followed
    lw.caller_objects = CallerObjects(lw)   # changes to the caller's lists and dicts
    lw.attribute_changes = AttributeChanges(lw)     # obj.a[k] = v, obj.a op= v
