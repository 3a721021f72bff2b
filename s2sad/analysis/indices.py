"""Part of analyze: indexing whose index is computed from a differentiated value.

NumPy's index tricks (``np.r_[x, y]``, ``np.c_[x, y]``) and a float key have no
derivative rule: activity flows from the index into the result, so that such a value
is refused, never taken as a zero derivative.
"""
from __future__ import annotations

import gast
import numpy as np

from ..tree import nodes


def index_names(value) -> set:
    """The names an indexing ``base[index]`` reads in its index."""
    return nodes.names_loaded(value.slice) if isinstance(value, gast.Subscript) else set()


def active_index_names(value, varied, keys) -> set:
    """The differentiated names in the index of ``base[index]``, but for the loop's own
    key in ``for k in base: base[k]`` (iterating a dict yields its keys)."""
    base = getattr(value.value, "id", None)
    return {n for n in index_names(value) & varied if (n, base) not in keys}


_INDEX_TRICKS = {"np.r_": "np.concatenate([np.atleast_1d(a), np.atleast_1d(b)])",
                 "np.c_": "np.column_stack([a, b])"}


def active_index(value, assigns, parsed):
    """``base[index]`` where the index is computed from a differentiated value: NumPy's
    index tricks (``np.r_[x, y]``) or a float key; no rule gives its derivative."""
    base = next((s.value for s in assigns if isinstance(value.value, gast.Name)
                 and s.targets[0].id == value.value.id), value.value)
    path = nodes.dotted_path(base)
    func = parsed.resolve_path(path) if path else None
    spelling = {id(np.r_): "np.r_", id(np.c_): "np.c_"}.get(id(func), path)
    if spelling in _INDEX_TRICKS:
        return parsed.violation(
            value, "no-rule", f"cannot differentiate this value: no derivative rule for "
            f"{spelling}[...] of differentiated values",
            f"build the array with functions that have rules, e.g. {_INDEX_TRICKS[spelling]}")
    return parsed.violation(
        value, "no-rule", "cannot differentiate this value: an index computed from a "
        "differentiated value has no derivative", "compute the index from values that are "
        "not differentiated (or wrap it in s2sad.stop_gradient)")
