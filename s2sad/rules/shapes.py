"""NumPy shape and indexing functions, in both modes.

Their adjoints put ``g`` back where each element came from; functions of a list of
arrays (``concatenate``, ``vstack``, ...) give a list of adjoints, one per item.
``sort`` and ``partition`` are differentiated through the permutation they apply.
"""
import numpy as np

from .. import runtime as _rt
from .table import LINEAR

SPLIT = "x, indices_or_sections, axis=0"
SORT = "x, axis=-1, kind=None, order=None"
PARTITION = "x, kth, axis=-1, kind='introselect', order=None"
PAD = "x, pad_width, mode='constant', constant_values=0"
ASTYPE = "x, dtype, order='K', casting='unsafe', subok=True, copy=True"
PERMUTED = "np.take_along_axis(d, _rt.permutation(x, ans, axis), axis)"


def reverse(R):
    R.add(np.swapaxes, "x, axis1, axis2", "np.swapaxes(g, axis1, axis2)", result="array")
    R.add(np.moveaxis, "x, source, destination", "np.moveaxis(g, destination, source)",
          result="array")
    R.add(np.broadcast_to, "x, shape", "_rt.unbroadcast(g, x)", result="array")
    R.add(np.atleast_1d, "x", "_rt.reshape_like(g, x)", result="array")
    R.add(np.atleast_2d, "x", "_rt.reshape_like(g, x)", result="array")
    R.add(np.copy, "x", "g", result="same")
    R.add(np.concatenate, "x, axis=0", "_rt.unconcatenate(g, x, axis)", result="array")
    R.add(np.vstack, "x", "_rt.unvstack(g, x)", result="array")
    R.add(np.hstack, "x", "_rt.unhstack(g, x)", result="array")
    R.add(np.column_stack, "x", "_rt.uncolumn_stack(g, x)", result="array")
    R.add(np.split, SPLIT, "np.concatenate(g, axis)", result="other")
    R.add(np.array_split, SPLIT, "np.concatenate(g, axis)", result="other")
    R.add(np.tile, "x, reps", "_rt.untile(g, x, reps)", result="array")
    R.add(np.repeat, "x, repeats, axis=None", "_rt.unrepeat(g, x, repeats, axis)", result="array")
    R.add(np.flip, "x, axis=None", "np.flip(g, axis)", result="same")
    R.add(np.fliplr, "x", "np.fliplr(g)", result="same")
    R.add(np.flipud, "x", "np.flipud(g)", result="same")
    R.add(np.roll, "x, shift, axis=None", "np.roll(g, np.negative(shift), axis)", result="same")
    R.add(np.pad, PAD, "_rt.unpad(g, x, pad_width, mode)", None, None,
          "_rt.like(np.sum(g) - np.sum(_rt.unpad(g, x, pad_width, mode)), constant_values)",
          result="array")
    R.add(np.take, "x, indices, axis=None", "_rt.untake(g, x, indices, axis)", result="array")
    R.add(np.take_along_axis, "x, indices, axis", "_rt.untake_along_axis(g, x, indices, axis)",
          result="array")
    R.add(np.sort, SORT, "_rt.unpermute(g, x, ans, axis)", result="array")
    R.add(np.partition, PARTITION, "_rt.unpermute(g, x, ans, axis)", result="array")


def forward(F):
    F.add(np.swapaxes, "x, axis1, axis2", LINEAR, result="array")
    F.add(np.moveaxis, "x, source, destination", LINEAR, result="array")
    F.add(np.broadcast_to, "x, shape", LINEAR, result="array")
    F.add(np.atleast_1d, "x", "np.reshape(d, np.shape(ans))", result="array")
    F.add(np.atleast_2d, "x", "np.reshape(d, np.shape(ans))", result="array")
    F.add(np.copy, "x", "_rt.copy(d)", result="same")
    F.add(np.concatenate, "x, axis=0", LINEAR, result="array")
    F.add(np.vstack, "x", LINEAR, result="array")
    F.add(np.hstack, "x", LINEAR, result="array")
    F.add(np.column_stack, "x", LINEAR, result="array")
    F.add(np.split, SPLIT, LINEAR, result="other")
    F.add(np.array_split, SPLIT, LINEAR, result="other")
    F.add(np.tile, "x, reps", LINEAR, result="array")
    F.add(np.repeat, "x, repeats, axis=None", LINEAR, result="array")
    F.add(np.flip, "x, axis=None", LINEAR, result="same")
    F.add(np.fliplr, "x", LINEAR, result="same")
    F.add(np.flipud, "x", LINEAR, result="same")
    F.add(np.roll, "x, shift, axis=None", LINEAR, result="same")
    F.add(np.pad, PAD, "_rt.pad_tangent(d, pad_width, mode)", None, None,
          "np.pad(_rt.zeros_like(x), pad_width, mode, constant_values=d)", result="array")
    F.add(np.take, "x, indices, axis=None", LINEAR, result="array")
    F.add(np.take_along_axis, "x, indices, axis", LINEAR, result="array")
    F.add(np.sort, SORT, PERMUTED, result="array")
    F.add(np.partition, PARTITION, PERMUTED, result="array")


def helpers(H):
    H.add(_rt.reshape_like, "g, x", LINEAR, result="array")
    H.add(_rt.unconcatenate, "g, x, axis=0", LINEAR, result="array")
    H.add(_rt.unvstack, "g, x", LINEAR, result="array")
    H.add(_rt.unhstack, "g, x", LINEAR, result="array")
    H.add(_rt.uncolumn_stack, "g, x", LINEAR, result="array")
    H.add(_rt.untile, "g, x, reps", LINEAR, result="array")
    H.add(_rt.unrepeat, "g, x, repeats, axis=None", LINEAR, result="array")
    H.add(_rt.unpad, "g, x, pad_width, mode='constant'", LINEAR, result="array")
    H.add(_rt.untake, "g, x, indices, axis=None", LINEAR, result="array")
    H.add(_rt.untake_along_axis, "g, x, indices, axis", LINEAR, result="array")
    H.add(_rt.unpermute, "g, x, y, axis=-1", LINEAR, result="array")
