"""``s2sad.trace``: the evaluation trace of one call, with tangents and adjoints.

Nothing here interprets the function: the path the call takes is recorded by
running the compiler's own normalized code (:mod:`s2sad.inspection.trace_path`), and its
tangents and adjoints come from the compiler's own forward-mode and
reverse-mode code for that path (unoptimized, so every ``v_i`` has its
``d_v_i`` and ``b_v_i``), run with a recording call after each assignment.
Values the three runs share must agree exactly, or the trace is refused.
"""
from __future__ import annotations

import copy
import re

import gast
import numpy as np

from ..driver import pipeline, star
from ..driver.calls import tangent_params
from ..driver.seeds import float_like
from ..driver.running import bad_wrt_kind
from ..driver.target import Target, link
from ..tree import emit, nodes
from ..analysis import kinds as kind_rules
from ..driver.compile import compile_function
from ..errors import UsageError
from ..driver.running import call_on_floats
from .trace_path import Path, instrument, snapshot
from .trace_table import AdjointStep, Row, Trace, survey_name


class _Recorder:
    """Inserts ``<cell>.note(k, name)`` after each assignment of a generated
    straight-line function, and keeps what the notes report, in order."""

    def __init__(self, cell):
        self.cell = cell
        self.sites: list = []                # k -> (name, statement)
        self.notes: list = []                # (name, value, statement), as they ran
        self.statements: dict = {}           # assigned name -> its (last) statement

    def instrument(self, func):
        body = []
        for s in func.body:
            body.append(s)
            if isinstance(s, gast.Assign):
                for target in _names(s.targets[0]):
                    self.statements[target] = s
                    self.sites.append((target, s))
                    body.append(nodes.expr_stmt(nodes.call(
                        f"{self.cell}.note", nodes.const(len(self.sites) - 1),
                        nodes.name(target))))
        func.body = body
        return func, {self.cell: self}

    def note(self, site, value):
        name, statement = self.sites[site]
        self.notes.append((name, snapshot(value), statement))

    def last(self) -> dict:
        return {name: value for name, value, _ in self.notes}


def trace(f, *args, wrt=None, seed=None) -> Trace:
    """The evaluation trace of ``f(*args)`` as data: one row per input, per executed
    assignment (loops unrolled, only the branch taken; a call to another user
    function is one row) and for the output, each with its value, its tangent and
    its adjoint. ``wrt``: the arguments derivatives
    are taken with respect to (default: the decorator's ``wrt``, else every float
    argument); ``seed``: the tangent direction, one entry per ``wrt`` argument
    (default: 1 for the first, 0 for the others: the derivative w.r.t. the first).

    The function runs three times (its path, then the tangent and the adjoint code
    along that path); a run that computes other values is refused, not shown."""
    if star.is_variadic(f):          # the def it is for this call's shape (*args, **kwargs)
        f, args, _, wrt = star.resolved(f, args, {}, wrt)
    target = Target(f)
    args = target.prefix + tuple(args)
    values = target.bind(args, {})
    wrt_names = _wrt(target, wrt, values, len(args) - len(target.prefix))
    kinds = {p: kind_rules.of_argument(p, values[p]) for p in target.params}
    for w in wrt_names:
        if not kind_rules.is_float(kinds[w]):
            bad_wrt_kind(target.front.parsed.name, w, values[w], kinds[w])
        if kinds[w] in (kind_rules.DICT, kind_rules.TREE):
            raise UsageError(f"trace: {w!r} is a {kinds[w]} of parameters; trace takes "
                             "derivatives with respect to floats and float arrays", "bad-wrt")
    target.check(wrt_names, "forward")       # what the compiler refuses, located, first
    target.check(wrt_names)
    seeds = _seeds(wrt_names, values, seed)
    path, result = _run_path(target.front, args)
    program = path.program()
    names = copy.deepcopy(path.gen)
    _check_names(path, names, target.params)
    front = pipeline.Front(target.front.parsed, program, names)
    forward = _Recorder(names.fresh("_record"))
    tangent = pipeline.tangent(front, wrt_names, kinds, False, link, forward.instrument)
    dots = dict(zip(tangent_params(tangent.functions[0], len(wrt_names)), seeds))
    y, d_y = call_on_floats(tangent.functions[0], args, dots)
    backward, gradient = None, {}
    if kind_rules.of_value(y) == kind_rules.SCALAR:
        backward = _Recorder(names.fresh("_record"))
        adjoint = pipeline.adjoint(front, wrt_names, kinds, "grad", False, link,
                                   backward.instrument)
        out = call_on_floats(adjoint.functions[0], args, {})
        gradient = dict(zip(wrt_names, (out,) if len(wrt_names) == 1 else out))
    _agree(path, (forward,) + ((backward,) if backward else ()), result, y)
    return _assemble(target, path, values, wrt_names, seeds, (forward, backward, gradient),
                     y, d_y)


