"""What generated code calls when the differentiated function calls a user function.

The caller's derivative calls its callees' derivatives (never one inlined giant
function): ``t, back_t = g_vjp(a, b)`` in the primal sweep, ``back_t(b_t)`` in
the adjoint sweep; ``t, d_t = g_jvp((d_a,), a, b)`` in forward mode. Each callee
is transformed once per activity pattern (its ``wrt``) and argument kinds, when
first called, so recursion is bounded by the run, never by the transformation.
"""
from __future__ import annotations

import functools
import inspect
import types

from ..analysis import kinds
from .cachekey import resolutions
from .compile import CACHE
from ..errors import UsageError
from ..runtime import zeros_like


class CallVJP:
    """A user function's split reverse derivative: ``(y, pullback)``. ``where`` is
    ``(parsed caller, dotted path)``: how the caller reaches the callee, checked on each
    call since the caller's primal reads it live (a rebound global)."""

    def __init__(self, callee, wrt: tuple, where=None):
        self.callee, self.wrt, self.where = callee, wrt, where
        self.target = None

    def __repr__(self):
        return f"<s2sad vjp of {self.callee.__qualname__} w.r.t. {', '.join(self.wrt)}>"

    def __call__(self, *args, **kwargs):
        target = self._current()
        args = target.prefix + args                    # a bound method's object first
        values = target.bind(args, kwargs)
        names = target.wrt_names(self.wrt)[0]
        live = _floats(names, values)
        if not live:                                   # ints here: nothing to differentiate
            return target.primal(*args, **kwargs), _Zeros(len(names))
        forward, backward = target.generated(live, values, "vjp").functions
        y, residuals = forward(*args, **kwargs)
        pullback = functools.partial(backward, residuals)
        return y, pullback if live == names else _Spread(pullback, names, live)

    shared = False      # a nested def: one derivative for all its instances

    def _resolve(self):
        from ..api import _Target
        self.target = _Target(self.callee, shared=self.shared)
        return self.target

    def _current(self):
        if self.where is not None:
            now = self.where[0].resolve_path(self.where[1])
            if not _same(now, self.callee):
                self._rebound(now)
        return self.target or self._resolve()

    def _rebound(self, now):
        """The caller's derivative was built for a callee of this signature: another
        function with the same one is differentiated in its place; else the derivative
        must be built again."""
        if _signature(now) is None or _signature(now) != _signature(self.callee):
            CACHE.clear()
            raise Rebound(
                f"{self.where[1]!r} was rebound to {now!r} after the derivative of the "
                f"function that calls it was built for {self.callee!r}, whose signature "
                "differs; call s2sad.grad (or vjp, jvp) again to build it anew",
                "rebound-callee")
        self.callee, self.target = now, None


def _floats(names, values) -> tuple:
    """The ``wrt`` names whose values can be differentiated in this call: a name the
    caller differentiates may hold an int here (``x = n`` on some path)."""
    from ..api import kind_of
    return tuple(n for n in names if kinds.is_float(kind_of(values[n])))


class _Zeros:
    """The pullback of a call none of whose arguments could be differentiated."""

    def __init__(self, count):
        self.count = count

    def __call__(self, g):
        return (0.0,) * self.count


class _Spread:
    """A pullback over some of the caller's ``wrt`` names, the others given 0.0."""

    def __init__(self, pullback, names, live):
        self.pullback, self.names, self.live = pullback, names, live

    def __call__(self, g):
        found = dict(zip(self.live, self.pullback(g)))
        return tuple(found.get(n, 0.0) for n in self.names)


def _same(now, callee) -> bool:
    """Whether a name still means ``callee``: a bound method (``MODEL.apply``) is made
    anew on each read, the same while its function and its object are."""
    if isinstance(callee, types.MethodType):
        return callee == now
    return now is callee


def _signature(func):
    func = getattr(func, "__s2sad_primal__", func)
    if not isinstance(func, types.FunctionType):
        return None
    return inspect.signature(func)


class CallJVP(CallVJP):
    """A user function's tangent: ``(y, d_y)`` from the tangents of its ``wrt``."""

    def __repr__(self):
        return f"<s2sad jvp of {self.callee.__qualname__} w.r.t. {', '.join(self.wrt)}>"

    def __call__(self, tangents, *args, **kwargs):
        from ..api import _tangent_params
        target = self._current()
        args = target.prefix + args
        values = target.bind(args, kwargs)
        names = target.wrt_names(self.wrt)[0]
        live = _floats(names, values)
        if not live:
            y = target.primal(*args, **kwargs)
            return y, zeros_like(y)
        fn = target.generated(live, values, "jvp").functions[0]
        kept = [t for n, t in zip(names, tangents) if n in live]
        dots = dict(zip(_tangent_params(fn, len(live)), kept))
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

    def __repr__(self):
        return f"<s2sad gradient of {self.func.__qualname__} called inside the function>"

    def __call__(self, *args, **kwargs):
        from ..api import _Target, grad, jvp
        from .higher import gradient_function
        target = _Target(self.func)
        inner, single = target.wrt_names(self.inner)
        outer = target.wrt_names(self.outer)[0]
        y = grad(self.func, wrt=self.inner)(*args, **kwargs)

        def pullback(w):
            grad_outer = gradient_function(target, outer, args, kwargs)
            tangents = (w,) if single else tuple(w)
            hv = jvp(grad_outer, target.prefix + args, tangents, wrt=inner)[1]
            return (hv,) if len(outer) == 1 else tuple(hv)
        return y, pullback


class GradientJVP(GradientVJP):
    """The tangent of ``s2sad.grad(f, wrt=A)(...)``: H[A, B] d, one forward sweep
    through f's generated gradient w.r.t. A."""

    def __call__(self, tangents, *args, **kwargs):
        from ..api import _Target, jvp
        from .higher import gradient_function
        target = _Target(self.func)
        inner = target.wrt_names(self.inner)[0]
        outer = target.wrt_names(self.outer)[0]
        grad_inner = gradient_function(target, inner, args, kwargs)
        return jvp(grad_inner, target.prefix + args, tuple(tangents), wrt=outer)


class Rebound(UsageError):
    """A callee's name points elsewhere now; the API builds the derivative again once
    (a derivative kept and called by other means sees this error)."""


def link(kind: str, callee, wrt: tuple, parsed=None):
    """The object bound in generated code for ``callee``'s derivative; for a nested def
    (``vjp_of``, ``jvp_of``), the class that makes one from the function when it runs.
    ``parsed``: the caller, whose name for the callee is checked when it runs."""
    if kind == "vjp_of":
        return NestedVJP
    if kind == "jvp_of":
        return NestedJVP
    if type(callee).__name__ == "GradientOf":
        return (GradientVJP if kind == "vjp" else GradientJVP)(callee, wrt)
    paths = resolutions(parsed) if parsed is not None else {}
    path = next((p for p, obj in paths.items() if _same(obj, callee)), None)
    return (CallVJP if kind == "vjp" else CallJVP)(callee, wrt,
                                                  (parsed, path) if path else None)
