"""The derivative operators on a def with ``*args`` or ``**kwargs``: each call is
differentiated through the def's specialisation for that call's shape
(:mod:`s2sad.front.variadic`), as JAX retraces a function for each structure of its
arguments. ``wrt`` counts the positional arguments as passed (``wrt=1`` is the second
value, a named parameter or the first of ``*args``); a keyword that lands in
``**kwargs`` may be named by its keyword.
"""
from __future__ import annotations

import functools

from ..errors import UsageError
from ..front import variadic
from . import values

# the derived functions s2sad differentiates again (through their lowering)
_LOWERED = ("grad", "jacobian", "hessian", "elementwise_grad")


def _parts(f):
    """``(the user's def, the arguments bound before the call's)``, or None."""
    if hasattr(f, "__s2sad_derivative__") or hasattr(f, "__s2sad_lower__"):
        return None                        # a derivative s2sad made: its own lowering
    try:
        func, prefix = values.unpack(f)
    except UsageError:
        return None                        # reported where the function is read
    func = getattr(func, "__s2sad_primal__", func)
    if getattr(func, "__wrapped__", None) is not None or not variadic.is_variadic(func):
        return None                        # a decorator's wrapper is read as what it wraps
    return func, prefix


def is_variadic(f) -> bool:
    """Whether ``f`` is (or binds) a user's def with ``*args`` or ``**kwargs``."""
    return _parts(f) is not None


def resolved(f, args, kwargs, wrt):
    """``(function, args, kwargs, wrt)``: the specialisation of ``f`` for a call with
    ``args`` and ``kwargs`` (a bound method's object or a partial's arguments bound to it
    again), the call as it takes it, and ``wrt`` in its parameters."""
    func, prefix = _parts(f)
    try:
        count, keywords = variadic.shape_of_call(func, tuple(prefix) + tuple(args), kwargs)
    except TypeError as exc:
        raise UsageError(f"{func.__name__}(): {exc}", "bad-arguments") from None
    spec = variadic.specialised(func, count, keywords)
    shape = spec.__s2sad_variadic__
    if wrt is None:
        wrt = getattr(f, "__s2sad_wrt__", None)
    if isinstance(wrt, (tuple, list)):
        wrt = tuple(shape.param_of(w) if isinstance(w, str) else w for w in wrt)
    elif isinstance(wrt, str):
        wrt = shape.param_of(wrt)
    args, kwargs = shape.call(args, kwargs)
    return (_bound(spec, prefix) if prefix else spec), args, kwargs, wrt


def _shape(spec):
    return getattr(spec, "func", spec).__s2sad_variadic__      # a partial's function


_BOUND: dict = {}         # (specialisation, ids of what is bound first) -> the partial


def _bound(spec, prefix):
    key = (spec, tuple(map(id, prefix)))
    made = _BOUND.get(key)
    if made is None or any(a is not b for a, b in zip(made.args, prefix)):  # an id reused
        made = _BOUND[key] = functools.partial(spec, *prefix)
    return made


def per_call(make, f, wrt, label: str, trailing: int = 0, lowered=True):
    """The function ``make(g, wrt)`` would be for a def ``g`` with named parameters:
    on each call, ``make``'s function for the specialisation of ``f`` the call's shape
    asks for (made once per shape). ``trailing``: positional arguments at the end that
    are not ``f``'s (hvp's ``v``)."""
    made: dict = {}          # (positional count, keywords) -> (function made, its shape)
    func, _ = _parts(f)

    def for_call(args, kwargs):
        cut = len(args) - trailing
        key = (cut, tuple(kwargs))
        found = made.get(key)
        if found is None:
            spec, _, _, w = resolved(f, args[:cut], kwargs, wrt)
            found = made[key] = make(spec, w), _shape(spec)
        fn, shape = found
        return fn, tuple(args), shape.call((), kwargs)[1]

    @functools.wraps(func)
    def run(*args, **kwargs):
        fn, args, kwargs = for_call(args, kwargs)
        return fn(*args, **kwargs)

    def lower(args, kwargs):
        fn, args, kwargs = for_call(tuple(args), dict(kwargs))
        return fn.__s2sad_lower__(args, kwargs)
    run.__s2sad_derivative__ = label
    run.__s2sad_for_shape__ = lambda args, kwargs: for_call(args, kwargs)[0]
    if lowered and label in _LOWERED:
        run.__s2sad_lower__ = lower
    return run
