"""NumPy's discrete Fourier transforms (``np.fft``), in both modes.

Every transform is linear over the reals (``irfft`` and ``hfft`` read only part of
their complex input, ``hfft`` conjugates), so its tangent is the transform of the
tangent, the same ``n``/``s``, ``axes`` and ``norm``. The adjoints, with JAX's pairing
of complex values, are in ``runtime/fft.py``; they are linear in ``g`` and read ``a``
only for its shape, so they are their own tangents (second derivatives). ``out=`` is
not part of the signatures: a call that passes it is an unsupported call form.
"""
import numpy as np

from .. import runtime as _rt
from .table import LINEAR

ONE = "a, n=None, axis=-1, norm=None"
TWO = "a, s=None, axes=(-2, -1), norm=None"
MANY = "a, s=None, axes=None, norm=None"
SHIFT = "x, axes=None"


def _one(kind):
    return f"_rt.fft_vjp(g, a, '{kind}', n, axis, norm)"


def _many(kind):
    return f"_rt.fftn_vjp(g, a, '{kind}', s, axes, norm)"


def reverse(R):
    R.add(np.fft.fft, ONE, _one("fft"), result="array")
    R.add(np.fft.ifft, ONE, _one("ifft"), result="array")
    R.add(np.fft.rfft, ONE, _one("rfft"), result="array")
    R.add(np.fft.irfft, ONE, _one("irfft"), result="array")
    R.add(np.fft.hfft, ONE, _one("hfft"), result="array")
    R.add(np.fft.ihfft, ONE, _one("ihfft"), result="array")
    R.add(np.fft.fft2, TWO, _many("fft"), result="array")
    R.add(np.fft.ifft2, TWO, _many("ifft"), result="array")
    R.add(np.fft.rfft2, TWO, _many("rfft"), result="array")
    R.add(np.fft.irfft2, TWO, _many("irfft"), result="array")
    R.add(np.fft.fftn, MANY, _many("fft"), result="array")
    R.add(np.fft.ifftn, MANY, _many("ifft"), result="array")
    R.add(np.fft.rfftn, MANY, _many("rfft"), result="array")
    R.add(np.fft.irfftn, MANY, _many("irfft"), result="array")
    R.add(np.fft.fftshift, SHIFT, "np.fft.ifftshift(g, axes)", result="same")
    R.add(np.fft.ifftshift, SHIFT, "np.fft.fftshift(g, axes)", result="same")


def forward(F):
    for func in (np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.hfft, np.fft.ihfft):
        F.add(func, ONE, LINEAR, result="array")
    for func in (np.fft.fft2, np.fft.ifft2, np.fft.rfft2, np.fft.irfft2):
        F.add(func, TWO, LINEAR, result="array")
    for func in (np.fft.fftn, np.fft.ifftn, np.fft.rfftn, np.fft.irfftn):
        F.add(func, MANY, LINEAR, result="array")
    F.add(np.fft.fftshift, SHIFT, LINEAR, result="same")
    F.add(np.fft.ifftshift, SHIFT, LINEAR, result="same")


def helpers(H):
    H.add(_rt.fft_vjp, "g, x, kind, n=None, axis=-1, norm=None", LINEAR, result="array")
    H.add(_rt.fftn_vjp, "g, x, kind, s=None, axes=None, norm=None", LINEAR, result="array")
