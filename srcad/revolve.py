"""Binomial checkpointing (Griewank's revolve): reversing a loop of n steps that keeps at most
k snapshots of its state, recomputing the rest, with the fewest forward steps possible.

`schedule(n, k)` yields the actions, online, in O(k) memory:

    ("takeshot", slot, i)   store the state before step i in snapshot `slot`
    ("advance", i, j)       run steps i .. j-1 forward (no recording)
    ("restore", slot, i)    the state before step i, from snapshot `slot`
    ("firsturn", i)         the first step reversed (i = n - 1): run it recording, reverse it
    ("youturn", i)          every later step reversed, from the state before it

Reversing m steps from a stored state with s snapshots (the stored one counted): one step is
turned at once; with one snapshot every step is recomputed from it; otherwise the state
advances to a split point j, is stored there, the steps after j are reversed with s - 1
snapshots, and those before j with s again. With r the smallest integer such that
m <= beta(s, r) = C(s + r, s) (the "repetition number": no step is run forward more than r times
in the reversal), choosing j = max(m - beta(s - 1, r), beta(s, r - 2)) (within 1 .. m - 1)
gives the optimal number of advanced steps,

    r * m - beta(s + 1, r - 1)

(tests/test_checkpointing.py checks it against a dynamic program over every split).

`Schedule` drives a checkpointed loop in generated code (srcad/transforms/reverse/
checkpoint.py): it holds the snapshots and turns the actions into segments of the loop to run
forward and to reverse.
Its unit is a segment of up to k iterations, not one iteration: a segment is reversed as a
loop is without checkpointing, recording its iterations on a tape and popping them backwards,
so that the work per iteration is the loop body's, not the schedule's (a scalar recurrence
spends about a microsecond per iteration; the schedule several per action). Memory is then k
snapshots and a tape of at most k iterations.
`checkpointed(iterable, snapshots=k)` is the marker a user puts on a loop; in plain Python it
returns the iterable.
"""

import math
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

__all__ = ["checkpointed", "schedule", "Schedule", "optimal_advances", "beta"]


def checkpointed(iterable: Iterable[T], snapshots: int = 10) -> Iterable[T]:
    """`for t in srcad.checkpointed(range(n), snapshots=k):` marks a loop whose reverse sweep
    keeps k snapshots of its state and recomputes the rest (binomial checkpointing): the
    gradient needs memory for k states instead of n. Run as Python, the loop is unchanged."""
    check_snapshots(snapshots)
    return iterable


def check_snapshots(snapshots, name="snapshots"):
    """A snapshot count is an int of at least 1 (ValueError / TypeError otherwise); `name`
    is what the caller called it."""
    if isinstance(snapshots, bool) or not isinstance(snapshots, int):
        raise TypeError(f"{name} must be an int, not {type(snapshots).__name__}")
    if snapshots < 1:
        raise ValueError(f"{name} must be at least 1, not {snapshots}")


def beta(s, r):
    """The most steps s snapshots reverse with no step run forward more than r times."""
    return math.comb(s + r, s) if r >= 0 else 0


def repetitions(m, s):
    """The smallest r with m <= beta(s, r) (beta(s, r) = beta(s, r - 1) * (s + r) / r)."""
    r, most = 0, 1
    while most < m:
        r += 1
        most = most * (s + r) // r
    return r


def optimal_advances(m, s):
    """The fewest steps a reversal of m steps with s snapshots runs forward (turns not
    counted): r * m - beta(s + 1, r - 1)."""
    if m <= 1:
        return 0
    r = repetitions(m, s)
    return r * m - beta(s + 1, r - 1)


def split(m, s):
    """Where a reversal of m >= 2 steps with s >= 2 snapshots stores its next snapshot."""
    r = repetitions(m, s)
    lowest = beta(s, r - 2) if r >= 2 else 1
    return max(1, min(m - 1, max(m - beta(s - 1, r), lowest)))


