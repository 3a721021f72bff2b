"""Numerical differentiation: the derivative from values of the function alone.

Four schemes, each a function with the same signature,
``scheme(f, *args, wrt=0, step=None, **kwargs)``, returning the gradient of a
scalar-valued ``f`` with respect to the argument ``wrt`` (a position in
``args`` or a parameter name; a tuple of them gives a tuple of gradients).
The gradient has the argument's shape: a float for a float, an array for an
array. Each element is perturbed on its own, so an array of ``n`` elements
costs ``n + 1`` (forward), ``n`` (complex step), ``2n`` (central) or
``2n * levels`` (Richardson) evaluations.

===============  ======================  ====================  ==================
scheme           default step h          error                 applies to
===============  ======================  ====================  ==================
``forward``      eps^(1/2) * max(1,|x|)  O(h) + eps/h          any f
``central``      eps^(1/3) * max(1,|x|)  O(h^2) + eps/h        any f
``richardson``   2^-4 * max(1,|x|)       adaptive, near eps    f smooth on [x-h, x+h]
``complex_step`` 1e-20 * max(1,|x|)      O(h^2), no round-off  f analytic on complex
===============  ======================  ====================  ==================

``complex_step`` is exact to machine precision, but only for code that stays
valid on complex numbers: no comparisons or branches on the argument, no
``abs``, no ``math`` functions (use ``np.sin`` and friends, which accept
complex). It is opt-in for that reason. A function that returns a real number
for a complex argument has lost the step: that is an error (code
``not-analytic``), not a zero derivative.

This module is independent of the compiler: s2sad uses it as an oracle, so it
must not share any of the compiler's code.

>>> import numpy as np
>>> round(central(np.sin, 0.0), 9)
1.0
>>> complex_step(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]))
array([ 3., 12.])
"""
from __future__ import annotations

import inspect

import numpy as np

from ..errors import UsageError

EPS = float(np.finfo(np.float64).eps)

__all__ = ["forward", "central", "richardson", "complex_step", "gradient", "SCHEMES"]


def forward(f, *args, wrt=0, step=None, **kwargs):
    """One-sided difference ``(f(x + h) - f(x)) / h``: first order, one extra
    evaluation per element. ``step`` is relative: ``h = step * max(1, |x|)``."""
    rel = np.sqrt(EPS) if step is None else step
    unmoved = []                        # f at the given point, the same for every element

    def estimate(phi, x):
        h = _exact_step(x, rel)
        if not unmoved:
            unmoved.append(_real_scalar(phi(x)))
        return (_real_scalar(phi(x + h)) - unmoved[0]) / h
    return gradient(f, args, kwargs, wrt, estimate)


def central(f, *args, wrt=0, step=None, **kwargs):
    """Central difference ``(f(x + h) - f(x - h)) / 2h``: second order.
    ``step`` is relative (default eps^(1/3), which balances truncation against
    round-off for a function whose derivatives are of order one)."""
    rel = EPS ** (1.0 / 3.0) if step is None else step

    def estimate(phi, x):
        return _central_difference(phi, x, _exact_step(x, rel))
    return gradient(f, args, kwargs, wrt, estimate)


def richardson(f, *args, wrt=0, step=None, levels=8, **kwargs):
    """Central differences at steps ``h, h/2, h/4, ...`` combined by Richardson
    extrapolation, which cancels the ``h^2, h^4, ...`` terms of the error
    (Ridders' method: at most ``levels`` steps; the table entry with the smallest
    estimated error wins, and the search stops once the error grows). ``step``
    is the largest relative step; ``f`` must be defined within it."""
    rel = 2.0 ** -4 if step is None else step
    if levels < 2:
        raise UsageError(f"richardson: levels={levels}; use 2 or more", "bad-arguments")

    def estimate(phi, x):
        h = _exact_step(x, rel)
        with np.errstate(all="ignore"):     # a large step may leave f's domain: nan, unused
            table = [_central_difference(phi, x, h / 2.0 ** k) for k in range(levels)]
        return _ridders(table)
    return gradient(f, args, kwargs, wrt, estimate)


def complex_step(f, *args, wrt=0, step=None, **kwargs):
    """Complex step ``Im f(x + ih) / h``: no subtraction, so no round-off, and
    exact to machine precision with a tiny ``h``. Valid only when ``f`` is
    analytic in the argument and its code accepts complex numbers."""
    rel = 1e-20 if step is None else step

    def estimate(phi, x):
        h = rel * max(1.0, abs(x))
        return _complex_scalar(phi(complex(x, h))).imag / h
    return gradient(f, args, kwargs, wrt, estimate, complex_ok=True)


SCHEMES = {"forward": forward, "central": central, "richardson": richardson,
           "complex": complex_step}


