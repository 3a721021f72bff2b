"""A gradient taken inside the differentiated function (``s2sad.grad(g)(x)`` in f).

Its value is g's gradient; its derivative is a block of g's Hessian, the tangent of
one of g's gradients (forward over reverse), so the inner and outer derivatives
never mix (no perturbation confusion). In code made to be differentiated again the
call runs as it is and the adjoint sweep calls ``GradientPullback``, ``H[B, A] b``:
the tangent code of g's gradient w.r.t. B along ``b`` on A, an ordinary function
whose own tangent (a third derivative of g) is made like any made derivative's
(:mod:`.made`); so is the tangent of ``GradientJVP``, ``H[A, B] d``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..analysis.prims import GradientOf
from ..runtime import zeros_like
from . import made, seeds
from .calls import live_floats, tangent_params


@dataclass(frozen=True)
class Needs:
    """What these need of the targets (:mod:`.target`, which links them)."""

    target: type          # Target
    gradient: object      # gradient_function(target, names, args, kwargs)
    run: object           # run_gradient(target, names, variant, args, kwargs)
    jvp: object           # jvp(f, primals, tangents, wrt)


class _Gradient:
    """What the derivatives of ``s2sad.grad(f, wrt=A)`` called with B differentiated
    share: f, A, B, and f's gradient's tangent code."""

    def __init__(self, gradient: GradientOf, wrt: tuple, needs: Needs):
        self.func, self.inner, self.outer = gradient.func, gradient.wrt, wrt
        self.needs = needs

    def __repr__(self):
        return f"<s2sad gradient of {self.func.__qualname__} called inside the function>"

    def _names(self):
        target = self.needs.target(self.func)
        inner, single = target.wrt_names(self.inner)
        return target, inner, single, target.wrt_names(self.outer)[0]

    def _tangent_code(self, target, of, along, args, kwargs):
        """The tangent code of ``target``'s gradient w.r.t. ``of`` along ``along`` (names
        of ``target``'s parameters, those holding floats here): ``(fn, its arguments,
        {name: its tangent parameter})``; fn None where none does."""
        grad_fn = self.needs.gradient(target, of, args, kwargs)
        code = self.needs.target(grad_fn)
        args = target.prefix + tuple(args)
        values = code.bind(args, kwargs)
        live = live_floats(along, values)
        if not live:
            return None, args, {}
        fn = code.generated(live, values, "jvp").functions[0]
        return fn, args, dict(zip(live, tangent_params(fn, len(live))))


class GradientVJP(_Gradient):
    """``s2sad.grad(f, wrt=A)`` called inside a differentiated function: the value is
    the gradient; its pullback is a Hessian block, J^T w = H[B, A] w, computed as the
    tangent of f's gradient w.r.t. B along w on A."""

    def __call__(self, *args, **kwargs):
        target, inner, single, outer = self._names()
        target.check(inner)
        y = self.needs.run(target, inner, "grad", target.prefix + args, kwargs)
        y = y if single or len(inner) != 1 else (y,)    # as s2sad.grad returns it

        def pullback(w):
            grad_outer = self.needs.gradient(target, outer, args, kwargs)
            tangents = (w,) if single else tuple(w)
            hv = self.needs.jvp(grad_outer, target.prefix + args, tangents, wrt=inner)[1]
            return (hv,) if len(outer) == 1 else tuple(hv)
        return y, pullback


class GradientJVP(_Gradient, made.Made):
    """The tangent of ``s2sad.grad(f, wrt=A)(...)``: H[A, B] d, one forward sweep
    through f's generated gradient w.r.t. A; its own tangent is made in turn."""

    def __call__(self, tangents, *args, **kwargs):
        target, inner, _, outer = self._names()
        grad_inner = self.needs.gradient(target, inner, args, kwargs)
        return self.needs.jvp(grad_inner, target.prefix + args, tuple(tangents), wrt=outer)

    def resolve(self, args, kwargs) -> made.Resolved:
        (tangents, *args), (target, inner, _, outer) = args, self._names()
        fn, full, of = self._tangent_code(target, inner, outer, args, kwargs)
        if fn is None:
            y = self.needs.run(target, inner, "grad", full, kwargs)
            return made.constant((y, zeros_like(y)))
        dots = {of[n]: t for n, t in zip(outer, tangents) if n in of}

        def params(slot):
            if slot == 0:
                return [(of[n], (k,)) for k, n in enumerate(outer) if n in of]
            return made.positional(target, slot, 1)
        return made.Resolved(fn, full, dict(kwargs, **dots), params,
                             target_of=self.needs.target)


class GradientPullback(_Gradient, made.Made):
    """``pullback(b, *args, **kwargs)`` of ``s2sad.grad(f, wrt=A)`` in code made to be
    differentiated again: the cotangents of the call's differentiated arguments B,
    ``H[B, A] b``, the tangent of f's gradient w.r.t. B along b on A."""

    def __repr__(self):
        return f"<s2sad pullback of the gradient of {self.func.__qualname__}>"

    def resolve(self, args, kwargs) -> made.Resolved:
        (seed, *args), (target, inner, _, outer) = args, self._names()
        fn, full, of = self._tangent_code(target, outer, inner, args, kwargs)
        if fn is None:
            return made.constant((0.0,) * len(outer))
        name = inner[0]
        value = target.bind(full, kwargs)[name]
        seed = seeds.as_tangent(seed, value, f"the pullback of grad({target.front.parsed.name})")

        def params(slot):
            return [(of[name], ())] if slot == 0 else made.positional(target, slot, 1)

        def shape(out):
            return (out[1],) if len(outer) == 1 else tuple(out[1])
        return made.Resolved(fn, full, dict(kwargs, **{of[name]: seed}), params, shape,
                             self.needs.target)
