"""Stage 5, optimize: make generated functions what a careful person would write.

Passes, run to a fixed point: propagation of names bound once to a constant
or another name, algebraic cleanup (``1.0 * x``, ``0.0 + x``, ``-(-x)``,
``-a + b``, ``e + e``: s2sad/optimize/algebra.py), forward substitution of adjoints used
once, common subexpressions (s2sad/optimize/cse.py), and dead code elimination. A rewrite
that would make a new array an existing one fires only where no one can tell
(s2sad/analysis/objects.py), and a name a nested def or lambda reads keeps its assignment.

>>> from s2sad.tree import emit
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

import gast

from . import cse
from ..tree import nodes
from .algebra import Simplify
from .algebra import pure as _pure
from ..analysis.objects import Objects

_INLINE_CHARS = 40      # longer expressions keep their own line: it reads better


def optimize(func: gast.FunctionDef, floats=frozenset(), adjoints=frozenset(), reuse=False):
    """``floats``: names known to hold floating-point values (for ``1.0 * x`` -> ``x``);
    ``adjoints``: the adjoint variables, which may be substituted where they are used;
    ``reuse``: values may be shared (nothing is updated in place): eliminate common
    subexpressions."""
    for _ in range(20):
        before = _dump(func)
        params = nodes.names_stored(func.args) | _closure_reads(func.body)
        func.body = _propagate(func.body, params)
        func.body = _propagate_local(func.body, _assignment_counts(func.body), func.body, params)
        func.body = Simplify(floats, Objects.of(func, floats, _pure)).visit_block(func.body)
        func.body = _inline(func.body, adjoints - params)
        if reuse:
            func.body = cse.eliminate(func.body, _pure, Objects.of(func, floats, _pure))
        func.body = _dce(func.body)
        if _dump(func) == before:
            break
    return func


def _dump(func) -> tuple:
    """A fingerprint of the tree, to tell when the passes have stopped changing it."""
    return tuple((type(n), getattr(n, "id", None), getattr(n, "attr", None),
                  repr(n.value) if isinstance(n, gast.Constant) else None)
                 for n in nodes.walk(func))


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
    for n in nodes.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, (gast.FunctionDef, gast.Lambda)):
            out |= nodes.names_loaded(n)
    return out


def _propagate(body, params) -> list:
    """``a = b`` or ``a = 1.0`` at top level, each assigned once: use ``b`` for ``a``;
    ``params``: names that keep their assignment (parameters, names closures read)."""
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
    return out


def _propagate_local(block, counts, whole, params) -> list:
    """``a = b`` in any block, ``a`` assigned once and read only later in that block,
    ``b`` not reassigned before the last read: read ``b`` there instead."""
    for s in block:
        for field in ("body", "orelse"):
            if getattr(s, field, None):
                setattr(s, field, _propagate_local(getattr(s, field), counts, whole, params))
    for i, s in enumerate(block):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and nodes.is_atom(s.value)):
            continue
        target, source = s.targets[0].id, s.value
        if target == getattr(source, "id", None):
            return _propagate_local(block[:i] + block[i + 1:], counts, whole, params)
        if counts.get(target) != 1 or target in params:
            continue
        readers = [j for j in range(i + 1, len(block)) if _count_loads(block[j], target)]
        total = sum(_count_loads(w, target) for w in whole)
        if not readers or sum(_count_loads(block[j], target) for j in readers) != total:
            continue
        last = readers[-1]
        written = set()
        for w in block[i + 1:last]:
            written |= nodes.names_written(w)
        if _is_compound(block[last]):
            written |= nodes.names_written(block[last])
        if isinstance(source, gast.Name) and source.id in written:
            continue
        if any(_updates_in_place(w) for w in block[i + 1:last + 1]):
            continue                                     # a view may see the update
        rest = [nodes.substitute(w, {target: source}) for w in block[i + 1:last + 1]]
        new = block[:i] + rest + block[last + 1:]
        return _propagate_local(new, _assignment_counts(new) if block is whole else counts,
                                new if block is whole else whole, params)
    return block


def _inline(body, adjoints, whole=None) -> list:
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
    """
    body, i = list(body), 0
    whole = whole or body
    for s in body:
        for field in ("body", "orelse"):
            if _is_compound(s) and getattr(s, field):
                setattr(s, field, _inline(getattr(s, field), adjoints, whole))
    uses = _Uses()
    while i < len(body):
        s = body[i]
        j = _inline_site(body, i, adjoints, whole if whole is not body else None, uses)
        if j is None:
            i += 1
            continue
        uses.forget(body[j])
        body[j] = nodes.substitute(body[j], {s.targets[0].id: s.value})
        del body[i]
    return body


