"""Part of aliasing: which values may be the memory of which names.

A view (``y[1:]``, ``y.T``, ``y.reshape(3)``, ``np.ravel(y)``) is the memory of the
array it is taken from, and so is what a user's helper returns when the helper may
return one of its parameters, or a view of one, or a tuple holding one
(``def ident(v): return v``): ``t = ident(z)`` shares z's memory, as ``t = z`` does.

>>> import numpy as np
>>> def ident(v, w):
...     return v
>>> def scaled(v, w):
...     return v * w
>>> def first_row(m, w):
...     r = m[0:1]
...     return r, w * 2.0
>>> [sorted(returned_parameters(f)) for f in (ident, scaled, first_row)]
[['v'], [], ['m']]
"""
from __future__ import annotations

import functools
import types

import gast

from .foreign import VIEW_METHODS
from .prims import classify, sequence_of
from ..errors import S2SadError
from ..front.normalize import normalize
from ..front.parse import parse
from ..tree import nodes

VIEW_ATTRS = {"T", "real", "imag"}
VIEW_FUNCTIONS = {"reshape", "ravel", "transpose", "squeeze", "expand_dims", "asarray",
                  "swapaxes", "moveaxis", "broadcast_to", "atleast_1d", "atleast_2d",
                  "field", "get"}          # _rt.field(p, "w"), _rt.get(d, k): p's, d's item


def view_of(value, prim):
    """The name whose memory ``value`` may view or be (None: a new array)."""
    if prim.op == "copy" and sequence_of(value) is None:   # a loop's walk: see aliasing
        return prim.source
    if prim.op == "index" and is_view_index(value.slice):
        return value.value.id
    if prim.op == "rule" and prim.bound:
        key = prim.rule.key
        first = prim.bound.get(prim.rule.params[0])
        name = getattr(key, "__name__", None)
        viewing = (isinstance(key, tuple) and (key in {("attr", a) for a in VIEW_ATTRS}
                                               or key in {("method", m) for m in VIEW_METHODS})) \
            or (name in VIEW_FUNCTIONS and (getattr(key, "__module__", "") or "")[:5]
                in ("numpy", "s2sad"))
        if viewing and isinstance(first, gast.Name):
            return first.id
    return None


def is_view_index(index) -> bool:
    """Basic slicing makes a view; an int or an index array makes a copy (of a scalar)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return any(isinstance(p, gast.Slice) or (isinstance(p, gast.Constant)
                                             and p.value in (None, Ellipsis)) for p in parts)


def call_pairs(assigns, prims) -> list:
    """Sharing pairs (name, argument, statement, True) for ``t = g(a, b)`` where the user
    function g may return (a view of, or a container holding) the parameter a is bound to."""
    made = []
    for s in assigns:
        prim = prims[s]
        if prim.op != "call" or not prim.bound:
            continue
        for param in returned_parameters(prim.callee):
            atom = prim.bound.get(param)
            if isinstance(atom, gast.Name):
                made.append((s.targets[0].id, atom.id, s, True))
    return made


def returned_parameters(callee, stack=()) -> frozenset:
    """The parameters of ``callee`` whose object its return value may be, view or hold
    (all of them where its source cannot be read)."""
    func = getattr(callee, "__s2sad_primal__", callee)
    if not isinstance(func, types.FunctionType) or func in stack or len(stack) > 8:
        return frozenset()
    return _returned(func, func.__code__, stack)


@functools.lru_cache(maxsize=512)
def _returned(func, code, stack) -> frozenset:
    try:
        parsed = parse(func)
        tree, _ = normalize(parsed)
    except S2SadError:
        return frozenset(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    params = nodes.names_stored(tree.args)
    local = nodes.names_stored(tree)
    shares = {p: {p} for p in params}                  # name -> the parameters it may be
    assigns = [s for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.Assign)
               and isinstance(s.targets[0], gast.Name)]
    grown = True
    while grown:
        grown = False
        for s in assigns:
            found = set().union(*(shares.get(n, set()) for n in _roots(
                s.value, classify(s.value, parsed, local), stack + (func,))))
            target = shares.setdefault(s.targets[0].id, set())
            if not found <= target:
                target |= found
                grown = True
    returned = [n for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.Return)
                and s.value is not None for n in nodes.names_loaded(s)]
    return frozenset().union(*(shares.get(n, set()) for n in returned))


def _roots(value, prim, stack) -> set:
    """The names whose object ``value`` may be, view or hold."""
    if isinstance(value, gast.Name):
        return {value.id}
    viewed = view_of(value, prim)
    if viewed is not None:
        return {viewed}
    if prim.op in ("index", "pack", "unknown"):         # an item may be an array it holds
        return nodes.names_loaded(value)
    if prim.op == "call" and prim.bound:
        inner = returned_parameters(prim.callee, stack)
        return {a.id for p, a in prim.bound.items() if p in inner and isinstance(a, gast.Name)}
    return set()
