"""Blocks of k tangents or cotangents of a parameter tree: the batch axis leads in
every leaf.

A block mirrors its value's structure (the same dict keys, the same number of items
of a list, tuple or namedtuple, the same fields of a dataclass); at each float leaf
it holds an array shaped ``(k,) + shape``. The batched sweeps carry it as a tree of
:class:`~s2sad.runtime.batched.Batched` leaves (:func:`batched`); the fallbacks take
it apart into k trees (:func:`row`) and stack k results back (:func:`stacked`).
"""
from __future__ import annotations

import numpy as np

from ..errors import UsageError
from ..runtime.batched import Batched, Unbatchable
from ..runtime.core import fields_of, is_dataclass, with_fields
from .seeds import _describe, _is_float, rebuilt


def _children(value):
    """``(keys, items)`` of a tree node, None for a leaf."""
    if isinstance(value, dict):
        return list(value), list(value.values())
    if isinstance(value, (tuple, list)):
        return list(range(len(value))), list(value)
    if is_dataclass(value):
        fields = fields_of(value)
        return list(fields), list(fields.values())
    return None


def _rebuilt(like, items: list):
    """A node like ``like`` holding ``items`` in its keys' order."""
    if isinstance(like, dict):
        return dict(zip(like, items))
    if isinstance(like, (tuple, list)):
        return rebuilt(like, items)
    return with_fields(like, dict(zip(fields_of(like), items)))


class _Mismatch(Exception):
    """A block unlike its value; the caller says which error code it is."""


def tangent_length(block, value, where: str) -> int:
    """:func:`leading` of a block of tangents (a ``bad-tangents`` UsageError)."""
    try:
        return leading(block, value, where)
    except _Mismatch as exc:
        raise UsageError(str(exc), "bad-tangents") from None


def cotangent_length(block, value, where: str) -> int:
    """:func:`leading` of a block of cotangents (a ``bad-cotangent`` UsageError)."""
    try:
        return leading(block, value, where)
    except _Mismatch as exc:
        raise UsageError(str(exc), "bad-cotangent") from None


def _child(block, key, like, where):
    if isinstance(like, dict):
        ok = isinstance(block, dict) and set(block) == set(like)
    elif isinstance(like, (tuple, list)):
        ok = isinstance(block, (tuple, list)) and not is_dataclass(block) \
            and len(block) == len(like)
    else:
        ok = type(block) is type(like)
    if not ok:
        raise _Mismatch(f"{where}: expected a block with the structure of "
                        f"{_describe(like)}, got {_describe(block)}")
    return getattr(block, key) if is_dataclass(like) else block[key]


def leading(block, value, where) -> int:
    """The common leading length k of ``block``'s float leaves, checked against
    ``value``'s structure and shapes (``_Mismatch`` otherwise)."""
    sizes = set()

    def walk(b, v, at):
        parts = _children(v)
        if parts is not None:
            for key, item in zip(*parts):
                walk(_child(b, key, v, at), item, f"{at}[{key!r}]")
            return
        if not _is_float(v):
            return
        try:
            shape = np.shape(b)
        except ValueError:          # a ragged sequence: no shape
            shape = None
        if shape is None or len(shape) != np.ndim(v) + 1 or shape[1:] != np.shape(v):
            raise _Mismatch(f"{at}: {_describe(b)} for a value of shape {np.shape(v)}; "
                            f"give it a leading axis of length k, shaped (k,) + "
                            f"{np.shape(v)}")
        sizes.add(shape[0])
    walk(block, value, where)
    if len(sizes) > 1:
        raise _Mismatch(f"{where}: the blocks have leading lengths {sorted(sizes)}; "
                        "give each the same leading length k")
    if not sizes:
        raise _Mismatch(f"{where}: no float value to give a block of k for")
    return sizes.pop()


def _dtype(block, value):
    kind = np.asarray(block).dtype.kind if not isinstance(block, np.ndarray) else block.dtype.kind
    if kind not in ("fiuc" if np.iscomplexobj(value) else "fiu"):
        raise Unbatchable(f"a block of dtype kind {kind!r}")
    if isinstance(value, (float, int)):
        return np.complex128 if isinstance(value, complex) else np.float64
    return np.result_type(np.asarray(value).dtype, np.float32)


