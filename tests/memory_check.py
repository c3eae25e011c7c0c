"""What the peak-memory tests share: a gradient's generated code without its comments, and
the peak of what a call allocates beyond what it started with (tracemalloc, exact)."""

import tracemalloc

import srcad


def code(g, *args):
    """The generated source without its comments (which quote the user's lines)."""
    return "\n".join(line for line in str(srcad.source(g, *args)).splitlines()
                     if not line.lstrip().startswith("#"))


def peak(fn, args):
    """Bytes `fn(*args)` allocates at its peak, on its second call (the first compiles)."""
    fn(*args)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
