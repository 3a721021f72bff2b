"""Stage 4, reverse: the normalized function -> primal sweep and adjoint sweep.

The primal sweep is the function as normalized, plus what the adjoint sweep
needs to run it backwards: before a statement overwrites a name, the old
value goes on the tape; each ``for`` loop records the values its target took
(so the adjoint loop runs over them reversed), each ``while`` loop its trip
count, each branch inside a loop its decision. The adjoint sweep visits the
statements in reverse, restores overwritten values from the tape, and
accumulates adjoints ``b_<name>``: the first write is an assignment, a
derivative known to be zero produces no code. Tape operations for values the
adjoint never reads are removed at the end (to-be-recorded analysis).

A ``while`` loop that overwrites ``x``, as built (joint motion, before optimization):

>>> import s2sad
>>> def f(x):
...     while x < 10.0:
...         x = x * x
...     return x
>>> print(s2sad.source(f, optimize=False), end="")
def f_grad(x):
    # primal sweep
    _tape = []
    # line 2: while x < 10.0:
    _n1 = 0
    while x < 10.0:
        _n1 += 1
        # line 3: x = x * x
        _tape.append(x)
        x = x * x
    # adjoint sweep
    b_x = 1.0
    # line 2: while x < 10.0:
    for _ in range(_n1):
        # line 3: x = x * x
        x = _tape.pop()
        b_x = b_x * x + b_x * x
    return b_x
"""
from __future__ import annotations

from dataclasses import dataclass

import gast

from .blocks import TripRecord, at_exits, invariant_assignments, is_call_to, single_assignments
from . import adjoints, checkpoints, online
from ..analysis import kinds, tbr
from ..tree import nodes
from ..front import sourcemap
from ..analysis.analyze import Analysis, is_update, mutation
from .reverse_statements import UpdatesAndCalls, created_lists


@dataclass(frozen=True)
class Sweeps:
    """What :func:`reverse` produces; the compile stage assembles functions from it."""

    setup: list          # tape creation and None-initialisations
    primal: list
    adjoint: list
    output: gast.AST     # the returned atom
    seed: str | None     # the output's adjoint name, None when the output is inactive
    results: list        # per wrt parameter: its adjoint expression
    tape: str
    path: str
    records: frozenset   # names the primal creates only for the adjoint sweep
    adjoints: frozenset  # the adjoint variables' names
    bindings: dict       # cell name -> (kind, callee, wrt): derivatives of called functions


def reverse(tree: gast.FunctionDef, facts: Analysis, wrt: tuple, gen,
            recompute=False) -> Sweeps:
    """``recompute``: each call of a user function runs as it is in the primal sweep and
    its pullback recomputes it (``g_pullback(b_t, a)``), so that the code is differentiable
    again through calls (second derivatives)."""
    return _Reverse(tree, facts, gen, recompute).run(wrt)


