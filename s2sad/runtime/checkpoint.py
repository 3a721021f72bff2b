"""Checkpointed loops: the marker and the binomial schedule the adjoint of a marked loop follows.

``for i in s2sad.checkpointed(range(n), snapshots=s):`` is the identity when it runs
(the primal, forward mode); the reverse transform recognises the call and, instead of
taping every step, keeps at most ``s`` snapshots of the loop-carried state and
recomputes steps from them during the adjoint sweep, in the order of revolve's
binomial schedule (Griewank and Walther, ACM TOMS 26(1), 2000, Algorithm 799): each
step runs untaped at most ``r`` times, ``r`` the least number with
``C(s + r, s) >= n``, and the total number of untaped steps is the least possible,
``r * n - C(s + r, s + 1)``. Each step also runs once taped, just before its adjoint.

:func:`revolve` yields the actions; the generated code follows them with the loop
body's pieces (:class:`Schedule` splits them where the primal sweep ends):

>>> list(revolve(3, 2))
[('take', 0, 0), ('advance', 0, 1), ('take', 1, 1), ('advance', 1, 2), ('step', 2, 3), \
('restore', 1, 1), ('step', 1, 2), ('restore', 0, 0), ('step', 0, 1)]
"""
from math import comb

__all__ = ["checkpointed", "revolve", "repetitions", "Schedule", "ADVANCE", "TAKE",
           "RESTORE", "STEP"]

ADVANCE = "advance"   # (ADVANCE, p, q): run steps p..q-1 untaped
TAKE = "take"         # (TAKE, slot, p): push the state before step p (slot: the depth)
RESTORE = "restore"   # (RESTORE, slot, p): pop the top snapshot, the state before step p
STEP = "step"         # (STEP, p, p + 1): run step p taped, then its adjoint


def checkpointed(iterable, snapshots=1):
    """Mark a loop for checkpointing; returns ``iterable`` unchanged."""
    return iterable


def repetitions(steps, snapshots) -> int:
    """The least ``r`` with ``C(snapshots + r, snapshots) >= steps``."""
    r = 0
    while comb(snapshots + r, snapshots) < steps:
        r += 1
    return r


def _split(length, free):
    """How far to advance before the next snapshot, for ``length > 1`` steps with ``free``
    snapshots (the one holding the start included): any point of revolve's optimal range
    ``[max(b(c, r-2), l - b(c-1, r)), min(b(c, r-1), l - b(c-1, r-1))]``, b(c, r) = C(c+r, c)."""
    if free == 1:
        return length - 1
    r = repetitions(length, free)
    low = comb(free + r - 2, free) if r >= 2 else 0
    return max(1, low, length - comb(free - 1 + r, free - 1))


def revolve(steps, snapshots):
    """The actions that reverse ``steps`` steps with ``snapshots`` snapshots, in order.
    The snapshots are a stack: slot ``k`` is taken when ``k`` are held and a restore
    pops the top one (and takes it again when later steps start from it too).
    ``pending`` holds the ranges still to reverse, ``(start, end, free)``: the state at
    ``start`` is in slot ``snapshots - free``, ``free`` counting that one."""
    snapshots = max(1, int(snapshots))
    if steps <= 0:
        return
    if steps > 1:
        yield TAKE, 0, 0
    pending = [(0, steps, snapshots)]
    current = 0
    while pending:
        start, end, free = pending.pop()
        if current != start:
            yield RESTORE, snapshots - free, start
            if end - start > 1:
                yield TAKE, snapshots - free, start
        while end - start > 1:
            middle = start + _split(end - start, free)
            yield ADVANCE, start, middle
            pending.append((start, middle, free))
            start, free = middle, free - 1
            if end - start > 1:
                yield TAKE, snapshots - free, start
        yield STEP, start, start + 1
        current = start + 1


class Schedule:
    """revolve's actions for one run of a marked loop: :meth:`forward` yields those
    before the first adjoint step (the primal sweep follows them, then runs the last
    step taped, ``last``); :meth:`backward` yields the rest (the adjoint sweep)."""

    def __init__(self, steps, snapshots):
        self.last = range(0)
        self._actions = revolve(steps, snapshots)

    def forward(self):
        for action in self._actions:
            if action[0] == STEP:
                self.last = range(action[1], action[2])
                return
            yield action

    def backward(self):
        yield from self._actions
