"""A block of k tangents (or cotangents) that generated code carries as one value.

``Batched(a)`` holds ``a`` of shape ``(k,) + shape``: k tangents of a value shaped
``shape``. It behaves as ONE tangent of that shape (``.shape``, ``np.shape`` and
``np.ndim`` are the logical ones), and every operation it supports is applied to
each of the k tangents at once: ufuncs broadcast against the trailing axes
(the batch axis is padded first, so a primal of higher rank still lines up),
reductions and transposes shift their axes by one, indexing keeps the batch axis.

Anything it does not support raises :class:`Unbatchable` (``np.asarray`` of it,
``float`` of it, a comparison, a NumPy function with no batched form here, an
index whose result NumPy would reorder): the driver then runs the tangents one
by one, so an unsupported operation costs speed, never a wrong derivative.
"""
from __future__ import annotations

import numpy as np

from . import core, shapes


class Unbatchable(TypeError):
    """An operation with no batched form here: the caller runs the tangents one by one."""


def lift(a, rank):
    """``a`` (batch axis first) with ones inserted after the batch axis up to ``rank``."""
    pad = rank - (a.ndim - 1)
    return a.reshape(a.shape[:1] + (1,) * pad + a.shape[1:]) if pad > 0 else a


def shifted(index):
    """``index`` for the batched array: a full slice first. Refused where NumPy would move
    the advanced-index axes in front (several advanced indices, or one beside an int)."""
    parts = index if isinstance(index, tuple) else (index,)
    simple = (slice, type(None), type(Ellipsis), int, np.integer)
    fancy = [p for p in parts if not isinstance(p, simple)]
    if isinstance(index, Batched) or any(isinstance(p, Batched) for p in parts) or \
            len(fancy) > 1 or (fancy and any(isinstance(p, (int, np.integer)) for p in parts)):
        raise Unbatchable("an index with no batched form")
    return (slice(None),) + parts


def _ndim(v):
    return v.ndim if isinstance(v, Batched) else np.ndim(v)


class Batched:
    __slots__ = ("a",)
    __hash__ = object.__hash__

    def __init__(self, a):
        self.a = a

    shape = property(lambda self: self.a.shape[1:])
    ndim = property(lambda self: self.a.ndim - 1)
    dtype = property(lambda self: self.a.dtype)
    size = property(lambda self: int(np.prod(self.a.shape[1:])))
    T = property(lambda self: transpose(self))
    real = property(lambda self: Batched(self.a.real))
    imag = property(lambda self: Batched(self.a.imag))

    def __repr__(self):
        return f"Batched(k={self.a.shape[0]}, shape={self.shape})"

    def _refuse(self, *args, **kwargs):
        raise Unbatchable("this operation has no batched form")

    __array__ = __bool__ = __float__ = __int__ = __index__ = __complex__ = _refuse
    __setitem__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse

    def __len__(self):
        if self.ndim == 0:
            raise Unbatchable("len() of a scalar tangent")
        return self.a.shape[1]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __getitem__(self, index):
        return Batched(self.a[shifted(index)])

    def copy(self):
        return Batched(self.a.copy())

    def astype(self, dtype, copy=True):
        return Batched(self.a.astype(dtype, copy=copy))

    def reshape(self, *shape, order="C"):
        return reshape(self, shape[0] if len(shape) == 1 else shape, order)

    def sum(self, axis=None, dtype=None, keepdims=False):
        return total(self, axis, dtype, keepdims=keepdims)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.matmul and method == "__call__" and not kwargs:
            return matmul(*inputs)
        if method == "outer" and len(inputs) == 2 and not kwargs:
            return _outer(ufunc, *inputs)
        if method != "__call__" or ufunc.signature is not None or ufunc.nout != 1 or kwargs:
            raise Unbatchable(f"np.{ufunc.__name__}.{method} has no batched form")
        rank = max(_ndim(v) for v in inputs)
        return Batched(ufunc(*(lift(v.a, rank) if isinstance(v, Batched) else v
                               for v in inputs)))

    def __array_function__(self, func, types, args, kwargs):
        impl = FUNCTIONS.get(func)
        if impl is None:
            raise Unbatchable(f"np.{func.__name__} has no batched form")
        return impl(*args, **kwargs)

    __add__ = lambda self, o: np.add(self, o)
    __radd__ = lambda self, o: np.add(o, self)
    __sub__ = lambda self, o: np.subtract(self, o)
    __rsub__ = lambda self, o: np.subtract(o, self)
    __mul__ = lambda self, o: np.multiply(self, o)
    __rmul__ = lambda self, o: np.multiply(o, self)
    __truediv__ = lambda self, o: np.true_divide(self, o)
    __rtruediv__ = lambda self, o: np.true_divide(o, self)
    __pow__ = lambda self, o: np.power(self, o)
    __rpow__ = lambda self, o: np.power(o, self)
    __matmul__ = lambda self, o: matmul(self, o)
    __rmatmul__ = lambda self, o: matmul(o, self)
    __neg__ = lambda self: np.negative(self)
    __pos__ = lambda self: self


