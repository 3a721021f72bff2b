r"""Small facts about, and surgery on, the statement blocks the reverse transform builds.

>>> import gast
>>> body = gast.parse("a = 1\nfor i in r:\n    b = a\nc = 2").body
>>> sorted(single_assignments(body))
['a', 'c']
"""
from __future__ import annotations

from dataclasses import dataclass

import gast

from ..tree import nodes


def single_assignments(body) -> set:
    """Names assigned exactly once and not inside a loop: they never need the tape."""
    counts: dict[str, int] = {}
    in_loops = set()
    for s in nodes.walk_stmts(body):
        if isinstance(s, gast.Assign):
            if isinstance(s.targets[0], gast.Name):
                counts[s.targets[0].id] = counts.get(s.targets[0].id, 0) + 1
        if isinstance(s, (gast.For, gast.While)):
            in_loops |= nodes.names_stored(s)
    return {n for n, c in counts.items() if c == 1 and n not in in_loops}


def at_exits(block, stmt) -> list:
    """Insert ``stmt`` where control leaves ``block``: before a final jump, at its end,
    or at the exits of a final ``if`` (jumps only end blocks after normalize)."""
    if block and isinstance(block[-1], (gast.Break, gast.Continue)):
        return block[:-1] + [stmt, block[-1]]
    if block and isinstance(block[-1], gast.Raise):
        return block
    if block and isinstance(block[-1], gast.If) and has_jump(block[-1]):
        last = block[-1]
        last.body = at_exits(last.body, nodes.clone(stmt))
        last.orelse = at_exits(last.orelse, nodes.clone(stmt))
        return block
    return block + [stmt]


def has_jump(s) -> bool:
    return any(isinstance(n, (gast.Break, gast.Continue)) for n in nodes.walk_stmts(s.body + s.orelse))


def is_call_to(expr, path: str) -> bool:
    return isinstance(expr, gast.Call) and nodes.dotted_path(expr.func) == path


@dataclass(frozen=True)
class TripRecord:
    """The statements of a for loop's record in the primal sweep, rewritten in place when
    the adjoint sweep turns out to need only the trip count."""

    start: gast.Assign       # _i = []
    loop: gast.For           # its body starts with _i.append(target)
    handed: list             # [_path.append(_i)] inside an outer loop, else []
