"""Elementary functions on dual numbers, each with its derivative written out:
``f(v + dv e) = f(v) + f'(v) dv e``. Re-exported by :mod:`s2sad.dual`.

These formulas are independent of the compiler's rule tables on purpose
(s2sad's tests use dual numbers as an oracle for its forward mode), and some
are written differently from them (``tanh' = 1 / cosh^2``, ``tan' = 1 + tan^2``).
"""
from __future__ import annotations

import math as _math
import operator

import numpy as np

from .dual_number import (UFUNCS, Dual, _over, _unary, _value, _tangent, absolute,
                          floor_divide, log, power, remainder)

__all__ = ["absolute", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt",
           "ceil", "cos", "cosh", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "floor",
           "floor_divide", "hypot", "log", "log10", "log1p", "log2", "maximum", "minimum",
           "power", "reciprocal", "remainder", "rint", "sign", "sin", "sinh", "sqrt", "square",
           "tan", "tanh", "trunc", "UFUNCS"]


def _elementwise(scalar_function):
    """A NumPy-style version of a ``math`` function that has no ufunc (erf)."""
    vectorized = np.vectorize(scalar_function, otypes=[float])
    return lambda x: scalar_function(x) if np.ndim(x) == 0 else vectorized(x)


fabs = absolute
_LN2, _LN10, _TWO_OVER_SQRT_PI = _math.log(2.0), _math.log(10.0), 2.0 / _math.sqrt(_math.pi)

sin = _unary("sin", np.sin, lambda v, ans: cos(v), "cos(x)")
cos = _unary("cos", np.cos, lambda v, ans: -sin(v), "-sin(x)")
tan = _unary("tan", np.tan, lambda v, ans: 1.0 + ans * ans, "(1 + tan(x)^2)")
asin = _unary("asin", np.arcsin, lambda v, ans: _over(1.0, sqrt(1.0 - v * v)), "1 / sqrt(1 - x^2)")
acos = _unary("acos", np.arccos, lambda v, ans: -_over(1.0, sqrt(1.0 - v * v)),
              "-1 / sqrt(1 - x^2)")
atan = _unary("atan", np.arctan, lambda v, ans: 1.0 / (1.0 + v * v), "1 / (1 + x^2)")
sinh = _unary("sinh", np.sinh, lambda v, ans: cosh(v), "cosh(x)")
cosh = _unary("cosh", np.cosh, lambda v, ans: sinh(v), "sinh(x)")
tanh = _unary("tanh", np.tanh, lambda v, ans: 1.0 / (cosh(v) * cosh(v)), "1 / cosh(x)^2")
asinh = _unary("asinh", np.arcsinh, lambda v, ans: 1.0 / sqrt(v * v + 1.0), "1 / sqrt(x^2 + 1)")
acosh = _unary("acosh", np.arccosh, lambda v, ans: _over(1.0, sqrt(v * v - 1.0)),
               "1 / sqrt(x^2 - 1)")
atanh = _unary("atanh", np.arctanh, lambda v, ans: _over(1.0, 1.0 - v * v), "1 / (1 - x^2)")
exp = _unary("exp", np.exp, lambda v, ans: ans, "exp(x)")
exp2 = _unary("exp2", np.exp2, lambda v, ans: ans * _LN2, "2^x ln 2")
expm1 = _unary("expm1", np.expm1, lambda v, ans: exp(v), "exp(x)")
log2 = _unary("log2", np.log2, lambda v, ans: _over(1.0, v * _LN2), "1 / (x ln 2)")
log10 = _unary("log10", np.log10, lambda v, ans: _over(1.0, v * _LN10), "1 / (x ln 10)")
log1p = _unary("log1p", np.log1p, lambda v, ans: _over(1.0, 1.0 + v), "1 / (1 + x)")
sqrt = _unary("sqrt", np.sqrt, lambda v, ans: _over(0.5, ans), "1 / (2 sqrt(x))")
cbrt = _unary("cbrt", np.cbrt, lambda v, ans: _over(1.0, 3.0 * ans * ans), "1 / (3 x^(2/3))")
square = _unary("square", np.square, lambda v, ans: 2.0 * v, "2 x")
reciprocal = _unary("reciprocal", lambda x: np.divide(1.0, x),
                    lambda v, ans: -_over(1.0, v * v), "-1 / x^2")
