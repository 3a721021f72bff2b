"""Helpers for shape and indexing rules: each puts an adjoint back where the elements
came from (linear in ``g``), summing where one element was used several times."""
import numpy as np

from .checks import Unsupported
from .core import (_float_type, add, as_float, eager, family, fresh, is_array, native,
                   rebuild, unbroadcast, zeros_like)

__all__ = ["ShapeOf", "shape_of", "unindex", "add_indexed", "unstack", "as_array", "unassign",
           "zero_slot", "setitem", "stack_tangent", "broadcast_like", "untranspose", "reshape_like",
           "unconcatenate", "unvstack", "unhstack", "uncolumn_stack", "untile", "unrepeat",
           "pad_tangent", "unpad", "untake", "untake_along_axis", "permutation", "unpermute",
           "undiagonal", "untrace", "undiag", "list_part", "times_part",
           "as_sequence"]


def as_sequence(c):
    """What ``for t in c`` walks, indexable by position: c itself for an array, a list, a
    tuple (``c[k]`` is the k-th item), a list of the items for any other iterable (a
    dict's keys, a set, an iterator)."""
    if isinstance(c, (np.ndarray, list, tuple, str, range)):
        return c
    return list(c)


class ShapeOf:
    """What the tape saves of an array the adjoint reads only for its shape."""
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape


def shape_of(x):
    """``x`` itself for a float (as cheap to keep), a :class:`ShapeOf` for an array."""
    return ShapeOf(x.shape) if isinstance(x, np.ndarray) else x


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
    return scatter_add(out, index, g, "x[index]")


def scatter_add(out, index, g, rule):
    """``out[index] += g`` with repeated indices accumulating (``np.add.at``), in
    ``out``'s library: NumPy's in place; an array without ``add.at`` (Dask) by item
    assignment where the index repeats no position, else an error naming the rule."""
    try:
        np.add.at(out, index, g)
        return out
    except TypeError:
        if not _repeats(index) and is_array(out) and not isinstance(out, np.ndarray):
            out[index] = out[index] + g
            return out
    kinds = sorted({f"a {family(a)} array" for a in (out, g) if is_array(a)})
    raise Unsupported(f"the derivative rule of {rule} scatters with np.add.at, which "
                      f"{' and '.join(kinds)} cannot do here (an index that may repeat "
                      "a position); index a NumPy array, or use indices that repeat no "
                      "position (slices, ints, masks)")


def _repeats(index) -> bool:
    """True unless ``index`` surely names each position once: ints, slices, masks, and
    int arrays without repeats (a tuple: the same for each of its parts, one array)."""
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [p for p in parts if not (p is None or p is Ellipsis or isinstance(
        p, (int, np.integer, slice)) or getattr(p, "dtype", None) == bool)]
    if not arrays:
        return False
    if len(arrays) > 1 or not isinstance(arrays[0], (np.ndarray, list)):
        return True
    flat = np.ravel(arrays[0])
    return len(np.unique(flat)) != len(flat)


def add_indexed(b, g, x, index):
    """``b`` plus the adjoint of ``x[index]``."""
    if isinstance(x, (list, tuple, dict)):
        return add(b, unindex(g, x, index))
    out = fresh(b, np.result_type(b, g))
    return scatter_add(out, index, g, "x[index]")


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
    """``native(x)`` for a list or tuple (``np.sum([a, b])`` reads it so), else ``x``."""
    return native(x) if isinstance(x, (list, tuple)) else x


def unassign(g, index, v):
    """The adjoint reaching ``v`` from ``y[index] = v``: the slot's adjoint, reduced to
    v's shape; with repeated indices only the last write of a position counts."""
    part = native(g)[index]
    if isinstance(index, (list, np.ndarray)) and np.ndim(index) == 1:
        positions = native(index)
        _, first_from_end = np.unique(positions[::-1], return_index=True)
        last = np.zeros(len(positions), dtype=bool)
        last[len(positions) - 1 - first_from_end] = True
        part = part * last.reshape((-1,) + (1,) * (np.ndim(part) - 1))
    return unbroadcast(part, v)


def zero_slot(g, index):
    """A copy of the adjoint ``g`` with ``g[index]`` zeroed (that slot was overwritten)."""
    out = fresh(g, np.result_type(g, np.float32))
    out[index] = 0.0
    return out


def setitem(d, index, value):
    """A copy of the tangent ``d`` with ``d[index] = value``."""
    out = fresh(d, np.result_type(d, value, np.float32))
    out[index] = value
    return out


def stack_tangent(d, ans):
    """The tangent of ``np.array(items)``: the items' tangents as one array."""
    return np.broadcast_to(np.array(d, dtype=np.result_type(ans, np.float32)),
                           np.shape(ans))


