"""Part of analyze: in-place updates only on arrays that share memory with nothing.

``y[i] = v`` is differentiated in place: the primal writes the slot (saving
the old value when the adjoint needs it), the adjoint sweep moves the slot's
adjoint to ``v`` and restores the slot. That is only right when no other name
sees the same memory: an argument (the caller's array), a copy of a name
(``z = y``), a view (``y.T``, ``y[1:]``, ``y.reshape(...)``, a loop's row), or a tuple
or list holding it (``keep = (y, 1.0)``, ``out.append(y)``; :mod:`holding`). The same
holds for a list that is appended to. Those are located errors with the rewrite that
makes the array its own.

>>> import numpy as np, s2sad
>>> def square_first(y):
...     y[0] = y[0] * y[0]
...     return np.sum(y)
>>> s2sad.grad(square_first)(np.ones(3))  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
s2sad.errors.CompileError: cannot differentiate: 1 problem
<doctest ...>:2:5: [in-place-input] in-place update of the argument 'y': the derivative would change the caller's array
    y[0] = y[0] * y[0]
    ^
  suggestion: make a copy first: y = y.copy()
run `s2sad explain in-place-input`
>>> def square_first(y):
...     y = y.copy()
...     y[0] = y[0] * y[0]
...     return np.sum(y)
>>> s2sad.grad(square_first)(np.array([3.0, 1.0, 1.0]))
array([6., 1., 1.])
"""
from __future__ import annotations

import gast

from . import foreign, holding
from .views import call_pairs, view_of
from .reads import fresh_before as _fresh_before, loads as _loads, places as _places
from .reads import shielded
from . import reads
from . import kinds as kind_rules
from ..tree import nodes
from ..front.normalize import AUGMENTED
from .prims import sequence_of



def problems(tree, assigns, updates, loops, prims, parsed, kinds, arg_kinds) -> list:
    """The violations of in-place updates (analyze reports them with its own)."""
    return [v for _, v in findings(tree, assigns, updates, loops, prims, parsed, kinds,
                                   arg_kinds)]


