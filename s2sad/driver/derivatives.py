"""What ``s2sad.grad``, ``value_and_grad`` and ``vjp`` do (``jvp`` lives with the
targets, whose callees' derivatives call it): check the function when the derivative
is requested, then at each call specialize on the arguments' kinds, run the
generated code, and turn what it raises into the answer or a UsageError.
"""
from __future__ import annotations

import functools

import numpy as np

import copy

from . import fast, pipeline, seeds
from .compile import CACHE
from . import numba_jit
from .cachekey import still, watched
from .entry import fast_entry
from .running import (HANDLED, call_on_floats, check_all_float, primal_value, real_gradient,
                      run_on_floats)
from ..errors import UsageError
from .target import VERSION, Rebound, Target, recovered

_REBOUND = object()     # matches no callable: a fast entry's watched name was rebound
_PLAIN_TYPES = {float, int, bool, np.float64, np.float32, type(None), str}


def checkpointing(target, snapshots):
    """``target`` with its top-level ``for`` loops over ``range`` checkpointed
    (``grad(f, checkpoint=snapshots)``); itself where ``snapshots`` is None."""
    if snapshots is None:
        return target
    if isinstance(snapshots, bool) or not isinstance(snapshots, (int, np.integer)) \
            or snapshots < 1:
        raise UsageError(f"checkpoint={snapshots!r}: give the number of snapshots each "
                         "loop keeps, an int >= 1 (or None)", "bad-arguments")
    twin = copy.copy(target)
    twin.identity = ("checkpoint", int(snapshots), target.identity)
    twin.front = CACHE.get((twin.identity, "front", VERSION),
                           lambda: pipeline.checkpointed(target.front, int(snapshots)))
    return twin


def gradient(f, wrt, variant, jit=None, checkpoint=None):
    """The function ``grad``/``value_and_grad`` return: dispatch on argument kinds,
    run the generated code (``jit="numba"``: compiled by numba), and turn a non-scalar
    output into a UsageError. ``checkpoint=s``: f's top-level range loops checkpointed."""
    numba_jit.check_mode(jit)
    target = checkpointing(Target(f), checkpoint)
    names, single = target.wrt_names(wrt)
    target.check(names)
    one_tuple = not single and len(names) == 1      # wrt=(0,) still returns a tuple
    dispatch = _Dispatch(target, names, variant, jit)
    prefix = target.prefix

    @functools.wraps(target.primal)
    def run(*args, **kwargs):
        args = prefix + args if prefix else args
        # the common case costs a tuple of types and a dict look-up
        fn = None if kwargs or dispatch.stale() else \
            dispatch.by_type.get((CACHE.generation, *map(type, args)))
        if fn is None:
            fn = dispatch(args, kwargs)
        try:
            out = fn(*args, **kwargs)
        except HANDLED as exc:
            out = recover(fn, exc, args, kwargs)
        out = real(out, args, kwargs)
        if not one_tuple:
            return out
        return (out,) if variant == "grad" else (out[0], (out[1],))
    run.__s2sad_derivative__ = variant
    if variant == "grad":
        run.__s2sad_gradient__ = (target, names, single)

    def real(out, args, kwargs=None):
        """The gradient, real, with each entry of its primal's float type."""
        if type(out) is not float:
            out = real_gradient(out, target.front.parsed.name,
                                primal_value(target, args, kwargs), project=False)
        wrt = _primals(target, names, args, kwargs)
        like = wrt[0] if single or one_tuple else wrt      # one name: a bare gradient
        if variant == "grad":
            return seeds.typed_like(out, like)
        return out[0], seeds.typed_like(out[1], like)

    def recover(fn, exc, args, kwargs=None):
        fn = getattr(fn, "__s2sad_plain__", fn)      # numba's twin: rerun as Python
        try:
            return recovered(target, names, variant, fn, exc, args, kwargs)
        except UsageError as error:
            if error.code != "non-scalar-output":
                raise
            return _size_one(target, names, single, variant, args, kwargs or {}, error)
    if prefix:
        return run
    return fast_entry(run, target.signature, target.primal.__defaults__, dispatch.by_type,
                      CACHE, HANDLED, recover, real, variant, len(names), one_tuple,
                      dispatch.entry_watch, target.front.parsed)


