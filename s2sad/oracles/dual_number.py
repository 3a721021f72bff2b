"""The dual number type behind :mod:`s2sad.dual`, with the arithmetic its
operators need (``**``, ``abs``, ``//``, ``%``, ``log`` for the power rule).

Import :mod:`s2sad.dual` rather than this module; :mod:`s2sad.oracles.dual_functions`
adds the elementary functions and fills :data:`UFUNCS`.
"""
from __future__ import annotations

import math as _math

import numpy as np

#: NumPy ufunc -> its version on duals, for ``Dual.__array_ufunc__`` (filled by
#: s2sad.oracles.dual_functions).
UFUNCS: dict = {}


class Dual:
    """``value + tangent * e``, with ``e * e == 0``."""

    __slots__ = ("value", "tangent")
    __array_priority__ = 100

    def __init__(self, value, tangent=0.0):
        self.value = value
        self.tangent = tangent

    def __repr__(self):
        return f"Dual({self.value!r}, {self.tangent!r})"

    # arithmetic: d(a + b) = da + db, d(a b) = a db + b da, d(a / b) = (da - (a/b) db) / b
    def __add__(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return other
        return Dual(self.value + _value(other), self.tangent + _tangent(other))

    __radd__ = __add__

    def __sub__(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return other
        return Dual(self.value - _value(other), self.tangent - _tangent(other))

    def __rsub__(self, other):
        return -self + other

    def __mul__(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return other
        if not isinstance(other, Dual):
            return Dual(self.value * other, self.tangent * other)
        return Dual(self.value * other.value,
                    self.value * other.tangent + self.tangent * other.value)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return other
        if not isinstance(other, Dual):
            return Dual(self.value / other, self.tangent / other)
        quotient = self.value / other.value
        return Dual(quotient, (self.tangent - quotient * other.tangent) / other.value)

    def __rtruediv__(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return other
        quotient = other / self.value
        return Dual(quotient, -quotient * self.tangent / self.value)

    def __pow__(self, other):
        other = _operand(other)
        return other if other is NotImplemented else power(self, other)

    def __rpow__(self, other):
        other = _operand(other)
        return other if other is NotImplemented else power(other, self)

    def __floordiv__(self, other):
        other = _operand(other)
        return other if other is NotImplemented else floor_divide(self, other)

    def __rfloordiv__(self, other):
        other = _operand(other)
        return other if other is NotImplemented else floor_divide(other, self)

    def __mod__(self, other):
        other = _operand(other)
        return other if other is NotImplemented else remainder(self, other)

    def __rmod__(self, other):
        other = _operand(other)
        return other if other is NotImplemented else remainder(other, self)

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __pos__(self):
        return self

    def __abs__(self):
        return absolute(self)

    # comparisons and truth look at the value only
    def __eq__(self, other):
        return self.value == _value(other)

    def __ne__(self, other):
        return self.value != _value(other)

    def __lt__(self, other):
        return self.value < _value(other)

    def __le__(self, other):
        return self.value <= _value(other)

    def __gt__(self, other):
        return self.value > _value(other)

    def __ge__(self, other):
        return self.value >= _value(other)

    def __hash__(self):
        return hash(self.value)

    def __bool__(self):
        return bool(self.value)

    # piecewise-constant conversions: the derivative is zero, nothing is lost
    def __int__(self):
        return int(self.value)

    def __round__(self, ndigits=None):
        return round(self.value, ndigits)

    def __trunc__(self):
        return _math.trunc(self.value)

    def __floor__(self):
        return _math.floor(self.value)

    def __ceil__(self):
        return _math.ceil(self.value)

    def __float__(self):
        raise TypeError("float() of a Dual would drop its tangent; use .value, or "
                        "leave the number a Dual")

    def __complex__(self):
        raise TypeError("complex() of a Dual would drop its tangent; use .value")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy ufuncs on duals: ``np.sin(d)`` is ``dual.sin(d)``; with an array
        operand the result is an object array of duals."""
        func = UFUNCS.get(ufunc)
        if method != "__call__" or func is None or kwargs.get("out") is not None:
            return NotImplemented
        inputs = tuple(_plain_scalar(x) for x in inputs)
        if any(isinstance(x, np.ndarray) for x in inputs):
            boxed = tuple(_boxed(x) if isinstance(x, Dual) else x for x in inputs)
            return np.frompyfunc(func, len(inputs), 1)(*boxed)
        return func(*inputs)


def _boxed(d):
    """A dual as a 0-d object array (so NumPy does not ask Dual to handle the loop)."""
    box = np.empty((), dtype=object)
    box[()] = d
    return box


def _operand(other):
    """``other`` as an operand of dual arithmetic, or NotImplemented (arrays: NumPy's
    ufuncs come back through ``__array_ufunc__``)."""
    if isinstance(other, Dual):
        return other
    if isinstance(other, (bool, int, float, np.integer, np.floating)):
        return _plain_scalar(other)
    return NotImplemented


def _plain_scalar(x):
    """NumPy scalars as Python numbers, so operators dispatch to Dual, not to NumPy."""
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, (np.integer, np.bool_)):
        return int(x)
    return x


def _value(x):
    return x.value if isinstance(x, Dual) else x


def _tangent(x):
    return x.tangent if isinstance(x, Dual) else 0.0


def _over(numerator, denominator):
    """``numerator / denominator``, with IEEE's inf/nan for a zero float denominator
    (a derivative that is infinite, like sqrt's at 0) instead of ZeroDivisionError."""
    if isinstance(denominator, Dual) or denominator != 0:
        return numerator / denominator
    if isinstance(numerator, Dual):
        return Dual(_over(numerator.value, denominator), _over(numerator.tangent, denominator))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.divide(numerator, denominator))


# ---------------------------------------------------------------------------
# What the operators need
# ---------------------------------------------------------------------------

def _unary(name, base, slope, formula):
    """A function of one argument: ``base`` on numbers and arrays, and on a dual
    ``Dual(f(v), slope(v, f(v)) * dv)``; ``slope`` uses this module's functions,
    so a dual whose value is a dual differentiates twice."""
    def lifted(x):
        if isinstance(x, Dual):
            ans = lifted(x.value)
            return Dual(ans, slope(x.value, ans) * x.tangent)
        if isinstance(x, (bool, int, float)):
            with np.errstate(all="ignore"):
                return float(base(x))
        return base(x)          # arrays (an object array of duals: element by element)
    lifted.__name__ = lifted.__qualname__ = name
    lifted.__doc__ = f"{name}(x) on numbers, arrays and duals; d {name}(x) = {formula} dx."
    return lifted


def _sign(v):
    """sign(v) with sign(0) == 0, so |x|' = 0 at 0 (docs/conventions.md)."""
    return float((_value(v) > 0) - (_value(v) < 0))


absolute = _unary("absolute", np.absolute, lambda v, ans: _sign(v), "sign(x)")

_natural_log = _unary("log", np.log, lambda v, ans: _over(1.0, v), "1 / x")


def log(x, base=None):
    """Natural log (or log to ``base``, as ``math.log``); d log(x) = dx / x."""
    return _natural_log(x) if base is None else _natural_log(x) / _natural_log(base)


def power(x, y):
    """x ** y; d = y x^(y-1) dx + x^y ln(x) dy. The dx term is 0 where y == 0 and
    the dy term is left out where dy is 0, or taken as 0 where x == 0."""
    if not isinstance(x, Dual) and not isinstance(y, Dual):
        return x ** y
    xv, yv = _value(x), _value(y)
    ans = power(xv, yv)
    tangent = 0.0
    if isinstance(x, Dual) and yv != 0:
        tangent = tangent + yv * _slope_power(xv, yv - 1) * x.tangent
    if isinstance(y, Dual) and y.tangent != 0 and xv != 0:
        tangent = tangent + ans * log(xv) * y.tangent
    return Dual(ans, tangent)


def _slope_power(x, y):
    """x ** y for a derivative: IEEE's inf/nan where Python's ** would raise."""
    if isinstance(x, Dual) or isinstance(y, Dual):
        return power(x, y)
    with np.errstate(all="ignore"):
        return float(np.power(float(x), float(y)))


def floor_divide(x, y):
    """x // y: piecewise constant, a plain number."""
    while isinstance(x, Dual):
        x = x.value
    while isinstance(y, Dual):
        y = y.value
    return x // y


def remainder(x, y):
    """x % y = x - y floor(x / y); d = dx - floor(x / y) dy."""
    if not isinstance(x, Dual) and not isinstance(y, Dual):
        return x % y
    xv, yv = _value(x), _value(y)
    return Dual(remainder(xv, yv), _tangent(x) - floor_divide(xv, yv) * _tangent(y))
