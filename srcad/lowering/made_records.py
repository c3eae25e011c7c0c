"""Dataclasses made in the function (`p = Params(W, b)`), followed as the objects of the
user's other classes are (lowering/objects.py): the `__init__` dataclasses generated has no
source to inline, so its work is done here as Python does it, each field set from the
argument that binds it or from its default, then a `__post_init__` of the user's inlined.
"""

import dataclasses
import inspect

from .values import StaticSeq, from_python


def generated_dataclass(cls):
    """A dataclass with the `__init__` dataclasses generated, made by `object.__new__`."""
    if not (inspect.isclass(cls) and dataclasses.is_dataclass(cls) and type(cls) is type and
            cls.__new__ is object.__new__):
        return False
    if any(getattr(cls, name, None) is not getattr(object, name, None) for name in
           ("__setattr__", "__getattr__", "__getattribute__", "__delattr__")) and \
            not cls.__dataclass_params__.frozen:
        return False
    init = vars(cls).get("__init__")
    return init is not None and getattr(init, "__qualname__", "").endswith("__init__") and \
        init.__code__.co_filename.startswith("<")


def field_values(lw, node, cls, args, kwargs, builder):
    """Field name -> lowered value, bound as the generated `__init__` binds its arguments."""
    fields = dataclasses.fields(cls)
    if any(isinstance(f.type, dataclasses.InitVar) for f in fields) or \
            any(isinstance(v, dataclasses.InitVar) for v in vars(cls).get(
                "__annotations__", {}).values()):
        lw.refuse(node, f"{cls.__name__}(...) with an InitVar field; pass it as a field")
    positional = [f for f in fields if f.init and not f.kw_only]
    if len(args) > len(positional):
        lw.refuse(node, f"{cls.__name__}() takes {len(positional)} positional arguments, "
                        f"{len(args)} given")
    values = dict(zip((f.name for f in positional), args))
    for key, value in kwargs.items():
        if key in values or key not in {f.name for f in fields if f.init}:
            lw.refuse(node, f"{cls.__name__}() got an unexpected or repeated argument {key}=")
        values[key] = value
    out = {}
    for f in fields:
        if f.name in values:
            out[f.name] = values[f.name]
        elif f.default is not dataclasses.MISSING:
            out[f.name] = from_python(f.default, f.name)
        elif f.default_factory is list:
            out[f.name] = StaticSeq([], "list")       # a new empty list for each object
        elif f.default_factory is dict:
            out[f.name] = lw.containers.make_dict(node, [], [], builder)
        elif f.default_factory is not dataclasses.MISSING:
            lw.refuse(node, f"{cls.__name__}.{f.name}: a default_factory other than list or "
                            "dict, whose new object srcad does not make; pass the value")
        elif f.init:
            lw.refuse(node, f"{cls.__name__}() missing the argument {f.name!r}")
    return out
