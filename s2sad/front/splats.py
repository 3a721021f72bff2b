"""Calls that splat a sequence or a dict of a length known before the call runs,
written as the call they are: ``f(*pair)`` as ``f(pair[0], pair[1])`` where ``pair``
is a tuple display the function assigns once (``pair = (a, b)``, or the tuple a
specialisation packs its ``*args`` in), ``f(*(a, b))`` as ``f(a, b)``, and
``f(**opts)`` as ``f(k=opts['k'], ...)`` where ``opts`` is a dict display of
constant keys assigned once and only read. Part of parse: a splat left (a length
known only when the call runs) is a located ``unsupported-syntax`` error.

>>> import gast
>>> from s2sad.tree import emit
>>> tree = gast.parse('''
... def f(a, b):
...     pair = (a, b)
...     opts = {"scale": b}
...     return g(*pair, **opts) + g(*[a, b], **{"scale": a})
... ''').body[0]
>>> print(emit.source(expand(tree)), end="")
def f(a, b):
    pair = (a, b)
    opts = {'scale': b}
    return g(a, b, scale=b) + g(a, b, scale=a)
"""
from __future__ import annotations

import gast

from ..tree import nodes

_READS = ("get", "keys", "values", "items")     # a dict's methods that leave it as it is


def expand(tree):
    """``tree`` with each splat of a known length written out (in place), and each
    constant item of such a display that holds a parameter read as the parameter."""
    known, stores = _displays(tree)
    for node in nodes.walk(tree):
        # ``zip(*pairs)`` is normalize's to lower (``_rt.unzip``): left as written
        if isinstance(node, gast.Call) and not (isinstance(node.func, gast.Name)
                                                and node.func.id == "zip"):
            node.args = [a for arg in node.args for a in _positional(arg, known)]
            explicit = {k.arg for k in node.keywords if k.arg is not None}
            node.keywords = [k for kw in node.keywords for k in _keywords(kw, known, explicit)]
    params = {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs
              if stores.get(a.id) == 1}
    return _Items(known, params).visit(tree)


class _Items(gast.NodeTransformer):
    """``args[0]`` as ``args_0`` where ``args = (args_0, ...)`` is assigned once and
    ``args_0`` is a parameter the body never assigns: the same value, read directly."""

    def __init__(self, known, params):
        self.known, self.params = known, params

    def visit_Subscript(self, node):
        self.generic_visit(node)
        display = self.known.get(node.value.id) if isinstance(node.value, gast.Name) else None
        if display is None or not isinstance(node.ctx, gast.Load) \
                or not isinstance(node.slice, gast.Constant):
            return node
        key = node.slice.value
        if isinstance(display, gast.Dict):
            keys = [k.value if isinstance(k, gast.Constant) else None for k in display.keys]
            item = display.values[keys.index(key)] if key in keys and \
                isinstance(key, str) else None
        else:
            inside = type(key) is int and -len(display.elts) <= key < len(display.elts)
            item = display.elts[key] if inside else None
        if isinstance(item, gast.Name) and item.id in self.params:
            return gast.copy_location(nodes.name(item.id), node)
        return node


def _positional(arg, known) -> list:
    if not isinstance(arg, gast.Starred):
        return [arg]
    value = arg.value
    if isinstance(value, (gast.Tuple, gast.List)) \
            and not any(isinstance(e, gast.Starred) for e in value.elts):
        return list(value.elts)
    display = known.get(value.id) if isinstance(value, gast.Name) else None
    if not isinstance(display, (gast.Tuple, gast.List)):
        return [arg]
    return [gast.copy_location(nodes.subscript(nodes.name(value.id), nodes.const(i)), arg)
            for i in range(len(display.elts))]


def _keywords(kw, known, explicit) -> list:
    if kw.arg is not None:
        return [kw]
    value = kw.value
    display = value if isinstance(value, gast.Dict) else \
        known.get(value.id) if isinstance(value, gast.Name) else None
    keys = _constant_keys(display)
    if keys is None or set(keys) & explicit or len(set(keys)) < len(keys):
        return [kw]
    explicit.update(keys)
    if display is value:
        return [gast.keyword(arg=k, value=v) for k, v in zip(keys, value.values)]
    return [gast.keyword(arg=k, value=gast.copy_location(
        nodes.subscript(nodes.name(value.id), nodes.const(k)), value)) for k in keys]


def _constant_keys(display):
    if not isinstance(display, gast.Dict) or not all(
            isinstance(k, gast.Constant) and isinstance(k.value, str) and k.value.isidentifier()
            for k in display.keys):
        return None
    return [k.value for k in display.keys]


def _displays(tree) -> dict:
    """(name -> the display it holds wherever it is read: assigned once, to a tuple
    display; or to a list or dict display it is never changed from (every read of it a
    splat, an item, ``len`` or a dict's reading method); name -> how often it is
    assigned)."""
    stores: dict = {}
    for node in nodes.walk(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Param)):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, gast.FunctionDef) and node is not tree:
            stores[node.name] = stores.get(node.name, 0) + 1
    found = {}
    for node in nodes.walk(tree):
        if isinstance(node, gast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], gast.Name) \
                and stores.get(node.targets[0].id) == 1 \
                and isinstance(node.value, (gast.Tuple, gast.List, gast.Dict)) \
                and not any(isinstance(e, gast.Starred) for e in getattr(node.value, "elts", ())) \
                and None not in getattr(node.value, "keys", ()):
            found[node.targets[0].id] = node.value
    changeable = {n for n, d in found.items() if not isinstance(d, gast.Tuple)}
    for name in _read_otherwise(tree, changeable):
        del found[name]
    return found, stores


def _read_otherwise(tree, names) -> set:
    """Those of ``names`` read other than by a splat, an item, ``len`` or a reading
    method: what reads them so may change them (``opts.update``, ``g(opts)``)."""
    if not names:
        return set()
    fine = set()
    for node in nodes.walk(tree):
        if isinstance(node, gast.Starred) or isinstance(node, gast.Subscript) \
                and isinstance(node.ctx, gast.Load):
            fine.add(id(node.value))
        elif isinstance(node, gast.keyword) and node.arg is None:
            fine.add(id(node.value))
        elif isinstance(node, gast.Attribute) and node.attr in _READS:
            fine.add(id(node.value))
        elif isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id == "len" and len(node.args) == 1:
            fine.add(id(node.args[0]))
    return {node.id for node in nodes.walk(tree) if isinstance(node, gast.Name)
            and node.id in names and isinstance(node.ctx, gast.Load) and id(node) not in fine}
