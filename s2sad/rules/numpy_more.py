"""More of NumPy, in both modes: shapes (``append``, ``rot90``, ``rollaxis``, the
``vsplit`` family, ``atleast_3d``, ``row_stack``), calculus (``gradient``, ``trapezoid``,
``convolve``, ``unwrap``, ``i0``), statistics (``nanvar``, ``nanstd``), interpolation and
polynomials (``interp``, ``polyval``, ``polyfit``, ``linspace``, ``select``), and the
ufunc methods ``reduce`` and ``accumulate`` of ``add``, ``multiply``, ``maximum``,
``minimum`` and ``logaddexp``.

Each adjoint is a runtime helper (``runtime/numpy_more.py``, ``runtime/calculus.py``)
linear in ``g``, with tangents of its own in :func:`helpers`, so that Hessians work.
``np.gradient`` takes its spacing (``*varargs``), ``np.interp`` its ``xp`` and
``np.polyfit`` its ``x`` and ``w`` as constants: differentiating one is a located
error. ``np.linspace`` and ``np.polyfit`` take no ``retstep``, ``full`` or ``cov`` (a
call that passes one is an unsupported call form), nor ``np.ufunc.reduce`` its
``initial`` or ``where``.
"""
import numpy as np

from .. import runtime as _rt
from .names import LABELS
from .table import LINEAR

REDUCE = "x, axis=0, dtype=None, out=None, keepdims=False"
ACCUMULATE = "x, axis=0, dtype=None, out=None"
LINSPACE = "start, stop, num=50, endpoint=True, *, dtype=None, axis=0"
INTERP = "x, xp, fp, left=None, right=None, period=None"
VAR = "x, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
TRAPEZOID = "y, x=None, dx=1.0, axis=-1"
KNOTS = "x, xp, fp, left, right, period"

# NumPy 2 renamed trapz to trapezoid and deprecated row_stack: whichever this one has
TRAPEZOIDS = [f for f in (getattr(np, "trapezoid", None), getattr(np, "trapz", None)) if f]
ROW_STACK = [f for f in (getattr(np, "row_stack", None),) if f is not None and f is not np.vstack]
UFUNC_METHODS = {f"np.{u}.{m}": getattr(getattr(np, u), m)
                 for u in ("add", "multiply", "maximum", "minimum", "logaddexp")
                 for m in ("reduce", "accumulate")}
LABELS.update({func: name for name, func in UFUNC_METHODS.items()})
M = UFUNC_METHODS

# nanvar and nanstd: over the non-NaN elements
NN = "(_rt.nancount(x, axis) - ddof)"
NN_KEPT = "(_rt.nancount(x, axis, keepdims) - ddof)"
SPREAD = "_rt.unreduce(g, x, axis, keepdims)"
ALONG = ("np.sum(np.where(np.isnan(x), 0.0, d) * _rt.nancentered(x, axis), axis=axis, "
         "keepdims=keepdims)")
LAE_SPREAD = "np.exp(x - _rt.unreduce(ans, x, axis, keepdims))"


def _shapes(R, reverse):
    """The shape functions' rules (``reverse``: R is the reverse table)."""
    if reverse:
        R.add(np.append, "arr, values, axis=None", "_rt.unappend(g, arr, values, axis, 0)",
              "_rt.unappend(g, arr, values, axis, 1)", result="array")
        R.add(np.rot90, "m, k=1, axes=(0, 1)", "np.rot90(g, -k, axes)", result="array")
        R.add(np.rollaxis, "a, axis, start=0", "_rt.unrollaxis(g, a, axis, start)",
              result="array")
        R.add(np.atleast_3d, "x", "_rt.reshape_like(g, x)", result="array")
        R.add(np.vsplit, "x, indices_or_sections", "np.concatenate(g, 0)", result="other")
        R.add(np.hsplit, "x, indices_or_sections",
              "np.concatenate(g, 1 if np.ndim(x) > 1 else 0)", result="other")
        R.add(np.dsplit, "x, indices_or_sections", "np.concatenate(g, 2)", result="other")
        for func in ROW_STACK:
            R.add(func, "x", "_rt.unvstack(g, x)", result="array")
        return
    R.add(np.append, "arr, values, axis=None", "np.append(d, _rt.zeros_like(values), axis)",
          "np.append(_rt.zeros_like(arr), d, axis)", result="array")
    R.add(np.rot90, "m, k=1, axes=(0, 1)", LINEAR, result="array")
    R.add(np.rollaxis, "a, axis, start=0", LINEAR, result="array")
    R.add(np.atleast_3d, "x", "np.reshape(d, np.shape(ans))", result="array")
    for func in (np.vsplit, np.hsplit, np.dsplit):
        R.add(func, "x, indices_or_sections", LINEAR, result="other")
    for func in ROW_STACK:
        R.add(func, "x", LINEAR, result="array")


