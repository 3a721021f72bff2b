"""Helpers for the calculus rules of ``rules/numpy_more.py``: gradient, diff with
prepend/append, trapezoid, convolve, nanvar/nanstd, logaddexp.accumulate, i0.

Each adjoint helper is linear in ``g`` and each tangent helper in ``d`` (or ``t``);
what else one reads is named in its docstring, so that the rule tables can give it
tangents of its own (Hessians).
"""
import numpy as np

from .checks import Unsupported
from .core import _float_type, as_float, native, unbroadcast
from .numpy_more import like_input

__all__ = ["gradient_jvp", "ungradient", "diff_jvp", "diff_vjp", "nancentered",
           "nancentered_along", "trapezoid", "trapezoid_vjp_y", "trapezoid_vjp_x",
           "trapezoid_vjp_dx", "trapezoid_jvp_dx", "convolve_vjp_a", "convolve_vjp_v",
           "lae_jvp", "lae_vjp", "bessel_i"]


def _gradient_axes(f, axis):
    n = np.ndim(f)
    if axis is None:
        return list(range(n))
    return [a % n for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]


def gradient_jvp(d, varargs=(), axis=None, edge_order=1):
    """The tangent of ``np.gradient(f, *varargs, axis=axis, edge_order=edge_order)``
    along ``d`` in f: the same differences of d (the spacing is a constant)."""
    return np.gradient(native(d), *varargs, axis=axis, edge_order=edge_order)


def ungradient(g, f, varargs=(), axis=None, edge_order=1):
    """The adjoint of ``np.gradient`` for ``f``: along each axis, the transposed
    difference matrix (read off np.gradient of the identity) applied to that axis's
    part of ``g``. Reads f for its shape only."""
    axes = _gradient_axes(f, axis)
    parts = [g] if len(axes) == 1 else list(g)
    spacing = list(varargs) if len(varargs) != 1 else list(varargs) * len(axes)
    out = np.zeros(np.shape(f), dtype=_float_type(native(f), parts[0]))
    for k, (ax, gk) in enumerate(zip(axes, parts)):
        h = spacing[k:k + 1]
        n = np.shape(f)[ax]
        matrix = np.gradient(np.eye(n), *h, axis=0, edge_order=edge_order)
        moved = np.tensordot(matrix.T, np.moveaxis(native(as_float(gk, native(f))), ax, 0), axes=1)
        out = out + np.moveaxis(moved, 0, ax)
    return like_input(out, f, parts[0])


def _diff_parts(x, axis, prepend, append):
    """The three pieces ``np.diff`` concatenates, prepend and append broadcast as NumPy
    does (a number to a slice of x's shape); None where not given."""
    def spread(v):
        if v is None:
            return None
        v = native(v)
        if v.ndim == 0:
            shape = list(np.shape(x))
            shape[axis] = 1
            v = np.broadcast_to(v, shape)
        return v
    return [spread(prepend), native(x), spread(append)]


def _undiff_full(g, n, axis):
    for _ in range(n):
        widths = [(0, 0)] * np.ndim(g)
        before, after = list(widths), list(widths)
        before[axis], after[axis] = (1, 0), (0, 1)
        g = np.pad(g, before) - np.pad(g, after)
    return g


def diff_jvp(d, x, n=1, axis=-1, prepend=None, append=None, which=1):
    """The tangent of ``np.diff(x, n, axis, prepend, append)`` along ``d`` in prepend
    (``which`` 0), x (1) or append (2): the differences of d put in its place, zeros in
    the others'. Reads x, prepend and append for their shapes."""
    axis = axis % np.ndim(x)
    parts = _diff_parts(x, axis, prepend, append)
    pieces = []
    for k, part in enumerate(parts):
        if part is None:
            continue
        if k == which:
            piece = np.broadcast_to(native(d), part.shape) if np.ndim(d) == 0 else native(d)
            pieces.append(np.broadcast_to(piece, part.shape))
        else:
            pieces.append(np.zeros(part.shape, dtype=np.result_type(native(d), np.float32)))
    return np.diff(np.concatenate(pieces, axis=axis), n, axis)


