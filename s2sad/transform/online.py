"""Checkpointed ``while`` loops: ``while s2sad.checkpointed(cond, snapshots=s):``.

The trip count is known only when the loop ends, so the schedule is online
(``_rt.Online``, runtime/checkpoint.py). The primal sweep runs the loop untaped,
keeping the loop-carried state (the names the loop writes that are bound before it,
as for a marked ``for`` loop) before steps ``0, d, 2d, ...``; when ``max(1, s // 2)``
are held and another is due, every other one is dropped and ``d`` doubles. The adjoint
sweep knows the trip count: it reverses the segments between snapshots, last first,
each by revolve with the snapshots left free, restoring a snapshot, taking one,
advancing untaped, or running one step taped followed by its adjoint. At most ``s``
snapshots are held at once, and one step's tape.

>>> import s2sad, numpy as np
>>> def f(x):
...     y = x
...     while s2sad.checkpointed(y < 10.0, snapshots=4):
...         y = y * 1.5 + x
...     return y
>>> text = s2sad.source(f, args=(0.5,))
>>> print(text[text.index("    _r1 ="):text.index("    # adjoint")], end="")
    _r1 = _rt.Online(4)
    _s_y = []
    while s2sad.checkpointed(y < 10.0, snapshots=4):
        if _r1.full():
            _s_y = _s_y[::2]
        if _r1.due():
            _s_y.append(y)
        # line 4: y = y * 1.5 + x
        v1 = y * 1.5
        y = v1 + x
"""
from __future__ import annotations

import gast

from ..runtime.checkpoint import ADVANCE, RESTORE, REVERSING, TAKE, TAKING
from ..tree import nodes
from .blocks import reversing
from .checkpoints import _copy, _follow, _Names, _takes


def apply(marks: dict, trips: dict, primal: list, adjoint: list, carried, updated, gen):
    """Rewrite each marked ``while`` loop's primal and adjoint statements in place."""
    for user_loop, trip in trips.items():
        mark, loop = marks.get(id(user_loop)), trip.loop
        if not isinstance(user_loop, gast.While) or mark is None or mark.adjoint is None \
                or loop not in primal:
            continue
        state = sorted(carried(user_loop))
        names = _Names(gen.numbered("_r"), gen.numbered("_a"), gen.numbered("_p"),
                       gen.numbered("_q"), {n: gen.fresh(f"_s_{n}") for n in state}, updated)
        at = primal.index(loop)
        start = [primal.pop(at - 1)] if at and primal[at - 1] is trip.start else []
        head = [nodes.assign(names.schedule, nodes.call("_rt.Online", mark.snapshots))]
        head += [nodes.assign(names.slots[n], gast.List(elts=[], ctx=gast.Load())) for n in state]
        every_other = gast.Slice(lower=None, upper=None, step=nodes.const(2))
        thin = [nodes.assign(names.slots[n], nodes.subscript(nodes.name(names.slots[n]),
                                                             every_other)) for n in state]
        keep = [nodes.if_(nodes.call(f"{names.schedule}.full"), thin or [nodes.pass_()]),
                nodes.if_(nodes.call(f"{names.schedule}.due"),
                          _takes(names, state) or [nodes.pass_()])]
        untaped = nodes.while_(loop.test, keep + [nodes.clone(s) for s in mark.plain])
        at = primal.index(loop)
        primal[at:at + 1] = head + [gast.copy_location(untaped, loop)]
        restore = [nodes.assign(n, _copy(nodes.call(f"{names.slots[n]}.pop"), n in updated))
                   for n in state]
        taped = _steps(names, loop.body, gen)
        one = _steps(names, [nodes.clone(s) for s in loop.body], gen)
        taking = _steps(names, _takes(names, state) + [nodes.clone(s) for s in mark.plain], gen)
        backward = _follow(names, "backward", [
            (RESTORE, restore), (TAKE, _takes(names, state)),
            (ADVANCE, [_steps(names, [nodes.clone(s) for s in mark.plain], gen)]),
            (TAKING, [taking]),
            (REVERSING, [reversing(names.p, names.q, gen, [nodes.clone(s) for s in restore],
                                    [nodes.clone(s) for s in start], one,
                                    nodes.clone(mark.adjoint))])],
            [nodes.clone(s) for s in start] + [taped, nodes.clone(mark.adjoint)])
        at = adjoint.index(mark.adjoint)
        adjoint[at:at + 1] = [gast.copy_location(backward, mark.adjoint)]
    return primal, adjoint


def _steps(names, body, gen):
    """``for _ in range(_p, _q): body``: the steps ``_p`` to ``_q - 1``."""
    iterable = nodes.call("range", nodes.name(names.p), nodes.name(names.q))
    return nodes.for_(nodes.name(gen.fresh("_"), store=True), iterable, body)