def reverse(R):
    R.section("NumPy shapes, continued")
    _shapes(R, True)
    R.section("NumPy calculus, interpolation and polynomials")
    R.add(np.gradient, "f, *varargs, axis=None, edge_order=1",
          "_rt.ungradient(g, f, varargs, axis, edge_order)", result="other",
          undefined=("varargs",))
    for func in TRAPEZOIDS:
        R.add(func, TRAPEZOID, "_rt.trapezoid_vjp_y(g, y, x, dx, axis)",
              "_rt.trapezoid_vjp_x(g, y, x, axis)", "_rt.trapezoid_vjp_dx(g, y, x, axis)",
              result="array")
    R.add(np.convolve, "a, v, mode='full'", "_rt.convolve_vjp_a(g, a, v, mode)",
          "_rt.convolve_vjp_v(g, a, v, mode)", result="array")
    R.add(np.unwrap, "p, discont=None, axis=-1, *, period=6.283185307179586", "g",
          result="same")
    R.add(np.i0, "x", "g * _rt.bessel_i(x, 1)")
    R.add(np.interp, INTERP, f"_rt.like(g * _rt.interp_slope({KNOTS}), x)", None,
          f"_rt.uninterp_fp(g, {KNOTS})",
          "_rt.like(np.sum(g * _rt.interp_side(x, xp, 0, period)), left)",
          "_rt.like(np.sum(g * _rt.interp_side(x, xp, 1, period)), right)",
          result="array", undefined=("xp",))
    R.add(np.polyval, "p, x", "_rt.polyval_vjp_p(g, p, x)", "g * _rt.polyval_dx(p, x)",
          result="array")
    R.add(np.polyfit, "x, y, deg, rcond=None, *, w=None", None,
          "_rt.unpolyfit(g, x, y, deg, rcond, w)", result="array", undefined=("x", "w"))
    R.add(np.linspace, LINSPACE, "_rt.linspace_vjp(g, start, num, endpoint, dtype, axis, 0)",
          "_rt.linspace_vjp(g, stop, num, endpoint, dtype, axis, 1)", result="array")
    R.add(np.select, "condlist, choicelist, default=0", None,
          "_rt.unselect(g, condlist, choicelist, default, 0)",
          "_rt.unselect(g, condlist, choicelist, default, 1)", result="array")
    R.add(np.real_if_close, "a, tol=100", "_rt.real_if_close_vjp(g, ans)", result="same")
    R.section("NumPy statistics, continued")
    R.add(np.nanvar, VAR, f"2.0 * {SPREAD} * _rt.nancentered(x, axis) / {NN}",
          result="reduction")
    R.add(np.nanstd, VAR, "_rt.unreduce(_rt.over(g, ans), x, axis, keepdims) * "
          f"_rt.nancentered(x, axis) / {NN}", result="reduction")
    R.section("NumPy ufunc methods")
    R.add(M["np.add.reduce"], REDUCE, SPREAD, result="reduction")
    R.add(M["np.multiply.reduce"], REDUCE, "_rt.prod_vjp(g, x, axis, keepdims)",
          result="reduction")
    for name in ("np.maximum.reduce", "np.minimum.reduce"):
        R.add(M[name], REDUCE, "_rt.unreduce_extremum(g, x, ans, axis, keepdims)",
              result="reduction")
    R.add(M["np.logaddexp.reduce"], REDUCE, f"{SPREAD} * {LAE_SPREAD}", result="reduction")
    R.add(M["np.add.accumulate"], ACCUMULATE, "_rt.uncumsum(g, x, axis)", result="array")
    R.add(M["np.multiply.accumulate"], ACCUMULATE, "_rt.cumprod_vjp(g, x, axis)",
          result="array")
    R.add(M["np.logaddexp.accumulate"], ACCUMULATE, "_rt.lae_vjp(g, x, ans, axis)",
          result="array")


