"""Checkpointed loops in the reverse transform: ``for i in s2sad.checkpointed(seq, snapshots=s)``.

The loop follows revolve's binomial schedule (``_rt.Schedule``, runtime/checkpoint.py).
The primal sweep follows its first actions: it runs the loop untaped, keeping a snapshot
of the loop-carried state (the names the loop writes that are bound before it) where
the schedule says, then runs the last step taped. The adjoint sweep runs that step's
adjoint, then follows the rest of the schedule: restore a snapshot, take one, advance
untaped, or run one step taped followed by its adjoint; or a run of steps, each kept
then advanced (``taking``), or each restored then run taped with its adjoint, last first
(``reversing``). Memory: at most ``s`` snapshots
and one step's tape; each step runs untaped at most ``r`` times, ``C(s + r, s) >= n``.

>>> import s2sad, numpy as np
>>> def f(x, n):
...     y = x
...     for i in s2sad.checkpointed(range(n), snapshots=4):
...         y = np.sin(y) * x
...     return y
>>> text = s2sad.source(f, args=(0.5, 100))
>>> print(text[text.index("    for (_a1"):text.index("    # adjoint")], end="")
    for (_a1, _p1, _q1) in _r1.forward():
        if _a1 == 'take':
            _s_y.append(y)
        elif _a1 == 'taking':
            for v4 in range(_p1, _q1):
                _s_y.append(y)
                # line 4: y = np.sin(y) * x
                v5 = np.sin(y)
                y = v5 * x
        else:
            for v4 in range(_p1, _q1):
                v5 = np.sin(y)
                y = v5 * x
    # line 3: for i in s2sad.checkpointed(range(n), snapshots=4):
    _n1 = 0
    for v4 in _r1.last:
        _n1 += 1
        # line 4: y = np.sin(y) * x
        _tape.append(v5)
        v5 = np.sin(y)
        _tape.append(y)
        y = v5 * x
"""
from __future__ import annotations

import random
import types
from dataclasses import dataclass, field

import gast
import numpy as np

from ..analysis.prims import SEQUENCE
from ..front import sourcemap
from ..runtime.checkpoint import ADVANCE, RESTORE, REVERSING, TAKE, TAKING
from ..tree import nodes
from .blocks import reversing


@dataclass
class Mark:
    """One marked loop: what the transform learns about it as it goes."""

    snapshots: gast.AST           # the atom given as ``snapshots=``
    sequence: str | None          # the name the loop indexes (``range(len(sequence))``),
    #                               None for a marked ``while`` loop
    plain: list = field(default_factory=list)    # the body as normalized, untaped
    adjoint: gast.For | None = None


def _is_marker(value) -> bool:
    func = getattr(value, "func", None)
    return isinstance(value, gast.Call) and (
        isinstance(func, gast.Attribute) and func.attr == "checkpointed"
        or isinstance(func, gast.Name) and func.id == "checkpointed")


def marked_loops(body) -> dict:
    """id(for loop) -> its Mark, for the top-level loops over a ``checkpointed(...)`` value."""
    marked, sequences = {}, {}
    for s in body:
        if isinstance(s, gast.Assign) and _is_marker(s.value):
            kw = {k.arg: k.value for k in s.value.keywords}
            given = s.value.args[1] if len(s.value.args) > 1 else kw.get("snapshots")
            marked[s.targets[0].id] = given if given is not None else nodes.const(1)
        elif isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) \
                and s.value.args and getattr(s.value.args[0], "id", None) in marked:
            sequences[s.targets[0].id] = marked[s.value.args[0].id]
        elif isinstance(s, gast.While) and _is_marker(s.test):    # transform/online.py
            kw = {k.arg: k.value for k in s.test.keywords}
            given = s.test.args[1] if len(s.test.args) > 1 else kw.get("snapshots")
            marked[id(s)] = Mark(nodes.clone(given) if given is not None else nodes.const(1),
                                 None, nodes.clone(s.body))
        elif isinstance(s, gast.For) and _indexes(s.iter) in sequences:
            seq = _indexes(s.iter)
            marked_loop = Mark(nodes.clone(sequences[seq]), seq, nodes.clone(s.body))
            marked[id(s)] = marked_loop
    return {k: v for k, v in marked.items() if isinstance(v, Mark)}


def _indexes(iterable):
    """``X`` when the loop header is ``range(len(X))`` (how normalization writes ``for``)."""
    if isinstance(iterable, gast.Call) and getattr(iterable.func, "id", None) == "range" \
            and len(iterable.args) == 1 and isinstance(iterable.args[0], gast.Call) \
            and getattr(iterable.args[0].func, "id", None) == "len":
        return getattr(iterable.args[0].args[0], "id", None)
    return None