def _wrt(target, wrt, values, passed) -> tuple:
    """``wrt`` as names; by default the decorator's, else every float argument passed."""
    if wrt is None and target.default_wrt is None:
        floats = tuple(p for p in target.positional[:passed]
                       if kind_rules.is_float(kind_rules.of_value(values[p])))
        if not floats:
            raise UsageError(f"trace({target.front.parsed.name}): no float argument to "
                             "differentiate; pass wrt=", "bad-wrt")
        return floats
    return target.wrt_names(wrt)[0]


def _seeds(wrt_names, values, seed) -> tuple:
    if seed is None:
        seed = (1.0,) + (0.0,) * (len(wrt_names) - 1)
        seed = tuple(np.ones_like(values[w], dtype=float) * s if isinstance(values[w], np.ndarray)
                     else s for w, s in zip(wrt_names, seed))
    seed = tuple(seed) if isinstance(seed, (tuple, list)) else (seed,)
    if len(seed) != len(wrt_names):
        raise UsageError(f"trace: {len(seed)} seeds for {len(wrt_names)} wrt arguments "
                         f"({', '.join(wrt_names)})", "bad-tangents")
    return tuple(float_like(s, values[w]) for s, w in zip(seed, wrt_names))


def _run_path(front, args):
    """Run the instrumented normalized function: ``(path, its result)``."""
    gen = copy.deepcopy(front.names)
    path = Path(front.tree, gen, front.parsed)
    cell = gen.fresh("_path")
    func = instrument(front.tree, path, cell)
    func.name = gen.fresh(func.name + "_traced")    # a recursive call must reach f itself
    fn, _ = compile_function(func, front.parsed, "trace", {cell: path})
    return path, fn(*args)


def _check_names(path, names, params):
    """``d_<x>`` and ``b_<x>`` must be the tangent's and the adjoint's names of each x,
    which holds unless the function itself uses such a name."""
    for instance in list(path.values) + list(params):
        for prefix in ("d_", "b_"):
            if prefix + instance in names.taken:
                raise UsageError(f"s2sad.trace cannot label the derivatives of {instance!r}: "
                                 f"the function also uses the name {prefix + instance!r}; "
                                 "rename it", "trace-unsupported")


def _agree(path, recorders, result, y):
    """The path run and the derivative runs must have computed the very same values."""
    for recorder in recorders:
        seen = recorder.last()
        for instance, value in path.values.items():
            if instance in seen and not _same(seen[instance], value):
                raise UsageError(f"s2sad.trace: {instance!r} took another value when the "
                                 "function ran again (randomness, or state it changes?); "
                                 "cannot trace it", "trace-unsupported")
    if not _same(result, y):
        raise UsageError("s2sad.trace: the function returned another value when it ran "
                         "again; cannot trace it", "trace-unsupported")


