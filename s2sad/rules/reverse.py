"""Reverse-mode (adjoint) rules: how ``g``, the adjoint of a result, flows to each input.

``g`` is the result's adjoint, ``ans`` the result. Scalar ``math`` rules use
``math``; NumPy rules use ``np``; shapes are undone by ``_rt`` helpers. The NumPy
reductions, linear algebra and shape functions beyond the basics are in
``reductions.py``, ``linalg.py``, ``shapes.py`` and ``fft.py`` (``np.fft``), which add
to both tables.
"""
import builtins
import math

import numpy as np

from .. import runtime as _rt

from . import fft, linalg, numpy_more, reductions, scipy_integrate, scipy_linalg, \
    scipy_special, scipy_stats, shapes
from .shapes import ASTYPE
from .shared import METHODS, NO_DERIVATIVE
from .table import Table

REVERSE = Table("reverse")
R = REVERSE

# Python operators ---------------------------------------------------------
R.section("Python operators")
R.op("Add", "x, y", "g", "g", broadcast=True)
R.op("Sub", "x, y", "g", "-g", broadcast=True)
R.op("Mult", "x, y", "g * y", "g * x", broadcast=True)
R.op("Div", "x, y", "g / y", "-g * x / (y * y)", broadcast=True)
R.op("Pow", "x, y", "g * _rt.pow_dx(x, y)", "g * _rt.pow_log(x, ans)", broadcast=True)
R.op("Mod", "x, y", "g", "-g * (x // y)", broadcast=True)
R.op("MatMult", "x, y", "_rt.matmul_vjp_x(g, x, y)", "_rt.matmul_vjp_y(g, x, y)", result="array")
R.op("USub", "x", "-g", result="same")
R.op("UAdd", "x", "g", result="same")

# builtins -----------------------------------------------------------------
R.section("builtins")
R.add(builtins.abs, "x", "_rt.abs_vjp(g, x)", result="same")
R.add(builtins.max, "x, y", "g * (x > y)", "g * (x <= y)", broadcast=True)
R.add(builtins.min, "x, y", "g * (x < y)", "g * (x >= y)", broadcast=True)
R.add(builtins.float, "x", "g", result="scalar")
R.add(builtins.sum, "x, start=0", "_rt.unsum(g, x)", "g", result="array")

# math ---------------------------------------------------------------------
R.section("math")
R.add(math.sin, "x", "g * math.cos(x)", result="scalar")
R.add(math.cos, "x", "-g * math.sin(x)", result="scalar")
R.add(math.tan, "x", "g / math.cos(x) ** 2", result="scalar")
R.add(math.asin, "x", "g / math.sqrt(1.0 - x * x)", result="scalar")
R.add(math.acos, "x", "-g / math.sqrt(1.0 - x * x)", result="scalar")
R.add(math.atan, "x", "g / (1.0 + x * x)", result="scalar")
R.add(math.atan2, "y, x", "g * x / (x * x + y * y)", "-g * y / (x * x + y * y)", result="scalar")
R.add(math.sinh, "x", "g * math.cosh(x)", result="scalar")
R.add(math.cosh, "x", "g * math.sinh(x)", result="scalar")
R.add(math.tanh, "x", "g * (1.0 - ans * ans)", result="scalar")
R.add(math.asinh, "x", "g / math.sqrt(x * x + 1.0)", result="scalar")
R.add(math.acosh, "x", "g / math.sqrt(x * x - 1.0)", result="scalar")
R.add(math.atanh, "x", "g / (1.0 - x * x)", result="scalar")
R.add(math.exp, "x", "g * ans", result="scalar")
R.add(math.expm1, "x", "g * (ans + 1.0)", result="scalar")
R.add(math.log, "x", "g / x", result="scalar")
R.add(math.log2, "x", "g / (x * math.log(2.0))", result="scalar")
R.add(math.log10, "x", "g / (x * math.log(10.0))", result="scalar")
R.add(math.log1p, "x", "g / (1.0 + x)", result="scalar")
R.add(math.sqrt, "x", "g / (2.0 * ans)", result="scalar")
R.add(math.pow, "x, y", "g * _rt.pow_dx(x, y)", "g * _rt.pow_log(x, ans)", result="scalar")
R.add(math.hypot, "x, y", "g * _rt.hypot_dx(x, ans)", "g * _rt.hypot_dx(y, ans)", result="scalar")
R.add(math.fabs, "x", "g * _rt.sign(x)", result="scalar")
R.add(math.erf, "x", "g * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)", result="scalar")
R.add(math.erfc, "x", "-g * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)", result="scalar")
R.add(math.degrees, "x", "g * (180.0 / math.pi)", result="scalar")
R.add(math.radians, "x", "g * (math.pi / 180.0)", result="scalar")
R.add(math.copysign, "x, y", "g * _rt.sign(x) * math.copysign(1.0, y)", result="scalar")
R.add(math.fmod, "x, y", "g", "-g * math.trunc(x / y)", result="scalar")
R.add(math.remainder, "x, y", "g", "-g * round(x / y)", result="scalar")
R.add(math.ldexp, "x, i", "math.ldexp(g, i)", result="scalar")
R.add(math.fsum, "x", "_rt.unsum(g, x)", result="scalar")