def apply(marks: dict, trips: dict, primal: list, adjoint: list, carried, updated, gen):
    """Rewrite each marked loop's primal and adjoint statements (top level) in place."""
    for user_loop, trip in trips.items():
        mark, loop = marks.get(id(user_loop)), trip.loop
        if mark is None or mark.sequence is None or mark.adjoint is None or loop not in primal:
            continue
        state = sorted(carried(user_loop))
        names = _Names(gen.numbered("_r"), gen.numbered("_a"), gen.numbered("_p"),
                       gen.numbered("_q"), {n: gen.fresh(f"_s_{n}") for n in state}, updated)
        at = primal.index(loop)
        start = [primal.pop(at - 1)] if at and primal[at - 1] is trip.start else []
        steps = nodes.call("len", nodes.name(mark.sequence))
        head = [nodes.assign(names.schedule, nodes.call("_rt.Schedule", steps, mark.snapshots))]
        head += [nodes.assign(names.slots[n], gast.List(elts=[], ctx=gast.Load())) for n in state]
        forward = _follow(names, "forward", [(TAKE, _takes(names, state)),
                                             (TAKING, [_advance(loop, mark, names, state)])],
                          _advance(loop, mark, names))
        last = nodes.clone(loop)
        last.iter = nodes.template("r.last", r=nodes.name(names.schedule))
        at = primal.index(loop)
        primal[at:at + 1] = head + [gast.copy_location(forward, loop)] + \
            [nodes.clone(s) for s in start] + [gast.copy_location(last, loop)]
        loop.iter = nodes.call("range", nodes.name(names.p), nodes.name(names.q))
        restore = [nodes.assign(n, _copy(nodes.call(f"{names.slots[n]}.pop"), n in updated))
                   for n in state]
        one = nodes.clone(loop)
        backward = _follow(names, "backward", [
            (RESTORE, restore), (TAKE, _takes(names, state)),
            (ADVANCE, [_advance(loop, mark, names)]),
            (TAKING, [_advance(loop, mark, names, state)]),
            (REVERSING, [reversing(names.p, names.q, gen, restore, [nodes.clone(s) for s in start],
                                   one, nodes.clone(mark.adjoint))])],
            start + [loop, nodes.clone(mark.adjoint)])
        at = adjoint.index(mark.adjoint)
        adjoint[at + 1:at + 1] = [gast.copy_location(backward, mark.adjoint)]
    return primal, adjoint


@dataclass(frozen=True)
class _Names:
    """The generated names of one marked loop's schedule."""

    schedule: str        # _r: the runtime Schedule
    action: str          # _a, _p, _q: the action the loop over it is at
    p: str
    q: str
    slots: dict          # carried name -> its stack of snapshots
    updated: set         # arrays updated in place: snapshots copy them


def _follow(names, method, cases, otherwise):
    """``for _a, _p, _q in _r.method(): if _a == 'take': ... else: otherwise``."""
    chain = otherwise if isinstance(otherwise, list) else [otherwise]
    for action, body in reversed(cases):
        test = gast.Compare(left=nodes.name(names.action), ops=[gast.Eq()],
                            comparators=[nodes.const(action)])
        chain = [nodes.if_(test, body or [nodes.pass_()], chain)]
    target = nodes.tuple_([nodes.name(n, store=True)
                           for n in (names.action, names.p, names.q)], store=True)
    return nodes.for_(target, nodes.call(f"{names.schedule}.{method}"), chain)


def _copy(value, needed):
    return nodes.call("_rt.copy", value) if needed else value


def _takes(names, state):
    """``_s_y.append(y)`` for each carried name (a copy of an array updated in place)."""
    return [nodes.expr_stmt(nodes.call(f"{names.slots[n]}.append",
                                       _copy(nodes.name(n), n in names.updated))) for n in state]


def _advance(loop, mark, names, taking=()):
    """The loop's steps ``_p`` to ``_q - 1`` as the user wrote them, untaped (``taking``:
    the carried names, kept before each step)."""
    iterable = nodes.call("range", nodes.name(names.p), nodes.name(names.q))
    out = nodes.for_(nodes.clone(loop.target), iterable,
                     _takes(names, taking) + [nodes.clone(s) for s in mark.plain])
    return gast.copy_location(out, loop)


# calls a recomputed step would make again: output, random draws, appends to outer lists,
# in-place changes of arrays the snapshots do not keep
_EFFECTS = {"print", "input", "open", "write", "writelines", "tofile", "savetxt", "savez",
            "savez_compressed"}
