"""Part of normalize: ``list(xs)`` and ``map(f, xs, ...)`` written as the list
comprehensions they equal, which normalize lowers to loops that append (and so are
differentiated item by item, each call of ``f`` through the call machinery).

>>> import builtins, gast
>>> from s2sad.tree import emit
>>> tree = gast.parse("def g(xs, ys):\\n    return sum(map(f, xs, ys)) + sum(list(xs))").body[0]
>>> rewrite(tree, lambda name: getattr(builtins, name, None))
>>> print(emit.source(tree), end="")
def g(xs, ys):
    return sum([f(item0, item1) for item0, item1 in zip(xs, ys)]) + sum([item for item in xs])
"""
from __future__ import annotations

import builtins

import gast

from ..tree import nodes


def rewrite(tree: gast.FunctionDef, lookup) -> None:
    """``lookup(name)``: what a free name means (the builtin, unless rebound)."""
    local = nodes.names_stored(tree)
    _Rewrite(lambda name: name not in local and lookup(name) is getattr(builtins, name)
             ).visit(tree)


class _Rewrite(gast.NodeTransformer):
    def __init__(self, is_builtin):
        self.is_builtin = is_builtin

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if not isinstance(func, gast.Name) or node.keywords \
                or any(isinstance(a, gast.Starred) for a in node.args):
            return node
        if func.id == "list" and len(node.args) == 1 and self.is_builtin("list"):
            return gast.copy_location(_comprehension(gast.Name("item", gast.Load(), None, None),
                                                     ["item"], node.args), node)
        if func.id == "map" and len(node.args) >= 2 and self.is_builtin("map"):
            f, *sequences = node.args
            names = ["item"] if len(sequences) == 1 else \
                [f"item{i}" for i in range(len(sequences))]
            if isinstance(f, gast.Name) and f.id in names:
                return node
            call = gast.Call(f, [nodes.name(n) for n in names], [])
            return gast.copy_location(_comprehension(call, names, sequences), node)
        return node


def _comprehension(elt, names, sequences):
    if len(sequences) == 1:
        target, iterable = nodes.name(names[0], store=True), sequences[0]
    else:
        target = nodes.tuple_([nodes.name(n, store=True) for n in names], store=True)
        iterable = gast.Call(nodes.name("zip"), list(sequences), [])
    generator = gast.comprehension(target=target, iter=iterable, ifs=[], is_async=0)
    return gast.ListComp(elt=elt, generators=[generator])
