"""The `srcad` command line: read, check and ship the derivative of a function in a file.

    srcad show  examples/seed_function.py:f            the generated adjoint code
    srcad show  examples/seed_function.py:f --mode forward --args 2 5
    srcad show  examples/seed_function.py:f --ir       the v_i trace (SSA IR)
    srcad trace examples/seed_function.py:f --args 2 5
    srcad check examples/seed_function.py:f --args 2 5
    srcad export examples/seed_function.py:f -o grad_f.py
    srcad demo

Exit status (EXIT_CODES): 0 ok; 1 the check failed or srcad refused the function (one line
on stderr, at the file and line of the construct); 2 a usage error (a missing file or
function, unreadable --args, a --wrt that names no parameter), one line on stderr.
"""

import argparse
import importlib.util
import json
import os
import re
import runpy
import sys
from pathlib import Path

import numpy as np

import srcad

from ..errors import SrcadError
from .exporting import generated_code, overwritten_source, suggested_path

OK, FAILURE, USAGE_ERROR = 0, 1, 2
EXIT_CODES = {OK: "ok", FAILURE: "the check failed, or srcad refused the function",
              USAGE_ERROR: "usage error: bad command line, file, function, --args or --wrt"}


class UsageError(Exception):
    """A bad command line: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (not the usage block) and exit status 2."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def main(argv=None):
    """Entry point of the console script and of `python -m srcad`; returns the exit status."""
    parser = build_parser()
    _utf8_output()
    try:
        options = parser.parse_args(argv)
        return options.run(options) or OK
    except UsageError as err:
        print(f"srcad: error: {err}", file=sys.stderr)
        return USAGE_ERROR
    except (SrcadError, TypeError, ValueError) as err:
        print(f"srcad: error: {_one_line(err)}", file=sys.stderr)
        return FAILURE


def _utf8_output():
    """Trace tables use combining marks (v̇, v̄): never crash on a narrow terminal encoding."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _one_line(err):
    text = " ".join(str(err).split())
    return text.removeprefix("srcad: ")      # the message of an error srcad raised says it


# ----- the parser ------------------------------------------------------------------------------
TARGET_HELP = "the function, as FILE.py:FUNC (FUNC may be dotted: FILE.py:Class.method)"
ARGS_HELP = ("example arguments: numbers (2, 5.0, -1e-3) or JSON lists for arrays "
             "('[[1, 2], [3, 4]]'); integers stay integers (counts, flags)")
WRT_HELP = ("the inputs to differentiate, as names or indices separated by commas "
            "(default: the first parameter, as srcad.grad; trace: every float argument, as "
            "srcad.trace)")


