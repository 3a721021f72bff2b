"""Forward-mode (tangent) rules: how the tangent ``d`` of each input moves the result.

Same primitives, same order and same parameters as ``reverse.py`` (the area modules
``reductions``, ``linalg`` and ``shapes`` add to both); a test holds the two tables
to that. The result's tangent is the sum of the templates of the
inputs that carry one. ``ans`` is the result.
"""
import builtins
import math

import numpy as np

from . import Table, linalg, reductions, shapes

FORWARD = Table("forward")
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
F.add(builtins.abs, "x", "_rt.sign(x) * d", result="same")
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
F.add(math.atan2, "y, x", "x * d / (x * x + y * y)", "-y * d / (x * x + y * y)",
      result="scalar")
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
F.add(math.pow, "x, y", "_rt.pow_dx(x, y) * d", "_rt.pow_log(x, ans, d)",
      result="scalar")
F.add(math.hypot, "x, y", "d * _rt.hypot_dx(x, ans)", "d * _rt.hypot_dx(y, ans)",
      result="scalar")
F.add(math.fabs, "x", "_rt.sign(x) * d", result="scalar")
F.add(math.erf, "x", "2.0 / math.sqrt(math.pi) * math.exp(-x * x) * d", result="scalar")
F.add(math.erfc, "x", "-2.0 / math.sqrt(math.pi) * math.exp(-x * x) * d", result="scalar")
F.add(math.degrees, "x", "(180.0 / math.pi) * d", result="scalar")
F.add(math.radians, "x", "(math.pi / 180.0) * d", result="scalar")
F.add(math.copysign, "x, y", "_rt.sign(x) * math.copysign(1.0, y) * d", result="scalar")
F.add(math.fmod, "x, y", "d", "-math.trunc(x / y) * d", result="scalar")
F.add(math.remainder, "x, y", "d", "-round(x / y) * d", result="scalar")
F.add(math.ldexp, "x, i", "math.ldexp(d, i)", result="scalar")
F.add(math.fsum, "x", "math.fsum(d)", result="scalar")

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
F.add(np.ldexp, "x, i", "np.ldexp(d, i)", broadcast=True)
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
F.add(np.arctan2, "y, x", "x * d / (x * x + y * y)", "-y * d / (x * x + y * y)",
      broadcast=True)
F.add(np.sinh, "x", "np.cosh(x) * d")
F.add(np.cosh, "x", "np.sinh(x) * d")
F.add(np.tanh, "x", "(1.0 - ans * ans) * d")
F.add(np.arcsinh, "x", "d / np.sqrt(x * x + 1.0)")
F.add(np.arccosh, "x", "d / np.sqrt(x * x - 1.0)")
F.add(np.arctanh, "x", "d / (1.0 - x * x)")
F.add(np.hypot, "x, y", "d * _rt.hypot_dx(x, ans)", "d * _rt.hypot_dx(y, ans)",
      broadcast=True)
F.add(np.sinc, "x", "_rt.sinc_dx(x) * d")
F.add(np.deg2rad, "x", "(np.pi / 180.0) * d")
F.add(np.radians, "x", "(np.pi / 180.0) * d")
F.add(np.rad2deg, "x", "(180.0 / np.pi) * d")
F.add(np.degrees, "x", "(180.0 / np.pi) * d")
F.add(np.abs, "x", "np.sign(x) * d")
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
F.add(np.real, "x", "d", result="same")
F.add(np.conjugate, "x", "d", result="same")
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
F.add(np.dot, "x, y", "np.dot(d, y)", "np.dot(x, d)", result="array")
F.add(np.matmul, "x, y", "np.matmul(d, y)", "np.matmul(x, d)", result="array")
F.add(np.outer, "x, y", "np.outer(d, y)", "np.outer(x, d)", result="array")
linalg.forward(F)
F.section("NumPy shapes and indexing")
F.add(np.transpose, "x, axes=None", "np.transpose(d, axes)", result="array")
F.add(np.reshape, "x, newshape", "np.reshape(d, np.shape(ans))", result="array")
F.add(np.ravel, "x", "np.ravel(d)", result="array")
F.add(np.squeeze, "x, axis=None", "np.reshape(d, np.shape(ans))", result="array")
F.add(np.expand_dims, "x, axis", "np.reshape(d, np.shape(ans))", result="array")
F.add(np.asarray, "x, dtype=None", "_rt.stack_tangent(d, ans)", result="array")
F.add(np.array, "x, dtype=None", "_rt.stack_tangent(d, ans)", result="array")
F.add(np.stack, "x, axis=0", "np.stack(d, axis=axis)", result="array")
shapes.forward(F)

# ndarray methods and attributes -------------------------------------------------
F.section("ndarray methods and attributes")
F.method("sum", "x, axis=None, dtype=None, out=None, keepdims=False",
         "np.sum(d, axis=axis, keepdims=keepdims)", result="reduction")
F.method("mean", "x, axis=None, dtype=None, out=None, keepdims=False",
         "np.mean(d, axis=axis, keepdims=keepdims)", result="reduction")
for _name in ("max", "min"):
    F.method(_name, "x, axis=None, out=None, keepdims=False",
             "_rt.extremum_jvp(d, x, ans, axis, keepdims)", result="reduction")
F.method("dot", "x, y", "np.dot(d, y)", "np.dot(x, d)", result="array")
F.method("reshape", "x, *shape", "np.reshape(d, np.shape(ans))", result="array")
F.method("ravel", "x", "np.ravel(d)", result="array")
F.method("flatten", "x", "np.ravel(d)", result="array")
F.method("squeeze", "x, axis=None", "np.reshape(d, np.shape(ans))", result="array")
F.method("transpose", "x, *axes", "np.transpose(d, axes or None)", result="array")
F.method("copy", "x", "_rt.copy(d)", result="same")
F.attr("T", "np.transpose(d)")
F.attr("real", "d", result="same")
reductions.forward_methods(F)
linalg.forward_methods(F)
shapes.forward_methods(F)

