"""Parameter trees the way users write them: a dict's ``items()``, ``values()``,
``keys()`` and ``get``, a namedtuple's or a dataclass's fields read as attributes
(``p.w``), ``tuple(...)``, ``sorted(...)`` and ``zip(*pairs)``, each with the adjoint
(``un...``) and tangent its rules name. A dataclass's adjoint is the same dataclass
holding the fields' adjoints, as JAX returns a pytree's (``core.zeros_like``).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .checks import Unsupported
from .core import rebuild, with_field, zeros_like

__all__ = ["items_tangent", "values_tangent", "get_tangent", "unzip_tangent", "unitems", "unvalues", "unget", "get_default",
           "field_tangent", "unfield", "retype", "unzip_vjp", "sorted_tangent",
           "unsorted"]


def items_tangent(t, d) -> list:
    """The tangent of ``items(d)``: a key has none (zero), a value its tangent."""
    return [(zeros_like(k), t[k]) for k in d]


def values_tangent(t) -> list:
    """The tangent of ``values(d)``: the tangents' values, in order."""
    return list(t.values())


def get_tangent(t, key, default=None):
    """The tangent of ``get(d, key, default)`` for ``d``: ``t[key]``, else zero."""
    return t[key] if key in _mapping(t) else zeros_like(default)


def unzip_tangent(t) -> tuple:
    return tuple(zip(*t))


def unitems(g, d):
    """The adjoint of ``items(d)``: the value part of each pair's adjoint, by key."""
    out = zeros_like(d)
    for (k, _), pair in zip(d.items(), g):
        out[k] = pair[1]
    return out


def unvalues(g, d):
    out = zeros_like(d)
    for k, gk in zip(d, g):
        out[k] = gk
    return out


def unget(g, d, key):
    """The adjoint of ``d.get(key, default)`` for ``d``: ``g`` at ``key`` if it is there."""
    out = zeros_like(_mapping(d))
    if key in d:
        out[key] = g
    return out


def get_default(g, d, key):
    """... and for ``default``: ``g`` if ``key`` is missing."""
    return zeros_like(g) if key in _mapping(d) else g


def _mapping(d):
    """``d``, a dict (or mapping) as ``x.get(...)`` was read: else a method named get of
    another object, whose derivative this is not."""
    if not isinstance(d, Mapping):
        raise Unsupported(f"x.get(...) was differentiated as a dict's get, but x is a "
                          f"{type(d).__name__}: rename its method (fetch), or call it "
                          f"through its class ({type(d).__name__}.get(x, ...))")
    return d


def field_tangent(t, x, name):
    """The tangent of ``x.name``: ``t.name``, or by position where the tangent of a
    namedtuple is a plain tuple."""
    if isinstance(t, dict) and not hasattr(t, name):      # SciPy's OdeResult: a dict
        return t[name]
    if hasattr(t, name) or not hasattr(x, "_fields"):
        return getattr(t, name)
    return t[x._fields.index(name)]


def unfield(g, x, name):
    """The adjoint of ``x.name``: zeros shaped like ``x``, ``g`` in the field."""
    return with_field(zeros_like(x), name, g)


def retype(g, x):
    """An adjoint (tangent) of a sequence ``x`` in ``x``'s own type (a list for a list)."""
    if isinstance(x, (tuple, list)) and isinstance(g, (tuple, list)):
        return rebuild(x, list(g))
    return g


def unzip_vjp(g, x):
    """The adjoint of ``unzip(x)``: transposed back, in ``x``'s structure."""
    out = [list(zeros_like(row)) for row in x]
    for j, column in enumerate(g):
        for i, gij in enumerate(column):
            out[i][j] = gij
    return _like(x, [_like(row, items) for row, items in zip(x, out)])


def _like(x, items):
    """``items`` in ``x``'s structure: a tuple or list like it, or an array of its shape
    (``zip(a, b)`` of arrays walks their rows)."""
    if not isinstance(x, np.ndarray):
        return rebuild(x, items)
    rows = [np.broadcast_to(np.asarray(i, dtype=x.dtype), x.shape[1:]) for i in items]
    return np.stack(rows) if rows else np.zeros_like(x)


def _order(x, key, reverse) -> list:
    seq = list(x)
    by = key if key is not None else (lambda v: v)
    return sorted(range(len(seq)), key=lambda i: by(seq[i]), reverse=reverse)


def sorted_tangent(d, x, key=None, reverse=False) -> list:
    """The tangent of ``sorted(x)``: ``d``'s items in the sorted order (a dict's keys
    have none)."""
    if isinstance(x, dict):
        return [0.0] * len(x)
    return [d[i] for i in _order(x, key, reverse)]


def unsorted(g, x, key=None, reverse=False):
    """The adjoint of ``sorted(x)``: each item's adjoint back in its place."""
    if isinstance(x, dict):
        return zeros_like(x)
    out = list(zeros_like(list(x)))
    for j, i in enumerate(_order(x, key, reverse)):
        out[i] = g[j]
    if isinstance(x, (tuple, list)):
        return rebuild(x, out)
    return zeros_like(x) + np.asarray(out)        # a 1-d array, sorted into a list