def build_parser():
    parser = Parser(prog="srcad", description="Source-transformation automatic "
                    "differentiation: show, trace, check and export the derivative of a "
                    "Python function.", epilog="Run `srcad COMMAND --help` for the options "
                    "of one command. Exit status: "
                    + "; ".join(f"{code} {what}" for code, what in EXIT_CODES.items()) + ".")
    parser.add_argument("--version", action="version", version=f"srcad {srcad.__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True,
                                     parser_class=Parser)
    show = commands.add_parser("show", help="print the generated derivative code (or the IR)",
                               description="Print the derivative code srcad generates "
                               "for FUNC, with syntax colours on a terminal.")
    _common(show, args_required=False)
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                      help="reverse: the gradient (srcad.grad); forward: the tangent "
                      "(srcad.jvp). Default: reverse")
    show.add_argument("--ir", action="store_true", help="print the SSA IR (the v_i trace of "
                      "the function itself) instead of the generated code")
    show.add_argument("--dot", action="store_true", help="print the computational graph as "
                      "Graphviz text instead (render it with `dot -Tsvg`)")
    show.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="syntax colours: auto (on a terminal), always or never")
    show.set_defaults(run=run_show)

    trace = commands.add_parser("trace", help="print the evaluation trace tables at --args",
                                description="Print the forward primal, forward tangent and "
                                "reverse adjoint traces of FUNC at the given arguments.")
    _common(trace, args_required=True)
    trace.add_argument("--seed", nargs="+", metavar="DX", help="tangent of each wrt input "
                       "(default: 1 for the first, 0 for the others)")
    trace.add_argument("--format", choices=("text", "markdown", "html"), default="text",
                       help="output format. Default: text")
    trace.add_argument("--digits", type=int, default=3, help="decimals shown. Default: 3")
    trace.set_defaults(run=run_trace)

    check = commands.add_parser("check", help="compare the gradient with finite differences",
                                description="Run srcad.check_grad on FUNC at --args; exit "
                                "status 0 if the gradient agrees with central differences, "
                                "1 if not.")
    _common(check, args_required=True)
    check.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                       help="check the reverse (grad) or forward (jvp) derivative")
    check.set_defaults(run=run_check)

    export = commands.add_parser("export", help="write the derivative as a standalone module",
                                 description="Write the derivative of FUNC as a Python module "
                                 "that needs only NumPy.")
    _common(export, args_required=False)
    export.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                        help="reverse (srcad.grad) or forward (srcad.jvp). Default: reverse")
    export.add_argument("-o", "--output", metavar="PATH",
                        help="file to write (default: print the module)")
    export.set_defaults(run=run_export)

    demo = commands.add_parser("demo", help="run the demo (examples/demo.py)",
                               description="Run the demo of the examples/ folder.")
    demo.add_argument("--epochs", type=int, help="training epochs of the demo's MLP "
                      "(default: the demo's own; 30 makes a quick run)")
    demo.set_defaults(run=run_demo)
    return parser


def _common(parser, args_required):
    parser.add_argument("target", metavar="FILE.py:FUNC", help=TARGET_HELP)
    parser.add_argument("--args", nargs="+", metavar="ARG", required=args_required,
                        help=ARGS_HELP + ("" if args_required else
                                          "; specialises the code to their kinds"))
    parser.add_argument("--wrt", help=WRT_HELP)


# ----- commands ----------------------------------------------------------------------------------
def run_show(options):
    fn = load_target(options.target)
    args = parse_args(options.args, fn)
    if options.ir or options.dot:
        ir = srcad.lower(_primal(fn), *args)
        text = ir.to_dot() if options.dot else str(ir)
    else:
        text = derivative_source(fn, args, options)
    print(highlight(text) if _colour(options.color) else text)


def run_trace(options):
    fn = _primal(load_target(options.target))
    args = parse_args(options.args, fn)
    seed = None
    if options.seed is not None:
        seeds = [parse_value(s) for s in options.seed]
        seed = seeds[0] if len(seeds) == 1 else tuple(seeds)
    table = srcad.trace(fn, *args, wrt=parse_wrt(options.wrt, fn, args), seed=seed,
                        digits=options.digits)
    formats = {"text": str, "markdown": type(table).to_markdown, "html": type(table).to_html}
    print(formats[options.format](table).rstrip("\n"))


def run_check(options):
    fn = load_target(options.target)
    args = parse_args(options.args, fn)
    fn = _primal(fn)
    wrt = resolve_wrt(options.wrt, fn, args)
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    made_floats = [i for i in indices if i < len(args) and isinstance(args[i], int)]
    args = floats_at(args, indices)
    try:
        report = srcad.check_grad(fn, *args, wrt=wrt, mode=options.mode)
    except srcad.GradientCheckError as err:
        print(err)
        return FAILURE
    except TypeError as err:
        if not made_floats:
            raise
        raise TypeError(integer_use(fn, made_floats, err)) from err
    print(report)
    return 0


def integer_use(fn, positions, err):
    """Why differentiating with respect to an integer argument failed: the CLI passes it as a
    float, and the function uses it as an integer (a count, an index)."""
    names = _parameter_names(fn)
    given = ", ".join(names[i] if i < len(names) else f"#{i}" for i in positions)
    return (f"--wrt {given}: an integer given on the command line is differentiated as a "
            f"float, and {_name(fn)} uses it as an integer ({_one_line(err)}); a count or an "
            "index has no derivative: differentiate with respect to another parameter")


