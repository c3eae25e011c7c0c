"""Compiled generated code: the `Generated` record of a derivative, its source registered in
`linecache` (so tracebacks and pdb show the generated lines) under a file name mapped to the
user's file, and the note added to an error raised inside it (the generated line and the
user's line it came from)."""

import itertools
import linecache
import weakref

_counter = itertools.count()
USER_FILES = {}           # generated file name -> the user's file its comments refer to,
                          # while code compiled from it lives (see release_with)


def add_source_note(error):
    """Add to an exception raised inside generated code the generated line and the user's
    source line it came from (the nearest `# line N: ...` comment above it)."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in USER_FILES:
            frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    if not frames or not hasattr(error, "add_note") or getattr(error, "_srcad_noted", False):
        return
    filename, lineno = frames[-1]
    lines = linecache.getlines(filename)
    comment = next((lines[k].strip() for k in range(lineno - 1, -1, -1)
                    if lines[k].strip().startswith("# line ")), None)
    note = f"srcad: raised by generated code {filename}, line {lineno}: {lines[lineno - 1].strip()}"
    if comment is not None:
        note += f"\n       which comes from {USER_FILES[filename]}, {comment[2:]}"
    error.add_note(note)
    error._srcad_noted = True
    if comment is not None and getattr(error, "filename", False) is None:
        at_user_line(error, USER_FILES[filename], comment)


def at_user_line(error, user_file, comment):
    """A SrcadError raised by a runtime helper (errors.RunTimeRefusal) names the user's line
    the generated line comes from, as a refusal found when transforming does."""
    line = comment[len("# line "):].split(":", 1)[0]
    if line.isdigit():
        error.locate(user_file, int(line))


class Generated:
    """A compiled derivative: its source, the function object and the names it needs."""

    def __init__(self, source, function, namespace, filename, param_kinds=()):
        self.source = source
        self.function = function
        self.namespace = namespace
        self.filename = filename
        self.param_kinds = param_kinds     # what it is specialised on, for export's guard
        self.check = None                  # its guards on globals and attributes (frontend/live.py)
        self.roots = set()                 # names it reads globals and attributes through
        self.backend = "python"            # what runs it: "numba" (srcad/codegen/numba_backend.py)


def register_source(source, user_file, name="wrapper"):
    """A file name for generated source, registered in linecache so that tracebacks show
    its lines, and mapped to the user's file its `# line N:` comments refer to."""
    filename = f"<srcad {name} #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    USER_FILES[filename] = USER_FILES.get(user_file, user_file)
    return filename


def release_with(code, filename):
    """Forget the lines of generated file `filename` when `code`, compiled from it, is gone
    (its function dropped and no traceback holding a frame of it): a process that creates many
    derivatives keeps the lines of the live ones only."""
    weakref.finalize(code, _forget_source, filename).atexit = False


def _forget_source(filename):
    linecache.cache.pop(filename, None)
    USER_FILES.pop(filename, None)
