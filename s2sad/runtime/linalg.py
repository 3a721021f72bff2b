"""Helpers for ``np.linalg`` rules. Matrices are the last two axes (batches allowed).

Most matrix adjoints are written in the rule tables as compositions of NumPy
functions and the small linear helpers here (``mT``, ``sym``, ``phi``, ...), so that
they can be differentiated again for Hessians without rules of their own.
Symmetric inputs (``cholesky``, ``eigh``) get the symmetric derivative, as in JAX.
"""
import numpy as np

from .checks import Unsupported
from .core import _axes, as_float, native, rebuild
from .reductions import unreduce
from .spectral import matrix_norm_hvp

__all__ = ["mT", "sym", "phi", "copyltu", "expand2", "diag_embed", "as_columns",
           "from_columns", "eigh_gap", "eigh_gap_jvp", "eigh_jvp", "vdvt", "vdvt_dv",
           "qr_jvp", "norm_vjp", "norm_jvp", "norm_vjp_dx"]


def mT(x):
    """The matrix transpose of the last two axes."""
    return np.swapaxes(x, -1, -2)


def sym(x):
    """The symmetric part ``(x + x^T) / 2``."""
    return (x + mT(x)) / 2


def _eye(x):
    return np.eye(np.shape(x)[-1], dtype=np.result_type(x, np.float32))


def phi(x):
    """The lower triangle of ``x`` with its diagonal halved (Murray's Phi)."""
    return np.tril(x) * (1.0 - 0.5 * _eye(x))


def copyltu(m):
    """The symmetric matrix with the lower triangle (and diagonal) of ``m``."""
    return np.tril(m) + mT(np.tril(m, -1))


def expand2(g, x):
    """``g`` with two trailing axes, to scale a batch of matrices like ``x``."""
    return as_float(g, x)[..., None, None]


def diag_embed(v):
    """A batch of diagonal matrices with ``v`` (last axis) on their diagonals."""
    v = native(v)
    n = v.shape[-1]
    out = np.zeros(v.shape + (n,), dtype=np.result_type(v, np.float32))
    out[..., np.arange(n), np.arange(n)] = v
    return out


def as_columns(g, b):
    """``g`` as a matrix of columns when ``b`` (the right-hand side of a solve) is a vector."""
    return native(g)[..., None] if np.ndim(b) == 1 else g


def from_columns(u, b):
    """The inverse of ``as_columns``."""
    return u[..., 0] if np.ndim(b) == 1 else u