class _Reverse(UpdatesAndCalls):
    def __init__(self, tree, facts: Analysis, gen, recompute=False):
        self.tree, self.facts, self.gen = tree, facts, gen
        self.recompute = recompute
        self.params = [a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        self.tape = gen.fresh("_tape")              # values overwritten, for the adjoint
        self.path = gen.fresh("_path")              # branch decisions and loop records
        self.single = single_assignments(tree.body) - set(self.params)
        self.updated = {n.targets[0].value.id for n in nodes.walk_stmts(tree.body)
                        if is_update(n)}                # arrays updated in place
        self.invariant = invariant_assignments(     # values the same each step: untaped
            tree, lambda n: kinds.is_scalar(facts.kind(nodes.name(n))) and not self.updated)
        self.records: dict[int, str] = {}
        self.saved: list[tuple[str, int]] = []      # (name, top-level index) of each push
        self.backs: dict[int, str] = {}             # call statement -> its pullback's name
        self.created = created_lists(tree.body) - set(self.params)   # lists it may pop
        self.cotangent_names: dict[int, str] = {}
        self.links: dict = {}                       # (kind, callee, wrt) -> cell name
        self.bindings: dict = {}                    # cell name -> (kind, callee, wrt)
        self.top = 0
        self.unsaved: set[int] = set()              # assignments that push nothing
        self.written = set(self.params)             # names assigned so far, in text order
        self.bars: dict[str, str] = {}              # name -> its adjoint's name
        self.restored_targets: set[int] = set()     # loops whose target is saved first
        self.trips: dict = {}                       # primal for loop -> its TripRecord
        self.loads: dict[str, int] = {}
        for n in nodes.walk(tree):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                self.loads[n.id] = self.loads.get(n.id, 0) + 1

    # driver --------------------------------------------------------------------

    def run(self, wrt) -> Sweeps:
        body, ret = self.tree.body[:-1], self.tree.body[-1]
        self.marks = checkpoints.marked_loops(body)
        # name -> the first top-level index before which every path has bound it (a set
        # per index, each a copy of the one before, was quadratic)
        self.bound = dict.fromkeys(self.params, 0)
        for index, stmt in enumerate(body):
            for ident in nodes.definitely_assigned([stmt]):
                self.bound.setdefault(ident, index + 1)
        primal = []
        for index, stmt in enumerate(body):
            self.top = index
            primal += sourcemap.stamp(self.primal_stmt(stmt, depth=0), sourcemap.line_of(stmt))
        defined: set = set()
        output = ret.value
        seed = None
        if isinstance(output, gast.Name) and self.facts.is_active(output.id):
            seed = self.bar(output.id)
            defined.add(output.id)
        adjoint = self.adjoint_block(body, defined, depth=0)
        results = [nodes.name(self.bar(w)) if w in defined else adjoints.zero(w, self.facts)
                   for w in wrt]
        primal, adjoint = self.prune(primal, adjoint)
        primal, adjoint = checkpoints.apply(self.marks, self.trips, primal, adjoint,
                                            self.carried, self.updated, self.gen)
        primal, adjoint = online.apply(self.marks, self.trips, primal, adjoint,
                                       self.carried, self.updated, self.gen)
        setup = self.setup(body, primal + adjoint)   # a checkpointed loop tapes in the adjoint
        return Sweeps(setup, primal, adjoint, output, seed, results, self.tape, self.path,
                      frozenset(self.records.values()), frozenset(self.bars.values()),
                      dict(self.bindings))

    # primal sweep ----------------------------------------------------------------

    def primal_block(self, block, depth) -> list:
        out = []
        for stmt in block:
            out += sourcemap.stamp(self.primal_stmt(stmt, depth), sourcemap.line_of(stmt))
        return out

    def primal_stmt(self, s, depth) -> list:
        if is_update(s):
            return self.primal_update(s)
        if isinstance(s, gast.Assign):
            target = s.targets[0].id
            first = target not in self.written
            self.written.add(target)
            saved = not (target in self.single or target in self.invariant
                         or (depth == 0 and first))
            if not saved:
                self.unsaved.add(id(s))       # no earlier value to keep
            if self.differentiated_call(s):
                return self.primal_call(s, saved)
            s = self.copy_if_view(s)
            return [self.push(target), s] if saved else [s]
        if isinstance(s, (gast.If, gast.For, gast.While)) and not self.is_active(s):
            return [self.push(n) for n in self.snapshot(s)] + [s]
        if isinstance(s, gast.If):
            return self.primal_if(s, depth)
        if isinstance(s, gast.For):
            return self.primal_for(s, depth)
        if isinstance(s, gast.While):
            return self.primal_while(s, depth)
        return [s]

    def primal_if(self, s, depth) -> list:
        body, orelse = self.primal_block(s.body, depth), self.primal_block(s.orelse, depth)
        if depth == 0:
            decision = self.record(s, "_c")
            return [nodes.assign(decision, s.test),
                    nodes.if_(nodes.name(decision), body, orelse)]
        body = at_exits(body, self.note(nodes.const(True)))
        orelse = at_exits(orelse, self.note(nodes.const(False)))
        return [nodes.if_(s.test, body, orelse)]

    def primal_for(self, s, depth) -> list:
        target = s.target.id
        keep = self.overwrites_live_target(s, target)
        self.written.add(target)
        targets = self.record(s, "_i")
        note = nodes.expr_stmt(nodes.call(f"{targets}.append", nodes.name(target)))
        loop = nodes.for_(s.target, s.iter, [note] + self.primal_block(s.body, depth + 1))
        start = nodes.assign(targets, gast.List(elts=[], ctx=gast.Load()))
        handed = [self.note(nodes.name(targets))] if depth else []
        self.trips[s] = TripRecord(start, loop, handed)
        return ([self.push(target)] if keep else []) + [start, loop] + handed

    def overwrites_live_target(self, loop, target) -> bool:
        """Whether the loop's target may hold a value read elsewhere: then the adjoint
        loop, which leaves its own last value there, must restore it after."""
        inside = sum(1 for n in gast.walk(loop) if isinstance(n, gast.Name) and n.id == target
                     and isinstance(n.ctx, gast.Load))
        keep = target in self.written or self.loads.get(target, 0) > inside
        if keep:
            self.restored_targets.add(id(loop))
        return keep

    def primal_while(self, s, depth) -> list:
        count = self.record(s, "_n")
        step = gast.AugAssign(target=nodes.name(count, store=True), op=gast.Add(),
                              value=nodes.const(1))
        loop = nodes.while_(s.test, [step] + self.primal_block(s.body, depth + 1))
        out = [nodes.assign(count, nodes.const(0)), loop]
        self.trips[s] = TripRecord(out[0], loop, [])     # a marked one: online.apply
        return out + ([self.note(nodes.name(count))] if depth else [])

    def bar(self, ident: str) -> str:
        """The adjoint's name: ``b_<name>``, suffixed if the user has that name."""
        if ident not in self.bars:
            self.bars[ident] = self.gen.fresh("b_" + ident)
        return self.bars[ident]

    def record(self, s, base) -> str:
        if id(s) not in self.records:
            self.records[id(s)] = self.gen.numbered(base)
        return self.records[id(s)]

    def push(self, ident: str):
        """Save a value before it is overwritten: floats and arrays on the tape, other
        values (ints, bools) on the path stack, so that the tape holds only what carries
        derivatives (which keeps the generated code differentiable again)."""
        self.saved.append((ident, self.top))
        return nodes.expr_stmt(nodes.call(f"{self.stack_for(ident)}.append", nodes.name(ident)))

    def stack_for(self, ident: str) -> str:
        if ident in self.backs.values():
            return self.path                              # a pullback: no derivative
        carries = self.facts.is_active(ident) or kinds.is_float(self.facts.kind(nodes.name(ident)))
        return self.tape if carries else self.path

    def note(self, value):
        """Record control flow (a decision, a loop's record) on the path stack."""
        return nodes.expr_stmt(nodes.call(f"{self.path}.append", value))

    def recall(self):
        return nodes.call(f"{self.path}.pop")

    def pop(self, ident: str):
        return nodes.call(f"{self.stack_for(ident)}.pop")

    def carried(self, loop) -> set:
        """What a checkpoint of ``loop`` keeps: the names it writes that are bound before."""
        index = next(i for i, s in enumerate(self.tree.body) if s is loop)
        return {n for n in nodes.names_written(loop) if self.bound.get(n, index + 1) <= index}

    def snapshot(self, s) -> list:
        return sorted(nodes.names_stored(s) - self.single)

    def is_active(self, s) -> bool:
        """Whether a compound statement writes an active name: an assignment, or an
        append to an active list (``L.append(x)`` assigns nothing, yet moves x's value)."""
        return any(isinstance(n, gast.Assign) and self.facts.is_active(nodes.assigned_name(n))
                   or mutation(n) and self.facts.is_active(mutation(n)[0])
                   for n in gast.walk(s))

    # adjoint sweep -----------------------------------------------------------------

    def adjoint_block(self, block, defined: set, depth) -> list:
        out = []
        for stmt in reversed(block):
            out += sourcemap.stamp(self.adjoint_stmt(stmt, defined, depth),
                                   sourcemap.line_of(stmt))
        return out

    def adjoint_stmt(self, s, defined, depth) -> list:
        if is_update(s):
            return self.adjoint_update(s, defined)
        if isinstance(s, gast.Assign):
            return self.adjoint_assign(s, defined)
        if isinstance(s, (gast.If, gast.For, gast.While)) and not self.is_active(s):
            return [nodes.assign(n, self.pop(n)) for n in reversed(self.snapshot(s))]
        if isinstance(s, gast.If):
            return self.adjoint_if(s, defined, depth)
        if isinstance(s, gast.For):
            restore = id(s) in self.restored_targets
            head = nodes.call("reversed", nodes.name(self.records[id(s)]))
            loop = self.adjoint_loop(s, head, nodes.name(s.target.id, store=True), defined, depth)
            if s.target.id not in nodes.names_loaded(loop[-1]):
                self.count_trips(s, loop)
            self.adjoint_of_marked(s, loop, depth)
            return loop + ([nodes.assign(s.target.id, self.pop(s.target.id))] if restore else [])
        if mutation(s):
            return self.adjoint_append(s, defined)
        if isinstance(s, gast.While):
            head = nodes.call("range", nodes.name(self.records[id(s)]))
            return self.adjoint_of_marked(s, self.adjoint_loop(
                s, head, self.gen.fresh("_"), defined, depth), depth)
        return []

    def adjoint_of_marked(self, s, loop, depth):
        if id(s) in self.marks and depth == 0:
            self.marks[id(s)].adjoint = loop[-1]
        return loop

    def adjoint_assign(self, s, defined) -> list:
        target = s.targets[0].id
        restore = [] if id(s) in self.unsaved else [nodes.assign(target, self.pop(target))]
        if not self.facts.is_active(target) or target not in defined:
            if id(s) in self.backs and id(s) not in self.unsaved:
                restore = [nodes.assign(self.backs[id(s)], self.pop(self.backs[id(s)]))] + restore
            return restore
        prim = self.facts.of(s)
        if self.differentiated_call(s):
            return self.adjoint_call(s, defined, restore)
        g = nodes.name(self.bar(target))
        reads_itself = any(ident == target for _, ident in prim.operands)
        ans = nodes.clone(s.value) if reads_itself else nodes.name(target)
        parts = adjoints.contributions(prim, s.value, g, ans, self.facts)
        if not reads_itself:
            defined.discard(target)
            return [self.accumulate(n, e, defined) for n, e in parts] + restore
        out = list(restore)
        own = [e for n, e in parts if n == target]
        out += [self.accumulate(n, e, defined) for n, e in parts if n != target]
        total = own[0] if own else None
        for extra in own[1:]:
            total = self.plus(target, total, extra)
        if total is None:
            defined.discard(target)
            return out
        return out + [nodes.assign(self.bar(target), total)]

    def accumulate(self, ident: str, expr, defined: set):
        """``b = expr`` on the first write, ``b = b + expr`` after; a scattered index
        read adds into a copy (``_rt.add_indexed``) instead of building zeros first."""
        b = nodes.name(self.bar(ident))
        if ident not in defined:
            value = expr
        elif is_call_to(expr, "_rt.unindex"):
            value = nodes.call("_rt.add_indexed", b, *expr.args)
        else:
            value = self.plus(ident, b, expr)
        defined.add(ident)
        return nodes.assign(self.bar(ident), value)

    def plus(self, ident, a, b):
        """``a + b`` for adjoints of ``ident``; item by item when it is a tuple or list."""
        if self.facts.kind(nodes.name(ident)) in kinds.CONTAINERS:
            return nodes.call("_rt.add", a, b)
        return nodes.binop(a, gast.Add(), b)

    def adjoint_if(self, s, defined, depth) -> list:
        then_defined, else_defined = set(defined), set(defined)
        then = self.adjoint_block(s.body, then_defined, depth)
        other = self.adjoint_block(s.orelse, else_defined, depth)
        for ident in sorted(then_defined - else_defined):
            other.append(nodes.assign(self.bar(ident), adjoints.zero(ident, self.facts)))
        for ident in sorted(else_defined - then_defined):
            then.append(nodes.assign(self.bar(ident), adjoints.zero(ident, self.facts)))
        defined.clear()
        defined.update(then_defined | else_defined)
        test = nodes.name(self.records[id(s)]) if depth == 0 else self.recall()
        return [nodes.if_(test, then, other)]

    def adjoint_loop(self, s, head, target, defined, depth) -> list:
        before = set(defined)
        entry = set(defined)
        while True:
            inside = set(entry)
            body = self.adjoint_block(s.body, inside, depth + 1)
            if inside <= entry:
                break
            entry |= inside
        init = [nodes.assign(self.bar(n), adjoints.zero(n, self.facts))
                for n in sorted(entry - before)]
        refill = [nodes.assign(self.bar(n), adjoints.zero(n, self.facts))
                  for n in sorted(entry - inside)]
        defined.update(entry)
        fetch = [nodes.assign(self.records[id(s)], self.recall())] if depth else []
        return fetch + init + [nodes.for_(target, head, body + refill)]

    def count_trips(self, s, adjoint):
        """A loop whose adjoint never reads its target records its trip count, not the
        targets: ``_n = 0`` and ``_n += 1`` in the primal, ``for _ in range(_n)`` after."""
        count, trip = self.gen.numbered("_n"), self.trips[s]
        targets, self.records[id(s)] = self.records[id(s)], count
        trip.start.targets[0].id, trip.start.value = count, nodes.const(0)
        trip.loop.body[0] = gast.AugAssign(target=nodes.name(count, store=True), op=gast.Add(),
                                           value=nodes.const(1))
        for handed in trip.handed:                  # _path.append(_n): the outer loop's
            handed.value.args[0].id = count
        fetch = adjoint[0]                          # _n = _path.pop(), in an outer loop
        if isinstance(fetch, gast.Assign) and getattr(fetch.targets[0], "id", None) == targets:
            fetch.targets[0].id = count
        adjoint[-1].target = nodes.name(self.gen.fresh("_"), store=True)
        adjoint[-1].iter = nodes.call("range", nodes.name(count))

    # to-be-recorded: keep only the tape traffic the adjoint reads ------------------

    def prune(self, primal, adjoint):
        """Keep only the tape traffic of values the adjoint sweep reads."""
        keep = tbr.needed(adjoint, (self.tape, self.path), self.records.values(),
                          {ident for ident, _ in self.saved})
        self.saved = [(i, top) for i, top in self.saved if i in keep]
        primal, adjoint = tbr.prune(primal, adjoint, (self.tape, self.path),
                                    self.records.values(), keep)
        tbr.shapes_only(primal, adjoint, self.tape, keep)
        return primal, tbr.private_restores(adjoint, (self.tape, self.path))

    def setup(self, body, primal) -> list:
        """Create the stacks the primal uses; bind names first saved before any write."""
        out = [nodes.assign(stack, gast.List(elts=[], ctx=gast.Load()))
               for stack in (self.tape, self.path) if tbr.uses(primal, stack)]
        unbound = sorted({i for i, top in self.saved if self.bound.get(i, top + 1) > top})
        return out + [nodes.assign(i, nodes.const(None)) for i in unbound]
