"""A user function as the driver sees it (``Target``), and the derivatives of the
functions it calls, which generated code calls when it runs.

These belong together because they are mutually recursive at run time: a Target's
generated code calls its callees' derivatives (``t, back_t = g_vjp(a, b)`` in the
primal sweep, ``back_t(b_t)`` in the adjoint sweep; ``t, d_t = g_jvp((d_a,), a, b)``
in forward mode), and each of those builds the callee's Target and its generated
code when first called: once per activity pattern (its ``wrt``) and argument kinds,
so recursion is bounded by the run, never by the transformation. A call of
``s2sad.grad(f)`` inside the function has a Hessian block as its derivative: the
tangent (``jvp``) of f's generated gradient.
"""
from __future__ import annotations

import copy
import functools
import inspect
from dataclasses import replace

import numpy as np

from ..analysis import kinds as kind_rules
from ..analysis.prims import GradientOf
from ..errors import UsageError
from ..front.parse import refuse_derivative
from ..runtime import zeros_like
from . import diskcache, fast, inside, made, numba_jit, pipeline, pullbacks, seeds, values
from .cachekey import globals_now, resolutions
from .calls import (Rebound, Spread, Zeros, as_taken, keyword_param, live_floats, same,
                    signature_of, tangent_params)
from .compile import CACHE, rebind
from .inline import current, inline_calls
from .running import (HANDLED, bad_wrt_kind, call_on_floats, check_all_float, primal_value,
                      real_gradient, recover_gradient, refuse_complex_second)

VERSION = "0.1.0"


class Target:
    """A user function, its parsed front end, and its parameters."""

    def __init__(self, func, shared=False):
        # a bound method's object, a partial's arguments: passed first, never
        # differentiated
        func, self.prefix = values.unpack(func)
        refuse_derivative(func)
        self.primal = getattr(func, "__s2sad_primal__", func)
        self.default_wrt = getattr(func, "__s2sad_wrt__", None)
        # Cached by the function object, not its code: a reloaded module's functions
        # have equal code but other callees. A nested def, made anew on each call of
        # the function around it, shares the derivative of its first instance, bound
        # to its own cells (``shared``).
        self.identity = values.shared_identity(self.primal) if shared else self.primal
        self.refresh()
        self.signature = inspect.signature(self.primal)
        self.params = tuple(self.front.parsed.params + self.front.parsed.kwonly)
        self.positional = self.front.parsed.params[len(self.prefix):]

    def refresh(self) -> None:
        """The front end, parsed again where a helper copied into it was rebound."""
        key = ("front", self.identity, VERSION)
        self.front = CACHE.get(key, lambda: pipeline.front(self.primal))
        if not self.front.parsed.copies_current():
            CACHE.clear()
            self.refresh()

    def wrt_names(self, wrt, everything=False, passed=None):
        """(names, single): ``wrt`` by position or name, alone or in a tuple. Left out:
        the decorator's, else argument 0, or with ``everything`` every positional one
        (the first ``passed`` of them where given: ``jvp``/``vjp`` differentiate the
        primals passed, as in JAX, never a default the caller left alone)."""
        if wrt is None:
            wrt = self.default_wrt
        if wrt is None and everything:
            count = len(self.positional) if passed is None else min(passed, len(self.positional))
            wrt = tuple(range(count))
        elif wrt is None:
            wrt = 0
        single = not isinstance(wrt, (tuple, list))
        items = (wrt,) if single else tuple(wrt)
        names = tuple(self._param(w) for w in items)
        if not names:
            raise UsageError("wrt names no argument; give at least one", "bad-wrt")
        return names, single

    def _param(self, w):
        if isinstance(w, (int, np.integer)) and not isinstance(w, bool):
            if not 0 <= w < len(self.positional):
                raise UsageError(f"wrt={w}: {self.front.parsed.name!r} has "
                                 f"{len(self.positional)} positional arguments", "bad-wrt")
            return self.positional[w]
        w = keyword_param(self.primal, w)         # a keyword a specialisation renames
        if isinstance(w, str) and w in self.params:
            return w
        raise UsageError(f"wrt={w!r}: {self.front.parsed.name!r} has no argument {w!r} "
                         f"(its arguments: {', '.join(self.params)})", "bad-wrt")

    def bind(self, args, kwargs) -> dict:
        """Argument name -> value, defaults applied (``args`` include the prefix)."""
        if not kwargs and len(args) == len(self.params):
            return dict(zip(self.params, args))
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise UsageError(f"{self.front.parsed.name}(): {exc}", "bad-arguments") from None
        bound.apply_defaults()
        return dict(bound.arguments)

    def generated(self, wrt, values: dict, variant: str, optimized=True):
        """The compiled derivative for arguments like ``values``: ``grad``,
        ``value_and_grad``, ``vjp`` (split reverse) or ``jvp`` (forward)."""
        kinds = {p: kind_rules.of_argument(p, values[p]) for p in self.params}
        for w in wrt:
            if not kind_rules.is_float(kinds[w]):
                bad_wrt_kind(self.front.parsed.name, w, values[w], kinds[w])
        families = kind_rules.families(values)   # NumPy's code never runs on Dask's arrays
        key = (self.identity, variant, wrt, tuple(kinds.values()), families, optimized,
               globals_now(self.front.parsed), VERSION)
        result = CACHE.get(key, lambda: self._built(wrt, kinds, variant, optimized, families))
        if self.front.parsed.func is self.primal:
            return result
        return replace(result, functions=tuple(rebind(fn, self.front.parsed, self.primal)
                                               for fn in result.functions))

    def _built(self, wrt, kinds, variant, optimized, families=()):
        """The source the disk cache stored, compiled; else transformed anew, and stored."""
        options = {"variant": variant, "wrt": wrt, "kinds": kinds, "optimized": optimized,
                   "front": self.front.tag, "families": families}
        stored = diskcache.load(self.front, options)
        if stored is not None:
            return pipeline.assemble(self.front.parsed, *stored, link)
        if variant == "jvp":
            result = pipeline.tangent(self.front, wrt, kinds, optimized, link)
        else:
            result = pipeline.adjoint(self.front, wrt, kinds, variant, optimized, link)
        diskcache.store(self.front, options, result)
        return result

    def check(self, wrt, mode="reverse"):
        """Analyze once with float arguments so unsupported code is reported now."""
        sample = {p: 1.0 for p in self.params}
        for name, param in self.signature.parameters.items():
            if param.default is not inspect.Parameter.empty:
                sample[name] = param.default
        kinds = {p: kind_rules.of_value(v) for p, v in sample.items()}
        kinds.update({p: kind_rules.SCALAR for p in wrt})
        key = ("check", self.identity, wrt, tuple(kinds.items()), mode,
               globals_now(self.front.parsed), VERSION)
        CACHE.get(key, lambda: diskcache.checked(
            self.front, {"check": mode, "wrt": wrt, "kinds": kinds},
            lambda: pipeline.check(self.front, wrt, kinds, mode)) or True)


