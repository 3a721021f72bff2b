"""The public interface: grad, value_and_grad, vjp, jvp, source, differentiate.

Everything that depends only on the function (parsing, normalizing, checking
that every active operation has a rule) happens when the derivative is
requested, so errors come before anything runs. The generated code is then
specialized on the kinds of the arguments (float, float array, int, other)
at the first call with each combination, and cached. The machinery is the
driver's (:mod:`s2sad.driver`); this module says what each entry point means.
"""
from __future__ import annotations

import functools
import inspect

from .analysis import kinds
from .analysis.prims import DERIVATIVE_MAKERS, GRADIENT_MAKERS
from .driver import derivatives, fast, higher, numba_jit, ops, star, target as targets
from .driver import odes as _odes   # noqa: F401  (ODE solves' derivatives differentiate
#                                               the right-hand side through it)
from .errors import UsageError
from .inspection import standalone as standalone_module
from .inspection.highlight import Source
from .runtime.checkpoint import checkpointed   # noqa: F401  (the loop marker)

VERSION = targets.VERSION


def grad(f, wrt=None, has_aux=False, jit=None, checkpoint=None, holomorphic=False):
    """A function with f's signature returning df/d(wrt); ``has_aux=True``: f returns
    ``(value, aux)`` and the function ``(grad, aux)``. ``f`` may be a NumPy function
    with a rule (``np.sin``) or a derivative s2sad made (any order). ``jit="numba"``:
    the generated code compiled by numba (a warning and plain Python where it cannot
    be; ``"numba!"`` raises instead). ``checkpoint=s``: each ``for`` loop over
    ``range`` at f's top level checkpointed as if marked ``s2sad.checkpointed(...,
    snapshots=s)``. ``holomorphic=True``: f is a holomorphic function of complex arguments
    with a complex output, and the function returns its complex derivative."""
    return ops.grad(f, wrt, has_aux, jit, checkpoint, holomorphic)


def value_and_grad(f, wrt=None, has_aux=False, jit=None, checkpoint=None, holomorphic=False):
    """A function returning ``(f(...), grad)`` from one primal sweep (``has_aux``:
    ``((value, aux), grad)``, as JAX's; ``jit``, ``checkpoint`` and ``holomorphic`` as for
    grad)."""
    return ops.value_and_grad(f, wrt, has_aux, jit, checkpoint, holomorphic)


def vjp(f, *primals, wrt=None, has_aux=False, checkpoint=None, jit=None, **kwprimals):
    """``(y, pullback)``; ``pullback(ybar)`` returns one cotangent per wrt argument
    (``None``: each primal passed by position, as in JAX; ``has_aux``:
    ``(y, pullback, aux)``; ``checkpoint`` as for grad; ``jit="numba"``: the pullback
    compiled by numba, each call recomputing the primal sweep in compiled code)."""
    if jit is not None:
        return ops.jitted_vjp(f, primals, kwprimals, wrt, has_aux, checkpoint, jit)
    if not (has_aux or kwprimals or checkpoint is not None):
        try:                                           # floats, as the last call
            run = fast.VJPS.get((f, wrt))
        except TypeError:                              # an unhashable wrt
            run = None
        quick = None if run is None else run(primals)
        if quick is not None:
            return quick
    return ops.vjp(f, *primals, wrt=wrt, has_aux=has_aux, checkpoint=checkpoint, **kwprimals)


def jvp(f, primals, tangents, wrt=None, jit=None):
    """``(y, ydot)`` with ``ydot = J @ tangents``: one forward sweep. ``tangents`` has
    one entry per ``wrt`` argument (``None``: each primal passed, as in JAX; not the
    defaults left out; ``jit`` as for grad)."""
    if jit is None:
        quick = fast.found(f, primals, tangents, wrt)   # floats, as the last call
        if quick is not None:
            return quick
    return ops.jvp(f, primals, tangents, wrt, jit)


def batched_jvp(f, primals, tangents, wrt=None):
    """``(y, ydots)``: jvp for k tangents in one sweep; each tangent has a leading axis of
    length k, and so has each entry of ``ydots`` (JAX: ``vmap`` of ``jvp`` over them)."""
    return ops.batched_jvp(f, primals, tangents, wrt)


def batched_vjp(f, primals, cotangents, wrt=None):
    """``(y, cotangent_blocks)``: vjp's pullback for k cotangents from one primal sweep
    and one adjoint sweep; ``cotangents`` is shaped like the output with a leading axis
    of length k on each leaf, and so is each of the blocks, one per ``wrt`` argument
    (JAX: ``vmap`` of the pullback over them)."""
    return ops.batched_vjp(f, primals, cotangents, wrt)


def jacobian(f, wrt=None, mode="auto", has_aux=False):
    """J shaped ``out.shape + in.shape`` (JAX's convention); see higher.jacobian."""
    return ops.jacobian(f, wrt, mode, has_aux)


def hessian(f, wrt=None):
    """The Hessian, ``x.shape + x.shape`` for one argument, blocks for a tuple ``wrt``."""
    return ops.hessian(f, wrt)


def hvp(f, wrt=None):
    """A function ``(*args, v) -> H v``: one forward sweep through the gradient code."""
    return ops.hvp(f, wrt)


def linearize(f, *primals, wrt=None):
    """``(y, f_jvp)``: ``f_jvp(*tangents)`` is ``J @ tangents`` at the saved primals."""
    return ops.linearize(f, *primals, wrt=wrt)


