"""The public derivative operators on any function: a user function (its generated
code), a primitive with a rule (wrapped in a one-line def), or a function s2sad made
(``compose``: differentiated again by forward sweeps). Also JAX's ``has_aux``,
``linearize`` and autograd's ``elementwise_grad``.
"""
from __future__ import annotations

import functools

import numpy as np

from ..errors import UsageError
from . import batching, blocks, compose, derivatives, fast, higher, numba_jit, numba_vjp, \
    reverse_batching, seeds, star, target as targets, wrappers
from .holomorphic import gradient as holomorphic_gradient
from .target import Target, gradient_function


def plain(f):
    """``f``, or a one-line def around a primitive that has a rule (``np.sin``)."""
    if not callable(f):
        raise UsageError(f"expected a function to differentiate, got a "
                         f"{type(f).__name__} ({f!r:.60})", "bad-arguments")
    return wrappers.primitive_function(f) if wrappers.has_rule(f) else f


def grad(f, wrt=None, has_aux=False, jit=None, checkpoint=None, holomorphic=False):
    f = plain(f)
    if star.is_variadic(f):
        return star.per_call(lambda g, w: grad(g, w, has_aux, jit, checkpoint, holomorphic),
                             f, wrt, "grad", lowered=not (has_aux or holomorphic))
    if holomorphic:
        _holomorphic_alone(has_aux, jit, checkpoint)
        return holomorphic_gradient(f, wrt, with_value=False)
    _checkpoint_of_user_function(f, checkpoint)
    if jit and (has_aux or compose.is_derived(f)):
        numba_jit.refuse(jit, getattr(f, "__name__", "f"), "has_aux=True or a derivative "
                         "s2sad made (only a user function's grad, value_and_grad, jvp, vjp)")
    if has_aux:
        return _aux_gradient(f, wrt, "grad", checkpoint)
    if compose.is_derived(f):
        return compose.made(compose.jacobian_lowering(f, wrt, scalar=True), "grad", f)
    fn = derivatives.gradient(f, wrt, "grad", jit, checkpoint)
    fn.__s2sad_lower__ = compose.gradient_lowering(*fn.__s2sad_gradient__)
    return fn


def value_and_grad(f, wrt=None, has_aux=False, jit=None, checkpoint=None, holomorphic=False):
    f = plain(f)
    if star.is_variadic(f):
        return star.per_call(lambda g, w: value_and_grad(g, w, has_aux, jit, checkpoint,
                                                         holomorphic), f, wrt, "value_and_grad")
    if holomorphic:
        _holomorphic_alone(has_aux, jit, checkpoint)
        return holomorphic_gradient(f, wrt, with_value=True)
    _checkpoint_of_user_function(f, checkpoint)
    if jit and (has_aux or compose.is_derived(f)):
        numba_jit.refuse(jit, getattr(f, "__name__", "f"), "has_aux=True or a derivative "
                         "s2sad made (only a user function's grad, value_and_grad, jvp, vjp)")
    if has_aux:
        return _aux_gradient(f, wrt, "value_and_grad", checkpoint)
    if compose.is_derived(f):
        inner = grad(f, wrt)

        @functools.wraps(f, updated=())
        def both(*args, **kwargs):
            return f(*args, **kwargs), inner(*args, **kwargs)
        both.__s2sad_derivative__ = "value_and_grad"
        return both
    return derivatives.gradient(f, wrt, "value_and_grad", jit, checkpoint)


def _checkpoint_of_user_function(f, checkpoint):
    """``checkpoint=s`` marks a user function's loops: not a derivative s2sad made."""
    if checkpoint is not None and compose.is_derived(f):
        raise UsageError("checkpoint= applies to a user function's loops, not to a "
                         "derivative s2sad made; pass it to the inner grad/vjp",
                         "bad-arguments")


