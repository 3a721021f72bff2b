"""Stage 5, optimize: make generated functions what a careful person would write.

Passes, run to a fixed point: propagation of names bound once to a constant
or another name, algebraic cleanup (``1.0 * x``, ``0.0 + x``, ``-(-x)``,
``-a + b``, ``e + e``: s2sad/optimize/algebra.py), forward substitution of adjoints used
once, common subexpressions (s2sad/optimize/cse.py), and dead code elimination. A rewrite
that would make a new array an existing one fires only where no one can tell
(s2sad/analysis/objects.py), and a name a nested def or lambda reads keeps its assignment.

>>> print(_demo('''
... def f(x1, x2):
...     v1 = np.log(x1)
...     v2 = x1 * x2
...     b_v5 = 1.0
...     b_v3 = b_v5
...     b_v4 = -b_v5
...     b_x2 = b_v4 * np.cos(x2)
...     b_v2 = b_v3
...     b_x1 = b_v2 * x2
...     b_x2 = b_x2 + b_v2 * x1
...     b_x1 = b_x1 + b_v3 / x1
...     return b_x1, b_x2'''), end="")
def f(x1, x2):
    return (x2 + 1.0 / x1, x1 - np.cos(x2))
"""
from __future__ import annotations

import bisect
import warnings

import gast

from . import cse
from ..tree import emit, nodes
from .algebra import Simplify
from .expressions import pure
from .propagation import is_compound, propagate_local
from ..analysis.objects import Objects

_INLINE_CHARS = 40      # longer expressions keep their own line: it reads better
MAX_ROUNDS = 20         # each round shrinks the function; more means two passes undo each other


class NotSettled(RuntimeWarning):
    """The passes kept changing a function for MAX_ROUNDS rounds: the code is right (each
    pass keeps its meaning) but two passes undo each other. The test suite makes it an
    error (pyproject.toml: filterwarnings)."""


def optimize(func: gast.FunctionDef, floats=frozenset(), adjoints=frozenset(), reuse=False):
    """``floats``: names known to hold floating-point values (for ``1.0 * x`` -> ``x``);
    ``adjoints``: the adjoint variables, which may be substituted where they are used;
    ``reuse``: values may be shared (nothing is updated in place): eliminate common
    subexpressions. The passes run until none of them changes anything."""
    settling = _Settling()
    for _ in range(MAX_ROUNDS):
        if not _round(func, floats, adjoints, reuse, settling):
            return func
    warnings.warn(NotSettled(f"s2sad: the optimizer did not settle on {func.name} in "
                             f"{MAX_ROUNDS} rounds"), stacklevel=2)
    return func


class _Settling:
    """How many passes in a row changed nothing, over rounds with the same ``params``. A
    pass that changed nothing, with no change since, would change nothing again: once
    every pass has had such a turn the function is settled, and the last round stops
    there (its remaining passes, the costly ones among them, are not run again)."""

    def __init__(self):
        self.quiet, self.params = 0, None


def _round(func, floats, adjoints, reuse, settling=None) -> int:
    """Every pass once over ``func`` (fewer where ``settling`` says the rest would change
    nothing); how many changes they made."""
    params = nodes.names_stored(func.args) | _closure_reads(func.body)
    settling = settling or _Settling()
    if params != settling.params:
        settling.quiet, settling.params = 0, params
    steps = _steps(func, floats, adjoints, reuse, params)
    total = 0
    for step in steps:
        changes = step()
        total += changes
        settling.quiet = 0 if changes else settling.quiet + 1
        if settling.quiet == len(steps):
            break
    return total


def _steps(func, floats, adjoints, reuse, params) -> list:
    """The passes in order, each a step that runs it over ``func`` and says how many
    changes it made. Common subexpressions read the facts Objects found for the
    simplifier while no pass between has changed a thing."""
    objects = []

    def run(apply):
        def step():
            func.body, changes = apply(func.body)
            if changes:
                objects.clear()
            return changes
        return step

    def found():
        if not objects:
            objects.append(Objects.of(func, floats, pure))
        return objects[0]

    def simplify(body):
        objects.clear()
        return Simplify(floats, found()).visit_block(body)

    steps = [run(lambda body: _propagate(body, params)),
             run(lambda body: propagate_local(body, _assignment_counts(body), body, params)),
             run(simplify), run(lambda body: _inline(body, adjoints - params))]
    if reuse:
        steps.append(run(lambda body: cse.eliminate(body, found())))
    return steps + [run(lambda body: _dce(body))]


def _assignment_counts(body) -> dict:
    counts: dict[str, int] = {}
    for s in nodes.walk_stmts(body):
        targets = s.targets if isinstance(s, gast.Assign) else \
            [s.target] if isinstance(s, (gast.For, gast.AugAssign)) else []
        for t in targets:
            for ident in nodes.names_stored(t):
                counts[ident] = counts.get(ident, 0) + 1
    return counts


def _closure_reads(body) -> set:
    """Names a nested def or lambda reads: it reads them when called, maybe before the
    statements after their assignment, so the assignment stays (as a parameter's does)."""
    out = set()
    for s in body:
        for n in nodes.walk(s):
            if isinstance(n, (gast.FunctionDef, gast.Lambda)):
                out |= nodes.names_loaded(n)
    return out


