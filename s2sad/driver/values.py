"""Callables that are not a plain def, as the driver differentiates them.

A bound method is its function with the object passed first (``prefix``); a
``functools.partial`` its function with the bound arguments passed first, its
``wrt`` counting the parameters left. A partial with bound keywords, and a
function with a derivative rule reached as a value (``act=np.tanh``, then
``act(z)``), become a small def s2sad writes for the call, whose source it reads
like any other::

    def tanh(a0):
        return fn(a0)           # fn: np.tanh, whose rule applies

Each is made once per callable (and, for a rule, per call shape) and kept, so a
loop calling ``act(z)`` builds its derivative once.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import itertools
import linecache
import types
import weakref

from ..errors import UsageError
from ..front import variadic
from ..front.parse import GENERATED
from ..rules.reverse import REVERSE

_PARTIALS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_RULES: dict = {}
_NUMBERS = itertools.count(1)


def unpack(func):
    """``(function, prefix)``: what is differentiated and the arguments it is given
    first, which are never differentiated."""
    prefix = ()
    while isinstance(func, functools.partial) and not func.keywords \
            and isinstance(func.func, (types.FunctionType, types.MethodType,
                                       functools.partial)):
        prefix = tuple(func.args) + prefix
        func = func.func
    if isinstance(func, functools.partial):
        return _partial_def(func), prefix
    if isinstance(func, types.MethodType):
        return func.__func__, (func.__self__,) + prefix
    return func, prefix


def for_call(value, nargs: int, keywords) -> object:
    """A function value a differentiated function calls, as a Target takes it: a
    NumPy or math function with a rule becomes a def calling it."""
    if isinstance(getattr(type(value), "__call__", None), types.FunctionType) \
            and not isinstance(value, (types.FunctionType, functools.partial)) \
            and type(value).__module__.partition(".")[0] not in ("numpy", "s2sad"):
        return value.__call__             # a callable object of the user's: its method
    if variadic.is_variadic(value) and getattr(value, "__wrapped__", None) is None:
        try:                          # *args/**kwargs: the def it is for this call's shape
            shape = variadic.shape_of_call(value, (None,) * nargs, keywords)
        except TypeError as exc:
            raise UsageError(f"{value.__name__}(): {exc}", "bad-arguments") from None
        return variadic.specialised(value, *shape)
    if isinstance(value, (types.FunctionType, types.MethodType, functools.partial)) \
            or hasattr(value, "__s2sad_primal__") or hasattr(value, "__s2sad_derivative__"):
        return value
    try:
        has_rule = REVERSE.get(value) is not None
    except TypeError:                 # unhashable: no rule
        has_rule = False
    if not has_rule:
        raise UsageError(
            f"the function called is {value!r}, which is neither a def (or lambda) s2sad "
            "can read nor a function with a derivative rule; pass a def, or register a "
            "rule for it with s2sad.defvjp and s2sad.defjvp", "no-source")
    key = (value, nargs, tuple(keywords))
    if key not in _RULES:
        params = [f"a{i}" for i in range(nargs)]
        call = params + [f"{k}={k}" for k in keywords]
        head = ", ".join(params + (["*"] + list(keywords) if keywords else []))
        _RULES[key] = _written(getattr(value, "__name__", "rule"), head, ", ".join(call),
                               {"fn": value})
    return _RULES[key]


def _partial_def(part):
    """A partial with bound keywords, or of a function with a rule, as a def with the
    partial's own signature."""
    made = _PARTIALS.get(part)
    if made is not None:
        return made
    if not isinstance(part.func, (types.FunctionType, types.MethodType)):
        made = _rule_partial(part)
        _PARTIALS[part] = made
        return made
    signature = inspect.signature(part)
    scope = {"fn": part.func}
    scope.update({f"arg{i}": a for i, a in enumerate(part.args)})
    head, call = [], [f"arg{i}" for i in range(len(part.args))]
    star = False
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise UsageError(f"cannot differentiate {part!r}: its function takes *args or "
                             "**kwargs; wrap the call in a def", "no-source")
        if p.kind is p.KEYWORD_ONLY and not star:
            head.append("*")
            star = True
        written = p.name
        if p.default is not p.empty:
            scope[f"default_{p.name}"] = p.default
            written += f"=default_{p.name}"
        head.append(written)
        call.append(p.name if p.kind is not p.KEYWORD_ONLY else f"{p.name}={p.name}")
    name = getattr(part.func, "__name__", "partial").strip("<>") + "_partial"
    made = _written(name, ", ".join(head), ", ".join(call), scope)
    _PARTIALS[part] = made
    return made


def _rule_partial(part):
    """``partial(np.sum, axis=0)``: a def of the parameters left without a default,
    passing the bound keywords (plain constants written out, for the rule to read)."""
    scope = {"fn": part.func}
    scope.update({f"arg{i}": a for i, a in enumerate(part.args)})
    try:
        signature = inspect.signature(part)
    except (TypeError, ValueError):
        raise UsageError(f"cannot differentiate {part!r}: its signature cannot be read; "
                         "wrap the call in a def", "no-source") from None
    head = [p.name for p in signature.parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                   p.POSITIONAL_OR_KEYWORD)]
    call = [f"arg{i}" for i in range(len(part.args))] + head
    for k, v in part.keywords.items():
        if isinstance(v, (bool, int, float, str, type(None))):
            call.append(f"{k}={v!r}")
        else:
            scope[f"kw_{k}"] = v
            call.append(f"{k}=kw_{k}")
    name = getattr(part.func, "__name__", "partial") + "_partial"
    return _written(name, ", ".join(head), ", ".join(call), scope)


def _written(name: str, head: str, call: str, scope: dict):
    """``def name(head): return fn(call)`` compiled in ``scope``, its text in linecache."""
    name = name if name.isidentifier() else "call"
    text = f"def {name}({head}):\n    return fn({call})\n"
    filename = f"{GENERATED}call of {name} {next(_NUMBERS)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    scope = dict(scope, __builtins__=builtins, __name__="s2sad_call")
    exec(compile(text, filename, "exec"), scope)
    return scope[name]


def shared_identity(func):
    """What instances of one nested def share a derivative by: their code, globals, and
    what their cells hold where it decides what a call resolves to (a function)."""
    cells = []
    for cell in func.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            cells.append(None)
            continue
        if not (callable(value) or isinstance(value, types.ModuleType)):
            cells.append(type(value))
            continue
        try:
            hash(value)
            cells.append(value)
        except TypeError:
            cells.append(id(value))
    return ("nested", func.__code__, id(func.__globals__), tuple(cells))
