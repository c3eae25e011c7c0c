"""Objects the function makes from a class of the user's: `Gaussian(X @ w, s).log_prob(y)`,
`Sequential([Linear(W1, b1), Activation("relu"), Linear(W2, b2)]).forward(x)`.

Such an object lives only while the function runs, so srcad follows it while transforming
the function, as it follows a tuple literal: `__init__` is inlined, each `self.name = value`
it runs is remembered, and a later `obj.name` in the function is that value (an array
computed from the inputs stays differentiable); its methods are inlined with `self` bound to
it, and a loop over a list of such objects is unrolled. Python makes the object from the
same values; nothing of it needs to exist in the derivative. An object used as a value
(returned, passed to a library function, stored where srcad cannot follow it) is refused at
that line: srcad would have to make it, and the derivative could not follow what it holds.
"""

import ast
import inspect
import textwrap

from ..frontend import live
from ..errors import SrcadError
from ..ir.nodes import Const
from . import made_records
from .dispatch import NOT_MINE
from .effects import name_read_after, passes_local
from .values import Static, StaticSeq, from_python


class MadeObject:
    """An object made in the function: its class and the attributes it was given."""

    __slots__ = ("cls", "attributes", "builder")

    def __init__(self, cls, builder):
        self.cls = cls
        self.attributes = {}         # name -> lowered value
        self.builder = builder       # where it was made: its attributes are set there

    def __repr__(self):
        return f"{self.cls.__name__}(...)"


def plain_class(cls):
    """A class whose objects are made by `object.__new__` and a Python `__init__` (or none),
    not a namedtuple, a dataclass with a generated `__init__`, a class with a metaclass, or
    one that runs code of its own to set or find attributes (`__setattr__` registering
    parameters, `__getattr__`), which srcad's following of attributes would skip."""
    init = getattr(cls, "__init__", None)
    return inspect.isclass(cls) and type(cls) is type and cls.__new__ is object.__new__ and \
        (init is object.__init__ or inspect.isfunction(init) and _has_source(init)) and \
        own_attribute_access(cls) is None


def own_attribute_access(cls):
    """The first of `__setattr__`, `__getattr__`, `__getattribute__`, `__delattr__` that the
    class defines itself (not object's), else None."""
    return next((name for name in ("__setattr__", "__getattr__", "__getattribute__",
                                   "__delattr__")
                 if getattr(cls, name, None) is not getattr(object, name, None)), None)


def iterated(lw, node, made, builder):
    """`for v in obj` of an object made here: the items its class's __iter__ yields, a
    generator run to its end (lowering/generators.py); refused for another __iter__."""
    method = inspect.getattr_static(made.cls, "__iter__", None)
    if not (inspect.isfunction(method) and inspect.isgeneratorfunction(method)):
        lw.refuse(node, f"iterating over a {made.cls.__name__} object made in the function: "
                        "srcad follows an __iter__ written as a generator (`for item in "
                        "self.items: yield item`); write it so, or loop over what the object "
                        "holds (`for v in obj.items`)")
    return lw.functions.inline(node, method, [made], {}, builder)


def dunder(lw, node, made, name):
    """The method `name` of made's class, written in Python; refused as Python's TypeError
    where there is none."""
    found = inspect.getattr_static(made.cls, name, None)
    if not inspect.isfunction(found):
        lw.refuse(node, f"{made.cls.__name__} has no {name} written in Python (Python raises "
                        "TypeError here)")
    return found


def property_setter(lw, target, cls):
    """`obj.name = value` where cls makes name a property: its setter, which Python runs
    (refused where it has none written in Python: Python raises AttributeError); else None."""
    found = inspect.getattr_static(cls, target.attr, None)
    if not isinstance(found, property):
        return None
    if not inspect.isfunction(found.fset):
        lw.refuse(target, f"setting .{target.attr} of a {cls.__name__}, a property with no "
                          "setter written in Python: Python raises AttributeError here")
    return found.fset


def _has_source(fn):
    try:
        inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    return True


