"""Part of analyze: the kind of every name, from the kinds of the arguments.

Kinds: ``scalar`` (a float or 0-d value), ``int``, ``other`` (bools, tuples,
anything else), ``intarray``, and float arrays: ``array@x/2`` is an array of
the same shape as the argument ``x`` (2-d); plain ``array`` is an array, or
maybe an array, of unknown shape. Adjoints of broadcasting operations need
``unbroadcast`` only when an operand's shape may differ from the result's:
elementwise functions of arrays of one shape class need none.

>>> elementwise(["array@x/1", "scalar"]), elementwise(["array@x/1", "array@y/1"])
('array@x/1', 'array')
"""
from __future__ import annotations

import gast
import numpy as np

_INT_CALLS = ("len", "int", "round", "bool")


def is_scalar(kind) -> bool:
    return kind in ("scalar", "int")


def is_float(kind) -> bool:
    """A kind that wrt may name: floats, float arrays, and dicts, lists or tuples of them
    (a model's parameters, whose derivative comes back in the same structure)."""
    return kind in ("scalar", "dict", "tree") or (kind or "").startswith("array")


def of_value(value) -> str:
    """The kind of a value passed in (without a shape class): what generated code is
    specialized on."""
    if isinstance(value, (bool, np.bool_)):
        return "other"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "scalar"
    if isinstance(value, np.ndarray):
        if not np.issubdtype(value.dtype, np.floating):
            return "intarray" if np.issubdtype(value.dtype, np.integer) else "other"
        return "array" if value.ndim else "scalar"
    if isinstance(value, (dict, list, tuple)) and value and all(
            is_float(of_value(v)) for v in (value.values() if isinstance(value, dict) else value)):
        return "dict" if isinstance(value, dict) else "tree"   # parameters of a model
    return "other"


def of_argument(name: str, value) -> str:
    """The kind of argument ``name`` holding ``value``: a float array's shape class is
    the argument's own."""
    base = of_value(value)
    if base == "array":
        return f"array@{name}/{value.ndim}"
    return base


def ndim(kind) -> int | None:
    if kind and kind.startswith("array@"):
        return int(kind.rsplit("/", 1)[1])
    return None


def join(a, b):
    if a is None or a == b:
        return b
    if {a, b} == {"scalar", "int"}:
        return "scalar"
    return "array"


def elementwise(kinds) -> str:
    """The kind of an elementwise result over operands of ``kinds``."""
    arrays = [k for k in kinds if not is_scalar(k)]
    if arrays:
        same = all(k == arrays[0] for k in arrays) and arrays[0].startswith("array@")
        return arrays[0] if same else "array"
    return "scalar" if "scalar" in kinds else "int"


def same_shape(kind, others) -> bool:
    """True when an operand of ``kind`` has the shape of the elementwise result."""
    for other in others:
        if is_scalar(other):
            continue
        if other != kind or not kind.startswith("array@"):
            return False
    return True


def infer(assigns, loops, prims, arg_kinds) -> dict:
    """Kinds of all names: a fixed point over the assignments (loops join kinds)."""
    kinds = dict(arg_kinds)
    changed = True
    while changed:
        changed = False
        updates = [(s.targets[0].id, _of_value(s.value, prims[id(s)], kinds)) for s in assigns]
        updates += [(loop.target.id, _of_loop(loop)) for loop in loops]
        for target, kind in updates:
            if kind is None:
                continue
            new = join(kinds.get(target), kind)
            if new != kinds.get(target):
                kinds[target] = new
                changed = True
    return kinds


def of_const(value) -> str:
    if isinstance(value, bool):
        return "other"
    if isinstance(value, int):
        return "int"
    return "scalar" if isinstance(value, float) else "other"


def _of_loop(loop):
    it = loop.iter
    if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range":
        return "int"
    return "array"


def _of_value(value, prim, kinds):
    def k(atom):
        if isinstance(atom, gast.Constant):
            return of_const(atom.value)
        return kinds.get(atom.id) if isinstance(atom, gast.Name) else "array"

    if prim.op == "copy":
        return kinds.get(value.id)
    if prim.op == "const":
        return of_const(value.value)
    if prim.op == "rule":
        return _of_rule(prim, k)
    if prim.op == "index":
        return _of_index(value, k)
    if prim.op == "zero":
        return _of_inactive(value, k)
    return "other" if prim.op == "pack" else "array"


def _of_index(value, k):
    """``x[i]`` of a 1-d array and an int is a scalar; other indexing: an array."""
    base, index = k(value.value), value.slice
    simple = isinstance(index, (gast.Name, gast.Constant))
    if base is None or (simple and k(index) is None):
        return None                        # not known yet
    if base in ("other", "dict", "tree"):
        return "other" if base == "other" else "array"   # an item of a tuple, list, dict
    if ndim(base) == 1 and simple and k(index) == "int":
        return "scalar"
    return "array"


def _of_inactive(value, k):
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id in _INT_CALLS:
        return "int"
    if isinstance(value, gast.Compare):
        operands = [value.left] + value.comparators
        return "array" if any(not is_scalar(k(a)) and k(a) != "other" for a in operands) \
            else "other"
    return "other" if isinstance(value, gast.UnaryOp) else "array"


def _of_rule(prim, k):
    rule, bound = prim.rule, prim.bound
    operand_kinds = [k(a) for a in bound.values() if isinstance(a, (gast.Name, gast.Constant))]
    if None in operand_kinds:
        return None                        # not known yet: the fixed point comes back
    if rule.result in ("scalar", "other"):
        return rule.result
    if rule.result == "same":
        return k(bound[rule.params[0]])
    if rule.result == "reduction":
        axis, keep = bound.get("axis"), bound.get("keepdims")
        flat = isinstance(axis, gast.Constant) and axis.value is None
        kept = isinstance(keep, gast.Constant) and keep.value
        return "scalar" if flat and not kept else "array"
    if rule.result == "elementwise":
        result = elementwise(operand_kinds)
        return "scalar" if result == "int" and rule.key == ("op", "Div") else result
    return "array"
