"""Derivative rule tables: one line of mathematics per primitive.

``reverse.REVERSE`` gives each primitive's adjoints, ``forward.FORWARD`` its tangents,
the same primitives in the same order (the area modules ``reductions``, ``linalg``,
``shapes`` and ``fft`` add to both); ``helpers.HELPER_TANGENTS`` gives tangents to the
runtime helpers that adjoint templates call, so that generated adjoint code can be
differentiated again. ``table`` holds the machinery, ``names`` how users write a
primitive.
"""
from __future__ import annotations

from .forward import FORWARD
from .names import aliases, label
from .reverse import REVERSE
from .table import LINEAR, USER_CELLS, Rule, Table

__all__ = ["FORWARD", "REVERSE", "LINEAR", "USER_CELLS", "Rule", "Table", "aliases", "label",
           "covered"]


def covered() -> dict:
    """The primitives with a derivative rule in both modes, by section of the tables
    (``{"math": ["math.acos", ...], ...}``), aliases in parentheses; the last section
    lists those with no derivative (piecewise constant, integer valued, shapes)."""
    out: dict = {}
    REVERSE.load(everything=True)
    FORWARD.load(everything=True)
    for key in REVERSE.rules:
        if key in FORWARD.rules:
            other = aliases(key)
            text = label(key) + (f" ({', '.join(other)})" if other else "")
            out.setdefault(REVERSE.sections.get(key) or "other", []).append(text)
    out["no derivative (zero)"] = sorted(label(k) for k in REVERSE.inactive)
    return out
