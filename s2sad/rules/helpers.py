"""Tangents of the runtime helpers that adjoint templates call (``_rt.unbroadcast``,
``_rt.unreduce``, ...), so that generated adjoint code can be differentiated again
(Hessians). ``FORWARD`` looks a key up here after its own rules.

Most helpers are linear in the adjoint they are given: their tangent is the helper
applied to the tangent (:data:`LINEAR`).
"""
from .. import runtime as _rt
from . import fft, linalg, numpy_more, reductions, scipy_integrate, scipy_linalg, \
    scipy_special, shapes
from .table import LINEAR, Table

HELPER_TANGENTS = Table("forward")
H = HELPER_TANGENTS

H.add(_rt.unbroadcast, "g, x", LINEAR, result="array")
H.add(_rt.unitems, "g, x", LINEAR, result="other")
H.add(_rt.values_tangent, "t", LINEAR, result="other")
H.add(_rt.get_tangent, "t, key, default=None", LINEAR, None, "_rt.get_default(d, t, key)",
      result="array")
H.add(_rt.unzip_tangent, "t", LINEAR, result="other")
H.add(_rt.items_tangent, "t, x", LINEAR, result="other")
H.add(_rt.unvalues, "g, x", LINEAR, result="other")
H.add(_rt.unget, "g, x, key", LINEAR, result="other")
H.add(_rt.get_default, "g, x, key", LINEAR, result="array")
H.add(_rt.unfield, "g, x, name", LINEAR, result="other")
H.add(_rt.field_tangent, "t, x, name", LINEAR, result="array")
H.add(_rt.retype, "g, x", LINEAR, result="other")
H.add(_rt.unzip_vjp, "g, x", LINEAR, result="other")
H.add(_rt.unsorted, "g, x, key=None, reverse=False", LINEAR, result="other")
H.add(_rt.sorted_tangent, "t, x, key=None, reverse=False", LINEAR, result="other")
H.add(_rt.list_part, "g, x, side", LINEAR, result="other")
H.add(_rt.times_part, "g, x, other", LINEAR, None, LINEAR, result="other")
H.add(_rt.unreduce, "g, x, axis=None, keepdims=False", LINEAR, result="array")
H.add(_rt.unreduce_extremum, "g, x, extreme, axis=None, keepdims=False", LINEAR, result="array")
H.add(_rt.unsum, "g, x", LINEAR, result="array")
H.add(_rt.owned, "g", LINEAR, result="array")
# the tape's stand-in for an array read only for its shape: its tangent stands in too,
# so that the tangents' tape pushes and pops what the tape does
H.add(_rt.shape_of, "x", LINEAR, result="same")
H.add(_rt.unindex, "g, x, index", LINEAR, result="array")
H.add(_rt.add_indexed, "b, g, x, index", "d", "_rt.unindex(d, x, index)", result="array")
H.add(_rt.add, "a, b", "d", "d", result="array")
H.add(_rt.unstack, "g, x, axis=0", LINEAR, result="array")
H.add(_rt.as_array, "x", LINEAR, result="array")
H.add(_rt.untranspose, "g, axes=None", LINEAR, result="array")
H.add(_rt.pow_log, "x, power, scale=1.0", "_rt.pow_log_dx(x, power * scale) * d",
      "_rt.pow_log(x, scale, d)", LINEAR, result="array")
H.add(_rt.pow_dx, "x, y, c=1.0", "_rt.pow_dx(x, y - 1.0, c * y) * d",
      "(_rt.pow_log(x, ans) + c * x ** (y - 1.0)) * d", LINEAR,
      result="array")
H.add(_rt.over, "x, y", LINEAR, "-_rt.over(ans * d, y)", result="array")
H.add(_rt.dot_vjp_x, "g, x, y", LINEAR, None, LINEAR, result="array")
H.add(_rt.dot_vjp_y, "g, x, y", LINEAR, LINEAR, result="array")
H.add(_rt.matmul_vjp_x, "g, x, y", LINEAR, None, LINEAR, result="array")
H.add(_rt.matmul_vjp_y, "g, x, y", LINEAR, LINEAR, result="array")
H.add(_rt.outer_vjp_x, "g, x, y", LINEAR, None, LINEAR, result="array")
H.add(_rt.outer_vjp_y, "g, x, y", LINEAR, LINEAR, result="array")
H.add(_rt.unassign, "g, index, v", LINEAR, result="array")
H.add(_rt.zero_slot, "g, index", LINEAR, result="array")
H.add(_rt.setitem, "t, index, value", "_rt.zero_slot(d, index)",
      None, "_rt.setitem(_rt.zeros_like(t), index, d)", result="array")
H.add(_rt.extremum_jvp, "t, x, extreme, axis=None, keepdims=False", LINEAR, result="array")
H.add(_rt.broadcast_like, "t, ans_", LINEAR, result="array")
H.add(_rt.copy, "t", LINEAR, result="same")
H.add(_rt.stack_tangent, "t, ans_", LINEAR, result="array")
H.add(_rt.like, "g, x", LINEAR, result="array")
H.add(_rt.uncast, "g, x, dtype", LINEAR, result="array")
H.add(_rt.sinc_dx, "x", "_rt.sinc_dx2(x) * d", result="array")
H.add(_rt.hypot_dx, "x, r", LINEAR, "-_rt.hypot_dx(x * d, r * r)", result="array")
H.add(_rt.re, "g", LINEAR, result="same")
H.add(_rt.conj, "g", LINEAR, result="same")
H.add(_rt.imag_tangent, "t", LINEAR, result="same")
H.add(_rt.imag_vjp, "g, x", LINEAR, result="same")
H.add(_rt.abs_jvp, "x, t", "_rt.re(t * _rt.abs_hvp(x, d))", LINEAR, result="same")
H.add(_rt.abs_vjp, "g, x", LINEAR, "_rt.re(g) * _rt.abs_hvp(x, d)", result="same")
H.add(_rt.angle_vjp, "g, x, deg=False", LINEAR, "_rt.angle_hvp(g, x, d, deg)",
      result="same")
reductions.helpers(H)
shapes.helpers(H)
linalg.helpers(H)
fft.helpers(H)
numpy_more.helpers(H)
scipy_special.helpers(H)
H.later("scipy.integrate", scipy_integrate.helpers)
scipy_linalg.helpers(H)
H.zero(_rt.zeros_like, _rt.sign, _rt.count, _rt.check_scalar, _rt.inside, _rt.below,
       _rt.above, _rt.nancount, _rt.copysign_dx)
