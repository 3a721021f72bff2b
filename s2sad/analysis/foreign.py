"""Part of aliasing: in-place updates of memory the function does not own.

A module global, a variable of an enclosing function (a closure cell), an object's
attribute (``w = OBJ.w``, ``w = p.w``) or an item of a global container
(``w = ARRAYS[0]``) is memory the caller keeps: ``G[0] = s`` or ``w += v`` changes
it for every later call, and the derivative code, which computes its own values
and restores what it overwrote, would not leave it as the primal does. Such an
update, directly or through a copy, view or container, is a located error.
"""
from __future__ import annotations

import types

import gast
import numpy as np

from ..front.normalize import USER_NAMES

VIEW_METHODS = {"reshape", "ravel", "transpose", "squeeze", "view", "swapaxes"}


def pairs(assigns, prims, parsed, local) -> list:
    """Sharing pairs (name, what it is taken from, statement, True) for a name read from
    an attribute (``w = OBJ.w``: it is OBJ's memory), returned by a method of a
    non-local object (``v = G.reshape(3)``) or taken from an item of a non-local
    container (``w = ARRAYS[0]``), unless the item is surely a number."""
    made = []
    for s in assigns:
        value, target = s.value, s.targets[0].id
        if isinstance(value, gast.Attribute):
            root = _root(value)
            if root is not None and _foreign_root(root, parsed, local):
                made.append((target, root, s, True))
        elif isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute):
            root = _root(value.func)
            if root == "_rt" and parsed.resolve_path("_rt") is None:
                root = value.args[0].id if value.args and isinstance(value.args[0], gast.Name) \
                    and value.args[0].id not in local else None   # _rt.field(G, 'w'): G's
            if root is not None and root not in local and _may_view(value.func, parsed):
                made.append((target, root, s, True))
        elif prims[s].op == "index" and isinstance(value.value, gast.Name) \
                and value.value.id not in local and not _number_item(value, parsed):
            made.append((target, value.value.id, s, True))
    return made


def owners(array, reach, local) -> list:
    """The names not the function's own that an update of ``array`` changes."""
    return sorted(n for n in {array} | reach if n not in local)


def refused_update(stmt, array, owner, parsed, tree):
    """``G[0] = s``, ``G += v``, or either through a name sharing G's memory."""
    name = shown(tree, {array})
    what = _described(owner, parsed)
    if owner != array:
        what = f"{name!r}, which shares memory with {what}"
    fix = f"update a copy of your own (mine = np.copy({owner}); mine[...] = ...)" \
        if owner == array else f"give {name!r} its own memory with np.copy(...) where it " \
        "is made"
    return parsed.violation(
        stmt, "in-place-global", f"in-place update of {what}: memory the "
        "function does not own, and the derivative code would not leave it as the "
        "function does", f"{fix}, and return what the function computes instead of "
        "storing it")


def shown(tree, names) -> str:
    """The first of ``names`` as the user wrote it (an SSA version under its user's
    name), preferring names the user wrote to the normalizer's temporaries."""
    users = getattr(tree, USER_NAMES, {})
    return min((0, users[n]) if n in users else (1, n) for n in names)[1]


def sharer(tree, names, own: str) -> str:
    """Which of ``names`` an array ``own`` shares memory with, as a message says it:
    another name the user wrote, else an earlier (SSA) version of ``own`` itself."""
    others = {n for n in names if shown(tree, {n}) != own}
    return repr(shown(tree, others)) if others else f"an earlier value of {own!r}"


def _described(owner, parsed) -> str:
    if owner in parsed.closure:
        return f"{owner!r} (a variable of the enclosing function)"
    if owner in parsed.func.__globals__:
        return f"{owner!r} (a module global)"
    return f"{owner!r}"


def _foreign_root(root, parsed, local) -> bool:
    """An argument (``p.w`` is the caller's memory) or a non-local object that is no
    module (``math.pi``: no object's memory); a local array's own views are
    :mod:`aliasing`'s."""
    if root in local:
        return root in parsed.params or root in parsed.kwonly
    return not isinstance(parsed.lookup(root), types.ModuleType)


def _may_view(method, parsed) -> bool:
    """Whether ``G.m(...)`` may return G's memory: a view method of a global array
    (``G.reshape``, ``OBJ.w.ravel``), any method of another object but a module's
    function (``OBJ.weights()``)."""
    receiver = _dotted(method.value)
    obj = parsed.resolve_path(receiver) if receiver else None
    if isinstance(obj, np.ndarray):
        return method.attr in VIEW_METHODS
    return not isinstance(obj, types.ModuleType)


def _dotted(node):
    if isinstance(node, gast.Name):
        return node.id
    inner = _dotted(node.value) if isinstance(node, gast.Attribute) else None
    return f"{inner}.{node.attr}" if inner else None


def _root(attribute):
    """The name an attribute chain starts from: ``OBJ`` for ``OBJ.a.w``."""
    node = attribute
    while isinstance(node, gast.Attribute):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _number_item(subscript, parsed) -> bool:
    """Whether ``G[i]`` surely shares no memory with G: G is a 1-d array and the index
    no slice (a number, or a copy for an index array)."""
    value = parsed.lookup(subscript.value.id)
    parts = subscript.slice.elts if isinstance(subscript.slice, gast.Tuple) else \
        [subscript.slice]
    return isinstance(value, np.ndarray) and value.ndim <= 1 and not any(
        isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and p.value in
                                      (None, Ellipsis)) for p in parts)