class _Uses:
    """Per simple statement, computed once: ``(loads: name -> count, names written,
    whether it updates in place)``; a compound statement's, every time."""

    def __init__(self):
        self.memo = {}

    def __call__(self, s):
        hit = self.memo.get(id(s))
        if hit is not None and hit[0] is s:
            return hit[1]
        loads = {}
        for n in nodes.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                loads[n.id] = loads.get(n.id, 0) + 1
        stored = nodes.names_stored(s) if isinstance(s, gast.Assign) else set()
        facts = (loads, nodes.names_written(s), _updates_in_place(s), stored)
        if not _is_compound(s):
            self.memo[id(s)] = (s, facts)
        return facts

    def forget(self, s):
        self.memo.pop(id(s), None)


def _inline_site(body, i, adjoints, whole, uses):
    """The index of the one statement where ``body[i]`` can be substituted, or None.
    In a loop or branch body (``whole``: the function's body) the value may be read
    after the block or in the next iteration, so there the reader must assign the name
    again, or be the only place the function reads a name it assigns only here."""
    s = body[i]
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and s.targets[0].id in adjoints and _pure(s.value)):
        return None
    target, reads = s.targets[0].id, nodes.names_loaded(s.value)
    for j in range(i + 1, len(body)):
        later = body[j]
        loads, written, in_place, _ = uses(later)
        count = loads.get(target, 0)
        if count == 0:
            if written & (reads | {target}) or _is_compound(later) \
                    or in_place:                      # a view may see the update
                return None
            continue
        if count > 1 or _is_compound(later) or len(_text(s.value)) > _INLINE_CHARS:
            return None
        if _used_after(body[j + 1:], target, later, uses) if whole is None \
                else not _dies_at(later, target, whole):
            return None
        return j
    return None


def _dies_at(stmt, target, whole) -> bool:
    return target in nodes.names_stored(stmt) or (
        _assignment_counts(whole).get(target) == 1
        and sum(_count_loads(w, target) for w in whole) == 1)


def _used_after(rest, target, stmt, uses) -> bool:
    """Whether ``rest`` may read the value ``target`` holds after ``stmt``. Only a write
    on every path ends the search: a branch not taken or a loop run zero times keeps it."""
    if target in nodes.names_stored(stmt):
        return False
    for s in rest:
        loads, _, _, stored = uses(s)
        if loads.get(target):
            return True
        if target in (nodes.definitely_assigned([s]) if _is_compound(s) else stored):
            return False
    return False


def _dce(body) -> list:
    """Drop pure assignments whose target is never read, and empty branches."""
    while True:
        loaded = set()
        for s in nodes.walk_stmts(body):
            loaded |= nodes.names_loaded(s) if not _is_compound(s) else _header_loads(s)
        new = _drop(body, loaded)
        if _dump_list(new) == _dump_list(body):
            return new
        body = new


def _drop(block, loaded) -> list:
    out = []
    for s in block:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id not in loaded and _pure(s.value):
            continue
        if isinstance(s, gast.If):
            s.body, s.orelse = _drop(s.body, loaded), _drop(s.orelse, loaded)
            if not s.body and not s.orelse:
                if not _pure(s.test):
                    out.append(nodes.expr_stmt(s.test))
                continue
            if not s.body:                  # if c: pass / else: ... -> if not c: ...
                s.test, s.body, s.orelse = _negate(s.test), s.orelse, []
        elif isinstance(s, (gast.For, gast.While)):
            s.body = _drop(s.body, loaded)
            if not s.body:
                s.body = [nodes.pass_()]
        elif isinstance(s, gast.Pass) and len(block) > 1:
            continue
        out.append(s)
    return out


def _negate(test):
    if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
        return test.operand
    return nodes.not_(test)


def _text(node) -> str:
    from ..tree.emit import unparse
    return unparse(node)




def _count_loads(s, target) -> int:
    return sum(1 for n in nodes.walk(s) if isinstance(n, gast.Name) and n.id == target
               and isinstance(n.ctx, gast.Load))


def _updates_in_place(s) -> bool:
    return any(isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store)
               for n in nodes.walk(s))


def _is_compound(s) -> bool:
    return isinstance(s, (gast.If, gast.For, gast.While))


def _header_loads(s) -> set:
    if isinstance(s, (gast.If, gast.While)):
        return nodes.names_loaded(s.test)
    return nodes.names_loaded(s.iter)



def _dump_list(block) -> str:
    return "|".join(gast.dump(s) for s in block)


def _demo(text: str) -> str:
    from ..tree.emit import source

    func = gast.parse(text.strip()).body[0]
    adjoints = {n.id for n in gast.walk(func) if isinstance(n, gast.Name) and n.id[:2] == "b_"}
    return source(optimize(func, {"x1", "x2"} | adjoints, adjoints))
