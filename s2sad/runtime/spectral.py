"""Helpers for the spectral rules: ``svd``, ``pinv``, ``lstsq``, ``matrix_power``,
``eig``/``eigvals`` and the second derivatives of the spectral and nuclear norms.

As in ``linalg``, the adjoints are written in the rule tables as compositions of NumPy
functions and the helpers here, each with a tangent of its own, so that they can be
differentiated again (Hessians). Matrices are the last two axes. Conventions at
repeated singular values and eigenvalues are in docs/conventions.md.
"""
import numpy as np

from .checks import Unsupported
from .core import as_float, native, rebuild

__all__ = ["svd_k", "lead", "rest", "svd_mix", "svd_mix_ds", "over_s", "over_s_ds", "udvt",
           "udvt_d", "svd_jvp", "full_rank", "pinv_jvp", "res_weights", "lstsq_jvp_a",
           "lstsq_jvp_b", "matpow_vjp", "matpow_vjp_dx", "eig_real", "eig_jvp",
           "matrix_norm_hvp"]


def _mT(x):
    return np.swapaxes(x, -1, -2)


def svd_k(ans):
    """The number of singular values, ``k = min(m, n)``, of an SVD result."""
    return np.shape(ans[1])[-1]


def lead(x, k):
    """The first ``k`` columns of ``x``."""
    return x[..., :k]


def rest(x, k):
    """The columns of ``x`` after the first ``k`` (none for a reduced factor)."""
    return x[..., k:]


def _gap(s):
    """``s_j^2 - s_i^2`` and the mask of ties off the diagonal."""
    s = native(s)
    gap = s[..., None, :] ** 2 - s[..., :, None] ** 2
    eye = np.eye(s.shape[-1], dtype=bool)
    return gap, (gap == 0) & ~eye, eye


def _mixed(n, s, *parts):
    """``n_ij / (s_j^2 - s_i^2)`` off the diagonal, 0 on it. At a tie (repeated singular
    values) the limit is not known from the values there: 0 where each of ``parts`` (the
    adjoints or tangents of those singular vectors) is 0 at the tie, else no derivative."""
    gap, tie, eye = _gap(s)
    if any(np.any(tie & (part != 0)) for part in parts):
        raise Unsupported("np.linalg.svd: the singular vectors have no derivative at "
                          "repeated singular values (the derivative of U or V is used "
                          "there); differentiate a function of the singular values alone "
                          "(compute_uv=False), or move off the tie")
    return np.where(eye | tie, 0, n / np.where(eye | tie, 1, gap))


def _numerator(x, y, s):
    """``(x_ij - x_ji) s_j + s_i (y_ij - y_ji)``."""
    s = native(s)
    return (x - _mT(x)) * s[..., None, :] + s[..., :, None] * (y - _mT(y))


def svd_mix(x, y, s):
    """The rotation part of the SVD's adjoint: ``_numerator(x, y, s) / (s_j^2 - s_i^2)``
    with ``x = U^T gU`` and ``y = V^T gV``."""
    return _mixed(_numerator(x, y, s), s, x, _mT(x), y, _mT(y))


def svd_mix_ds(x, y, s, d):
    """The tangent of ``svd_mix(x, y, s)`` along ``d`` in s."""
    gap, tie, eye = _gap(s)
    s, d = native(s), native(d)
    dn = (x - _mT(x)) * d[..., None, :] + d[..., :, None] * (y - _mT(y))
    dgap = 2 * (s * d)[..., None, :] - 2 * (s * d)[..., :, None]
    safe = np.where(eye | tie, 1, gap)
    out = dn / safe - _numerator(x, y, s) * dgap / (safe * safe)
    return np.where(eye | tie, 0, out)


def over_s(r, s):
    """``r S^-1`` (each column over its singular value), or 0 when ``r`` has as many rows
    as there are singular values: there the term it belongs to, ``(I - U U^T) ...``, is 0."""
    if np.shape(r)[-2] == np.shape(s)[-1]:
        return np.zeros_like(r)
    if np.any(native(s) == 0):
        raise Unsupported("np.linalg.svd of a non-square matrix with a zero singular value: "
                          "its singular vectors have no derivative there (where U or V is "
                          "used); differentiate the singular values alone (compute_uv=False)")
    return r / native(s)[..., None, :]


def over_s_ds(r, s, d):
    """The tangent of ``over_s(r, s)`` along ``d`` in s."""
    s, d = native(s), native(d)
    return over_s(-r * d[..., None, :] / s[..., None, :], s)


def udvt(usv, g):
    """``U diag(g) V^T`` of a reduced SVD ``(U, s, V^T)``: the adjoint of singular values."""
    return (usv[0] * native(g)[..., None, :]) @ usv[2]


def udvt_d(usv, g, d):
    """The tangent of ``udvt(usv, g)`` along ``d`` (a tangent of the SVD) in usv."""
    scaled = native(g)[..., None, :]
    return (d[0] * scaled) @ usv[2] + (usv[0] * scaled) @ d[2]