def forward(F):
    F.section("NumPy shapes, continued")
    _shapes(F, False)
    F.section("NumPy calculus, interpolation and polynomials")
    F.add(np.gradient, "f, *varargs, axis=None, edge_order=1",
          "_rt.gradient_jvp(d, varargs, axis, edge_order)", result="other",
          undefined=("varargs",))
    for func in TRAPEZOIDS:
        F.add(func, TRAPEZOID, "_rt.trapezoid(d, x, dx, axis)", "_rt.trapezoid(y, d, dx, axis)",
              "_rt.trapezoid_jvp_dx(d, y, x, axis)", result="array")
    F.add(np.convolve, "a, v, mode='full'", LINEAR, LINEAR, result="array")
    F.add(np.unwrap, "p, discont=None, axis=-1, *, period=6.283185307179586", "d",
          result="same")
    F.add(np.i0, "x", "_rt.bessel_i(x, 1) * d")
    F.add(np.interp, INTERP, f"_rt.like(_rt.interp_slope({KNOTS}) * d, ans)", None,
          "_rt.interp_fp(d, x, xp, left, right, period)",
          "_rt.like(_rt.interp_side(x, xp, 0, period) * d, ans)",
          "_rt.like(_rt.interp_side(x, xp, 1, period) * d, ans)",
          result="array", undefined=("xp",))
    F.add(np.polyval, "p, x", LINEAR, "_rt.polyval_dx(p, x) * d", result="array")
    F.add(np.polyfit, "x, y, deg, rcond=None, *, w=None", None,
          "_rt.polyfit_jvp(d, x, deg, rcond, w)", result="array", undefined=("x", "w"))
    F.add(np.linspace, LINSPACE, "_rt.linspace_jvp(d, ans, num, endpoint, axis, 0)",
          "_rt.linspace_jvp(d, ans, num, endpoint, axis, 1)", result="array")
    F.add(np.select, "condlist, choicelist, default=0", None,
          "_rt.select_jvp(d, condlist, choicelist, default, ans, 0)",
          "_rt.select_jvp(d, condlist, choicelist, default, ans, 1)", result="array")
    F.add(np.real_if_close, "a, tol=100", "_rt.real_if_close_vjp(d, ans)", result="same")
    F.section("NumPy statistics, continued")
    F.add(np.nanvar, VAR, f"_rt.like(2.0 * {ALONG} / {NN_KEPT}, ans)", result="reduction")
    F.add(np.nanstd, VAR, f"_rt.like(_rt.over({ALONG}, {NN_KEPT} * ans), ans)",
          result="reduction")
    F.section("NumPy ufunc methods")
    F.add(M["np.add.reduce"], REDUCE, "np.sum(d, axis=axis, keepdims=keepdims)",
          result="reduction")
    F.add(M["np.multiply.reduce"], REDUCE, "_rt.prod_jvp(d, x, axis, keepdims)",
          result="reduction")
    for name in ("np.maximum.reduce", "np.minimum.reduce"):
        F.add(M[name], REDUCE, "_rt.extremum_jvp(d, x, ans, axis, keepdims)",
              result="reduction")
    F.add(M["np.logaddexp.reduce"], REDUCE,
          f"np.sum(d * {LAE_SPREAD}, axis=axis, keepdims=keepdims)", result="reduction")
    F.add(M["np.add.accumulate"], ACCUMULATE, "np.cumsum(d, axis)", result="array")
    F.add(M["np.multiply.accumulate"], ACCUMULATE, "_rt.cumprod_jvp(d, x, axis)",
          result="array")
    F.add(M["np.logaddexp.accumulate"], ACCUMULATE, "_rt.lae_jvp(d, x, ans, axis)",
          result="array")