def schedule(n, k):
    """The actions reversing n steps with k snapshots (see the module's docstring)."""
    check_snapshots(k)
    if n <= 0:
        return
    yield ("takeshot", 0, 0)
    first = True
    stack = [("reverse", 0, n, k, 0)]      # the current state is at a when a reverse starts
    while stack:
        task = stack.pop()
        if task[0] == "restore":
            yield task
            continue
        _, a, b, s, slot = task
        if b - a == 1:
            yield ("firsturn" if first else "youturn", a)
            first = False
            continue
        j = b - 1 if s == 1 else a + split(b - a, s)
        yield ("advance", a, j)
        if b - j > 1:                       # a snapshot a turn uses right away is not taken
            yield ("takeshot", slot + 1, j)
        stack.append(("reverse", a, j, s, slot))
        stack.append(("restore", slot, a))
        stack.append(("reverse", j, b, s - 1 if b - j > 1 else s, slot + 1))


class Schedule:
    """The schedule of one run of a checkpointed loop over `range(start, stop, step)`,
    with `snapshots` slots and the loop's initial `state`. Generated code calls:

        advance()    True with `start`, `stop` set to the next iterations to run forward
                     (bounds of the loop's own index); False when iterations are to be
                     reversed, with `start`, `stop` set to them (or, in the forward sweep,
                     when the loop is done)
        store(state) after a segment: keeps the state where the schedule needs it
        backward()   True while iterations are left to reverse
        restore()    the state to recompute the next reversed iterations from
    """

    def __init__(self, start, stop, step, snapshots, state):
        loop = range(start, stop, step)
        self.width = snapshots                   # iterations per segment
        self.first, self.step, self.count = start, step, len(loop)
        self.stride = snapshots * step           # a segment, in the loop index's units
        self.actions = schedule(-(-self.count // snapshots), snapshots)
        self.slots = [None] * (snapshots + 1)    # the last slot: the state before firsturn
        self.last = snapshots
        self.start = self.stop = None
        self.due = None                          # the slot the next store fills
        self.origin = None                       # the slot the next restore reads
        self.finished = False                    # the last step ran in the forward sweep
        self.reversing = False                   # backward() was called
        self.peeked = next(self.actions, None)
        if self.peeked is not None:              # ("takeshot", 0, 0)
            self.slots[0] = state
            self.peeked = next(self.actions, None)
            if self.peeked[0] == "firsturn":
                self.slots[self.last] = state

    def take(self):
        action, self.peeked = self.peeked, next(self.actions, None)
        return action

    def advance(self):
        action = self.peeked
        if action is None:
            return False
        if action[0] == "advance":               # the common case first: a segment to run
            self.peeked = following = next(self.actions, None)
            due = None
            if following is not None and following[0] == "takeshot":
                due = following[1]
                self.peeked = next(self.actions, None)
            elif following is not None and following[0] == "firsturn":
                due = self.last
            self.segment(action[1], action[2], due)
            return True
        if action[0] == "firsturn" and not self.finished:   # the forward sweep's last step
            self.finished = True
            self.segment(action[1], action[1] + 1, None)
            return True
        if action[0] == "firsturn" and not self.reversing:
            return False                         # the forward sweep is done
        if action[0] in ("firsturn", "youturn"):
            self.take()
            self.segment(action[1], action[1] + 1, None)
            return False
        raise RuntimeError(f"revolve: {action[0]} where a segment or a turn was due")

    def segment(self, i, j, due):
        """Segments i .. j-1, as bounds of the loop's index."""
        self.start = self.first + i * self.stride
        self.stop = self.first + min(j * self.width, self.count) * self.step
        self.due = due

    def store(self, state):
        if self.due is not None:
            self.slots[self.due] = state
            self.due = None

    def backward(self):
        self.reversing = True
        action = self.peeked
        if action is None:
            self.slots = []
            return False
        if action[0] == "restore":
            self.origin = self.take()[1]
        elif action[0] == "firsturn":
            self.origin = self.last
        else:
            raise RuntimeError(f"revolve: {action[0]} where a restore was due")
        return True

    def restore(self):
        return self.slots[self.origin]
