"""Joint and split motion: the two sweeps assembled into Python functions.

Joint (``grad``, ``value_and_grad``): one function runs the primal sweep,
seeds the output's adjoint with 1.0 and runs the adjoint sweep. Split
(``vjp``): a forward function returns the output and the residuals (the tape
and the values the adjoint reads); a backward function takes them and a
seed, and reads a copy of the tape, so it can run many times.

Split motion, before optimization: the residuals are what the adjoint reads.

>>> import numpy as np, s2sad
>>> def f(x):
...     y = np.sin(x)
...     return y * x
>>> print(s2sad.source(f, motion="split", optimize=False), end="")
def f_forward(x):
    # primal sweep
    # line 2: y = np.sin(x)
    y = np.sin(x)
    # line 3: return y * x
    v1 = y * x
    return (v1, (x, y))
<BLANKLINE>
<BLANKLINE>
def f_backward(_residuals, b_v1):
    x, y = _residuals
    # adjoint sweep
    # line 3: return y * x
    b_y = b_v1 * x
    b_x = b_v1 * y
    # line 2: y = np.sin(x)
    b_x = b_x + b_y * np.cos(x)
    return (b_x,)
"""
from __future__ import annotations

import gast

from ..analysis.kinds import is_scalar
from ..tree import nodes
from ..tree.emit import comment
from .reverse import Sweeps


def joint(name: str, args: gast.arguments, sw: Sweeps, with_value: bool,
          check_scalar: str | None, value_name: str = "value") -> gast.FunctionDef:
    """``def f_grad(<f's parameters>)`` returning the gradient (and the value)."""
    body = [comment("primal sweep")] + sw.setup + sw.primal
    value = sw.output
    restored = isinstance(value, gast.Name) and value.id in _popped(sw)
    if with_value and restored:
        keep = value_name
        copy = value.id in _slot_restored(sw)       # the adjoint sweep restores it in place
        body.append(nodes.assign(keep, nodes.call("np.copy", nodes.clone(value))
                                 if copy else nodes.clone(value)))
        value = nodes.name(keep)
    if check_scalar:
        body.append(nodes.expr_stmt(nodes.call("_rt.check_scalar", nodes.clone(sw.output),
                                               nodes.const(check_scalar))))
    body.append(comment("adjoint sweep"))
    for array in sorted(_slot_restored(sw) & _escaping(sw)):
        body.append(nodes.assign(array, nodes.call("np.copy", nodes.name(array))))
    if sw.seed:
        body.append(nodes.assign(sw.seed, nodes.const(1.0)))
    body += sw.adjoint
    grads = _pack(sw.results)
    result = nodes.tuple_([nodes.clone(value), grads]) if with_value else grads
    return _function(name, args, body + [nodes.ret(result)])


def seeded(name: str, args: gast.arguments, sw: Sweeps, seed_name: str) -> gast.FunctionDef:
    """``def g_pullback(<g's parameters>, *, b_<out>)``: joint motion with the output's
    adjoint a keyword-only parameter, returning the ``wrt`` arguments' adjoints as a
    tuple. A caller's code made to be differentiated again calls it in its adjoint
    sweep: an ordinary function of the arguments and the seed, no tape held between."""
    body = [comment("primal sweep")] + sw.setup + sw.primal + [comment("adjoint sweep")]
    for array in sorted(_slot_restored(sw) & _escaping(sw)):
        body.append(nodes.assign(array, nodes.call("np.copy", nodes.name(array))))
    body += sw.adjoint
    result = nodes.tuple_(nodes.clone(r) for r in sw.results)
    return tangent(name, args, body, result, None, {"seed": sw.seed or seed_name},
                   pair=False)


def split(name: str, args: gast.arguments, sw: Sweeps, params: list, seed_name: str,
          residuals_name: str):
    """``(forward, backward)`` function definitions and the residual names."""
    residuals = _residuals(sw, params)
    bound = set(params) | nodes.definitely_assigned(sw.setup + sw.primal)
    unbound = [nodes.assign(r, nodes.const(None)) for r in residuals if r not in bound]
    forward_body = [comment("primal sweep")] + sw.setup + unbound + sw.primal
    forward_body.append(nodes.ret(nodes.tuple_(
        [nodes.clone(sw.output), nodes.tuple_(nodes.name(r) for r in residuals)])))
    forward = _function(name + "_forward", args, forward_body)
    seed = sw.seed or seed_name
    res = residuals_name
    backward_body = []
    if residuals:
        backward_body.append(nodes.assign(
            nodes.tuple_([nodes.name(r, store=True) for r in residuals], store=True)
            if len(residuals) > 1 else nodes.name(residuals[0], store=True),
            nodes.subscript(nodes.name(res), nodes.const(0)) if len(residuals) == 1
            else nodes.name(res)))
    popped = {sw.tape, sw.path} | _shrunk(sw)
    if popped & set(residuals):
        backward_body[0:0] = [
            comment("the adjoint sweep pops lists: it works on its own copies, so that the\n"
                    "pullback can run again and the caller's values stay as they are"),
            nodes.assign(res, nodes.call("_rt.private", nodes.name(res)))]
    for array in sorted(_slot_restored(sw) & set(residuals)):   # restored slot by slot
        backward_body.append(nodes.assign(array, nodes.call("np.copy", nodes.name(array))))
    backward_body.append(comment("adjoint sweep"))
    backward_body += sw.adjoint
    backward_body.append(nodes.ret(nodes.tuple_(nodes.clone(r) for r in sw.results)))
    backward = nodes.function(name + "_backward", [res, seed], backward_body)
    return forward, backward