def _aux_gradient(f, wrt, variant, checkpoint=None):
    """``grad(f, has_aux=True)``: f returns ``(value, aux)``; one split reverse sweep,
    seeded 1 on the value and 0 on the aux, which passes through undifferentiated."""
    if compose.is_derived(f):
        raise UsageError("has_aux=True needs a user function returning (value, aux), not "
                         "a derivative s2sad made", "bad-aux")
    target = derivatives.checkpointing(Target(f), checkpoint)
    names, single = target.wrt_names(wrt)
    target.check(names)

    @functools.wraps(target.primal)
    def run(*args, **kwargs):
        y, pullback = derivatives.vjp(f, *args, wrt=names, checkpoint=checkpoint, **kwargs)
        value, aux = split_aux(y, target.front.parsed.name)
        compose._check_scalar(value, target.front.parsed.name)
        g = pullback((np.ones_like(value) if np.ndim(value) else 1.0, zero_tree(aux)))
        g = g[0] if single else g
        return (g, aux) if variant == "grad" else ((value, aux), g)
    run.__s2sad_derivative__ = variant
    return run


def split_aux(y, name):
    if not (isinstance(y, tuple) and len(y) == 2):
        raise UsageError(f"has_aux=True: {name!r} must return a pair (value, aux), but it "
                         f"returned {type(y).__name__}"
                         f"{f' of {len(y)} items' if isinstance(y, tuple) else ''}",
                         "bad-aux")
    return y