def broadcast_like(d, ans):
    """A tangent stretched to its result's shape (an operand without one was bigger)."""
    if np.shape(d) == np.shape(ans):
        return d
    return np.broadcast_to(d, np.shape(ans))


def untranspose(g, axes=None):
    if axes is None:
        return np.transpose(g)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    return np.transpose(g, np.argsort(axes))



def _shaped(part, item):
    """``part`` reshaped like ``item`` (a float for a Python number)."""
    if isinstance(item, (float, int)) and eager(part):
        return float(np.reshape(part, ()))
    return np.reshape(part, np.shape(item))


def _cut(g, x, sizes, axis):
    """``g`` cut along ``axis`` into pieces of ``sizes``, each shaped like its item."""
    if eager(g):
        parts = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    else:                                  # Dask has no np.split: slices of g, lazily
        ends = np.cumsum(sizes)
        lead = (slice(None),) * (axis % np.ndim(g))
        parts = [g[lead + (slice(int(e - n), int(e)),)] for e, n in zip(ends, sizes)]
    items = [_shaped(p, item) for p, item in zip(parts, x)]
    if isinstance(x, np.ndarray):          # NumPy took an array's rows as the items
        return np.reshape(np.stack(items), np.shape(x))
    return rebuild(x, items)


def reshape_like(g, x):
    """``g`` reshaped like ``x`` (a float for a Python number)."""
    return _shaped(g, x)


def unconcatenate(g, x, axis=0):
    """The adjoint of ``np.concatenate(x, axis)``: ``g`` cut back into x's items
    (``axis=None``: they were flattened first)."""
    if axis is None:
        return _cut(np.ravel(g), x, [np.size(item) for item in x], 0)
    return _cut(g, x, [np.shape(item)[axis] for item in x], axis)


def unvstack(g, x):
    """The adjoint of ``np.vstack(x)``: 1-d items were rows, numbers 1x1 blocks."""
    return _cut(g, x, [np.shape(item)[0] if np.ndim(item) > 1 else 1 for item in x], 0)


def unhstack(g, x):
    """The adjoint of ``np.hstack(x)``: along axis 0 for 1-d items, else axis 1."""
    if np.ndim(x[0]) <= 1:
        return _cut(g, x, [max(np.size(item), 1) if np.ndim(item) else 1 for item in x], 0)
    return _cut(g, x, [np.shape(item)[1] for item in x], 1)


def uncolumn_stack(g, x):
    """The adjoint of ``np.column_stack(x)``: 1-d items were columns."""
    return _cut(g, x, [np.shape(item)[1] if np.ndim(item) > 1 else 1 for item in x], 1)


def untile(g, x, reps):
    """The adjoint of ``np.tile(x, reps)``: the copies of each element summed."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = np.shape(x)
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    blocks = np.reshape(g, [n for pair in zip(reps, shape) for n in pair])
    return _shaped(np.sum(blocks, axis=tuple(range(0, 2 * ndim, 2))), x)


def unrepeat(g, x, repeats, axis=None):
    """The adjoint of ``np.repeat(x, repeats, axis)``: each element's copies summed."""
    if axis is None:
        flat = unrepeat(g, np.ravel(x), repeats, 0)
        return _shaped(flat, x)
    axis = axis % np.ndim(x)
    n = np.shape(x)[axis]
    moved = np.moveaxis(g, axis, 0)
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0])
        out = np.sum(np.reshape(moved, (n, r) + moved.shape[1:]), axis=1)
    else:
        out = np.zeros((n,) + moved.shape[1:], dtype=_float_type(x, g))
        scatter_add(out, np.repeat(np.arange(n), repeats), moved, "np.repeat")
    return np.moveaxis(out, 0, axis)


# np.pad modes whose padding copies elements of x: the adjoint gathers g back to them
COPYING_PADS = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_tangent(d, pad_width, mode="constant"):
    """The tangent of ``np.pad(x, pad_width, mode)`` along ``d`` for the copying modes
    (a ``constant_values`` tangent is added by its own rule)."""
    _check_pad_mode(mode)
    return np.pad(d, pad_width, mode)


def unpad(g, x, pad_width, mode="constant"):
    """The adjoint of ``np.pad(x, pad_width, mode)``: the middle of ``g`` for
    ``constant``; for the other copying modes each element of g goes back to the
    element it copies (found by padding the elements' indices)."""
    _check_pad_mode(mode)
    if mode == "constant":
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (np.ndim(x), 2))
        return g[tuple(slice(lo, n - hi) for (lo, hi), n in zip(widths, np.shape(g)))]
    g = as_float(g, x)
    source = np.pad(np.arange(np.size(x)).reshape(np.shape(x)), pad_width, mode)
    out = np.bincount(source.ravel(), np.ravel(g), minlength=np.size(x))
    return out.reshape(np.shape(x)).astype(_float_type(x, g), copy=False)


