"""Helpers for complex values, with JAX's convention (docs/conventions.md, "Complex
numbers"): the adjoint ``u`` of a complex ``z`` pairs with a tangent ``dz`` as
``Re(sum(dz * u))``, no conjugate, so holomorphic rules (``g * f'(z)``) need none, and
a real function's gradient is ``df/dx - i df/dy``. A real value's adjoint may carry an
imaginary part that means nothing: the rules of functions from complex to real read
only its real part (``re``), and a real argument's gradient is the real part."""
import numpy as np

__all__ = ["re", "conj", "imag_tangent", "imag_vjp", "abs_jvp", "abs_vjp", "abs_hvp", "angle_jvp",
           "angle_vjp", "angle_hvp", "csign"]


def _is_complex(x) -> bool:
    return isinstance(x, complex) or np.iscomplexobj(x)


def re(g):
    """The real part of ``g``; ``g`` itself when it is real (a float stays a float)."""
    return g.real if _is_complex(g) else g


def conj(g):
    """The conjugate of ``g``; ``g`` itself when it is real."""
    return np.conj(g) if _is_complex(g) else g


def imag_tangent(t):
    """The tangent of ``np.imag(x)``: ``Im(t)``, 0 for a real ``x``."""
    return t.imag if _is_complex(t) else 0.0 * t


def imag_vjp(g, x):
    """The adjoint of ``np.imag(x)``: ``-1j Re(g)`` (so that ``Re(dz u) = Im(dz) g``);
    0 for a real ``x``, whose imaginary part is the constant 0."""
    return -1j * re(g) if _is_complex(x) else 0.0 * g


def csign(x):
    """``conj(x) / |x|``, 0 at 0: ``np.sign`` for a real x; for a Python float a float."""
    if not _is_complex(x):
        return float(x > 0) - float(x < 0) if isinstance(x, float) else np.sign(x)
    a = np.abs(x)
    return np.where(a == 0, 0.0, np.conj(x) / np.where(a == 0, 1.0, a))


def abs_jvp(x, t):
    """The tangent of ``|x|``: ``Re(conj(x) t) / |x|`` (``sign(x) t`` for a real x)."""
    return re(csign(x) * t)


def abs_vjp(g, x):
    """The adjoint of ``|x|``: ``Re(g) conj(x) / |x|``."""
    return re(g) * csign(x)


def abs_hvp(x, e):
    """How ``conj(x) / |x|`` moves along ``e``: ``(conj(e) - c Re(c e)) / |x|`` with
    ``c = conj(x) / |x|``; 0 for a real x (``sign`` is piecewise constant)."""
    if not _is_complex(x):
        return 0.0 * e
    c = csign(x)
    a = np.abs(x)
    return (np.conj(e) - c * re(c * e)) / np.where(a == 0, 1.0, a)


def angle_jvp(x, d, deg=False):
    """The tangent of ``np.angle(x)``: ``Im(conj(x) d) / |x|^2``; 0 for a real x
    (piecewise constant)."""
    if not _is_complex(x):
        return 0.0 * d
    a2 = np.abs(x) ** 2
    return np.imag(np.conj(x) * d) / np.where(a2 == 0, 1.0, a2) * _unit(deg)


def angle_vjp(g, x, deg=False):
    """The adjoint of ``np.angle(x)``: ``-1j Re(g) conj(x) / |x|^2``; 0 for a real x."""
    if not _is_complex(x):
        return 0.0 * g
    a2 = np.abs(x) ** 2
    return -1j * re(g) * np.conj(x) / np.where(a2 == 0, 1.0, a2) * _unit(deg)


def angle_hvp(g, x, e, deg=False):
    """How ``angle_vjp(g, x)`` moves along ``e``: ``conj(x) / |x|^2`` is ``1 / x``, so
    ``1j Re(g) e / x^2``; 0 for a real x."""
    if not _is_complex(x):
        return 0.0 * e
    return 1j * re(g) * e / (x * x) * _unit(deg)


def _unit(deg):
    return 180.0 / np.pi if deg else 1.0
