"""Part of aliasing: where a name is read, which reads may see one binding of it, and
which names hold tuples (``+=`` rebinds those, changing nothing in place).

A view made in one loop (``v = x[1:]`` in the steps a checkpointed loop runs untaped)
is not read by another loop that binds the name anew before each read (the taped
step's ``v = np.copy(x[1:])``), nor by ``_rt.shape_of(v)`` (a tape keeps only a view's
shape) or ``_rt.unbroadcast(g, v)`` (which reads only v's shape): an update of ``x``
in place changes no shape.

>>> import gast
>>> tree = gast.parse("for i in r:\\n    v = x[1:]\\n    x[1:] = v\\n"
...                   "for j in r:\\n    t = _rt.shape_of(v)\\n    v = w * 2.0\\n    y = v\\n")
>>> first = tree.body[0].body[0]
>>> loads(tree, "v"), list(shielded(tree, first, "v").values())
(2, [1])
"""
from __future__ import annotations

import gast

from ..tree import nodes

_SHAPE_ONLY = {"shape_of": 0, "unbroadcast": 1}     # _rt helper -> the argument it sizes by


def loads(tree, name) -> int:
    """The reads of ``name`` in ``tree``, but those only of its shape."""
    count = 0
    for n in gast.walk(tree):
        if isinstance(n, gast.Name):
            count += n.id == name and isinstance(n.ctx, gast.Load)
        elif isinstance(n, gast.Call) and _sizes(n, name):
            count -= 1
    return count


def _sizes(call, name) -> bool:
    func = call.func
    if not (isinstance(func, gast.Attribute) and func.attr in _SHAPE_ONLY
            and getattr(func.value, "id", None) == "_rt"):
        return False
    at = _SHAPE_ONLY[func.attr]
    return len(call.args) > at and getattr(call.args[at], "id", None) == name


def shielded(tree, maker, name) -> dict:
    """id(statement) -> its reads of ``name`` that cannot see the binding ``maker``
    makes: a simple statement whose innermost loop does not hold ``maker``, where every
    path through that loop's body to the statement binds ``name`` first."""
    at = places(tree.body)
    around = at[id(maker)][1]
    out = {}
    for loop in nodes.walk_stmts(tree.body):
        if not isinstance(loop, (gast.For, gast.While)) or any(loop is a for a in around):
            continue
        for s in nodes.walk_stmts(loop.body):         # not its else: that may run alone
            if at[id(s)][1][-1] is not loop or isinstance(s, (gast.If, gast.For, gast.While)):
                continue
            found = loads(s, name)
            if found and fresh_before(loop.body, s, name):
                out[id(s)] = found
    return out


def places(block, loops=(), out=None) -> dict:
    """id(statement) -> (its position in source order, the loops around it)."""
    out = {} if out is None else out
    for stmt in block:
        out[id(stmt)] = (len(out), loops)
        if isinstance(stmt, gast.FunctionDef):
            continue
        inner = loops + (stmt,) if isinstance(stmt, (gast.For, gast.While)) else loops
        for field in ("body", "orelse"):
            places(getattr(stmt, field, []) or [], inner, out)
    return out


def fresh_before(block, stmt, name) -> bool:
    """Whether every path through ``block`` to ``stmt`` assigns ``name`` first."""
    fresh = False
    for s in block:
        if s is stmt:
            return fresh
        for field in ("body", "orelse"):
            inner = getattr(s, field, None) or []
            if not isinstance(s, gast.FunctionDef) and any(
                    n is stmt for n in nodes.walk_stmts(inner)):
                return fresh or fresh_before(inner, stmt, name)
        if name in nodes.definitely_assigned([s]):
            fresh = True
    return fresh


def tuples(assigns) -> set:
    """Names that hold a tuple, which ``+=`` rebinds and never changes: a tuple display,
    an array's ``.shape``, ``tuple(...)``, a slice or sum of one (``s = x.shape[:1]; s +=
    (1,)``)."""
    found, grown = set(), True
    while grown:
        before = len(found)
        for s in assigns:
            if _is_tuple(s.value, found):
                found.add(s.targets[0].id)
        grown = len(found) > before
    return found


def _is_tuple(value, tuples) -> bool:
    if isinstance(value, gast.Tuple):
        return True
    if isinstance(value, gast.Name):
        return value.id in tuples
    if isinstance(value, gast.Attribute):
        return value.attr == "shape"
    if isinstance(value, gast.Call):
        return isinstance(value.func, gast.Name) and value.func.id == "tuple"
    if isinstance(value, gast.Subscript):
        return isinstance(value.slice, gast.Slice) and _is_tuple(value.value, tuples)
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add):
        return _is_tuple(value.left, tuples) and _is_tuple(value.right, tuples)
    return False
