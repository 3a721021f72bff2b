"""Part of analyze: calls of user functions that change an argument in place.

``def step(v, a): v += a; return v`` changes the caller's ``v0`` in ``v1 =
step(v0, a)``, as ``v[0] = a`` or ``v.append(a)`` in the callee would. The
derivatives see a new array where NumPy changed the old one: the callee's
derivative does not change ``v0``, and the caller's adjoints do not know that
``v0`` now depends on ``a``. Such a call of a differentiated value is a located
error at the call that names the callee's statement and its rewrite.
"""
from __future__ import annotations

import functools
import types

import gast

from . import aliasing
from . import kinds as kind_rules
from .prims import classify as classify_value, is_update, mutation
from ..tree import nodes
from ..errors import S2SadError
from ..front.normalize import normalize
from ..front.parse import parse


def problems(calls, varied, kinds, parsed, users=None) -> list:
    """Violations for ``calls`` ((statement, Prim) of user-function calls) that pass a
    differentiated call an array its callee changes in place; ``users``: SSA version ->
    the user's name, for the message."""
    out = []
    for stmt, prim in calls:
        if not any(name in varied for _, name in prim.operands):
            continue            # an inactive call runs the primal: its effects stay
        for param, found in changed_arguments(prim.callee, _kinds_of(prim, kinds)):
            atom = prim.bound.get(param)
            if isinstance(atom, gast.Name):
                name = (users or {}).get(atom.id, atom.id)
                out.append(_at_call(stmt, name, param, found, prim, parsed))
    return out


def user_calls(stmts, prims, classify) -> list:
    """(statement, Prim) for each call of a user function: assignments of one, and
    calls made for their effect (``fill(v, x)``)."""
    out = []
    for s in stmts:
        prim = prims.get(s)
        if prim is None and isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
            prim = classify(s.value)
        if prim is not None and prim.op == "call" and _plain(prim.callee) is not None:
            out.append((s, prim))
    return out


def changed_arguments(callee, arg_kinds: dict, stack=()) -> tuple:
    """(parameter, violation in the callee) for each parameter that ``callee``, called
    with arguments of ``arg_kinds``, changes in place, itself or through its callees."""
    func = _plain(callee)
    if func is None or func in stack or len(stack) > 8:
        return ()
    return _changed(func, func.__code__, tuple(sorted(arg_kinds.items())), stack)


@functools.lru_cache(maxsize=512)          # analyze runs per mode and kinds: read once
def _changed(func, code, arg_kinds: tuple, stack) -> tuple:
    arg_kinds = dict(arg_kinds)
    try:
        parsed = parse(func)
        tree, _ = normalize(parsed)
    except S2SadError:
        return ()               # the callee's own derivative reports what it cannot read
    stmts = list(nodes.walk_stmts(tree.body))
    assigns = [s for s in stmts if isinstance(s, gast.Assign)
               and isinstance(s.targets[0], gast.Name)]
    updates = [s for s in stmts if is_update(s) or mutation(s)]
    loops = [s for s in stmts if isinstance(s, gast.For)]
    local = nodes.names_stored(tree)
    prims = {s: classify_value(s.value, parsed, local) for s in assigns}
    kinds = kind_rules.infer(assigns, loops, prims, arg_kinds)
    found = [(p, v) for p, v in aliasing.findings(tree, assigns, updates, loops, prims,
                                                  parsed, kinds, arg_kinds) if p]
    params = nodes.names_stored(tree.args)
    classify = lambda call: classify_value(call, parsed, local)        # noqa: E731
    for _, prim in user_calls(stmts, prims, classify):               # handed on
        for param, inner in changed_arguments(prim.callee, _kinds_of(prim, kinds),
                                              stack + (func,)):
            atom = prim.bound.get(param)
            if isinstance(atom, gast.Name) and atom.id in params:
                found.append((atom.id, inner))
    return tuple(found)


def _plain(callee):
    """The Python function of a call's callee (None: a nested def, a gradient, ...)."""
    func = getattr(callee, "__s2sad_primal__", callee)
    return func if isinstance(func, types.FunctionType) else None


def _kinds_of(prim, kinds) -> dict:
    """The callee's parameter kinds, from the atoms the call binds to them."""
    out = {}
    for param, atom in prim.bound.items():
        if isinstance(atom, gast.Constant):
            out[param] = kind_rules.of_const(atom.value)
        elif isinstance(atom, gast.Name):
            out[param] = kinds.get(atom.id)
    return out


def _at_call(stmt, name, param, found, prim, parsed):
    where = f"{found.filename}:{found.lineno}"
    callee = _plain(prim.callee).__name__
    return parsed.violation(
        stmt, "in-place-input", f"the call of {callee!r} changes {name!r} in place "
        f"({where}: `{found.source_line}` updates its argument {param!r}); the "
        "derivative would not see that change",
        f"in {callee}, {found.suggestion} and return it; here use what it returns")