def batched(block, value):
    """``block`` (checked by :func:`leading`) as a tree of Batched leaves in the value's
    float types; a non-float leaf (an int, a string) gets its first row, as the one by
    one path would give it each row."""
    parts = _children(value)
    if parts is not None:
        return _rebuilt(value, [batched(_child(block, key, value, ""), item)
                                for key, item in zip(*parts)])
    if not _is_float(value):
        return _row_of(block, 0)
    return Batched(np.asarray(block, dtype=_dtype(block, value)))


def row(block, value, i):
    """Row ``i`` of ``block``: one tangent (cotangent) tree like ``value``."""
    parts = _children(value)
    if parts is not None:
        return _rebuilt(value, [row(_child(block, key, value, ""), item, i)
                                for key, item in zip(*parts)])
    if not _is_float(value):
        return _row_of(block, i)
    return np.asarray(block)[i]


def _row_of(leaf, i):
    """A non-float leaf's row: ``leaf[i]`` where it is a sequence of rows, else itself."""
    try:
        return leaf[i] if not isinstance(leaf, (str, bytes)) else leaf
    except (TypeError, IndexError, KeyError):
        return leaf


def unbatched(tree, k):
    """A tree of Batched leaves as the same tree of ``(k,) + shape`` arrays; a leaf
    known to be zero (``0.0``, zeros) as k zeros; anything else is Unbatchable."""
    if isinstance(tree, Batched):
        return tree.a
    parts = _children(tree)
    if parts is not None:
        return _rebuilt(tree, [unbatched(v, k) for v in parts[1]])
    if isinstance(tree, (float, int, np.ndarray, np.number)) and not np.any(tree):
        return np.zeros((k,) + np.shape(tree), dtype=np.result_type(tree, np.float64))
    raise Unbatchable(f"a value of type {type(tree).__name__} in the result")


def stacked(rows: list):
    """k trees of arrays (numbers) -> one tree of ``(k,) + shape`` arrays."""
    first = rows[0]
    parts = _children(first)
    if parts is not None:
        keys = parts[0]
        pick = (lambda r, key: getattr(r, key)) if is_dataclass(first) else \
            (lambda r, key: r[key])
        return _rebuilt(first, [stacked([pick(r, key) for r in rows]) for key in keys])
    return np.stack([np.asarray(r) for r in rows])


def joined(parts: list):
    """Trees of ``(k_i,) + shape`` arrays -> one tree, the parts one after another."""
    first = parts[0]
    if len(parts) == 1:
        return first
    children = _children(first)
    if children is not None:
        pick = (lambda r, key: getattr(r, key)) if is_dataclass(first) else \
            (lambda r, key: r[key])
        return _rebuilt(first, [joined([pick(p, key) for p in parts])
                                for key in children[0]])
    return np.concatenate([np.asarray(p) for p in parts])


def split(tree, k) -> list:
    """A tree of ``(k,) + shape`` arrays -> k trees of ``shape`` arrays."""
    parts = _children(tree)
    if parts is not None:
        items = [split(v, k) for v in parts[1]]
        return [_rebuilt(tree, [p[i] for p in items]) for i in range(k)]
    return list(tree)


def typed(tree, like):
    """A block tree with each leaf in the float type of ``like``'s leaf (a Python float's
    block float64, a float32 array's float32); a real value's block real."""
    parts = _children(like)
    if parts is not None and _children(tree) is not None:
        pick = (lambda key: getattr(tree, key)) if is_dataclass(tree) else \
            (lambda key: tree[key])
        return _rebuilt(tree, [typed(pick(key), item) for key, item in zip(*parts)])
    if not isinstance(tree, np.ndarray) or not _is_float(like):
        return tree
    if not np.iscomplexobj(like) and np.iscomplexobj(tree):
        tree = tree.real          # a complex intermediate's adjoint: its real part
    dtype = np.float64 if isinstance(like, float) else np.asarray(like).dtype
    return tree if tree.dtype == dtype else tree.astype(dtype)


def with_leaves(like, items: list):
    """``like``'s structure holding ``items`` as its leaves, in order."""
    it = iter(items)

    def build(value):
        parts = _children(value)
        return next(it) if parts is None else _rebuilt(value, [build(v) for v in parts[1]])
    return build(like)


def leaves(tree) -> list:
    parts = _children(tree)
    return [leaf for v in parts[1] for leaf in leaves(v)] if parts is not None else [tree]
