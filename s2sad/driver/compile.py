"""Stage 7, compile: generated source -> a Python function, and the in-memory cache.

The text is compiled inside a scope function whose parameters are the names
generated code needs from s2sad (``np``, ``math``, ``_rt``) and the user
function's free variables, so that the generated function reads the user's
own closure cells and module globals live (a rebound global is seen on the
next call). The text is registered with ``linecache`` under a filename that
names the function and a digest of the text, so tracebacks and pdb show
generated lines, and two texts (optimized or not, a callee inlined or not) never
share a filename: a second derivative reads back the text of the one it was
compiled from.
"""
from __future__ import annotations

import hashlib
import linecache
import math
import threading
import types
from dataclasses import dataclass

import gast
import numpy as np

from ..tree import emit
from .. import runtime
from ..front import sourcemap
from ..front.parse import GENERATED, ParsedFunction
from ..rules import USER_CELLS

RUNTIME_NAMES = {"np": np, "math": math, "_rt": runtime}
_SCOPE = "__s2sad_scope__"


@dataclass(frozen=True)
class Unit:
    """One generated definition as text, with what compiling it again needs."""

    name: str                 # the generated function's name
    tag: str                  # shown in its linecache filename
    text: str                 # its source, exactly what runs
    takes_user_args: bool     # it has the user function's parameters (and defaults)


def compile_function(func_def: gast.FunctionDef, parsed: ParsedFunction, tag: str,
                     links=None):
    """``(function, unit)`` for one generated definition; ``links`` binds the names by
    which it calls the derivatives of the user functions it calls."""
    unit = unit_of(func_def, parsed, tag)
    return compile_unit(unit, parsed, links), unit


def unit_of(func_def: gast.FunctionDef, parsed: ParsedFunction, tag: str) -> Unit:
    """One generated definition as the text that is compiled (and may be stored)."""
    return Unit(func_def.name, tag, emit.source(func_def), _takes_user_args(func_def, parsed))


def compile_unit(unit: Unit, parsed: ParsedFunction, links=None):
    """The function for ``unit``'s text, running in the user function's globals with its
    closure cells, the runtime names, user rules' callables and ``links``."""
    links = links or {}
    bound = dict(RUNTIME_NAMES, **USER_CELLS, **links)
    cells = list(bound) + [n for n in parsed.closure if n not in bound]
    scope = f"def {_SCOPE}({', '.join(cells)}):\n" + \
        "".join("    " + line + "\n" for line in unit.text.splitlines()) + \
        f"    return {unit.name}\n"
    digest = hashlib.sha256(scope.encode()).hexdigest()[:8]
    filename = f"{GENERATED}{parsed.func.__module__}.{unit.name} {unit.tag} {digest}>"
    lines = scope.splitlines(True)
    linecache.cache[filename] = (len(scope), None, lines, filename)
    sourcemap.register_origin(filename, parsed.filename, parsed.file_lines,
                              parsed.line_offset + 1)
    outer = compile(scope, filename, "exec")
    code = next(c for c in _scope_code(outer).co_consts
                if isinstance(c, types.CodeType) and c.co_name == unit.name)
    closure = tuple(types.CellType(bound[name]) if name in bound else parsed.closure[name]
                    for name in code.co_freevars)
    user = parsed.func
    defaults = user.__defaults__ if unit.takes_user_args else None
    fn = types.FunctionType(code, user.__globals__, unit.name, defaults, closure)
    if unit.takes_user_args:
        fn.__kwdefaults__ = user.__kwdefaults__
    fn.__qualname__ = unit.name
    fn.__module__ = user.__module__
    return fn


def rebind(fn, parsed: ParsedFunction, func):
    """``fn``, compiled for ``parsed.func``, bound instead to ``func``'s own closure cells
    and defaults (``func`` has the same code: another instance of a nested def)."""
    if func is parsed.func or (func.__closure__ is parsed.func.__closure__
                               and func.__defaults__ is parsed.func.__defaults__):
        return fn
    own = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    closure = tuple(own[name] if parsed.closure.get(name) is cell else cell
                    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    user = parsed.func
    defaults = func.__defaults__ if fn.__defaults__ is user.__defaults__ else fn.__defaults__
    twin = types.FunctionType(fn.__code__, func.__globals__, fn.__name__, defaults,
                              closure or None)
    twin.__kwdefaults__ = func.__kwdefaults__ if fn.__kwdefaults__ is user.__kwdefaults__ \
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
