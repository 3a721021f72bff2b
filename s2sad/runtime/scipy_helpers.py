"""Helpers for the SciPy rules: the parts of ``logsumexp``'s result (with
``return_sign`` it is a pair), its weights, and a covariance as a matrix.

SciPy itself is optional: generated code reaches its modules as ``_rt.special`` and
``_rt.stats`` (imported on first use, see :func:`library`), so that a rule's template
may call SciPy functions that have rules of their own (second derivatives).
"""
import importlib

import numpy as np

from .core import native

__all__ = ["lse_value", "lse_sign", "lse_tangent", "weights", "as_cov", "from_cov",
           "library"]

LIBRARIES = {"special": "scipy.special", "stats": "scipy.stats", "integrate": "scipy.integrate"}


def library(name):
    """``scipy.special`` for ``"special"``, ``scipy.stats`` for ``"stats"``."""
    return importlib.import_module(LIBRARIES[name])


def lse_value(r, return_sign=False):
    """The log-magnitude of a ``logsumexp`` result (its first part with return_sign)."""
    return r[0] if return_sign else r


def lse_sign(r, return_sign=False):
    """The sign of a ``logsumexp`` result: 1.0 unless return_sign gave one."""
    return r[1] if return_sign else 1.0


def lse_tangent(t, r, return_sign=False):
    """A ``logsumexp`` tangent shaped as its result: with return_sign, the pair
    ``(t, 0)`` (the sign does not move)."""
    if not return_sign:
        return t
    return t, np.zeros_like(r[1], dtype=np.result_type(r[1], np.float32))


def weights(b):
    """``logsumexp``'s weights ``b``: 1.0 where none are given."""
    return 1.0 if b is None else b


def as_cov(cov, x):
    """A covariance as ``multivariate_normal`` reads it, a (d, d) matrix: a number is a
    multiple of the identity, a vector the diagonal (d: the last axis of ``x``)."""
    cov = native(cov)
    if cov.ndim == 2:
        return cov
    size = np.shape(x)[-1] if np.ndim(x) else 1
    return cov * np.eye(size) if cov.ndim == 0 else np.diag(cov)


def from_cov(g, cov):
    """The adjoint of :func:`as_cov`: a (d, d) adjoint back in ``cov``'s form."""
    ndim = np.ndim(cov)
    if ndim == 2:
        return g
    if ndim == 0:
        total = np.trace(g)
        return float(total) if isinstance(cov, (float, int)) else total
    return np.diagonal(g).copy()