def run_gradient(target, names, variant, args, kwargs):
    """The generated ``grad`` (``value_and_grad``) run on ``args`` (the prefix in them),
    as the function ``s2sad.grad`` returns runs it when no fast path applies."""
    fn = target.generated(names, target.bind(args, kwargs), variant).functions[0]
    try:
        out = fn(*args, **kwargs)
    except HANDLED as exc:
        out = recovered(target, names, variant, fn, exc, args, kwargs)
    if type(out) is float:
        return out
    return real_gradient(out, target.front.parsed.name, primal_value(target, args, kwargs))


def recovered(target, names, variant, fn, exc, args, kwargs=None):
    """What a gradient call returns (or raises) when its generated code raised ``exc``."""
    if isinstance(exc, Rebound):      # a callee was rebound: the cache was cleared
        fn = target.generated(names, target.bind(args, kwargs or {}), variant).functions[0]
        try:
            return fn(*args, **(kwargs or {}))
        except HANDLED as again:
            exc = again
    return recover_gradient(fn, exc, args, kwargs)


def jvp(f, primals, tangents, wrt=None, jit=None):
    """``(y, ydot)`` with ``ydot = J @ tangents``: one forward sweep (``s2sad.jvp``)."""
    target = Target(f)
    primals = tuple(primals)
    names, _ = target.wrt_names(wrt, everything=True, passed=len(primals))
    target.check(names, mode="forward")
    primals = target.prefix + primals
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    if len(tangents) != len(names):
        raise UsageError(f"jvp: {len(tangents)} tangents for {len(names)} wrt arguments "
                         f"({', '.join(names)})", "bad-tangents")
    values = target.bind(primals, {})
    if wrt is None:
        check_all_float(target, names, values)
    made = target.generated(names, values, "jvp")
    fn = numba_jit.jitted(made.functions[0], made.source, jit, target.front.parsed.name) \
        if jit else made.functions[0]
    dots = dict(zip(tangent_params(made.functions[0], len(names)), (
        seeds.as_tangent(t, values[n], f"jvp: the tangent of {n!r}")
        for t, n in zip(tangents, names))))
    try:
        y, ydot = call_on_floats(fn, primals, dots)
    except Rebound:                   # a callee was rebound: the cache was cleared
        fn = target.generated(names, values, "jvp").functions[0]
        y, ydot = call_on_floats(fn, primals, dots)
    result = y, seeds.apart_from(seeds.typed_like(ydot, y), tuple(dots.values()))
    if not jit and not target.prefix:
        fast.record(f, primals, tangents, wrt, fn, dots, result, target.front.parsed)
    return result