def _filled(value, fill):
    """A seed with ``value``'s structure, ``fill`` at its float leaves (None elsewhere)."""
    if isinstance(value, dict):
        return {k: _filled(v, fill) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return seeds.rebuilt(value, [_filled(v, fill) for v in value])
    if isinstance(value, (float, np.floating)) or \
            isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        return np.full(np.shape(value), fill, dtype=float) if np.ndim(value) else fill
    return None


def zero_tree(value):
    return _filled(value, 0.0)


def _ones_like(y):
    return _filled(y, 1.0)


def _holomorphic_alone(has_aux, jit, checkpoint):
    if has_aux or jit or checkpoint is not None:
        raise UsageError("holomorphic=True is not combined with has_aux, jit or checkpoint",
                         "bad-arguments")


def jitted_vjp(f, primals, kwprimals, wrt, has_aux, checkpoint, jit):
    """``vjp(..., jit="numba")``: for a function s2sad reads, without has_aux or
    checkpoint (as for grad)."""
    numba_jit.check_mode(jit)
    if star.is_variadic(f):
        f, primals, kwprimals, wrt = star.resolved(f, primals, kwprimals, wrt)
    f = plain(f)
    if has_aux or checkpoint is not None or compose.is_derived(f):
        numba_jit.refuse(jit, getattr(f, "__name__", "f"), "has_aux=True, checkpoint or a "
                         "derivative s2sad made")
        return vjp(f, *primals, wrt=wrt, has_aux=has_aux, checkpoint=checkpoint,
                   **kwprimals)
    return numba_vjp.jitted_vjp(f, primals, kwprimals, wrt, jit)


def vjp(f, *primals, wrt=None, has_aux=False, checkpoint=None, **kwprimals):
    if star.is_variadic(f):
        f, primals, kwprimals, wrt = star.resolved(f, primals, kwprimals, wrt)
    if not (has_aux or checkpoint is not None or kwprimals):
        quick = fast.found_vjp(f, primals, wrt)
        if quick is not None:
            return quick
    f = plain(f)
    _checkpoint_of_user_function(f, checkpoint)
    if has_aux:
        y, pullback = vjp(f, *primals, wrt=wrt, checkpoint=checkpoint, **kwprimals)
        value, aux = split_aux(y, getattr(f, "__name__", "f"))
        return value, lambda w: pullback((w, zero_tree(aux))), aux
    if not compose.is_derived(f):
        return derivatives.vjp(f, *primals, wrt=wrt, checkpoint=checkpoint, **kwprimals)
    low = compose.base(f, primals, kwprimals)
    y = compose.value(low)
    if hasattr(f, "__s2sad_gradient__"):
        return y, _hessian_pullback(f, primals, kwprimals, wrt, y)
    def pullback(w):
        w = seeds.as_cotangent(w, y, f"the pullback of {getattr(f, '__name__', 'f')!r}")
        return compose.value(compose.contraction_lowering(f, wrt, lambda out: w)(
            tuple(primals), kwprimals))
    return y, pullback


def _hessian_pullback(g, args, kwargs, wrt, y):
    """The pullback of ``grad_A f`` w.r.t. B: ``H[B, A] w``, the tangent of f's gradient
    w.r.t. B along w on A: one forward sweep (forward over reverse)."""
    target, inner, single = g.__s2sad_gradient__
    outer = target.wrt_names(wrt, everything=True)[0]

    def pullback(w):
        w = seeds.as_cotangent(w, y, f"the pullback of {target.front.parsed.name!r}")
        grad_outer = gradient_function(target, outer, args, kwargs)
        tangents = (w,) if single else tuple(w)
        hv = targets.jvp(grad_outer, target.prefix + tuple(args), tangents, wrt=inner)[1]
        return (hv,) if len(outer) == 1 else tuple(hv)
    return pullback


def jvp(f, primals, tangents, wrt=None, jit=None):
    if star.is_variadic(f):
        f, primals, _, wrt = star.resolved(f, tuple(primals), {}, wrt)
    if jit is None:
        quick = fast.found(f, primals, tangents, wrt)
        if quick is not None:
            return quick
    f = plain(f)
    numba_jit.check_mode(jit)
    if not compose.is_derived(f):
        return targets.jvp(f, primals, tangents, wrt, jit)
    if jit:
        numba_jit.refuse(jit, getattr(f, "__name__", "f"), "a derivative s2sad made")
    low = compose.base(f, tuple(primals), {})
    names, _ = compose.names_of(low, wrt, everything=True)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    if len(tangents) != len(names):
        raise UsageError(f"jvp: {len(tangents)} tangents for {len(names)} wrt arguments "
                         f"({', '.join(names)})", "bad-tangents")
    return compose.tangent(low, names, tangents)


def batched_jvp(f, primals, tangents, wrt=None):
    """k tangents in one sweep; a derivative s2sad made, one jvp per tangent."""
    f = plain(f)
    if not compose.is_derived(f):
        return batching.batched_jvp(f, primals, tangents, wrt)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    rows = tuple(blocks.row(t, t, 0) for t in tangents)         # a row: like the primals
    k = blocks.tangent_length(tangents, rows, "batched_jvp: the tangent blocks")
    y, first = jvp(f, primals, rows, wrt)
    return y, blocks.stacked([first] + [jvp(f, primals, tuple(blocks.row(t, t, i)
                                                             for t in tangents), wrt)[1]
                                        for i in range(1, k)])


def batched_vjp(f, primals, cotangents, wrt=None):
    """k cotangents from one primal sweep and one adjoint sweep; a derivative s2sad
    made: its pullback once per cotangent."""
    f = plain(f)
    if star.is_variadic(f):          # the def it is for this call's shape (*args, **kwargs)
        f, primals, _, wrt = star.resolved(f, tuple(primals), {}, wrt)
    if not compose.is_derived(f):
        return reverse_batching.batched_vjp(f, primals, cotangents, wrt)
    y, pullback = vjp(f, *primals, wrt=wrt)
    k = blocks.cotangent_length(cotangents, y, "batched_vjp: the cotangents of the output")
    return y, blocks.stacked([pullback(blocks.row(cotangents, y, i)) for i in range(k)])


def jacobian(f, wrt=None, mode="auto", has_aux=False):
    f = plain(f)
    if star.is_variadic(f):
        return star.per_call(lambda g, w: jacobian(g, w, mode, has_aux), f, wrt, "jacobian",
                             lowered=not has_aux)
    if has_aux:
        return _aux_jacobian(f, wrt, mode)
    lower = compose.jacobian_lowering(f, wrt)
    if compose.is_derived(f):
        return compose.made(lower, "jacobian", f)
    fn = higher.jacobian(f, wrt, mode)
    fn.__s2sad_lower__ = lower
    return fn


def _aux_jacobian(f, wrt, mode):
    target = Target(f)
    value_of = wrappers.first_output(target.primal) if not compose.is_derived(f) else None
    if value_of is None:
        raise UsageError("jacobian(has_aux=True) needs a user function with named "
                         "parameters returning (value, aux)", "bad-aux")
    shift = len(target.prefix)
    if wrt is None:
        wrt = target.default_wrt if target.default_wrt is not None else 0
    if shift:
        wrt = tuple(w + shift if isinstance(w, int) else w for w in wrt) \
            if isinstance(wrt, (tuple, list)) else wrt + shift if isinstance(wrt, int) else wrt
    jac = higher.jacobian(value_of, wrt, mode)

    @functools.wraps(target.primal)
    def run(*args, **kwargs):
        args = target.prefix + args
        aux = split_aux(target.primal(*args, **kwargs), target.front.parsed.name)[1]
        return jac(*args, **kwargs), aux
    run.__s2sad_derivative__ = "jacobian"
    return run


def hessian(f, wrt=None):
    f = plain(f)
    if star.is_variadic(f):
        return star.per_call(hessian, f, wrt, "hessian")
    if compose.is_derived(f):
        return jacobian(jacobian(f, wrt), wrt)      # JAX's: any output shape
    fn = higher.hessian(f, wrt)
    fn.__s2sad_lower__ = compose.jacobian_lowering(grad(f, wrt), wrt)
    return fn


def hvp(f, wrt=None):
    f = plain(f)
    if star.is_variadic(f):
        return star.per_call(hvp, f, wrt, "hvp", trailing=1)
    if not compose.is_derived(f):
        return higher.hvp(f, wrt)
    inner = grad(f, wrt)

    @functools.wraps(f, updated=())
    def hessian_vector_product(*args):
        *args, v = args
        low = compose.base(inner, tuple(args), {})
        names, single = compose.names_of(low, wrt)
        tangents = (v,) if single else tuple(v)
        return compose.tangent(low, names, tangents)[1]
    hessian_vector_product.__s2sad_derivative__ = "hvp"
    return hessian_vector_product


def elementwise_grad(f, wrt=None):
    """autograd's: the vjp seeded with ones, ``J^T 1``, which for an elementwise function
    is the derivative at each element."""
    f = plain(f)
    if star.is_variadic(f):
        return star.per_call(elementwise_grad, f, wrt, "elementwise_grad")
    single = not isinstance(wrt, (tuple, list))
    pick = (lambda g: g[0]) if single else tuple
    wrt = 0 if wrt is None else wrt
    lower = compose.contraction_lowering(f, wrt, _ones_like)

    def lowered(args, kwargs):
        low = lower(args, kwargs)
        combine = low.combine
        low.combine = lambda outs: pick(combine(outs))
        return low

    @functools.wraps(f, updated=())
    def run(*args, **kwargs):
        if compose.is_derived(f):
            return compose.value(lowered(args, kwargs))
        y, pullback = derivatives.vjp(f, *args, wrt=wrt, **kwargs)
        return pick(pullback(_ones_like(y)))
    run.__s2sad_lower__ = lowered
    run.__s2sad_derivative__ = "elementwise_grad"
    return run



def linearize(f, *primals, wrt=None):
    """``(y, f_jvp)``: ``f_jvp(*tangents)`` is ``J @ tangents`` at the primals, saved
    once (copied, so later changes to the caller's arrays do not reach them). Each call
    runs the tangent code, which recomputes the primal values it needs."""
    f = plain(f)
    if star.is_variadic(f):
        f, primals, _, wrt = star.resolved(f, primals, {}, wrt)
    saved = tuple(np.array(p) if isinstance(p, np.ndarray) else p for p in primals)
    y, _ = jvp(f, saved, tuple(_zero_seed(saved, f, wrt)), wrt)

    def f_jvp(*tangents):
        return jvp(f, saved, tangents, wrt)[1]
    return y, f_jvp


def _zero_seed(saved, f, wrt):
    low = compose.base(f, saved, {})
    names, _ = compose.names_of(low, wrt, everything=True)
    values = compose._target(low).bind(low.args, low.calls[0])
    return [compose._zero(values[n]) if not isinstance(values[n], (dict, list, tuple))
            else zero_tree(values[n]) for n in names]
