"""Part of analyze: the kind of every name, from the kinds of the arguments.

A :class:`Kind` is a tag (``scalar``: a float or 0-d value, ``int``,
``other``: bools, tuples, anything else, ``intarray``, ``dict`` and ``tree``:
containers of floats, and ``array``: a float array) and, for arrays, a shape
class and a number of dimensions. ``Kind(ARRAY, "x", 2)`` has the shape of the
argument ``x`` (2-d); a name assigned once outside loops gives its array value a
class of its own; ``ARRAY`` alone is an array, or maybe one, of unknown shape.
A reduction with ``keepdims`` keeps its operand's class, marked ``reduced``: it
broadcasts back to that shape. Adjoints of broadcasting operations need
``unbroadcast`` only when an operand's shape may differ from the result's.

>>> x, y = Kind(Tag.ARRAY, "x", 1), Kind(Tag.ARRAY, "y", 1)
>>> print(elementwise([x, SCALAR]), elementwise([x, y]), elementwise([x, x.reduced_()]))
array@x/1 array array@x/1
"""
from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, replace

import gast
import numpy as np

from ..tree import nodes
from ..runtime.core import family, fields_of, is_array as _is_array_value, is_dataclass

_INT_CALLS = ("len", "int", "round", "bool")


class Tag(enum.Enum):
    SCALAR = "scalar"
    INT = "int"
    OTHER = "other"
    INTARRAY = "intarray"
    ARRAY = "array"
    DICT = "dict"
    TREE = "tree"


@dataclass(frozen=True)
class Kind:
    """What generated code is specialized on for one value (frozen: a cache key part)."""

    tag: Tag
    shape: str | None = None       # arrays: the name whose shape this value has
    ndim: int | None = None        # arrays: the number of dimensions, when known
    reduced: bool = False          # a keepdims reduction of ``shape``'s values

    def __str__(self) -> str:
        if self.shape is None:
            return self.tag.value
        mark = "~" if self.reduced else "@"
        return f"{self.tag.value}{mark}{self.shape}/{'?' if self.ndim is None else self.ndim}"

    @property
    def is_array(self) -> bool:
        return self.tag is Tag.ARRAY

    def reduced_(self) -> "Kind":
        return replace(self, reduced=True) if self.shape is not None else self


SCALAR, INT, OTHER, INTARRAY = Kind(Tag.SCALAR), Kind(Tag.INT), Kind(Tag.OTHER), \
    Kind(Tag.INTARRAY)
ARRAY, DICT, TREE = Kind(Tag.ARRAY), Kind(Tag.DICT), Kind(Tag.TREE)
CONTAINERS = (OTHER, DICT, TREE)       # adjoints added item by item


def is_scalar(kind) -> bool:
    return kind in (SCALAR, INT)


def is_array(kind) -> bool:
    """A float array, of known shape class or not (an int array is ``INTARRAY``)."""
    return kind is not None and kind.tag is Tag.ARRAY


def is_float(kind) -> bool:
    """A kind that wrt may name: floats, float arrays, and dicts, lists or tuples of them
    (a model's parameters, whose derivative comes back in the same structure)."""
    return kind in (SCALAR, DICT, TREE) or is_array(kind)


def of_value(value) -> Kind:
    """The kind of a value passed in (without a shape class): what generated code is
    specialized on."""
    if isinstance(value, (bool, np.bool_)):
        return OTHER
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating, complex, np.complexfloating)):
        return SCALAR             # complex: differentiated (docs/conventions.md)
    if _is_array_value(value):        # NumPy's, or a Dask or CuPy array (the protocols)
        if not np.issubdtype(value.dtype, np.inexact):
            return INTARRAY if np.issubdtype(value.dtype, np.integer) else OTHER
        return ARRAY if value.ndim else SCALAR
    if any(hasattr(np.ndarray, f) for f in getattr(value, "_fields", ())):
        return OTHER             # a namedtuple with a field p.shape, p.T: an array's reads
    if isinstance(value, (dict, list, tuple)) and value and all(
            is_float(of_value(v)) for v in (value.values() if isinstance(value, dict) else value)):
        return DICT if isinstance(value, dict) else TREE      # parameters of a model
    if is_dataclass(value) and fields_of(value) and all(
            is_float(of_value(v)) for v in fields_of(value).values()) \
            and not any(hasattr(np.ndarray, f) for f in fields_of(value)):
        return TREE              # a dataclass of parameters (p.size would read an array's)
    return OTHER


def of_argument(name: str, value) -> Kind:
    """The kind of argument ``name`` holding ``value``: a float array's shape class is
    the argument's own."""
    base = of_value(value)
    if base == ARRAY:
        return Kind(Tag.ARRAY, name, value.ndim)
    return base


def families(values: dict) -> tuple:
    """``(name, family)`` for each argument holding (leaves of) arrays of a library other
    than NumPy: a part of the derivative cache key, so that code compiled for NumPy
    arrays is never run on Dask or CuPy arrays by accident (nor the other way round)."""
    out = []
    for name, value in values.items():
        found = sorted({family(leaf) for leaf in _leaves(value)} - {"numpy"})
        if found:
            out.append((name, ",".join(found)))
    return tuple(out)


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def ndim(kind) -> int | None:
    return kind.ndim if kind is not None and kind.is_array else None


def join(a, b):
    if a is None or a == b:
        return b
    if {a, b} == {SCALAR, INT}:
        return SCALAR
    return ARRAY


