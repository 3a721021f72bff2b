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

    shared = False      # a nested def: one derivative for all its instances

    def _resolve(self):
        from .api import _Target
        self.target = _Target(self.callee, shared=self.shared)
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


class NestedVJP(CallVJP):
    """``vjp_of(h, wrt)``: the derivative of a nested def, made when the call runs."""

    shared = True


class NestedJVP(CallJVP):
    shared = True


class GradientVJP:
    """``s2sad.grad(f, wrt=A)`` called inside a differentiated function: the value is
    the gradient; its pullback is a Hessian block, J^T w = H[B, A] w, computed as the
    tangent of f's gradient w.r.t. B along w on A (forward over reverse), so the inner
    and outer derivatives never mix (no perturbation confusion)."""

    def __init__(self, gradient, wrt: tuple):
        self.func, self.inner, self.outer = gradient.func, gradient.wrt, wrt

    def __call__(self, *args, **kwargs):
        from .api import _Target, grad, jvp
        target = _Target(self.func)
        inner, single = target.wrt_names(self.inner)
        outer = target.wrt_names(self.outer)[0]
        y = grad(self.func, wrt=self.inner)(*args, **kwargs)

        def pullback(w):
            values = target.bind(target.prefix + args, kwargs)
            grad_outer = target.generated(outer, values, "grad").functions[0]
            tangents = (w,) if single else tuple(w)
            hv = jvp(grad_outer, target.prefix + args, tangents, wrt=inner)[1]
            return (hv,) if len(outer) == 1 else tuple(hv)
        return y, pullback


class GradientJVP(GradientVJP):
    """The tangent of ``s2sad.grad(f, wrt=A)(...)``: H[A, B] d, one forward sweep
    through f's generated gradient w.r.t. A."""

    def __call__(self, tangents, *args, **kwargs):
        from .api import _Target, jvp
        target = _Target(self.func)
        inner = target.wrt_names(self.inner)[0]
        outer = target.wrt_names(self.outer)[0]
        values = target.bind(target.prefix + args, kwargs)
        grad_inner = target.generated(inner, values, "grad").functions[0]
        return jvp(grad_inner, target.prefix + args, tuple(tangents), wrt=outer)


def link(kind: str, callee, wrt: tuple):
    """The object bound in generated code for ``callee``'s derivative; for a nested def
    (``vjp_of``, ``jvp_of``), the class that makes one from the function when it runs."""
    if kind == "vjp_of":
        return NestedVJP
    if kind == "jvp_of":
        return NestedJVP
    if type(callee).__name__ == "GradientOf":
        return (GradientVJP if kind == "vjp" else GradientJVP)(callee, wrt)
    return (CallVJP if kind == "vjp" else CallJVP)(callee, wrt)