def run_export(options):
    fn = load_target(options.target)
    args = parse_args(options.args, fn)
    derivative = make_derivative(fn, args, options)
    if options.output is not None:
        check_output(options.output, derivative)
    text = srcad.export(derivative, args=floats_at(args, derivative.__srcad__.wrt) or None)
    if options.output is None:
        print(text, end="")
        return 0
    created = write_output(options.output, text)
    print(f"wrote {options.output} ({derivative.__name__}, {len(text.splitlines())} lines"
          + (f"; created the folder {created}" if created else "") + ")", file=sys.stderr)
    return 0


def check_output(path, derivative):
    """Refuse an -o that names a folder or the source file of the function itself."""
    if os.path.isdir(path):
        raise UsageError(f"-o {path} is a folder: give the file to write, e.g. "
                         f"{os.path.join(path, derivative.__name__ + '.py')}")
    if overwritten_source(path, derivative) is not None:
        raise UsageError(f"-o {path} is the source file of {derivative.__wrapped__.__name__}: "
                         "srcad will not overwrite it; write the derivative to another file, "
                         f"e.g. -o {suggested_path(path, derivative)}")


def write_output(path, text):
    """Write the module, creating its folder if missing; the folder created, or None."""
    folder = os.path.dirname(path)
    created = folder if folder and not os.path.isdir(folder) else None
    try:
        if created:
            os.makedirs(folder)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from None
    return created


def demo_path():
    """examples/demo.py: inside the installed package (a wheel ships examples/ as
    srcad/examples), else in the source checkout srcad is imported from."""
    here = Path(__file__).resolve().parent.parent   # the srcad package (this is srcad/tools)
    for folder in (here / "examples", here.parent / "examples"):
        if (folder / "demo.py").is_file():
            return folder / "demo.py"
    raise UsageError(f"no demo here: neither {here / 'examples'} nor {here.parent / 'examples'}"
                     " holds demo.py; reinstall srcad (pip install srcad) or run it from a "
                     "checkout")


def run_demo(options):
    demo = demo_path()
    module = _import_file(str(demo))
    if not hasattr(module, "main"):
        runpy.run_path(str(demo), run_name="__main__")
    elif options.epochs is not None:
        module.main(mlp_epochs=options.epochs)
    else:
        module.main()
    return 0


# ----- loading the target and its arguments ------------------------------------------------------
def load_target(target):
    """The function FUNC of FILE.py, with FILE's folder importable (for its own imports)."""
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise UsageError(f"expected FILE.py:FUNC, got {target!r}")
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    module = _import_file(path)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            found = ", ".join(sorted(n for n, v in vars(module).items() if callable(v)
                                     and getattr(v, "__module__", None) == module.__name__))
            raise UsageError(f"{path} has no function {name!r}"
                             + (f" (functions there: {found})" if found else ""))
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(f"{path}:{name} is a {type(obj).__name__}, not a function")
    return obj


