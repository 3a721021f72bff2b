"""Central finite differences: the oracle the catalog tests compare against.

All arithmetic is float64. Each element of an array argument is perturbed on
its own, with a step of ``rel_step * max(1, |x|)`` (rounded so that
``x + h`` and ``x - h`` are exactly the points evaluated).
"""
from __future__ import annotations

import numpy as np


def _replace(args, i, value):
    return args[:i] + (value,) + args[i + 1:]


def _as_scalar(out) -> float:
    arr = np.asarray(out, dtype=np.float64)
    if arr.shape != ():
        raise ValueError(f"expected a scalar output, got shape {arr.shape}")
    return float(arr)


def fd_grad(f, args, i, rel_step=1e-6):
    """d f(*args) / d args[i] by central differences; same shape as ``args[i]``.

    ``f`` must return a scalar. A Python/NumPy float argument gives a float,
    an array argument (0-d included) an array of its shape.
    """
    args = tuple(args)
    x = args[i]
    if isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
        grad = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            h = rel_step * max(1.0, abs(float(x[idx])))
            plus, minus = x.copy(), x.copy()
            plus[idx] = x[idx] + h
            minus[idx] = x[idx] - h
            f_plus = _as_scalar(f(*_replace(args, i, plus)))
            f_minus = _as_scalar(f(*_replace(args, i, minus)))
            grad[idx] = (f_plus - f_minus) / (plus[idx] - minus[idx])
        return grad
    x = float(x)
    h = rel_step * max(1.0, abs(x))
    plus, minus = x + h, x - h
    f_plus = _as_scalar(f(*_replace(args, i, plus)))
    f_minus = _as_scalar(f(*_replace(args, i, minus)))
    return (f_plus - f_minus) / (plus - minus)


def fd_grads(f, args, wrt, rel_step=1e-6):
    """A tuple of ``fd_grad`` results, one per index in ``wrt``."""
    return tuple(fd_grad(f, args, i, rel_step) for i in wrt)


def inner(seed, out) -> float:
    """<seed, out> for outputs that are scalars, arrays or (nested) tuples of them."""
    if isinstance(out, (tuple, list)):
        if not isinstance(seed, (tuple, list)) or len(seed) != len(out):
            raise ValueError("seed does not mirror the output's structure")
        return sum(inner(s, o) for s, o in zip(seed, out))
    return float(np.sum(np.asarray(seed, dtype=np.float64) * np.asarray(out, dtype=np.float64)))


def fd_vjp(f, args, wrt, seed, rel_step=1e-6):
    """The vector-Jacobian product ``J^T seed`` by finite differences of ``<seed, f(x)>``.

    Returns a tuple with one entry per index in ``wrt``, each shaped like its argument.
    """
    def scalarized(*a):
        return inner(seed, f(*a))

    return fd_grads(scalarized, args, wrt, rel_step)


def random_cotangent(out, rng):
    """A random seed with the structure of ``out``: a float for a scalar, an array
    of the same shape for an array, a tuple for a tuple."""
    if isinstance(out, (tuple, list)):
        return tuple(random_cotangent(o, rng) for o in out)
    if isinstance(out, np.ndarray) and out.shape != ():
        return rng.standard_normal(out.shape)
    return float(rng.standard_normal())


# Finite differences at a step of 1e-6 agree with a fourth-order reference to
# about 1e-9 of the gradient's scale on every catalog case; these tolerances
# leave a factor of ten above that.
RTOL = 1e-6
ATOL = 1e-8


def assert_close_to_fd(actual, expected, err_msg=""):
    """Compare a derivative with its finite-difference estimate.

    Shapes must match exactly; values agree to ``RTOL`` elementwise, with an
    absolute slack of ``ATOL`` times the larger of 1 and the estimate's
    largest entry (so near-zero entries of a large gradient are not held to
    a relative bound that finite differences cannot meet).
    """
    expected = np.asarray(expected, dtype=np.float64)
    assert np.shape(actual) == expected.shape, (
        f"{err_msg}: shape {np.shape(actual)} != expected {expected.shape}")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected,
                               rtol=RTOL, atol=ATOL * scale, err_msg=err_msg)
