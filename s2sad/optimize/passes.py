"""Stage 5, optimize: make generated functions what a careful person would write.

Passes, run to a fixed point: propagation of names bound once to a constant
or another name, algebraic cleanup (``1.0 * x``, ``0.0 + x``, ``-(-x)``,
``-a + b``, ``e + e``: s2sad/optimize/algebra.py), forward substitution of adjoints used
once (s2sad/optimize/inlining.py), common subexpressions (s2sad/optimize/cse.py), and
dead code elimination. A rewrite that would make a new array an existing one fires
only where no one can tell (s2sad/analysis/objects.py), and a name a nested def or
lambda reads keeps its assignment.

>>> print(_demo('''
... def f(x1, x2):
...     v1 = np.log(x1)
...     v2 = x1 * x2
...     b_v5 = 1.0
...     b_v3 = b_v5
...     b_v4 = -b_v5
...     b_x2 = b_v4 * np.cos(x2)
...     b_v2 = b_v3
...     b_x1 = b_v2 * x2
...     b_x2 = b_x2 + b_v2 * x1
...     b_x1 = b_x1 + b_v3 / x1
...     return b_x1, b_x2'''), end="")
def f(x1, x2):
    return (x2 + 1.0 / x1, x1 - np.cos(x2))
"""
from __future__ import annotations

import warnings

import gast

from . import cse
from ..tree import emit, nodes
from .algebra import Simplify
from .expressions import pure
from .inlining import inline
from .propagation import assignment_counts, is_compound, propagate_local
from ..analysis.objects import Objects

MAX_ROUNDS = 20         # each round shrinks the function; more means two passes undo each other


class NotSettled(RuntimeWarning):
    """The passes kept changing a function for MAX_ROUNDS rounds: the code is right (each
    pass keeps its meaning) but two passes undo each other. The test suite makes it an
    error (pyproject.toml: filterwarnings)."""


def optimize(func: gast.FunctionDef, floats=frozenset(), adjoints=frozenset(), reuse=False):
    """``floats``: names known to hold floating-point values (for ``1.0 * x`` -> ``x``);
    ``adjoints``: the adjoint variables, which may be substituted where they are used;
    ``reuse``: values may be shared (nothing is updated in place): eliminate common
    subexpressions. The passes run until none of them changes anything."""
    settling = _Settling()
    for _ in range(MAX_ROUNDS):
        if not _round(func, floats, adjoints, reuse, settling):
            return func
    warnings.warn(NotSettled(f"s2sad: the optimizer did not settle on {func.name} in "
                             f"{MAX_ROUNDS} rounds"), stacklevel=2)
    return func


class _Settling:
    """How many passes in a row changed nothing, over rounds with the same ``params``. A
    pass that changed nothing, with no change since, would change nothing again: once
    every pass has had such a turn the function is settled, and the last round stops
    there (its remaining passes, the costly ones among them, are not run again)."""

    def __init__(self):
        self.quiet, self.params = 0, None


def _round(func, floats, adjoints, reuse, settling=None) -> int:
    """Every pass once over ``func`` (fewer where ``settling`` says the rest would change
    nothing); how many changes they made."""
    params = nodes.names_stored(func.args) | _closure_reads(func.body)
    settling = settling or _Settling()
    if params != settling.params:
        settling.quiet, settling.params = 0, params
    steps = _steps(func, floats, adjoints, reuse, params)
    total = 0
    for step in steps:
        changes = step()
        total += changes
        settling.quiet = 0 if changes else settling.quiet + 1
        if settling.quiet == len(steps):
            break
    return total


