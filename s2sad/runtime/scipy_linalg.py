"""Helpers for the ``scipy.linalg`` rules. Matrices are the last two axes.

A SciPy solver reads only part of its matrix: one triangle for ``assume_a='pos'`` or
``'sym'``, for ``cholesky`` and ``eigh``; the triangle (with a unit diagonal, maybe)
for ``solve_triangular``. :func:`solve_matrix` is the matrix it solves with, built
from what it reads, so that a rule differentiates what SciPy computes: the derivative
in the entries SciPy reads, zero in the others. ``cho_factor`` and ``lu_factor`` return
packed factors (the Cholesky factor in one triangle and ``a``'s other entries in the
other; ``L`` and ``U`` in one matrix, with row swaps ``piv``); the helpers here unpack
and pack them. ``expm``'s Frechet derivative is the upper right block of the exponential
of ``[[A, E], [0, A]]`` (Mathias), ``sqrtm``'s a Sylvester equation.

SciPy is optional: it is imported when a helper that needs it first runs.
"""
import importlib

import numpy as np

from .checks import Unsupported
from .core import native
from .linalg import diag_embed, mT

__all__ = ["solve_matrix", "solve_part", "solve_part_vjp", "reflect", "reflect_vjp",
           "cho_lower", "cho_lower_vjp", "lower_to", "cho_pack", "cho_pack_vjp_l",
           "cho_pack_vjp_a", "lu_l", "lu_permute", "lu_unpermute", "expm_frechet", "expm_block",
           "block_ur", "sylvester", "eigh_plain"]

GENERAL = (None, "gen", "general")
SYMMETRIC = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")
TRIANGULAR = {"upper triangular": False, "lower triangular": True}
TRANSPOSED = (True, 1, 2, "T", "C", "t", "c")


def _sla():
    return importlib.import_module("scipy.linalg")


def _eye(a):
    return np.eye(np.shape(a)[-1], dtype=np.result_type(a, np.float32))


def _real(a):
    a = native(a)
    if np.iscomplexobj(a):
        raise Unsupported("a derivative of a SciPy solver that reads one triangle of a "
                          "complex (Hermitian) matrix; only real matrices are covered")
    return a


def reflect(a, lower=False):
    """The symmetric matrix with ``a``'s lower (or upper) triangle, diagonal included."""
    a = _real(a)
    if lower:
        return np.tril(a) + mT(np.tril(a, -1))
    return np.triu(a) + mT(np.triu(a, 1))


def reflect_vjp(g, lower=False):
    """The adjoint of :func:`reflect`: ``g + g^T`` on the triangle read (once on the
    diagonal), zero on the other."""
    g = _real(g)
    if lower:
        return np.tril(g) + np.tril(mT(g), -1)
    return np.triu(g) + np.triu(mT(g), 1)


def _band(a, lower, kind, unit):
    """What a solver reads of ``a`` (its linear part: a unit diagonal is left out)."""
    if kind in GENERAL:
        return a
    if kind in SYMMETRIC:
        return reflect(a, lower)
    if kind == "triangular" or kind in TRIANGULAR:
        low = lower if kind == "triangular" else TRIANGULAR[kind]
        return np.tril(a, -int(bool(unit))) if low else np.triu(a, int(bool(unit)))
    if kind == "diagonal":
        return diag_embed(np.diagonal(a, 0, -2, -1))
    if kind == "tridiagonal":
        return np.triu(np.tril(a, 1), -1)
    raise Unsupported(f"a derivative of a solve with assume_a={kind!r} (one of 'gen', 'sym', "
                      "'her', 'pos', 'diagonal', 'tridiagonal', 'upper triangular', "
                      "'lower triangular' has one)")


def solve_part(a, kind=None, lower=False, trans=False, unit=False):
    """The matrix a SciPy solver reads from ``a`` (transposed for ``trans``: True, 1,
    2, 'T', 'C'), less a unit diagonal: linear in ``a``."""
    m = _band(native(a), lower, kind, unit)
    return mT(m) if trans in TRANSPOSED else m


def solve_matrix(a, kind=None, lower=False, trans=False, unit=False):
    """The matrix a SciPy solver solves with: :func:`solve_part`, plus the identity for
    a unit diagonal."""
    m = solve_part(a, kind, lower, trans, unit)
    return m + _eye(m) if unit else m


def solve_part_vjp(g, kind=None, lower=False, trans=False, unit=False):
    """The adjoint of :func:`solve_part`."""
    g = native(g)
    g = mT(g) if trans in TRANSPOSED else g
    if kind in SYMMETRIC:
        return reflect_vjp(g, lower)
    return _band(g, lower, kind, unit)


