"""Dual numbers: forward mode by operator overloading, the survey's picture of it.

A dual number ``v + v' e`` (with ``e * e = 0``) carries a value and a tangent.
Arithmetic on duals follows the rules of differentiation, so evaluating a
function on ``Dual(x, 1.0)`` yields ``Dual(f(x), f'(x))``:

>>> from s2sad import dual
>>> d = dual.Dual(2.0, 1.0)
>>> d * d + 3.0 * d
Dual(10.0, 7.0)
>>> dual.derivative(lambda x: dual.sin(x) * x, 0.0)
0.0

Every derivative formula is written out here (in ``dual_number.py`` and
``dual_functions.py``), apart from the compiler's rule tables: s2sad's tests
use dual numbers as an independent oracle for its forward mode. Provided:

- arithmetic ``+ - * / ** // %``, unary ``- + abs``; comparisons and ``bool``
  look at the value only; ``float(d)`` is an error (it would drop the tangent);
- ``math``-like functions in this module (``dual.sin``, ``dual.exp``, ...),
  and ``dual.math``, a stand-in for the ``math`` module that accepts duals;
- NumPy: the common ufuncs (``np.sin(d)``, ``np.add(d, 1.0)``, ...) through
  ``__array_ufunc__``, and object arrays of duals (``np.sum``, ``np.dot`` and
  ufuncs on them work element by element);
- ``derivative(f, x)`` and ``jvp(f, primals, tangents)``, which also let
  ``f`` call ``math.sin`` and friends (see :func:`lift`).

On floats the functions follow NumPy, not ``math``: ``dual.log(0.0)`` is
``-inf``, not a ``ValueError``. Where the derivative is infinite (``sqrt`` at
0) the tangent is ``inf`` or ``nan``. Duals nest (a dual whose value is a
dual gives second derivatives), but carry no tags, so nested differentiation
of closures can confuse perturbations.
"""
from __future__ import annotations

import builtins
import functools
import math as _math
import types

import numpy as np

from .dual_functions import (UFUNCS, absolute, acos, acosh, asin, asinh, atan, atan2, atanh,
                             cbrt, ceil, cos, cosh, erf, erfc, exp, exp2, expm1, fabs, floor,
                             floor_divide, hypot, log, log1p, log2, log10, maximum, minimum,
                             power, reciprocal, remainder, rint, sign, sin, sinh, sqrt, square,
                             tan, tanh, trunc)
from .dual_number import Dual

__all__ = ["Dual", "derivative", "jvp", "lift", "math", "primal_of", "seed", "tangent_of",
           # the functions, re-exported from dual_functions
           "absolute", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt",
           "ceil", "cos", "cosh", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "floor",
           "floor_divide", "hypot", "log", "log10", "log1p", "log2", "maximum", "minimum",
           "power", "reciprocal", "remainder", "rint", "sign", "sin", "sinh", "sqrt", "square",
           "tan", "tanh", "trunc", "UFUNCS"]


# ---------------------------------------------------------------------------
# The math module on duals, and the entry points
# ---------------------------------------------------------------------------

def _math_version(name, on_duals):
    """``math.<name>``, or ``on_duals`` when an argument is a dual."""
    original = getattr(_math, name)

    def function(*args):
        if any(isinstance(a, Dual) for a in args):
            return on_duals(*args)
        return original(*args)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"math.{name}, accepting dual numbers."
    return function


class _MathOnDuals:
    """A stand-in for the ``math`` module whose functions accept dual numbers;
    names it does not cover (``pi``, ``floor``, ...) are ``math``'s own."""

    def __init__(self, functions):
        for name, on_duals in functions.items():
            if hasattr(_math, name):
                setattr(self, name, _math_version(name, on_duals))

    def __getattr__(self, name):
        return getattr(_math, name)

    def __repr__(self):
        return "<s2sad.dual.math: the math module on dual numbers>"


math = _MathOnDuals({
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "atan2": atan2, "sinh": sinh, "cosh": cosh, "tanh": tanh, "asinh": asinh,
    "acosh": acosh, "atanh": atanh, "exp": exp, "exp2": exp2, "expm1": expm1, "log": log,
    "log2": log2, "log10": log10, "log1p": log1p, "sqrt": sqrt, "cbrt": cbrt, "pow": power,
    "hypot": hypot, "fabs": absolute, "erf": erf, "erfc": erfc,
})


