"""Forward-mode (tangent) rules: how the tangent ``d`` of each input moves the result.

Same primitives, same order and same parameters as ``reverse.py`` (the area modules
``reductions``, ``linalg``, ``shapes`` and ``fft`` add to both); a test holds the two tables
to that. The result's tangent is the sum of the templates of the inputs that carry
one; ``ans`` is the result. ``LINEAR``: the primitive is linear in that input, so its
tangent is the primitive applied to ``d`` (``np.dot``: ``np.dot(d, y)``,
``np.dot(x, d)``). The runtime helpers' tangents are in ``helpers.py``.
"""
import builtins
import math

import numpy as np

from .. import runtime as _rt

from . import fft, linalg, numpy_more, reductions, scipy_integrate, scipy_linalg, \
    scipy_special, scipy_stats, shapes
from .helpers import HELPER_TANGENTS
from .shapes import ASTYPE
from .shared import METHODS, NO_DERIVATIVE
from .table import LINEAR, Table

FORWARD = Table("forward", helpers=HELPER_TANGENTS)
F = FORWARD

# Python operators ---------------------------------------------------------
F.section("Python operators")
F.op("Add", "x, y", "d", "d", broadcast=True)
F.op("Sub", "x, y", "d", "-d", broadcast=True)
F.op("Mult", "x, y", "d * y", "x * d", broadcast=True)
F.op("Div", "x, y", "d / y", "-x * d / (y * y)", broadcast=True)
F.op("Pow", "x, y", "_rt.pow_dx(x, y) * d", "_rt.pow_log(x, ans, d)", broadcast=True)
F.op("Mod", "x, y", "d", "-(x // y) * d", broadcast=True)
F.op("MatMult", "x, y", "d @ y", "x @ d", result="array")
F.op("USub", "x", "-d", result="same")
F.op("UAdd", "x", "d", result="same")

# builtins -----------------------------------------------------------------
F.section("builtins")
F.add(builtins.abs, "x", "_rt.abs_jvp(x, d)", result="same")
F.add(builtins.max, "x, y", "(x > y) * d", "(x <= y) * d", broadcast=True)
F.add(builtins.min, "x, y", "(x < y) * d", "(x >= y) * d", broadcast=True)
F.add(builtins.float, "x", "d", result="scalar")
F.add(builtins.sum, "x, start=0", "sum(d)", "d", result="array")

# math ---------------------------------------------------------------------
F.section("math")
F.add(math.sin, "x", "math.cos(x) * d", result="scalar")
F.add(math.cos, "x", "-math.sin(x) * d", result="scalar")
F.add(math.tan, "x", "d / math.cos(x) ** 2", result="scalar")
F.add(math.asin, "x", "d / math.sqrt(1.0 - x * x)", result="scalar")
F.add(math.acos, "x", "-d / math.sqrt(1.0 - x * x)", result="scalar")
F.add(math.atan, "x", "d / (1.0 + x * x)", result="scalar")
F.add(math.atan2, "y, x", "x * d / (x * x + y * y)", "-y * d / (x * x + y * y)", result="scalar")
F.add(math.sinh, "x", "math.cosh(x) * d", result="scalar")
F.add(math.cosh, "x", "math.sinh(x) * d", result="scalar")
F.add(math.tanh, "x", "(1.0 - ans * ans) * d", result="scalar")
F.add(math.asinh, "x", "d / math.sqrt(x * x + 1.0)", result="scalar")
F.add(math.acosh, "x", "d / math.sqrt(x * x - 1.0)", result="scalar")
F.add(math.atanh, "x", "d / (1.0 - x * x)", result="scalar")
F.add(math.exp, "x", "ans * d", result="scalar")
F.add(math.expm1, "x", "(ans + 1.0) * d", result="scalar")
F.add(math.log, "x", "d / x", result="scalar")
F.add(math.log2, "x", "d / (x * math.log(2.0))", result="scalar")
F.add(math.log10, "x", "d / (x * math.log(10.0))", result="scalar")
F.add(math.log1p, "x", "d / (1.0 + x)", result="scalar")
F.add(math.sqrt, "x", "d / (2.0 * ans)", result="scalar")
F.add(math.pow, "x, y", "_rt.pow_dx(x, y) * d", "_rt.pow_log(x, ans, d)", result="scalar")
F.add(math.hypot, "x, y", "d * _rt.hypot_dx(x, ans)", "d * _rt.hypot_dx(y, ans)", result="scalar")
F.add(math.fabs, "x", "_rt.sign(x) * d", result="scalar")
F.add(math.erf, "x", "2.0 / math.sqrt(math.pi) * math.exp(-x * x) * d", result="scalar")
F.add(math.erfc, "x", "-2.0 / math.sqrt(math.pi) * math.exp(-x * x) * d", result="scalar")
F.add(math.degrees, "x", "(180.0 / math.pi) * d", result="scalar")
F.add(math.radians, "x", "(math.pi / 180.0) * d", result="scalar")
F.add(math.copysign, "x, y", "_rt.sign(x) * math.copysign(1.0, y) * d", result="scalar")
F.add(math.fmod, "x, y", "d", "-math.trunc(x / y) * d", result="scalar")
F.add(math.remainder, "x, y", "d", "-round(x / y) * d", result="scalar")
F.add(math.ldexp, "x, i", LINEAR, result="scalar")
F.add(math.fsum, "x", LINEAR, result="scalar")

