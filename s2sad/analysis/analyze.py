"""Stage 3, analyze: what each statement computes, which values are active, their kinds.

Each assignment's right-hand side is classified once as a :class:`Prim`
(which rule applies, which operands carry derivatives). A value is *active*
when it depends on a ``wrt`` input through differentiable operations
(varied) and the output depends on it (useful); only active values get
adjoint code. *Kinds* (scalar, array, int, other) decide whether an adjoint
must undo broadcasting and how a zero adjoint is written.

``k`` depends on ``x`` through nothing and ``z`` does not reach the output, so
neither is active (the temporaries are normalize's):

>>> import numpy as np
>>> from s2sad.driver import pipeline
>>> def f(x, c):
...     k = 2.0 * c
...     y = np.sin(x) * k
...     z = np.cos(x)
...     return y
>>> front = pipeline.front(f)
>>> from s2sad.analysis.kinds import SCALAR
>>> sorted(analyze(front.tree, front.parsed, ("x",), {"x": SCALAR, "c": SCALAR}).active)
['v1', 'x', 'y']
"""
from __future__ import annotations

import builtins
import types
from dataclasses import dataclass, replace
from types import MappingProxyType

import gast

from . import aliasing, diagnose, mutating
from .indices import index_names
from . import kinds as kind_rules
from .prims import GRADIENT_MAKERS, GradientOf, Prim, bound_names, classify, dotted, is_update, \
    is_user_function, mutation, sequence_of, shrinks, user_call
from ..tree import nodes
from ..front.normalize import USER_NAMES
from ..front.parse import ParsedFunction
from ..rules.forward import FORWARD
from ..rules.reverse import REVERSE

__all__ = ["Analysis", "GradientOf", "Prim", "analyze", "classify", "is_update", "mutation",
           "shrinks"]


@dataclass(frozen=True)
class Analysis:
    """What the transforms read, a value: they never change it. Statements a transform
    writes itself are not in it (their facts come from the statement they stand for)."""

    prims: MappingProxyType   # assignment statement (the node itself) -> its Prim
    active: frozenset
    kinds: dict               # name -> its kinds.Kind
    output: gast.AST          # the returned atom

    def of(self, stmt) -> Prim:
        """The Prim of the right-hand side of ``stmt``, an assignment of the analysed tree."""
        return self.prims[stmt]

    def is_active(self, ident: str) -> bool:
        return ident in self.active

    def kind(self, atom) -> str:
        if isinstance(atom, gast.Constant):
            return kind_rules.of_const(atom.value)
        return self.kinds.get(getattr(atom, "id", None)) or kind_rules.ARRAY


def analyze(tree: gast.FunctionDef, parsed: ParsedFunction, wrt: tuple, arg_kinds: dict,
            mode: str = "reverse"):
    assigns = [s for s in nodes.walk_stmts(tree.body)
               if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)]
    updates = [s for s in nodes.walk_stmts(tree.body) if is_update(s)]
    appends = [s for s in nodes.walk_stmts(tree.body) if mutation(s)]
    loops = [s for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.For)]
    local = nodes.names_stored(tree)
    table = FORWARD if mode == "forward" else REVERSE
    prims = {s: classify(s.value, parsed, local, table) for s in assigns}
    output = tree.body[-1].value
    _gradients_called(assigns, prims, parsed, local)
    kinds = kind_rules.infer(assigns, loops, prims, arg_kinds)
    keys = _keys(assigns, prims, kinds)
    while True:              # again while a method call turns out to be on an array
        flows = _flows(tree, assigns, prims)
        flows += [(s.targets[0].value.id, [s.value.id]) for s in updates
                  if isinstance(s.value, gast.Name)]
        varied = _fixpoint(set(wrt), flows, forward=True)
        if not _array_methods(assigns, prims, varied, local):
            break
    useful = _fixpoint({output.id} if isinstance(output, gast.Name) else set(),
                       flows, forward=False)
    active = frozenset(varied & useful)
    aliased = aliasing.problems(tree, assigns, updates + appends, loops, prims, parsed, kinds,
                                arg_kinds)
    calls = mutating.user_calls(nodes.walk_stmts(tree.body), prims,
                                lambda call: classify(call, parsed, local, table))
    aliased += mutating.problems(calls, varied, kinds, parsed, getattr(tree, USER_NAMES, {}))
    diagnose.check(tree, assigns, prims, active, varied, parsed, mode, aliased, keys)
    return Analysis(MappingProxyType(prims), active, kinds, output)