class MadeSuper:
    """`super()` in a method of an object made here: the object, and the class whose
    method is running (Python's `__class__` cell); attributes are looked up after it."""

    __slots__ = ("made", "after")

    def __init__(self, made, after):
        self.made = made
        self.after = after

    def lookup(self, name):
        mro = self.made.cls.__mro__
        for klass in mro[mro.index(self.after) + 1:]:
            if name in vars(klass):
                return vars(klass)[name]
        return None


class MadeObjects:
    """A part of the lowering `lw` of a function: follows the objects made in it (see the
    module), as handlers of its hooks (lowering/dispatch.py)."""

    def __init__(self, lw):
        self.lw = lw
        self.first = None            # the method's `self`, where it is an object made here

    def enter(self, parsed, env):
        """The function being inlined: a method of an object made here notes its `self`, for
        `super()` (its class is the `__class__` cell Python gives a method using super)."""
        params = parsed.node.args.posonlyargs + parsed.node.args.args
        first = env.get(params[0].arg) if params else None
        cls = parsed.closure.get("__class__")
        if isinstance(first, MadeObject) and isinstance(cls, type):
            self.first = MadeSuper(first, cls)
        known = first.obj if isinstance(first, Static) else \
            first.value if isinstance(first, Const) else None
        if known is not None and isinstance(cls, type) and isinstance(known, cls):
            self.first = Static(super(cls, known))      # an object of the user's known now

    def super_call(self, node, callee, args, kwargs, builder):
        """`super()` with no arguments in a method of an object made here."""
        if not (isinstance(callee, Static) and callee.obj is super):
            return NOT_MINE
        if args or kwargs or self.first is None:
            self.lw.refuse(node, "super() outside a method of an object made in the function, "
                                 "or with arguments; call the parent class's method by name "
                                 "(`Parent.method(self, ...)`)")
        return self.first

    def construct(self, node, cls, args, kwargs, builder):
        made = MadeObject(cls, builder)
        if made_records.generated_dataclass(cls):
            made.attributes.update(made_records.field_values(self.lw, node, cls, args, kwargs,
                                                                builder))
            post = inspect.getattr_static(cls, "__post_init__", None)
            if inspect.isfunction(post):
                self.lw.functions.inline(node, post, [made], {}, builder)
        elif cls.__init__ is not object.__init__:
            self.lw.functions.inline(node, cls.__init__, [made, *args], kwargs, builder)
        elif args or kwargs:
            self.lw.refuse(node, f"{cls.__name__}() takes no arguments")
        return made

    def atom(self, value, builder, node):
        if isinstance(value, MadeSuper):
            self.lw.refuse(node, "super() used as a value; call its method directly")
        if isinstance(value, MadeObject):
            self.lw.refuse(node, f"using the {value.cls.__name__} object made in the function as "
                                 "a value (returned, passed to a library function, kept where "
                                 "srcad cannot follow it); call its methods and read its "
                                 "attributes in the function, and return arrays")
        return NOT_MINE

    def as_written(self, value, builder, node):
        """A value a statement run as written reads (`print(obj)`): an object made in the
        function is made again, an instance of its class with the attributes set so far."""
        if not isinstance(value, MadeObject):
            return self.lw.atom(value, builder, node)
        names = tuple(value.attributes)
        values = [self.as_written(v, builder, node)
                  for v in value.attributes.values()]
        return builder.emit("made_object", Const(value.cls, value.cls.__name__), Const(names),
                            *values)

    def store_attribute(self, target, value, env, builder):
        owner = self.owner(target.value, env, builder)
        if owner is None:
            return NOT_MINE
        if getattr(owner.cls, "__dataclass_params__", None) is not None and \
                owner.cls.__dataclass_params__.frozen:
            self.lw.refuse(target, f"setting .{target.attr} of a frozen dataclass: Python "
                                   "raises FrozenInstanceError here")
        if builder is not owner.builder:
            self.lw.refuse(target, f"setting .{target.attr} of an object made in the function "
                                   "inside a branch or loop that began after it was made; keep "
                                   "the value in a variable")
        if (setter := property_setter(self.lw, target, owner.cls)) is not None:
            self.lw.functions.inline(target, setter, [owner, value], {}, builder)
            return None
        owner.attributes[target.attr] = value
        return None

    def owner(self, node, env, builder):
        """The object made here that `node` names (`self`, `self.first`), else None."""
        chain = node
        while isinstance(chain, ast.Attribute):
            chain = chain.value
        if not (isinstance(chain, ast.Name) and isinstance(env.get(chain.id), MadeObject)):
            return None
        value = self.lw.expr(node, env, builder)
        return value if isinstance(value, MadeObject) else None

    def statement_call(self, node, env, builder):
        """A call as a statement on an object made here: `self.build(W)`, `layer.reset()`,
        `super().__init__()` are inlined for what they do to the object; `self.items.append(v)`
        or `self.params.update(d)` change the list or dict the object holds (the attribute is
        the new version). Python runs them on the object itself, which the derivative
        follows only here: run as written, the change would land on a copy."""
        call = node.value
        if not isinstance(call, ast.Call):
            return NOT_MINE
        base = call.func.value if isinstance(call.func, ast.Attribute) else call.func
        if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and \
                base.func.id == "super" and isinstance(self.first, MadeSuper) or \
                self.owner(base, env, builder) is not None or \
                self.changing_method_of_known(call, env, builder):
            self.lw.expr(call, env, builder)
            return None
        if not (isinstance(base, ast.Attribute) and isinstance(call.func, ast.Attribute)):
            return NOT_MINE
        made = self.owner(base.value, env, builder)
        if made is None or not _is_container(self.attribute_of(base, made, base.attr)):
            return NOT_MINE
        statement = ast.Expr(ast.Call(ast.Attribute(None, call.func.attr, ast.Load()),
                                      call.args, call.keywords))
        return self.through_name(node, base, made, statement, env, builder)

    def changing_method_of_known(self, call, env, builder):
        """`model.step(x)` as a statement, on an object of the user's known now (a global, a
        closure's), whose method (Python) changes the object (`self.total = ...`): inlined,
        so what it sets is followed (`_ = model.step(x)` would be), not run as written."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)) or \
                func.value.id in env:
            return False
        try:
            receiver = self.lw.expr(func.value, env, builder)
        except SrcadError:
            return False
        obj = receiver.obj if isinstance(receiver, Static) else \
            receiver.value if isinstance(receiver, Const) else None
        method = inspect.getattr_static(type(obj), func.attr, None) if obj is not None else None
        if not (inspect.isfunction(method) and _has_source(method) and
                not isinstance(obj, type) and _changes_self(method)):
            return False
        read = name_read_after(self.lw.parsed.node, call, func.value.id)
        if read is not None and passes_local(call, env) and _changes_held(method):
            self.lw.refuse(call, f"`{ast.unparse(func)}(...)` changes in place what "
                                 f"'{func.value.id}' holds (a list, a dict), which srcad does "
                                 "not follow on an object the function does not bind, and the "
                                 f"function reads '{func.value.id}' after it (line "
                                 f"{read.lineno}); keep the value in a variable of the "
                                 f"function and use that (`v = ...; {ast.unparse(func)}(v); "
                                 "return v`)")
        return True

    def store_item(self, target, value, env, builder):
        """`self.params[k] = v` on the list or dict an object made here holds."""
        holder = target.value
        made = self.owner(holder.value, env, builder)
        if made is None:
            return NOT_MINE
        statement = _Store(ast.Subscript(None, target.slice, ast.Store()), value)
        return self.through_name(target, holder, made, statement, env, builder)

    def through_name(self, node, holder, made, statement, env, builder):
        """`statement` on `holder` (`self.items`, an attribute of `made`) lowered as on a
        name holding its value; the attribute is then what the name holds after it."""
        if holder.attr not in made.attributes:
            self.lw.refuse(node, f"changing .{holder.attr}, which {made.cls.__name__} holds as a "
                                 "class attribute (shared by all its objects, and kept from call "
                                 "to call); set it on the object in __init__ "
                                 f"(`self.{holder.attr} = []`)")
        if builder is not made.builder:
            self.lw.refuse(node, f"changing .{holder.attr} of an object made in the function "
                                 "inside a branch or loop that began after it was made; keep "
                                 "the value in a variable")
        scratch = ast.unparse(holder)
        inner = dict(env, **{scratch: self.attribute_of(holder, made, holder.attr)})
        name = ast.Name(scratch, ast.Load())
        if isinstance(statement, _Store):
            statement.target.value = name
            ast.copy_location(statement.target, node)
            self.lw.store_item(statement.target, statement.value, inner, builder)
        else:
            statement.value.func.value = name
            self.lw.stmt(ast.fix_missing_locations(ast.copy_location(statement, node)), inner,
                         builder)
        made.attributes[holder.attr] = inner[scratch]
        return None

    def attribute(self, node, env, builder):
        if isinstance(node.ctx, ast.Load):
            owner = self.owner(node.value, env, builder)
            if owner is not None:
                return self.read(node, owner, node.attr, builder)
        return NOT_MINE

    def read(self, node, made, name, builder):
        """`made.name` as Python reads it: a property's getter inlined, else attribute_of."""
        found = inspect.getattr_static(made.cls, name, None)
        if not isinstance(found, property) or name in made.attributes:
            return self.attribute_of(node, made, name)
        if not inspect.isfunction(found.fget):
            self.lw.refuse(node, f"reading .{name} of a {made.cls.__name__}, a property whose "
                                 "getter is not written in Python")
        return self.lw.functions.inline(node, found.fget, [made], {}, builder)

    def attribute_of(self, node, made, name):
        """`made.name`: what the function set, else the class's attribute (not a method
        used as a value; a property is read by `attribute`, through its getter)."""
        if name in made.attributes:
            return made.attributes[name]
        found = inspect.getattr_static(made.cls, name, None)
        if found is None:
            self.lw.refuse(node, f"{made.cls.__name__} object has no attribute {name!r}")
        if isinstance(found, property):
            self.lw.refuse(node, f"changing what .{name} of a {made.cls.__name__} holds: it is "
                                 "a property; keep the value in a variable")
        if inspect.isfunction(found):
            self.lw.refuse(node, f"{made.cls.__name__}.{name} used as a value; call the method "
                                 "instead")
        if live.is_data(found):
            origin = live.attribute_origin(made.cls, made.cls.__name__, name)
            return self.lw.live.value(found, origin, self.lw.views)
        return from_python(found, name)

    def method_call(self, node, base, env, builder):
        if isinstance(base, MadeSuper):
            return self.parent_method_call(node, base, env, builder)
        if not isinstance(base, MadeObject):
            return NOT_MINE
        name = node.func.attr
        args = self.lw.calls.call_args(node, env, builder)
        kwargs = self.lw.calls.call_kwargs(node, env, builder)
        if name in base.attributes:           # a function kept on the object: `self.act(z)`
            return self.lw.call(node, base.attributes[name], args, kwargs, builder)
        method = inspect.getattr_static(base.cls, name, None)
        if isinstance(method, staticmethod):
            return self.lw.call(node, Static(method.__func__), args, kwargs, builder)
        if isinstance(method, classmethod):
            return self.lw.call(node, Static(method.__get__(None, base.cls)), args, kwargs,
                                builder)
        if not inspect.isfunction(method):
            self.lw.refuse(node, f"{base.cls.__name__}.{name}() (not a method written in Python)")
        return self.lw.functions.inline(node, method, [base, *args], kwargs, builder)

    def parent_method_call(self, node, parent, env, builder):
        """`super().name(...)`: the method of the next class in the object's MRO."""
        args = self.lw.calls.call_args(node, env, builder)
        kwargs = self.lw.calls.call_kwargs(node, env, builder)
        method = parent.lookup(node.func.attr)
        if method is object.__init__ and not args and not kwargs:
            return Const(None)
        if not inspect.isfunction(method):
            self.lw.refuse(node, f"super().{node.func.attr}() (not a method written in Python)")
        return self.lw.functions.inline(node, method, [parent.made, *args], kwargs, builder)

    def call(self, node, made, args, kwargs, builder):
        """`made(x)`: its class's `__call__`."""
        method = inspect.getattr_static(made.cls, "__call__", None)
        if not inspect.isfunction(method):
            self.lw.refuse(node, f"calling a {made.cls.__name__} object, whose class has no "
                                 "__call__ written in Python")
        return self.lw.functions.inline(node, method, [made, *args], kwargs, builder)

    def identity(self, node, env, builder):
        """`self.activation is None` where it holds a function or an object made here:
        decided now, as identity of things known now; NOT_MINE for other comparisons."""
        operands = [node.left, *node.comparators]
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Is, ast.IsNot)) and \
                all(isinstance(n, (ast.Name, ast.Attribute, ast.Constant)) for n in operands):
            left, right = (self.lw.expr(n, env, builder) for n in operands)
            known = [_known_object(v) for v in (left, right)]
            if any(k is not None for k in known) and all(
                    k is not None or isinstance(v, Const) for k, v in zip(known, (left, right))):
                a, b = (k if k is not None else v.value for k, v in zip(known, (left, right)))
                return Const((a is b) == isinstance(node.ops[0], ast.Is))
        return NOT_MINE

    def item(self, node, env, builder):
        """`obj[k]` of an object made here (a name bound to it): its class's __getitem__."""
        made = env.get(node.value.id) if isinstance(node.value, ast.Name) else None
        if not isinstance(made, MadeObject):
            return NOT_MINE
        index = self.lw.index(node.slice, env, builder)
        return self.lw.functions.inline(node, dunder(self.lw, node, made, "__getitem__"),
                                        [made, index], {}, builder)

    def slice(self, node, env, builder):
        """`layers[:-1]` of a list of objects made here: the list of those objects."""
        if isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Slice):
            base = self.lw.expr(node.value, env, builder)
            if isinstance(base, StaticSeq) and any(isinstance(v, MadeObject)
                                                   for v in base.items):
                index = self.lw.index(node.slice, env, builder)
                if isinstance(index, Const) and isinstance(index.value, slice):
                    return StaticSeq(base.items[index.value], base.tag)
        return NOT_MINE


