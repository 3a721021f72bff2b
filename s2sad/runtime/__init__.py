"""Helpers that generated derivative code calls; imports nothing of s2sad.

They undo what broadcasting, reductions and indexing did to shapes, so that
an adjoint always has its primal's shape. Each keeps Python floats as floats
and works on any array that follows NumPy's protocols.
"""
import math

import numpy as np


def sign(x):
    """The sign of a float or array, with sign(0) == 0 (so abs'(0) == 0)."""
    if isinstance(x, float):
        return float(x > 0) - float(x < 0)
    return np.sign(x)


def zeros_like(x):
    """A zero adjoint shaped like ``x`` (0.0 for Python numbers; the same structure for
    a list, tuple or dict of them). A function (``return flat, unflatten``) or a string
    has no derivative: its adjoint is 0.0 too."""
    if isinstance(x, (float, int, bool, str)) or x is None or callable(x):
        return 0.0
    if isinstance(x, (tuple, list)):
        return rebuild(x, [zeros_like(v) for v in x])
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    return np.zeros_like(x, dtype=np.result_type(x, np.float32))


def rebuild(x, items):
    """A tuple or list like ``x`` (a named tuple such as ``EighResult`` included) holding
    ``items``."""
    if hasattr(x, "_fields"):
        return type(x)(*items)
    return type(x)(items)


def unbroadcast(g, x):
    """Sum ``g`` over the axes that broadcasting added to or stretched in ``x``."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    ndim = len(shape)
    g = np.sum(g, axis=tuple(range(np.ndim(g) - ndim))) if np.ndim(g) > ndim else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    if stretched:
        g = np.sum(g, axis=stretched, keepdims=True)
    if ndim == 0 and isinstance(x, (float, int)):
        return float(g)
    return g


class ShapeOf:
    """What the tape saves of an array the adjoint reads only for its shape."""
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape


def shape_of(x):
    """``x`` itself for a float (as cheap to keep), a :class:`ShapeOf` for an array."""
    return ShapeOf(x.shape) if isinstance(x, np.ndarray) else x


def unreduce(g, x, axis=None, keepdims=False):
    """Spread the adjoint of a sum over ``axis`` back to ``x``'s shape: a read-only
    broadcast view, not a copy (:func:`owned` copies one that reaches the caller)."""
    shape, dtype = np.shape(x), _float_type(x, g)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _axes(axis, len(shape)))
    spread = np.broadcast_to(g, shape)
    return spread if spread.dtype == dtype else spread.astype(dtype)


def owned(g):
    """``g``, or a copy of it where it is a read-only view (an adjoint spread by
    :func:`unreduce`), so that the caller may update the gradient it gets in place."""
    if isinstance(g, np.ndarray):
        return g if g.flags.writeable else g.copy()
    if isinstance(g, (tuple, list)):
        return rebuild(g, [owned(v) for v in g])
    if isinstance(g, dict):
        return {k: owned(v) for k, v in g.items()}
    return g


def count(x, axis=None):
    """How many elements a reduction over ``axis`` combines."""
    shape = np.shape(x)
    if axis is None:
        return max(int(np.prod(shape)), 1)
    return int(np.prod([shape[a] for a in _axes(axis, len(shape))]))


def unreduce_extremum(g, x, ans, axis=None, keepdims=False):
    """The adjoint of max/min: to the extreme elements, ties sharing evenly."""
    shape, dtype = np.shape(x), _float_type(x, g)
    if axis is not None and not keepdims:
        axes = _axes(axis, len(shape))
        g, ans = np.expand_dims(g, axes), np.expand_dims(ans, axes)
    mask = np.asarray(x) == ans
    ties = np.sum(mask, axis=axis, keepdims=True)
    return (g * mask / ties).astype(dtype)


def unsum(g, x):
    """The adjoint of builtin ``sum(x)``: each item of ``x`` gets ``g``."""
    if isinstance(x, (list, tuple)):
        return rebuild(x, [g for _ in x])
    return np.broadcast_to(g, np.shape(x)).astype(_float_type(x, g))


def unindex(g, x, index):
    """The adjoint of ``x[index]``: ``g`` scattered into zeros, repeats accumulating."""
    if isinstance(x, dict):
        out = zeros_like(x)
        out[index] = g
        return out
    if isinstance(x, (list, tuple)):
        out = [zeros_like(v) for v in x]
        if isinstance(index, slice):
            for i, gi in zip(range(*index.indices(len(x))), g):
                out[i] = gi
        else:
            out[index] = g
        return rebuild(x, out)
    out = np.zeros_like(x, dtype=_float_type(x, g))
    np.add.at(out, index, g)
    return out


def add_indexed(b, g, x, index):
    """``b`` plus the adjoint of ``x[index]``."""
    if isinstance(x, (list, tuple, dict)):
        return add(b, unindex(g, x, index))
    out = np.array(b, dtype=np.result_type(b, g), copy=True)
    np.add.at(out, index, g)
    return out


def add(a, b):
    """``a + b`` for adjoints, item by item for tuples and lists (never concatenation)."""
    if isinstance(a, (tuple, list)):
        return rebuild(a, [add(u, v) for u, v in zip(a, b)])
    if isinstance(a, dict):
        return {k: add(a[k], b[k]) for k in a}
    return a + b


def unstack(g, x, axis=0):
    """The adjoint of ``np.array(x)`` / ``np.stack(x, axis)``: ``g`` split back into
    ``x``'s items when ``x`` is a list or tuple."""
    if isinstance(x, (tuple, list)):
        return rebuild(x, [unstack(np.take(g, i, axis=axis), item)
                           for i, item in enumerate(x)])
    if np.ndim(x) == 0:
        return unbroadcast(g, x)
    return np.moveaxis(g, axis, 0)          # np.stack(x, axis) of an array: its rows


