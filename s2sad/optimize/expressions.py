"""Optimize, expressions: what the passes know about one expression, whatever pass
asks: whether evaluating it has an effect (:func:`pure`), and its structure as a
hashable value, equal for two spellings of the same computation (:func:`key`).

>>> pure(nodes.template("np.sin(x) + x.sum()")), pure(nodes.template("L.append(x)"))
(True, False)
>>> key(nodes.template("a * b")) == key(nodes.template("a * b")), key(nodes.template("[a]"))
(True, None)
"""
from __future__ import annotations

import gast

from ..tree import nodes

_PURE_ROOTS = {"np", "math", "_rt", "abs", "min", "max", "float", "len", "range", "reversed",
               "slice", "sum", "int", "round"}
_PURE_METHODS = {"sum", "mean", "max", "min", "dot", "reshape", "ravel", "flatten", "copy",
                 "transpose", "squeeze", "astype"}


def pure(e) -> bool:
    """Whether evaluating ``e`` has no effect: it calls only NumPy, math, the runtime
    helpers, a few builtins, and methods that read their receiver."""
    return pure_nodes(nodes.walk(e))


def pure_nodes(inside) -> bool:
    """:func:`pure`, given the nodes inside the expression (``nodes.walk``'s)."""
    for n in inside:
        if isinstance(n, gast.Call):
            path = nodes.dotted_path(n.func)
            if path is None:
                return False
            root, *attrs = path.split(".")
            if attrs and attrs[0] in _PURE_METHODS and root not in _PURE_ROOTS:
                continue                                   # x.sum(), x.reshape(...)
            if root not in _PURE_ROOTS:
                return False
        if isinstance(n, (gast.Yield, gast.Await, gast.NamedExpr)):
            return False
    return True


def key(node):
    """A hashable description of an expression's structure, or None for one that is
    not made of names, constants, operators, attributes, calls and subscripts."""
    return _key(node, key)


def keyed():
    """:func:`key` remembering what it found for each node (each subexpression's key
    made once while the keys of a whole tree are asked for)."""
    memo: dict = {}

    def of(node):
        found = memo.get(id(node), memo)
        if found is memo:
            found = memo[id(node)] = _key(node, of)
        return found
    return of


def _key(node, key):
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
