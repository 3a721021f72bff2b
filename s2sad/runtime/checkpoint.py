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
body's pieces (:class:`Schedule` splits them where the primal sweep ends). A run of
one-step advances each keeping the state, and the run of restores and steps that later
turns back over them, is one action each (``taking``, ``reversing``), so that a cheap
body is not outweighed by the schedule; :func:`primitive` writes them out:

>>> list(revolve(3, 2))
[('take', 0, 0), ('advance', 0, 1), ('taking', 1, 2), ('step', 2, 3), ('reversing', 0, 2)]
>>> list(primitive(revolve(3, 2)))
[('take', 0, 0), ('advance', 0, 1), ('take', 1, 1), ('advance', 1, 2), ('step', 2, 3), \
('restore', 1, 1), ('step', 1, 2), ('restore', 0, 0), ('step', 0, 1)]
"""
from math import comb

__all__ = ["checkpointed", "revolve", "repetitions", "primitive", "Schedule", "Online",
           "ADVANCE", "TAKE", "RESTORE", "STEP", "TAKING", "REVERSING"]

ADVANCE = "advance"   # (ADVANCE, p, q): run steps p..q-1 untaped
TAKE = "take"         # (TAKE, slot, p): push the state before step p (slot: the depth)
RESTORE = "restore"   # (RESTORE, slot, p): pop the top snapshot, the state before step p
STEP = "step"         # (STEP, p, p + 1): run step p taped, then its adjoint
# where revolve advances one step at a time, keeping each state, its actions are a take
# and a one-step advance per step, and later a restore and a step per step: one action
# stands for each run of them, so that the generated code loops over the steps
TAKING = "taking"         # (TAKING, p, q): for each step p..q-1, take, then advance it
REVERSING = "reversing"   # (REVERSING, p, q): for each step q-1..p, restore, then step


def checkpointed(iterable, snapshots=1):
    """Mark a loop for checkpointing; returns ``iterable`` unchanged (a sequence for
    ``for``, a condition for ``while s2sad.checkpointed(cond, snapshots=s):``)."""
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
    if length <= 1 + free * (free + 1) // 2:    # r <= 2 and the range starts at 1
        return 1
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
        if not free:                    # steps end-1..start, each restored, then stepped
            yield REVERSING, start, end
            current = start + 1
            continue
        if current != start:
            yield RESTORE, snapshots - free, start
            if end - start > 1:
                yield TAKE, snapshots - free, start
        while end - start > 1:
            middle = start + _split(end - start, free)
            if middle == start + 1:     # a run of one-step advances, each state kept
                run = start
                start, free = start + 1, free - 1
                while 1 < end - start <= 1 + free * (free + 1) // 2:    # _split is 1
                    start, free = start + 1, free - 1
                yield ADVANCE, run, run + 1
                if start > run + 1:
                    yield TAKING, run + 1, start
                pending.append((run, start, 0))
                if end - start > 1:
                    yield TAKE, snapshots - free, start
                continue
            yield ADVANCE, start, middle
            pending.append((start, middle, free))
            start, free = middle, free - 1
            if end - start > 1:
                yield TAKE, snapshots - free, start
        yield STEP, start, start + 1
        current = start + 1


def primitive(actions):
    """``actions`` with each ``TAKING`` and ``REVERSING`` written out as the takes,
    advances, restores and steps it stands for (a slot: the snapshots held before it).

    >>> list(primitive([(TAKE, 0, 0), (TAKING, 1, 3), (REVERSING, 0, 2)]))
    [('take', 0, 0), ('take', 1, 1), ('advance', 1, 2), ('take', 2, 2), ('advance', 2, 3), \
('restore', 2, 1), ('step', 1, 2), ('restore', 1, 0), ('step', 0, 1)]
    """
    held = 0
    for action, p, q in actions:
        if action == TAKING:
            for j in range(p, q):
                yield TAKE, held, j
                yield ADVANCE, j, j + 1
                held += 1
        elif action == REVERSING:
            for j in reversed(range(p, q)):
                held -= 1
                yield RESTORE, held, j
                yield STEP, j, j + 1
        else:
            held += {TAKE: 1, RESTORE: -1}.get(action, 0)
            yield action, p, q


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


class Online:
    """The schedule of a marked ``while`` loop, whose trip count is known only when it
    ends. The primal sweep keeps the state before steps ``0, d, 2d, ...`` and calls
    :meth:`full` then :meth:`due` before each step: when ``h = max(1, snapshots // 2)``
    are held and another is due, every other one is dropped (the generated code keeps
    ``[::2]``) and the spacing ``d`` doubles (each step runs untaped once in the primal
    sweep; a segment is at most ``2 n / h`` steps). :meth:`backward` then reverses the
    segments between snapshots, last first, each by revolve with the snapshots the
    earlier segments leave free, ``snapshots - j >= snapshots - h + 1`` for segment
    ``j`` (its actions shifted to the segment's steps; the snapshots form one stack:
    ``restore`` pops the segment's own one). At most ``snapshots`` are held at once.

    >>> r = Online(4)
    >>> [(r.full(), r.due()) for _ in range(5)]
    [(False, True), (False, True), (True, True), (False, False), (True, True)]
    >>> r.held, r.spacing, list(r.backward())
    (2, 4, [('restore', 1, 4), ('step', 4, 5), ('restore', 0, 0), ('take', 0, 0), \
('advance', 0, 1), ('taking', 1, 3), ('step', 3, 4), ('reversing', 0, 3)])
    """

    def __init__(self, snapshots):
        self.size = max(1, int(snapshots))
        self.online = max(1, self.size // 2)        # held in the primal sweep, at most
        self.steps, self.spacing, self.held = 0, 1, 0

    def full(self) -> bool:
        """Whether the snapshots must be thinned before this step (keep every other)."""
        if self.steps % self.spacing or self.held < self.online:
            return False
        self.held, self.spacing = (self.held + 1) // 2, 2 * self.spacing
        return True

    def due(self) -> bool:
        """Whether to keep the state before this step; counts the step."""
        take = self.steps % self.spacing == 0
        self.steps += 1
        self.held += take
        return take

    def backward(self):
        for j in reversed(range(self.held)):
            start = j * self.spacing
            yield RESTORE, j, start
            for action, p, q in revolve(min(self.steps, start + self.spacing) - start,
                                        self.size - j):
                yield (action, p + j, q + start) if action in (TAKE, RESTORE) \
                    else (action, p + start, q + start)
