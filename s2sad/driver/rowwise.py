"""Runtime helpers run row by row inside a batched sweep.

A helper of the adjoint (tangent) rules with no batched form of its own (it writes
``g`` into an array, calls ``float`` on a part of it) need not send the whole sweep
back to one cotangent at a time: within the one batched sweep, that call runs once
per row of its batched arguments and the rows are stacked back into a batched value.
This is exact for a helper that builds its result from its arguments and writes into
none of them (the rules' helpers: ``un*``, ``*_vjp``, ``*_jvp``, ``*_tangent``,
``*_dx``; tests check they write into no parameter); the ODE solves' helpers, which
remember their last solve, are left out. The helpers that ran so are logged, for the
report.
"""
from __future__ import annotations

import re
import threading
import types

import numpy as np

from .. import runtime
from ..runtime.batched import Batched, Unbatchable
from . import blocks

_KINDS = re.compile(r"^un|_(vjp|jvp|hvp|tangent)(_\w+)?$|_dx$")
_REMEMBERING = frozenset({"ivp_vjp", "ivp_jvp", "odeint_vjp", "odeint_jvp"})
ROWWISE = frozenset(name for area in runtime.AREAS for name in area.__all__
                    if isinstance(getattr(area, name), types.FunctionType)
                    and _KINDS.search(name) and name not in _REMEMBERING)


_CURRENT = threading.local()


def with_rows(namespace):
    """A copy of the batched runtime ``namespace`` whose ROWWISE helpers run row by row
    where they cannot run batched (each such helper's name added to the log of the
    sweep running: :func:`logged`)."""
    twin = types.SimpleNamespace(**vars(namespace))
    for name in ROWWISE:
        setattr(twin, name, _rowwise(name, getattr(namespace, name)))
    return twin


def logged(run, log: set):
    """``run`` with the helpers it runs row by row named in ``log``."""
    def sweep(*args, **kwargs):
        outer = getattr(_CURRENT, "log", None)
        _CURRENT.log = log
        try:
            return run(*args, **kwargs)
        finally:
            _CURRENT.log = outer
    return sweep


def _rowwise(name, helper):
    def run(*args, **kwargs):
        try:
            return helper(*args, **kwargs)
        except Exception:          # noqa: BLE001 -- no batched form: the rows, if any
            k = next((v.a.shape[0] for v in (*args, *kwargs.values())
                      if isinstance(v, Batched)), None)
            if k is None:
                raise
        log = getattr(_CURRENT, "log", None)
        if log is not None:
            log.add(name)
        rows = [helper(*(_row(v, i) for v in args), **{key: _row(v, i)
                                                     for key, v in kwargs.items()})
                for i in range(k)]
        return _batched(blocks.stacked(rows))
    run.__name__ = name
    return run


def _row(value, i):
    return value.a[i] if isinstance(value, Batched) else value


def _batched(tree):
    """Stacked rows as Batched leaves; a leaf that is not numbers is refused."""
    parts = blocks._children(tree)
    if parts is not None:
        return blocks._rebuilt(tree, [_batched(v) for v in parts[1]])
    if not isinstance(tree, np.ndarray) or tree.dtype.kind not in "fciub":
        raise Unbatchable(f"a helper's rows of type {type(tree).__name__}")
    return Batched(tree)