def gradient_function(target: Target, names, args, kwargs=None):
    """The generated joint adjoint for these arguments: the thing differentiated again.
    Where it calls its callees' derivatives, whose pullbacks have no tangent, it is
    built again from the function with those calls inlined; where they cannot be, as
    ``grad2``, whose pullbacks are ordinary functions (:mod:`.pullbacks`)."""
    values = target.bind(target.prefix + tuple(args), kwargs or {})
    refuse_complex_second(target.front.parsed.name, names, values)
    grad_fn = target.generated(names, values, "grad").functions[0]
    calls = _calls_in(grad_fn)
    if calls:
        key = ("inlined", target.identity, VERSION)
        inlined = CACHE.get(key, lambda: inline_calls(target.front))
        if inlined is not None and not current(inlined):     # a callee was rebound
            CACHE.clear()
            inlined = CACHE.get(key, lambda: inline_calls(target.front))
        if inlined is not None:
            twin = copy.copy(target)
            twin.front, twin.identity = inlined, ("inlined", target.identity)
            grad_fn = twin.generated(names, values, "grad").functions[0]
            calls = _calls_in(grad_fn)
    if calls:
        grad_fn = target.generated(names, values, "grad2").functions[0]
        calls = _calls_in(grad_fn)
    if calls:
        raise UsageError(
            f"derivatives of {target.front.parsed.name!r} of second and higher order need "
            f"the tangents of the derivatives of the functions it calls ("
            f"{', '.join(repr(c) for c in calls)}), which s2sad does not make; take the "
            "derivative of each part", "unsupported-second-order")
    return grad_fn


def _calls_in(grad_fn) -> list:
    return [c.cell_contents for c in grad_fn.__closure__ or ()
            if isinstance(c.cell_contents, (CallVJP, inside.GradientVJP))
            or c.cell_contents is NestedVJP]


def link(kind: str, callee, wrt: tuple, parsed=None):
    """The object bound in generated code for ``callee``'s derivative; for a nested def
    (``vjp_of``, ``jvp_of``), the class that makes one from the function when it runs.
    ``parsed``: the caller, whose name for the callee is checked when it runs."""
    if kind == "vjp_of":
        return NestedVJP
    if kind == "jvp_of":
        return NestedJVP
    if kind == "pullback" and isinstance(callee, GradientOf):
        return inside.GradientPullback(callee, wrt, _NEEDS)
    if kind in ("pullback", "pullback_of"):       # code to be differentiated again
        return pullbacks.Pullback(link("vjp", callee, wrt, parsed)) if callee is not None \
            else pullbacks.PullbackOf(NestedVJP)
    if getattr(callee, "__s2sad_made__", False):  # made by s2sad: differentiated forward
        return callee.tangent(wrt) if kind == "jvp" else _reverse_refused(callee)
    if isinstance(callee, GradientOf):
        return (inside.GradientVJP if kind == "vjp" else inside.GradientJVP)(
            callee, wrt, _NEEDS)
    paths = resolutions(parsed) if parsed is not None else {}
    path = next((p for p, obj in paths.items() if same(obj, callee)), None)
    return (CallVJP if kind == "vjp" else CallJVP)(callee, wrt,
                                                  (parsed, path) if path else None)


class CallVJP:
    """A user function's split reverse derivative: ``(y, pullback)``. ``where`` is
    ``(parsed caller, dotted path)``: how the caller reaches the callee, checked on each
    call since the caller's primal reads it live (a rebound global)."""

    shared = False      # a nested def: one derivative for all its instances

    def __init__(self, callee, wrt: tuple, where=None):
        self.callee, self.wrt, self.where = callee, wrt, where
        self.target = None

    def __repr__(self):
        return f"<s2sad vjp of {_named(self.callee)} w.r.t. {', '.join(map(str, self.wrt))}>"

    def __call__(self, *args, **kwargs):
        target = self._current()
        # a bound method's object first; the keywords a specialisation renames, renamed
        args, kwargs = as_taken(target.primal, target.prefix + args, kwargs)
        values = target.bind(args, kwargs)
        names = target.wrt_names(self.wrt)[0]
        live = live_floats(names, values)
        if not live:                                   # ints here: nothing to differentiate
            return target.primal(*args, **kwargs), Zeros(len(names))
        forward, backward = target.generated(live, values, "vjp").functions
        y, residuals = forward(*args, **kwargs)
        pullback = functools.partial(backward, residuals)
        return y, pullback if live == names else Spread(pullback, names, live)

    def _current(self) -> Target:
        if self.where is not None:
            now = self.where[0].resolve_path(self.where[1])
            if not same(now, self.callee):
                self._rebound(now)
        if self.target is None:
            self.target = Target(self.callee, shared=self.shared)
        return self.target

    def _rebound(self, now):
        """The caller's derivative was built for a callee of this signature: another
        function with the same one is differentiated in its place; else the derivative
        must be built again."""
        if signature_of(now) is None or signature_of(now) != signature_of(self.callee):
            CACHE.clear()
            raise Rebound(
                f"{self.where[1]!r} was rebound to {now!r} after the derivative of the "
                f"function that calls it was built for {self.callee!r}, whose signature "
                "differs; call s2sad.grad (or vjp, jvp) again to build it anew",
                "rebound-callee")
        self.callee, self.target = now, None