def cho_lower(c, lower=False):
    """The lower Cholesky factor L held by ``c``: a factor from ``cholesky``, or the
    packed matrix of ``cho_factor`` (L in the lower triangle, or L^T in the upper)."""
    c = native(c)
    return np.tril(c) if lower else mT(np.triu(c))


def cho_lower_vjp(g, lower=False):
    """The adjoint of :func:`cho_lower`."""
    g = native(g)
    return np.tril(g) if lower else np.triu(mT(g))


def lower_to(x, lower=False):
    """``x`` (a lower factor's tangent) as the factor SciPy returns: L, or L^T."""
    return x if lower else mT(x)


def cho_pack(l, a, lower=False):
    """``cho_factor``'s packed matrix: the factor (from its lower form ``l``) in the
    triangle, ``a``'s entries in the other; linear in ``l`` and ``a`` together."""
    if lower:
        return np.tril(l) + np.triu(a, 1)
    return np.triu(mT(l)) + np.tril(a, -1)


def cho_pack_vjp_l(g, lower=False):
    """The adjoint of :func:`cho_pack` in ``l``."""
    return np.tril(g) if lower else np.tril(mT(g))


def cho_pack_vjp_a(g, lower=False):
    """The adjoint of :func:`cho_pack` in ``a``."""
    return np.triu(g, 1) if lower else np.tril(g, -1)


def lu_l(lu):
    """The unit lower factor L of ``lu_factor``'s packed matrix."""
    lu = native(lu)
    return np.tril(lu, -1) + _eye(lu)


def _rows(piv):
    """The permutation ``lu_factor``'s row swaps make: ``a[rows] == L @ U``."""
    piv = np.asarray(piv)
    if piv.ndim != 1:
        raise Unsupported("a derivative of lu_factor / lu_solve of a batch of matrices; "
                          "factor each matrix in a loop")
    rows = np.arange(piv.shape[-1])
    for i, p in enumerate(piv):
        rows[i], rows[p] = rows[p], rows[i]
    return rows


def lu_permute(x, piv):
    """``x``'s rows in the order of ``lu_factor``'s swaps (``a`` to ``L @ U``)."""
    return native(x)[..., _rows(piv), :]


def lu_unpermute(x, piv):
    """The inverse of :func:`lu_permute` (``L @ U`` back to ``a``), its adjoint too."""
    x = native(x)
    out = np.zeros_like(x)
    out[..., _rows(piv), :] = x
    return out


def expm_block(a, e):
    """``[[a, e], [0, a]]``: linear in ``a`` and ``e`` together."""
    a, e = native(a), native(e)
    e = np.broadcast_to(e, np.broadcast_shapes(np.shape(a), np.shape(e)))
    a = np.broadcast_to(a, e.shape)
    top = np.concatenate([a, e], axis=-1)
    bottom = np.concatenate([np.zeros_like(a), a], axis=-1)
    return np.concatenate([top, bottom], axis=-2)


def block_ur(x):
    """The upper right block of a matrix twice as large as its blocks."""
    n = np.shape(x)[-1] // 2
    return native(x)[..., :n, n:]


def expm_frechet(a, e):
    """The Frechet derivative of ``expm`` at ``a`` along ``e``: the upper right block of
    ``expm([[a, e], [0, a]])``."""
    return block_ur(_sla().expm(expm_block(a, e)))


def sylvester(a, b, q):
    """The ``y`` with ``a y + y b = q`` (a batch of them for a batch of matrices)."""
    a, b, q = native(a), native(b), native(q)
    shape = np.broadcast_shapes(a.shape, b.shape, q.shape)
    a, b, q = (np.broadcast_to(x, shape) for x in (a, b, q))
    out = np.empty(shape, dtype=np.result_type(a, b, q, np.float32))
    for i in np.ndindex(shape[:-2]):
        out[i] = _sla().solve_sylvester(a[i], b[i], q[i])
    return out


def eigh_plain(x, b=None, subset_by_index=None, subset_by_value=None):
    """``x``, once ``eigh`` was called as its rule covers: a standard problem (no ``b``),
    all eigenvalues."""
    if b is not None:
        raise Unsupported("the derivative of scipy.linalg.eigh of a generalized problem "
                          "(b given); solve it as a standard one: with L = cholesky(b, "
                          "lower=True), eigh(solve_triangular(L, solve_triangular(L, a, "
                          "lower=True).T, lower=True))")
    if subset_by_index is not None or subset_by_value is not None:
        raise Unsupported("the derivative of scipy.linalg.eigh of a subset of eigenvalues; "
                          "compute all of them and index the result")
    return x
