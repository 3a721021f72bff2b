"""Helpers for reductions and scans: sum, mean, max and min spread back to their
input, prod and cumprod (exact where x has zeros), cumsum, var/std, average, diff, the
nan-ignoring reductions."""
import numpy as np

from .core import _axes, _float_type, fresh, native, rebuild

__all__ = ["unreduce", "count", "unreduce_extremum", "extremum_jvp", "unsum", "prod_vjp",
           "prod_jvp", "prod_vjp_dx", "centered", "uncumsum", "cumprod_vjp", "cumprod_jvp",
           "cumprod_vjp_dx", "weights_like", "unweights", "nancount", "undiff"]


def unreduce(g, x, axis=None, keepdims=False):
    """Spread the adjoint of a sum over ``axis`` back to ``x``'s shape: a read-only
    broadcast view, not a copy (:func:`owned` copies one that reaches the caller)."""
    shape, dtype = np.shape(x), _float_type(x, g)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _axes(axis, len(shape)))
    spread = np.broadcast_to(g, shape)
    return spread if spread.dtype == dtype else spread.astype(dtype)


def count(x, axis=None):
    """How many elements a reduction over ``axis`` combines."""
    shape = np.shape(x)
    if axis is None:
        return max(int(np.prod(shape)), 1)
    return int(np.prod([shape[a] for a in _axes(axis, len(shape))]))


def unreduce_extremum(g, x, ans, axis=None, keepdims=False):
    """The adjoint of max/min: to the extreme elements, ties sharing evenly."""
    shape, dtype = np.shape(x), _float_type(x, g)
    if axis is not None and not keepdims:
        axes = _axes(axis, len(shape))
        g, ans = np.expand_dims(g, axes), np.expand_dims(ans, axes)
    mask = native(x) == ans
    ties = np.sum(mask, axis=axis, keepdims=True)
    return (g * mask / ties).astype(dtype)


def extremum_jvp(d, x, ans, axis=None, keepdims=False):
    """The tangent of max/min: the mean of the tangents of the extreme elements."""
    shape = np.shape(x)
    full = ans
    if axis is not None and not keepdims:
        full = np.expand_dims(ans, _axes(axis, len(shape)))
    mask = native(x) == full
    ties = np.sum(mask, axis=axis, keepdims=keepdims)
    out = np.sum(np.where(mask, d, 0.0), axis=axis, keepdims=keepdims) / ties
    return native(out).astype(np.result_type(ans, d, np.float32))[()]


def unsum(g, x):
    """The adjoint of builtin ``sum(x)``: each item of ``x`` gets ``g``."""
    if isinstance(x, (list, tuple)):
        return rebuild(x, [g for _ in x])
    return np.broadcast_to(g, np.shape(x)).astype(_float_type(x, g))



def _others(x, axis):
    """For each element, the product of the other elements of its reduction, with the
    pieces the second derivative needs: (others, zero mask, zero count, nonzero product,
    x with zeros replaced by 1)."""
    x = native(x)
    zero = x == 0
    count = np.sum(zero, axis=axis, keepdims=True)
    safe = np.where(zero, 1, x)
    p = np.prod(safe, axis=axis, keepdims=True)
    others = np.where(count == 0, p / safe, np.where((count == 1) & zero, p, 0))
    return others, zero, count, p, safe


def prod_vjp(g, x, axis=None, keepdims=False):
    """The adjoint of ``np.prod(x, axis)``: each element gets ``g`` times the product of
    the others, computed without dividing by zero."""
    return unreduce(g, x, axis, keepdims) * _others(x, axis)[0]


def prod_jvp(d, x, axis=None, keepdims=False):
    """The tangent of ``np.prod(x, axis)``."""
    return np.sum(d * _others(x, axis)[0], axis=axis, keepdims=keepdims)


def prod_vjp_dx(g, x, d, axis=None, keepdims=False):
    """The tangent of ``prod_vjp(g, x)`` along ``d`` in x: ``g`` times the derivative of
    the products of the others, case by case on the number of zeros."""
    others, zero, count, p, safe = _others(x, axis)
    ratio = np.sum(np.where(zero, 0, d / safe), axis=axis, keepdims=True)
    at_zeros = np.sum(np.where(zero, d, 0), axis=axis, keepdims=True)
    none = others * (ratio - d / safe)
    one = np.where(zero, p * ratio, at_zeros * p / safe)
    two = np.where(zero, (at_zeros - d) * p, 0)
    dothers = np.where(count == 0, none, np.where(count == 1, one, np.where(count == 2, two, 0)))
    return unreduce(g, x, axis, keepdims) * dothers


def centered(x, axis=None):
    """``x`` minus its mean over ``axis`` (dims kept): the derivative of var and std."""
    return x - np.mean(x, axis=axis, keepdims=True)