def _same(a, b) -> bool:
    """Equal numbers, arrays, and lists or tuples of them; other objects (functions,
    generators) cannot be compared, and what they compute is compared where it is a
    number."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    numeric = (int, float, complex, np.ndarray, np.generic)
    if isinstance(a, numeric) and isinstance(b, numeric):
        return bool(np.array_equal(a, b, equal_nan=True))
    return True


def _assemble(target, path, values, wrt_names, seeds, runs, y, d_y) -> Trace:
    forward, backward, gradient = runs
    params = list(target.params)
    labels = _labels(params, path)
    tangents = forward.last()
    adjoints = backward.last() if backward else {}
    adjoints.update({"b_" + w: g for w, g in gradient.items()})   # zeros included
    adjoint_code = _readers(backward.notes) if backward else {}
    rename = _Renamer(labels)
    rows = []
    tangents.update({"d_" + w: s for w, s in zip(wrt_names, seeds)})
    for p in params:
        rows.append(Row(labels[p], p, p, values[p], tangents.get("d_" + p),
                        adjoints.get("b_" + p), "seed" if p in wrt_names else "", "",
                        (), None))
    for step in path.steps:
        rows.append(_row(step, labels, rename, path, tangents, adjoints, forward, adjoint_code))
    output = path.output()
    rows.append(Row("y", "", rename.text(output), y, d_y, 1.0 if backward else None, "",
                    "seed" if backward else "", _operands(output, labels), None))
    steps = _sweep(backward.notes, labels, rename) if backward else ()
    seed_text = ", ".join(f"{w}: {_short(s)}" for w, s in zip(wrt_names, seeds))
    return Trace(target.front.parsed.name, tuple(rows), steps, seed_text,
                 backward is not None)


def _labels(params, path) -> dict:
    """Instance name -> trace variable: inputs ``v_{1-n} ... v_0``, then ``v_1, v_2, ...``
    in the order the assignments ran."""
    labels = {p: f"v_{i - len(params) + 1}" for i, p in enumerate(params)}
    labels.update({step.instance: f"v_{k}" for k, step in enumerate(path.steps, 1)})
    return labels


def _sweep(notes, labels, rename) -> tuple:
    """The adjoint sweep's statements as they ran: from the seed of the output's
    adjoint (the primal sweep before it is the trace itself)."""
    start = next((k for k, (name, _, _) in enumerate(notes)
                  if name.startswith("b_") and name[2:] in labels), len(notes))
    return tuple(AdjointStep(survey_name(name, labels), rename.text(stmt), value)
                 for name, value, stmt in notes[start:])


def _readers(notes) -> dict:
    """Adjoint name -> the statements of the sweep that pass it on (read it, and
    assign something else)."""
    readers: dict = {}
    for target, _, stmt in notes:
        for ident in set(_loaded(stmt.value)) - {target}:
            if stmt not in readers.setdefault(ident, []):
                readers[ident].append(stmt)
    return readers


def _row(step, labels, rename, path, tangents, adjoints, forward, adjoint_code) -> Row:
    instance = step.instance
    d_name, b_name = "d_" + instance, "b_" + instance
    tangent_rule = ""
    if d_name in forward.statements:
        tangent_rule = rename.text(forward.statements[d_name])
    adjoint_rule = "; ".join(rename.text(s) for s in adjoint_code.get(b_name, ()))
    return Row(labels[instance], step.name, rename.text(step.statement.value),
               path.values[instance], tangents.get(d_name), adjoints.get(b_name),
               tangent_rule, adjoint_rule, _operands(step.statement.value, labels), step.line)


_TEMPORARY = re.compile(r"v\d+")


class _Renamer:
    """Statement text with instance names as the survey writes them (``v_1``, ``v̇_1``,
    ``v̄_1``)."""

    def __init__(self, labels):
        self.labels = labels

    def text(self, node) -> str:
        node = copy.deepcopy(node)
        for n in gast.walk(node):
            if isinstance(n, gast.Name):
                n.id = survey_name(n.id, self.labels)
                if _TEMPORARY.fullmatch(n.id):    # the adjoint's own temporaries: not v_k
                    n.id = "t" + n.id[1:]
        return emit.unparse(node)


def _operands(expr, labels) -> tuple:
    seen = []
    for ident in _loaded(expr):
        if ident in labels and labels[ident] not in seen:
            seen.append(labels[ident])
    return tuple(seen)


def _loaded(expr) -> list:
    return [n.id for n in gast.walk(expr) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)]


def _names(target) -> list:
    if isinstance(target, gast.Name):
        return [target.id]
    if isinstance(target, (gast.Tuple, gast.List)):
        return [n for t in target.elts for n in _names(t)]
    return []


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return (f"ones{value.shape}" if np.all(value == 1) else
                f"zeros{value.shape}" if not np.any(value) else f"array{value.shape}")
    return f"{float(value):g}"


def graph(f, *args, wrt=None, seed=None) -> str:
    """The computational graph of ``f`` in Graphviz DOT. With arguments: the graph of
    that call's trace, values and adjoints on the nodes. Without: the structure of a
    function without loops or branches (whose graph does not depend on its arguments)."""
    if args:
        return trace(f, *args, wrt=wrt, seed=seed).to_dot()
    target = Target(f)
    front = target.front
    path = Path(front.tree, copy.deepcopy(front.names), front.parsed)
    if any(isinstance(s, (gast.If, gast.For, gast.While)) for s in front.tree.body):
        raise UsageError(f"graph({front.parsed.name}): its loops or branches make its "
                         "graph depend on the arguments; pass them (s2sad graph --at)",
                         "trace-needs-arguments")
    instrument(front.tree, path, "_")           # numbers the statements; rejects the rest
    for key, stmt in enumerate(path.statements):
        if isinstance(stmt, gast.Assign):
            path.assign(key, None)
        else:
            path.expr(key)
    params = list(target.params)
    labels = _labels(params, path)
    rename = _Renamer(labels)
    rows = [Row(labels[p], p, p, None, None, None, "", "", (), None) for p in params]
    rows += [Row(labels[s.instance], s.name, rename.text(s.statement.value), None, None, None,
                 "", "", _operands(s.statement.value, labels), s.line) for s in path.steps]
    output = path.output()
    rows.append(Row("y", "", rename.text(output), None, None, None, "", "",
                    _operands(output, labels), None))
    return Trace(front.parsed.name, tuple(rows), (), "", False).to_dot()