def as_array(x):
    """``np.asarray(x)`` for a list or tuple (``np.sum([a, b])`` reads it so), else ``x``."""
    return np.asarray(x) if isinstance(x, (list, tuple)) else x


def unassign(g, index, v):
    """The adjoint reaching ``v`` from ``y[index] = v``: the slot's adjoint, reduced to
    v's shape; with repeated indices only the last write of a position counts."""
    part = np.asarray(g)[index]
    if isinstance(index, (list, np.ndarray)) and np.ndim(index) == 1:
        positions = np.asarray(index)
        _, first_from_end = np.unique(positions[::-1], return_index=True)
        last = np.zeros(len(positions), dtype=bool)
        last[len(positions) - 1 - first_from_end] = True
        part = part * last.reshape((-1,) + (1,) * (np.ndim(part) - 1))
    return unbroadcast(part, v)


def zero_slot(g, index):
    """A copy of the adjoint ``g`` with ``g[index]`` zeroed (that slot was overwritten)."""
    out = np.array(g, dtype=np.result_type(g, np.float32), copy=True)
    out[index] = 0.0
    return out


def setitem(d, index, value):
    """A copy of the tangent ``d`` with ``d[index] = value``."""
    out = np.array(d, dtype=np.result_type(d, value, np.float32), copy=True)
    out[index] = value
    return out


def pow_log(x, ans, scale=1.0):
    """``ans * log(x) * scale``, the exponent's derivative of ``x ** y`` (times a tangent
    ``scale``); 0 where x == 0, NaN where x < 0, and 0 where the scale is 0: an exponent
    that does not move moves nothing (jvp of x ** y at x < 0 along dy = 0)."""
    if isinstance(x, (float, int)) and isinstance(scale, (float, int)):
        if x == 0 or scale == 0:
            return 0.0
        return ans * math.log(x) * scale if x > 0 else float("nan")
    dtype = np.result_type(x, ans, scale, np.float32)     # a Python x is not float64
    x = np.asarray(x)
    logs = np.where(x < 0, np.nan, np.log(np.where(x > 0, x, 1.0)))
    out = np.where((x == 0) | (np.asarray(scale) == 0), 0.0, ans * logs * scale)
    return out.astype(dtype, copy=False)[()]


