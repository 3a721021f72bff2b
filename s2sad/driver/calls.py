"""The parts of calling a derivative that need no derivative themselves: which
arguments are floats in this call, the pullback of a call with none or some of them,
whether a callee's name still means the function linked, and the error when it does
not (``Rebound``). :mod:`s2sad.driver.target` links and calls the derivatives.
"""
from __future__ import annotations

import inspect
import types

from ..analysis import kinds
from ..errors import UsageError


class Rebound(UsageError):
    """A callee's name points elsewhere now; the API builds the derivative again once
    (a derivative kept and called by other means sees this error)."""


def live_floats(names, values) -> tuple:
    """The ``wrt`` names whose values can be differentiated in this call: a name the
    caller differentiates may hold an int here (``x = n`` on some path)."""
    return tuple(n for n in names if kinds.is_float(kinds.of_value(values[n])))


def tangent_params(fn, count) -> tuple:
    """The names of a generated tangent function's last ``count`` keyword-only
    parameters: the tangents of its ``wrt`` arguments."""
    code = fn.__code__
    kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    return kwonly[-count:]


def as_taken(func, args, kwargs):
    """A call's ``(args, kwargs)`` as ``func`` takes them: a def's specialisation for
    the call's shape (``*args``/``**kwargs``) has the keywords of ``**kwargs`` renamed."""
    shape = getattr(func, "__s2sad_variadic__", None)
    return (args, kwargs) if shape is None else shape.call(args, kwargs)


def keyword_param(func, name):
    """The parameter of ``func`` a keyword ``name`` binds (a specialisation's for a
    keyword of ``**kwargs``); anything else as it is."""
    shape = getattr(func, "__s2sad_variadic__", None)
    return shape.param_of(name) if shape is not None and isinstance(name, str) else name


class Zeros:
    """The pullback of a call none of whose arguments could be differentiated."""

    def __init__(self, count):
        self.count = count

    def __call__(self, g):
        return (0.0,) * self.count


class Spread:
    """A pullback over some of the caller's ``wrt`` names, the others given 0.0."""

    def __init__(self, pullback, names, live):
        self.pullback, self.names, self.live = pullback, names, live

    def __call__(self, g):
        found = dict(zip(self.live, self.pullback(g)))
        return tuple(found.get(n, 0.0) for n in self.names)


def same(now, callee) -> bool:
    """Whether a name still means ``callee``: a bound method (``MODEL.apply``) is made
    anew on each read, the same while its function and its object are."""
    shape = getattr(getattr(callee, "__func__", callee), "__s2sad_variadic__", None)
    if shape is not None:              # a def's specialisation for a call's shape
        now = getattr(now, "__s2sad_primal__", now)
        if isinstance(callee, types.MethodType):
            return isinstance(now, types.MethodType) and now.__func__ is shape.func \
                and now.__self__ is callee.__self__
        return now is shape.func
    if isinstance(callee, types.MethodType):     # == of methods compares the objects with
        return isinstance(now, types.MethodType) and now.__func__ is callee.__func__ \
            and now.__self__ is callee.__self__       # ==, which an array answers with one
    return now is callee


def signature_of(func):
    """The signature a linked derivative was built for (a bound method's, its object
    left out); None for what is not a def."""
    func = getattr(func, "__s2sad_primal__", func)
    if isinstance(func, types.MethodType) and isinstance(func.__func__, types.FunctionType):
        return inspect.signature(func)
    if not isinstance(func, types.FunctionType):
        return None
    return inspect.signature(func)
