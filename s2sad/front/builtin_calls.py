"""Part of normalize: ``list(xs)`` and ``map(f, xs, ...)`` written as the list
comprehensions they equal, which normalize lowers to loops that append (and so are
differentiated item by item, each call of ``f`` through the call machinery); a call
of a ``functools.partial`` made in place (``map(partial(f, theta), data)``,
``partial(f, theta)(x)``) as the call it makes, ``f(theta, item)``.

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
import functools

import gast

from ..tree import nodes


def rewrite(tree: gast.FunctionDef, lookup) -> None:
    """``lookup(name)``: what a free name means (the builtin, unless rebound)."""
    local = nodes.names_stored(tree)
    _Rewrite(lambda name: name not in local and lookup(name) is getattr(builtins, name),
             lambda path: _resolved(path, local, lookup) is functools.partial).visit(tree)


def _resolved(func, local, lookup):
    """What a free name or a module path (``functools.partial``) means, or None."""
    path = nodes.dotted_path(func, local)
    if path is None:
        return None
    head, *rest = path.split(".")
    value = lookup(head)
    for part in rest:
        value = getattr(value, part, None)
    return value


class _Rewrite(gast.NodeTransformer):
    def __init__(self, is_builtin, is_partial):
        self.is_builtin, self.is_partial = is_builtin, is_partial

    def _unpartial(self, call):
        """``partial(F, a, k=b)(x)`` -> ``F(a, x, k=b)``: the call the partial makes, where
        what it binds are names or constants (read once either way)."""
        maker = call.func
        if not (isinstance(maker, gast.Call) and maker.args and self.is_partial(maker.func)):
            return call
        bound = maker.args[1:] + [k.value for k in maker.keywords]
        if not all(isinstance(a, (gast.Name, gast.Constant)) for a in bound) \
                or any(k.arg is None for k in maker.keywords) \
                or {k.arg for k in maker.keywords} & {k.arg for k in call.keywords}:
            return call
        return gast.copy_location(gast.Call(maker.args[0], maker.args[1:] + call.args,
                                            maker.keywords + call.keywords), call)

    def visit_Call(self, node):
        self.generic_visit(node)
        node = self._unpartial(node)
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
            call = self._unpartial(gast.Call(f, [nodes.name(n) for n in names], []))
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
