"""Adjoints of NumPy's discrete Fourier transforms (``np.fft``), with JAX's pairing of
complex values (docs/conventions.md, "Complex numbers"): an adjoint ``u`` pairs with a
tangent ``dz`` as ``Re(sum(dz * u))``, no conjugate.

Every transform is a sequence of one-axis steps, each cropping or zero-padding its
input to a length and transforming it (``fftn`` one ``fft`` per axis, ``rfftn`` an
``rfft`` then ``fft``s, ``irfftn`` ``ifft``s then an ``irfft``), as NumPy computes it;
the adjoint undoes the steps in reverse order. A step's matrix is symmetric, so under
this pairing the adjoint of ``fft``/``ifft`` is the same transform with the same
``norm`` (its transpose, no conjugate), and the crop or padding becomes a padding or
crop back to the input's length. ``rfft`` keeps bins ``0 .. n//2`` of the full
transform of a real input: its adjoint is the real part of the full ``fft`` of ``g``
zero-padded to ``n``. ``irfft`` reads only the real parts of bin 0 and (even ``n``)
bin ``n/2`` and counts each other bin twice (with its conjugate mirror): its adjoint
is ``alpha * ifft(Re g)`` on bins ``0 .. n//2``, ``alpha`` 1 on those two bins and 2
on the rest. ``hfft`` is ``irfft`` of the conjugate with the opposite ``norm``,
``ihfft`` the conjugate of ``rfft``. Each helper is linear in ``g``; ``x`` is read
only for its shape and whether it is complex (a real input's adjoint is real).
"""
import operator

import numpy as np

__all__ = ["fft_vjp", "fftn_vjp"]

_SWAP = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def fft_vjp(g, x, kind, n=None, axis=-1, norm=None):
    """The adjoint of ``np.fft.<kind>(x, n, axis, norm)``, ``kind`` one of ``fft``,
    ``ifft``, ``rfft``, ``irfft``, ``hfft``, ``ihfft``."""
    shape = np.shape(x)
    axis = _axis(axis, len(shape))
    m = shape[axis]
    if n is None:
        n = 2 * (m - 1) if kind in ("irfft", "hfft") else m
    n = operator.index(n)
    if kind == "hfft":
        u = np.conj(_step(g, "irfft", axis, m, n, _SWAP[norm]))
    elif kind == "ihfft":
        u = _step(np.conj(g), "rfft", axis, m, n, _SWAP[norm])
    else:
        u = _step(g, kind, axis, m, n, norm)
    return _real_like(u, x)


def fftn_vjp(g, x, kind, s=None, axes=None, norm=None):
    """The adjoint of ``np.fft.<kind>n(x, s, axes, norm)`` (and of the ``2`` forms,
    whose rules pass ``axes=(-2, -1)``), ``kind`` one of ``fft``, ``ifft``, ``rfft``,
    ``irfft``."""
    u = g
    for step, axis, m, n in reversed(_plan(np.shape(x), kind, s, axes)):
        u = _step(u, step, axis, m, n, norm)
    return _real_like(u, x)


def _plan(shape, kind, s, axes):
    """NumPy's one-axis steps for an n-dimensional transform, in the order it runs them:
    ``(step, axis, input length, n)``."""
    s, axes = _cook(shape, s, axes, kind == "irfft")
    order = list(range(len(axes)))
    if kind in ("fft", "ifft"):
        order, steps = order[::-1], [kind] * len(axes)
    elif kind == "rfft":
        order, steps = order[-1:] + order[-2::-1], ["rfft"] + ["fft"] * (len(axes) - 1)
    else:
        steps = ["ifft"] * (len(axes) - 1) + ["irfft"]
    current, plan = list(shape), []
    for step, i in zip(steps, order):
        axis, m = axes[i], current[axes[i]]
        n = s[i] if s[i] is not None else (2 * (m - 1) if step == "irfft" else m)
        plan.append((step, axis, m, n))
        current[axis] = n // 2 + 1 if step == "rfft" else n
    return plan


def _cook(shape, s, axes, invreal):
    """NumPy's reading of ``s`` and ``axes`` (``numpy.fft._pocketfft._cook_nd_args``):
    all axes by default, the last ``len(s)`` when only ``s`` is given, ``-1`` in ``s``
    the input's length."""
    ndim = len(shape)
    shapeless = s is None
    if axes is not None:
        axes = [_axis(a, ndim) for a in axes]
    if s is None:
        s = list(shape) if axes is None else [shape[a] for a in axes]
    s = list(s)
    if axes is None:
        axes = [_axis(a, ndim) for a in range(-len(s), 0)]
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (shape[axes[-1]] - 1) * 2
    return [shape[a] if n == -1 else n for n, a in zip(s, axes)], axes


def _step(g, step, axis, m, n, norm):
    """The adjoint of one step: ``step`` along ``axis`` with length ``n`` of an input
    of length ``m`` there."""
    if step in ("fft", "ifft"):
        u = getattr(np.fft, step)(g, axis=axis, norm=norm)
    elif step == "rfft":
        u = np.fft.fft(g, n, axis=axis, norm=norm).real
    else:
        u = np.fft.ifft(np.real(g), axis=axis, norm=norm)
        u = _twice_inner(_resize(u, axis, n // 2 + 1), axis, n)
    return _resize(u, axis, m)


def _twice_inner(u, axis, n):
    """``alpha * u`` for ``irfft``'s bins: 1 on bin 0 and on bin n/2 of an even n, 2 on
    the others (put together with ``concatenate``, so CuPy and Dask arrays stay theirs)."""
    k = u.shape[axis]
    end = k - 1 if n % 2 == 0 else k
    bins = [u[(slice(None),) * axis + (slice(a, b),)] for a, b in ((0, 1), (1, end), (end, k))]
    return np.concatenate([bins[0], 2 * bins[1], bins[2]], axis=axis)


def _resize(u, axis, m):
    """``u`` cropped or zero-padded at the end of ``axis`` to length ``m``."""
    have = u.shape[axis]
    if have >= m:
        return u[(slice(None),) * axis + (slice(0, m),)]
    widths = [(0, 0)] * u.ndim
    widths[axis] = (0, m - have)
    return np.pad(u, widths)


def _real_like(u, x):
    """A real input's adjoint is the real part (the adjoint of promoting it to complex)."""
    return u if np.iscomplexobj(x) else np.real(u)


def _axis(axis, ndim):
    """``axis`` counted from 0 (the primal call has checked it is in range)."""
    return operator.index(axis) % ndim