def gradient(f, args, kwargs, wrt, estimate, complex_ok=False):
    """The gradient of ``f(*args, **kwargs)`` w.r.t. ``wrt`` (a position, a name, or a
    tuple of them), one element at a time: ``estimate(phi, x)`` returns the
    derivative of the one-variable function ``phi`` at the float ``x``."""
    if isinstance(wrt, (tuple, list)):
        return tuple(gradient(f, args, kwargs, w, estimate, complex_ok) for w in wrt)
    args, kwargs = tuple(args), dict(kwargs)
    slot = _Slot(f, args, kwargs, wrt)
    x = slot.value
    if isinstance(x, (bool, np.bool_)) or not _is_real_number(x):
        raise UsageError(f"cannot differentiate numerically w.r.t. {slot.label}: "
                         f"{type(x).__name__} is not a float or float array", "bad-wrt-type")
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return float(estimate(lambda t: slot.call(t), float(x)))
    base = np.asarray(x, dtype=np.float64)
    out = np.zeros(base.shape, dtype=np.float64)
    for index in np.ndindex(base.shape):
        def phi(t, index=index):
            dtype = np.complex128 if isinstance(t, complex) else np.float64
            moved = base.astype(dtype)
            moved[index] = t
            return slot.call(moved)
        out[index] = estimate(phi, float(base[index]))
    return out


class _Slot:
    """Where the differentiated argument sits in a call: a position or a keyword."""

    def __init__(self, f, args, kwargs, wrt):
        self.f, self.args, self.kwargs = f, args, kwargs
        if isinstance(wrt, str) and wrt in kwargs:
            self.key, self.label = wrt, repr(wrt)
        elif isinstance(wrt, str):
            self.key, self.label = _position_of(f, wrt, len(args)), repr(wrt)
            if isinstance(self.key, str):          # a default the call leaves out
                self.kwargs = {**kwargs, wrt: _default_of(f, wrt)}
        elif isinstance(wrt, (int, np.integer)) and not isinstance(wrt, bool):
            self.key, self.label = int(wrt), f"argument {int(wrt)}"
        else:
            raise UsageError(f"wrt={wrt!r}: give a position or a parameter name", "bad-wrt")
        if isinstance(self.key, int) and not 0 <= self.key < len(args):
            raise UsageError(f"wrt={wrt!r}: only {len(args)} positional arguments were "
                             "given", "bad-wrt")

    @property
    def value(self):
        return self.kwargs[self.key] if isinstance(self.key, str) else self.args[self.key]

    def call(self, value):
        if isinstance(self.key, str):
            return self.f(*self.args, **{**self.kwargs, self.key: value})
        args = self.args[:self.key] + (value,) + self.args[self.key + 1:]
        return self.f(*args, **self.kwargs)


def _parameters(f):
    try:
        return inspect.signature(f).parameters
    except (TypeError, ValueError):
        return {}


def _position_of(f, name, given):
    """The position of parameter ``name`` among the ``given`` positional arguments,
    or ``name`` itself when the call leaves it to its default."""
    params = list(_parameters(f))
    if name not in params:
        raise UsageError(f"wrt={name!r}: not a parameter of {getattr(f, '__name__', f)!r} "
                         "and not passed by keyword", "bad-wrt")
    position = params.index(name)
    return position if position < given else name


def _default_of(f, name):
    default = _parameters(f)[name].default
    if default is inspect.Parameter.empty:
        raise UsageError(f"wrt={name!r}: the call gives no value for it", "bad-wrt")
    return default


def _is_real_number(x) -> bool:
    if isinstance(x, (int, float, np.integer, np.floating)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "iuf"


def _exact_step(x, rel):
    """``rel * max(1, |x|)``, rounded so that ``(x + h) - x == h`` exactly."""
    h = rel * max(1.0, abs(x))
    return (x + h) - x


def _central_difference(phi, x, h):
    plus, minus = x + h, x - h
    return (_real_scalar(phi(plus)) - _real_scalar(phi(minus))) / (plus - minus)


def _ridders(estimates):
    """Ridders' extrapolation of central differences at steps h, h/2, h/4, ...:
    column ``j`` of the table cancels the ``h^(2j)`` error term. Returns the entry
    whose error estimate (its distance to its two parents) is smallest, stopping
    when the diagonal error grows past twice that (round-off has taken over)."""
    best, best_err = estimates[0], np.inf
    previous = [estimates[0]]
    for i in range(1, len(estimates)):
        row = [estimates[i]]
        for j in range(1, i + 1):
            factor = 4.0 ** j
            row.append((factor * row[j - 1] - previous[j - 1]) / (factor - 1.0))
            err = max(abs(row[j] - row[j - 1]), abs(row[j] - previous[j - 1]))
            if err <= best_err:
                best, best_err = row[j], err
        if abs(row[i] - previous[i - 1]) >= 2.0 * best_err:
            break
        previous = row
    return best


def _real_scalar(value) -> float:
    arr = np.asarray(value)
    if arr.shape != ():
        raise UsageError(f"numerical derivatives need a scalar-valued function; it "
                         f"returned shape {arr.shape}", "non-scalar-output")
    if arr.dtype.kind == "c":
        raise UsageError("the function returned a complex number for a real argument",
                         "complex-output")
    return float(arr)


def _complex_scalar(value) -> complex:
    arr = np.asarray(value)
    if arr.shape != ():
        raise UsageError(f"numerical derivatives need a scalar-valued function; it "
                         f"returned shape {arr.shape}", "non-scalar-output")
    if arr.dtype.kind != "c":
        raise UsageError("complex_step: the function returned a real number for a complex "
                         "argument, so the step was lost (abs, float() or a comparison "
                         "drops it), or it does not depend on the argument; use central "
                         "or richardson", "not-analytic")
    return complex(arr)
