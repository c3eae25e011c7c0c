"""The exceptions srcad raises when it cannot transform a function.

Every message names the file, the line and the construct, and says what to write instead,
so that a refusal is as useful as a derivative.
"""

import dataclasses


class SrcadError(Exception):
    """A function could not be transformed.

    `filename` and `line` point at the user's source where known.
    """

    def __init__(self, message, filename=None, line=None, construct=None):
        self.filename = filename
        self.line = line
        self.construct = construct
        self.bare_message = message
        super().__init__(_where(filename, line) + message)

    def locate(self, filename, line):
        """This error, naming `filename` and `line` if it named no place yet (a rule refusing
        its arguments knows no line; the pass applying it does)."""
        if self.filename is None and filename is not None:
            self.filename, self.line = filename, line
            self.args = (_where(filename, line) + self.bare_message,)
        return self


def _where(filename, line):
    if filename is None:
        return ""
    return f"{filename}, line {line}: " if line is not None else f"{filename}: "


class UnsupportedSyntaxError(SrcadError):
    """The function uses a Python construct srcad does not differentiate."""


class SourceUnavailableError(SrcadError):
    """The function's source cannot be read (a builtin, a C extension, a REPL line)."""


class MissingRuleError(SrcadError):
    """A call to a function that has no derivative rule and no readable source."""


class NameResolutionError(SrcadError):
    """A name in the function is neither local, a closure variable, a global nor a builtin."""


class NonDifferentiableError(SrcadError):
    """An active value flows into an operation that has no derivative."""


class PythonValueError(SrcadError, ValueError):
    """What Python raises when the function runs (`a, b = pair` with a pair of three), found
    while transforming it: both a SrcadError naming the user's line and a ValueError."""


class PythonTypeError(SrcadError, TypeError):
    """A TypeError Python raises when the function runs, found while transforming it."""


class RunTimeRefusal(SrcadError, ValueError):
    """A derivative srcad refuses at the values it is called with (a complex spectrum of
    `eig`, a complex `sqrtm`): raised by a runtime helper inside generated code, then given
    the user's file and line (codegen/compiled.py: add_source_note). A ValueError too, as
    the plain ValueError it was before."""


class AliasedArgumentError(RunTimeRefusal):
    """The function writes into an array the caller passed, and another argument is, holds or
    overlaps that array (checked when the derivative runs, reported at the line of the write)."""


class NonScalarOutputError(SrcadError, TypeError, ValueError):
    """`grad` of a function whose output is not a scalar: a TypeError, as JAX raises (and a
    ValueError, as srcad raised before it followed JAX)."""


def callable_name(callee):
    """How the user wrote a library callable: scipy.stats.weibull_min.logpdf for a method of a
    SciPy distribution (not the class that defines it), else module.qualname."""
    owner = getattr(callee, "__self__", None)
    if type(owner).__module__.startswith("scipy.stats") and \
            isinstance(getattr(owner, "name", None), str):
        return f"scipy.stats.{owner.name}.{callee.__name__}"
    return ".".join(filter(None, (getattr(callee, "__module__", None),
                                  getattr(callee, "__qualname__", None))))


def not_differentiable(fn, eqn, what, mode):
    """The error for a varied value reaching an argument `prim` has no `mode` rule for."""
    if eqn.prim == "opaque":                # a call srcad runs as written (lowering/effects.py)
        callee = getattr(eqn.args[0], "value", None)
        callee = getattr(callee, "fn", callee)          # effects.Keywords: the function
        method = eqn.args[0]
        if getattr(callee, "__module__", None) == "srcad.effects":    # a method called with
            callee, method = None, eqn.args[1]          # keywords: call_with_keywords(method, ...)
        name = callable_name(callee) or f"the method .{getattr(method, 'hint', None) or '?'}()"
        if isinstance(callee, type) and (hasattr(callee, "_fields") or
                                         dataclasses.is_dataclass(callee)):
            return MissingRuleError(
                f"building a {callee.__name__} (a namedtuple or dataclass) from values that "
                "depend on the differentiated input, inside the function, is not supported; "
                "return a tuple or a dict of the values instead (the derivative returns the "
                "same structure), and build the record outside", filename=fn.filename,
                line=eqn.line, construct=name)
        return MissingRuleError(
            f"no derivative rule for {name}, and an argument depends on the input being "
            "differentiated (srcad reads only your own code's source, never a library's); "
            "register a rule with "
            "srcad.extend.defprimitive (see docs/custom_rules.md), or wrap that argument in "
            "srcad.stop_gradient if its derivative should be ignored",
            filename=fn.filename, line=eqn.line, construct=name)
    if eqn.prim.startswith("schedule_") or eqn.prim == "revolve_schedule":
        return NonDifferentiableError(
            "a second derivative through a checkpointed loop (srcad.checkpointed, or grad's "
            "checkpoint=; srcad.hessian, hvp, or the jvp of its gradient) is not supported: "
            "its snapshots do not carry tangents; drop the marker or checkpoint= for the "
            "second derivative",
            filename=fn.filename, line=eqn.line, construct="srcad.checkpointed")
    return NonDifferentiableError(
        f"{eqn.prim} is not differentiable with respect to {what} in {mode} mode; wrap the "
        "value in srcad.stop_gradient if its derivative should be ignored, or register a rule "
        "with srcad.extend.defprimitive", filename=fn.filename, line=eqn.line,
        construct=eqn.prim)