def _residuals(sw: Sweeps, params) -> list:
    produced = set(params)
    for s in nodes.walk_stmts(sw.setup + sw.primal):
        produced |= nodes.names_stored(s)
    read = set()
    for s in nodes.walk_stmts(sw.adjoint):
        read |= nodes.names_loaded(s) if not isinstance(s, (gast.If, gast.For, gast.While)) \
            else nodes.names_loaded(getattr(s, "test", None) or s.iter)
    for r in sw.results:
        read |= nodes.names_loaded(r)
    return sorted(read & produced)


def _popped(sw: Sweeps) -> set:
    return {nodes.assigned_name(s) for s in nodes.walk_stmts(sw.adjoint)
            if isinstance(s, gast.Assign) and isinstance(s.value, gast.Call)
            and isinstance(s.value.func, gast.Attribute) and s.value.func.attr == "pop"}


def _slot_restored(sw: Sweeps) -> set:
    """Arrays whose slots the adjoint sweep restores in place (``y[i] = _tape.pop()``)."""
    return {s.targets[0].value.id for s in nodes.walk_stmts(sw.adjoint)
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript)}


def _escaping(sw: Sweeps) -> set:
    """Names the primal sweep puts in a container (``GL.append(y)``, ``d[k] = y``,
    ``obj.w = y``): the object may be held outside, where it must keep the primal's
    values, so the adjoint sweep restores the slots of a copy."""
    out = set()
    for s in nodes.walk_stmts(sw.primal):
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
                and isinstance(s.value.func, gast.Attribute) \
                and s.value.func.attr in ("append", "extend", "insert") \
                and getattr(s.value.func.value, "id", None) not in (sw.tape, sw.path):
            out |= {a.id for a in s.value.args if isinstance(a, gast.Name)}
        elif isinstance(s, gast.Assign) and isinstance(s.value, gast.Name) \
                and isinstance(s.targets[0], (gast.Subscript, gast.Attribute)):
            out.add(s.value.id)
        elif isinstance(s, gast.Assign) and isinstance(s.value, (gast.List, gast.Tuple)):
            out |= {e.id for e in s.value.elts if isinstance(e, gast.Name)}
    return out


def _shrunk(sw: Sweeps) -> set:
    """Lists the adjoint sweep pops back to their earlier lengths (``L.pop()``)."""
    return {s.value.func.value.id for s in nodes.walk_stmts(sw.adjoint)
            if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call)
            and isinstance(s.value.func, gast.Attribute) and s.value.func.attr == "pop"
            and isinstance(s.value.func.value, gast.Name)
            and s.value.func.value.id not in (sw.tape, sw.path)}


def owned(results: list, kinds: list) -> list:
    """The adjoints of array (and tree) arguments as ``_rt.owned(...)``: a gradient may
    be a read-only broadcast view inside, never where the caller gets it."""
    return [r if is_scalar(kind) or isinstance(r, gast.Constant)
            else nodes.call("_rt.owned", r) for r, kind in zip(results, kinds)]


def _pack(results):
    if len(results) == 1:
        return nodes.clone(results[0])
    return nodes.tuple_(nodes.clone(r) for r in results)


def _function(name, args, body) -> gast.FunctionDef:
    func = nodes.function(name, [], body)
    func.args = nodes.clone(args)
    return func



def tangent(name: str, args: gast.arguments, body: list, output, d_output,
            params: dict, pair=True) -> gast.FunctionDef:
    """``def f_jvp(<f's parameters>, *, d_<wrt>...)`` returning ``(y, d_y)`` (``output``
    alone, without ``pair``)."""
    result = nodes.tuple_([nodes.clone(output), d_output]) if pair else output
    func = _function(name, args, body + [nodes.ret(result)])
    func.args.kwonlyargs = func.args.kwonlyargs + [nodes.name(p, store=True)
                                                   for p in params.values()]
    func.args.kw_defaults = func.args.kw_defaults + [None] * len(params)
    for a in func.args.kwonlyargs:
        a.ctx = gast.Param()
    return func