def elementwise(kinds) -> Kind:
    """The kind of an elementwise result over operands of ``kinds``: an array of one
    shape class broadcast with keepdims reductions of it keeps that class."""
    arrays = [k for k in kinds if not is_scalar(k)]
    if not arrays:
        return SCALAR if SCALAR in kinds else INT
    first = arrays[0]
    if first.shape is None or any(replace(k, reduced=False) != replace(first, reduced=False)
                                  for k in arrays):
        return ARRAY
    full = [k for k in arrays if not k.reduced]
    return full[0] if full else first


def same_shape(kind, others) -> bool:
    """True when an operand of ``kind`` has the shape of the elementwise result."""
    for other in others:
        if is_scalar(other):
            continue
        if kind is None or not kind.is_array or kind.shape is None or kind.reduced:
            return False
        if other is None or replace(other, reduced=False) != kind:
            return False
    return True


def infer(assigns, loops, prims, arg_kinds) -> dict:
    """Kinds of all names: a fixed point over the assignments (loops join kinds), by a
    worklist: an assignment is evaluated again only when a name it reads changes."""
    kinds = dict(arg_kinds)
    own = _own_classes(assigns, loops, arg_kinds)
    readers: dict = {}
    for index, s in enumerate(assigns):
        source = getattr(prims[s], "source", None) if prims[s].op == "copy" else None
        for ident in nodes.names_loaded(s.value) | ({source} if source else set()):
            readers.setdefault(ident, []).append(index)
    pending = deque(range(len(assigns)))
    queued = set(pending)
    for loop in loops:
        _join_into(kinds, own, loop.target.id, _of_loop(loop), readers, pending, queued)
    while pending:
        index = pending.popleft()
        queued.discard(index)
        s = assigns[index]
        _join_into(kinds, own, s.targets[0].id, _of_value(s.value, prims[s], kinds), readers,
                   pending, queued)
    return kinds


def _join_into(kinds, own, target, kind, readers, pending, queued):
    """Join ``kind`` into ``target``'s; when that changes it, queue the readers."""
    if kind is None:
        return
    if kind == ARRAY and target in own:
        kind = Kind(Tag.ARRAY, target)        # its value's shape, named after it
    new = join(kinds.get(target), kind)
    if new != kinds.get(target):
        kinds[target] = new
        for index in readers.get(target, ()):
            if index not in queued:
                queued.add(index)
                pending.append(index)


def _own_classes(assigns, loops, arg_kinds) -> set:
    """Names assigned once, outside loops: one value, so its shape can be a class."""
    counts: dict = {}
    for s in assigns:
        counts[s.targets[0].id] = counts.get(s.targets[0].id, 0) + 1
    in_loops = set()
    for loop in loops:
        in_loops |= {n.id for n in gast.walk(loop)
                     if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return {n for n, c in counts.items() if c == 1 and n not in in_loops and n not in arg_kinds}


def of_const(value) -> Kind:
    if isinstance(value, bool):
        return OTHER
    if isinstance(value, int):
        return INT
    return SCALAR if isinstance(value, float) else OTHER


def _of_loop(loop):
    it = loop.iter
    if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range":
        return INT
    return ARRAY


def _of_value(value, prim, kinds):
    def k(atom):
        if isinstance(atom, gast.Constant):
            return of_const(atom.value)
        return kinds.get(atom.id) if isinstance(atom, gast.Name) else ARRAY

    if prim.op == "copy":                  # a dict's keys, walked by a loop: a list
        source = kinds.get(prim.source)
        return OTHER if source == DICT and not isinstance(value, gast.Name) else source
    if prim.op == "const":
        return of_const(value.value)
    if prim.op == "rule":
        return _of_rule(prim, k)
    if prim.op == "index":
        return _of_index(value, k)
    if prim.op == "zero":
        return _of_inactive(value, k)
    if prim.op == "pack":
        return DICT if isinstance(value, gast.Dict) else OTHER
    return ARRAY


def _of_index(value, k):
    """``x[i]`` of a 1-d array and an int is a scalar; other indexing: an array."""
    base, index = k(value.value), value.slice
    simple = isinstance(index, (gast.Name, gast.Constant))
    if base is None or (simple and k(index) is None):
        return None                        # not known yet
    if base in CONTAINERS:
        return OTHER if base == OTHER else ARRAY   # an item of a tuple, list, dict
    if ndim(base) == 1 and simple and k(index) == INT:
        return SCALAR
    return ARRAY


def _of_inactive(value, k):
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id in _INT_CALLS:
        return INT
    if isinstance(value, gast.Compare):
        operands = [value.left] + value.comparators
        return ARRAY if any(not is_scalar(k(a)) and k(a) != OTHER for a in operands) \
            else OTHER
    return OTHER if isinstance(value, gast.UnaryOp) else ARRAY


def _of_rule(prim, k):
    rule, bound = prim.rule, prim.bound
    if rule.result in ("scalar", "other"):   # whatever the operands (a global's is unknown)
        return SCALAR if rule.result == "scalar" else OTHER
    operand_kinds = [k(a) for a in bound.values() if isinstance(a, (gast.Name, gast.Constant))]
    if None in operand_kinds:
        return None                        # not known yet: the fixed point comes back
    if rule.result == "same":
        return k(bound[rule.params[0]])
    if rule.result == "reduction":
        return _of_reduction(k(bound[rule.params[0]]), bound.get("axis"), bound.get("keepdims"))
    if rule.result == "elementwise":
        result = elementwise(operand_kinds)
        return SCALAR if result == INT and rule.key == ("op", "Div") else result
    return ARRAY


def _of_reduction(operand, axis, keep):
    """A full reduction is a scalar; one with keepdims broadcasts back to its operand."""
    flat = isinstance(axis, gast.Constant) and axis.value is None
    kept = isinstance(keep, gast.Constant) and keep.value is True
    if kept and operand is not None and operand.is_array:
        return operand.reduced_()
    return SCALAR if flat and not kept else ARRAY
