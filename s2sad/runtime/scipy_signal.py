"""Helpers for the ``scipy.signal`` rules: ``convolve`` and ``correlate``, bilinear in
their operands, in each of their modes ('full', 'same', 'valid') and methods.

A mode's result is a centred block of the full convolution (SciPy's ``_centered``);
the adjoint of the full convolution in one operand is the valid correlation of the
full-sized adjoint with the other operand. ``correlate(x, y)`` is ``convolve(x, y')``
with ``y'`` reversed along every axis.

SciPy is optional: it is imported when a helper first runs.
"""
import importlib

import numpy as np

from .core import native

__all__ = ["convolve", "correlate", "signal_convolve_vjp_a", "signal_convolve_vjp_b",
           "signal_correlate_vjp_a",
           "signal_correlate_vjp_b"]


def _signal():
    return importlib.import_module("scipy.signal")


def convolve(x, y, mode="full", method="auto"):
    """``scipy.signal.convolve`` (tangents call it: it is linear in each operand)."""
    return _signal().convolve(x, y, mode=mode, method=method)


def correlate(x, y, mode="full", method="auto"):
    """``scipy.signal.correlate`` (linear in each operand)."""
    return _signal().correlate(x, y, mode=mode, method=method)


def _flip(y):
    y = native(y)
    return y[(slice(None, None, -1),) * y.ndim]


def _full(g, x, y, mode):
    """``g``, the adjoint of ``convolve(x, y, mode)``, placed in the full result."""
    g = native(g)
    sx, sy = np.shape(x), np.shape(y)
    if mode == "full":
        return g
    full = tuple(a + b - 1 for a, b in zip(sx, sy))
    out = np.zeros(full, dtype=np.result_type(g, np.float32))
    start = tuple((f - n) // 2 for f, n in zip(full, g.shape))
    out[tuple(slice(s, s + n) for s, n in zip(start, g.shape))] = g
    return out


def signal_convolve_vjp_a(g, x, y, mode="full", method="auto"):
    """The adjoint of ``convolve(x, y, mode)`` in ``x``: linear in ``g`` and ``y``."""
    return _signal().correlate(_full(g, x, y, mode), y, mode="valid", method=method)


def signal_convolve_vjp_b(g, x, y, mode="full", method="auto"):
    """The adjoint of ``convolve(x, y, mode)`` in ``y``: linear in ``g`` and ``x``."""
    return _signal().correlate(_full(g, x, y, mode), x, mode="valid", method=method)


def signal_correlate_vjp_a(g, x, y, mode="full", method="auto"):
    """The adjoint of ``correlate(x, y, mode)`` in ``x``."""
    return signal_convolve_vjp_a(g, x, _flip(y), mode, method)


def signal_correlate_vjp_b(g, x, y, mode="full", method="auto"):
    """The adjoint of ``correlate(x, y, mode)`` in ``y``."""
    return _flip(signal_convolve_vjp_b(g, x, _flip(y), mode, method))