def helpers(H):
    H.add(_rt.unappend, "g, arr, values, axis=None, which=0", LINEAR, result="array")
    H.add(_rt.unrollaxis, "g, x, axis, start=0", LINEAR, result="array")
    H.add(_rt.gradient_jvp, "t, varargs=(), axis=None, edge_order=1", LINEAR, result="other")
    H.add(_rt.ungradient, "g, f, varargs=(), axis=None, edge_order=1", LINEAR, result="array")
    H.add(_rt.trapezoid, TRAPEZOID, LINEAR, LINEAR, "_rt.trapezoid_jvp_dx(d, y, x, axis)",
          result="array")
    H.add(_rt.trapezoid_vjp_y, "g, y, x=None, dx=1.0, axis=-1", LINEAR, None, LINEAR,
          "_rt.trapezoid_vjp_y(g, y, None, d, axis) * (x is None)", result="array")
    H.add(_rt.trapezoid_vjp_x, "g, y, x, axis=-1", LINEAR, LINEAR, result="array")
    H.add(_rt.trapezoid_vjp_dx, "g, y, x=None, axis=-1", LINEAR, LINEAR, result="scalar")
    H.add(_rt.trapezoid_jvp_dx, "t, y, x=None, axis=-1", LINEAR, LINEAR, result="array")
    H.add(_rt.convolve_vjp_a, "g, a, v, mode='full'", LINEAR, None, LINEAR, result="array")
    H.add(_rt.convolve_vjp_v, "g, a, v, mode='full'", LINEAR, LINEAR, result="array")
    H.add(_rt.bessel_i, "x, n=1",
          "0.5 * (_rt.bessel_i(x, abs(n - 1)) + _rt.bessel_i(x, n + 1)) * d")
    # interp: piecewise linear in x (its slope piecewise constant), linear in fp
    H.add(_rt.interp_slope, INTERP, None, None, LINEAR, result="array")
    H.add(_rt.interp_fp, "t, x, xp, left=None, right=None, period=None", LINEAR,
          "_rt.interp_slope(x, xp, t, left, right, period) * d", result="array")
    H.add(_rt.uninterp_fp, "g, " + INTERP + ", slope=False", LINEAR,
          "_rt.uninterp_fp(g * d * (1 - slope), x, xp, fp, left, right, period, True)",
          result="array")
    H.add(_rt.polyval_dx, "p, x, order=1", LINEAR, "_rt.polyval_dx(p, x, order + 1) * d",
          result="array")
    H.add(_rt.polyval_vjp_p, "g, p, x, order=0", LINEAR, None,
          "_rt.polyval_vjp_p(g * d, p, x, order + 1)", result="array")
    H.add(_rt.polyfit_jvp, "t, x, deg, rcond=None, w=None", LINEAR, result="array")
    H.add(_rt.unpolyfit, "g, x, y, deg, rcond=None, w=None", LINEAR, result="array")
    H.add(_rt.linspace_jvp, "t, like, num=50, endpoint=True, axis=0, which=0", LINEAR,
          result="array")
    H.add(_rt.linspace_vjp, "g, like, num=50, endpoint=True, dtype=None, axis=0, which=0",
          LINEAR, result="array")
    H.add(_rt.select_jvp, "t, condlist, choicelist, default, like, which=0", LINEAR,
          result="array")
    H.add(_rt.unselect, "g, condlist, choicelist, default, which=0", LINEAR, result="other")
    H.add(_rt.real_if_close_vjp, "g, like", LINEAR, result="same")
    H.add(_rt.diff_jvp, "t, x, n=1, axis=-1, prepend=None, append=None, which=1", LINEAR,
          result="array")
    H.add(_rt.diff_vjp, "g, x, n=1, axis=-1, prepend=None, append=None, which=1", LINEAR,
          result="array")
    H.add(_rt.nancentered, "x, axis=None", "_rt.nancentered_along(x, d, axis)",
          result="array")
    H.add(_rt.nancentered_along, "x, t, axis=None", None, LINEAR, result="array")
    # logaddexp.accumulate: s = ans, its tangent given apart from x's
    H.add(_rt.lae_jvp, "t, x, s, axis=0", LINEAR, "_rt.lae_jvp(t * d, x, s, axis)",
          "-d * ans", result="array")
    H.add(_rt.lae_vjp, "g, x, s, axis=0", LINEAR, "d * ans",
          "-_rt.lae_vjp(g * d, x, s, axis)", result="array")
    H.zero(_rt.interp_side)