def elementwise_grad(f, wrt=None):
    """autograd's: ``J^T 1``, the derivative of an elementwise function at each element."""
    return ops.elementwise_grad(f, wrt)


# a call of s2sad.grad(f) inside a differentiated function is differentiated through
# f's second derivatives; the other makers' functions are refused, located
GRADIENT_MAKERS.add(grad)
DERIVATIVE_MAKERS.update({grad, value_and_grad, vjp, jvp, jacobian, hessian, hvp, linearize,
                          elementwise_grad, higher.jacobian, higher.hessian, higher.hvp})


def source(f, mode="reverse", wrt=None, motion="joint", optimize=True, args=None,
           standalone=False, module=None, jit=None, checkpoint=None, kwargs=None):
    """The generated source text, exactly the code that runs for arguments of the
    kinds of ``args`` and ``kwargs`` (default: a float for each argument without a
    default; a def with ``*args``/``**kwargs`` needs them, to say the call's shape).
    ``mode``: ``reverse`` (``motion`` joint or split) or ``forward``. The text is a
    ``str`` that Jupyter shows highlighted (``.ansi()`` colours it for a terminal).

    ``standalone=True``: an importable module instead, which carries what the code
    needs (the runtime imports, the derivatives of the user functions it calls, the
    user's module globals it reads, imported from ``module``, by default
    ``f.__module__``); a closure's cells cannot be carried (``cannot-carry`` error).
    ``checkpoint=s``: reverse mode's code for ``grad(f, checkpoint=s)``."""
    if mode not in ("reverse", "forward"):
        raise UsageError(f"mode={mode!r}: use 'reverse' or 'forward'", "bad-mode")
    if star.is_variadic(f):
        if args is None and kwargs is None:
            raise UsageError(f"source of {f.__name__!r}, which takes *args or **kwargs: pass "
                             "the call's arguments, s2sad.source(f, args=(...), kwargs={...}), "
                             "for the code of calls of that shape", "bad-arguments")
        f, args, kwargs, wrt = star.resolved(f, tuple(args or ()), dict(kwargs or {}), wrt)
    target = derivatives.checkpointing(targets.Target(f),
                                       checkpoint if mode == "reverse" else None)
    names, _ = target.wrt_names(wrt, everything=(motion == "split" or mode == "forward"))
    target.check(names, mode)
    if args is None:
        values = {p: 1.0 for p in target.params}
        for name, param in target.signature.parameters.items():
            if param.default is not inspect.Parameter.empty:
                values[name] = param.default
    else:
        values = target.bind(tuple(args), kwargs or {})
    variant = "jvp" if mode == "forward" else "vjp" if motion == "split" else "grad"
    if standalone:
        argument_kinds = {p: kinds.of_argument(p, values[p]) for p in target.params}
        text = standalone_module.module_source(target.front, names, argument_kinds, variant,
                                               optimize, module)
        return Source(text)
    text = target.generated(names, values, variant, optimize).source
    numba_jit.check_mode(jit)
    return Source(numba_jit.numba_text(text) if jit else text)


def differentiate(func=None, *, wrt=None):
    """Decorator: ``f`` unchanged, plus ``f.grad``, ``f.value_and_grad``, ``f.vjp``,
    ``f.jvp``, ``f.jacobian``, ``f.hessian``, ``f.hvp``, ``f.elementwise_grad``,
    ``f.linearize`` and ``f.source``, each taking
    the arguments of the module-level call without ``f``."""
    if func is None:
        return functools.partial(differentiate, wrt=wrt)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    wrapper.__s2sad_primal__ = func
    wrapper.__s2sad_wrt__ = wrt
    wrapper.grad = lambda *a, **k: grad(wrapper)(*a, **k)
    wrapper.value_and_grad = lambda *a, **k: value_and_grad(wrapper)(*a, **k)
    wrapper.vjp = lambda *a, **k: vjp(wrapper, *a, **k)
    wrapper.source = lambda mode="reverse", **k: source(wrapper, mode, **k)
    wrapper.jvp = lambda primals, tangents: jvp(wrapper, primals, tangents)

    wrapper.jacobian = lambda *a, **k: jacobian(wrapper)(*a, **k)
    wrapper.hessian = lambda *a, **k: hessian(wrapper)(*a, **k)
    wrapper.hvp = lambda *a, **k: hvp(wrapper)(*a, **k)
    wrapper.elementwise_grad = lambda *a, **k: elementwise_grad(wrapper)(*a, **k)
    wrapper.linearize = lambda *a: linearize(wrapper, *a)
    return wrapper


def checkpoint(func):
    """``func`` unchanged when called (JAX's ``jax.checkpoint``); a function s2sad
    differentiates that calls it keeps no tape of ``func``'s internals: its reverse
    sweep runs ``func``'s split derivative from the call's inputs when it reaches the
    call (``func``'s primal runs twice; memory: its inputs, not its tape)."""
    if getattr(func, "__s2sad_checkpoint__", False):
        return func

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    wrapper.__s2sad_primal__ = getattr(func, "__s2sad_primal__", func)
    wrapper.__s2sad_wrt__ = getattr(func, "__s2sad_wrt__", None)
    wrapper.__s2sad_checkpoint__ = True
    return wrapper