def pow_dx(x, y, c=1.0):
    """``c * y * x ** (y - 1)``, the derivative of ``x ** y`` in x (times ``c``), taken as
    0 where ``c * y == 0``: ``x ** 0`` is the constant 1, even at x == 0 (not 0 * inf)."""
    coefficient = c * y
    if isinstance(coefficient, (float, int)) and isinstance(x, (float, int)):
        return 0.0 if coefficient == 0 else coefficient * x ** (y - 1)
    dtype = np.result_type(x, y, coefficient, np.float32)   # a Python x is not float64
    zero = np.asarray(coefficient) == 0
    out = np.where(zero, 0.0, coefficient * np.where(zero, 1.0, x) ** (y - 1))
    return out.astype(dtype, copy=False)[()]


def pow_log_dx(x, ans):
    """``ans / x``: the derivative of ``pow_log(x, ans)`` in x; 0 where x == 0."""
    if isinstance(x, (float, int)):
        return 0.0 if x == 0 else ans / x
    return np.where(x == 0, 0.0, ans / np.where(x == 0, 1.0, x))


def extremum_jvp(d, x, ans, axis=None, keepdims=False):
    """The tangent of max/min: the mean of the tangents of the extreme elements."""
    shape = np.shape(x)
    full = ans
    if axis is not None and not keepdims:
        full = np.expand_dims(ans, _axes(axis, len(shape)))
    mask = np.asarray(x) == full
    ties = np.sum(mask, axis=axis, keepdims=keepdims)
    out = np.sum(np.where(mask, d, 0.0), axis=axis, keepdims=keepdims) / ties
    return np.asarray(out).astype(np.result_type(ans, d, np.float32))[()]


def stack_tangent(d, ans):
    """The tangent of ``np.array(items)``: the items' tangents as one array."""
    return np.broadcast_to(np.array(d, dtype=np.result_type(ans, np.float32)),
                           np.shape(ans))


def broadcast_like(d, ans):
    """A tangent stretched to its result's shape (an operand without one was bigger)."""
    if np.shape(d) == np.shape(ans):
        return d
    return np.broadcast_to(d, np.shape(ans))


def copy(d):
    """A copy of a tangent (lists and arrays are copied, numbers returned)."""
    if isinstance(d, np.ndarray):
        return d.copy()
    return list(d) if isinstance(d, list) else d


def dot_vjp_x(g, x, y):
    """Adjoint of ``np.dot(x, y)`` for x (scalars, vectors, matrices)."""
    return _cast(_dot_vjp_x(g, x, y), x)


def _cast(adjoint, x):
    """An adjoint in x's float type (np.dot and np.inner make Python floats float64)."""
    if isinstance(x, (float, int)):
        return adjoint
    return np.asarray(adjoint).astype(np.result_type(x, np.float32), copy=False)


def _dot_axis(y):
    """The axis of y that ``np.dot(x, y)`` sums over: the second-to-last (the only one
    of a vector)."""
    return max(np.ndim(y) - 2, 0)


def _dot_vjp_x(g, x, y):
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    free = [i for i in range(np.ndim(y)) if i != _dot_axis(y)]    # y's axes in g, last
    g = as_float(g, x, y)
    return np.tensordot(g, y, axes=(list(range(np.ndim(g) - len(free), np.ndim(g))), free))


def dot_vjp_y(g, x, y):
    """Adjoint of ``np.dot(x, y)`` for y."""
    return _cast(_dot_vjp_y(g, x, y), y)


def _dot_vjp_y(g, x, y):
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    lead = list(range(np.ndim(x) - 1))                           # x's free axes, first in g
    g = as_float(g, x, y)
    return np.moveaxis(np.tensordot(x, g, axes=(lead, lead)), 0, _dot_axis(y))