erf = _unary("erf", _elementwise(_math.erf),
             lambda v, ans: _TWO_OVER_SQRT_PI * exp(-v * v), "2 / sqrt(pi) exp(-x^2)")
erfc = _unary("erfc", _elementwise(_math.erfc),
              lambda v, ans: -_TWO_OVER_SQRT_PI * exp(-v * v), "-2 / sqrt(pi) exp(-x^2)")

def _constant(name, base):
    """A piecewise-constant function: a plain number, derivative zero."""
    def flat(x):
        while isinstance(x, Dual):
            x = x.value
        return float(base(x)) if np.ndim(x) == 0 else base(x)
    flat.__name__ = flat.__qualname__ = name
    flat.__doc__ = f"{name}(x): piecewise constant, so a plain number (derivative 0)."
    return flat


floor, ceil, trunc = (_constant(n, getattr(np, n)) for n in ("floor", "ceil", "trunc"))
rint, sign = _constant("rint", np.rint), _constant("sign", np.sign)


def atan2(y, x):
    """atan2(y, x); d = (x dy - y dx) / (x^2 + y^2)."""
    yv, xv = _value(y), _value(x)
    if not isinstance(x, Dual) and not isinstance(y, Dual):
        return float(np.arctan2(yv, xv)) if np.ndim(yv) == np.ndim(xv) == 0 else np.arctan2(yv, xv)
    return Dual(atan2(yv, xv), _over(xv * _tangent(y) - yv * _tangent(x), xv * xv + yv * yv))


def hypot(x, y):
    """sqrt(x^2 + y^2); d = (x dx + y dy) / hypot(x, y)."""
    xv, yv = _value(x), _value(y)
    if not isinstance(x, Dual) and not isinstance(y, Dual):
        return float(np.hypot(xv, yv)) if np.ndim(xv) == np.ndim(yv) == 0 else np.hypot(xv, yv)
    ans = hypot(xv, yv)
    return Dual(ans, _over(xv * _tangent(x) + yv * _tangent(y), ans))


def maximum(x, y):
    """The larger operand, derivative and all; a tie goes to ``y`` (as in s2sad)."""
    return x if _value(x) > _value(y) else y


def minimum(x, y):
    """The smaller operand, derivative and all; a tie goes to ``y`` (as in s2sad)."""
    return x if _value(x) < _value(y) else y


def _compare(test):
    return lambda x, y: test(_value(x), _value(y))


UFUNCS.update({
    np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
    np.true_divide: operator.truediv, np.power: power, np.float_power: power,
    np.negative: operator.neg, np.positive: operator.pos, np.absolute: absolute,
    np.fabs: absolute, np.sqrt: sqrt, np.cbrt: cbrt, np.square: square,
    np.reciprocal: reciprocal, np.exp: exp, np.exp2: exp2, np.expm1: expm1, np.log: log,
    np.log2: log2, np.log10: log10, np.log1p: log1p, np.sin: sin, np.cos: cos, np.tan: tan,
    np.arcsin: asin, np.arccos: acos, np.arctan: atan, np.arctan2: atan2, np.sinh: sinh,
    np.cosh: cosh, np.tanh: tanh, np.arcsinh: asinh, np.arccosh: acosh, np.arctanh: atanh,
    np.hypot: hypot, np.maximum: maximum, np.minimum: minimum, np.fmax: maximum,
    np.fmin: minimum, np.floor_divide: floor_divide, np.remainder: remainder,
    np.floor: floor, np.ceil: ceil, np.trunc: trunc, np.rint: rint, np.sign: sign,
    np.greater: _compare(operator.gt), np.greater_equal: _compare(operator.ge),
    np.less: _compare(operator.lt), np.less_equal: _compare(operator.le),
    np.equal: _compare(operator.eq), np.not_equal: _compare(operator.ne),
})

# NumPy applies a ufunc to an object array by calling the method of the ufunc's
# name on each element (np.sin(arr) calls d.sin()): give Dual those methods.
for _ufunc, _function in UFUNCS.items():
    if not hasattr(Dual, _ufunc.__name__):
        setattr(Dual, _ufunc.__name__, _function)
del _ufunc, _function