class _Store:
    """`target = value` with `value` already lowered (an item store through a name)."""

    __slots__ = ("target", "value")

    def __init__(self, target, value):
        self.target = target
        self.value = value


def _changes_self(method):
    """Whether a method sets or changes in place an attribute of its first parameter
    (`self.total = ...`, `self.items[k] = v`, `self.n += 1`, `self.items.append(v)`)."""
    return bool(_self_changes(method))


def _changes_held(method):
    """Whether a method changes in place a list, dict or object its first parameter holds
    (`self.items.append(v)`, `self.items[k] = v`), which a known object's inlined method
    does not follow."""
    return "held" in _self_changes(method)


def _self_changes(method):
    """{"set"} for `self.total = ...`, {"held"} for a change into what self holds."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    args = tree.body[0].args
    params = args.posonlyargs + args.args
    if not params:
        return set()
    me = params[0].arg

    def on_self(node):
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            if isinstance(node.value, ast.Name) and node.value.id == me:
                return isinstance(node, ast.Attribute)
            node = node.value
        return False
    found = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        found |= {"held" if isinstance(t, ast.Subscript) else "set"
                  for t in targets if on_self(t)}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                on_self(node.func.value):
            found.add("held")       # self.items.append(v), self.helper.reset()
    return found


def _is_container(value):
    """A list or dict (as the lowering holds one): what `.append`, `.update` change."""
    if isinstance(value, StaticSeq):
        return value.tag == "list"
    if isinstance(value, Const):
        return type(value.value) in (list, dict)
    return getattr(getattr(value, "kind", None), "tag", None) in ("list", "dict")


def _known_object(value):
    """The object a function or an object made here stands for; None for other values."""
    if isinstance(value, MadeObject):
        return value
    return value.obj if isinstance(value, Static) else None
