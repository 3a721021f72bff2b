"""Part of analyze: in-place updates only on arrays that share memory with nothing.

``y[i] = v`` is differentiated in place: the primal writes the slot (saving
the old value when the adjoint needs it), the adjoint sweep moves the slot's
adjoint to ``v`` and restores the slot. That is only right when no other name
sees the same memory: an argument (the caller's array), a copy of a name
(``z = y``) or a view (``y.T``, ``y[1:]``, ``y.reshape(...)``). The same holds for a list that is
appended to. Those are
located errors with the rewrite that makes the array its own.
"""
from __future__ import annotations

import gast

from . import nodes
from .errors import CompileError

_VIEW_ATTRS = {"T", "real", "imag"}
_VIEW_METHODS = {"reshape", "ravel", "transpose", "squeeze", "view", "swapaxes"}
_VIEW_FUNCTIONS = {"reshape", "ravel", "transpose", "squeeze", "expand_dims", "asarray",
                   "swapaxes", "moveaxis", "broadcast_to", "atleast_1d", "atleast_2d"}


def check(tree, assigns, updates, loops, prims, parsed, kinds) -> None:
    augmented = _augmented(assigns, parsed, kinds)
    updates = updates + [s for s in assigns if id(s) in augmented]
    if not updates:
        return
    shares = _sharing(tree, assigns, loops, prims, updates, augmented)
    params = {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
    violations = []
    for s in updates:
        array = _updated(s, augmented)
        reach = _reachable(array, shares)
        if id(s) in augmented:
            if reach:
                violations.append(_augmented_violation(s, array, sorted(reach)[0], parsed))
            continue
        argument = sorted((reach | {array}) & params)
        if argument:
            what = f"the argument {argument[0]!r}" if argument[0] == array else \
                f"{array!r}, which shares memory with the argument {argument[0]!r}"
            violations.append(parsed.violation(
                s, "in-place-input", f"in-place update of {what}: the derivative would "
                "change the caller's array", f"make a copy first: {array} = {argument[0]}.copy()"))
        elif reach:
            other = sorted(reach)[0]
            violations.append(parsed.violation(
                s, "in-place-alias", f"in-place update of {array!r}, which shares memory "
                f"with {other!r} (a copy of the name or a view)",
                f"give each its own array: use .copy() where one is made from the other"))
    if violations:
        raise CompileError(violations)


def _augmented(assigns, parsed, kinds) -> dict:
    """id(statement) -> array for ``w += v`` on a value that is not a number, which
    changes w's memory in place; normalize wrote it ``w_1 = w + v`` at the same spot."""
    spots = {(n.lineno, n.col_offset): n.target.id for n in gast.walk(parsed.tree)
             if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
    out = {}
    for s in assigns:
        target = spots.get((getattr(s, "lineno", None), getattr(s, "col_offset", None)))
        value = s.value
        if target and isinstance(value, gast.BinOp) and isinstance(value.left, gast.Name) \
                and value.left.id.rstrip("0123456789").rstrip("_") == target \
                and kinds.get(value.left.id) not in ("scalar", "int"):
            out[id(s)] = value.left.id
    return out


_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
            gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%"}


def _augmented_violation(stmt, array, other, parsed):
    op = _SYMBOLS.get(type(stmt.value.op), "op")
    return parsed.violation(
        stmt, "in-place-alias", f"'{array} {op}= ...' changes {array!r} in place, and "
        f"{array!r} shares memory with {other!r} (a copy of the name or a view), which "
        "the derivative would not see change",
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


def _sharing(tree, assigns, loops, prims, updates, augmented) -> dict:
    """name -> names that may share its memory (both directions); a view used up before
    its array is next updated (``v = y[:2]; w = v * x; y[3:] = w``) shares nothing.
    ``row = y[i]`` counts as a view where row itself is updated (y may be 2-d)."""
    updated = {_updated(u, augmented) for u in updates}
    pairs = []
    for s in assigns:
        source = _view_source(s.value, prims[id(s)])
        if source is None and prims[id(s)].op == "index" and s.targets[0].id in updated:
            source = s.value.value.id
        if source and not _used_up(tree, s, s.targets[0].id, updated | {source}, augmented):
            pairs.append((s.targets[0].id, source))
    for loop in loops:
        if isinstance(loop.iter, gast.Name):
            pairs.append((loop.target.id, loop.iter.id))      # rows of an array are views
    shares: dict = {}
    for a, b in pairs:
        shares.setdefault(a, set()).add(b)
        shares.setdefault(b, set()).add(a)
    return shares


def _view_source(value, prim):
    if prim.op == "copy":
        return value.id
    if prim.op == "index" and is_view_index(value.slice):
        return value.value.id
    if prim.op == "rule" and prim.bound:
        key = prim.rule.key
        first = prim.bound.get(prim.rule.params[0])
        name = getattr(key, "__name__", None)
        viewing = (isinstance(key, tuple) and (key in {("attr", a) for a in _VIEW_ATTRS}
                                               or key in {("method", m) for m in _VIEW_METHODS})) \
            or (name in _VIEW_FUNCTIONS and getattr(key, "__module__", "").startswith("numpy"))
        if viewing and isinstance(first, gast.Name):
            return first.id
    return None


def is_view_index(index) -> bool:
    """Basic slicing makes a view; an int or an index array makes a copy (of a scalar)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return any(isinstance(p, gast.Slice) or (isinstance(p, gast.Constant)
                                             and p.value in (None, Ellipsis)) for p in parts)


def _reachable(name, shares) -> set:
    seen, todo = set(), [name]
    while todo:
        for other in shares.get(todo.pop(), ()):
            if other not in seen and other != name:
                seen.add(other)
                todo.append(other)
    return seen


def _used_up(tree, stmt, view: str, arrays: set, augmented) -> bool:
    """Whether every read of ``view`` follows ``stmt`` in its own block before any update
    of ``arrays`` (or of the view), and the view is assigned nowhere else."""
    block = _block_of(tree.body, stmt)
    if block is None:
        return False
    start = block.index(stmt)
    total = sum(_loads(s, view) for s in tree.body)
    seen = 0
    for later in block[start + 1:]:
        if seen == total:
            return True
        if _updates(later, augmented) & (arrays | {view}) or view in nodes.names_stored(later):
            return False
        seen += _loads(later, view)
    return seen == total


def _block_of(block, stmt):
    if any(s is stmt for s in block):
        return block
    for s in block:
        for field in ("body", "orelse"):
            found = _block_of(getattr(s, field, []) or [], stmt)
            if found is not None:
                return found
    return None


def _loads(tree, name) -> int:
    return sum(1 for n in gast.walk(tree) if isinstance(n, gast.Name) and n.id == name
               and isinstance(n.ctx, gast.Load))


def _updates(tree, augmented) -> set:
    out = {n.value.id for n in gast.walk(tree) if isinstance(n, gast.Subscript)
           and isinstance(n.ctx, gast.Store) and isinstance(n.value, gast.Name)}
    out |= {augmented[id(n)] for n in gast.walk(tree) if id(n) in augmented}
    for n in gast.walk(tree):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and n.func.attr == "append" and isinstance(n.func.value, gast.Name):
            out.add(n.func.value.id)
    return out
