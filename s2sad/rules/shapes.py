"""NumPy shape and indexing functions, in both modes.

Their adjoints put ``g`` back where each element came from; functions of a list of
arrays (``concatenate``, ``vstack``, ...) give a list of adjoints, one per item.
``sort`` and ``partition`` are differentiated through the permutation they apply.
"""
import numpy as np

from .. import runtime as _rt

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
    R.add(np.repeat, "x, repeats, axis=None", "_rt.unrepeat(g, x, repeats, axis)",
          result="array")
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
    F.add(np.swapaxes, "x, axis1, axis2", "np.swapaxes(d, axis1, axis2)", result="array")
    F.add(np.moveaxis, "x, source, destination", "np.moveaxis(d, source, destination)",
          result="array")
    F.add(np.broadcast_to, "x, shape", "np.broadcast_to(d, shape)", result="array")
    F.add(np.atleast_1d, "x", "np.reshape(d, np.shape(ans))", result="array")
    F.add(np.atleast_2d, "x", "np.reshape(d, np.shape(ans))", result="array")
    F.add(np.copy, "x", "_rt.copy(d)", result="same")
    F.add(np.concatenate, "x, axis=0", "np.concatenate(d, axis)", result="array")
    F.add(np.vstack, "x", "np.vstack(d)", result="array")
    F.add(np.hstack, "x", "np.hstack(d)", result="array")
    F.add(np.column_stack, "x", "np.column_stack(d)", result="array")
    F.add(np.split, SPLIT, "np.split(d, indices_or_sections, axis)", result="other")
    F.add(np.array_split, SPLIT, "np.array_split(d, indices_or_sections, axis)", result="other")
    F.add(np.tile, "x, reps", "np.tile(d, reps)", result="array")
    F.add(np.repeat, "x, repeats, axis=None", "np.repeat(d, repeats, axis)", result="array")
    F.add(np.flip, "x, axis=None", "np.flip(d, axis)", result="same")
    F.add(np.fliplr, "x", "np.fliplr(d)", result="same")
    F.add(np.flipud, "x", "np.flipud(d)", result="same")
    F.add(np.roll, "x, shift, axis=None", "np.roll(d, shift, axis)", result="same")
    F.add(np.pad, PAD, "_rt.pad_tangent(d, pad_width, mode)", None, None,
          "np.pad(_rt.zeros_like(x), pad_width, mode, constant_values=d)", result="array")
    F.add(np.take, "x, indices, axis=None", "np.take(d, indices, axis)", result="array")
    F.add(np.take_along_axis, "x, indices, axis", "np.take_along_axis(d, indices, axis)",
          result="array")
    F.add(np.sort, SORT, PERMUTED, result="array")
    F.add(np.partition, PARTITION, PERMUTED, result="array")


def reverse_methods(R):
    R.method("swapaxes", "x, axis1, axis2", "np.swapaxes(g, axis1, axis2)", result="array")
    R.method("take", "x, indices, axis=None", "_rt.untake(g, x, indices, axis)", result="array")
    R.method("repeat", "x, repeats, axis=None", "_rt.unrepeat(g, x, repeats, axis)",
             result="array")
    R.method("clip", "x, min=None, max=None", "g * _rt.inside(x, min, max)",
             "g * _rt.below(x, min)", "g * _rt.above(x, max)", broadcast=True)
    R.method("conj", "x", "g", result="same")
    R.method("conjugate", "x", "g", result="same")
    R.method("astype", ASTYPE, "_rt.uncast(g, x, dtype)", result="same")


def forward_methods(F):
    F.method("swapaxes", "x, axis1, axis2", "np.swapaxes(d, axis1, axis2)", result="array")
    F.method("take", "x, indices, axis=None", "np.take(d, indices, axis)", result="array")
    F.method("repeat", "x, repeats, axis=None", "np.repeat(d, repeats, axis)", result="array")
    F.method("clip", "x, min=None, max=None", "_rt.inside(x, min, max) * d",
             "_rt.like(_rt.below(x, min) * d, ans)", "_rt.like(_rt.above(x, max) * d, ans)",
             broadcast=True)
    F.method("conj", "x", "d", result="same")
    F.method("conjugate", "x", "d", result="same")
    F.method("astype", ASTYPE, "_rt.cast(d, dtype)", result="same")


def helpers(F):
    F.add(_rt.reshape_like, "g, x", "_rt.reshape_like(d, x)", result="array")
    F.add(_rt.unconcatenate, "g, x, axis=0", "_rt.unconcatenate(d, x, axis)", result="array")
    F.add(_rt.unvstack, "g, x", "_rt.unvstack(d, x)", result="array")
    F.add(_rt.unhstack, "g, x", "_rt.unhstack(d, x)", result="array")
    F.add(_rt.uncolumn_stack, "g, x", "_rt.uncolumn_stack(d, x)", result="array")
    F.add(_rt.untile, "g, x, reps", "_rt.untile(d, x, reps)", result="array")
    F.add(_rt.unrepeat, "g, x, repeats, axis=None", "_rt.unrepeat(d, x, repeats, axis)",
          result="array")
    F.add(_rt.unpad, "g, x, pad_width, mode='constant'", "_rt.unpad(d, x, pad_width, mode)",
          result="array")
    F.add(_rt.untake, "g, x, indices, axis=None", "_rt.untake(d, x, indices, axis)",
          result="array")
    F.add(_rt.untake_along_axis, "g, x, indices, axis",
          "_rt.untake_along_axis(d, x, indices, axis)", result="array")
    F.add(_rt.unpermute, "g, x, y, axis=-1", "_rt.unpermute(d, x, y, axis)", result="array")