def _keys(assigns, prims, kinds) -> set:
    """``(k, d)`` for each ``k = v[i]`` of ``v = _rt.as_sequence(d)``: a loop's key of d
    (``for k in d: d[k]``), a valid index of d. The keys of a dict carry no derivative:
    its sequence is a constant (a list of keys, kinds.OTHER)."""
    walked = {s.targets[0].id: sequence_of(s.value) for s in assigns
              if sequence_of(s.value) is not None}
    ordered = {s.targets[0].id: prims[s].bound["x"].id for s in assigns
               if prims[s].op == "rule" and prims[s].rule.key is builtins.sorted
               and isinstance(prims[s].bound["x"], gast.Name)}
    walked = {v: ordered.get(d, d) for v, d in walked.items()}     # sorted(d): d's keys
    for s in assigns:
        if s.targets[0].id in walked and kinds.get(walked[s.targets[0].id]) == kind_rules.DICT:
            prims[s] = Prim("zero")
        elif prims[s].op == "rule" and prims[s].rule.key is builtins.sorted \
                and kinds.get(getattr(prims[s].bound["x"], "id", None)) == kind_rules.DICT:
            prims[s] = Prim("zero")          # sorted(d): the keys, constants
    return {(s.targets[0].id, walked[s.value.value.id]) for s in assigns
            if prims[s].op == "index" and getattr(s.value.value, "id", None) in walked}


def _undefined_names(prim) -> list:
    return [name.id for p in prim.rule.undefined for name in bound_names(prim.bound.get(p))]


def _array_methods(assigns, prims, varied, local) -> bool:
    """A method call on a local value is a call of the object's method (found when it
    runs), unless the value is differentiated: an array's method without a rule, which
    is reported. Whether any call changed so."""
    changed = False
    for s in assigns:
        prim = prims[s]
        if prim.unless_array and prim.unless_array[0] in varied:
            names = sorted(nodes.names_loaded(s.value) & local)
            prims[s] = replace(prim.unless_array[1], operands=tuple(enumerate(names)))
            changed = True
    return changed


def _flows(tree, assigns, prims) -> list:
    """(target, sources): each way a value moves into a name, appends to lists included."""
    flows = [(s.targets[0].id, [n for _, n in prims[s].operands]) for s in assigns]
    # a value read as an index moves into the result too (``np.r_[x, y]``, ``d[x]``): it
    # has no derivative rule, so activity must reach it and the check refuse it
    flows += [(s.targets[0].id, sorted(index_names(s.value))) for s in assigns
              if prims[s].op == "index" and index_names(s.value)]
    # so does an argument its rule has no derivative in (``gammainc``'s a): refused
    flows += [(s.targets[0].id, _undefined_names(prims[s])) for s in assigns
              if prims[s].op == "rule" and prims[s].rule.undefined]
    for stmt in nodes.walk_stmts(tree.body):
        found = mutation(stmt)
        if found and isinstance(found[1], gast.Name):
            flows.append((found[0], [found[1].id]))
    return flows


def _gradients_called(assigns, prims, parsed, local):
    """``g = s2sad.grad(f, wrt=...)`` then ``g(a, b)``: the call is a call of a known
    function, differentiated through f's second derivatives."""
    made = {}
    for s in assigns:
        value = s.value
        path = dotted(value.func, local) if isinstance(value, gast.Call) else None
        maker = parsed.resolve_path(path) if path else None
        if isinstance(maker, types.FunctionType) and maker in GRADIENT_MAKERS \
                and len(value.args) == 1 and isinstance(value.args[0], gast.Name):
            func = parsed.resolve_path(value.args[0].id)
            wrt = [k.value for k in value.keywords if k.arg == "wrt"]
            if is_user_function(func) and all(isinstance(w, gast.Constant) for w in wrt):
                made[s.targets[0].id] = GradientOf(func, wrt[0].value if wrt else None)
    others = {s.targets[0].id for s in assigns if prims[s].makes_derivative}
    for s in assigns:
        value = s.value
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
                and value.func.id in made:
            gradient = made[value.func.id]
            prim = user_call(gradient.func, value, value.func.id, callee=gradient)
            prims[s] = prim
        elif isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
                and value.func.id in others - set(made):    # refused, located
            names = sorted(nodes.names_loaded(value) & local)
            prims[s] = Prim("unknown", why=f"the call of {value.func.id!r}",
                                operands=tuple(enumerate(names)))


def _fixpoint(seed: set, flows, forward: bool) -> set:
    """``seed`` and what it reaches: forward, each target one of whose sources is marked;
    backward, every source of a marked target. A worklist over the flows as a graph, so
    each flow is followed once (sweeping the list until nothing changed took a sweep per
    statement of a straight line: quadratic)."""
    edges: dict[str, list] = {}
    for target, sources in flows:
        if forward:
            for d in sources:
                edges.setdefault(d, []).append(target)
        else:
            edges.setdefault(target, []).extend(sources)
    marked, todo = set(seed), list(seed)
    while todo:
        for reached in edges.get(todo.pop(), ()):
            if reached not in marked:
                marked.add(reached)
                todo.append(reached)
    return marked
