"""The path one call takes through the normalized function, as a straight-line program.

An instrumented copy of the normalized (ANF) function runs on the user's
arguments and reports each statement it executes; each report appends that
statement to a straight-line program, its names renamed to the instances
current at that moment: loops come out unrolled, branches as the path taken.
The compiler's own forward and reverse transforms then differentiate that
program, so every value of the trace gets its tangent and its adjoint.

For ``def g(x, n): for i in range(n): x = x * x; return x`` run as ``g(1.5, 2)``
the program is (a loop variable becomes the constant it took, an item of an
array or list the subscript that reads it)::

    def g(x, n):
        i = 0
        x_1 = x * x
        i_1 = 1
        x_2 = x_1 * x_1
        return x_2
"""
from __future__ import annotations

from dataclasses import dataclass

import gast
import numpy as np

from ..tree import nodes
from ..errors import UsageError

_CONSTANTS = (int, bool, str, type(None), np.integer, np.bool_)
#: A longer trace is refused: no one reads the table, and the derivative code for a
#: straight-line program grows with it (analysis time grows faster than linearly).
MAX_STEPS = 500


@dataclass(frozen=True)
class Step:
    """One executed assignment: its instance name, the statement as written in the
    normalized code, and the value it produced."""

    instance: str
    name: str              # the normalized code's name this is an instance of
    statement: gast.Assign  # in the straight-line program (instance names)
    line: int | None       # the user's source line


class Path:
    """Records the statements one run executes (methods called by instrumented code)."""

    def __init__(self, tree: gast.FunctionDef, gen, parsed):
        self.tree, self.gen, self.parsed = tree, gen, parsed
        self.params = [a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        self.locals = nodes.names_stored(tree) | set(self.params)
        self.current = {p: p for p in self.params}      # name -> its current instance
        self.statements: list = []                      # the static statements, by key
        self.body: list = []                            # the straight-line program
        self.steps: list[Step] = []
        self.values: dict = {}                          # instance -> value when made
        self.loops: dict = {}                           # loop key -> [iterable, count]

    # called by the instrumented function -------------------------------------------

    def assign(self, key, value):
        s = self.statements[key]
        stmt = nodes.clone(s)
        stmt.value = self._renamed(stmt.value)
        self._bind(stmt, s.targets[0].id, value, s)

    def expr(self, key):
        stmt = nodes.clone(self.statements[key])
        stmt.value = self._renamed(stmt.value)
        self.body.append(stmt)

    def enter(self, key, iterable):
        loop = self.statements[key]
        source = None
        if isinstance(loop.iter, gast.Name):
            source = self._renamed(nodes.clone(loop.iter))
        self.loops[key] = [source, iterable, 0]

    def item(self, key, value):
        loop = self.statements[key]
        source, iterable, count = self.loops[key]
        self.loops[key][2] = count + 1
        if isinstance(value, _CONSTANTS):
            expr = nodes.const(value.item() if isinstance(value, np.generic) else value)
        elif source is not None and isinstance(iterable, (list, tuple, np.ndarray, range)):
            expr = nodes.subscript(source, nodes.const(count))
        else:
            raise _unsupported(self.parsed, loop, f"a for loop over a "
                               f"{type(iterable).__name__} that yields "
                               f"{type(value).__name__} values",
                               "loop over a list, tuple or array held in a variable")
        self._bind(nodes.assign(loop.target.id, expr), loop.target.id, value, loop)

    # after the run ------------------------------------------------------------------

    def program(self) -> gast.FunctionDef:
        """The straight-line function: the path's statements and the final return."""
        ret = self.tree.body[-1]
        func = nodes.clone(self.tree)
        func.body = self.body + [gast.Return(value=self._renamed(nodes.clone(ret.value)))]
        return func

    def output(self):
        """The returned expression, in instance names."""
        return self._renamed(nodes.clone(self.tree.body[-1].value))

    # ---------------------------------------------------------------------------------

    def _bind(self, stmt, name, value, static):
        if len(self.steps) >= MAX_STEPS:
            raise UsageError(f"s2sad.trace: the call runs more than {MAX_STEPS} assignments; "
                             "trace it on a smaller input (fewer loop iterations)",
                             "trace-too-long")
        instance = name if name not in self.current else self.gen.fresh(name)
        self.current[name] = instance
        stmt.targets[0] = nodes.name(instance, store=True)
        self.body.append(stmt)
        self.values[instance] = snapshot(value)
        line = getattr(static, "lineno", None)
        line = None if line is None else line + self.parsed.line_offset
        self.steps.append(Step(instance, name, stmt, line))

    def _renamed(self, expr):
        for node in gast.walk(expr):
            if isinstance(node, gast.Name) and node.id in self.locals:
                node.id = self.current.get(node.id, node.id)
        return expr


def instrument(tree: gast.FunctionDef, path: Path, cell: str) -> gast.FunctionDef:
    """A copy of ``tree`` that reports each assignment, expression statement and loop
    item to ``path`` (bound to the name ``cell``)."""
    func = nodes.clone(tree)
    ret = func.body[-1]
    if not isinstance(ret, gast.Return):
        raise _unsupported(path.parsed, ret, "a function body that does not end in a return",
                           "end the function with a return statement")
    func.body = _block(func.body[:-1], path, cell) + [ret]
    return func


def _block(block, path, cell) -> list:
    out = []
    for s in block:
        if isinstance(s, gast.Assign):
            if not isinstance(s.targets[0], gast.Name) or len(s.targets) > 1:
                raise _unsupported(path.parsed, s, "an assignment into an item or attribute",
                                   "build a new array (np.where, np.concatenate) instead "
                                   "of assigning into one")
            out += [s, _report(cell, "assign", _key(path, s), nodes.name(s.targets[0].id))]
        elif isinstance(s, gast.Expr):
            out += [s, _report(cell, "expr", _key(path, s))]
        elif isinstance(s, gast.If):
            s.body, s.orelse = _block(s.body, path, cell), _block(s.orelse, path, cell)
            out.append(s)
        elif isinstance(s, gast.For):
            out += _loop(s, path, cell)
        elif isinstance(s, gast.While):
            s.body, s.orelse = _block(s.body, path, cell), _block(s.orelse, path, cell)
            out.append(s)
        elif isinstance(s, (gast.Pass, gast.Break, gast.Continue, gast.Raise)):
            out.append(s)
        else:
            raise _unsupported(path.parsed, s, f"a {type(s).__name__} statement", "")
    return out


def _loop(s: gast.For, path, cell) -> list:
    if not isinstance(s.target, gast.Name):
        raise _unsupported(path.parsed, s, "a for loop that unpacks its items",
                           "loop over an index and read the items by subscript")
    key = _key(path, s)
    iterable = nodes.name(s.iter.id) if isinstance(s.iter, gast.Name) else nodes.const(None)
    s.body = [_report(cell, "item", key, nodes.name(s.target.id))] + _block(s.body, path, cell)
    s.orelse = _block(s.orelse, path, cell)
    return [_report(cell, "enter", key, iterable), s]


def _key(path, s) -> int:
    path.statements.append(s)
    return len(path.statements) - 1


def _report(cell, method, key, *values):
    return nodes.expr_stmt(nodes.call(f"{cell}.{method}", nodes.const(key), *values))


def snapshot(value):
    """The value as it was: arrays and lists are copied (later statements may mutate)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _unsupported(parsed, node, what, suggestion):
    """A UsageError that shows where, in the user's file, the trace had to stop."""
    where = parsed.violation(node, "trace-unsupported", f"s2sad.trace cannot follow {what}",
                             suggestion)
    return UsageError(str(where), "trace-unsupported")
