"""Checkpointed loops in the reverse transform: ``for i in s2sad.checkpointed(seq, snapshots=s)``.

The primal sweep runs the marked loop untaped and keeps a snapshot of the loop-carried
state (the names the loop writes that are bound before it) every ``k = ceil(n / s)``
steps. The adjoint sweep takes the segments last first: it restores the segment's
snapshot, reruns the segment taped (the ordinary primal loop over its steps), then runs
the ordinary adjoint loop over them. Memory: ``s`` snapshots and one segment's tape;
time: each step runs twice (uniform checkpointing, not yet revolve's binomial schedule).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from ..tree import nodes


@dataclass
class Mark:
    """One marked loop: what the transform learns about it as it goes."""

    snapshots: gast.AST           # the atom given as ``snapshots=``
    sequence: str                 # the name the loop indexes (``range(len(sequence))``)
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
        if mark is None or mark.adjoint is None or loop not in primal:
            continue
        state = sorted(carried(user_loop))
        k, count = gen.numbered("_k"), gen.numbered("_j")
        stacks = {n: gen.fresh(f"_s_{n}") for n in state}
        at = primal.index(loop)
        start = primal.pop(at - 1) if at and primal[at - 1] is trip.start else None
        head = [nodes.assign(k, nodes.call("_rt.segment_length", nodes.call(
                    "len", nodes.name(mark.sequence)), mark.snapshots)),
                nodes.assign(count, nodes.const(0))]
        head += [nodes.assign(stacks[n], gast.List(elts=[], ctx=gast.Load())) for n in state]
        at = primal.index(loop)
        primal[at:at + 1] = head + [_untaped(loop, mark, state, stacks, k, count, updated)]
        segment = gen.numbered("_g")
        loop.iter = nodes.call("_rt.segment", nodes.name(segment), nodes.name(k),
                               nodes.call("len", nodes.name(mark.sequence)))
        restore = [nodes.assign(n, _copy(nodes.call(f"{stacks[n]}.pop"), n in updated))
                   for n in state]
        body = restore + ([start] if start is not None else []) + [loop, mark.adjoint]
        segments = nodes.call("reversed", nodes.call("range", nodes.call(
            "_rt.segments", nodes.call("len", nodes.name(mark.sequence)), nodes.name(k))))
        outer = nodes.for_(nodes.name(segment, store=True), segments, body)
        adjoint[adjoint.index(mark.adjoint)] = gast.copy_location(outer, mark.adjoint)
    return primal, adjoint


def _copy(value, needed):
    return nodes.call("_rt.copy", value) if needed else value


def _untaped(loop, mark, state, stacks, k, count, updated):
    """The loop as the user wrote it, plus a snapshot of ``state`` every ``k`` steps."""
    saves = [nodes.expr_stmt(nodes.call(f"{stacks[n]}.append",
                                        _copy(nodes.name(n), n in updated))) for n in state]
    test = nodes.template("j % k == 0", j=nodes.name(count), k=nodes.name(k))
    step = nodes.assign(count, nodes.binop(nodes.name(count), gast.Add(), nodes.const(1)))
    body = ([nodes.if_(test, saves)] if saves else []) + [step] + mark.plain
    out = gast.copy_location(nodes.for_(nodes.clone(loop.target), nodes.clone(loop.iter), body),
                             loop)
    return out


# calls a recomputed step would make again: output, random draws, appends to outer lists
_EFFECTS = {"print", "input", "open", "write"}
_DRAWS = {"normal", "uniform", "integers", "standard_normal", "choice", "permutation",
          "shuffle", "binomial", "poisson", "exponential", "randn", "rand", "gauss"}
_GROWS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "add"}


def refusals(parsed) -> list:
    """Violations for the statements in marked loops that recomputing would repeat, and
    for values a step hands the next that the snapshots would not hold."""
    out = []
    for loop in nodes.walk(parsed.tree):
        if isinstance(loop, gast.For) and _is_marker(loop.iter):
            out += [parsed.violation(n, "checkpoint-side-effect", what, _HINT)
                    for n, what in _effects(loop)]
            out += [parsed.violation(n, "checkpoint-side-effect", what, _CARRIED_HINT)
                    for n, what in _carried_from_inside(parsed.tree, loop)]
    return out


_CARRIED_HINT = ("assign the name before the loop (e.g. prev = 0.0), so that it is part of "
                 "the state each snapshot keeps")


def _carried_from_inside(tree, loop):
    """Names first made inside the loop that a step reads before writing: the value
    comes from the step before, which a recomputed segment's start would not have
    (the snapshots keep only names that exist before the loop)."""
    outside = set(nodes.names_stored(gast.Module(
        body=[s for s in tree.body if s is not loop], type_ignores=[]))) | \
        {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
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


def _effects(loop):
    written = set().union(*(nodes.names_stored(s) for s in loop.body))
    breaks = list(_own_breaks(loop.body))
    for n in gast.walk(gast.Module(body=loop.body, type_ignores=[])):
        if isinstance(n, gast.Return) or n in breaks:
            kind = "return" if isinstance(n, gast.Return) else "break"
            yield n, f"a checkpointed loop cannot `{kind}`: its adjoint recomputes a " \
                     f"known number of steps"
        elif isinstance(n, gast.Call):
            path = nodes.dotted_path(n.func) or ""
            last = path.rsplit(".", 1)[-1]
            if path in _EFFECTS or last in _EFFECTS:
                yield n, f"`{path}(...)` in a checkpointed loop would run again when the " \
                         f"adjoint recomputes the step"
            elif "random" in path.split(".") or isinstance(n.func, gast.Attribute) \
                    and n.func.attr in _DRAWS:
                yield n, f"a random draw `{path}(...)` in a checkpointed loop would draw " \
                         f"again (other numbers) when the adjoint recomputes the step"
            elif isinstance(n.func, gast.Attribute) and n.func.attr in _GROWS \
                    and isinstance(n.func.value, gast.Name) and n.func.value.id not in written:
                yield n, f"`{path}(...)` changes `{n.func.value.id}`, made outside the " \
                         f"checkpointed loop: recomputing the step would change it again"


def _own_breaks(block):
    """The ``break`` statements of the loop itself, not of loops nested in it."""
    for s in block:
        if isinstance(s, gast.Break):
            yield s
        elif isinstance(s, gast.If):
            yield from _own_breaks(s.body)
            yield from _own_breaks(s.orelse)
