"""The fast entry of ``s2sad.jvp`` on Python floats: after the first call of a function
with float primals and float tangents, later calls with the same argument types and
``wrt`` run the generated tangent code directly (one dict look-up and one call), as
grad's entry does; anything else (arrays, a different wrt, a changed cache, a float
exception) goes the general way, which checks and records.

>>> import s2sad
>>> def f(x, y):
...     return x * y + 3.0 * x
>>> s2sad.jvp(f, (2.0, 5.0), (1.0, 0.0))
(16.0, 8.0)
>>> found(f, (2.0, 5.0), (0.0, 1.0), None)
(16.0, 2.0)
"""
from __future__ import annotations

import types

from .calls import Rebound
from .cachekey import still, watched
from .compile import CACHE

_JVPS: dict = {}     # (function, wrt, argument types) -> (generation, code, tangent names,
#                      the parsed function, its watched names)
_LIMIT = 1024              # lambdas made anew at each call must not grow it forever


def found(f, primals, tangents, wrt):
    """``(y, ydot)`` from the recorded tangent code, or None where there is none."""
    if type(primals) is not tuple or type(tangents) is not tuple:
        return None
    try:
        hit = _JVPS.get((f, wrt, *map(type, primals)))
    except TypeError:                       # an unhashable wrt
        return None
    if hit is None or hit[0] != CACHE.generation or len(tangents) != len(hit[2]) \
            or any(type(t) is not float for t in tangents) or not still(hit[3], hit[4]):
        return None
    try:
        y, ydot = hit[1](*primals, **dict(zip(hit[2], tangents)))
    except (ArithmeticError, ValueError, Rebound):
        return None                          # the general way handles it
    return (y, ydot) if type(y) is float and type(ydot) is float else None


def record(f, primals, tangents, wrt, code, names, result, parsed) -> None:
    """Remember ``code`` for calls like this one: a plain function, float primals and
    tangents, a float value and tangent."""
    if not isinstance(f, types.FunctionType) or type(primals) is not tuple \
            or any(type(p) is not float for p in primals) \
            or type(tangents) is not tuple or any(type(t) is not float for t in tangents) \
            or any(type(r) is not float for r in result):
        return
    try:
        key = (f, wrt, *map(type, primals))
        hash(key)
    except TypeError:
        return
    if len(_JVPS) >= _LIMIT:
        _JVPS.clear()
    _JVPS[key] = (CACHE.generation, code, tuple(names), parsed, watched(parsed))


_VJPS: dict = {}     # (function, wrt, argument types) -> (generation, forward, backward,
#                      the parsed function, its watched names)


def found_vjp(f, primals, wrt, pullback_of):
    """``(y, pullback)`` from the recorded split code, or None where there is none."""
    try:
        hit = _VJPS.get((f, wrt, *map(type, primals)))
    except TypeError:
        return None
    if hit is None or hit[0] != CACHE.generation or not still(hit[3], hit[4]):
        return None
    try:
        y, residuals = hit[1](*primals)
    except (ArithmeticError, ValueError, Rebound):
        return None
    if type(y) is not float:
        return None
    return y, pullback_of(hit[3].name, y, residuals, hit[2], False, primals)


def record_vjp(f, primals, wrt, forward, backward, parsed, y) -> None:
    """Remember the split code for calls like this one: a plain function, float primals,
    a float value."""
    if not isinstance(f, types.FunctionType) or type(y) is not float \
            or any(type(p) is not float for p in primals):
        return
    try:
        key = (f, wrt, *map(type, primals))
        hash(key)
    except TypeError:
        return
    if len(_VJPS) >= _LIMIT:
        _VJPS.clear()
    _VJPS[key] = (CACHE.generation, forward, backward, parsed, watched(parsed))