def lift(f):
    """``f`` with the ``math`` module (and functions imported from it) in its globals
    replaced by :data:`math`, so that ``math.sin(x)`` accepts a dual; and the
    builtins ``max`` and ``min`` by versions that, on duals, break a tie as s2sad
    does (towards the last argument; Python's pick the first). A function that is
    not a plain Python function, or uses none of these, is returned as is. Only
    ``f``'s own globals change: helpers it calls are not lifted."""
    f = getattr(f, "__s2sad_primal__", f)
    if not isinstance(f, types.FunctionType):
        return f
    swaps = {}
    for name, value in f.__globals__.items():
        own = getattr(value, "__name__", None)
        if value is _math:
            swaps[name] = math
        elif isinstance(own, str) and own in vars(math) and getattr(_math, own) is value:
            swaps[name] = getattr(math, own)        # from math import sin
    for name, version in (("max", _max), ("min", _min)):
        if name in f.__code__.co_names and name not in f.__globals__:
            swaps[name] = version
    if not swaps:
        return f
    lifted = types.FunctionType(f.__code__, {**f.__globals__, **swaps}, f.__name__,
                                f.__defaults__, f.__closure__)
    lifted.__kwdefaults__ = f.__kwdefaults__
    return lifted


def _extremum(builtin, pick):
    def extremum(*args, **kwargs):
        if len(args) < 2 or kwargs or not any(isinstance(a, Dual) for a in args):
            return builtin(*args, **kwargs)
        return functools.reduce(pick, args)          # max(a, b, c) == max(max(a, b), c)
    extremum.__name__ = builtin.__name__
    extremum.__doc__ = f"builtin {builtin.__name__}; on duals a tie goes to the later argument."
    return extremum


_max, _min = _extremum(builtins.max, maximum), _extremum(builtins.min, minimum)


def primal_of(out):
    """The values in ``out``: a dual, a number, an array (of duals) or a tuple of them."""
    return _map(out, lambda d: d.value if isinstance(d, Dual) else d)


def tangent_of(out):
    """The tangents in ``out`` (0.0 where a part is a plain number: it is constant)."""
    return _map(out, lambda d: d.tangent if isinstance(d, Dual) else 0.0)


def _map(out, part):
    if isinstance(out, (tuple, list)):
        return type(out)(_map(o, part) for o in out)
    if isinstance(out, np.ndarray):
        if out.dtype == object:
            return np.vectorize(part, otypes=[float])(out) if out.size else \
                np.zeros(out.shape)
        return np.asarray(part(out), dtype=float) * np.ones(out.shape)
    return part(out)


def seed(value, tangent):
    """``value`` as duals with ``tangent``: a Dual for a number, an object array of
    duals for an array (``tangent`` shaped like it)."""
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return Dual(float(value), float(tangent))
    value = np.asarray(value, dtype=float)
    tangent = np.broadcast_to(np.asarray(tangent, dtype=float), value.shape)
    out = np.empty(value.shape, dtype=object)
    for index in np.ndindex(value.shape):
        out[index] = Dual(float(value[index]), float(tangent[index]))
    return out


def derivative(f, x):
    """f'(x) for a float ``x``: one evaluation of ``f`` on ``Dual(x, 1)``. The output
    may be a number, an array or a tuple; the derivative has its structure."""
    if np.ndim(x) != 0:
        raise TypeError("dual.derivative takes a float; for an array use "
                        "dual.jvp(f, (x,), (direction,))")
    return tangent_of(lift(f)(Dual(float(x), 1.0)))


def jvp(f, primals, tangents):
    """``(f(*primals), J @ tangents)`` by one evaluation on duals: each primal with a
    tangent (``None``: a constant argument, passed unchanged) becomes a dual, or an
    object array of duals for an array."""
    if len(primals) != len(tangents):
        raise ValueError(f"{len(primals)} primals but {len(tangents)} tangents")
    args = [p if t is None else seed(p, t) for p, t in zip(primals, tangents)]
    out = lift(f)(*args)
    return primal_of(out), tangent_of(out)
