"""``vjp(f, *primals, jit="numba")``: the pullback compiled by numba.

The split derivative ``vjp`` runs otherwise hands a tape from its primal function to
its adjoint function, a Python object numba would have to pass between two compiled
functions. Here the pullback runs the joint derivative with the output's adjoint a
parameter instead (the ``pullback`` variant, ``f_pullback(x, *, b_y)``, which the
second-order machinery also uses), compiled once by numba: each ``pullback(ybar)``
recomputes the primal sweep in compiled code and returns the cotangents. The value
``y`` is the primal's, run once as Python.
"""
from __future__ import annotations

import inspect

from . import numba_jit, seeds
from .running import check_all_float
from .target import Target


def jitted_vjp(f, primals, kwprimals, wrt, jit):
    """``(y, pullback)`` with the pullback compiled by numba (a warning and plain
    Python where numba cannot compile it; ``"numba!"`` raises)."""
    numba_jit.check_mode(jit)
    target = Target(f)
    names, _ = target.wrt_names(wrt, everything=True, passed=len(primals))
    target.check(names)
    primals = target.prefix + tuple(primals)
    values = target.bind(primals, kwprimals)
    if wrt is None:
        check_all_float(target, names, values)
    made = target.generated(names, values, "pullback")
    plain = made.functions[0]
    fn = numba_jit.jitted(plain, made.source, jit, target.front.parsed.name)
    seed = next(p.name for p in inspect.signature(plain).parameters.values()
                if p.kind is p.KEYWORD_ONLY)
    y = target.primal(*primals, **kwprimals)
    wrt_values = tuple(values[n] for n in names)
    label = f"the pullback of {target.front.parsed.name!r}"

    def pullback(ybar):
        ybar = seeds.as_cotangent(ybar, y, label)
        out = fn(*primals, **kwprimals, **{seed: ybar})
        out = out if isinstance(out, tuple) else (out,)
        return seeds.typed_like(tuple(out), wrt_values)
    return y, pullback
