"""The right-hand side of an ODE solve, differentiated when the solve's derivative
runs: the runtime's ODE helpers (``runtime/odes.py``) call these through
``runtime.odes.RHS``, which this module fills (the runtime imports nothing of s2sad).

``func`` is the user's function as the call got it (a def, a lambda, a partial, a
bound method, a function with a rule); ``wrt`` the positions of ``primals`` that are
differentiated (the state and the float items of ``args``).
"""
from __future__ import annotations

from ..runtime import odes
from . import values
from .derivatives import vjp
from .target import jvp


def rhs_vjp(func, primals, wrt):
    """``(f(*primals), pullback)``: pullback(a) gives one cotangent per ``wrt``."""
    func = values.for_call(func, len(primals), {})
    return vjp(func, *primals, wrt=tuple(wrt))


def rhs_jvp(func, primals, tangents, wrt):
    """``(f(*primals), J tangents)``: one tangent per ``wrt``."""
    func = values.for_call(func, len(primals), {})
    return jvp(func, tuple(primals), tuple(tangents), wrt=tuple(wrt))


odes.RHS.update(vjp=rhs_vjp, jvp=rhs_jvp)
