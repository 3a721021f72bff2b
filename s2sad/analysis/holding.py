"""Part of aliasing: which tuples and lists hold which arrays.

A tuple or a list holds its items by reference: after ``keep = (y, 1.0)`` an
update ``y[1] = v`` changes what ``keep[0]`` reads, and ``z = keep[0]`` is ``y``
itself, so ``z[0] = v`` changes ``y``. The pairs made here join the others of
:mod:`aliasing`: ``(holder, item, statement, False)`` for a container made from
or given an item (an update of the item reaches the holder; a change of the
list, ``keep.append(w)``, changes no item), ``(name, item, statement, True)``
for a name taken out of a container by indexing (the same object as the item).
A slice of a container (``part = keep[::2]``) is not one of its items: it holds
them, as ``keep`` does (``(part, item, statement, False)``).
"""
from __future__ import annotations

import gast

from . import kinds as kind_rules
from .prims import pack_items
from .views import is_view_index
from ..front.normalize import AUGMENTED
from ..tree import nodes


def pairs(assigns, prims, appends, stores, held=()) -> list:
    """The holding pairs: ``keep = (y, 1.0)``, ``[y]``, ``keep.append(y)``,
    ``keep[i] = y`` into a list (``stores``: item assignments to what is not an
    array), ``held`` (what a helper's result may hold), and ``z = keep[i]``,
    unpacking ``a, b = keep`` included."""
    made = list(held)
    for s in assigns:
        if prims[s].op == "pack":
            made += [(s.targets[0].id, e.id, s, False) for e in pack_items(s.value)
                     if isinstance(e, gast.Name)]
    for s, (holder, item) in appends:
        if isinstance(item, gast.Name):
            made.append((holder, item.id, s, False))
    for s in stores:
        if isinstance(s.value, gast.Name):
            made.append((s.targets[0].value.id, s.value.id, s, False))
    items = _items(assigns, prims, made)
    packs = _single_packs(assigns, prims)
    for s in assigns:
        if prims[s].op == "index" and isinstance(s.value.value, gast.Name):
            taken, part = _taken(s.value, items, packs), is_view_index(s.value.slice)
            made += [(s.targets[0].id, item, s, not part) for item in sorted(taken)]
    return made


def _items(assigns, prims, holding) -> dict:
    """name -> the names it may hold: its own items, and those of the containers it is
    a copy of, or may be as an item of another container (a fixed point)."""
    items: dict = {}
    for holder, item, _, _ in holding:
        items.setdefault(holder, set()).add(item)
    same = [(s.targets[0].id, prims[s].source) for s in assigns if prims[s].op == "copy"]
    indexed = [s for s in assigns
               if prims[s].op == "index" and isinstance(s.value.value, gast.Name)]
    taken = [(s.targets[0].id, s.value.value.id) for s in indexed]
    parts = [(s.targets[0].id, s.value.value.id) for s in indexed
             if is_view_index(s.value.slice)]
    grown = True
    while grown:
        before = sum(len(v) for v in items.values())
        for a, b in same:                          # one object under two names
            union = items.get(a, set()) | items.get(b, set())
            if union:
                items[a], items[b] = set(union), set(union)
        for name, container in taken:              # an item that is a container itself
            for item in list(items.get(container, ())):
                items.setdefault(name, set()).update(items.get(item, ()))
        for name, container in parts:              # a slice holds the container's items
            items.setdefault(name, set()).update(items.get(container, ()))
        grown = sum(len(v) for v in items.values()) > before
    return items


def _single_packs(assigns, prims) -> dict:
    """name -> its tuple or list display, for a name assigned once, by a display."""
    counts: dict = {}
    for s in assigns:
        counts[s.targets[0].id] = counts.get(s.targets[0].id, 0) + 1
    return {s.targets[0].id: s.value for s in assigns
            if prims[s].op == "pack" and counts[s.targets[0].id] == 1
            and not isinstance(s.value, gast.Dict)}


def _taken(value, items, packs) -> set:
    """The names ``container[index]`` may be: the one item a constant index picks from
    a display nothing changes, else any item the container may hold."""
    container, index = value.value.id, value.slice
    held = items.get(container, set())
    display = packs.get(container)
    if display is not None and held == {e.id for e in display.elts if isinstance(e, gast.Name)} \
            and isinstance(index, gast.Constant) and isinstance(index.value, int) \
            and -len(display.elts) <= index.value < len(display.elts):
        item = display.elts[index.value]
        return {item.id} if isinstance(item, gast.Name) else set()
    return set(held)


SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
            gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%"}


def augmented_items(assigns, prims, kinds, arg_kinds, parsed) -> list:
    """``w op= v`` on an item of a list, tuple or dict argument (``z = p[1]; z *= 2.0``):
    an array item changes in the caller's container, a number does not, and the kinds do
    not know which the item is; refused (the rewrite is right either way)."""
    containers = {n for n, k in arg_kinds.items()
                  if not (kind_rules.is_array(k) or k == kind_rules.INTARRAY
                          or kind_rules.is_scalar(k))}
    items = {s.targets[0].id: s.value.value.id for s in assigns if prims[s].op == "index"
             and isinstance(s.value.value, gast.Name) and s.value.value.id in containers}
    found = []
    for s in assigns:
        value = s.value
        if getattr(s, AUGMENTED, None) and isinstance(value, gast.BinOp) \
                and isinstance(value.left, gast.Name) and value.left.id in items \
                and not kind_rules.is_scalar(kinds.get(value.left.id)):
            op, name = SYMBOLS.get(type(value.op), "op"), getattr(s, AUGMENTED)
            argument = items[value.left.id]
            found.append((argument, parsed.violation(
                s, "in-place-input", f"'{name} {op}= ...' on an item of the argument "
                f"{argument!r}: an array item would change in the caller's {argument!r}, "
                "which the derivative would not do", f"write {name} = {name} {op} ... "
                "(a new value)")))
    return found


def number_displays(assigns) -> set:
    """Names bound to a tuple or list of number constants (``for i in (0.5, 2.0)``'s
    sequence) or to ``_rt.as_sequence`` of one: their items are numbers, which ``+=``
    rebinds rather than changes in place."""
    out = set()
    for s in assigns:
        value = s.value
        if isinstance(value, (gast.Tuple, gast.List)) and value.elts and all(
                isinstance(e, gast.Constant) and isinstance(e.value, (int, float))
                and not isinstance(e.value, bool) for e in value.elts):
            out.add(s.targets[0].id)
        elif isinstance(value, gast.Call) and len(value.args) == 1 \
                and nodes.dotted_path(value.func) == "_rt.as_sequence" \
                and isinstance(value.args[0], gast.Name) and value.args[0].id in out:
            out.add(s.targets[0].id)
    return out
