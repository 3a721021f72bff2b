"""Pullbacks as ordinary functions, for derivatives of derivatives through calls.

A gradient calls a user function's split derivative, ``t, back_t = g_vjp(a)``,
whose pullback is a closure over a tape: its tangent has nowhere to come from. Code
made to be differentiated again (``grad2``, ``pullback``) runs the call as it is,
``t = g(a)``, and its adjoint sweep calls ``g_pullback(b_t, a)``: g's generated
``pullback`` variant, joint motion with the output's adjoint a parameter,
recomputing g from its arguments. That is an ordinary function of ``a`` and
``b_t``, whose tangent is generated from its source like any function's, when the
call runs (:mod:`.made`): recursion is bounded by the run, as for first
derivatives, and a method, a partial, a nested def or a function passed as a value
is differentiated for the function the call finds. Each call level recomputes its
callee once: a chain of ``d`` nested calls costs ``O(d^2)`` primal work, not ``O(d)``.
"""
from __future__ import annotations

from ..tree.names import function_name
from . import values as callables
from .calls import as_taken, live_floats, tangent_params
from .made import Made, Resolved, constant, positional


class Pullback(Made):
    """``g_pullback(b, *args, **kwargs)``: the cotangents of g's ``wrt`` arguments for
    the output adjoint ``b``. ``reach``: g's split derivative as the caller links it
    (its ``wrt``, and the check that the caller's name still means g)."""

    head = 1                        # the arguments before g's own: the seed

    def __init__(self, reach):
        self.reach = reach
        self.__name__ = function_name(reach.callee) + "_pullback"

    def __repr__(self):
        return f"<s2sad pullback of {self.reach.callee.__qualname__}>"

    def reached(self, head, args, kwargs):
        return self.reach

    def resolve(self, args, kwargs) -> Resolved:
        """g's generated pullback for this call, its seed a keyword argument; its
        output spread over g's ``wrt`` names (0.0 where not a float here)."""
        head, args = args[:self.head], args[self.head:]
        made = _made(self.reached(head, args, kwargs), args, kwargs)
        if made.fn is None:
            return constant((0.0,) * len(made.names))

        def params(slot):
            if slot == self.head - 1:
                return [(made.seed, ())]
            return positional(made.target, slot, self.head)
        return Resolved(made.fn, made.args, dict(made.kwargs, **{made.seed: head[-1]}), params,
                        made.spread, type(made.target))


class PullbackOf(Pullback):
    """``pullback_of(h, wrt, b, *args, **kwargs)``: the pullback of a function known
    when the call runs (a nested def, an argument, a list's item, an object's method)."""

    head = 3                        # the function, its wrt, the seed

    def __init__(self, nested):
        self.nested = nested        # the class that makes a derivative for a function value
        self.__name__ = "pullback_of"

    def __repr__(self):
        return "<s2sad pullback of a function known when the call runs>"

    def reached(self, head, args, kwargs):
        reach = self.nested(head[0], tuple(head[1]))
        reach.callee = callables.for_call(head[0], len(args), kwargs)
        return reach


class _Made:
    """A callee's generated pullback for one call: the function (None where no ``wrt``
    argument holds a float), its arguments (a bound method's object first), its
    seed's parameter name, the callee's ``wrt`` names and those live in this call."""

    def __init__(self, target, fn, args, names, live, kwargs=None):
        self.target, self.fn, self.args, self.names, self.live = target, fn, args, names, live
        self.kwargs = kwargs or {}      # the call's keywords, as the callee takes them
        self.seed = tangent_params(fn, 1)[0] if fn is not None else None

    def spread(self, out):
        """Cotangents (or their tangents) per ``wrt`` name, 0.0 where not live."""
        found = dict(zip(self.live, out))
        return tuple(found.get(n, 0.0) for n in self.names)


def _made(reach, args, kwargs) -> _Made:
    target = reach._current()
    args, kwargs = as_taken(target.primal, target.prefix + tuple(args), kwargs)
    values = target.bind(args, kwargs)
    names = target.wrt_names(reach.wrt)[0]
    live = live_floats(names, values)
    fn = target.generated(live, values, "pullback").functions[0] if live else None
    return _Made(target, fn, args, names, live, kwargs)
