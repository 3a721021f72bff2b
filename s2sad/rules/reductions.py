"""NumPy reductions and scans beyond sum/mean/max/min, in both modes.

Each function adds its rules to one table, in the same order for both modes.
``helpers`` gives forward rules to the ``_rt`` helpers the reverse templates call,
so that generated adjoint code can be differentiated again (Hessians).
"""
import numpy as np

from .. import runtime as _rt
from .table import LINEAR

PROD = "x, axis=None, dtype=None, out=None, keepdims=False"
VAR = "x, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
SCAN = "x, axis=None, dtype=None, out=None"
EXTREMUM = "x, axis=None, out=None, keepdims=False"
AVERAGE = "x, axis=None, weights=None, returned=False, keepdims=False"
DIFF = "x, n=1, axis=-1, prepend=None, append=None"      # None: not given
DIFF_ARGS = "x, n, axis, prepend, append"

# the pieces of the templates that several rules share
SPREAD = "_rt.unreduce(g, x, axis, keepdims)"
N = "(_rt.count(x, axis) - ddof)"
W = "_rt.weights_like(weights, x, axis)"
SUM_W = f"np.sum({W}, axis=axis, keepdims=keepdims)"
PER_W = f"_rt.unreduce(g / {SUM_W}, x, axis, keepdims)"
MAX, MIN = ("np.max(x, axis=axis, keepdims=keepdims)", "np.min(x, axis=axis, keepdims=keepdims)")
VALID = "np.where(np.isnan(x), 0.0, d)"

VAR_R = f"2.0 * {SPREAD} * _rt.centered(x, axis) / {N}"
STD_R = f"_rt.unreduce(_rt.over(g, ans), x, axis, keepdims) * _rt.centered(x, axis) / {N}"
ALONG = "np.sum(d * _rt.centered(x, axis), axis=axis, keepdims=keepdims)"
VAR_F = f"_rt.like(2.0 * {ALONG} / {N}, ans)"
STD_F = f"_rt.like(_rt.over({ALONG}, {N} * ans), ans)"


def reverse(R):
    R.add(np.prod, PROD, "_rt.prod_vjp(g, x, axis, keepdims)", result="reduction")
    R.add(np.var, VAR, VAR_R, result="reduction")
    R.add(np.std, VAR, STD_R, result="reduction")
    R.add(np.cumsum, SCAN, "_rt.uncumsum(g, x, axis)", result="array")
    R.add(np.cumprod, SCAN, "_rt.cumprod_vjp(g, x, axis)", result="array")
    R.add(np.average, AVERAGE, f"{PER_W} * {W}", None,
          f"_rt.unweights({PER_W} * (x - _rt.unreduce(ans, x, axis, keepdims)), weights, axis)",
          result="reduction")
    R.add(np.ptp, EXTREMUM, f"_rt.unreduce_extremum(g, x, {MAX}, axis, keepdims) - "
          f"_rt.unreduce_extremum(g, x, {MIN}, axis, keepdims)", result="reduction")
    R.add(np.nansum, PROD, f"np.where(np.isnan(x), 0.0, {SPREAD})", result="reduction")
    R.add(np.nanmean, PROD, f"np.where(np.isnan(x), 0.0, {SPREAD} / _rt.nancount(x, axis))",
          result="reduction")
    R.add(np.nanmax, EXTREMUM, "_rt.unreduce_extremum(g, x, ans, axis, keepdims)",
          result="reduction")
    R.add(np.nanmin, EXTREMUM, "_rt.unreduce_extremum(g, x, ans, axis, keepdims)",
          result="reduction")
    R.add(np.diff, DIFF, f"_rt.diff_vjp(g, {DIFF_ARGS}, 1)", None, None,
          f"_rt.diff_vjp(g, {DIFF_ARGS}, 0)", f"_rt.diff_vjp(g, {DIFF_ARGS}, 2)", result="array")


def forward(F):
    F.add(np.prod, PROD, "_rt.prod_jvp(d, x, axis, keepdims)", result="reduction")
    F.add(np.var, VAR, VAR_F, result="reduction")
    F.add(np.std, VAR, STD_F, result="reduction")
    F.add(np.cumsum, SCAN, "np.cumsum(d, axis)", result="array")
    F.add(np.cumprod, SCAN, "_rt.cumprod_jvp(d, x, axis)", result="array")
    F.add(np.average, AVERAGE, f"np.sum({W} * d, axis=axis, keepdims=keepdims) / {SUM_W}",
          None, "np.sum(_rt.weights_like(d, x, axis) * (x - _rt.unreduce(ans, x, axis, keepdims)), "
          f"axis=axis, keepdims=keepdims) / {SUM_W}", result="reduction")
    F.add(np.ptp, EXTREMUM, f"_rt.extremum_jvp(d, x, {MAX}, axis, keepdims) - "
          f"_rt.extremum_jvp(d, x, {MIN}, axis, keepdims)", result="reduction")
    F.add(np.nansum, PROD, f"np.sum({VALID}, axis=axis, keepdims=keepdims)", result="reduction")
    F.add(np.nanmean, PROD, f"np.sum({VALID}, axis=axis, keepdims=keepdims) / "
          "_rt.nancount(x, axis, keepdims)", result="reduction")
    F.add(np.nanmax, EXTREMUM, "_rt.extremum_jvp(d, x, ans, axis, keepdims)", result="reduction")
    F.add(np.nanmin, EXTREMUM, "_rt.extremum_jvp(d, x, ans, axis, keepdims)", result="reduction")
    F.add(np.diff, DIFF, f"_rt.diff_jvp(d, {DIFF_ARGS}, 1)", None, None,
          f"_rt.diff_jvp(d, {DIFF_ARGS}, 0)", f"_rt.diff_jvp(d, {DIFF_ARGS}, 2)", result="array")


def helpers(H):
    H.add(_rt.prod_vjp, "g, x, axis=None, keepdims=False", LINEAR,
          "_rt.prod_vjp_dx(g, x, d, axis, keepdims)", result="array")
    H.add(_rt.centered, "x, axis=None", LINEAR, result="array")
    H.add(_rt.uncumsum, "g, x, axis=None", LINEAR, result="array")
    H.add(_rt.cumprod_vjp, "g, x, axis=None", LINEAR,
          "_rt.cumprod_vjp_dx(g, x, d, axis)", result="array")
    H.add(_rt.weights_like, "weights, x, axis=None", LINEAR, result="array")
    H.add(_rt.unweights, "gw, weights, axis=None", LINEAR, result="array")
    H.add(_rt.undiff, "g, x, n=1, axis=-1", LINEAR, result="array")
