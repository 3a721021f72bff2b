"""Optimize, adjoint inlining: an adjoint ``b_t = e`` read once, by the next statement
that reads it, is substituted there (primal temporaries stay: they are the evaluation
trace). Whether the value may be read after that statement is a lookup in per-name
sorted events (the function's body) or in counts made once per block (a loop or
branch body), and an expression is written out to measure it only where bounds on its
length do not decide: each candidate costs what it reads, not the rest of the function.
"""
from __future__ import annotations

import bisect

import gast

from ..tree import emit, nodes
from .expressions import pure
from .propagation import assignment_counts, is_compound

_INLINE_CHARS = 40      # longer expressions keep their own line: it reads better


def inline(body, adjoints, whole=None) -> tuple[list, int]:
    """An adjoint ``b_t = e`` used once by the next statement that reads it -> substitute
    ``e`` there (primal temporaries stay: they are the evaluation trace). A write in a
    branch that may not be taken does not end ``b_x``'s life, so ``b_x = 1.0`` stays:

    >>> print(_demo('''
    ... def f(x, c):
    ...     b_x = 1.0
    ...     b_y = b_x
    ...     if c:
    ...         b_x = b_y * 3.0
    ...     return b_x, b_y'''), end="")
    def f(x, c):
        b_x = 1.0
        b_y = b_x
        if c:
            b_x = b_y * 3.0
        return (b_x, b_y)

    Returns the body and how many assignments it substituted.
    """
    body, i, inlined = list(body), 0, 0
    whole = whole or body
    for s in body:
        for field in ("body", "orelse"):
            if is_compound(s) and getattr(s, field):
                inner, n = inline(getattr(s, field), adjoints, whole)
                setattr(s, field, inner)
                inlined += n
    uses = _Uses()
    after = _Events(body, uses, adjoints) if whole is body else _Deaths(whole)
    while i < len(body):
        s = body[i]
        j = _inline_site(body, i, adjoints, after, uses)
        if j is None:
            i += 1
            continue
        before = uses(body[j])
        uses.forget(body[j])
        body[j] = nodes.substitute(body[j], {s.targets[0].id: s.value})   # in place
        after.replaced(j, before, uses(body[j]))
        after.dropped(i)
        del body[i]
        inlined += 1
    return body, inlined


class _Uses:
    """Per simple statement, computed once: ``(loads: name -> count, names written,
    whether it updates in place, names an assignment stores, names stored)``; a compound
    statement's, every time."""

    def __init__(self):
        self.memo = {}

    def __call__(self, s):
        hit = self.memo.get(id(s))
        if hit is not None and hit[0] is s:
            return hit[1]
        loads, stored, written, in_place = nodes.facts(s)
        facts = (loads, written, in_place, stored if isinstance(s, gast.Assign) else set(),
                 stored)
        if not is_compound(s):
            self.memo[id(s)] = (s, facts)
        return facts

    def forget(self, s):
        self.memo.pop(id(s), None)


def _inline_site(body, i, adjoints, after, uses):
    """The index of the one statement where ``body[i]`` can be substituted, or None.
    In a loop or branch body (``after`` a :class:`_Deaths`) the value may be read
    after the block or in the next iteration, so there the reader must assign the name
    again, or be the only place the function reads a name it assigns only here."""
    s = body[i]
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and s.targets[0].id in adjoints and pure(s.value)):
        return None
    target, reads = s.targets[0].id, nodes.names_loaded(s.value)
    ended = reads | {target}              # a write of one ends the candidate
    for j in range(i + 1, len(body)):
        later = body[j]
        loads, written, in_place, _, _ = uses(later)
        count = loads.get(target, 0)
        if count == 0:
            if not written.isdisjoint(ended) or is_compound(later) \
                    or in_place:                      # a view may see the update
                return None
            continue
        if count > 1 or is_compound(later) or after.used_after(j, target, later) \
                or _long(s.value):
            return None
        return j
    return None


def _long(e) -> bool:
    """Whether ``e`` is written in more than ``_INLINE_CHARS`` characters; bounds on its
    length (a lower: its names, attributes, operators with their spaces; an upper: every
    operation in parentheses) answer most without writing it out."""
    least = 0
    for n in nodes.walk(e):
        if isinstance(n, gast.Name):
            least += len(n.id)
        elif isinstance(n, gast.Attribute):
            least += len(n.attr) + 1
        elif isinstance(n, gast.BinOp):
            least += 3
    if least > _INLINE_CHARS:
        return True
    most = _at_most(e)
    if most is not None and most <= _INLINE_CHARS:
        return False
    return len(emit.unparse(e)) > _INLINE_CHARS


_OPS = {"Add": "+", "Sub": "-", "Mult": "*", "MatMult": "@", "Div": "/", "Mod": "%",
        "LShift": "<<", "RShift": ">>", "BitOr": "|", "BitXor": "^", "BitAnd": "&",
        "FloorDiv": "//", "Pow": "**", "Invert": "~", "Not": "not", "UAdd": "+", "USub": "-",
        "Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=",
        "Is": "is", "IsNot": "is not", "In": "in", "NotIn": "not in"}