# no derivative: the same as reverse mode -------------------------------------------
from .reverse import REVERSE as _REVERSE    # noqa: E402  (one list, shared)

F.zero(*_REVERSE.inactive)

# the helpers generated adjoint code calls: so that it can be differentiated again ---
from .. import runtime as _rt               # noqa: E402

F.add(_rt.unbroadcast, "g, x", "_rt.unbroadcast(d, x)", result="array")
F.add(_rt.list_part, "g, x, side", "_rt.list_part(d, x, side)", result="other")
F.add(_rt.times_part, "g, x, other", "_rt.times_part(d, x, other)", None,
      "_rt.times_part(g, x, d)", result="other")
F.add(_rt.unreduce, "g, x, axis=None, keepdims=False", "_rt.unreduce(d, x, axis, keepdims)",
      result="array")
F.add(_rt.unreduce_extremum, "g, x, extreme, axis=None, keepdims=False",
      "_rt.unreduce_extremum(d, x, extreme, axis, keepdims)", result="array")
F.add(_rt.unsum, "g, x", "_rt.unsum(d, x)", result="array")
F.add(_rt.owned, "g", "_rt.owned(d)", result="array")
# the tape's stand-in for an array read only for its shape: its tangent stands in too,
# so that the tangents' tape pushes and pops what the tape does
F.add(_rt.shape_of, "x", "_rt.shape_of(d)", result="same")
F.add(_rt.unindex, "g, x, index", "_rt.unindex(d, x, index)", result="array")
F.add(_rt.add_indexed, "b, g, x, index", "d", "_rt.unindex(d, x, index)", result="array")
F.add(_rt.add, "a, b", "d", "d", result="array")
F.add(_rt.unstack, "g, x, axis=0", "_rt.unstack(d, x, axis)", result="array")
F.add(_rt.as_array, "x", "_rt.as_array(d)", result="array")
F.add(_rt.untranspose, "g, axes=None", "_rt.untranspose(d, axes)", result="array")
F.add(_rt.pow_log, "x, power, scale=1.0", "_rt.pow_log_dx(x, power * scale) * d",
      "_rt.pow_log(x, scale, d)", "_rt.pow_log(x, power, d)", result="array")
F.add(_rt.pow_dx, "x, y, c=1.0", "_rt.pow_dx(x, y - 1.0, c * y) * d",
      "(_rt.pow_log(x, ans) + c * x ** (y - 1.0)) * d", "_rt.pow_dx(x, y, d)",
      result="array")
F.add(_rt.over, "x, y", "_rt.over(d, y)", "-_rt.over(ans * d, y)", result="array")
F.add(_rt.dot_vjp_x, "g, x, y", "_rt.dot_vjp_x(d, x, y)", None, "_rt.dot_vjp_x(g, x, d)",
      result="array")
F.add(_rt.dot_vjp_y, "g, x, y", "_rt.dot_vjp_y(d, x, y)", "_rt.dot_vjp_y(g, d, y)",
      result="array")
F.add(_rt.matmul_vjp_x, "g, x, y", "_rt.matmul_vjp_x(d, x, y)", None,
      "_rt.matmul_vjp_x(g, x, d)", result="array")
F.add(_rt.matmul_vjp_y, "g, x, y", "_rt.matmul_vjp_y(d, x, y)", "_rt.matmul_vjp_y(g, d, y)",
      result="array")
F.add(_rt.outer_vjp_x, "g, x, y", "_rt.outer_vjp_x(d, x, y)", None,
      "_rt.outer_vjp_x(g, x, d)", result="array")
F.add(_rt.outer_vjp_y, "g, x, y", "_rt.outer_vjp_y(d, x, y)", "_rt.outer_vjp_y(g, d, y)",
      result="array")
F.add(_rt.unassign, "g, index, v", "_rt.unassign(d, index, v)", result="array")
F.add(_rt.zero_slot, "g, index", "_rt.zero_slot(d, index)", result="array")
F.add(_rt.setitem, "t, index, value", "_rt.zero_slot(d, index)",
      None, "_rt.setitem(_rt.zeros_like(t), index, d)", result="array")
F.add(_rt.extremum_jvp, "t, x, extreme, axis=None, keepdims=False",
      "_rt.extremum_jvp(d, x, extreme, axis, keepdims)", result="array")
F.add(_rt.broadcast_like, "t, ans_", "_rt.broadcast_like(d, ans_)", result="array")
F.add(_rt.copy, "t", "_rt.copy(d)", result="same")
F.add(_rt.stack_tangent, "t, ans_", "_rt.stack_tangent(d, ans_)", result="array")
F.add(_rt.like, "g, x", "_rt.like(d, x)", result="array")
F.add(_rt.uncast, "g, x, dtype", "_rt.uncast(d, x, dtype)", result="array")
F.add(_rt.sinc_dx, "x", "_rt.sinc_dx2(x) * d", result="array")
F.add(_rt.hypot_dx, "x, r", "_rt.hypot_dx(d, r)", "-_rt.hypot_dx(x * d, r * r)",
      result="array")
reductions.helpers(F)
shapes.helpers(F)
linalg.helpers(F)
F.zero(_rt.zeros_like, _rt.sign, _rt.count, _rt.check_scalar, _rt.inside, _rt.below,
       _rt.above, _rt.nancount, _rt.copysign_dx)
