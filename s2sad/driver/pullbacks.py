"""Pullbacks as ordinary functions, for derivatives of derivatives through calls.

A gradient calls a user function's split derivative, ``t, back_t = g_vjp(a)``,
whose pullback is a closure over a tape: its tangent has nowhere to come from. Code
made to be differentiated again (``grad2``, ``pullback``) runs the call as it is,
``t = g(a)``, and its adjoint sweep calls ``g_pullback(b_t, a)``: g's generated
``pullback`` variant, joint motion with the output's adjoint a parameter,
recomputing g from its arguments. That is an ordinary function of ``a`` and
``b_t``, whose tangent is generated from its source like any function's, when the
call runs (``PullbackTangent``): recursion is bounded by the run, as for first
derivatives, and a method, a partial, a nested def or a function passed as a value
is differentiated for the function the call finds. Each call level recomputes its
callee once: a chain of ``d`` nested calls costs ``O(d^2)`` primal work, not ``O(d)``.
"""
from __future__ import annotations

from ..errors import UsageError
from ..runtime import zeros_like
from ..tree.names import function_name
from . import values as callables
from .calls import as_taken, keyword_param, live_floats, tangent_params
from .running import call_on_floats


class Pullback:
    """``g_pullback(b, *args, **kwargs)``: the cotangents of g's ``wrt`` arguments for
    the output adjoint ``b``. ``reach``: g's split derivative as the caller links it
    (its ``wrt``, and the check that the caller's name still means g)."""

    __s2sad_pullback__ = True
    head = 1                        # the arguments before g's own: the seed

    def __init__(self, reach):
        self.reach = reach
        self.__name__ = function_name(reach.callee) + "_pullback"

    def __repr__(self):
        return f"<s2sad pullback of {self.reach.callee.__qualname__}>"

    def reached(self, head, args, kwargs):
        return self.reach

    def __call__(self, *args, **kwargs):
        head, args = args[:self.head], args[self.head:]
        made = _made(self.reached(head, args, kwargs), args, kwargs)
        if made.fn is None:
            return (0.0,) * len(made.names)
        out = made.fn(*made.args, **made.kwargs, **{made.seed: head[-1]})
        return made.spread(out)

    def tangent(self, wrt):
        return PullbackTangent(self, wrt)


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


class PullbackTangent:
    """The tangent of ``pullback(*head, *args)`` along the tangents of its ``wrt`` slots
    (positions in the call, or keywords): ``(cotangents, their tangents)``, one forward
    sweep through g's generated pullback."""

    def __init__(self, pullback: Pullback, wrt: tuple):
        self.pullback, self.wrt = pullback, wrt

    def __repr__(self):
        return f"<s2sad tangent of {self.pullback!r}>"

    def __call__(self, tangents, *args, **kwargs):
        count = self.pullback.head
        head, args = args[:count], args[count:]
        made = _made(self.pullback.reached(head, args, kwargs), args, kwargs)
        if made.fn is None:
            zeros = (0.0,) * len(made.names)
            return zeros, zeros
        given = dict(made.kwargs, **{made.seed: head[-1]})
        dots = {}
        for slot, tangent in zip(self.wrt, tangents):
            name = made.param(slot, count)
            if name is not None:
                dots[name] = tangent
        target = made.target_of(made.fn)
        values = target.bind(made.args, given)
        names = live_floats(tuple(dots), values)
        if not names:
            out = made.fn(*made.args, **given)
            return made.spread(out), made.spread(tuple(zeros_like(o) for o in out))
        fn = target.generated(names, values, "jvp").functions[0]
        given.update(zip(tangent_params(fn, len(names)), (dots[n] for n in names)))
        out, d_out = call_on_floats(fn, made.args, given)
        return made.spread(out), made.spread(d_out)


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

    def param(self, slot, head):
        """The generated pullback's parameter a slot of the call passes (None: the
        function or its wrt, which carry no tangent)."""
        if isinstance(slot, str):                 # a keyword a specialisation renames
            return keyword_param(self.target.primal, slot)
        if slot == head - 1:
            return self.seed
        if slot < head - 1:
            return None
        positional = self.target.positional
        if slot - head >= len(positional):
            raise UsageError(f"a call of {self.target.front.parsed.name!r} passes more "
                             "arguments than it names; second derivatives need each "
                             "argument bound to a parameter", "unsupported-second-order")
        return positional[slot - head]

    def target_of(self, fn):
        """The Target of the generated pullback: shared by the functions rebound to
        other instances of a nested def, as the user's nested def's is."""
        return type(self.target)(fn, shared=True)


def _made(reach, args, kwargs) -> _Made:
    target = reach._current()
    args, kwargs = as_taken(target.primal, target.prefix + tuple(args), kwargs)
    values = target.bind(args, kwargs)
    names = target.wrt_names(reach.wrt)[0]
    live = live_floats(names, values)
    fn = target.generated(live, values, "pullback").functions[0] if live else None
    return _Made(target, fn, args, names, live, kwargs)
