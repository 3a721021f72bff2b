"""Optimize, common subexpressions: a pure expression already computed into a name
is read from that name, across the primal and adjoint sweeps.

Within a straight-line block, ``t = e`` makes ``e`` available as ``t`` until a
statement writes ``t`` or a name ``e`` reads; a later ``e`` (whole or inside a
bigger expression) becomes ``t``. Loop and branch bodies start afresh (a value
from before a loop is stale on its second iteration), and a compound statement
ends the availability of everything it writes. Reusing a value makes two names
share one object, so a function that updates anything in place (``y[i] = v``,
``L.append(v)`` on a user list) is left as it is, and a value the caller receives
next to another it holds (two returned results) is not read from that other
(s2sad/analysis/objects.py).

>>> from s2sad.tree import emit
>>> print(_demo('''
... def f_grad(x, b_y):
...     v1 = np.sin(x)
...     v2 = np.cos(x)
...     y = v1 * v2
...     b_x = b_y * v2 * np.cos(x) - b_y * v1 * np.sin(x)
...     x = x * x
...     return b_x, np.sin(x)'''), end="")
def f_grad(x, b_y):
    v1 = np.sin(x)
    v2 = np.cos(x)
    y = v1 * v2
    b_x = b_y * v2 * v2 - b_y * v1 * v1
    x = x * x
    return (b_x, np.sin(x))
"""
from __future__ import annotations

import gast

from ..tree import nodes
from ..analysis.objects import CONSUMED, Objects, SinkTracker

_IMPURE = ("random", "copy", "array", "empty", "zeros", "ones", "full", "put", "place",
           "fill", "at", "seterr", "errstate", "private", "check", "list", "dict", "set")
_LEAVES = (gast.Name, gast.Constant)


def eliminate(body: list, pure, objects: Objects) -> list:
    """``body`` with repeated pure expressions read from the name that holds them;
    ``pure(expr)`` says which expressions have no effect; ``objects``: which names'
    objects may be shared (s2sad/analysis/objects.py). Only for the derivative of a function
    that :func:`mutation_free` accepts."""
    return _block(body, pure, objects)


def _block(block, pure, objects) -> list:
    available: dict = {}                       # expression key -> name that holds it
    out = []
    for s in block:
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s = _Replace(available, objects).visit_header(s)
            s.body, s.orelse = _block(s.body, pure, objects), _block(s.orelse, pure, objects)
            _forget(available, nodes.names_written(s))
            out.append(s)
            continue
        s = _Replace(available, objects).visit(s)
        written = nodes.names_written(s)
        if isinstance(s, gast.Expr) and isinstance(getattr(s.value, "func", None),
                                                   gast.Attribute):
            written |= nodes.names_loaded(s.value.func)       # _tape.append(x)
        _forget(available, written)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and not isinstance(s.value, _LEAVES) and pure(s.value) and _reusable(s.value):
            k = key(s.value)
            target = s.targets[0].id
            if k is not None and target not in nodes.names_loaded(s.value):
                available.setdefault(k, (target, nodes.names_loaded(s.value)))
        out.append(s)
    return out


def _forget(available, written):
    for k, (target, reads) in list(available.items()):
        if target in written or reads & written:
            del available[k]


class _Replace(SinkTracker):
    def __init__(self, available, objects):
        super().__init__(objects)
        self.available = available

    def visit_header(self, s):
        field = "iter" if isinstance(s, gast.For) else "test"
        self.sink = tuple(sorted(self.objects.roots(s.target))) \
            if isinstance(s, gast.For) else CONSUMED
        setattr(s, field, self.visit(getattr(s, field)))
        return s

    def visit_FunctionDef(self, node):
        return node

    def generic_visit(self, node):
        if isinstance(node, gast.expr) and not isinstance(node, _LEAVES) and self.available:
            hit = self.available.get(key(node))
            if hit is not None and self.may_alias(nodes.name(hit[0])):
                return nodes.name(hit[0])
        return super().generic_visit(node)


def key(node):
    """A hashable description of an expression's structure, or None for one that is
    not made of names, constants, operators, attributes, calls and subscripts."""
    if isinstance(node, gast.Name):
        return ("N", node.id) if isinstance(node.ctx, gast.Load) else None
    if isinstance(node, gast.Constant):
        return ("C", type(node.value).__name__, repr(node.value))
    if isinstance(node, gast.Attribute):
        return _join("A", node.attr, key(node.value))
    if isinstance(node, gast.BinOp):
        return _join("B", type(node.op).__name__, key(node.left), key(node.right))
    if isinstance(node, gast.UnaryOp):
        return _join("U", type(node.op).__name__, key(node.operand))
    if isinstance(node, gast.Call):
        return _join("F", key(node.func), *[key(a) for a in node.args],
                     *[_join(k.arg, key(k.value)) for k in node.keywords if k.arg])
    if isinstance(node, gast.Subscript):
        return _join("S", key(node.value), key(node.slice))
    if isinstance(node, gast.Tuple):
        return _join("T", *[key(e) for e in node.elts])
    if isinstance(node, gast.Slice):
        return _join("L", *[key(p) if p is not None else ("C", "none")
                            for p in (node.lower, node.upper, node.step)])
    return None


def _join(*parts):
    return None if any(p is None for p in parts) else parts


def _reusable(value) -> bool:
    """Not a call that makes a fresh object or has an effect (whatever its root)."""
    for n in nodes.walk(value):
        if isinstance(n, gast.Call):
            parts, func = [], n.func
            while isinstance(func, gast.Attribute):          # np.random.normal: all parts
                parts.append(func.attr)
                func = func.value
            parts.append(getattr(func, "id", ""))
            if any(word in part for part in parts for word in _IMPURE):
                return False
    return True


def mutation_free(body) -> bool:
    """A user function's normalized body updates nothing in place (no ``y[i] = v``,
    ``L.append(v)``, nested def), so that two names may share one value."""
    for s in nodes.walk_stmts(body):
        if isinstance(s, (gast.FunctionDef, gast.AugAssign)):
            return False
        if isinstance(s, gast.Assign) and not isinstance(s.targets[0], gast.Name):
            if not all(isinstance(t, gast.Name) for t in nodes.walk(s.targets[0])
                       if not isinstance(t, (gast.Tuple, gast.List, gast.Store))):
                return False
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and not (
                isinstance(s.value.func, gast.Name) and s.value.func.id == "print"):
            return False
    return True


def _demo(text: str) -> str:
    from ..tree.emit import source
    from .algebra import pure as _pure

    func = gast.parse(text.strip()).body[0]
    floats = {n.id for n in gast.walk(func) if isinstance(n, gast.Name)}
    func.body = eliminate(func.body, _pure, Objects.of(func, floats, _pure))
    return source(func)
