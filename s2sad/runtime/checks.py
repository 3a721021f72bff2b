"""What generated code checks as it runs: a gradient's scalar output, a standalone
module's argument dimensions, helpers' arguments; and the ``math`` it reruns with."""
import math

import numpy as np

from .core import is_array

__all__ = ["check_scalar", "NonScalarOutput", "ComplexOutput", "Unsupported", "ShapeMismatch",
           "check_ndims", "numpy_math"]


def check_scalar(value, fname):
    """grad needs a real scalar output; anything else is an error, never a silent sum
    (the check is made on the value, where the analysis cannot know its kind)."""
    if isinstance(value, (tuple, list, dict)) or not (isinstance(value, _NUMBERS)
                                                      or is_array(value)):
        raise NonScalarOutput(
            f"grad of {fname!r} needs a scalar output, but it returns a "
            f"{type(value).__name__}; use s2sad.vjp with a seed of the output's structure")
    if np.ndim(value) != 0:
        raise NonScalarOutput(
            f"grad of {fname!r} needs a scalar output, got one of shape {np.shape(value)}; "
            "reduce it (e.g. np.sum) or use s2sad.vjp / s2sad.jacobian")
    if np.iscomplexobj(value):
        raise ComplexOutput(f"grad of {fname!r} needs a real output, got the complex "
                            f"{value!r}; differentiate its real and imaginary parts apart")
    return value


_NUMBERS = (int, float, complex, np.number, np.bool_, np.ndarray)


class NonScalarOutput(ValueError):
    """Raised by generated gradient code whose function returned a non-scalar."""


class ComplexOutput(ValueError):
    """Raised by generated gradient code whose function returned a complex number."""


class Unsupported(ValueError):
    """Raised by a helper given an argument value its rule does not cover (the API
    turns it into a UsageError with code ``unsupported-argument``)."""


class ShapeMismatch(TypeError):
    """A module written by ``s2sad adjoint/tangent -o`` got arguments of other shapes
    than it was generated for."""


def check_ndims(fname, *expected):
    """``(name, value, ndim)`` for each float argument: a module written with ``-o`` is
    specialized on the arguments' dimensions (a float's derivative code, given an array,
    could skip the sums that undo broadcasting): others are an error, never a silent
    wrong derivative."""
    for name, value, ndim in expected:
        if np.ndim(value) != ndim:
            raise ShapeMismatch(
                f"{fname} was generated for {name} with {ndim} dimensions, got "
                f"{np.ndim(value)} (shape {np.shape(value)}); write it again for such "
                "arguments: s2sad.source(f, standalone=True, args=(...))")


class _NumpyMath:
    """``math`` with NumPy's float semantics: generated code reruns with it where a
    Python float derivative divides by zero, so sqrt'(0) is inf as on arrays."""

    _renamed = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
                "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "pow": "power"}

    def __getattr__(self, name):
        func = getattr(np, self._renamed.get(name, name), None)
        if not callable(func) or not callable(getattr(math, name, None)):
            return getattr(math, name)
        return lambda *args: func(*(np.float64(a) for a in args))


numpy_math = _NumpyMath()
