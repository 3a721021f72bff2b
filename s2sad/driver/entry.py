"""The function ``grad`` returns, written with the user's own parameters so that a
call on floats costs a dict look-up and one call: no ``*args`` to pack and unpack.

For ``def f(x1, x2)`` it reads::

    def f_grad(x1, x2):
        fn = by_type.get((cache.generation, type(x1), type(x2)))
        if fn is None:
            return run(x1, x2)
        try:
            out = fn(x1, x2)
        except handled as exc:
            out = recover(fn, exc, (x1, x2))
        return out if type(out) is float else real(out, (x1, x2))

(with every name but the parameters prefixed ``__s2sad_``).

``run`` is the general wrapper (argument kinds, cache, errors); it fills
``by_type`` for arguments that are plain numbers. ``recover`` does what ``run``
does on an exception it handles (a float division by zero, a non-scalar output);
``real`` refuses a complex gradient and gives each entry its argument's float type
(a float gradient of a float argument, the common case, skips it).
"""
from __future__ import annotations

import builtins
import functools
import inspect
import keyword

import numpy as np

_PLAIN = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)


def fast_entry(run, signature: inspect.Signature, defaults, by_type: dict, cache,
               handled: tuple, recover, real, variant="grad", count=1, one_tuple=False,
               watch=(), parsed=None):
    """A function like ``run`` with ``signature``'s parameters, or ``run`` itself where
    the parameters are not all plain positional ones. ``variant`` (``grad`` or
    ``value_and_grad``), ``count`` (the number of wrt arguments) and ``one_tuple`` (one
    wrt argument asked for in a tuple) say what the result looks like: a float gradient
    (or NumPy's float64, made a float as ``real`` would) is returned without ``real``.
    ``watch``: ``(names, meanings)`` of ``parsed``'s watched globals; the entry hands
    the call to ``run`` once one of them means something else (``run`` rebuilds)."""
    params = list(signature.parameters.values())
    names = [p.name for p in params]
    guard = _watch_guard(watch, parsed)
    if not params or any(p.kind not in _PLAIN for p in params) or guard is None \
            or any(keyword.iskeyword(n) or n.startswith("__s2sad") for n in names):
        return run
    listed = ", ".join(names)
    # every name but the parameters starts with __s2sad: a parameter named fn or type
    # must not be shadowed
    types = ", ".join(f"__s2sad_type({n})" for n in names)
    text = (f"def entry({listed}):\n"
            f"    __s2sad_fn = __s2sad_by_type.get((__s2sad_cache.generation, {types}))\n"
            f"    if __s2sad_fn is None{guard[0]}:\n"
            f"        return __s2sad_run({listed})\n"
            f"    try:\n"
            f"        __s2sad_out = __s2sad_fn({listed})\n"
            f"    except __s2sad_handled as __s2sad_exc:\n"
            f"        __s2sad_out = __s2sad_recover(__s2sad_fn, __s2sad_exc, ({listed},))\n"
            + _returned(variant, count, one_tuple, listed))
    scope = {"__s2sad_by_type": by_type, "__s2sad_cache": cache, "__s2sad_run": run,
             "__s2sad_handled": handled, "__s2sad_recover": recover, "__s2sad_type": type,
             "__s2sad_real": real, "__s2sad_float": float, "__s2sad_tuple": tuple,
             "__s2sad_scalars": (float, np.float64), "__s2sad_len": len, **guard[1]}
    exec(compile(text, f"<s2sad entry of {run.__qualname__}>", "exec"), scope)
    entry = functools.update_wrapper(scope["entry"], run)
    entry.__defaults__ = defaults
    return entry


def _watch_guard(watch, parsed):
    """``(text, scope)``: the entry's test that each watched global still means what
    it did, as ``parsed.lookup`` finds it (module globals, then builtins); ``("", {})``
    with none watched; None where one is a closure cell's (``run`` checks those).
    ``watch`` is ``(names, meanings)``, ``meanings`` a list the dispatch empties of
    its callables once one name is rebound, so that this test fails from then on."""
    names, meanings = watch or ((), [])
    if not names:
        return "", {}
    if any(name in parsed.closure for name in names):
        return None
    text, scope = "", {"__s2sad_globals": parsed.func.__globals__, "__s2sad_w": meanings}
    for i, name in enumerate(names):
        scope[f"__s2sad_b{i}"] = getattr(builtins, name, _UNBOUND)
        text += f" or __s2sad_globals.get({name!r}, __s2sad_b{i}) is not __s2sad_w[{i}]"
    return text, scope


_UNBOUND = object()


def _returned(variant: str, count: int, one_tuple: bool, listed: str) -> str:
    """The entry's last lines: the result, from ``__s2sad_out``, as ``run`` gives it. A
    float gradient, or a float64 one (which ``real`` makes a float: a gradient of a
    Python float is a Python float), is returned without ``real``; anything else goes
    through it, which checks and types it."""
    out, real = "__s2sad_out", f"__s2sad_real(__s2sad_out, ({listed},))"
    gs = [f"__s2sad_g{i}" for i in range(count)]
    tests = " and ".join(f"__s2sad_type({g}) in __s2sad_scalars" for g in gs)
    floats = ", ".join(f"__s2sad_float({g})" for g in gs)
    if count > 1 or one_tuple:
        floats = f"({floats},)"
    if variant == "grad" and count == 1:
        floats = f"(__s2sad_float({out}),)" if one_tuple else f"__s2sad_float({out})"
        slow = f"({real},)" if one_tuple else real
        return (f"    if __s2sad_type({out}) is __s2sad_float:\n"
                f"        return {f'({out},)' if one_tuple else out}\n"
                f"    if __s2sad_type({out}) in __s2sad_scalars:\n"
                f"        return {floats}\n"
                f"    return {slow}\n")
    if variant == "grad":                       # a tuple of gradients
        return (f"    if __s2sad_type({out}) is __s2sad_tuple and __s2sad_len({out}) == {count}:\n"
                f"        {', '.join(gs)}, = {out}\n"
                f"        if {tests}:\n"
                f"            return {floats}\n"
                f"    return {real}\n")
    # value_and_grad: (value, gradient), the value as it is
    grads = f"({out}[1],)" if count == 1 else f"{out}[1]"
    slow = f"(__s2sad_out[0], (__s2sad_out[1],))" if one_tuple else "__s2sad_out"
    return (f"    if __s2sad_type({out}) is __s2sad_tuple and __s2sad_len({out}) == 2 "
            f"and __s2sad_type({out}[0]) in __s2sad_scalars:\n"
            f"        __s2sad_gs = {grads}\n"
            f"        if __s2sad_type(__s2sad_gs) is __s2sad_tuple "
            f"and __s2sad_len(__s2sad_gs) == {count}:\n"
            f"            {', '.join(gs)}, = __s2sad_gs\n"
            f"            if {tests}:\n"
            f"                return ({out}[0], {floats})\n"
            f"    {out} = {real}\n"
            f"    return {slow}\n")
