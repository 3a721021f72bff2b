"""Part of the disk cache: what a generated derivative depends on, as a digest.

Generated code reads globals and closure cells live, so their *values* need not be
in the key; what each name the function uses *resolved to* when it was compiled
must be (``np.sin`` or a user function, a float or an array), with the function's
own code and source text, the code and signature of the user functions it calls,
the user's registered rules, the options, the argument kinds, and a digest of the
compiler's own source files.

>>> describe(3.5), describe(math.sin), describe(math)
(['value', 'float', '3.5'], ['callable', 'builtin_function_or_method', 'math', 'sin'], ['module', 'math'])
"""
from __future__ import annotations

import functools
import hashlib
import json
import math  # noqa: F401  (the docstring example describes it)
import sys
import types
from pathlib import Path

import gast
import numpy as np

from ..analysis.kinds import Kind
from ..front import frozen_stats
from ..tree import nodes
from ..rules.forward import FORWARD
from ..rules.reverse import REVERSE

_SCALARS = (bool, int, float, complex, str, bytes, type(None))


class NotCacheable(Exception):
    """Something the function uses has no description that survives a restart."""


def digest(front, options: dict) -> str | None:
    """The entry's key: a hex digest, or None when the function cannot be cached on disk."""
    parsed = front.parsed
    try:        # NotCacheable, or a property that raises when read: memory only
        names = {path: describe(obj) for path, obj in resolutions(parsed).items()}
    except Exception:
        return None
    try:
        material = {
            "compiler": compiler_digest(),
            "python": sys.version, "numpy": np.__version__,
            "function": [parsed.func.__module__, parsed.func.__qualname__, parsed.filename,
                         parsed.line_offset, parsed.source, code_digest(parsed.func.__code__)],
            "names": names,
            "rules": user_rules(),
            "options": options,
        }
        text = json.dumps(material, sort_keys=True, default=_jsonable)
    except NotCacheable:
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if isinstance(value, Kind):
        return str(value)
    raise NotCacheable(repr(value))


def resolutions(parsed) -> dict:
    """Every name and dotted path the body reads (``np``, ``np.linalg``,
    ``np.linalg.norm``), in order, mapped to what it resolves to now (None: nothing)."""
    paths = set()
    for node in nodes.walk(parsed.tree):
        path = nodes.dotted_path(node)
        if path is not None:
            parts = path.split(".")
            paths.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    paths.update(name for name, _ in parsed.copied)   # copied into the body: not read
    return {path: parsed.resolve_path(path) for path in sorted(paths)}


def describe(obj):
    """What ``obj`` is, as JSON data that is the same in another process."""
    ruled = _ruled(obj)
    plain = _plain(obj)
    # the rule's text names the callables generated code calls: two primitives that
    # look alike (one qualname, one code) are told apart by their rules
    return ["ruled", plain, _rule_texts(obj)] if ruled else plain


def _plain(obj):
    if isinstance(obj, types.ModuleType):
        return ["module", obj.__name__]
    primal = getattr(obj, "__s2sad_primal__", None)
    if primal is not None:                          # @s2sad.differentiate, s2sad.checkpoint
        made = "checkpoint" if getattr(obj, "__s2sad_checkpoint__", False) else "differentiable"
        return [made, _plain(primal), repr(getattr(obj, "__s2sad_wrt__", None))]
    if isinstance(obj, types.MethodType):
        return ["method", _plain(obj.__func__), _type_name(obj.__self__)]
    if isinstance(obj, types.FunctionType):
        module = obj.__module__ or ""
        if module == "s2sad" or module.startswith("s2sad."):
            return ["s2sad", module, obj.__qualname__]
        return ["function", module, obj.__qualname__, code_digest(obj.__code__),
                [_plain(d) for d in obj.__defaults__ or ()], sorted(obj.__kwdefaults__ or ())]
    if isinstance(obj, type):
        return ["class", obj.__module__, obj.__qualname__]
    if isinstance(obj, _SCALARS):
        return ["value", type(obj).__name__, repr(obj)]
    if isinstance(obj, np.ndarray):
        return ["array", obj.ndim, obj.dtype.str]
    frozen = frozen_stats.structure(obj)
    if frozen is not None:               # its rule and the parameters read are compiled in
        return ["frozen distribution", *frozen]
    if type(obj).__module__.split(".")[0] == "s2sad":
        raise NotCacheable(repr(obj))               # e.g. a link in generated code
    if callable(obj) and hasattr(obj, "__name__"):
        return ["callable", _type_name(obj), getattr(obj, "__module__", None),
                getattr(obj, "__qualname__", None) or obj.__name__]
    return ["object", _type_name(obj)]


