"""Part of reverse: to-be-recorded analysis on the generated sweeps.

The reverse transformation first saves every value a statement overwrites;
this pass keeps only the saves of values the adjoint sweep actually reads
(a value read only by the primal, or whose adjoint rule needs no primal value,
is never put on the tape). Control-flow records are always kept.

>>> from s2sad.tree import emit, nodes
>>> import gast
>>> primal = [gast.parse("_tape.append(x)").body[0], gast.parse("x = x + 1.0").body[0]]
>>> adjoint = [gast.parse("x = _tape.pop()").body[0], gast.parse("b_y = b_x").body[0]]
>>> keep = needed(adjoint, ("_tape",), (), {"x"})
>>> [emit.unparse(s) for s in prune(primal, adjoint, ("_tape",), (), keep)[0]]
['x = x + 1.0']
"""
from __future__ import annotations

import gast

from ..tree import nodes


def needed(adjoint, stacks, records, saved: set) -> set:
    """The saved names that the adjoint sweep reads (apart from restoring them)."""
    records = set(records)
    read = set()
    for s in nodes.walk_stmts(adjoint):
        if any(_is_pop_of_value(s, stack, records) for stack in stacks):
            continue
        read |= _header_names(s) if _is_compound(s) else nodes.names_loaded(s)
    return saved & read


def prune(primal, adjoint, stacks, records, keep: set):
    """Both sweeps without the pushes and pops of saved names outside ``keep``."""
    records = set(records)

    def useful(s):
        if any(_is_pop_of_value(s, stack, records) for stack in stacks):
            return _restored(s) in keep
        pushed = [_pushed_name(s, stack) for stack in stacks]
        ident = next((p for p in pushed if p is not None), None)
        return ident is None or ident in keep or ident in records
    return _filter(primal, useful), _filter(adjoint, useful)


def shapes_only(primal, adjoint, tape: str, keep: set) -> None:
    """Where the adjoint reads a saved array only for its shape (the second argument of
    ``_rt.unbroadcast``), save ``_rt.shape_of(x)`` instead, so that the tape does not
    keep the array alive:

    >>> from s2sad.tree import emit
    >>> primal = [gast.parse("_tape.append(v)").body[0], gast.parse("v = a @ w").body[0]]
    >>> adjoint = [gast.parse("b_a = _rt.unbroadcast(b_v, v)").body[0],
    ...            gast.parse("v = _tape.pop()").body[0]]
    >>> shapes_only(primal, adjoint, "_tape", {"v"})
    >>> emit.unparse(primal[0])
    '_tape.append(_rt.shape_of(v))'
    """
    shape_reads = {id(n.args[1]) for s in adjoint for n in nodes.walk(s)
                   if isinstance(n, gast.Call) and len(n.args) == 2
                   and isinstance(n.func, gast.Attribute) and n.func.attr == "unbroadcast"
                   and isinstance(n.func.value, gast.Name) and n.func.value.id == "_rt"}
    other_reads = set()
    for s in nodes.walk_stmts(adjoint):
        if _is_pop_of_value(s, tape, ()):
            continue
        part = [getattr(s, "test", None) or s.iter] if _is_compound(s) else [s]
        other_reads |= {n.id for p in part for n in nodes.walk(p)
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
                        and id(n) not in shape_reads}
    for s in nodes.walk_stmts(primal):
        ident = _pushed_name(s, tape)
        if ident in keep and ident not in other_reads and isinstance(s.value.args[0], gast.Name):
            s.value.args[0] = nodes.call("_rt.shape_of", s.value.args[0])


def private_restores(adjoint, stacks) -> list:
    """After ``y = _tape.pop()`` of an array whose slots the sweep then restores in place
    (``y[i] = _tape.pop()``), ``y = _rt.copy(y)``: the popped array is the tape's own, and
    a pullback run again must find it as the primal left it.

    >>> from s2sad.tree import emit
    >>> adjoint = [gast.parse(c).body[0] for c in ("y = _tape.pop()", "y[0] = _tape.pop()")]
    >>> [emit.unparse(s) for s in private_restores(adjoint, ("_tape",))]
    ['y = _tape.pop()', 'y = _rt.copy(y)', 'y[0] = _tape.pop()']
    """
    slotted = {s.targets[0].value.id for s in nodes.walk_stmts(adjoint)
               if any(_is_pop_of_value(s, stack, ()) for stack in stacks)
               and isinstance(s.targets[0], gast.Subscript)}

    def copied(block):
        out = []
        for s in block:
            for field in ("body", "orelse"):
                if getattr(s, field, None):
                    setattr(s, field, copied(getattr(s, field)))
            out.append(s)
            if any(_is_pop_of_value(s, stack, ()) for stack in stacks) \
                    and isinstance(s.targets[0], gast.Name) and s.targets[0].id in slotted:
                ident = s.targets[0].id
                out.append(gast.copy_location(
                    nodes.assign(ident, nodes.call("_rt.copy", nodes.name(ident))), s))
        return out
    return copied(adjoint)


def uses(block, stack: str) -> bool:
    return any(_is_push(s, stack) for s in nodes.walk_stmts(block))


def _is_compound(s) -> bool:
    return isinstance(s, (gast.If, gast.For, gast.While))


def _header_names(s) -> set:
    if isinstance(s, (gast.If, gast.While)):
        return nodes.names_loaded(s.test)
    return nodes.names_loaded(s.iter) | nodes.names_loaded(s.target)


def _is_push(s, stack) -> bool:
    return (isinstance(s, gast.Expr) and isinstance(s.value, gast.Call)
            and isinstance(s.value.func, gast.Attribute) and s.value.func.attr == "append"
            and isinstance(s.value.func.value, gast.Name) and s.value.func.value.id == stack)


def _pushed_name(s, stack):
    """The name whose value a push saves: ``x`` or, for a slot, ``np.copy(y[i])`` -> y."""
    if not _is_push(s, stack):
        return None
    value = s.value.args[0]
    if isinstance(value, gast.Call) and value.args and isinstance(value.args[0], gast.Subscript):
        value = value.args[0].value
    return value.id if isinstance(value, gast.Name) else None


def _is_pop_of_value(s, stack, records) -> bool:
    value = getattr(s, "value", None)
    return (isinstance(s, gast.Assign) and isinstance(value, gast.Call)
            and isinstance(value.func, gast.Attribute) and value.func.attr == "pop"
            and isinstance(value.func.value, gast.Name) and value.func.value.id == stack
            and _restored(s) not in records)


def _restored(s) -> str:
    """The name a pop restores: ``x = _tape.pop()`` or ``y[i] = _tape.pop()``."""
    target = s.targets[0]
    return target.id if isinstance(target, gast.Name) else target.value.id


def _filter(block, keep) -> list:
    out = []
    for s in block:
        if not keep(s):
            continue
        for field in ("body", "orelse"):
            if getattr(s, field, None):
                setattr(s, field, _filter(getattr(s, field), keep))
        out.append(s)
    return out
