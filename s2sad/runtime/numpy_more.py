"""Helpers for the rules of ``rules/numpy_more.py``: append, rollaxis, linspace, select,
interp, polyval, polyfit, real_if_close.

Each adjoint helper is linear in ``g`` (each tangent helper in ``d``); what else it reads
is named in its docstring, so that the rule tables can give it tangents of its own
(Hessians).
"""
import numpy as np

from .checks import Unsupported
from .core import _float_type, as_float, native, rebuild, unbroadcast

__all__ = ["like_input", "unappend", "unrollaxis", "linspace_jvp", "linspace_vjp", "select_jvp", "unselect",
           "interp_slope", "interp_fp", "uninterp_fp", "interp_side", "polyval_dx",
           "polyval_vjp_p", "polyfit_jvp", "unpolyfit", "real_if_close_vjp"]


def unappend(g, arr, values, axis=None, which=0):
    """The adjoint of ``np.append(arr, values, axis)`` for ``arr`` (``which`` 0) or
    ``values`` (1): its part of ``g`` (both flattened first when ``axis`` is None)."""
    cut = np.size(arr) if axis is None else np.shape(arr)[axis]
    if axis is None:
        part = np.ravel(g)[:cut] if which == 0 else np.ravel(g)[cut:]
    else:
        index = [slice(None)] * np.ndim(g)
        index[axis] = slice(0, cut) if which == 0 else slice(cut, None)
        part = g[tuple(index)]
    like = arr if which == 0 else values
    return _shaped(part, like)


def like_input(out, x, g):
    """``out``, an adjoint of ``x``, as x is: a list or tuple of items for a list, a
    float for a Python number, else an array of x's float type."""
    if isinstance(x, (list, tuple, float, int)):
        return _shaped(out, x)
    return native(out).astype(_float_type(x, g))


def _shaped(g, x):
    """``g`` reshaped like ``x``: a float for a Python number, a list for a list."""
    if isinstance(x, (list, tuple)):
        parts = np.reshape(g, np.shape(x))
        return rebuild(x, [_shaped(p, v) for p, v in zip(parts, x)])
    if isinstance(x, (float, int)):
        return float(np.reshape(g, ()))
    return np.reshape(g, np.shape(x))


def unrollaxis(g, x, axis, start=0):
    """The adjoint of ``np.rollaxis(x, axis, start)``: the inverse permutation."""
    n = np.ndim(x)
    axis, start = axis % n, start + n if start < 0 else start
    order = list(range(n))
    order.remove(axis)
    order.insert(start - 1 if axis < start else start, axis)
    return np.transpose(g, np.argsort(order))


def _linspace_weights(num, endpoint, dtype, axis, ndim):
    """``t_i`` with ``linspace(a, b) = a + t (b - a)``, shaped to broadcast along the
    result's ``axis`` (of ``ndim`` dimensions)."""
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.inexact):
        raise Unsupported("np.linspace with an integer dtype is piecewise constant in start "
                          "and stop: it has no derivative there; leave dtype a float")
    t = np.linspace(0.0, 1.0, num, endpoint)
    shape = [1] * ndim
    shape[axis % ndim] = num
    return np.reshape(t, shape)


def linspace_jvp(t, like, num=50, endpoint=True, axis=0, which=0):
    """The tangent of ``like = np.linspace(start, stop, num, endpoint, axis=axis)``
    along ``t`` in ``start`` (``which`` 0) or ``stop`` (1); like is read for its shape
    and dtype."""
    like = native(like)
    w = _linspace_weights(num, endpoint, like.dtype, axis, like.ndim)
    base = list(like.shape)
    del base[axis % like.ndim]
    t = np.expand_dims(np.broadcast_to(native(t), base), axis % like.ndim)
    return (t * (1.0 - w) if which == 0 else t * w).astype(like.dtype)


def linspace_vjp(g, like, num=50, endpoint=True, dtype=None, axis=0, which=0):
    """The adjoint of ``np.linspace(start, stop, ...)`` for ``like``, its ``start``
    (``which`` 0) or ``stop`` (1), read for its shape."""
    ndim = np.ndim(g)
    w = _linspace_weights(num, endpoint, dtype, axis, ndim)
    part = np.sum(g * (1.0 - w if which == 0 else w), axis=axis % ndim)
    return like_input(unbroadcast(part, like), like, g)


def _first_true(condlist, shape):
    """For each of ``condlist``, where it is the first true one; then where none is."""
    taken = np.zeros(shape, dtype=bool)
    masks = []
    for cond in condlist:
        cond = np.broadcast_to(cond, shape)
        masks.append(cond & ~taken)
        taken = taken | cond
    return masks, ~taken


def select_jvp(d, condlist, choicelist, default, ans, which=0):
    """The tangent of ``np.select(condlist, choicelist, default)`` along ``d`` in the
    choices (``which`` 0: a list of tangents) or in ``default`` (1)."""
    masks, none = _first_true(condlist, np.shape(ans))
    if which == 0:
        out = sum((np.where(m, t, 0.0) for m, t in zip(masks, d)), np.zeros(np.shape(ans)))
    else:
        out = np.where(none, d, 0.0)
    return native(out).astype(np.result_type(ans, np.float32))


def unselect(g, condlist, choicelist, default, which=0):
    """The adjoint of ``np.select`` for the choices (``which`` 0: one per choice) or
    ``default`` (1): ``g`` where each was picked, summed back to its shape."""
    masks, none = _first_true(condlist, np.shape(g))
    if which == 1:
        return _unbroadcast_like(np.where(none, g, 0.0), default, g)
    return rebuild(choicelist, [_unbroadcast_like(np.where(m, g, 0.0), c, g)
                                for m, c in zip(masks, choicelist)])