def findings(tree, assigns, updates, loops, prims, parsed, kinds, arg_kinds) -> list:
    """(the argument an update changes, or None; its violation) for each bad update."""
    augmented = _augmented(assigns, _numbers(assigns, prims, kinds, arg_kinds) |
                           reads.tuples(assigns))
    updates = updates + [s for s in assigns if id(s) in augmented]
    held = holding.augmented_items(assigns, prims, kinds, arg_kinds, parsed)
    if not updates:
        return held
    local = nodes.names_stored(tree)
    pairs = _sharing(tree, assigns, loops, prims, updates, augmented, kinds,
                     foreign.pairs(assigns, prims, parsed, local))
    places = _places(tree.body)
    walks = {a.targets[0].id for a in assigns if sequence_of(a.value) is not None}
    params = {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
    found = []
    for s in updates:
        array = _updated(s, augmented)
        # names are not values: only sharing made before the update (or in its loop) counts
        live = [p for p in pairs if _before(p, s, places, tree.body)]
        reach = _reachable(array, _graph(live))
        argument = sorted(reach & params | ({array} & params if not _fresh_before(
            tree.body, s, array) else set()))          # x = x * 2.0 in a branch: not x
        owners = foreign.owners(array, reach, local)
        if isinstance(s, gast.Expr):    # appends to an outside list the derivative repeats
            reach, owners = reach & local, []
        if reach & walks and not isinstance(s, gast.Expr):
            found.append((None, _walked_violation(s, foreign.shown(tree, {array}), parsed)))
        elif argument:
            found.append((argument[0], _input_violation(s, array, argument[0], augmented,
                                                        parsed, foreign.shown(tree, {array}))))
        elif owners:
            found.append((None, foreign.refused_update(s, array, owners[0], parsed, tree)))
        elif reach and id(s) in augmented:
            found.append((None, _augmented_violation(
                s, foreign.sharer(tree, reach, getattr(s, AUGMENTED)), parsed)))
        elif reach:
            array = foreign.shown(tree, {array})
            other = foreign.sharer(tree, reach, array)
            found.append((None, parsed.violation(
                s, "in-place-alias", f"in-place update of {array!r}, which shares memory "
                f"with {other} (a copy of the name, a view, a tuple or list holding "
                "it, or a helper's result that may be it)",
                "give each its own array: use .copy() where one is made from the other "
                "or put in a tuple or list")))
    return found + held


def _walked_violation(stmt, array, parsed):
    return parsed.violation(
        stmt, "in-place-alias", f"in-place update of {array!r} while a loop walks it: "
        "Python's later steps read the new values, the derivative's walk would not",
        f"walk a copy (for e in {array}.copy():) or index by position (for i in "
        f"range(len({array})): e = {array}[i])")


def _input_violation(stmt, array, argument, augmented, parsed, shown):
    """An update of the caller's array: ``x[i] = v`` or ``x += v`` (NumPy changes the
    caller's x; the derivative, which must not, would compute another function);
    ``shown``: the array's name as the user wrote it."""
    if id(stmt) in augmented:
        op, name = _SYMBOLS.get(type(stmt.value.op), "op"), getattr(stmt, AUGMENTED)
        what = f"the argument {argument!r}" if argument == array else \
            f"{name!r}, which shares memory with the argument {argument!r}"
        return parsed.violation(
            stmt, "in-place-input", f"'{name} {op}= ...' changes {what} in place: the "
            "derivative would not change the caller's array as the function does",
            f"write {name} = {name} {op} ... (a new array)")
    what = f"the argument {argument!r}" if argument == array else \
        f"{shown!r}, which shares memory with the argument {argument!r}"
    return parsed.violation(
        stmt, "in-place-input", f"in-place update of {what}: the derivative would "
        "change the caller's array", f"make a copy first: {shown} = {argument}.copy()")


def _numbers(assigns, prims, kinds, arg_kinds) -> set:
    """Names that may hold a Python number: of a number kind, an item of a tuple, list
    or dict argument (whose items kinds do not know), or copies (either way) of a name
    that is one (kinds join over a name's assignments)."""
    numbers = {n for n, k in {**kinds, **arg_kinds}.items() if kind_rules.is_scalar(k)}
    containers = {n for n, k in arg_kinds.items()             # not known to be arrays
                  if not (kind_rules.is_array(k) or k == kind_rules.INTARRAY)} | \
        holding.number_displays(assigns)
    numbers |= {s.targets[0].id for s in assigns if prims[s].op == "index"
                and isinstance(s.value.value, gast.Name) and s.value.value.id in containers}
    copies = [(s.targets[0].id, prims[s].source) for s in assigns
              if prims[s].op == "copy"]
    grown = True
    while grown:
        before = len(numbers)
        numbers |= {a for a, b in copies if b in numbers} | {b for a, b in copies if a in numbers}
        grown = len(numbers) > before
    return numbers


def _augmented(assigns, numbers) -> dict:
    """id(statement) -> array for ``w op= v`` on a value that is not a number, which
    changes w's memory in place; normalize wrote it ``w_1 = w op v`` and marked it."""
    out = {}
    for s in assigns:
        value = s.value
        if getattr(s, AUGMENTED, None) and isinstance(value, gast.BinOp) \
                and isinstance(value.left, gast.Name) and value.left.id not in numbers:
            out[id(s)] = value.left.id
    return out


_SYMBOLS = holding.SYMBOLS


def _augmented_violation(stmt, other, parsed):
    op, array = _SYMBOLS.get(type(stmt.value.op), "op"), getattr(stmt, AUGMENTED)
    return parsed.violation(
        stmt, "in-place-alias", f"'{array} {op}= ...' changes {array!r} in place, and "
        f"{array!r} shares memory with {other} (a copy of the name, a view, or a tuple "
        "or list holding it), which the derivative would not see change",
        f"write {array} = {array} {op} ... (a new array), or give {array!r} its own memory "
        "with .copy()")


def _updated(stmt, augmented=None) -> str:
    """The array or list a statement changes in place: ``y[i] = v``, ``y.append(v)``, or
    an augmented assignment to an array."""
    if augmented and id(stmt) in augmented:
        return augmented[id(stmt)]
    if isinstance(stmt, gast.Expr):
        return stmt.value.func.value.id
    return stmt.targets[0].value.id


def _sharing(tree, assigns, loops, prims, updates, augmented, kinds, taken=()) -> list:
    """(name, name it may share memory with, the statement that makes it, whether the
    sharing goes both ways); a view used up before its array is next updated (``v =
    y[:2]; w = v * x; y[3:] = w``) shares nothing. ``row = y[i]`` counts as a view where
    row is updated: ``row[j] = v`` (only an array's row can be), ``row += v`` where y is
    an array (an item of a tuple may be a float), or where a loop iterates row (its
    iterator holds the view while the body runs)."""
    updated = {_updated(u, augmented) for u in updates}
    subscripted = {_updated(u) for u in updates if id(u) not in augmented}
    walked = {s.targets[0].id: sequence_of(s.value) for s in assigns
              if sequence_of(s.value) is not None}
    iterated = set(walked.values())
    items = _items(loops, walked)
    handed_out = {id(loop.body[0]) for loop, _, _ in items}     # by _row_alive below
    # the loop's walk is the iterable itself: an update of it in the body is read by the
    # iterations after it (for e in y: y += 1.0), which the derivative's walk does not see
    walks = []                  # a list the body appends to is walked live: not these
    for s in assigns:
        seq = s.targets[0].id
        if seq in walked and _array_or_unknown(kinds.get(walked[seq])) \
                and not _used_up(tree, s, seq, {walked[seq]}, augmented, walked):
            walks.append((seq, walked[seq], s, True))
    made = []
    for s in assigns:
        if id(s) in handed_out:
            continue
        source = view_of(s.value, prims[s])
        target = s.targets[0].id
        if source is None and prims[s].op == "index" and target in updated | iterated:
            base = s.value.value.id
            if target in subscripted | iterated or kind_rules.is_array(kinds.get(base)):
                source = base
        if source:
            made.append((target, source, s, True))
    returned = call_pairs(assigns, prims)     # t = g(y) may be y, a view or a tuple of it
    made += holding.pairs([s for s in assigns if id(s) not in handed_out], prims,
                          _appends(updates), _stores(updates, kinds),
                          [(a, b, s, False) for a, b, s, _ in returned])
    made += list(taken) + returned     # what attributes and non-local items share
    made = _composed(made)
    pairs = walks + [p for p in made
                     if not _used_up(tree, p[2], p[0], updated | {p[1]}, augmented, walked)]
    kept = updated | {p[1] for p in made if not p[3]}
    for loop, item, seq in items:
        if _row_alive(tree, loop, item, kept, augmented):
            pairs.append((item, walked[seq], loop, True))
    return pairs


def _array_or_unknown(kind) -> bool:
    return kind is None or kind_rules.is_array(kind)


def _items(loops, walked) -> list:
    """``(loop, t, v)`` for each loop normalize wrote from ``for t in c``: ``v =
    _rt.as_sequence(c)`` before it, ``t = v[k]`` first in its body."""
    out = []
    for loop in loops:
        first = loop.body[0] if loop.body else None
        if isinstance(first, gast.Assign) and isinstance(first.targets[0], gast.Name) \
                and isinstance(first.value, gast.Subscript) \
                and getattr(first.value.value, "id", None) in walked \
                and getattr(first.value.slice, "id", None) == loop.target.id:
            out.append((loop, first.targets[0].id, first.value.value.id))
    return out


def _composed(made) -> list:
    """``made`` with what sharing passes on: ``t = y.T; v = t[1]`` makes v a view of y,
    ``keep = ((y, 1.0), 2.0)`` makes keep hold y, even once t or the inner tuple is used
    up. The pair keeps the statement that makes the outer name, whose uses count."""
    seen = {(a, b) for a, b, _, _ in made}
    out, todo = list(made), list(made)
    while todo:
        outer, inner, maker, mutual = todo.pop()
        for a, b, _, both in list(out):
            for seer, seen_one in ((a, b), (b, a)) if both else ((a, b),):
                if seer == inner and seen_one != outer and (outer, seen_one) not in seen:
                    seen.add((outer, seen_one))
                    pair = (outer, seen_one, maker, mutual and both)
                    out.append(pair)
                    todo.append(pair)
    return out


def _appends(updates) -> list:
    return [(u, (u.value.func.value.id, u.value.args[0])) for u in updates
            if isinstance(u, gast.Expr)]


def _stores(updates, kinds) -> list:
    """``c[i] = v`` into what is not known to be an array: a list or dict then holds v."""
    return [u for u in updates if isinstance(u, gast.Assign)
            and isinstance(u.targets[0], gast.Subscript)
            and not (kind_rules.is_array(kinds.get(u.targets[0].value.id))
                     or kinds.get(u.targets[0].value.id) == kind_rules.INTARRAY)]


def _row_alive(tree, loop, item, kept, augmented) -> bool:
    """Whether a loop's item may be a view of what it iterates when it matters: it is
    changed in place, kept (put in a list or tuple), read outside the loop, or an
    array is changed in place in the body (appends change no array's memory). The
    items of a 1-d array are numbers: reading them in the body alone is safe."""
    outside = sum(_loads(s, item) for s in tree.body) - _loads(loop, item)
    return item in kept or outside > 0 or bool(_updates(loop, augmented, appends=False))


def _graph(pairs) -> dict:
    """Who sees an update of whom: both names of a copy or view; the holder of an
    item (a change of a list changes none of its items)."""
    shares: dict = {}
    for a, b, _, mutual in pairs:
        shares.setdefault(b, set()).add(a)
        if mutual:
            shares.setdefault(a, set()).add(b)
    return shares


def _before(pair, stmt, places, body) -> bool:
    """Whether sharing made by a pair's statement may hold when ``stmt`` runs: it comes
    first in the source, or one loop holds both, unless the loop makes the item of a
    holder anew before ``stmt`` (``r = []; r.append(v); out.append(r)``: the ``r``
    that ``out`` holds is an earlier one)."""
    holder, item, maker, mutual = pair
    (i, around_maker), (j, around_stmt) = places[id(maker)], places[id(stmt)]
    if i < j:       # ``_tape.append(v); v = []; v.append(w)``: the tape holds the old v
        return mutual or not _rebound_between(body, maker, stmt, item)
    common = [loop for loop in around_stmt if loop in around_maker]
    return bool(common) and (mutual or not _fresh_before(common[-1].body, stmt, item))


def _rebound_between(body, maker, stmt, name) -> bool:
    """Whether ``name`` is surely assigned anew after ``maker`` and before ``stmt``, in
    the rest of maker's block and the blocks around it. A loop body that rebinds the
    name after the maker (``L.append(y); y = f(y)``) leaves a new object in it for every
    statement after the loop, unless a jump can skip the rebinding."""
    for later in _following(body, maker) or []:
        if later is stmt or any(n is stmt for n in nodes.walk_stmts([later])):
            return later is not stmt and _fresh_before([later], stmt, name)
        if any(isinstance(n, (gast.Break, gast.Continue)) for n in gast.walk(later)):
            return False
        if isinstance(later, gast.Assign) and isinstance(later.targets[0], gast.Name) \
                and later.targets[0].id == name:
            return True           # stmt comes after it, in this block or after the loop
    return False


def _reachable(name, shares) -> set:
    seen, todo = set(), [name]
    while todo:
        for other in shares.get(todo.pop(), ()):
            if other not in seen and other != name:
                seen.add(other)
                todo.append(other)
    return seen


def _used_up(tree, stmt, view: str, arrays: set, augmented, walked) -> bool:
    """Whether every read of ``view`` follows ``stmt`` before any update of ``arrays`` or
    any write through the view, and the view is assigned nowhere else. What follows is
    the rest of its block and of the blocks around it, up to an enclosing loop. A
    simple statement reads before it writes: its own reads (``x += v``) come first. A
    loop walking the view reads it where it reads the view's sequence (``walked``)."""
    rest = _following(tree.body, stmt)
    if rest is None:
        return False
    names = {view} | {seq for seq, source in walked.items() if source == view}
    total = sum(_loads(s, n) for s in tree.body for n in names)
    if _read_first(rest, view, names, arrays, augmented, total, {}):
        return True
    hidden = {}                                    # the reads of other bindings
    for n in names:
        for at, count in shielded(tree, stmt, n).items():
            hidden[at] = hidden.get(at, 0) + count
    return bool(hidden) and _read_first(rest, view, names, arrays, augmented,
                                        total - sum(hidden.values()), hidden)


def _read_first(rest, view, names, arrays, augmented, total, hidden) -> bool:
    """Whether ``rest`` reads ``names`` ``total`` times before it updates ``arrays``
    (``hidden``: id(statement) -> its reads that do not count)."""
    seen = 0
    for later in rest:
        if seen == total:
            return True
        reads, written = sum(_loads(later, n) for n in names), _updates(later, augmented)
        if hidden:
            reads -= sum(hidden.get(id(s), 0) for s in nodes.walk_stmts([later]))
        if view in written:
            return False                          # a write through the view
        if written & arrays or view in nodes.names_stored(later):
            simple = not isinstance(later, (gast.If, gast.For, gast.While))
            return simple and seen + reads == total
        seen += reads
    return seen == total


def _following(block, stmt):
    """The statements that run after ``stmt`` in its block and the blocks around it,
    stopping at an enclosing loop (None: ``stmt`` is not in ``block``)."""
    for k, s in enumerate(block):
        if s is stmt:
            return block[k + 1:]
        if isinstance(s, gast.FunctionDef):
            continue
        for field in ("body", "orelse"):
            found = _following(getattr(s, field, None) or [], stmt)
            if found is not None:
                if isinstance(s, (gast.For, gast.While)):
                    return found
                return found + block[k + 1:]
    return None


def _updates(tree, augmented, appends=True) -> set:
    out = {n.value.id for n in gast.walk(tree) if isinstance(n, gast.Subscript)
           and isinstance(n.ctx, gast.Store) and isinstance(n.value, gast.Name)}
    out |= {augmented[id(n)] for n in gast.walk(tree) if id(n) in augmented}
    for n in gast.walk(tree) if appends else ():
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and n.func.attr == "append" and isinstance(n.func.value, gast.Name):
            out.add(n.func.value.id)
    return out
