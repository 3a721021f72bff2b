"""Custom rules: ``defvjp`` and ``defjvp`` make any callable a primitive.

A registered rule reads in generated code as a call to the user's own function:
``b_x = gammaln_vjp(b_y, y, x)``. Registering clears the compiled cache, so
derivatives built before see the new rule on their next call.
"""
from __future__ import annotations

import ast
import inspect

import numpy as np

from .driver.compile import CACHE, RUNTIME_NAMES
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
    params, defaults = _parameters(func, rules, kind)
    taken = _cells_in_use(table, func)
    templates = []
    for i, rule in enumerate(rules):
        if rule is None:
            templates.append(None)
            continue
        cell = _cell_name(rule, func, kind, i, taken)
        USER_CELLS[cell] = rule
        taken[cell] = rule
        passed = params[:_accepted(rule, len(params))]
        templates.append(f"{cell}({seed}, ans, {', '.join(passed)})")
    table.register(func, params, tuple(templates), _default_texts(defaults, func, kind))
    CACHE.clear()


def _cells_in_use(table, func) -> dict:
    """Cell name -> callable, for every rule registered but ``func``'s in ``table`` (which
    this registration replaces): a rule's name is its cell's unless another rule holds it."""
    used = {}
    for other in (REVERSE, FORWARD):
        for key, rule in other.user.items():
            if other is table and key is func:
                continue
            for template in rule.adjoints:
                if template is not None:
                    cell = template.split("(", 1)[0]
                    used[cell] = USER_CELLS.get(cell)
    return used


def _accepted(rule, count) -> int:
    """How many of the primitive's parameters the rule takes after (g|d, ans): all of
    them, unless its signature names fewer (``lambda g, ans, a: ...`` for ``pinv(a,
    rcond=None)``), so that defaults the rule does not name need not be passed to it."""
    try:
        params = list(inspect.signature(rule).parameters.values())[2:]
    except (TypeError, ValueError):
        return count
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return count
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return max(1, min(count, len(positional)))


def _default_texts(defaults: dict, func, kind) -> dict:
    """Parameter -> default as source text: a literal as itself, any other value (a
    sentinel such as ``np._NoValue``) through a cell of its own, so that a call that
    leaves the parameter out binds it as the primitive would."""
    texts = {}
    for name, value in defaults.items():
        try:
            literal = ast.literal_eval(repr(value))
            if type(literal) is type(value) and literal == value:
                texts[name] = repr(value)
                continue
        except (ValueError, SyntaxError, TypeError):
            pass
        cell = f"_{_name(func)}_{name}_default" if _name(func).isidentifier() else \
            f"_rule_{kind}_{name}_default"
        while USER_CELLS.get(cell, value) is not value:
            cell += "_"
        USER_CELLS[cell] = value
        texts[name] = cell
    return texts


def _parameters(func, rules, kind) -> tuple:
    """``(names, defaults)``: the primitive's parameters, from its own signature, else
    the rule's after (g|d, ans) — a C function often has no signature to read. A
    ufunc's are its ``nin`` inputs (its signature also lists ``out``)."""
    if isinstance(func, np.ufunc):
        return (tuple(f"x{i}" for i in range(func.nin)) if func.nin > 1 else ("x",)), {}
    try:
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if params:
            return tuple(p.name for p in params), {
                p.name: p.default for p in params if p.default is not p.empty}
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
    return tuple(names), {}


def _cell_name(rule, func, kind, index, taken: dict) -> str:
    """The name generated code calls ``rule`` by: its own, or one made from the
    primitive's; numbered when another rule holds it (two rules both called ``rule``,
    made by one factory for two primitives, or two primitives of one ``__name__``)."""
    name = getattr(rule, "__name__", "")
    if not name.isidentifier() or name == "<lambda>":
        name = f"{_name(func)}_{kind}{index}"
        name = name if name.isidentifier() else f"rule_{kind}{index}"
    cell, number = name, 1
    while cell in RUNTIME_NAMES or (cell in taken and taken[cell] is not rule):
        number += 1
        cell = f"{name}_{number}"
    return cell


def _name(func) -> str:
    return getattr(func, "__name__", type(func).__name__)


def forget(func):
    """Remove the rules registered for ``func`` (tests use it to restore the tables)."""
    for table in (REVERSE, FORWARD):
        table.user.pop(func, None)
    CACHE.clear()