def eigh_gap(w):
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it (eigenvalues distinct)."""
    w = native(w)
    diff = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    return np.where(eye, 0, 1 / np.where(eye, 1, diff))


def eigh_gap_jvp(w, d):
    """The tangent of ``eigh_gap(w)`` along ``d``."""
    f = eigh_gap(w)
    d = native(d)
    return -f * f * (d[..., None, :] - d[..., :, None])


def eigh_jvp(d, ans):
    """The tangent of ``np.linalg.eigh`` (distinct eigenvalues), input taken symmetric."""
    w, v = ans
    m = mT(v) @ sym(d) @ v
    return rebuild(ans, [np.diagonal(m, axis1=-2, axis2=-1), v @ (eigh_gap(w) * m)])


def vdvt(v, g):
    """``V diag(g) V^T``: the adjoint of eigenvalues computed by eigvalsh."""
    return (v * native(g)[..., None, :]) @ mT(v)


def vdvt_dv(v, g, d):
    """The tangent of ``vdvt(v, g)`` along ``d`` in v."""
    scaled = native(g)[..., None, :]
    return (d * scaled) @ mT(v) + (v * scaled) @ mT(d)


def qr_jvp(d, ans):
    """The tangent of the reduced ``np.linalg.qr``, as in JAX for m >= n; a wide x =
    [X | Y] factors X = Q U and gives V = Q^T Y, so dV = dQ^T Y + Q^T dY."""
    q, r = ans
    k = q.shape[-1]
    u, y = r[..., :k], q @ r[..., k:]
    dx_rinv = mT(np.linalg.solve(mT(u), mT(d[..., :k])))
    qt = mT(q) @ dx_rinv
    low = np.tril(qt, -1)
    skew = low - mT(low)
    dq = q @ (skew - qt) + dx_rinv
    dv = mT(dq) @ y + mT(q) @ d[..., k:]
    return rebuild(ans, [dq, np.concatenate([(qt - skew) @ u, dv], axis=-1)])


# norms ------------------------------------------------------------------------------

def _norm_axes(x, ord, axis):
    """The reduced axes of ``np.linalg.norm``: None (all, flattened 2-norm), one axis
    (a vector norm) or two (a matrix norm)."""
    ndim = np.ndim(x)
    if axis is None:
        if ord is None:
            return None
        return tuple(range(ndim))
    return _axes(axis, ndim) if isinstance(axis, int) else tuple(a % ndim for a in axis)


def _safe_div(a, n):
    return np.where(n == 0, 0, a / np.where(n == 0, 1, n))


def _norm_grad(x, ord, axis):
    """The gradient of each norm in ``np.linalg.norm(x, ord, axis)``, shaped like x."""
    return _norm_grad_of(native(x), ord, axis).astype(np.result_type(x, np.float32))


def _norm_grad_of(x, ord, axis):
    axes = _norm_axes(x, ord, axis)
    n = np.linalg.norm(x, ord, axis if axes is None else axes, keepdims=True)
    if axes is None or ord in (None, 2, "fro") and (len(axes) == 1 or ord != 2):
        return _safe_div(x, n)
    if len(axes) == 1:
        ax = axes[0]
        if ord in (np.inf, -np.inf):
            mask = np.abs(x) == n
            return np.sign(x) * mask / np.sum(mask, axis=ax, keepdims=True)
        if ord == 0:
            return np.zeros_like(x)
        return np.sign(x) * _safe_div(np.abs(x) ** (ord - 1), n ** (ord - 1))
    row, col = axes
    if ord in (1, -1, np.inf, -np.inf):
        across = row if ord in (1, -1) else col
        sums = np.sum(np.abs(x), axis=across, keepdims=True)
        mask = sums == n
        return np.sign(x) * mask / np.sum(mask, axis=(row, col), keepdims=True)
    moved = np.moveaxis(x, (row, col), (-2, -1))
    u, _, vt = np.linalg.svd(moved, full_matrices=False)
    if ord == "nuc":
        grad = u @ vt
    else:
        k = 0 if ord == 2 else -1
        grad = u[..., :, k, None] * vt[..., None, k, :]
    return np.moveaxis(grad, (-2, -1), (row, col))


def norm_vjp(g, x, ord=None, axis=None, keepdims=False):
    """The adjoint of ``np.linalg.norm(x, ord, axis, keepdims)`` (a zero norm passes 0)."""
    axes = _norm_axes(x, ord, axis)
    return unreduce(g, x, axes, keepdims) * _norm_grad(x, ord, axis)


def norm_jvp(d, x, ord=None, axis=None, keepdims=False):
    """The tangent of ``np.linalg.norm``."""
    axes = _norm_axes(x, ord, axis)
    return np.sum(_norm_grad(x, ord, axis) * d, axis=axes, keepdims=keepdims)


def norm_vjp_dx(g, x, d, ord=None, axis=None, keepdims=False):
    """The tangent of ``norm_vjp(g, x)`` along ``d`` in x: the norm's Hessian times d
    (zero for the piecewise linear norms)."""
    x = native(x)
    axes = _norm_axes(x, ord, axis)
    scale = unreduce(g, x, axes, keepdims)
    n = np.linalg.norm(x, ord, axis if axes is None else axes, keepdims=True)
    vector = axes is not None and len(axes) == 1
    smooth = axes is None or ord in (None, "fro") or vector and ord == 2
    if (smooth or vector and ord not in (0, 1, np.inf, -np.inf)) and np.any(n == 0):
        raise Unsupported("a second derivative through np.linalg.norm at a zero vector: "
                          "the norm's Hessian is unbounded there (even where it is "
                          "multiplied by 0, as in norm(v) ** 2); write a squared norm as "
                          "np.sum(v * v)")
    if smooth:
        inner = np.sum(x * d, axis=axes, keepdims=True)
        return scale * _safe_div(d - _safe_div(x * inner, n * n), n)
    if ord in ((0, 1, np.inf, -np.inf) if vector else (1, -1, np.inf, -np.inf)):
        return np.zeros(np.broadcast_shapes(np.shape(scale), np.shape(d)), scale.dtype)
    if not vector:
        return scale * matrix_norm_hvp(x, d, ord, *axes)
    grad = _norm_grad(x, ord, axis)
    along = np.sum(grad * d, axis=axes, keepdims=True)
    hess = _safe_div(np.abs(x) ** (ord - 2) * d, n ** (ord - 1)) - _safe_div(grad * along, n)
    return scale * (ord - 1) * hess