def matmul_vjp_x(g, x, y):
    """Adjoint of ``x @ y`` for x, batch dimensions broadcast back."""
    if np.ndim(y) == 1:
        out = np.expand_dims(g, -1) * y
    elif np.ndim(x) == 1:
        out = np.matmul(y, np.expand_dims(g, -1))[..., 0] if np.ndim(y) > 2 else np.dot(y, g)
    else:
        out = np.matmul(g, np.swapaxes(y, -1, -2))
    return unbroadcast(out, x)


def matmul_vjp_y(g, x, y):
    """Adjoint of ``x @ y`` for y."""
    if np.ndim(x) == 1:
        out = np.multiply.outer(x, g) if np.ndim(y) > 1 else g * x
        if np.ndim(y) > 2:
            out = np.expand_dims(x, -1) * np.expand_dims(g, -2)
    elif np.ndim(y) == 1:
        out = np.matmul(np.swapaxes(x, -1, -2), np.expand_dims(g, -1))[..., 0]
    else:
        out = np.matmul(np.swapaxes(x, -1, -2), g)
    return unbroadcast(out, y)


def outer_vjp_x(g, x, y):
    return np.reshape(np.dot(g, np.ravel(y)), np.shape(x))


def outer_vjp_y(g, x, y):
    return np.reshape(np.dot(np.ravel(x), g), np.shape(y))


def untranspose(g, axes=None):
    if axes is None:
        return np.transpose(g)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    return np.transpose(g, np.argsort(axes))


def check_scalar(value, fname):
    """grad needs a real scalar output; anything else is an error, never a silent sum
    (the check is made on the value, where the analysis cannot know its kind)."""
    if isinstance(value, (tuple, list, dict)) or not isinstance(value, _NUMBERS):
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


def as_float(g, *like):
    """``g`` as an array of the float type of ``like`` when it is a Python number (a
    seed such as 1.0), so that helpers keep float32 derivatives float32."""
    if isinstance(g, (float, int)):
        return np.asarray(g, dtype=np.result_type(*like, np.float32))
    return g


def _float_type(x, g):
    """The adjoint's dtype: x's float type, promoted by g unless g is a Python number."""
    if isinstance(g, (float, int)):
        return np.result_type(x, np.float32)
    return np.result_type(x, g, np.float32)


def _axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def private(value, memo=None):
    """A copy of every list inside ``value`` (tuples and lists walked, shared lists
    copied once, so that two references to one list stay one list); other objects
    are kept. The pullback pops lists it was given."""
    memo = {} if memo is None else memo
    if isinstance(value, list):
        if id(value) not in memo:
            memo[id(value)] = copied = []
            copied.extend(private(item, memo) for item in value)
        return memo[id(value)]
    if isinstance(value, tuple):
        return tuple(private(item, memo) for item in value)
    return value


def stop_gradient(x):
    """``x`` itself, but differentiation treats it as a constant."""
    return x


class _NumpyMath:
    """``math`` with NumPy's float semantics: generated code reruns with it where a
    Python float derivative divides by zero, so sqrt'(0) is inf as on arrays."""

    _renamed = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
                "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "pow": "power"}

    def __getattr__(self, name):
        import math
        func = getattr(np, self._renamed.get(name, name), None)
        if not callable(func) or not callable(getattr(math, name, None)):
            return getattr(math, name)
        return lambda *args: func(*(np.float64(a) for a in args))


numpy_math = _NumpyMath()


class NonScalarOutput(ValueError):
    """Raised by generated gradient code whose function returned a non-scalar."""


class ComplexOutput(ValueError):
    """Raised by generated gradient code whose function returned a complex number."""


class Unsupported(ValueError):
    """Raised by a helper given an argument value its rule does not cover (the API
    turns it into a UsageError with code ``unsupported-argument``)."""


# The helpers of the NumPy rules, by area. They belong to this module (generated code
# calls them as ``_rt.<name>``, and the rule tables know runtime helpers by module).
from . import elementwise, linalg, products, reductions, shapes  # noqa: E402

for _module in (elementwise, reductions, shapes, linalg, products):
    for _name in _module.__all__:
        _helper = getattr(_module, _name)
        _helper.__module__ = __name__
        globals()[_name] = _helper
del _module, _name, _helper
