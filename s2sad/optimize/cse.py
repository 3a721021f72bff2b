"""Optimize, common subexpressions: a pure expression already computed into a name
is read from that name, across the primal and adjoint sweeps.

Within a straight-line block, ``t = e`` makes ``e`` available as ``t`` until a
statement writes ``t`` or a name ``e`` reads; a later ``e`` (whole or inside a
bigger expression) becomes ``t``. Loop and branch bodies start afresh (a value
from before a loop is stale on its second iteration), and a compound statement
ends the availability of everything it writes. Reusing a value makes two names
share one object, so a function that updates anything in place (``y[i] = v``,
``L.append(v)`` on a user list) is left as it is, and a value the caller receives
next to another it holds (two returned results) is not read from that other
(s2sad/analysis/objects.py).

>>> print(_demo('''
... def f_grad(x, b_y):
...     v1 = np.sin(x)
...     v2 = np.cos(x)
...     y = v1 * v2
...     b_x = b_y * v2 * np.cos(x) - b_y * v1 * np.sin(x)
...     x = x * x
...     return b_x, np.sin(x)'''), end="")
def f_grad(x, b_y):
    v1 = np.sin(x)
    v2 = np.cos(x)
    y = v1 * v2
    b_x = b_y * v2 * v2 - b_y * v1 * v1
    x = x * x
    return (b_x, np.sin(x))
"""
from __future__ import annotations

import gast

from ..tree import emit, nodes
from .expressions import key, keyed, pure, pure_nodes
from ..analysis.objects import CONSUMED, Objects, SinkTracker

_IMPURE = ("random", "copy", "array", "empty", "zeros", "ones", "full", "put", "place",
           "fill", "at", "seterr", "errstate", "private", "check", "list", "dict", "set")
_LEAVES = (gast.Name, gast.Constant)


def eliminate(body: list, objects: Objects) -> tuple[list, int]:
    """``body`` with repeated pure expressions read from the name that holds them, and
    how many it replaced; ``objects``: which names' objects may be shared
    (s2sad/analysis/objects.py). Only for the derivative of a function that
    :func:`mutation_free` accepts."""
    return _block(body, objects)


def _block(block, objects) -> tuple[list, int]:
    available = _Available()                   # expression key -> name that holds it
    out, replaced = [], 0
    for s in block:
        replace = _Replace(available, objects)
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s = replace.visit_header(s)
            (s.body, in_body), (s.orelse, in_orelse) = \
                _block(s.body, objects), _block(s.orelse, objects)
            replaced += replace.hits + in_body + in_orelse
            available.forget(nodes.names_written(s))
            out.append(s)
            continue
        of = keyed()                 # each subexpression's key made once per statement
        if available and _may_hit(s, available, of):
            s = replace.visit(s)
            replaced += replace.hits
            of = keyed()             # the statement changed
        written = nodes.names_written(s)
        if isinstance(s, gast.Expr) and isinstance(getattr(s.value, "func", None),
                                                   gast.Attribute):
            written |= nodes.names_loaded(s.value.func)       # _tape.append(x)
        available.forget(written)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and not isinstance(s.value, _LEAVES):
            _offer(s, available, of)
        out.append(s)
    return out, replaced


def _offer(s, available, of) -> None:
    """Make ``s.value`` available as ``s``'s target where it may be reused: pure, no
    call that makes a fresh object, a key, not reading the target (one walk for all)."""
    inside = nodes.walk(s.value)
    if not (pure_nodes(inside) and _reusable_nodes(inside)):
        return
    k = of(s.value)
    target = s.targets[0].id
    if k is not None:
        reads = {n.id for n in inside if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Load)}
        if target not in reads:
            available.add(k, target, reads)


def _may_hit(s, available, of) -> bool:
    """Whether an expression in ``s`` has the key of one available (without visiting
    it as a replacement would: most statements have none)."""
    return any(isinstance(n, gast.expr) and not isinstance(n, _LEAVES) and of(n) in available
               for n in nodes.walk(s))


class _Available(dict):
    """Expression key -> ``(name that holds it, names it reads)``, with an index from
    each of those names to the keys that end when it is written: forgetting costs what
    it drops, not the size of the table (a scan per statement made blocks quadratic)."""

    def __init__(self):
        super().__init__()
        self.by_name: dict[str, set] = {}

    def add(self, k, target, reads):
        """The first name to hold ``k`` keeps it."""
        if k in self:
            return
        self[k] = (target, reads)
        for ident in reads | {target}:
            self.by_name.setdefault(ident, set()).add(k)

    def forget(self, written):
        """Drop every expression held in, or reading, a name in ``written``."""
        for ident in written:
            for k in self.by_name.pop(ident, ()):
                entry = self.get(k)          # k may have gone and come back since
                if entry is not None and (entry[0] == ident or ident in entry[1]):
                    del self[k]


class _Replace(SinkTracker):
    def __init__(self, available, objects):
        super().__init__(objects)
        self.available, self.hits = available, 0

    def visit_header(self, s):
        field = "iter" if isinstance(s, gast.For) else "test"
        self.sink = tuple(sorted(self.objects.roots(s.target))) \
            if isinstance(s, gast.For) else CONSUMED
        setattr(s, field, self.visit(getattr(s, field)))
        return s

    def visit_FunctionDef(self, node):
        return node

    def generic_visit(self, node):
        if isinstance(node, gast.expr) and not isinstance(node, _LEAVES) and self.available:
            hit = self.available.get(key(node))
            if hit is not None and self.may_alias(nodes.name(hit[0])):
                self.hits += 1
                return nodes.name(hit[0])
        return super().generic_visit(node)


def _reusable(value) -> bool:
    """Not a call that makes a fresh object or has an effect (whatever its root)."""
    return _reusable_nodes(nodes.walk(value))


def _reusable_nodes(inside) -> bool:
    """:func:`_reusable`, given the nodes ``inside`` the expression."""
    for n in inside:
        if isinstance(n, gast.Call):
            path = nodes.dotted_path(n.func)                   # np.random.normal: all parts
            if path is None:                                   # x[0].fill(...): the methods
                path = ".".join(a.attr for a in nodes.walk(n.func)
                                if isinstance(a, gast.Attribute))
            if any(word in path for word in _IMPURE):
                return False
    return True


def mutation_free(body) -> bool:
    """A user function's normalized body updates nothing in place (no ``y[i] = v``,
    ``L.append(v)``, nested def), so that two names may share one value."""
    for s in nodes.walk_stmts(body):
        if isinstance(s, (gast.FunctionDef, gast.AugAssign)):
            return False
        if isinstance(s, gast.Assign) and not isinstance(s.targets[0], gast.Name):
            if not all(isinstance(t, gast.Name) for t in nodes.walk(s.targets[0])
                       if not isinstance(t, (gast.Tuple, gast.List, gast.Store))):
                return False
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and not (
                isinstance(s.value.func, gast.Name) and s.value.func.id == "print"):
            return False
    return True


def _demo(text: str) -> str:
    func = gast.parse(text.strip()).body[0]
    floats = {n.id for n in gast.walk(func) if isinstance(n, gast.Name)}
    func.body, _ = eliminate(func.body, Objects.of(func, floats, pure))
    return emit.source(func)