def _axes(axis, ndim):
    """Logical axes -> the batched array's."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim + 1 for a in axis)
    return int(axis) % ndim + 1


def _only(b):
    if not isinstance(b, Batched):
        raise Unbatchable("a batched function called on a plain value")
    return b


def total(b, axis=None, dtype=None, out=None, keepdims=False, **rest):
    if out is not None or rest:
        raise Unbatchable("np.sum with out= or where=")
    b = _only(b)
    return Batched(np.sum(b.a, axis=_axes(axis, b.ndim), dtype=dtype, keepdims=keepdims))


def mean(b, axis=None, dtype=None, out=None, keepdims=False, **rest):
    count = b.size if axis is None else int(np.prod(
        [b.shape[a] for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]))
    return total(b, axis, dtype, out, keepdims, **rest) / count


def broadcast_to(b, shape, subok=False):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    b = _only(b)
    return Batched(np.broadcast_to(lift(b.a, len(shape)), b.a.shape[:1] + shape))


def expand_dims(b, axis):
    b = _only(b)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return Batched(np.expand_dims(b.a, _axes(axes, b.ndim + len(axes))))


def swapaxes(b, i, j):
    b = _only(b)
    return Batched(np.swapaxes(b.a, _axes(i, b.ndim), _axes(j, b.ndim)))


def transpose(b, axes=None):
    b = _only(b)
    order = tuple(range(b.ndim, 0, -1)) if axes is None else _axes(axes, b.ndim)
    return Batched(np.transpose(b.a, (0,) + order))


def reshape(b, shape, order="C", **rest):
    if order != "C" or rest:
        raise Unbatchable("a reshape other than C order")
    b = _only(b)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return Batched(b.a.reshape(b.a.shape[:1] + shape))


def matmul(x, y):
    """``x @ y`` with one side batched, for the shapes where the batch axis lines up."""
    if isinstance(x, Batched) == isinstance(y, Batched):
        raise Unbatchable("a product of two batched values")
    b, other = (x, y) if isinstance(x, Batched) else (y, x)
    rank, k = np.ndim(other), b.a.shape[0]
    if rank == 0 or b.ndim == 0:
        raise Unbatchable("matmul of a scalar")
    if b.ndim >= 2 and rank <= b.ndim:
        return Batched(np.matmul(b.a, y) if b is x else np.matmul(x, b.a))
    if b.ndim == 1 and b is x and rank <= 2:
        return Batched(b.a @ y)
    if b.ndim == 1 and b is y and rank <= 2:
        return Batched(b.a @ np.transpose(x) if rank == 2 else b.a @ x)
    raise Unbatchable(f"matmul of {np.shape(x)} and {np.shape(y)} with a batch of {k}")


def dot(x, y, out=None):
    if out is not None:
        raise Unbatchable("np.dot with out=")
    if _ndim(x) == 0 or _ndim(y) == 0:
        return np.multiply(x, y)
    if _ndim(x) <= 2 and _ndim(y) <= 2:
        return matmul(x, y)
    raise Unbatchable("np.dot of arrays above two dimensions")


def _outer(ufunc, x, y):
    if isinstance(x, Batched) == isinstance(y, Batched):
        raise Unbatchable("an outer product of two batched values")
    rank = _ndim(x) + _ndim(y)
    if isinstance(x, Batched):
        return Batched(ufunc(x.a.reshape(x.a.shape + (1,) * _ndim(y)), y))
    return Batched(ufunc(np.reshape(x, np.shape(x) + (1,) * y.ndim), lift(y.a, rank)))


def zeros_like(b, dtype=None, **rest):
    return Batched(np.zeros_like(_only(b).a, dtype=dtype))


def result_type(*values):
    return np.result_type(*(v.dtype if isinstance(v, Batched) else v for v in values))


FUNCTIONS = {
    np.shape: lambda b: _only(b).shape, np.ndim: lambda b: _only(b).ndim,
    np.size: lambda b: _only(b).size, np.sum: total, np.mean: mean,
    np.broadcast_to: broadcast_to, np.expand_dims: expand_dims, np.swapaxes: swapaxes,
    np.transpose: transpose, np.reshape: reshape, np.dot: dot, np.zeros_like: zeros_like,
    np.result_type: result_type,
}
# more of NumPy's functions: runtime/batched_shapes.py adds their batched forms here


# runtime helpers whose plain form writes a tangent into a new NumPy array --------------

def unindex(g, x, index):
    if not (isinstance(g, Batched) and isinstance(x, np.ndarray)):
        return shapes.unindex(g, x, index)
    out = np.zeros(g.a.shape[:1] + x.shape, dtype=np.result_type(x, g.dtype, np.float32))
    _add_at(out, index, g)
    return Batched(out)


def add_indexed(b, g, x, index):
    if not (isinstance(g, Batched) and isinstance(x, np.ndarray)):
        return shapes.add_indexed(b, g, x, index)
    k = g.a.shape[0]
    base = b.a if isinstance(b, Batched) else np.broadcast_to(b, (k,) + np.shape(b))
    out = np.array(base, dtype=np.result_type(base, g.dtype), copy=True)
    _add_at(out, index, g)
    return Batched(out)


def setitem(d, index, value):
    if not isinstance(value, Batched) and not isinstance(d, Batched):
        return shapes.setitem(d, index, value)
    k = (value if isinstance(value, Batched) else d).a.shape[0]
    base = d.a if isinstance(d, Batched) else np.broadcast_to(d, (k,) + np.shape(d))
    out = np.array(base, dtype=np.result_type(base, result_type(value), np.float32), copy=True)
    at = shifted(index)
    out[at] = lift(value.a, out[at].ndim - 1) if isinstance(value, Batched) else value
    return Batched(out)


def _add_at(out, index, g):
    at = shifted(index)
    part = out[at]
    value = np.broadcast_to(lift(g.a, part.ndim - 1), part.shape)
    if all(isinstance(p, (slice, type(None), type(Ellipsis), int, np.integer)) for p in at):
        out[at] += value                  # a basic index repeats no position
    else:
        np.add.at(out, at, value)


OVERRIDES = {"unindex": unindex, "add_indexed": add_indexed, "setitem": setitem,
             "owned": lambda g: g.copy() if isinstance(g, Batched) else core.owned(g)}