# NumPy elementwise ----------------------------------------------------------
R.section("NumPy elementwise")
R.add(np.add, "x, y", "g", "g", broadcast=True)
R.add(np.subtract, "x, y", "g", "-g", broadcast=True)
R.add(np.multiply, "x, y", "g * y", "g * x", broadcast=True)
R.add(np.divide, "x, y", "g / y", "-g * x / (y * y)", broadcast=True)
R.add(np.true_divide, "x, y", "g / y", "-g * x / (y * y)", broadcast=True)
R.add(np.power, "x, y", "g * _rt.pow_dx(x, y)", "g * _rt.pow_log(x, ans)", broadcast=True)
R.add(np.float_power, "x, y", "_rt.like(g * _rt.pow_dx(np.float64(x), y), x)",
      "_rt.like(g * _rt.pow_log(x, ans), y)", broadcast=True)
R.add(np.fmod, "x, y", "g", "-g * np.trunc(x / y)", broadcast=True)
R.add(np.remainder, "x, y", "g", "-g * np.floor_divide(x, y)", broadcast=True)
R.add(np.ldexp, "x, i", "np.ldexp(g, i)", broadcast=True)
R.add(np.negative, "x", "-g")
R.add(np.positive, "x", "g")
R.add(np.square, "x", "2.0 * g * x")
R.add(np.reciprocal, "x", "-g * ans * ans")
R.add(np.sqrt, "x", "g / (2.0 * ans)")
R.add(np.cbrt, "x", "g / (3.0 * ans * ans)")
R.add(np.exp, "x", "g * ans")
R.add(np.exp2, "x", "g * ans * math.log(2.0)")
R.add(np.expm1, "x", "g * (ans + 1.0)")
R.add(np.log, "x", "g / x")
R.add(np.log2, "x", "g / (x * math.log(2.0))")
R.add(np.log10, "x", "g / (x * math.log(10.0))")
R.add(np.log1p, "x", "g / (1.0 + x)")
R.add(np.logaddexp, "x, y", "g * np.exp(x - ans)", "g * np.exp(y - ans)", broadcast=True)
R.add(np.logaddexp2, "x, y", "g * np.exp2(x - ans)", "g * np.exp2(y - ans)", broadcast=True)
R.add(np.sin, "x", "g * np.cos(x)")
R.add(np.cos, "x", "-g * np.sin(x)")
R.add(np.tan, "x", "g / np.cos(x) ** 2")
R.add(np.arcsin, "x", "g / np.sqrt(1.0 - x * x)")
R.add(np.arccos, "x", "-g / np.sqrt(1.0 - x * x)")
R.add(np.arctan, "x", "g / (1.0 + x * x)")
R.add(np.arctan2, "y, x", "g * x / (x * x + y * y)", "-g * y / (x * x + y * y)", broadcast=True)
R.add(np.sinh, "x", "g * np.cosh(x)")
R.add(np.cosh, "x", "g * np.sinh(x)")
R.add(np.tanh, "x", "g * (1.0 - ans * ans)")
R.add(np.arcsinh, "x", "g / np.sqrt(x * x + 1.0)")
R.add(np.arccosh, "x", "g / np.sqrt(x * x - 1.0)")
R.add(np.arctanh, "x", "g / (1.0 - x * x)")
R.add(np.hypot, "x, y", "g * _rt.hypot_dx(x, ans)", "g * _rt.hypot_dx(y, ans)", broadcast=True)
R.add(np.sinc, "x", "g * _rt.sinc_dx(x)")
R.add(np.deg2rad, "x", "g * (np.pi / 180.0)")
R.add(np.radians, "x", "g * (np.pi / 180.0)")
R.add(np.rad2deg, "x", "g * (180.0 / np.pi)")
R.add(np.degrees, "x", "g * (180.0 / np.pi)")
R.add(np.abs, "x", "_rt.abs_vjp(g, x)")
R.add(np.fabs, "x", "g * np.sign(x)")
R.add(np.copysign, "x, y", "g * _rt.copysign_dx(x, y)", broadcast=True)
R.add(np.maximum, "x, y", "g * (x > y)", "g * (x <= y)", broadcast=True)
R.add(np.minimum, "x, y", "g * (x < y)", "g * (x >= y)", broadcast=True)
R.add(np.fmax, "x, y", "g * ((x > y) | np.isnan(y))", "g * ((x <= y) | np.isnan(x))",
      broadcast=True)
R.add(np.fmin, "x, y", "g * ((x < y) | np.isnan(y))", "g * ((x >= y) | np.isnan(x))",
      broadcast=True)
R.add(np.where, "condition, x, y", None, "np.where(condition, g, 0.0)",
      "np.where(condition, 0.0, g)", broadcast=True)