def _propagate(body, params) -> tuple[list, int]:
    """``a = b`` or ``a = 1.0`` at top level, each assigned once: use ``b`` for ``a``;
    ``params``: names that keep their assignment (parameters, names closures read).
    Returns the body and how many assignments it dropped."""
    counts = _assignment_counts(body)
    subs, out = {}, []
    for s in body:
        s = nodes.substitute(s, subs) if subs else s
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and nodes.is_atom(s.value):
            target, source = s.targets[0].id, s.value
            stable = isinstance(source, gast.Constant) or \
                counts.get(source.id, 0) == (0 if source.id in params else 1)
            if counts.get(target) == 1 and target not in params and stable:
                subs[target] = source
                continue
        out.append(s)
    return out, len(subs)


def _inline(body, adjoints, whole=None) -> tuple[list, int]:
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
                inner, n = _inline(getattr(s, field), adjoints, whole)
                setattr(s, field, inner)
                inlined += n
    uses = _Uses()
    after = _Events(body, uses) if whole is body else _Deaths(whole)
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
    whether it updates in place)``; a compound statement's, every time."""

    def __init__(self):
        self.memo = {}

    def __call__(self, s):
        hit = self.memo.get(id(s))
        if hit is not None and hit[0] is s:
            return hit[1]
        loads, stored, written, in_place = nodes.facts(s)
        facts = (loads, written, in_place, stored if isinstance(s, gast.Assign) else set())
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
    for j in range(i + 1, len(body)):
        later = body[j]
        loads, written, in_place, _ = uses(later)
        count = loads.get(target, 0)
        if count == 0:
            if written & (reads | {target}) or is_compound(later) \
                    or in_place:                      # a view may see the update
                return None
            continue
        if count > 1 or is_compound(later) or after.used_after(j, target, later) \
                or _long(s.value):
            return None
        return j
    return None


def _long(e) -> bool:
    """Whether ``e`` is written in more than ``_INLINE_CHARS`` characters; a lower bound
    on its length (its names, attributes, operators with their spaces) answers most
    long ones without writing them."""
    least = 0
    for n in nodes.walk(e):
        if isinstance(n, gast.Name):
            least += len(n.id)
        elif isinstance(n, gast.Attribute):
            least += len(n.attr) + 1
        elif isinstance(n, gast.BinOp):
            least += 3
    return least > _INLINE_CHARS or len(emit.unparse(e)) > _INLINE_CHARS


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
            self.counts, self.loads = _assignment_counts(self.whole), {}
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

    def __init__(self, body, uses):
        self.uses, self.order = uses, list(range(len(body)))
        self.events: dict[str, tuple[list, dict]] = {}
        for k, s in enumerate(body):
            for ident, reads in self._of(s).items():
                self._set(ident, k, reads)

    def _of(self, s, facts=None) -> dict:
        loads, _, _, stored = facts or self.uses(s)
        ends = nodes.definitely_assigned([s]) if is_compound(s) else stored
        return {**{ident: False for ident in ends}, **{ident: True for ident in loads}}

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
        if target in nodes.names_stored(stmt):
            return False
        positions, kinds = self.events.get(target, ((), {}))
        at = bisect.bisect_right(positions, self.order[j])
        return at < len(positions) and kinds[positions[at]]


def _dce(body) -> tuple[list, int]:
    """Drop pure assignments whose target is never read, and empty branches, until
    nothing more goes; returns the body and how many statements went or changed."""
    total = 0
    while True:
        loaded = set()
        for s in nodes.walk_stmts(body):
            loaded |= nodes.names_loaded(s) if not is_compound(s) else _header_loads(s)
        body, dropped = _drop(body, loaded)
        if not dropped:
            return body, total
        total += dropped


def _drop(block, loaded) -> tuple[list, int]:
    out, dropped = [], 0
    for s in block:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id not in loaded and pure(s.value):
            dropped += 1
            continue
        if isinstance(s, gast.If):
            (s.body, in_body), (s.orelse, in_orelse) = \
                _drop(s.body, loaded), _drop(s.orelse, loaded)
            dropped += in_body + in_orelse
            if not s.body and not s.orelse:
                if not pure(s.test):
                    out.append(nodes.expr_stmt(s.test))
                dropped += 1
                continue
            if not s.body:                  # if c: pass / else: ... -> if not c: ...
                s.test, s.body, s.orelse = _negate(s.test), s.orelse, []
                dropped += 1
        elif isinstance(s, (gast.For, gast.While)):
            s.body, in_body = _drop(s.body, loaded)
            dropped += in_body
            if not s.body:
                s.body = [nodes.pass_()]
                dropped += not in_body          # a change too: a body another pass emptied
        elif isinstance(s, gast.Pass) and len(block) > 1:
            dropped += 1
            continue
        out.append(s)
    return out, dropped


def _negate(test):
    if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
        return test.operand
    return nodes.not_(test)


def _header_loads(s) -> set:
    if isinstance(s, (gast.If, gast.While)):
        return nodes.names_loaded(s.test)
    return nodes.names_loaded(s.iter)



def _demo(text: str) -> str:
    func = gast.parse(text.strip()).body[0]
    adjoints = {n.id for n in gast.walk(func) if isinstance(n, gast.Name) and n.id[:2] == "b_"}
    return emit.source(optimize(func, {"x1", "x2"} | adjoints, adjoints))