def _import_file(path):
    folder = str(Path(path).resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    stem = re.sub(r"\W", "_", Path(path).stem)
    spec = importlib.util.spec_from_file_location(f"srcad_cli_{stem}", path)
    if spec is None or spec.loader is None:
        raise UsageError(f"{path} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        raise UsageError(f"{path}, line {err.lineno}: {err.msg}") from None
    except Exception as err:  # noqa: BLE001 - whatever the user's module raises is reported
        raise UsageError(f"importing {path} failed: {type(err).__name__}: {err}") from None
    return module


def parse_value(text):
    """A number (int if written as one) or a JSON list as a float array."""
    try:
        value = json.loads(text)
    except ValueError:
        value = _special_float(text)
    if isinstance(value, bool) or not isinstance(value, (int, float, list)):
        raise UsageError(f"--args/--seed: cannot read {text!r} as a number or a JSON list")
    if isinstance(value, list):
        try:
            return np.array(value, dtype=float)
        except (ValueError, TypeError):
            raise UsageError(f"--args: {text!r} is not a rectangular list of numbers") from None
    return value


def _special_float(text):
    try:
        return float(text)       # nan, inf, 1e5 written without JSON's restrictions
    except ValueError:
        raise UsageError(f"--args/--seed: cannot read {text!r} as a number or a JSON "
                         "list") from None


def parse_args(texts, fn):
    """The example arguments, checked against fn's signature."""
    if texts is None:
        return ()
    import inspect
    args = tuple(parse_value(t) for t in texts)
    try:
        inspect.signature(_primal(fn)).bind(*args)
    except TypeError as err:
        raise UsageError(f"--args: {err}") from None
    except ValueError:
        pass
    return args


def parse_wrt(text, fn, args):
    """--wrt as a parameter index or a tuple of them (names looked up); None when not given."""
    if text is None:
        return None
    entries = tuple(int(e) if re.fullmatch(r"-?\d+", e) else e
                    for e in (e.strip() for e in text.split(",")) if e)
    if not entries:
        raise UsageError("--wrt: name at least one parameter")
    names = _parameter_names(fn)
    for e in entries:
        if isinstance(e, str) and e not in names:
            raise UsageError(f"--wrt: {_name(fn)} has no parameter {e!r} "
                             f"(parameters: {', '.join(names)})")
        if isinstance(e, int) and not -len(names) <= e < len(names):
            raise UsageError(f"--wrt: {_name(fn)} has {len(names)} parameters "
                             f"({', '.join(names)}), so an index is in 0..{len(names) - 1}")
    indices = tuple(names.index(e) if isinstance(e, str) else e % len(names) for e in entries)
    return indices if len(indices) > 1 else indices[0]


def resolve_wrt(text, fn, args):
    """--wrt, or the API's default: the first parameter."""
    wrt = parse_wrt(text, fn, args)
    return 0 if wrt is None else wrt


def _parameter_names(fn):
    import inspect
    return list(inspect.signature(_primal(fn)).parameters)


def _primal(fn):
    """The user's function behind a srcad-decorated one."""
    return fn.__wrapped__ if hasattr(fn, "__srcad__") else fn


def _name(fn):
    return getattr(fn, "__name__", "the function")


def make_derivative(fn, args, options):
    """srcad.grad or srcad.jvp of fn (a function already decorated by srcad is used as is)."""
    if hasattr(fn, "__srcad__") and options.wrt is None:
        return fn
    primal = _primal(fn)
    wrt = resolve_wrt(options.wrt, primal, args)
    if getattr(options, "mode", "reverse") == "forward":
        return srcad.jvp(primal, wrt=wrt)
    return srcad.grad(primal, wrt=wrt)


def floats_at(args, indices):
    """The arguments, integers at the differentiated positions made floats."""
    return tuple(float(a) if i in indices and isinstance(a, int) else a
                 for i, a in enumerate(args))


def derivative_source(fn, args, options):
    """The generated source, specialised to the kinds of `args` when given."""
    derivative = make_derivative(fn, args, options)
    args = floats_at(args, derivative.__srcad__.wrt) or None
    return generated_code(derivative, args).source.rstrip("\n")


# ----- colours -----------------------------------------------------------------------------------
_KEYWORDS = ("def", "return", "if", "else", "elif", "for", "in", "while", "break", "continue",
             "not", "and", "or", "is", "None", "True", "False", "pass", "yield", "import",
             "from", "as", "lambda", "carry", "range", "reversed")
_TOKEN = re.compile(r"(?P<comment>#[^\n]*)|(?P<string>'[^'\n]*'|\"[^\"\n]*\")"
                    r"|(?P<number>(?<![\w.])\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
                    rf"|(?P<keyword>\b(?:{'|'.join(_KEYWORDS)})\b)")
_COLOURS = {"comment": "\033[2;37m", "string": "\033[32m", "number": "\033[36m",
            "keyword": "\033[1;34m"}
_RESET = "\033[0m"


def highlight(text):
    """ANSI colours for keywords, numbers, strings and comments (Python and the IR alike)."""
    return _TOKEN.sub(lambda m: _COLOURS[m.lastgroup] + m.group() + _RESET, text)


def _colour(choice):
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and os.environ.get("NO_COLOR") is None and \
        os.environ.get("TERM") != "dumb"