# NumPy elementwise ----------------------------------------------------------
F.section("NumPy elementwise")
F.add(np.add, "x, y", "d", "d", broadcast=True)
F.add(np.subtract, "x, y", "d", "-d", broadcast=True)
F.add(np.multiply, "x, y", "d * y", "x * d", broadcast=True)
F.add(np.divide, "x, y", "d / y", "-x * d / (y * y)", broadcast=True)
F.add(np.true_divide, "x, y", "d / y", "-x * d / (y * y)", broadcast=True)
F.add(np.power, "x, y", "_rt.pow_dx(x, y) * d", "_rt.pow_log(x, ans, d)", broadcast=True)
F.add(np.float_power, "x, y", "_rt.like(_rt.pow_dx(np.float64(x), y), ans) * d",
      "_rt.pow_log(x, ans, d)",
      broadcast=True)
F.add(np.fmod, "x, y", "d", "-np.trunc(x / y) * d", broadcast=True)
F.add(np.remainder, "x, y", "d", "-np.floor_divide(x, y) * d", broadcast=True)
F.add(np.ldexp, "x, i", LINEAR, broadcast=True)
F.add(np.negative, "x", "-d")
F.add(np.positive, "x", "d")
F.add(np.square, "x", "2.0 * x * d")
F.add(np.reciprocal, "x", "-ans * ans * d")
F.add(np.sqrt, "x", "d / (2.0 * ans)")
F.add(np.cbrt, "x", "d / (3.0 * ans * ans)")
F.add(np.exp, "x", "ans * d")
F.add(np.exp2, "x", "ans * math.log(2.0) * d")
F.add(np.expm1, "x", "(ans + 1.0) * d")
F.add(np.log, "x", "d / x")
F.add(np.log2, "x", "d / (x * math.log(2.0))")
F.add(np.log10, "x", "d / (x * math.log(10.0))")
F.add(np.log1p, "x", "d / (1.0 + x)")
F.add(np.logaddexp, "x, y", "np.exp(x - ans) * d", "np.exp(y - ans) * d", broadcast=True)
F.add(np.logaddexp2, "x, y", "np.exp2(x - ans) * d", "np.exp2(y - ans) * d", broadcast=True)
F.add(np.sin, "x", "np.cos(x) * d")
F.add(np.cos, "x", "-np.sin(x) * d")
F.add(np.tan, "x", "d / np.cos(x) ** 2")
F.add(np.arcsin, "x", "d / np.sqrt(1.0 - x * x)")
F.add(np.arccos, "x", "-d / np.sqrt(1.0 - x * x)")
F.add(np.arctan, "x", "d / (1.0 + x * x)")
F.add(np.arctan2, "y, x", "x * d / (x * x + y * y)", "-y * d / (x * x + y * y)", broadcast=True)
F.add(np.sinh, "x", "np.cosh(x) * d")
F.add(np.cosh, "x", "np.sinh(x) * d")
F.add(np.tanh, "x", "(1.0 - ans * ans) * d")
F.add(np.arcsinh, "x", "d / np.sqrt(x * x + 1.0)")
F.add(np.arccosh, "x", "d / np.sqrt(x * x - 1.0)")
F.add(np.arctanh, "x", "d / (1.0 - x * x)")
F.add(np.hypot, "x, y", "d * _rt.hypot_dx(x, ans)", "d * _rt.hypot_dx(y, ans)", broadcast=True)
F.add(np.sinc, "x", "_rt.sinc_dx(x) * d")
F.add(np.deg2rad, "x", "(np.pi / 180.0) * d")
F.add(np.radians, "x", "(np.pi / 180.0) * d")
F.add(np.rad2deg, "x", "(180.0 / np.pi) * d")
F.add(np.degrees, "x", "(180.0 / np.pi) * d")
F.add(np.abs, "x", "_rt.abs_jvp(x, d)")
F.add(np.fabs, "x", "np.sign(x) * d")
F.add(np.copysign, "x, y", "_rt.copysign_dx(x, y) * d", broadcast=True)
F.add(np.maximum, "x, y", "_rt.like((x > y) * d, ans)", "_rt.like((x <= y) * d, ans)",
      broadcast=True)
F.add(np.minimum, "x, y", "_rt.like((x < y) * d, ans)", "_rt.like((x >= y) * d, ans)",
      broadcast=True)
F.add(np.fmax, "x, y", "_rt.like(((x > y) | np.isnan(y)) * d, ans)",
      "_rt.like(((x <= y) | np.isnan(x)) * d, ans)", broadcast=True)
F.add(np.fmin, "x, y", "_rt.like(((x < y) | np.isnan(y)) * d, ans)",
      "_rt.like(((x >= y) | np.isnan(x)) * d, ans)", broadcast=True)