def _side(r, s):
    return 0 if np.shape(r)[-2] == np.shape(s)[-1] else over_s(r, s)


def _complement_jvp(du, u, k):
    """A full factor's columns beyond k move as ``-U_k dU_k^T U_c`` (no rotation among
    themselves: the gauge of docs/conventions.md)."""
    if np.shape(u)[-1] == k:
        return du
    uc = u[..., k:]
    return np.concatenate([du, -u[..., :k] @ (_mT(du) @ uc)], axis=-1)


def svd_jvp(d, a, ans, full_matrices=True, compute_uv=True):
    """The tangent of ``np.linalg.svd`` (distinct singular values where U or V move)."""
    d = native(d)
    if not compute_uv:
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        return np.diagonal(_mT(u) @ d @ _mT(vt), axis1=-2, axis2=-1)
    u, s, vt = ans
    k = s.shape[-1]
    uk, vk = u[..., :k], _mT(vt)[..., :k]
    p = _mT(uk) @ d @ vk
    pt = _mT(p)
    row, col = s[..., None, :], s[..., :, None]
    du = uk @ _mixed(p * row + col * pt, s, p, pt) + _side(d @ vk - uk @ p, s)
    dv = vk @ _mixed(col * p + pt * row, s, p, pt) + _side(_mT(d) @ uk - vk @ pt, s)
    du, dv = _complement_jvp(du, u, k), _complement_jvp(dv, _mT(vt), k)
    return rebuild(ans, [du, np.diagonal(p, axis1=-2, axis2=-1), _mT(dv)])


def full_rank(p, x):
    """``p`` (the pseudo-inverse of ``x``), once ``x`` is of full rank: the
    pseudo-inverse jumps where the rank does, so it has no derivative there."""
    k = min(np.shape(x)[-2:])
    rank = np.trace(native(p) @ native(x), axis1=-2, axis2=-1)
    if np.any(rank < k - 0.5):
        raise Unsupported(f"np.linalg.pinv / np.linalg.lstsq of a matrix of rank below "
                          f"min(m, n) = {k}: the pseudo-inverse has no derivative where "
                          "the rank can change; regularize (solve with a + eps * I)")
    return p


def pinv_jvp(d, x, p):
    """The tangent of the pseudo-inverse ``p`` of a full-rank ``x`` (Golub and Pereyra)."""
    p, dt = full_rank(p, x), _mT(native(d))
    return -p @ d @ p + p @ _mT(p) @ (dt - dt @ x @ p) + (dt - p @ x @ dt) @ _mT(p) @ p


def res_weights(g, b):
    """The adjoint of lstsq's residuals as a row to scale columns (zeros where NumPy
    gives no residuals: a wide or rank-deficient matrix)."""
    k = 1 if np.ndim(b) == 1 else np.shape(b)[-1]
    g = native(as_float(g, b))
    if g.size == 0:
        return np.zeros((1, k), dtype=np.result_type(g, b, np.float32))
    return np.reshape(g, (1, k))


def _lstsq_tangent(ans, b, dx, dr, ds):
    """lstsq's tangent tuple: the solution's, the residuals' (empty when NumPy's are),
    none for the rank, the singular values'."""
    dres = np.sum(dr, axis=0) if np.size(ans[1]) else np.zeros_like(ans[1])
    dx = dx[..., 0] if np.ndim(b) == 1 else dx
    return (dx, dres.astype(np.result_type(ans[1], np.float32)), np.zeros_like(ans[2]), ds)


def lstsq_jvp_a(d, a, b, ans):
    """The tangent of ``np.linalg.lstsq(a, b)`` along ``d`` in a (full-rank a)."""
    bc = b[:, None] if np.ndim(b) == 1 else b
    xc = ans[0][:, None] if np.ndim(b) == 1 else ans[0]
    dx = pinv_jvp(d, a, np.linalg.pinv(a)) @ bc
    dr = 2 * (a @ xc - bc) * (d @ xc)
    return _lstsq_tangent(ans, b, dx, dr, svd_jvp(d, a, None, compute_uv=False))


def lstsq_jvp_b(d, a, b, ans):
    """The tangent of ``np.linalg.lstsq(a, b)`` along ``d`` in b."""
    dc = native(d)[:, None] if np.ndim(b) == 1 else native(d)
    bc = b[:, None] if np.ndim(b) == 1 else b
    xc = ans[0][:, None] if np.ndim(b) == 1 else ans[0]
    dx = full_rank(np.linalg.pinv(a), a) @ dc
    return _lstsq_tangent(ans, b, dx, -2 * (a @ xc - bc) * dc, np.zeros_like(ans[3]))


def _powers(x, n):
    out = [np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), x.shape)]
    for _ in range(n - 1):
        out.append(out[-1] @ x)
    return out


def _pow_sum(g, x, n):
    """``sum_k (x^T)^k g (x^T)^(n-1-k)`` for n >= 0."""
    pw = _powers(_mT(x), n)
    return sum((pw[k] @ g @ pw[n - 1 - k] for k in range(n)), np.zeros_like(g))


