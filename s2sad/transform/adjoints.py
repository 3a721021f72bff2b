"""The adjoint of one assignment: rule templates instantiated for its operands.

Used by the reverse transformation; it knows nothing of control flow. Given
``t = e`` and ``g`` (the adjoint of ``t``), it returns one expression per
active operand, with broadcasting undone where the operands' kinds need it.

>>> import gast
>>> from s2sad.tree import emit, nodes
>>> from s2sad.analysis.analyze import Analysis, Prim
>>> from s2sad.rules.reverse import REVERSE
>>> rule = REVERSE.get(("op", "Mult"))
>>> prim = Prim("rule", rule, {"x": nodes.name("a"), "y": nodes.name("b")}, (("x", "a"), ("y", "b")))
>>> facts = Analysis({}, frozenset("ab"), {"a": kinds.SCALAR, "b": kinds.ARRAY}, None)
>>> value = nodes.template("a * b")
>>> for name, expr in contributions(prim, value, nodes.name("b_t"), nodes.name("t"), facts):
...     print(name, "<-", emit.unparse(expr))
a <- _rt.unbroadcast(b_t * b, a)
b <- b_t * a
"""
from __future__ import annotations

import gast

from ..analysis import kinds
from ..tree import nodes
from ..analysis.analyze import Analysis, Prim


def contributions(prim: Prim, value, g, ans, facts: Analysis):
    """[(operand name, adjoint contribution)] for the active operands of ``value``."""
    out = []
    for slot, ident in prim.operands:
        if not facts.is_active(ident):
            continue
        if prim.op == "copy":
            out.append((ident, nodes.clone(g)))
        elif prim.op == "pack":
            key = nodes.clone(value.keys[slot]) if isinstance(value, gast.Dict) \
                else nodes.const(slot)
            out.append((ident, nodes.subscript(nodes.clone(g), key)))
        elif prim.op == "index":
            out.append((ident, nodes.call("_rt.unindex", nodes.clone(g), nodes.name(ident),
                                          index_value(value.slice))))
        elif prim.op == "rule":
            out.append((ident, _rule_adjoint(prim, slot, g, ans, facts)))
    return out


def _rule_adjoint(prim: Prim, param: str, g, ans, facts: Analysis):
    rule = prim.rule
    template = rule.adjoints[rule.params.index(param)]
    subs = dict(prim.bound)
    subs.update(g=g, ans=ans)
    if rule.key in (("op", "Add"), ("op", "Mult")) \
            and facts.kind(prim.bound[param]) in (kinds.OTHER, kinds.TREE):
        return _sequence_adjoint(prim, param, g)
    if converts_sequence(prim, param, facts):
        subs[param] = nodes.call("_rt.as_array", nodes.clone(prim.bound[param]))
        return nodes.call("_rt.unstack", nodes.template(template, **subs),
                          nodes.clone(prim.bound[param]))
    expr = nodes.template(template, **subs)
    if rule.broadcast and not _keeps_shape(prim, param, facts):
        expr = nodes.call("_rt.unbroadcast", expr, nodes.clone(prim.bound[param]))
    return expr


def converts_sequence(prim: Prim, param: str, facts: Analysis) -> bool:
    """Whether a NumPy function may get a list or tuple for ``param`` (``np.sum([a, b])``):
    it works on ``np.asarray`` of it, so its rule does too, and the adjoint is split back
    into the items. The functions of a list of arrays (``np.stack``, ``np.concatenate``)
    take the list itself."""
    key = prim.rule.key
    return facts.kind(prim.bound[param]) == kinds.OTHER and not isinstance(key, tuple) \
        and prim.rule.result in ("reduction", "elementwise", "same", "scalar") \
        and (getattr(key, "__module__", None) or "numpy").startswith("numpy")


def _sequence_adjoint(prim: Prim, param: str, g):
    """An operand that may be a list or tuple: ``a + b`` concatenates (each side's
    adjoint is its part of g) and ``a * n`` repeats (the sum of its copies); the
    helpers fall back to the elementwise adjoints for numbers and arrays."""
    x = nodes.clone(prim.bound[param])
    if prim.rule.key == ("op", "Add"):
        return nodes.call("_rt.list_part", nodes.clone(g), x,
                          nodes.const(prim.rule.params.index(param)))
    other = next(atom for p, atom in prim.bound.items() if p != param)
    return nodes.call("_rt.times_part", nodes.clone(g), x, nodes.clone(other))


def _keeps_shape(prim: Prim, param: str, facts: Analysis) -> bool:
    """Whether the result has this operand's shape, so its adjoint needs no reducing."""
    others = [facts.kind(atom) for p, atom in prim.bound.items()
              if p != param and p in prim.rule.params
              and isinstance(atom, (gast.Name, gast.Constant))]
    return kinds.same_shape(facts.kind(prim.bound[param]), others)


def index_value(index):
    """The runtime value of a subscript's index: ``1:n`` -> ``slice(1, n, None)``."""
    if isinstance(index, gast.Slice):
        parts = [p if p is not None else nodes.const(None)
                 for p in (index.lower, index.upper, index.step)]
        return nodes.call("slice", *[nodes.clone(p) for p in parts])
    if isinstance(index, gast.Tuple):
        return nodes.tuple_(index_value(p) for p in index.elts)
    return nodes.clone(index)


def zero(ident: str, facts: Analysis):
    """A zero adjoint for ``ident``: ``0.0`` for a scalar, else shaped like the value."""
    if facts.kind(nodes.name(ident)) == kinds.SCALAR:
        return nodes.const(0.0)
    return nodes.call("_rt.zeros_like", nodes.name(ident))