_LOGS = ("logging", "warnings")
# the methods of NumPy's Generator and RandomState and of random.Random that draw
_DRAWS = {"beta", "betavariate", "binomial", "bytes", "chisquare", "choice", "choices",
          "dirichlet", "exponential", "expovariate", "f", "gamma", "gammavariate", "gauss",
          "geometric", "getrandbits", "gumbel", "hypergeometric", "integers", "laplace",
          "logistic", "lognormal", "lognormvariate", "logseries", "multinomial",
          "multivariate_hypergeometric", "multivariate_normal", "negative_binomial",
          "noncentral_chisquare", "noncentral_f", "normal", "normalvariate", "pareto",
          "paretovariate", "permutation", "permuted", "poisson", "power", "rand", "randbytes",
          "randint", "randn", "random", "random_integers", "random_sample", "randrange",
          "rayleigh", "sample", "shuffle", "spawn", "standard_cauchy", "standard_exponential",
          "standard_gamma", "standard_normal", "standard_t", "tomaxint", "triangular",
          "uniform", "vonmises", "vonmisesvariate", "wald", "weibull", "weibullvariate", "zipf"}
_GENERATORS = (np.random.Generator, np.random.RandomState, random.Random)
_GROWS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "add"}
# methods that change their array, functions that change their first argument
_CHANGES = {"fill", "sort", "put", "itemset", "resize", "partition", "setfield"}
_CHANGES_FIRST = {"copyto", "put", "place", "putmask", "fill_diagonal", "at",
                  "put_along_axis"}


def mark_range_loops(tree, gen, snapshots):
    """``grad(f, checkpoint=s)``: the normalized ``tree`` with each top-level
    ``for t in range(...)`` written as ``for t in s2sad.checkpointed(range(...),
    snapshots=s)`` normalizes (the marker called as ``_rt.checkpointed``)."""
    body = []
    sequences = {s.targets[0].id for s in tree.body if isinstance(s, gast.Assign)
                 and isinstance(s.value, gast.Call) and nodes.dotted_path(s.value.func) == SEQUENCE}
    for s in tree.body:
        if not (isinstance(s, gast.For) and _over_range(s.iter) and not s.orelse) \
                or _indexes(s.iter) in sequences:        # a loop over a list, normalized
            body.append(s)
            continue
        made, marked, seq, index = gen.temp(), gen.temp(), gen.temp(), gen.temp()
        head = [nodes.assign(made, s.iter),
                nodes.assign(marked, nodes.call("_rt.checkpointed", nodes.name(made),
                                                snapshots=nodes.const(snapshots))),
                nodes.assign(seq, nodes.call(SEQUENCE, nodes.name(marked)))]
        step = nodes.assign(s.target, nodes.subscript(nodes.name(seq), nodes.name(index)))
        loop = nodes.for_(nodes.name(index, store=True), nodes.call(
            "range", nodes.call("len", nodes.name(seq))), [step] + s.body)
        for n in head + [loop, step]:
            sourcemap.stamp([gast.copy_location(n, s)], sourcemap.line_of(s))
        body += head + [loop]
    tree.body = body
    return tree


def _over_range(iterable) -> bool:
    return isinstance(iterable, gast.Call) and isinstance(iterable.func, gast.Name) \
        and iterable.func.id == "range"


def refusals(parsed, snapshots=None) -> list:
    """Violations for the statements in marked loops that recomputing would repeat, and
    for values a step hands the next that the snapshots would not hold; with
    ``snapshots`` (``grad(f, checkpoint=s)``), the top-level loops over ``range`` too."""
    out = []
    implied = [s for s in parsed.tree.body if snapshots is not None and isinstance(s, gast.For)
               and _over_range(s.iter) and not s.orelse]
    for loop in nodes.walk(parsed.tree):
        if isinstance(loop, gast.For) and (_is_marker(loop.iter) or loop in implied) \
                or isinstance(loop, gast.While) and _is_marker(loop.test):
            hint = _HINT if loop not in implied else _OPTION_HINT
            out += [parsed.violation(n, "checkpoint-side-effect", what,
                                     _CHANGED_HINT if changes else hint)
                    for n, what, changes in _effects(loop, parsed, _outside(parsed.tree, loop))]
            out += [parsed.violation(n, "checkpoint-side-effect", what, _CARRIED_HINT)
                    for n, what in _carried_from_inside(parsed.tree, loop)]
    return out


_CARRIED_HINT = ("assign the name before the loop (e.g. prev = 0.0), so that it is part of "
                 "the state each snapshot keeps")


def _outside(tree, loop) -> set:
    """The names the function binds outside ``loop``, its parameters included."""
    return set(nodes.names_stored(gast.Module(
        body=[s for s in tree.body if s is not loop], type_ignores=[]))) | \
        {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}


def _carried_from_inside(tree, loop):
    """Names first made inside the loop that a step reads before writing: the value
    comes from the step before, which a recomputed segment's start would not have
    (the snapshots keep only names that exist before the loop)."""
    outside = _outside(tree, loop)
    written = set().union(*(nodes.names_stored(s) for s in loop.body)) - outside
    for stmt, name in _early_reads(loop.body, set(), written):
        yield stmt, (f"`{name}` is made inside the checkpointed loop and read there "
                     "before this step assigns it: it carries a value from the step "
                     "before, which recomputing a segment would not restore")


