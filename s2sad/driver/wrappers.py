"""One-line functions s2sad writes around a callable so that it can differentiate it
as a user function: a primitive with a rule (``s2sad.grad(np.sin)`` differentiates
``def sin(x): return primitive(x)``), and the first output of a function that
returns ``(value, aux)`` (``has_aux=True``).

The text is registered with ``linecache`` under a filename of generated code, so
the front end reads it as it reads any function's source.
"""
from __future__ import annotations

import inspect
import linecache
import types

import numpy as np

from ..front.parse import GENERATED
from ..rules.forward import FORWARD
from ..rules.reverse import REVERSE

_MADE: dict = {}         # (what, callable) -> the wrapper, made once


def _written(name: str, params: list, body: str, scope: dict, what: str):
    """The function ``def name(params): return body``, with ``scope`` as its globals."""
    text = f"def {name}({', '.join(params)}):\n    return {body}\n"
    filename = f"{GENERATED}{what} {name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), scope)
    fn = scope[name]
    fn.__module__ = scope["__name__"]
    return fn


def has_rule(func) -> bool:
    """A callable with a derivative rule in either mode, but no Python source."""
    if isinstance(func, (types.FunctionType, types.MethodType)) or not callable(func):
        return False
    return REVERSE.get(func) is not None or FORWARD.get(func) is not None


def primitive_function(func):
    """``func`` (a NumPy ufunc or a rule's C function) as a one-line def calling it."""
    key = ("primitive", func)
    if key in _MADE:
        return _MADE[key]
    if isinstance(func, np.ufunc):
        params = ["x"] if func.nin == 1 else [f"x{i}" for i in range(func.nin)]
    else:
        params = [p.name for p in _parameters(func)
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is p.empty] or ["x"]
    name = getattr(func, "__name__", "primitive")
    name = name if name.isidentifier() else "primitive"
    scope = {"__name__": "s2sad.wrappers", "primitive": func}
    fn = _written(name, params, f"primitive({', '.join(params)})", scope,
                  f"wrapper of {getattr(func, '__module__', '') or ''}.{name}")
    _MADE[key] = fn
    return fn


def _parameters(func) -> list:
    try:
        return list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []


def first_output(func):
    """``def f_value(x, y, *, z): return primitive(x, y, z=z)[0]`` for a plain ``func``
    returning ``(value, aux)``: the function whose derivative ``has_aux`` asks for."""
    key = ("first", func)
    if key in _MADE:
        return _MADE[key]
    params = list(inspect.signature(func).parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY) for p in params):
        return None
    positional = [p.name for p in params if p.kind == p.POSITIONAL_OR_KEYWORD]
    keyword = [p.name for p in params if p.kind == p.KEYWORD_ONLY]
    listed = positional + (["*"] + keyword if keyword else [])
    call = ", ".join(positional + [f"{k}={k}" for k in keyword])
    scope = {"__name__": getattr(func, "__module__", None) or "s2sad.wrappers",
             "primitive": func}
    fn = _written(f"{func.__name__}_value", listed, f"primitive({call})[0]", scope,
                  "value of")
    fn.__defaults__, fn.__kwdefaults__ = func.__defaults__, func.__kwdefaults__
    _MADE[key] = fn
    return fn
