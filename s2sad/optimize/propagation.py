"""Local copy propagation: one forward pass per block, innermost blocks first, with
the function's load and assignment counts kept up to date as statements change (the
pass that made first calls quadratic restarted from the top after each substitution).
"""
from __future__ import annotations

import bisect

import gast

from ..tree import nodes


def propagate_local(body, counts, whole, params) -> tuple[list, int]:
    """``a = b`` in any block, ``a`` assigned once and read only later in that block,
    ``b`` not reassigned before the last read: read ``b`` there instead. Returns the
    body and how many assignments it dropped. One pass over each block, innermost
    first, with the function's load and assignment counts kept up to date as it goes
    (no walk over the whole function per candidate, no recursion)."""
    table = _Counts(whole, counts)
    dropped = 0
    for owner, field in _blocks_innermost_first(body):
        block = getattr(owner, field) if owner is not None else body
        block, n = _LocalBlock(block, table, params).run()
        dropped += n
        if owner is None:
            body = block
        else:
            setattr(owner, field, block)
    return body, dropped


def _blocks_innermost_first(body):
    """``(owner, field)`` of every if/for/while body in ``body``, inner ones before the
    blocks that hold them, and last ``(None, None)`` for ``body`` itself."""
    order, stack = [], [(None, None, body)]
    while stack:
        owner, field, block = stack.pop()
        order.append((owner, field))
        for s in block:
            for f in ("body", "orelse"):
                if getattr(s, f, None) and not isinstance(s, gast.FunctionDef):
                    stack.append((s, f, getattr(s, f)))
    return order[::-1]


class _Counts:
    """How many times the function loads and assigns each name, kept up to date."""

    def __init__(self, whole, assigned):
        self.assigned = dict(assigned)
        self.loads: dict[str, int] = {}
        for s in whole:
            _add_loads(self.loads, s)


def _add_loads(table, s):
    for n in nodes.walk(s):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            table[n.id] = table.get(n.id, 0) + 1


class _LocalBlock:
    """One block's copies ``a = b`` dropped in one pass, first to last, with per
    statement load counts and an index of where each name is read and written."""

    def __init__(self, block, table, params):
        self.block, self.table, self.params = list(block), table, params
        self.loads = []
        self.readers: dict[str, list] = {}
        self.writers: dict[str, list] = {}
        self.in_place = [0]
        for j, s in enumerate(self.block):
            loads, _, written, in_place = nodes.facts(s)
            self.loads.append(loads)
            for ident in loads:
                self.readers.setdefault(ident, set()).add(j)
            for ident in written:
                self.writers.setdefault(ident, []).append(j)
            self.in_place.append(self.in_place[-1] + in_place)
        self.alive = [True] * len(self.block)

    def run(self) -> tuple[list, int]:
        dropped = 0
        for i, s in enumerate(self.block):
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                    and nodes.is_atom(s.value) and self._drop(i, s):
                dropped += 1
        return [s for s, keep in zip(self.block, self.alive) if keep], dropped

    def _drop(self, i, s) -> bool:
        target, source = s.targets[0].id, s.value
        if target == getattr(source, "id", None):
            self._remove(i, target, source)
            return True
        if self.table.assigned.get(target) != 1 or target in self.params:
            return False
        readers = sorted(j for j in self.readers.get(target, ()) if j > i)
        if not readers or sum(self.loads[j][target] for j in readers) != \
                self.table.loads.get(target, 0):
            return False
        last = readers[-1]
        if isinstance(source, gast.Name) and self._written(source.id, i, last):
            return False
        if self.in_place[last + 1] - self.in_place[i + 1]:
            return False                                 # a view may see the update
        for j in readers:
            self.block[j] = nodes.substitute(self.block[j], {target: source})
            count = self.loads[j].pop(target)
            if isinstance(source, gast.Name):
                self.loads[j][source.id] = self.loads[j].get(source.id, 0) + count
                self.table.loads[source.id] = self.table.loads.get(source.id, 0) + count
        self.table.loads[target] = 0
        if isinstance(source, gast.Name):
            self.readers.setdefault(source.id, set()).update(readers)
        self.readers[target] = set()
        self._remove(i, target, source)
        return True

    def _written(self, ident, i, last) -> bool:
        """Whether a live statement after ``i`` and before ``last`` (``last`` too when it
        is compound) may change ``ident``."""
        end = last + 1 if is_compound(self.block[last]) else last
        writers = self.writers.get(ident, ())
        return any(self.alive[j] for j in writers[bisect.bisect_right(writers, i):
                                                  bisect.bisect_left(writers, end)])

    def _remove(self, i, target, source):
        self.alive[i] = False
        self.table.assigned[target] = self.table.assigned.get(target, 0) - 1
        if isinstance(source, gast.Name):
            self.table.loads[source.id] -= 1
            self.loads[i] = {}
            self.readers[source.id].discard(i)


def updates_in_place(s) -> bool:
    return any(isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store)
               for n in nodes.walk(s))


def assignment_counts(body) -> dict:
    """How many times each name is assigned (for targets and augmented targets too)."""
    counts: dict[str, int] = {}
    for s in nodes.walk_stmts(body):
        targets = s.targets if isinstance(s, gast.Assign) else \
            [s.target] if isinstance(s, (gast.For, gast.AugAssign)) else []
        for t in targets:
            if t.__class__ is gast.Name and t.ctx.__class__ is gast.Store:
                counts[t.id] = counts.get(t.id, 0) + 1        # most targets: one name
                continue
            for ident in nodes.names_stored(t):
                counts[ident] = counts.get(ident, 0) + 1
    return counts


def is_compound(s) -> bool:
    return isinstance(s, (gast.If, gast.For, gast.While))
