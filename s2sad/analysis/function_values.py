"""Part of diagnose: a function value that holds differentiated values, called.

``predict = make_predictor(p)`` (a factory returning a closure over its parameter),
``s, predict = make_pair(p)`` (one inside a tuple), ``predict = partial(model, p)``:
each ``predict(x)`` depends on ``p`` through what the function object holds, which
the call of a function value does not follow (its derivative is made for the
arguments passed). Such a call is refused; a function value that holds none (a
module-level function a helper returns, ``unflatten`` closing over shapes only, a
NumPy function chosen by a branch) is differentiated as before.

>>> import gast
>>> returns_a_closure(gast.parse('''
... def make(p):
...     def predict(x):
...         return x * p
...     return predict
... ''').body[0])
True
>>> returns_a_closure(gast.parse('''
... def flatten(x):
...     def unflatten(v):
...         return v.reshape(2, 2)
...     return x.ravel(), unflatten
... ''').body[0])
False
"""
from __future__ import annotations

import gast

from ..errors import S2SadError
from ..front.parse import is_generated, parse
from .prims import Prim


def maker_of(func_name: str, varied, made: dict, values: dict, parsed):
    """The call that made the function value ``func_name`` (a local of the analysed
    function) from differentiated values, where the function may hold them (``make(p)``,
    ``partial(model, p)``); None where it holds none. ``made`` maps each assigned name
    to its Prim, ``values`` to its right-hand side."""
    if is_generated(parsed.filename):    # s2sad's own calls (``jvp_of(fn, wrt)(...)``)
        return None                      # in a derivative differentiated again
    name = func_name
    while name in made and made[name].op == "copy":          # h = g
        name = made[name].source
    if name.startswith("_") or name not in varied or name not in made:
        return None
    prim = made[name]
    if prim.op == "index" and prim.operands:                  # s, g = make_pair(p)
        name = prim.operands[0][1]
        prim = made.get(name)
        if prim is None or name not in varied or prim.op != "call":
            return None
    maker = values.get(name)
    if prim.op == "unknown":                 # partial(model, p), or another maker
        return maker
    if prim.op != "call":
        return None
    callee = _callee_tree(prim, maker, parsed)
    return maker if callee is None or returns_a_closure(callee) else None


def _callee_tree(prim: Prim, value, parsed):
    """The def a user call calls, or None when it is known only when the call runs."""
    if callable(prim.callee):
        try:
            return parse(prim.callee).tree
        except S2SadError:
            return None
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name):
        for node in gast.walk(parsed.tree):
            if isinstance(node, gast.FunctionDef) and node.name == value.func.id \
                    and node is not parsed.tree:
                return node
    return None


def returns_a_closure(tree: gast.FunctionDef) -> bool:
    """Whether a def or lambda nested in ``tree`` reads a name ``tree`` binds (a
    parameter, a local) and is used other than by calling it there (returned, stored):
    the function value the caller gets may hold the caller's values."""
    bound = _bound(tree)
    for node in gast.walk(tree):
        if node is tree or not isinstance(node, (gast.FunctionDef, gast.Lambda)):
            continue
        if not _free(node) & bound:
            continue
        if isinstance(node, gast.Lambda) or _escapes(tree, node.name):
            return True
    return False


def _bound(tree) -> set:
    return {n.id for n in gast.walk(tree)
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param))}


def _free(node) -> set:
    loaded = {n.id for n in gast.walk(node)
              if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    return loaded - _bound(node)


def _escapes(tree, name: str) -> bool:
    """Whether ``name`` is read in ``tree`` other than as the function of a call."""
    called = {id(c.func) for c in gast.walk(tree) if isinstance(c, gast.Call)}
    return any(isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load)
               and id(n) not in called for n in gast.walk(tree))
