"""Part of normalize: the ways users read parameter trees, written as the calls whose
rules the tables hold (``_rt.items`` ... in rules' "parameter trees" section).

``d.items()``, ``d.values()``, ``d.keys()`` and ``d.get(k, default)`` call the
runtime's functions of the same name (each calls the method: the same value for any
object); ``dict(w=a, b=c)`` is the display ``{'w': a, 'b': c}``; ``zip(*pairs)`` is
``_rt.unzip(pairs)``, a tuple of the tuples zip yields, and so are ``zip(a, b)`` and
``enumerate(a)`` used as values (``_rt.unzip((a, b))``; a loop walks them as written); a field read ``p.w`` of a
namedtuple or a dataclass is ``_rt.field(p, 'w')`` (``getattr``). Array attributes
(``x.T``, ``x.shape``), module paths (``np.pi``) and methods called stay as written.

>>> import builtins, gast
>>> from s2sad.tree import emit
>>> tree = gast.parse("def g(p, d):\\n    return p.w * d.get('b', 1.0) + sum(zip(*d.values())[0])").body[0]
>>> rewrite(tree, lambda name: getattr(builtins, name, None))
>>> print(emit.source(tree), end="")
def g(p, d):
    return _rt.field(p, 'w') * _rt.get(d, 'b', 1.0) + sum(_rt.unzip(_rt.values(d))[0])
"""
from __future__ import annotations

import builtins

import gast
import numpy as np

from ..tree import nodes

_VIEWS = {"items", "values", "keys"}


def rewrite(tree: gast.FunctionDef, lookup) -> None:
    """``lookup(name)``: what a free name means (the builtin, unless rebound)."""
    local = nodes.names_stored(tree)
    _Rewrite(local, lambda name: name not in local and lookup(name) is getattr(builtins, name)
             ).visit(tree)


def _rt(name, *args):
    return gast.Call(func=gast.Attribute(value=nodes.name("_rt"), attr=name, ctx=gast.Load()),
                     args=list(args), keywords=[])


class _Rewrite(gast.NodeTransformer):
    def __init__(self, local, is_builtin):
        self.local, self.is_builtin = local, is_builtin
        self.walked = set()         # id() of zip/enumerate calls loops walk: left as they are

    def _on_value(self, e) -> bool:
        """Whether ``e`` is a local value (not a module path such as ``np.linalg``)."""
        return nodes.dotted_path(e, self.local) is None

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, gast.Attribute):
            func.value = self.visit(func.value)        # the method itself stays a method
        else:
            node.func = self.visit(func)
        node.args = [self.visit(a) for a in node.args]
        for k in node.keywords:
            k.value = self.visit(k.value)
        return gast.copy_location(self._call(node), node)

    def _call(self, node):
        func, args = node.func, node.args
        plain = not node.keywords and not any(isinstance(a, gast.Starred) for a in args)
        if isinstance(func, gast.Attribute) and self._on_value(func.value) and plain:
            if func.attr in _VIEWS and not args:
                return _rt(func.attr, func.value)
            if func.attr == "get" and len(args) in (1, 2):
                return _rt("get", func.value, *args)
        if not isinstance(func, gast.Name):
            return node
        if func.id == "dict" and not args and node.keywords and self.is_builtin("dict") \
                and all(k.arg is not None for k in node.keywords):
            return gast.Dict(keys=[nodes.const(k.arg) for k in node.keywords],
                             values=[k.value for k in node.keywords])
        if func.id == "zip" and len(args) == 1 and isinstance(args[0], gast.Starred) \
                and not node.keywords and self.is_builtin("zip"):
            return _rt("unzip", args[0].value)
        if func.id not in ("zip", "enumerate") or id(node) in self.walked \
                or not self.is_builtin(func.id):
            return node             # a loop's iterator: the loop walks it as written
        if func.id == "zip" and plain and args:       # a value: pairs that carry derivatives
            return _rt("unzip", gast.Tuple(elts=list(args), ctx=gast.Load()))
        if func.id == "enumerate" and plain and len(args) in (1, 2):
            return _rt("unzip", gast.Tuple(elts=[_rt("counts", *args), args[0]],
                                           ctx=gast.Load()))
        return node

    def visit_comprehension(self, node):
        self._walks(node.iter, node.target)
        self.generic_visit(node)
        return node

    def _walks(self, iterator, target):
        """A loop ``for u, v in zip(a, b)`` (``for i, v in enumerate(a)``) is walked item
        by item by normalize; one binding each pair to one name is not: a value."""
        if isinstance(iterator, gast.Call) and isinstance(iterator.func, gast.Name) \
                and iterator.func.id in ("zip", "enumerate") \
                and isinstance(target, gast.Tuple) \
                and len(target.elts) == (2 if iterator.func.id == "enumerate"
                                         else len(iterator.args)):
            self.walked.add(id(iterator))

    def visit_For(self, node):
        """``for k, v in d.items()`` -> ``for k in d: v = d[k]``; ``for k in d.keys()``
        -> ``for k in d``: the keys of a dict argument, constants, as normalize walks
        them (``items`` in a comprehension stays ``_rt.items``)."""
        it = node.iter
        self._walks(it, node.target)
        view = isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) \
            and isinstance(it.func.value, gast.Name) and it.func.value.id in self.local \
            and not it.args and not it.keywords and it.func.attr in ("items", "keys")
        pair = isinstance(node.target, gast.Tuple) and len(node.target.elts) == 2 \
            and all(isinstance(t, gast.Name) for t in node.target.elts)
        if view and it.func.attr == "keys":
            node.iter = it.func.value
        elif view and pair:
            d, (key, item) = it.func.value, node.target.elts
            node.iter, node.target = nodes.name(d.id), nodes.name(key.id, store=True)
            read = nodes.assign(item.id, nodes.subscript(nodes.name(d.id), nodes.name(key.id)))
            node.body = [gast.copy_location(read, node)] + node.body
        self.generic_visit(node)
        return node

    def visit_Attribute(self, node):
        if not isinstance(node.ctx, gast.Load) or not self._on_value(node):
            return node
        node.value = self.visit(node.value)
        if hasattr(np.ndarray, node.attr):
            return node                     # x.T, x.shape, x.real: the array's own
        return gast.copy_location(_rt("field", node.value, nodes.const(node.attr)), node)