def _check_pad_mode(mode):
    if mode not in COPYING_PADS:
        raise Unsupported(f"np.pad(..., mode={mode!r}) has no derivative rule; "
                          f"s2sad differentiates the modes {', '.join(COPYING_PADS)}")


def untake(g, x, indices, axis=None):
    """The adjoint of ``np.take(x, indices, axis)``: ``g`` scattered back, repeated
    indices accumulating."""
    out = np.zeros(np.shape(x), dtype=_float_type(x, g))
    if axis is None:
        scatter_add(out.reshape(-1), indices, g, "np.take_along_axis")
        return out
    axis = axis % np.ndim(x)
    k = np.ndim(indices)
    moved = np.moveaxis(g, tuple(range(axis, axis + k)), tuple(range(k)))
    scatter_add(np.moveaxis(out, axis, 0), indices, moved, "np.take")
    return out


def untake_along_axis(g, x, indices, axis):
    """The adjoint of ``np.take_along_axis(x, indices, axis)``."""
    out = np.zeros(np.shape(x), dtype=_float_type(x, g))
    if axis is None:
        scatter_add(out.reshape(-1), indices, g, "np.take_along_axis")
        return out
    shape = np.shape(x)
    axis = axis % len(shape)
    index = []
    for dim, n in enumerate(shape):
        if dim == axis:
            index.append(indices)
        else:
            grid = [1] * len(shape)
            grid[dim] = n
            index.append(np.arange(n).reshape(grid))
    scatter_add(out, tuple(index), np.broadcast_to(g, np.broadcast_shapes(
        *[np.shape(i) for i in index])), "np.take_along_axis")
    return out


def permutation(x, ans, axis=-1):
    """Where each element of ``ans`` (x rearranged along ``axis``: sorted, partitioned)
    came from in ``x``; tied values are matched in order."""
    if axis is None:
        x, ans, axis = np.ravel(x), np.ravel(ans), 0
    order = np.argsort(x, axis=axis, kind="stable")
    rank = np.argsort(np.argsort(ans, axis=axis, kind="stable"), axis=axis, kind="stable")
    return np.take_along_axis(order, rank, axis=axis)


def unpermute(g, x, ans, axis=-1):
    """The adjoint of ``np.sort`` / ``np.partition``: ``g`` put back through the
    permutation (which is piecewise constant: no derivative of its own)."""
    index = permutation(x, ans, axis)
    out = np.zeros(np.shape(x), dtype=_float_type(x, g))
    if axis is None:
        out.reshape(-1)[index] = np.ravel(g)
    else:
        np.put_along_axis(out, index, g, axis=axis)
    return out


def undiagonal(g, x, offset=0, axis1=0, axis2=1):
    """The adjoint of ``np.diagonal(x, offset, axis1, axis2)``: ``g`` on that diagonal
    of zeros (the diagonal is g's last axis)."""
    out = np.zeros(np.shape(x), dtype=_float_type(x, g))
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))
    i = np.arange(np.shape(g)[-1])
    moved[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out


def untrace(g, x, offset=0, axis1=0, axis2=1):
    """The adjoint of ``np.trace(x, offset, axis1, axis2)``: ``g`` along the diagonal."""
    n = np.diagonal(np.empty(np.shape(x), dtype=bool), offset, axis1, axis2).shape[-1]
    g = as_float(g, x)
    spread = np.broadcast_to(np.expand_dims(g, -1), np.shape(g) + (n,))
    return undiagonal(spread, x, offset, axis1, axis2)


def undiag(g, x, k=0):
    """The adjoint of ``np.diag(x, k)``: the diagonal of ``g`` for a vector ``x`` (which
    was laid on a diagonal), ``g`` laid on the diagonal for a matrix (which lost it)."""
    if np.ndim(x) == 1:
        return np.diagonal(g, k).copy()
    return undiagonal(g, x, k)


# lists and tuples -------------------------------------------------------------------

def list_part(g, x, side):
    """The adjoint of ``x`` in ``left + right`` (side 0 or 1): for lists or tuples, its
    part of the concatenation's ``g``; for numbers and arrays, ``unbroadcast``."""
    if not isinstance(x, (list, tuple)):
        return unbroadcast(g, x)
    return type(x)(g[:len(x)] if side == 0 else g[len(g) - len(x):])


def times_part(g, x, other):
    """The adjoint of ``x`` in ``x * other``: for a list or tuple repeated ``other``
    times, the sum of its copies in ``g``; for numbers and arrays, ``g * other``."""
    if not isinstance(x, (list, tuple)):
        return unbroadcast(g * other, x)
    return type(x)(sum(g[i::len(x)]) for i in range(len(x)))