def uncumsum(g, x, axis=None):
    """The adjoint of ``np.cumsum(x, axis)``: reversed cumulative sums of ``g``
    (``axis=None``: over x flattened, as cumsum does)."""
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.ravel(g)))), np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def _last(a, axis, shape):
    """``a`` with the scan axis last (flattened for ``axis=None``)."""
    if axis is None:
        return np.reshape(a, (-1,))
    return np.moveaxis(np.broadcast_to(a, shape), axis, -1)


def _back(a, axis, shape):
    """The scan axis put back (``axis=None``: reshaped to ``shape``)."""
    if axis is None:
        return np.reshape(a, shape)
    return np.moveaxis(a, -1, axis)


def _exclusive(x):
    """Products of the elements before each one along the last axis (1 for the first)."""
    ones = np.ones_like(x[..., :1])
    return np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)


def _suffix(g, x):
    """``S[j] = sum_{k >= j} g[k] prod_{j < i <= k} x[i]`` along the last axis, by the
    recurrence ``S[j] = g[j] + x[j+1] S[j+1]`` (exact where x has zeros)."""
    s = fresh(g, np.result_type(g, x))
    for j in range(x.shape[-1] - 2, -1, -1):
        s[..., j] = s[..., j] + x[..., j + 1] * s[..., j + 1]
    return s


def cumprod_vjp(g, x, axis=None):
    """The adjoint of ``np.cumprod(x, axis)``, exact where x has zeros."""
    shape = np.shape(x)
    xs, gs = _last(native(x), axis, shape), _last(g, axis, shape)
    if not np.any(xs == 0):
        out = np.flip(np.cumsum(np.flip(gs * np.cumprod(xs, axis=-1), -1), -1), -1) / xs
    else:
        out = _exclusive(xs) * _suffix(gs, xs)
    return _back(out, axis, shape)


def cumprod_jvp(d, x, axis=None):
    """The tangent of ``np.cumprod(x, axis)``: ``t[k] = t[k-1] x[k] + c[k-1] d[k]``."""
    shape = np.shape(x)
    xs, ds = _last(native(x), axis, shape), _last(d, axis, shape)
    c = np.cumprod(xs, axis=-1)
    if not np.any(xs == 0):
        return _back(c * np.cumsum(ds / xs, axis=-1), axis, np.shape(c) if axis is None else shape)
    t = fresh(ds, np.result_type(ds, xs))
    for k in range(1, xs.shape[-1]):
        t[..., k] = t[..., k - 1] * xs[..., k] + c[..., k - 1] * ds[..., k]
    return _back(t, axis, np.shape(c) if axis is None else shape)


def cumprod_vjp_dx(g, x, d, axis=None):
    """The tangent of ``cumprod_vjp(g, x)`` along ``d`` in x: the product rule on
    ``exclusive * suffix``, each differentiated through its recurrence."""
    shape = np.shape(x)
    xs, gs, ds = (_last(a, axis, shape) for a in (native(x), g, d))
    n = xs.shape[-1]
    left = _exclusive(xs)
    dleft = np.zeros(np.broadcast_shapes(xs.shape, ds.shape), np.result_type(xs, ds))
    for j in range(1, n):
        dleft[..., j] = dleft[..., j - 1] * xs[..., j - 1] + left[..., j - 1] * ds[..., j - 1]
    suffix = _suffix(gs, xs)
    dsuffix = np.zeros_like(dleft)
    for j in range(n - 2, -1, -1):
        dsuffix[..., j] = ds[..., j + 1] * suffix[..., j + 1] + xs[..., j + 1] * dsuffix[..., j + 1]
    return _back(dleft * suffix + left * dsuffix, axis, shape)


def weights_like(weights, x, axis=None):
    """The weights of ``np.average(x, axis, weights)`` as an array of x's shape: ones
    when there are none, 1-d weights laid along ``axis``."""
    if weights is None:
        return np.ones(np.shape(x), dtype=np.result_type(x, np.float32))
    w = native(weights)
    if w.shape != np.shape(x):
        shape = [1] * np.ndim(x)
        shape[axis] = w.size
        w = np.reshape(w, shape)
    return np.broadcast_to(w, np.shape(x))


def unweights(gw, weights, axis=None):
    """The adjoint of ``weights_like`` for the weights: summed back to their shape."""
    if np.shape(gw) == np.shape(weights):
        return gw
    keep = axis % np.ndim(gw)
    return np.sum(gw, axis=tuple(i for i in range(np.ndim(gw)) if i != keep))


def nancount(x, axis=None, keepdims=True):
    """How many non-NaN elements a reduction over ``axis`` combines, in x's float type."""
    counts = np.sum(~np.isnan(x), axis=axis, keepdims=keepdims)
    return native(counts).astype(np.result_type(x, np.float32))[()]


def undiff(g, x, n=1, axis=-1):
    """The adjoint of ``np.diff(x, n, axis)``: the transposed difference, ``n`` times."""
    axis = axis % np.ndim(x)
    for _ in range(n):
        widths = [(0, 0)] * np.ndim(g)
        before, after = list(widths), list(widths)
        before[axis], after[axis] = (1, 0), (0, 1)
        g = np.pad(g, before) - np.pad(g, after)
    return g