def diff_vjp(g, x, n=1, axis=-1, prepend=None, append=None, which=1):
    """The adjoint of ``np.diff(x, n, axis, prepend, append)`` for prepend (``which``
    0), x (1) or append (2): its slice of the transposed difference, summed back to a
    number's shape. Reads x, prepend and append for their shapes."""
    axis = axis % np.ndim(x)
    parts = _diff_parts(x, axis, prepend, append)
    full = _undiff_full(g, n, axis)
    start = sum(np.shape(p)[axis] for p in parts[:which] if p is not None)
    index = [slice(None)] * np.ndim(full)
    index[axis] = slice(start, start + parts[which].shape[axis])
    like = (prepend, x, append)[which]
    return like_input(unbroadcast(full[tuple(index)], like), like, g)


def nancentered(x, axis=None):
    """``x`` minus its nan-ignoring mean over ``axis`` (dims kept), 0 at the NaNs: the
    derivative of nanvar and nanstd."""
    return nancentered_along(x, x, axis)


def nancentered_along(x, t, axis=None):
    """:func:`nancentered` of ``t`` with the NaNs of ``x``: linear in t."""
    valid = ~np.isnan(x)
    t = np.where(valid, t, 0.0)
    mean = np.sum(t, axis=axis, keepdims=True) / np.sum(valid, axis=axis, keepdims=True)
    out = np.where(valid, t - mean, 0.0)
    return native(out).astype(np.result_type(x, np.float32))


_TRAPEZOID = getattr(np, "trapezoid", None) or getattr(np, "trapz")


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """``np.trapezoid`` (``np.trapz`` in NumPy 1), whichever this NumPy has."""
    return _TRAPEZOID(y, x=x, dx=dx, axis=axis)


def _spacing(y, x, dx, axis):
    """The intervals of the trapezoid rule along ``axis`` of y, shaped to broadcast."""
    if x is None:
        return dx
    d = np.diff(native(x), axis=axis if np.ndim(x) > 1 else -1)
    if np.ndim(x) == 1:
        shape = [1] * np.ndim(y)
        shape[axis] = d.shape[0]
        d = np.reshape(d, shape)
    return d


def _pad_along(a, axis, before, after):
    widths = [(0, 0)] * np.ndim(a)
    widths[axis] = (before, after)
    return np.pad(a, widths)


def trapezoid_vjp_y(g, y, x=None, dx=1.0, axis=-1):
    """The adjoint of ``trapezoid(y, x, dx, axis)`` for ``y``: ``g`` times each point's
    weight, half its two intervals. Linear in x (or dx when x is None); reads y for its
    shape only."""
    axis = axis % np.ndim(y)
    n = np.shape(y)[axis]
    d = np.broadcast_to(_spacing(y, x, dx, axis), _with(np.shape(y), axis, n - 1))
    w = (_pad_along(d, axis, 0, 1) + _pad_along(d, axis, 1, 0)) / 2.0
    out = np.expand_dims(native(as_float(g, native(y))), axis) * w
    return like_input(out, y, g)


def _with(shape, axis, n):
    shape = list(shape)
    shape[axis] = n
    return tuple(shape)


def trapezoid_vjp_x(g, y, x, axis=-1):
    """The adjoint of ``trapezoid(y, x, axis=axis)`` for ``x``: each coordinate moves
    the intervals on its two sides. Linear in y; reads x for its shape only."""
    axis = axis % np.ndim(y)
    y = native(y)
    mid = (_cut(y, axis, 1, None) + _cut(y, axis, 0, -1)) / 2.0       # per interval
    per = np.expand_dims(native(as_float(g, y)), axis) * mid
    out = _pad_along(per, axis, 1, 0) - _pad_along(per, axis, 0, 1)
    if np.ndim(x) == 1:
        out = np.sum(out, axis=tuple(i for i in range(out.ndim) if i != axis))
    else:
        out = unbroadcast(out, x)
    return like_input(out, x, g)


def _cut(a, axis, start, stop):
    index = [slice(None)] * np.ndim(a)
    index[axis] = slice(start, stop)
    return a[tuple(index)]


def trapezoid_vjp_dx(g, y, x=None, axis=-1):
    """The adjoint of ``trapezoid(y, x, dx, axis)`` for ``dx``: 0 when x is given.
    Linear in y."""
    if x is not None:
        return 0.0
    return float(np.sum(native(g) * trapezoid(y, axis=axis)))


