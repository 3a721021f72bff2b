"""Derivatives s2sad made, called by generated code, made differentiable in turn.

Code differentiated again calls what s2sad made for its callees: a callee's tangent
(``t, d_t = g_jvp((d_a,), a)``), its pullback (``g_pullback(b_t, a)``), the tangent of
a gradient taken inside the function. Each of them, for one call, comes down to a
plain function s2sad generated, the arguments it is given and a linear selection of
its output (``Resolved``)::

    made(*call_args, **call_kwargs) == shape(fn(*args, **kwargs))

so its tangent along the tangents of some of the call's slots (positions or
keywords, ``MadeTangent``) is ``shape`` of the tangent of ``fn``, generated from
``fn``'s source as from any function's when the call runs. That tangent is made in
turn, so a third derivative through a recursive callee differentiates the second's
code like the second did the first's: to any order, each order's seeds keyword
arguments held constant by the next (no perturbation confusion).
"""
from __future__ import annotations

from ..errors import UsageError
from ..runtime import zeros_like
from .calls import keyword_param, live_floats, tangent_params
from .running import call_on_floats


def _identity(out):
    return out


class Resolved:
    """One call of a made derivative: ``fn`` (None: the call's value is ``const``, with
    no derivative), its arguments, ``params(slot)`` (``[(fn's parameter, path)]``: the
    slot's value, or its item at ``path`` for a tuple of tangents, feeds that parameter),
    ``shape`` (the call's value from fn's output: linear), and ``target_of`` (the
    Target class, to read ``fn``'s source)."""

    def __init__(self, fn, args=(), kwargs=None, params=None, shape=_identity,
                 target_of=None, const=None):
        self.fn, self.args, self.kwargs = fn, tuple(args), dict(kwargs or {})
        self.params, self.shape = params, shape
        self.target_of, self.const = target_of, const

    def run(self):
        if self.fn is None:
            return self.const
        return self.shape(call_on_floats(self.fn, self.args, self.kwargs))


def constant(value) -> Resolved:
    """A call none of whose differentiated arguments holds a float here."""
    return Resolved(None, const=value)


class Made:
    """What generated code calls for a derivative s2sad made (``resolve`` says how):
    a function of its arguments, with a tangent made when the call runs."""

    __s2sad_made__ = True

    def resolve(self, args, kwargs) -> Resolved:
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        return self.resolve(args, kwargs).run()

    def tangent(self, wrt):
        return MadeTangent(self, tuple(wrt))


def _at(value, path):
    for k in path:
        value = value[k]
    return value


class MadeTangent(Made):
    """``(value, tangent)`` of ``made(*args, **kwargs)`` along ``tangents``, the tangents
    of its ``wrt`` slots: called as ``tangent_of_made(tangents, *args, **kwargs)``."""

    def __init__(self, made: Made, wrt: tuple):
        self.made, self.wrt = made, wrt

    def __repr__(self):
        return f"<s2sad tangent of {self.made!r}>"

    def resolve(self, args, kwargs) -> Resolved:
        tangents, args = args[0], args[1:]
        inner = self.made.resolve(args, kwargs)
        if inner.fn is None:
            return constant((inner.const, zeros_like(inner.const)))
        dots, paths = {}, {}
        for k, slot in enumerate(self.wrt):
            for param, path in inner.params(slot):
                dots[param], paths[param] = _at(tangents[k], path), (k,) + path
        target = inner.target_of(inner.fn, shared=True)
        values = target.bind(inner.args, inner.kwargs)
        names = live_floats(tuple(dots), values)
        if not names:
            out = inner.run()
            return constant((out, zeros_like(out)))
        fn = target.generated(names, values, "jvp").functions[0]
        of = dict(zip(names, tangent_params(fn, len(names))))

        def params(slot):
            if slot == 0:
                return [(of[n], paths[n]) for n in names]
            return inner.params(slot - 1 if isinstance(slot, int) else slot)

        def shape(out):
            return inner.shape(out[0]), inner.shape(out[1])
        kwargs = dict(inner.kwargs, **{of[n]: dots[n] for n in names})
        return Resolved(fn, inner.args, kwargs, params, shape, inner.target_of)


def positional(target, slot, head):
    """``[(parameter, ())]`` for a slot of a call passing ``head`` arguments before the
    callee's own (none for a slot of the head): a keyword is its parameter."""
    if isinstance(slot, str):                 # a keyword a specialisation may rename
        return [(keyword_param(target.primal, slot), ())]
    if slot < head:
        return []
    if slot - head >= len(target.positional):
        raise UsageError(f"a call of {target.front.parsed.name!r} passes more arguments "
                         "than it names; derivatives of second and higher order need "
                         "each argument bound to a parameter", "unsupported-second-order")
    return [(target.positional[slot - head], ())]
