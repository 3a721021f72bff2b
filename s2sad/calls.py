"""What generated code calls when the differentiated function calls a user function.

The caller's derivative calls its callees' derivatives (never one inlined giant
function): ``t, back_t = g_vjp(a, b)`` in the primal sweep, ``back_t(b_t)`` in
the adjoint sweep; ``t, d_t = g_jvp((d_a,), a, b)`` in forward mode. Each callee
is transformed once per activity pattern (its ``wrt``) and argument kinds, when
first called, so recursion is bounded by the run, never by the transformation.
"""
from __future__ import annotations

import functools


class CallVJP:
    """A user function's split reverse derivative: ``(y, pullback)``."""

    def __init__(self, callee, wrt: tuple):
        self.callee, self.wrt = callee, wrt
        self.target = None

    def __repr__(self):
        return f"<s2sad vjp of {self.callee.__qualname__} w.r.t. {', '.join(self.wrt)}>"

    def __call__(self, *args, **kwargs):
        target = self.target or self._resolve()
        args = target.prefix + args                    # a bound method's object first
        values = target.bind(args, kwargs)
        forward, backward = target.generated(target.wrt_names(self.wrt)[0], values,
                                             "vjp").functions
        y, residuals = forward(*args, **kwargs)
        return y, functools.partial(backward, residuals)

    def _resolve(self):
        from .api import _Target
        self.target = _Target(self.callee)
        return self.target


class CallJVP(CallVJP):
    """A user function's tangent: ``(y, d_y)`` from the tangents of its ``wrt``."""

    def __repr__(self):
        return f"<s2sad jvp of {self.callee.__qualname__} w.r.t. {', '.join(self.wrt)}>"

    def __call__(self, tangents, *args, **kwargs):
        from .api import _tangent_params
        target = self.target or self._resolve()
        args = target.prefix + args
        fn = target.generated(target.wrt_names(self.wrt)[0], target.bind(args, kwargs),
                              "jvp").functions[0]
        dots = dict(zip(_tangent_params(fn, len(self.wrt)), tangents))
        return fn(*args, **kwargs, **dots)


def link(kind: str, callee, wrt: tuple):
    """The object bound in generated code for ``callee``'s derivative; for a nested def
    (``vjp_of``, ``jvp_of``), the class that makes one from the function when it runs."""
    if kind == "vjp_of":
        return CallVJP
    if kind == "jvp_of":
        return CallJVP
    return (CallVJP if kind == "vjp" else CallJVP)(callee, wrt)