def trapezoid_jvp_dx(d, y, x=None, axis=-1):
    """The tangent of ``trapezoid(y, x, dx, axis)`` along ``d`` in ``dx`` (0 when x is
    given). Linear in y."""
    out = trapezoid(y, dx=1.0, axis=axis)
    return out * (0.0 if x is not None else d)


def _full_adjoint(g, n, m, mode):
    """``g`` of ``np.convolve(a, v, mode)`` (lengths n, m) put back in the full
    convolution's positions, zeros elsewhere."""
    g = native(g)
    full = n + m - 1
    start = {"full": 0, "same": (min(n, m) - 1) // 2,
             "valid": min(n, m) - 1}[mode if isinstance(mode, str) else
                                     {0: "valid", 1: "same", 2: "full"}[mode]]
    return np.pad(g, (start, full - start - g.shape[0]))


def convolve_vjp_a(g, a, v, mode="full"):
    """The adjoint of ``np.convolve(a, v, mode)`` for ``a``: ``g`` correlated with v.
    Linear in v; reads a for its length only."""
    n = np.size(a)
    full = _full_adjoint(g, n, np.size(v), mode)
    out = np.correlate(full, native(v), "valid")
    return like_input(out, a, g)


def convolve_vjp_v(g, a, v, mode="full"):
    """The adjoint of ``np.convolve(a, v, mode)`` for ``v``: ``g`` correlated with a.
    Linear in a; reads v for its length only."""
    m = np.size(v)
    full = _full_adjoint(g, np.size(a), m, mode)
    out = np.correlate(full, native(a), "valid")
    return like_input(out, v, g)


def _scan(values, axis, reverse, step):
    """``acc_k = values_k + step(k) * acc_(k-1)`` along axis (from the end: reverse)."""
    values = np.moveaxis(values, axis, 0)
    order = range(values.shape[0] - 1, -1, -1) if reverse else range(values.shape[0])
    out = np.empty_like(values)
    acc = None
    for k in order:
        acc = values[k] if acc is None else values[k] + step(k) * acc
        out[k] = acc
    return np.moveaxis(out, 0, axis)


def lae_jvp(t, x, s, axis=0):
    """The tangent of ``s = np.logaddexp.accumulate(x, axis)`` along ``t`` in x:
    ``sum_(i<=k) exp(x_i - s_k) t_i``, in a stable running form. Linear in t."""
    x, s = native(x), native(s)
    axis = axis % x.ndim
    sm = np.moveaxis(s, axis, 0)
    w = np.exp(x - s) * native(t)
    out = _scan(w, axis, False, lambda k: np.exp(sm[k - 1] - sm[k]))
    return out.astype(np.result_type(s, np.float32))


def lae_vjp(g, x, s, axis=0):
    """The adjoint of ``s = np.logaddexp.accumulate(x, axis)`` for ``x``:
    ``exp(x_i - s_i) sum_(k>=i) g_k exp(s_i - s_k)``. Linear in g."""
    xs, s = native(x), native(s)
    axis = axis % xs.ndim
    sm = np.moveaxis(s, axis, 0)
    inner = _scan(np.broadcast_to(native(as_float(g, s)), s.shape).astype(
        np.result_type(s, g)), axis, True, lambda k: np.exp(sm[k] - sm[k + 1]))
    return like_input(np.exp(xs - s) * inner, x, g)


def bessel_i(x, n=1):
    """The modified Bessel function ``I_n(x)`` of integer order ``n >= 0``, by its
    power series (all terms of one sign: accurate wherever it is finite), in x's float
    type. ``I_0`` is ``np.i0``, ``I_1`` its derivative."""
    if n < 0:
        n = -n
    xf = np.asarray(x, dtype=np.float64)
    if np.any(np.abs(xf) > 700):
        raise Unsupported("np.i0: derivatives for |x| > 700 overflow (I_n(x) ~ e^x)")
    q = xf * xf / 4.0
    term = (xf / 2.0) ** n / float(np.prod(np.arange(1, n + 1)))
    total = np.array(term, dtype=np.float64)
    k = 0
    while True:
        k += 1
        term = term * q / (k * (k + n))
        total = total + term
        if np.all(np.abs(term) <= 1e-17 * np.abs(total)) or k > 2000:
            break
    if isinstance(x, (float, int)):
        return float(total)
    return native(total).astype(np.result_type(x, np.float32))[()]