def _steps(func, floats, adjoints, reuse, params) -> list:
    """The passes in order, each a step that runs it over ``func`` and says how many
    changes it made. Common subexpressions read the facts Objects found for the
    simplifier while no pass between has changed a thing."""
    objects = []

    def run(apply):
        def step():
            func.body, changes = apply(func.body)
            if changes:
                objects.clear()
            return changes
        return step

    def found():
        if not objects:
            objects.append(Objects.of(func, floats, pure))
        return objects[0]

    def simplify(body):
        objects.clear()
        return Simplify(floats, found()).visit_block(body)

    steps = [run(lambda body: _propagate(body, params)),
             run(lambda body: propagate_local(body, assignment_counts(body), body, params)),
             run(simplify), run(lambda body: inline(body, adjoints - params))]
    if reuse:
        steps.append(run(lambda body: cse.eliminate(body, found())))
    return steps + [run(lambda body: _dce(body))]


def _closure_reads(body) -> set:
    """Names a nested def or lambda reads: it reads them when called, maybe before the
    statements after their assignment, so the assignment stays (as a parameter's does)."""
    out = set()
    for s in body:
        for n in nodes.walk(s):
            if isinstance(n, (gast.FunctionDef, gast.Lambda)):
                out |= nodes.names_loaded(n)
    return out


def _propagate(body, params) -> tuple[list, int]:
    """``a = b`` or ``a = 1.0`` at top level, each assigned once: use ``b`` for ``a``;
    ``params``: names that keep their assignment (parameters, names closures read).
    Returns the body and how many assignments it dropped."""
    counts = assignment_counts(body)
    subs, out = {}, []
    for s in body:
        s = nodes.substitute(s, subs) if subs else s
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and nodes.is_atom(s.value):
            target, source = s.targets[0].id, s.value
            stable = isinstance(source, gast.Constant) or \
                counts.get(source.id, 0) == (0 if source.id in params else 1)
            if counts.get(target) == 1 and target not in params and stable:
                subs[target] = source
                continue
        out.append(s)
    return out, len(subs)


def _dce(body) -> tuple[list, int]:
    """Drop pure assignments whose target is never read, and empty branches, until
    nothing more goes; returns the body and how many statements went or changed."""
    total = 0
    while True:
        loaded = set()
        for s in nodes.walk_stmts(body):
            loaded |= nodes.names_loaded(s) if not is_compound(s) else _header_loads(s)
        body, dropped = _drop(body, loaded)
        if not dropped:
            return body, total
        total += dropped


def _drop(block, loaded) -> tuple[list, int]:
    out, dropped = [], 0
    for s in block:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id not in loaded and pure(s.value):
            dropped += 1
            continue
        if isinstance(s, gast.If):
            (s.body, in_body), (s.orelse, in_orelse) = \
                _drop(s.body, loaded), _drop(s.orelse, loaded)
            dropped += in_body + in_orelse
            if not s.body and not s.orelse:
                if not pure(s.test):
                    out.append(nodes.expr_stmt(s.test))
                dropped += 1
                continue
            if not s.body:                  # if c: pass / else: ... -> if not c: ...
                s.test, s.body, s.orelse = _negate(s.test), s.orelse, []
                dropped += 1
        elif isinstance(s, (gast.For, gast.While)):
            s.body, in_body = _drop(s.body, loaded)
            dropped += in_body
            if not s.body:
                s.body = [nodes.pass_()]
                dropped += not in_body          # a change too: a body another pass emptied
        elif isinstance(s, gast.Pass) and len(block) > 1:
            dropped += 1
            continue
        out.append(s)
    return out, dropped


def _negate(test):
    if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
        return test.operand
    return nodes.not_(test)


def _header_loads(s) -> set:
    if isinstance(s, (gast.If, gast.While)):
        return nodes.names_loaded(s.test)
    return nodes.names_loaded(s.iter)



def _demo(text: str) -> str:
    func = gast.parse(text.strip()).body[0]
    adjoints = {n.id for n in gast.walk(func) if isinstance(n, gast.Name) and n.id[:2] == "b_"}
    return emit.source(optimize(func, {"x1", "x2"} | adjoints, adjoints))
