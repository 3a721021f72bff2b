"""Helpers for elementwise rules: powers, clip masks, casts, sinc's derivatives."""
import math

import numpy as np

from .core import eager, is_array, native

__all__ = ["pow_log", "pow_dx", "pow_log_dx", "hypot_dx", "inside", "below", "above", "copysign_dx",
           "like", "cast", "uncast", "sinc_dx", "sinc_dx2", "over"]


def pow_log(x, ans, scale=1.0):
    """``ans * log(x) * scale``, the exponent's derivative of ``x ** y`` (times a tangent
    ``scale``); 0 where x == 0, NaN where x < 0, and 0 where the scale is 0: an exponent
    that does not move moves nothing (jvp of x ** y at x < 0 along dy = 0)."""
    if isinstance(x, (float, int)) and isinstance(scale, (float, int)):
        if x == 0 or scale == 0:
            return 0.0
        return ans * math.log(x) * scale if x > 0 else float("nan")
    dtype = np.result_type(x, ans, scale, np.float32)     # a Python x is not float64
    x = native(x)
    logs = np.where(x < 0, np.nan, np.log(np.where(x > 0, x, 1.0)))
    out = np.where((x == 0) | (native(scale) == 0), 0.0, ans * logs * scale)
    return out.astype(dtype, copy=False)[()]


def pow_dx(x, y, c=1.0):
    """``c * y * x ** (y - 1)``, the derivative of ``x ** y`` in x (times ``c``), taken as
    0 where ``c * y == 0``: ``x ** 0`` is the constant 1, even at x == 0 (not 0 * inf)."""
    coefficient = c * y
    if isinstance(coefficient, (float, int)) and isinstance(x, (float, int)):
        return 0.0 if coefficient == 0 else coefficient * x ** (y - 1)
    dtype = np.result_type(x, y, coefficient, np.float32)   # a Python x is not float64
    zero = native(coefficient) == 0
    out = np.where(zero, 0.0, coefficient * np.where(zero, 1.0, x) ** (y - 1))
    return out.astype(dtype, copy=False)[()]


def pow_log_dx(x, ans):
    """``ans / x``: the derivative of ``pow_log(x, ans)`` in x; 0 where x == 0."""
    if isinstance(x, (float, int)):
        return 0.0 if x == 0 else ans / x
    return np.where(x == 0, 0.0, ans / np.where(x == 0, 1.0, x))



def hypot_dx(x, r):
    """``x / r``, the derivative of ``r = hypot(x, y)`` in x, and 0 where ``r == 0``
    (the origin: 0, as for ``abs``, not 0 / 0)."""
    if np.ndim(r) == 0 and np.ndim(x) == 0:
        return 0.0 * x if r == 0 else x / r
    zero = native(r) == 0
    return np.where(zero, 0.0, x / np.where(zero, 1.0, r))


def over(a, b):
    """``a / b``, taken as 0 where ``b == 0``: the derivative of a value that is constant
    there (``np.std`` of one element; docs/conventions.md)."""
    if isinstance(a, (float, int)) and isinstance(b, (float, int)):
        return 0.0 if b == 0 else a / b
    zero = native(b) == 0
    return np.where(zero, 0.0, a / np.where(zero, 1.0, b))[()]


def inside(x, low, high):
    """Where ``np.clip(x, low, high)`` passes x through (bounds included; None: no bound)."""
    mask = True
    if low is not None:
        mask = mask & (x >= low)
    if high is not None:
        mask = mask & (x <= high)
    return _as_float_mask(mask, x)


def below(x, low):
    """Where ``np.clip`` takes the lower bound (x strictly below it)."""
    return _as_float_mask(x < low, x)


def above(x, high):
    """Where ``np.clip`` takes the upper bound (x strictly above it)."""
    return _as_float_mask(x > high, x)


def _as_float_mask(mask, x):
    """A mask as 1.0 and 0.0 in x's float type: a derivative is a number, never a bool
    (``g * mask`` may be simplified to ``mask`` when g is 1.0)."""
    if isinstance(x, (float, int)) and np.ndim(mask) == 0 and eager(mask):
        return float(mask)
    return native(mask).astype(_float_of(x))[()]


def copysign_dx(x, y):
    """The derivative of ``np.copysign(x, y)`` in x: ``sign(x)`` times the sign bit of y
    (0 where x == 0, as for abs)."""
    dtype = np.result_type(x, y, np.float32)
    return (np.sign(x) * np.copysign(1, y)).astype(dtype)[()]


def _float_of(x):
    """The float type of x's derivative: x's own float type, float64 for ints."""
    return np.result_type(x, np.float32)


def like(g, x):
    """``g`` in x's float type (a float for a Python number): for functions such as
    ``np.float_power`` whose result is wider than their operands."""
    if isinstance(x, (float, int)):
        return float(g) if np.ndim(g) == 0 and eager(g) else g
    return native(g).astype(_float_of(x), copy=False)


def _is_float_type(dtype) -> bool:
    return dtype is float or np.issubdtype(np.dtype(dtype), np.floating)


def cast(d, dtype):
    """The tangent of ``x.astype(dtype)``: ``d`` cast, zero for a non-float dtype."""
    if not _is_float_type(dtype):
        return np.zeros(np.shape(d))
    if is_array(d):
        return d.astype(dtype)
    return np.dtype(dtype).type(d)


def uncast(g, x, dtype):
    """The adjoint of ``x.astype(dtype)``: ``g`` back in x's float type; zero when the
    cast went to an integer or bool type (piecewise constant)."""
    if not _is_float_type(dtype):
        return 0.0 if isinstance(x, (float, int)) else np.zeros(np.shape(x), _float_of(x))
    return like(g, x)


def sinc_dx(x):
    """d/dx of ``np.sinc(x) = sin(pi x) / (pi x)``: ``(cos(pi x) - sinc(x)) / x``, by its
    Taylor series near 0 (where the quotient cancels)."""
    x = native(x)
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    pi2 = np.pi ** 2
    series = x * (-pi2 / 3.0 + pi2 * pi2 * x * x / 30.0)
    out = np.where(small, series, (np.cos(np.pi * safe) - np.sinc(safe)) / safe)
    return out.astype(_float_of(x))[()]


def sinc_dx2(x):
    """The second derivative of ``np.sinc``: ``-pi^2 sinc(x) - 2 sinc'(x) / x``."""
    x = native(x)
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    pi2 = np.pi ** 2
    series = -pi2 / 3.0 + pi2 * pi2 * x * x / 10.0
    out = np.where(small, series, -pi2 * np.sinc(safe) - 2.0 * sinc_dx(safe) / safe)
    return out.astype(_float_of(x))[()]