def _pow_sum_dx(g, x, d, n):
    """The tangent of ``_pow_sum(g, x, n)`` along ``d`` in x."""
    pw, dt = _powers(_mT(x), n), _mT(d)
    dpw = [np.zeros_like(pw[0])] + [sum(pw[i] @ dt @ pw[j - 1 - i] for i in range(j))
                                    for j in range(1, n)]
    return sum((dpw[k] @ g @ pw[n - 1 - k] + pw[k] @ g @ dpw[n - 1 - k] for k in range(n)),
               np.zeros_like(g))


def matpow_vjp(g, x, n):
    """The adjoint of ``np.linalg.matrix_power(x, n)`` (any integer n)."""
    x = native(x)
    g = np.asarray(as_float(g, x), dtype=np.result_type(g, x, np.float32))
    if n >= 0:
        return _pow_sum(g, x, n)
    b = np.linalg.inv(x)
    return -_mT(b) @ _pow_sum(g, b, -n) @ _mT(b)


def matpow_vjp_dx(g, x, d, n):
    """The tangent of ``matpow_vjp(g, x, n)`` along ``d`` in x."""
    x, d = native(x), native(d)
    g = np.asarray(as_float(g, x), dtype=np.result_type(g, x, np.float32))
    if n >= 0:
        return _pow_sum_dx(g, x, d, n)
    b = np.linalg.inv(x)
    db, bt = -b @ d @ b, _mT(b)
    inner = _pow_sum(g, b, -n)
    return -(_mT(db) @ inner @ bt + bt @ _pow_sum_dx(g, b, db, -n) @ bt
             + bt @ inner @ _mT(db))


def eig_real(v):
    """``v``, the eigenvectors of ``np.linalg.eig``, once they are real (NumPy may give
    a real spectrum as complex numbers with zero imaginary parts)."""
    if np.iscomplexobj(v) and not np.any(np.imag(v)):
        return np.real(v)
    if np.iscomplexobj(v):
        raise Unsupported("np.linalg.eig / np.linalg.eigvals with complex eigenvalues: "
                          "s2sad differentiates real matrices with real, distinct "
                          "eigenvalues only (for a symmetric matrix use np.linalg.eigh)")
    return v


def eig_jvp(d, ans):
    """The tangent of ``np.linalg.eig`` (real distinct eigenvalues, unit eigenvectors)."""
    w, v = ans[0], eig_real(ans[1])
    p = np.linalg.solve(v, native(d) @ v)
    diff = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    dv = v @ np.where(eye, 0, p / np.where(eye, 1, diff))
    dv = dv - v * np.sum(v * dv, axis=-2, keepdims=True)
    return rebuild(ans, [np.diagonal(p, axis1=-2, axis2=-1), dv])


def matrix_norm_hvp(x, d, ord, row, col):
    """The spectral (``ord=2``, ``-2``) or nuclear norm's Hessian times ``d``, the
    matrices on axes (row, col) of ``x``."""
    m, dm = np.moveaxis(x, (row, col), (-2, -1)), np.moveaxis(native(d), (row, col), (-2, -1))
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    v = _mT(vt)
    p = _mT(u) @ dm @ v
    k = 0 if ord == 2 else s.shape[-1] - 1
    if np.any(s == 0) if ord == "nuc" else np.any(s[..., k] == 0):
        raise Unsupported(f"a second derivative of np.linalg.norm(x, {ord!r}) at a "
                          "rank-deficient matrix: it does not exist there")
    if ord == "nuc":
        h = u @ ((p - _mT(p)) / (s[..., None, :] + s[..., :, None])) @ vt
        if u.shape[-2] > s.shape[-1]:
            h = h + _side(dm @ v - u @ p, s) @ vt
        if v.shape[-2] > s.shape[-1]:
            h = h + u @ _mT(_side(_mT(dm) @ u - v @ _mT(p), s))
        return np.moveaxis(h, (-2, -1), (row, col))
    sk, others = s[..., k:k + 1], np.delete(s, k, axis=-1)
    if np.any(others == sk):
        raise Unsupported(f"a second derivative of np.linalg.norm(x, {ord}) where that "
                          "singular value is repeated: it does not exist there")
    gap = sk ** 2 - s ** 2
    gap[..., k] = 1
    wu = (p[..., :, k] * sk + s * p[..., k, :]) / gap
    wv = (s * p[..., :, k] + p[..., k, :] * sk) / gap
    wu[..., k] = wv[..., k] = 0
    du = u @ wu[..., None] + (dm @ v[..., k:k + 1] - u @ p[..., :, k:k + 1]) / sk[..., None]
    dv = v @ wv[..., None] + (_mT(dm) @ u[..., k:k + 1] - v @ p[..., k:k + 1, :].swapaxes(-1, -2)) \
        / sk[..., None]
    h = du @ vt[..., k:k + 1, :] + u[..., :, k:k + 1] @ _mT(dv)
    return np.moveaxis(h, (-2, -1), (row, col))