def _type_name(obj) -> str:
    kind = type(obj)
    return kind.__name__ if kind.__module__ == "builtins" else \
        f"{kind.__module__}.{kind.__qualname__}"


def _ruled(obj) -> bool:
    try:
        return obj in REVERSE.user or obj in FORWARD.user
    except TypeError:                               # unhashable
        return False


def _rule_texts(obj) -> list:
    return [[table.mode, list(rule.params), sorted(rule.defaults.items()), list(rule.adjoints)]
            for table in (REVERSE, FORWARD) for rule in [table.user.get(obj)] if rule]


def user_rules() -> list:
    """The rules registered with defvjp/defjvp: what generated code's text is made of."""
    rules = [[table.mode, _plain(key), list(rule.params), sorted(rule.defaults.items()),
              list(rule.adjoints)]
             for table in (REVERSE, FORWARD) for key, rule in table.user.items()]
    return sorted(rules, key=lambda r: json.dumps(r, sort_keys=True))


@functools.lru_cache(maxsize=1024)
def code_digest(code: types.CodeType) -> str:
    """A digest of a code object's instructions, names and constants (nested code
    included); line numbers are left out."""
    consts = [code_digest(c) if isinstance(c, types.CodeType) else [type(c).__name__, repr(c)]
              for c in code.co_consts]
    material = [code.co_code.hex(), code.co_names, code.co_varnames, code.co_freevars,
                code.co_cellvars, code.co_argcount, code.co_posonlyargcount,
                code.co_kwonlyargcount, code.co_flags, code.co_name, consts]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()


@functools.lru_cache(maxsize=None)
def compiler_digest() -> str:
    """A digest of every source file of the s2sad package: an edited compiler never
    reads what an older one wrote."""
    root = Path(__file__).resolve().parent.parent  # the package, s2sad/
    hasher = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        hasher.update(str(path.relative_to(root)).encode() + b"\0")
        hasher.update(path.read_bytes() + b"\0")
    return hasher.hexdigest()


_GLOBAL_NAMES: dict = {}     # id(parsed tree) -> (the tree, its global names)


def _global_names(parsed) -> tuple:
    """The bare names the body reads that are neither parameters nor locals (functions,
    ``np`` and globals holding values alike; globals_now keeps the callables')."""
    known = _GLOBAL_NAMES.get(id(parsed.tree))
    if known is not None and known[0] is parsed.tree:
        return known[1]
    local = set(nodes.names_stored(parsed.tree)) | set(parsed.params) | set(parsed.kwonly)
    names = tuple(sorted({n.id for n in nodes.walk(parsed.tree) if isinstance(n, gast.Name)
                          and isinstance(n.ctx, gast.Load) and n.id not in local}
                         | {name for name, _ in parsed.copied}))
    if len(_GLOBAL_NAMES) > 1024:
        _GLOBAL_NAMES.clear()
    _GLOBAL_NAMES[id(parsed.tree)] = (parsed.tree, names)
    return names


def globals_now(parsed) -> tuple:
    """What each global name the body reads means now, by identity: part of the memory
    cache's key, so that ``ACT = np.sin`` after a derivative was built for
    ``ACT = np.tanh`` builds it anew instead of reusing tanh's rule."""
    now = (parsed.lookup(name) for name in _global_names(parsed))
    return tuple(id(obj) if callable(obj) else None for obj in now)  # values: read when run


def watched(parsed) -> tuple:
    """``(name, what it means now)`` for each global the body calls through a name of
    its own that is a library callable (``ACT = np.tanh``, ``from math import sin``): the
    derivative built for it holds that callable's rule, so a fast entry must step aside
    once the name means something else (user functions are followed by their links)."""
    out = []
    for name in _global_names(parsed):
        obj = parsed.lookup(name)
        if callable(obj) and not isinstance(obj, (types.ModuleType, types.MethodType, type)) \
                and not (isinstance(obj, types.FunctionType) and not _library(obj)) \
                or name in dict(parsed.copied):     # copied into the body: no link
            out.append((name, obj))
    return tuple(out)


def still(parsed, watch) -> bool:
    """Whether each watched name still means what it did."""
    return all(parsed.lookup(name) is obj for name, obj in watch)


def _library(func) -> bool:
    module = getattr(func, "__module__", None) or ""
    return module.split(".")[0] in ("numpy", "scipy", "math", "builtins", "s2sad")
