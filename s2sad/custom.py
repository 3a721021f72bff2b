"""Custom rules: ``defvjp`` and ``defjvp`` make any callable a primitive.

A registered rule reads in generated code as a call to the user's own function:
``b_x = gammaln_vjp(b_y, y, x)``. Registering clears the compiled cache, so
derivatives built before see the new rule on their next call.
"""
from __future__ import annotations

import inspect

import numpy as np

from .compile import CACHE
from .errors import UsageError
from .rules import USER_CELLS
from .rules.forward import FORWARD
from .rules.reverse import REVERSE


def defvjp(func, *vjps):
    """Register reverse rules: ``vjps[i](g, ans, *args)`` is the cotangent of argument
    ``i`` given ``g``, the cotangent of the result ``ans`` (None: no derivative)."""
    _register(REVERSE, func, vjps, "g", "vjp")


def defjvp(func, *jvps):
    """Register forward rules: ``jvps[i](d, ans, *args)`` is the result's tangent from
    ``d``, the tangent of argument ``i`` (None: no derivative)."""
    _register(FORWARD, func, jvps, "d", "jvp")


def _register(table, func, rules, seed: str, kind: str):
    if not callable(func):
        raise UsageError(f"def{kind}: {func!r} is not callable", "bad-rule")
    if not rules or all(r is None for r in rules):
        raise UsageError(f"def{kind}({_name(func)}): give at least one rule", "bad-rule")
    params = _parameters(func, rules, kind)
    templates = []
    for i, rule in enumerate(rules):
        if rule is None:
            templates.append(None)
            continue
        cell = _cell_name(rule, func, kind, i)
        USER_CELLS[cell] = rule
        templates.append(f"{cell}({seed}, ans, {', '.join(params)})")
    table.register(func, params, tuple(templates))
    CACHE.clear()


def _parameters(func, rules, kind) -> tuple:
    """The primitive's parameter names: its own signature, else the rule's after
    (g|d, ans) — a C function often has no signature to read. A ufunc's are its
    ``nin`` inputs (its signature also lists ``out``)."""
    if isinstance(func, np.ufunc):
        return tuple(f"x{i}" for i in range(func.nin)) if func.nin > 1 else ("x",)
    try:
        params = [p.name for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if params:
            return tuple(params)
    except (TypeError, ValueError):
        pass
    rule = next(r for r in rules if r is not None)
    try:
        names = [p.name for p in inspect.signature(rule).parameters.values()][2:]
    except (TypeError, ValueError):
        names = []
    if not names:
        raise UsageError(f"def{kind}({_name(func)}): cannot tell its parameters; write the "
                         f"rule as a def whose arguments after (g, ans) name them", "bad-rule")
    return tuple(names)


def _cell_name(rule, func, kind, index) -> str:
    name = getattr(rule, "__name__", "")
    if name.isidentifier() and name != "<lambda>":
        return name
    return f"{_name(func)}_{kind}{index}"


def _name(func) -> str:
    return getattr(func, "__name__", type(func).__name__)


def forget(func):
    """Remove the rules registered for ``func`` (tests use it to restore the tables)."""
    for table in (REVERSE, FORWARD):
        table.user.pop(func, None)
    CACHE.clear()
