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

import functools
import inspect
import keyword

_PLAIN = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)


def fast_entry(run, signature: inspect.Signature, defaults, by_type: dict, cache,
               handled: tuple, recover, real):
    """A function like ``run`` with ``signature``'s parameters, or ``run`` itself where
    the parameters are not all plain positional ones."""
    params = list(signature.parameters.values())
    names = [p.name for p in params]
    if not params or any(p.kind not in _PLAIN for p in params) \
            or any(keyword.iskeyword(n) or n.startswith("__s2sad") for n in names):
        return run
    listed = ", ".join(names)
    # every name but the parameters starts with __s2sad: a parameter named fn or type
    # must not be shadowed
    types = ", ".join(f"__s2sad_type({n})" for n in names)
    text = (f"def entry({listed}):\n"
            f"    __s2sad_fn = __s2sad_by_type.get((__s2sad_cache.generation, {types}))\n"
            f"    if __s2sad_fn is None:\n"
            f"        return __s2sad_run({listed})\n"
            f"    try:\n"
            f"        __s2sad_out = __s2sad_fn({listed})\n"
            f"    except __s2sad_handled as __s2sad_exc:\n"
            f"        __s2sad_out = __s2sad_recover(__s2sad_fn, __s2sad_exc, ({listed},))\n"
            f"    return __s2sad_out if __s2sad_type(__s2sad_out) is float else "
            f"__s2sad_real(__s2sad_out, ({listed},))\n")
    scope = {"__s2sad_by_type": by_type, "__s2sad_cache": cache, "__s2sad_run": run,
             "__s2sad_handled": handled, "__s2sad_recover": recover, "__s2sad_type": type,
             "__s2sad_real": real}
    exec(compile(text, f"<s2sad entry of {run.__qualname__}>", "exec"), scope)
    entry = functools.update_wrapper(scope["entry"], run)
    entry.__defaults__ = defaults
    return entry
