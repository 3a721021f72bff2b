"""What the two tables share: the ndarray methods that are NumPy functions, and the
primitives with no derivative."""
import math

import numpy as np

from .. import runtime as _rt

# ``x.sum(axis)`` is ``np.sum(x, axis)``: the method's rule is the function's, in order
METHODS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "dot": np.dot,
           "ravel": np.ravel, "flatten": np.ravel, "squeeze": np.squeeze, "copy": np.copy,
           "prod": np.prod, "var": np.var, "std": np.std, "cumsum": np.cumsum,
           "cumprod": np.cumprod, "trace": np.trace, "diagonal": np.diagonal,
           "swapaxes": np.swapaxes, "take": np.take, "repeat": np.repeat,
           "conj": np.conjugate, "conjugate": np.conjugate}

# integer-valued, piecewise constant, shapes and constructors
NO_DERIVATIVE = (
    len, range, int, round, bool, isinstance, type, enumerate, zip, _rt.counts,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
    np.floor, np.ceil, np.trunc, np.rint, np.round, np.sign, np.isnan, np.isinf,
    np.isfinite, np.argmax, np.argmin, np.argsort, np.nonzero, np.shape, np.ndim,
    np.size, np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like,
    np.arange, np.eye, np.identity, np.equal, np.not_equal, np.less, np.less_equal,
    np.greater, np.greater_equal, np.logical_and, np.logical_or, np.logical_not,
    ("op", "FloorDiv"), ("method", "argmax"), ("method", "argmin"),
    ("method", "argsort"), ("method", "nonzero"), ("attr", "shape"), ("attr", "ndim"),
    ("attr", "size"), ("attr", "dtype"),
    np.heaviside, np.fix, np.around, np.floor_divide, np.isclose, np.signbit,
    np.argpartition, np.searchsorted, np.count_nonzero, np.all, np.any, np.logical_xor,
    ("op", "BitAnd"), ("op", "BitOr"), ("op", "BitXor"), ("op", "Invert"),
    ("method", "round"), ("method", "all"), ("method", "any"),
    _rt.stop_gradient, _rt.keys)