def _named(callee) -> str:
    return getattr(callee, "__qualname__", None) or repr(callee)


def _reverse_refused(callee):
    raise UsageError(f"reverse mode through {callee!r}, a derivative s2sad made, is not "
                     "made; differentiate it forward (s2sad.jvp, jacobian, hessian)",
                     "unsupported-second-order")


class CallJVP(CallVJP, made.Made):
    """A user function's tangent: ``(y, d_y)`` from the tangents of its ``wrt``; called
    by code differentiated again, its own tangent is made (:mod:`.made`)."""

    def __repr__(self):
        return f"<s2sad jvp of {_named(self.callee)} w.r.t. {', '.join(map(str, self.wrt))}>"

    def __call__(self, tangents, *args, **kwargs):
        target = self._current()
        args, kwargs = as_taken(target.primal, target.prefix + args, kwargs)
        values = target.bind(args, kwargs)
        names = target.wrt_names(self.wrt)[0]
        live = live_floats(names, values)
        if not live:
            y = target.primal(*args, **kwargs)
            return y, zeros_like(y)
        fn = target.generated(live, values, "jvp").functions[0]
        kept = [t for n, t in zip(names, tangents) if n in live]
        dots = dict(zip(tangent_params(fn, len(live)), kept))
        return fn(*args, **kwargs, **dots)

    def resolve(self, args, kwargs) -> made.Resolved:
        """g's generated tangent for this call: slot 0 (the tangents) feeds its tangent
        parameters, the others g's own."""
        (tangents, *args), target = args, self._current()
        args = target.prefix + tuple(args)
        values = target.bind(args, kwargs)
        names = target.wrt_names(self.wrt)[0]
        live = live_floats(names, values)
        if not live:
            y = target.primal(*args, **kwargs)
            return made.constant((y, zeros_like(y)))
        fn = target.generated(live, values, "jvp").functions[0]
        of = dict(zip(live, tangent_params(fn, len(live))))
        dots = {of[n]: t for n, t in zip(names, tangents) if n in of}

        def params(slot):
            if slot == 0:
                return [(of[n], (k,)) for k, n in enumerate(names) if n in of]
            return made.positional(target, slot, 1)
        return made.Resolved(fn, args, dict(kwargs, **dots), params, target_of=Target)


class NestedVJP(CallVJP):
    """``vjp_of(h, wrt)``: the derivative of a function known when the call runs (a
    nested def, an argument, a list's item, an object's method), made for the function
    object the call finds (a NumPy function: its rule)."""

    shared = True

    def __call__(self, *args, **kwargs):
        self.callee = values.for_call(self.callee, len(args), kwargs)
        return super().__call__(*args, **kwargs)


class NestedJVP(CallJVP):
    """``jvp_of(h, wrt)``; in code differentiated again, h may be a derivative s2sad
    made (a ``jvp_of``'s, called by the code differentiated): its tangent."""

    shared = True

    def __call__(self, tangents, *args, **kwargs):
        if getattr(self.callee, "__s2sad_made__", False):
            return self.callee.tangent(self.wrt)(tangents, *args, **kwargs)
        self.callee = values.for_call(self.callee, len(args), kwargs)
        return super().__call__(tangents, *args, **kwargs)

    def resolve(self, args, kwargs) -> made.Resolved:
        if getattr(self.callee, "__s2sad_made__", False):
            return self.callee.tangent(self.wrt).resolve(args, kwargs)
        self.callee = values.for_call(self.callee, len(args) - 1, kwargs)
        return super().resolve(args, kwargs)


# what a gradient taken inside the function needs of the targets (:mod:`.inside`)
_NEEDS = inside.Needs(Target, gradient_function, run_gradient, jvp)