F.add(np.where, "condition, x, y", None, "_rt.like(np.where(condition, d, 0.0), ans)",
      "_rt.like(np.where(condition, 0.0, d), ans)", broadcast=True)
F.add(np.clip, "x, a_min, a_max", "_rt.inside(x, a_min, a_max) * d",
      "_rt.like(_rt.below(x, a_min) * d, ans)", "_rt.like(_rt.above(x, a_max) * d, ans)",
      broadcast=True)
F.add(np.real, "x", "_rt.re(d)", result="same")
F.add(np.imag, "x", "_rt.imag_tangent(d)", result="same")
F.add(np.conjugate, "x", "_rt.conj(d)", result="same")
F.add(np.angle, "z, deg=False", "_rt.angle_jvp(z, d, deg)", result="same")
F.add(np.nan_to_num, "x, copy=True, nan=0.0, posinf=None, neginf=None", "np.isfinite(x) * d",
      result="same")
F.add(np.float64, "x", "_rt.cast(d, np.float64)", result="same")
F.add(np.float32, "x", "_rt.cast(d, np.float32)", result="same")

# NumPy reductions ---------------------------------------------------------------
F.section("NumPy reductions")
F.add(np.sum, "x, axis=None, dtype=None, out=None, keepdims=False",
      "np.sum(d, axis=axis, keepdims=keepdims)", result="reduction")
F.add(np.mean, "x, axis=None, dtype=None, out=None, keepdims=False",
      "np.mean(d, axis=axis, keepdims=keepdims)", result="reduction")
for _extremum in (np.max, np.amax, np.min, np.amin):
    F.add(_extremum, "x, axis=None, out=None, keepdims=False",
          "_rt.extremum_jvp(d, x, ans, axis, keepdims)", result="reduction")
reductions.forward(F)

# NumPy linear algebra and shapes --------------------------------------------------
F.section("NumPy linear algebra")
F.add(np.dot, "x, y", LINEAR, LINEAR, result="array")
F.add(np.matmul, "x, y", LINEAR, LINEAR, result="array")
F.add(np.outer, "x, y", LINEAR, LINEAR, result="array")
linalg.forward(F)
F.section("NumPy shapes and indexing")
F.add(np.transpose, "x, axes=None", LINEAR, result="array")
F.add(np.reshape, "x, newshape", "np.reshape(d, np.shape(ans))", result="array")
F.add(np.ravel, "x", LINEAR, result="array")
F.add(np.squeeze, "x, axis=None", "np.reshape(d, np.shape(ans))", result="array")
F.add(np.expand_dims, "x, axis", "np.reshape(d, np.shape(ans))", result="array")
F.add(np.asarray, "x, dtype=None", "_rt.stack_tangent(d, ans)", result="array")
F.add(np.array, "x, dtype=None", "_rt.stack_tangent(d, ans)", result="array")
F.add(np.stack, "x, axis=0", "np.stack(d, axis=axis)", result="array")
shapes.forward(F)
F.section("NumPy FFT")
fft.forward(F)
numpy_more.forward(F)

# ndarray methods and attributes -------------------------------------------------
F.section("ndarray methods and attributes")
F.methods(METHODS)
F.method("reshape", "x, *shape", "np.reshape(d, np.shape(ans))", result="array")
F.method("transpose", "x, *axes", "np.transpose(d, axes or None)", result="array")
F.method("clip", "x, min=None, max=None", "_rt.inside(x, min, max) * d",
         "_rt.like(_rt.below(x, min) * d, ans)", "_rt.like(_rt.above(x, max) * d, ans)",
         broadcast=True)
F.method("astype", ASTYPE, "_rt.cast(d, dtype)", result="same")
F.attr("T", "np.transpose(d)")
F.attr("real", "_rt.re(d)", result="same")
F.attr("imag", "_rt.imag_tangent(d)", result="same")

# parameter trees: dicts, namedtuples and dataclasses, sequences --------------------
F.section("parameter trees")
F.add(_rt.items, "x", "_rt.items_tangent(d, x)", result="other")
F.add(_rt.values, "x", "_rt.values_tangent(d)", result="other")
F.add(_rt.get, "x, key, default=None", "_rt.get_tangent(d, key, default)", None,
      "_rt.get_default(d, x, key)", result="array", undefined=("key",))
F.add(_rt.field, "x, name", "_rt.field_tangent(d, x, name)", result="array")
F.add(builtins.tuple, "x", "_rt.retype(d, ans)", result="other")
F.add(builtins.sorted, "x, key=None, reverse=False", "_rt.sorted_tangent(d, x, key, reverse)",
      result="other")
F.add(_rt.unzip, "x", "_rt.unzip_tangent(d)", result="other")

# no derivative: integer-valued, piecewise constant, shapes and constructors --------
F.zero(*NO_DERIVATIVE)

# SciPy (optional): added once the program imports it ------------------------------
F.later("scipy", scipy_special.forward)
F.later("scipy", scipy_stats.forward)
F.later("scipy.integrate", scipy_integrate.forward)
F.later("scipy", scipy_linalg.forward)
