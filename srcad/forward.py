"""Forward mode: IR -> IR with a tangent alongside every varied value (one sweep)."""

from .errors import SrcadError


def tangent(fn, wrt):
    """The jvp of `fn`: params = fn's params + one tangent per wrt index; returns
    (value, tangent_out)."""
    raise SrcadError("forward mode is not implemented yet")
