"""Stage 7, compile: generated source -> a Python function, and the in-memory cache.

The text is compiled inside a scope function whose parameters are the names
generated code needs from s2sad (``np``, ``math``, ``_rt``) and the user
function's free variables, so that the generated function reads the user's
own closure cells and module globals live (a rebound global is seen on the
next call). The text is registered with ``linecache`` under a stable
filename, so tracebacks and pdb show generated lines.
"""
from __future__ import annotations

import linecache
import math
import threading
import types

import gast
import numpy as np

from . import emit, runtime
from .parse import ParsedFunction
from .rules import USER_CELLS

RUNTIME_NAMES = {"np": np, "math": math, "_rt": runtime}
_SCOPE = "__s2sad_scope__"


def compile_function(func_def: gast.FunctionDef, parsed: ParsedFunction, tag: str,
                     links=None):
    """``(function, source text)`` for one generated definition; ``links`` binds the
    names by which it calls the derivatives of the user functions it calls."""
    text = emit.source(func_def)
    links = links or {}
    bound = dict(RUNTIME_NAMES, **USER_CELLS, **links)
    cells = list(bound) + [n for n in parsed.closure if n not in bound]
    scope = f"def {_SCOPE}({', '.join(cells)}):\n" + \
        "".join("    " + line + "\n" for line in text.splitlines()) + \
        f"    return {func_def.name}\n"
    filename = f"<s2sad {parsed.func.__module__}.{func_def.name} {tag}>"
    lines = scope.splitlines(True)
    linecache.cache[filename] = (len(scope), None, lines, filename)
    outer = compile(scope, filename, "exec")
    code = next(c for c in _scope_code(outer).co_consts
                if isinstance(c, types.CodeType) and c.co_name == func_def.name)
    closure = tuple(types.CellType(bound[name]) if name in bound else parsed.closure[name]
                    for name in code.co_freevars)
    user = parsed.func
    takes_user_args = _takes_user_args(func_def, parsed)
    defaults = user.__defaults__ if takes_user_args else None
    fn = types.FunctionType(code, user.__globals__, func_def.name, defaults, closure)
    if takes_user_args:
        fn.__kwdefaults__ = user.__kwdefaults__
    fn.__qualname__ = func_def.name
    fn.__module__ = user.__module__
    return fn, text


def rebind(fn, parsed: ParsedFunction, func):
    """``fn``, compiled for ``parsed.func``, reading ``func``'s closure cells and
    defaults instead: another function with the same code (a closure made by the same
    factory, a nested def made again on each call) has its own."""
    first = parsed.func
    if func is first or (func.__closure__ is first.__closure__
                         and func.__defaults__ is first.__defaults__):
        return fn
    own = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    closure = tuple(own[name] if name in own and cell is parsed.closure.get(name) else cell
                    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    defaults = func.__defaults__ if fn.__defaults__ is first.__defaults__ \
        else fn.__defaults__
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, defaults,
                              closure or None)
    twin.__kwdefaults__ = func.__kwdefaults__ if fn.__kwdefaults__ is first.__kwdefaults__ \
        else fn.__kwdefaults__
    twin.__qualname__, twin.__module__ = fn.__qualname__, fn.__module__
    return twin


def _scope_code(outer: types.CodeType) -> types.CodeType:
    return next(c for c in outer.co_consts if isinstance(c, types.CodeType) and c.co_name == _SCOPE)


def _takes_user_args(func_def, parsed) -> bool:
    params = [a.id for a in func_def.args.posonlyargs + func_def.args.args]
    return tuple(params) == parsed.params


class Cache:
    """Compiled derivatives keyed by the function's code, options and argument kinds.

    One lock makes concurrent first calls compile once; later lookups take no lock.
    """

    def __init__(self):
        self.entries: dict = {}
        self.lock = threading.RLock()     # building f may look up its callees' fronts
        self.generation = 0               # bumped when rules change: derived caches drop

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.generation += 1

    def get(self, key, build):
        try:
            return self.entries[key]
        except KeyError:
            pass
        with self.lock:
            if key not in self.entries:
                self.entries[key] = build()
            return self.entries[key]


CACHE = Cache()