R.add(np.clip, "x, a_min, a_max", "g * _rt.inside(x, a_min, a_max)", "g * _rt.below(x, a_min)",
      "g * _rt.above(x, a_max)", broadcast=True)
R.add(np.real, "x", "_rt.re(g)", result="same")
R.add(np.imag, "x", "_rt.imag_vjp(g, x)", result="same")
R.add(np.conjugate, "x", "_rt.conj(g)", result="same")
R.add(np.angle, "z, deg=False", "_rt.angle_vjp(g, z, deg)", result="same")
R.add(np.nan_to_num, "x, copy=True, nan=0.0, posinf=None, neginf=None", "g * np.isfinite(x)",
      result="same")
R.add(np.float64, "x", "_rt.uncast(g, x, np.float64)", result="same")
R.add(np.float32, "x", "_rt.uncast(g, x, np.float32)", result="same")

# NumPy reductions ---------------------------------------------------------------
R.section("NumPy reductions")
R.add(np.sum, "x, axis=None, dtype=None, out=None, keepdims=False",
      "_rt.unreduce(g, x, axis, keepdims)", result="reduction")
R.add(np.mean, "x, axis=None, dtype=None, out=None, keepdims=False",
      "_rt.unreduce(g, x, axis, keepdims) / _rt.count(x, axis)", result="reduction")
for _extremum in (np.max, np.amax, np.min, np.amin):
    R.add(_extremum, "x, axis=None, out=None, keepdims=False",
          "_rt.unreduce_extremum(g, x, ans, axis, keepdims)", result="reduction")
reductions.reverse(R)

# NumPy linear algebra and shapes --------------------------------------------------
R.section("NumPy linear algebra")
R.add(np.dot, "x, y", "_rt.dot_vjp_x(g, x, y)", "_rt.dot_vjp_y(g, x, y)", result="array")
R.add(np.matmul, "x, y", "_rt.matmul_vjp_x(g, x, y)", "_rt.matmul_vjp_y(g, x, y)", result="array")
R.add(np.outer, "x, y", "_rt.outer_vjp_x(g, x, y)", "_rt.outer_vjp_y(g, x, y)", result="array")
linalg.reverse(R)
R.section("NumPy shapes and indexing")
R.add(np.transpose, "x, axes=None", "_rt.untranspose(g, axes)", result="array")
R.add(np.reshape, "x, newshape", "np.reshape(g, np.shape(x))", result="array")
R.add(np.ravel, "x", "np.reshape(g, np.shape(x))", result="array")
R.add(np.squeeze, "x, axis=None", "np.reshape(g, np.shape(x))", result="array")
R.add(np.expand_dims, "x, axis", "np.reshape(g, np.shape(x))", result="array")
R.add(np.asarray, "x, dtype=None", "_rt.unstack(g, x)", result="array")
R.add(np.array, "x, dtype=None", "_rt.unstack(g, x)", result="array")
R.add(np.stack, "x, axis=0", "_rt.unstack(g, x, axis)", result="array")
shapes.reverse(R)
R.section("NumPy FFT")
fft.reverse(R)
numpy_more.reverse(R)

# ndarray methods and attributes -------------------------------------------------
R.section("ndarray methods and attributes")
R.methods(METHODS)
R.method("reshape", "x, *shape", "np.reshape(g, np.shape(x))", result="array")
R.method("transpose", "x, *axes", "_rt.untranspose(g, axes or None)", result="array")
R.method("clip", "x, min=None, max=None", "g * _rt.inside(x, min, max)",
         "g * _rt.below(x, min)", "g * _rt.above(x, max)", broadcast=True)
R.method("astype", ASTYPE, "_rt.uncast(g, x, dtype)", result="same")
R.attr("T", "np.transpose(g)")
R.attr("real", "_rt.re(g)", result="same")
R.attr("imag", "_rt.imag_vjp(g, x)", result="same")

# parameter trees: dicts, namedtuples and dataclasses, sequences --------------------
R.section("parameter trees")
R.add(_rt.items, "x", "_rt.unitems(g, x)", result="other")
R.add(_rt.values, "x", "_rt.unvalues(g, x)", result="other")
R.add(_rt.get, "x, key, default=None", "_rt.unget(g, x, key)", None,
      "_rt.get_default(g, x, key)", result="array", undefined=("key",))
R.add(_rt.field, "x, name", "_rt.unfield(g, x, name)", result="array")
R.add(builtins.tuple, "x", "_rt.retype(g, x)", result="other")
R.add(builtins.sorted, "x, key=None, reverse=False", "_rt.unsorted(g, x, key, reverse)",
      result="other")
R.add(_rt.unzip, "x", "_rt.unzip_vjp(g, x)", result="other")

# no derivative: integer-valued, piecewise constant, shapes and constructors --------
R.zero(*NO_DERIVATIVE)

# SciPy (optional): added once the program imports it ------------------------------
R.later("scipy", scipy_special.reverse)
R.later("scipy", scipy_stats.reverse)
R.later("scipy.integrate", scipy_integrate.reverse)
R.later("scipy", scipy_linalg.reverse)
