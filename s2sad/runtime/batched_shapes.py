"""Batched forms of more of NumPy's functions: shapes, selections, solves, shifts.

Each is the function applied to every row of a :class:`~s2sad.runtime.batched.Batched`
value at once (its axes shifted past the batch axis), or :class:`Unbatchable` where
NumPy would read the batch axis as one of the value's own (a 1-d value given to
``np.tril``, a 2-d right-hand side of a solve). Importing this module adds them to
``batched.FUNCTIONS`` (the driver's batching imports it).
"""
from __future__ import annotations

import numpy as np

from .batched import FUNCTIONS, Batched, Unbatchable, _axes, _ndim, _only, lift


def where(cond, x=None, y=None):
    """``np.where(cond, x, y)`` with a plain condition: it broadcasts against the trailing
    axes of the batched branches, as it does against each tangent."""
    if x is None or y is None or isinstance(cond, Batched):
        raise Unbatchable("np.where with a batched condition or without branches")
    rank = max(np.ndim(cond), _ndim(x), _ndim(y))
    return Batched(np.where(cond, *(lift(v.a, rank) if isinstance(v, Batched) else v
                                    for v in (x, y))))


def _at_least(b, ndim, name):
    b = _only(b)
    if b.ndim < ndim:
        raise Unbatchable(f"{name} of a value of {b.ndim} dimensions")
    return b


def moveaxis(b, source, destination):
    b = _only(b)
    return Batched(np.moveaxis(b.a, _axes(source, b.ndim), _axes(destination, b.ndim)))


def flip(b, axis=None):
    b = _only(b)
    return Batched(np.flip(b.a, _axes(axis, b.ndim))) if b.ndim else b


def ravel(b, order="C"):
    if order != "C":
        raise Unbatchable("a ravel other than C order")
    b = _only(b)
    return Batched(b.a.reshape(b.a.shape[0], -1))


def concatenate(arrays, axis=0, out=None, **rest):
    """Plain items (the same in every row) are broadcast along the batch axis."""
    arrays = list(arrays)
    if out is not None or rest or not arrays:
        raise Unbatchable("np.concatenate with out=, dtype= or casting=")
    if axis is None:
        arrays, axis = [ravel(v) if isinstance(v, Batched) else np.ravel(v) for v in arrays], 0
    k = next(v.a.shape[0] for v in arrays if isinstance(v, Batched))
    ndim = _ndim(arrays[0])
    if ndim == 0:
        raise Unbatchable("np.concatenate of scalars")
    parts = [v.a if isinstance(v, Batched) else np.broadcast_to(v, (k,) + np.shape(v))
             for v in arrays]
    return Batched(np.concatenate(parts, axis=_axes(axis, ndim)))


def take(b, indices, axis=None, out=None, mode="raise"):
    if out is not None or mode != "raise" or isinstance(indices, Batched):
        raise Unbatchable("np.take with out=, mode= or batched indices")
    b = _only(b)
    if axis is None:
        return Batched(np.take(b.a.reshape(b.a.shape[0], -1), indices, axis=1))
    return Batched(np.take(b.a, indices, axis=_axes(axis, b.ndim)))


def _listed(axes, ndim):
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    return [int(a) % ndim for a in axes]


def tensordot(x, y, axes=2):
    """One side batched: its batch axis is a free axis, moved to the front."""
    if isinstance(x, Batched) == isinstance(y, Batched):
        raise Unbatchable("np.tensordot of two batched values or none")
    nx, ny = _ndim(x), _ndim(y)
    if isinstance(axes, (int, np.integer)):
        ax, ay = list(range(nx - int(axes), nx)), list(range(int(axes)))
    else:
        ax, ay = _listed(axes[0], nx), _listed(axes[1], ny)
    if isinstance(x, Batched):
        return Batched(np.tensordot(x.a, y, axes=([a + 1 for a in ax], ay)))
    out = np.tensordot(x, y.a, axes=(ax, [a + 1 for a in ay]))
    return Batched(np.moveaxis(out, nx - len(ax), 0))


def diagonal(b, offset=0, axis1=0, axis2=1):
    b = _at_least(b, 2, "np.diagonal")
    return Batched(np.diagonal(b.a, offset, _axes(axis1, b.ndim), _axes(axis2, b.ndim)))


def roll(b, shift, axis=None):
    b = _only(b)
    if axis is None:
        flat = b.a.reshape(b.a.shape[0], -1)
        return Batched(np.roll(flat, shift, axis=1).reshape(b.a.shape))
    return Batched(np.roll(b.a, shift, axis=_axes(axis, b.ndim)))


def rot90(b, k=1, axes=(0, 1)):
    b = _at_least(b, 2, "np.rot90")
    return Batched(np.rot90(b.a, k, axes=_axes(tuple(axes), b.ndim)))


def pad(b, pad_width, mode="constant", **kwargs):
    """Each axis padded as the tangent's is, the batch axis by nothing (np.pad pads the
    axes one by one, so the rows never meet)."""
    b = _only(b)
    if callable(mode) or set(kwargs) - {"constant_values"} or \
            np.ndim(kwargs.get("constant_values", 0)) != 0:
        raise Unbatchable("np.pad with per-axis options or a function as its mode")
    width = np.broadcast_to(np.asarray(pad_width), (b.ndim, 2))
    return Batched(np.pad(b.a, np.concatenate([[[0, 0]], width]), mode, **kwargs))


def solve(a, b):
    """``np.linalg.solve(a, b)`` with one plain matrix ``a`` and batched right-hand sides
    (a vector's k rows as k columns: NumPy would read a 2-d ``b`` as one matrix)."""
    if isinstance(a, Batched) or not isinstance(b, Batched) or np.ndim(a) != 2:
        raise Unbatchable("np.linalg.solve of a batched matrix or a stack of matrices")
    if b.ndim == 1:
        return Batched(np.linalg.solve(a, b.a.T).T)
    return Batched(np.linalg.solve(a, b.a))


def _shift(shift):
    def run(b, axes=None):
        b = _only(b)
        return Batched(shift(b.a, axes=_axes(axes, b.ndim))) if b.ndim else b
    return run


FUNCTIONS.update({
    np.where: where, np.moveaxis: moveaxis, np.flip: flip,
    np.fliplr: lambda b: flip(_at_least(b, 2, "np.fliplr"), 1),
    np.flipud: lambda b: flip(_at_least(b, 1, "np.flipud"), 0), np.ravel: ravel,
    np.concatenate: concatenate, np.take: take, np.tensordot: tensordot,
    np.diagonal: diagonal, np.roll: roll, np.rot90: rot90, np.pad: pad,
    np.tril: lambda b, k=0: Batched(np.tril(_at_least(b, 2, "np.tril").a, k)),
    np.triu: lambda b, k=0: Batched(np.triu(_at_least(b, 2, "np.triu").a, k)),
    np.iscomplexobj: lambda b: np.iscomplexobj(_only(b).a),
    np.real: lambda b: _only(b).real, np.imag: lambda b: _only(b).imag,
    np.linalg.solve: solve, np.fft.fftshift: _shift(np.fft.fftshift),
    np.fft.ifftshift: _shift(np.fft.ifftshift),
})