def _unbroadcast_like(part, x, g):
    return like_input(unbroadcast(part, x), x, g)


def _interp_knots(xp, fp, period):
    """NumPy's knots for ``np.interp(..., period=period)``: xp wrapped into one period,
    sorted, and padded with one wrapped knot at each end."""
    xp, fp = np.asarray(xp, dtype=float), np.asarray(fp)
    if period is None:
        return xp, fp
    period = abs(period)
    xp = xp % period
    order = np.argsort(xp)
    xp, fp = xp[order], fp[order]
    return (np.concatenate([xp[-1:] - period, xp, xp[:1] + period]),
            np.concatenate([fp[-1:], fp, fp[:1]]))


def interp_slope(x, xp, fp, left=None, right=None, period=None):
    """The derivative of ``np.interp`` in ``x``: the slope of the segment that holds x
    (the one to its right at a knot), 0 outside the knots (left and right are
    constants). Linear in ``fp``, piecewise constant in x."""
    xs, fs = _interp_knots(xp, fp, period)
    at = np.asarray(x, dtype=float)
    if period is not None:
        at = at % abs(period)
    j = np.searchsorted(xs, at, side="right") - 1
    inside = (j >= 0) & (j < len(xs) - 1)
    j = np.clip(j, 0, len(xs) - 2)
    slope = (fs[j + 1] - fs[j]) / (xs[j + 1] - xs[j])
    out = np.where(inside, slope, 0.0)
    return float(out) if isinstance(x, (float, int)) else out


def interp_fp(d, x, xp, left=None, right=None, period=None):
    """The tangent of ``np.interp(x, xp, fp, left, right, period)`` along ``d`` in
    ``fp``: the same interpolation of d, with left and right (constants) 0."""
    return np.interp(x, xp, native(d), None if left is None else 0.0,
                     None if right is None else 0.0, period)


def uninterp_fp(g, x, xp, fp, left=None, right=None, period=None, slope=False):
    """The adjoint of ``np.interp`` for ``fp``: ``g`` spread back to the knots with the
    interpolation weights (read off the interpolation of each unit vector); with
    ``slope``, with their derivatives in x. Reads fp for its length only."""
    n = np.size(fp)
    g = native(as_float(g, native(fp)))
    basis = np.eye(n)
    weights = (lambda e: interp_slope(x, xp, e, left, right, period)) if slope else \
        (lambda e: interp_fp(e, x, xp, left, right, period))
    out = np.array([np.sum(g * weights(basis[k])) for k in range(n)])
    return like_input(out, fp, g)


def interp_side(x, xp, side, period=None):
    """Where ``np.interp`` gives its ``left`` (``side`` 0) or ``right`` (1) value."""
    if period is not None:
        return np.zeros(np.shape(x))
    x = np.asarray(x)
    return (x < np.min(xp)) if side == 0 else (x > np.max(xp))


def _falling(k, order):
    """``k (k-1) ... (k-order+1)``: the order-th derivative's factor of x^k."""
    out = np.ones_like(k, dtype=float)
    for i in range(order):
        out = out * (k - i)
    return out


def _check_coefficients(p):
    if np.ndim(p) != 1:
        raise Unsupported("np.polyval: s2sad differentiates 1-d coefficient arrays only "
                          f"(got {np.ndim(p)} dimensions)")


def _powers(p, x, order):
    """``d^order/dx^order x^k`` for each coefficient's power k (highest first), on a new
    last axis of x."""
    _check_coefficients(p)
    k = np.arange(np.size(p) - 1, -1, -1)
    x = native(x)[..., None]
    e = np.maximum(k - order, 0)
    return _falling(k, order) * np.where(k >= order, x ** e, 0.0)


def polyval_dx(p, x, order=1):
    """The order-th derivative of ``np.polyval(p, x)`` in x. Linear in p."""
    out = np.sum(native(p) * _powers(p, x, order), axis=-1)
    dtype = np.result_type(p, x, np.float32)
    return float(out) if isinstance(x, (float, int)) else native(out).astype(dtype)


def polyval_vjp_p(g, p, x, order=0):
    """The adjoint of ``np.polyval(p, x)`` for ``p`` (``order`` 0), or that of its
    order-th derivative in x: ``g`` times each power of x, summed over x. Reads p
    for its length only."""
    powers = _powers(p, x, order)
    out = np.sum(np.reshape(native(g)[..., None] * powers, (-1, np.size(p))), axis=0)
    return like_input(out, p, g)


def _polyfit_matrix(x, n, deg, rcond, w):
    """The matrix ``M`` with ``np.polyfit(x, y, deg) = M y`` for n points."""
    return np.polyfit(x, np.eye(n), deg, rcond=rcond, w=w)


def polyfit_jvp(d, x, deg, rcond=None, w=None):
    """The tangent of ``np.polyfit(x, y, deg, rcond, w=w)`` along ``d`` in y."""
    return np.polyfit(x, native(d), deg, rcond=rcond, w=w)


def unpolyfit(g, x, y, deg, rcond=None, w=None):
    """The adjoint of ``np.polyfit(x, y, deg, rcond, w=w)`` for ``y``: ``M^T g``."""
    m = _polyfit_matrix(x, np.shape(y)[0], deg, rcond, w)
    g = native(as_float(g, native(y)))
    return like_input(m.T @ g, y, g)


def real_if_close_vjp(g, ans):
    """The adjoint (and tangent) of ``np.real_if_close``: ``g`` itself, or its real
    part where the result was made real."""
    return g if np.iscomplexobj(ans) else (g.real if np.iscomplexobj(g) else g)