def _at_most(e):
    """An upper bound on the length of ``e`` as text, or None where not known."""
    parts = None
    if isinstance(e, gast.Name):
        return len(e.id)
    if isinstance(e, gast.Constant):
        value = e.value
        if value is None or isinstance(value, bool):
            return len(repr(value))
        if isinstance(value, (int, float)) and abs(value) < float("inf"):
            return len(repr(abs(value))) + 3            # -(2.0) may get parentheses
        return None
    if isinstance(e, gast.Attribute):
        parts, extra = [e.value], 3 + len(e.attr)
    elif isinstance(e, gast.BinOp):
        parts, extra = [e.left, e.right], 4 + len(_OPS[type(e.op).__name__])
    elif isinstance(e, gast.UnaryOp):
        parts, extra = [e.operand], 3 + len(_OPS[type(e.op).__name__])
    elif isinstance(e, gast.Call) and all(k.arg for k in e.keywords) \
            and not any(isinstance(a, gast.Starred) for a in e.args):
        parts = [e.func, *e.args, *(k.value for k in e.keywords)]
        extra = 4 + 2 * len(parts) + sum(len(k.arg) + 1 for k in e.keywords)
    elif isinstance(e, gast.Subscript):
        parts, extra = [e.value, e.slice], 4
    elif isinstance(e, gast.Tuple):
        parts, extra = e.elts, 3 + 2 * len(e.elts)
    elif isinstance(e, gast.Compare):
        parts = [e.left, *e.comparators]
        extra = 2 + sum(2 + len(_OPS[type(op).__name__]) for op in e.ops)
    if parts is None:
        return None
    sizes = [_at_most(p) for p in parts]
    return None if None in sizes else extra + sum(sizes)


class _Deaths:
    """In a loop or branch body: whether a value of ``target`` may be read after the
    statement that reads it. ``whole`` (the function's body) does not change while one
    block is worked on, so its counts are made once, when first asked."""

    def __init__(self, whole):
        self.whole, self.counts, self.loads = whole, None, None

    def used_after(self, j, target, stmt) -> bool:
        if target in nodes.names_stored(stmt):
            return False
        if self.counts is None:
            self.counts, self.loads = assignment_counts(self.whole), {}
            for w in self.whole:
                for n in nodes.walk(w):
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                        self.loads[n.id] = self.loads.get(n.id, 0) + 1
        return not (self.counts.get(target) == 1 and self.loads.get(target, 0) == 1)

    def replaced(self, j, before, now):
        """A statement of the block (also one of ``whole``'s: the substitution edits it
        in place) read ``before[0]`` and now reads ``now[0]``; the deleted assignment
        stays in ``whole`` until the block is put back."""
        if self.loads is not None:
            for ident in before[0].keys() | now[0].keys():
                self.loads[ident] = self.loads.get(ident, 0) + \
                    now[0].get(ident, 0) - before[0].get(ident, 0)

    def dropped(self, i):
        pass


class _Events:
    """In the function's body: whether the statements after ``body[j]`` may read the
    value a name holds after it. Per name, the statements (by their first position,
    ``order`` follows the body as it shrinks) that read it (True) or assign it on every
    path (False), sorted: the first after ``j`` answers, as a scan would (a branch not
    taken or a loop run zero times does not end a value's life), in a lookup."""

    def __init__(self, body, uses, adjoints):
        self.uses, self.order, self.adjoints = uses, list(range(len(body))), adjoints
        self.events: dict[str, tuple[list, dict]] = {}
        for k, s in enumerate(body):
            for ident, reads in self._of(s).items():
                self._set(ident, k, reads)

    def _of(self, s, facts=None) -> dict:
        loads, _, _, stored, _ = facts or self.uses(s)
        ends = nodes.definitely_assigned([s]) if is_compound(s) else stored
        keep = self.adjoints                # only an adjoint's life is asked about
        return {**{ident: False for ident in ends if ident in keep},
                **{ident: True for ident in loads if ident in keep}}

    def _set(self, ident, k, reads):
        positions, kinds = self.events.setdefault(ident, ([], {}))
        if reads is None:
            if kinds.pop(k, None) is not None:
                positions.remove(k)
            return
        if k not in kinds:
            bisect.insort(positions, k)
        kinds[k] = reads

    def replaced(self, j, before, now):
        """``body[j]`` (a simple statement) had the facts ``before`` and has ``now``."""
        before, now = self._of(None, before), self._of(None, now)
        for ident in before.keys() | now.keys():
            self._set(ident, self.order[j], now.get(ident))

    def dropped(self, i):
        del self.order[i]

    def used_after(self, j, target, stmt) -> bool:
        if target in self.uses(stmt)[4]:
            return False
        positions, kinds = self.events.get(target, ((), {}))
        at = bisect.bisect_right(positions, self.order[j])
        return at < len(positions) and kinds[positions[at]]


def _demo(text: str) -> str:
    func = gast.parse(text.strip()).body[0]
    adjoints = {n.id for n in gast.walk(func) if isinstance(n, gast.Name) and n.id[:2] == "b_"}
    func.body, _ = inline(func.body, adjoints)
    return emit.source(func)