def _early_reads(block, assigned, written):
    """(statement, name) for each read of a name in ``written`` not yet assigned on
    every path through ``block`` (a for loop's target is assigned for its body)."""
    assigned = set(assigned)
    for stmt in block:
        if isinstance(stmt, (gast.For, gast.If, gast.While)):
            head = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            for name in sorted((nodes.names_loaded(head) & written) - assigned):
                yield stmt, name
            inner = assigned | (nodes.names_stored(stmt.target)
                                if isinstance(stmt, gast.For) else set())
            yield from _early_reads(stmt.body, inner, written)
            yield from _early_reads(stmt.orelse, assigned, written)
        else:
            for name in sorted((nodes.names_loaded(stmt) & written) - assigned):
                yield stmt, name
        assigned |= nodes.definitely_assigned([stmt])


_HINT = ("compute inside the loop only what the next step needs, and do the output, the "
         "random draws (pass them in as an array) and the collecting after the loop, or "
         "leave the loop unmarked")


_CHANGED_HINT = ("update it by index (c[...] = value: the snapshots keep an array the loop "
                 "updates by index) or make a new array (c = np.full_like(c, value))")
_OPTION_HINT = _HINT.replace("or leave the loop unmarked", "or drop checkpoint= and mark "
                             "the loops to checkpoint with s2sad.checkpointed(...)")


def _effects(loop, parsed, outside):
    written = set().union(*(nodes.names_stored(s) for s in loop.body))
    breaks = list(_own_breaks(loop.body))
    for n in gast.walk(gast.Module(body=loop.body, type_ignores=[])):
        if isinstance(n, gast.Return) or n in breaks:
            kind = "return" if isinstance(n, gast.Return) else "break"
            yield n, f"a checkpointed loop cannot `{kind}`: its adjoint recomputes a " \
                     f"known number of steps", False
        elif isinstance(n, gast.Call):
            found = _call_effect(n, parsed, outside, written)
            if found:
                yield n, found, "in place" in found


def _call_effect(n, parsed, outside, written):
    """What recomputing the call ``n`` would repeat, or None."""
    path = nodes.dotted_path(n.func) or ""
    last = path.rsplit(".", 1)[-1]
    receiver = n.func.value if isinstance(n.func, gast.Attribute) else None
    if path in _EFFECTS or last in _EFFECTS or path.split(".")[0] in _LOGS:
        return f"`{path}(...)` in a checkpointed loop would run again when the adjoint " \
               f"recomputes the step"
    if "random" in path.split(".") or receiver is not None and _draws(receiver, n.func.attr,
                                                                      parsed):
        return f"a random draw `{path}(...)` in a checkpointed loop would draw again " \
               f"(other numbers) when the adjoint recomputes the step"
    if receiver is not None and n.func.attr in _GROWS and isinstance(receiver, gast.Name) \
            and receiver.id not in written:
        return f"`{path}(...)` changes `{receiver.id}`, made outside the checkpointed " \
               f"loop: recomputing the step would change it again"
    changed = _changed(n, receiver)
    if changed is not None and changed in outside:
        return f"`{path or 'the call'}(...)` changes the array `{changed}` in place, made " \
               f"outside the checkpointed loop: the snapshots do not keep it, so a " \
               f"recomputed step would start from the changed values"
    return None


def _draws(receiver, method, parsed) -> bool:
    """Whether ``receiver.method(...)`` draws: a module's function only where the module
    is a random one; a global generator's any method; else by the method's name."""
    path = nodes.dotted_path(receiver)
    found = parsed.resolve_path(path) if path else None
    if isinstance(found, types.ModuleType):
        return "random" in found.__name__.split(".")
    if found is not None:
        return isinstance(found, _GENERATORS)
    return method in _DRAWS


def _changed(call, receiver):
    """The name of the array ``call`` changes in place (``c.fill(v)``, ``np.copyto(c, v)``,
    ``f(..., out=c)``), or None."""
    out = [k.value for k in call.keywords if k.arg == "out"]
    if out and isinstance(out[0], gast.Name):
        return out[0].id
    if isinstance(receiver, gast.Name) and call.func.attr in _CHANGES:
        return receiver.id
    last = (nodes.dotted_path(call.func) or "").rsplit(".", 1)[-1]
    if last in _CHANGES_FIRST and call.args and isinstance(call.args[0], gast.Name):
        return call.args[0].id
    return None


def _own_breaks(block):
    """The ``break`` statements of the loop itself, not of loops nested in it."""
    for s in block:
        if isinstance(s, gast.Break):
            yield s
        elif isinstance(s, gast.If):
            yield from _own_breaks(s.body)
            yield from _own_breaks(s.orelse)
