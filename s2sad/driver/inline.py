"""Second derivatives through calls: the function with its calls to user functions
replaced by their bodies, so that forward over reverse sees one function.

A gradient calls its callees' split derivatives (``y, back_y = g_vjp(x)``), whose
pullbacks have no tangent yet. For ``hessian``, ``hvp`` and ``grad(grad(f))`` the
normalized tree of ``f`` gets each callee's normalized tree in place of the call,
its names renamed apart, its parameters bound to the call's atoms, its final
``return out`` an assignment of the call's target:

>>> from s2sad.tree import emit

>>> from s2sad.driver import pipeline
>>> from tests.programs import calls_square_twice      # a = square(x); return square(a)
>>> print(emit.source(inline_calls(pipeline.front(calls_square_twice)).tree), end="")
def calls_square_twice(x):
    t = x
    v1_1 = t * t
    a = v1_1
    t_1 = a
    v1_2 = t_1 * t_1
    v1 = v1_2
    return v1

Inlining is refused (None) for what it cannot copy faithfully: recursion, a callee
with a closure or with names that mean something else in the caller's module, a
method, a default that is not a plain constant.
"""
from __future__ import annotations

import copy
import types

import gast

from ..analysis.prims import is_library_function
from ..front import variadic
from ..tree import nodes
from .calls import same
from .pipeline import Front, front

_CONSTANTS = (float, int, bool, str, type(None))


def inline_calls(fr: Front, depth: int = 8) -> Front | None:
    """``fr`` with every call of a user function inlined, or None where one cannot be.
    Its ``callees`` say what each name called meant (:func:`current`)."""
    names = copy.deepcopy(fr.names)
    local = nodes.names_stored(fr.tree)
    found: list = []
    body = _inline_block(fr.tree.body, fr.parsed, names, (fr.parsed.func,), depth, local,
                         found)
    if body is None:
        return None
    tree = nodes.clone(fr.tree)
    tree.body = body
    return Front(fr.parsed, tree, names, "inlined", callees=tuple(found))


def current(fr: Front) -> bool:
    """Whether every name an inlined front called still means the function inlined (a
    rebound callee makes the inlined body another function's)."""
    return all(same(parsed.resolve_path(path), func) for parsed, path, func in fr.callees)


def _inline_block(block, parsed, names, stack, depth, local, found):
    out = []
    for stmt in block:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner and not isinstance(stmt, gast.FunctionDef):
                replaced = _inline_block(inner, parsed, names, stack, depth, local, found)
                if replaced is None:
                    return None
                setattr(stmt, field, replaced)
        callee = _callee(stmt, parsed, local, found)
        if callee is None:
            out.append(stmt)
            continue
        if callee is False or callee in stack or depth == 0:
            return None
        copied = _inlined(stmt, callee, parsed, names, stack + (callee,), depth - 1, local,
                          found)
        if copied is None:
            return None
        out.extend(copied)
    return out


def _callee(stmt, parsed, local, found):
    """The user function ``stmt`` assigns the result of (None: not such a call, or a
    call of a local name, which is no user function's; False: a call inlining cannot
    copy)."""
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.targets[0], gast.Name)):
        return None
    func = stmt.value.func
    path = nodes.dotted_path(func, local)
    if path is None:
        return None
    target = parsed.resolve_path(path)
    if getattr(target, "__s2sad_derivative__", None):
        return False                      # a derivative s2sad made: not its primal's body
    found.append((parsed, path, target))
    target = getattr(target, "__s2sad_primal__", target)
    if not isinstance(target, types.FunctionType) \
            or (target.__module__ or "").partition(".")[0] == "s2sad" \
            or is_library_function(target):     # scipy's logsumexp: by its rule, unread
        return None
    return _specialised(target, stmt.value)


def _specialised(func, call):
    """A def with ``*args``/``**kwargs``: its specialisation for the call's shape (False:
    a call that splats, or does not bind)."""
    if getattr(func, "__wrapped__", None) is not None or not variadic.is_variadic(func):
        return func
    if any(isinstance(a, gast.Starred) for a in call.args) \
            or any(k.arg is None for k in call.keywords):
        return False
    try:
        shape = variadic.shape_of_call(func, call.args, [k.arg for k in call.keywords])
    except TypeError:
        return False
    return variadic.specialised(func, *shape)


def _inlined(stmt, callee, parsed, names, stack, depth, local, found):
    inner = front(callee)
    if variadic.original(callee).__closure__ or not _same_meaning(inner.parsed, parsed):
        return None
    bound = _bind(stmt.value, inner.parsed, callee)
    if bound is None:
        return None
    local = nodes.names_stored(inner.tree) | set(inner.parsed.params) | \
        set(inner.parsed.kwonly)
    renames = {name: names.fresh(name) for name in sorted(local)}
    body = [nodes.assign(renames[p], atom) for p, atom in bound.items()]
    copied = _renamed(nodes.clone(inner.tree.body), renames)
    result = copied.pop()
    if not isinstance(result, gast.Return):
        return None
    local = local | set(renames.values())
    copied = _inline_block(copied, parsed, names, stack, depth, local, found)
    if copied is None:
        return None
    value = result.value if result.value is not None else nodes.const(None)
    return body + copied + [nodes.assign(stmt.targets[0].id, value)]


def _bind(call, parsed, callee) -> dict | None:
    """Parameter -> the call's atom (or the default as a constant)."""
    params = list(parsed.params) + list(parsed.kwonly)
    if len(call.args) > len(parsed.params) or any(k.arg is None for k in call.keywords):
        return None
    bound = dict(zip(parsed.params, call.args))
    shape = getattr(callee, "__s2sad_variadic__", None)
    for keyword in call.keywords:
        param = shape.param_of(keyword.arg) if shape is not None else keyword.arg
        if param not in params or param in bound:
            return None
        bound[param] = keyword.value
    defaults = dict(zip(parsed.params[len(parsed.params) - len(callee.__defaults__ or ()):],
                        callee.__defaults__ or ()))
    defaults.update(callee.__kwdefaults__ or {})
    for p in params:
        if p not in bound:
            if p not in defaults or not isinstance(defaults[p], _CONSTANTS):
                return None
            bound[p] = nodes.const(defaults[p])
    return {p: nodes.clone(bound[p]) for p in params}


def _same_meaning(inner, outer) -> bool:
    """Whether every free name the callee reads means the same object for the caller."""
    local = nodes.names_stored(inner.tree) | set(inner.params) | set(inner.kwonly)
    for name in nodes.names_loaded(inner.tree) - local:
        mine, theirs = inner.lookup(name), outer.lookup(name)
        if mine is not theirs:
            return False
    return True


def _renamed(block, renames):
    for stmt in block:
        for node in nodes.walk(stmt):
            if isinstance(node, gast.Name) and node.id in renames:
                node.id = renames[node.id]
    return block
