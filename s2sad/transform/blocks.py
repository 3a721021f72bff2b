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


_PURE = (gast.Name, gast.Constant, gast.UnaryOp, gast.BinOp, gast.operator, gast.unaryop,
         gast.expr_context)


def invariant_assignments(tree, scalar) -> set:
    r"""Names assigned by one statement, in a loop, whose value is the same each time it
    runs: arithmetic (no call, no subscript) on constants and names no statement rebinds
    (``v2 = -k``). Saving such a value before each overwrite would save the value it
    already has, so the tape skips it; the assignment stays where it is (it raises, or
    not, as before). ``scalar(name)``: the name holds a float or an int, and nothing in
    ``tree`` updates an array in place (a 0-d array is a scalar too); none may be passed to
    a call (which might update it).

    >>> tree = gast.parse("for i in r:\n    t = -k\n    u = t * x\n    x = f(u)")
    >>> sorted(invariant_assignments(tree, lambda name: True))
    ['t']
    """
    body = tree.body
    called = set().union(*(nodes.names_loaded(n) for n in gast.walk(tree)
                           if isinstance(n, gast.Call)))
    counts: dict[str, int] = {}
    stored, in_loops = set(), set()
    for s in nodes.walk_stmts(body):
        stored |= nodes.names_stored(s) if not isinstance(s, (gast.If, gast.For, gast.While)) \
            else nodes.names_stored(getattr(s, "target", gast.Pass()))
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            counts[s.targets[0].id] = counts.get(s.targets[0].id, 0) + 1
        if isinstance(s, (gast.For, gast.While)):
            in_loops |= nodes.names_stored(s)
    single = {n for n, c in counts.items() if c == 1}
    out = set()
    for s in nodes.walk_stmts(body):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
            continue
        target = s.targets[0].id
        reads = nodes.names_loaded(s.value)
        if target in single and target in in_loops and target not in reads \
                and all(isinstance(n, _PURE) for n in gast.walk(s.value)) \
                and all(scalar(n) and n not in called
                        and (n not in stored or n in single and n not in in_loops)
                        for n in reads):
            out.add(target)
    return out


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


def reversing(p: str, q: str, gen, restore, start, one, adjoint):
    """``for _k in range(q - 1, p - 1, -1):`` ``restore``, then ``one`` (a taped loop) over
    ``range(_k, _k + 1)`` and ``adjoint``, its adjoint loop; written out as one step where
    the loops only count it (``_n += 1``, ``for _ in range(_n)``)."""
    k = nodes.name(gen.numbered("_k"))
    last, stop = [nodes.binop(nodes.name(n), gast.Sub(), nodes.const(1)) for n in (q, p)]
    iterable = nodes.call("range", last, stop, nodes.const(-1))
    if _only_counts(one, adjoint):
        bind = [nodes.assign(one.target.id, nodes.name(k.id))] \
            if one.target.id in nodes.names_loaded(one) else []
        body = restore + bind + one.body[1:] + adjoint.body
    else:
        one.iter = nodes.call("range", k, nodes.binop(k, gast.Add(), nodes.const(1)))
        body = restore + start + [one, adjoint]
    return nodes.for_(nodes.name(k.id, store=True), iterable, body)


def _only_counts(one, adjoint) -> bool:
    """Whether ``one`` starts with ``_n += 1`` and ``adjoint`` is ``for _ in range(_n)``
    (no jump in either, no else, the targets plain names)."""
    first = one.body[0] if one.body else None
    count = getattr(getattr(first, "target", None), "id", None)
    head = adjoint.iter
    return isinstance(first, gast.AugAssign) and count is not None \
        and isinstance(one.target, gast.Name) and isinstance(adjoint.target, gast.Name) \
        and isinstance(head, gast.Call) and getattr(head.func, "id", None) == "range" \
        and len(head.args) == 1 and getattr(head.args[0], "id", None) == count \
        and adjoint.target.id not in nodes.names_loaded(adjoint) \
        and not one.orelse and not adjoint.orelse \
        and not any(isinstance(n, (gast.Break, gast.Continue))
                    for loop in (one, adjoint) for n in gast.walk(loop))