class _Dispatch:
    """The generated function for a call's arguments: by their signature (types, and for
    arrays dimensions and dtype), and by their types alone where none is an array or a
    container (``by_type``, which the fast entry reads)."""

    def __init__(self, target, names, variant, jit=None):
        self.target, self.names, self.variant, self.jit = target, names, variant, jit
        self.compiled: dict = {}        # (cache generation, signature) -> function
        self.by_type: dict = {}         # (cache generation, *argument types) -> function
        self.watch = watched(target.front.parsed)   # library callables under names of its own
        # what the fast entry compares the watched names with; emptied once one changes
        self.entry_watch = ([n for n, _ in self.watch], [obj for _, obj in self.watch])

    def stale(self) -> bool:
        """Whether a watched name means another callable now (``ACT = np.sin``): the
        functions kept were built for the old one's rule, and are dropped."""
        if not self.watch or still(self.target.front.parsed, self.watch):
            return False
        self.compiled.clear()
        self.by_type.clear()
        meanings = self.entry_watch[1]
        meanings[:] = [_REBOUND] * len(meanings)    # the fast entry defers to run for good
        self.target.refresh()
        self.watch = watched(self.target.front.parsed)
        return True

    def __call__(self, args, kwargs):
        signature = None if kwargs else _signature_key(args)
        key = (CACHE.generation, signature)
        fn = self.compiled.get(key) if signature is not None else None
        if fn is None:
            values = self.target.bind(args, kwargs)
            made = self.target.generated(self.names, values, self.variant)
            fn = made.functions[0]
            if self.jit:
                fn = numba_jit.jitted(fn, made.source, self.jit, self.target.front.parsed.name)
            if signature is not None:
                self.compiled[key] = fn
        # the fast entry returns a float as it comes: only for Python floats in wrt
        if signature is not None and all(k in _PLAIN_TYPES for k in signature) \
                and not any(isinstance(self.target.bind(args, kwargs)[n], np.floating)
                            for n in self.names):
            self.by_type[(CACHE.generation, *map(type, args))] = fn
        return fn


def _primals(target, names, args, kwargs) -> tuple:
    """The values of the ``wrt`` arguments in a call (``args`` include the prefix)."""
    if not kwargs and len(args) == len(target.params):
        return tuple(args[target.params.index(n)] for n in names)
    values = target.bind(args, kwargs or {})
    return tuple(values[n] for n in names)


def _signature_key(args):
    """What the generated code is specialized on, cheaply: the types, and for arrays the
    number of dimensions and dtype; None for containers (their kind depends on items)."""
    key = []
    for a in args:
        kind = type(a)
        if kind is np.ndarray:
            key.append((a.ndim, a.dtype.char))
        elif kind in (dict, list, tuple):
            return None
        else:
            key.append(kind)
    return tuple(key)


def vjp(f, *primals, wrt=None, checkpoint=None, **kwprimals):
    """``(y, pullback)``; ``pullback(ybar)`` returns one cotangent per wrt argument."""
    target = checkpointing(Target(f), checkpoint)
    names, _ = target.wrt_names(wrt, everything=True, passed=len(primals))
    target.check(names)
    primals = target.prefix + primals
    values = target.bind(primals, kwprimals)
    if wrt is None:
        check_all_float(target, names, values)
    y, residuals, forward, backward, on_numpy = primal_sweep(target, names, primals,
                                                             kwprimals, values)
    wrt_values = tuple(values[n] for n in names)
    if checkpoint is None and not kwprimals and not target.prefix and not on_numpy:
        fast.record_vjp(f, primals, wrt, forward, backward, target.front.parsed, y,
                        [target.params.index(n) for n in names], pullback_of)
    return y, pullback_of(target.front.parsed.name, y, residuals, backward, on_numpy,
                          wrt_values)


def primal_sweep(target, names, primals, kwprimals, values):
    """One split primal sweep (``primals`` with the prefix):
    ``(y, residuals, forward, backward, on_numpy)``."""
    forward, backward = target.generated(names, values, "vjp").functions
    try:
        (y, residuals), on_numpy = run_on_floats(forward, primals, kwprimals)
    except Rebound:                   # a callee was rebound: the cache was cleared
        forward, backward = target.generated(names, values, "vjp").functions
        (y, residuals), on_numpy = run_on_floats(forward, primals, kwprimals)
    return y, residuals, forward, backward, on_numpy


def pullback_of(name, y, residuals, backward, on_numpy, wrt_values):
    """The pullback of one primal sweep: it checks the seed, runs the backward code on a
    copy of the tape, and types the cotangents like the wrt values."""
    floats = type(y) is float and not on_numpy and all(type(v) is float for v in wrt_values)

    def pullback(ybar):
        if floats and type(ybar) is float:            # the common case, checked cheaply
            try:
                cotangents = backward(residuals, ybar)
            except (ArithmeticError, ValueError):
                cotangents = None
            if type(cotangents) is tuple and all(type(c) is float for c in cotangents):
                return cotangents
        ybar = seeds.as_cotangent(ybar, y, f"the pullback of {name!r}")
        if not on_numpy:
            cotangents = call_on_floats(backward, (residuals, ybar), {})
        else:
            with np.errstate(divide="ignore", invalid="ignore"):  # as the primal sweep ran
                cotangents = call_on_floats(backward, (residuals, ybar), {})
        return seeds.apart_from(seeds.typed_like(cotangents, wrt_values), ybar)
    return pullback


def _size_one(target, names, single, variant, args, kwargs, error):
    """A gradient of a size-1 array output, as autograd takes it: the output's one
    element (a split reverse sweep seeded with ones of its shape); else ``error``."""
    y = target.primal(*args, **kwargs)
    if not (isinstance(y, np.ndarray) and y.size == 1 and y.dtype.kind in "fiu"):
        raise error
    value, pullback = vjp(target.primal, *args, wrt=names, **kwargs)
    g = pullback(np.ones_like(value))
    g = g[0] if len(names) == 1 else g          # the caller makes wrt=(0,) a tuple
    return g if variant == "grad" else (value, g)
