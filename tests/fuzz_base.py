"""What the fuzzer's grammar modules share: shapes, variables and two-way expression text."""

import re
from dataclasses import dataclass

import numpy as np

SHAPES = [(), (3,), (2,), (2, 3), (2, 1), (1, 3)]
INPUT_SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3)]
CONSTANTS = ["0.5", "1.5", "2.0", "-0.7", "0.3", "-1.2"]


def broadcast(a, b):
    """The broadcast shape of a and b, or None when they do not broadcast."""
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


def fits(shape, target):
    """Whether a value of `shape` broadcasts into `target` without changing it."""
    return broadcast(shape, target) == tuple(target)


@dataclass
class Var:
    name: str
    shape: tuple
    owned: bool = False     # holds a fresh array nobody else references: `+=` in place is safe


class Text:
    """An expression in two renderings, for srcad and for the probe; `fresh`: its value is a
    new object (not a name, a view or whatever a helper returns), so binding it aliases
    nothing."""

    def __init__(self, plain, probe=None, fresh=True):
        self.plain = plain
        self.probe = plain if probe is None else probe
        self.fresh = fresh

    def map(self, fmt, *others, probe_fmt=None, fresh=True):
        parts = (self,) + others
        plain = fmt.format(*(p.plain for p in parts))
        probe = (probe_fmt or fmt).format(*(p.probe for p in parts))
        return Text(plain, probe, fresh)


def disown(scope, text):
    """The scope after binding `text`'s value: if it may alias the names it mentions, they no
    longer own their arrays."""
    if text.fresh:
        return scope
    mentioned = set(re.findall(r"[A-Za-z_]\w*", text.plain))
    return [Var(v.name, v.shape, v.owned and v.name not in mentioned) for v in scope]
