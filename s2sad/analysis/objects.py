"""Optimize, object identity: which names' objects may be updated in place or reached by
the caller, so that a rewrite which drops an operation (``x * 1.0`` -> ``x``) or reads a
value from another name (common subexpressions) never turns a fresh array into an alias.

``y = x * 1.0`` makes a new array, ``y = x`` shares x's. The two differ only where the
object is updated in place (``y[0] = v``, ``y += v``, ``y.fill(v)``, handed to a call that
may update or keep it, read by a closure) or where the caller holds it next to another
object it holds (a parameter, a global, a returned value). Names that may share an
object (``a = b``, ``a = b[1:]``, ``a = b.T``, ``t = (a, 1.0)``, ``for row in b``) form a
group, and a group is updated or exposed when one of its names is:

>>> import gast
>>> func = gast.parse('''
... def f(x):
...     y = x
...     z = np.sin(x)
...     keep = [z]
...     keep[0][0] = 5.0
...     return y''').body[0]
>>> facts = Objects.of(func, set(), lambda e: True)
>>> sorted(n for n in ("x", "y", "z") if facts.updated(n)), facts.exposed("y")
(['z'], True)
"""
from __future__ import annotations

import gast
import numpy as np

from ..tree import nodes

CONSUMED = "consumed"      # read by an operation that makes a new value (``a * b``, ``a < b``)
DISCARDED = "discarded"    # an expression statement's value
IMPURE = "impure"          # an argument of a call that may update or keep it
RETURN = "return"          # what the function returns: the caller holds it

_MODULES = {"np", "math", "_rt"}
_UPDATING = {"shuffle", "copyto", "put", "place", "putmask", "fill_diagonal", "at",
             "put_along_axis", "seterr"}
_FRESH = {"copy", "array", "sum", "mean", "prod", "dot", "matmul", "outer", "zeros",
          "ones", "full", "empty", "zeros_like", "ones_like", "full_like", "stack",
          "concatenate", "std", "var", "tanh", "sin", "cos", "exp", "log"}


class Objects:
    """Groups of names that may share an object, and which groups are updated in place
    or exposed to the caller, for one function (or lambda) body."""

    def __init__(self, params, body, floats, pure):
        self.floats, self.pure = floats, pure
        self._parent: dict[str, str] = {}
        self._updated, self._exposed = set(), set(params)
        names = (set(params), set())    # assigned, loaded: a statement's include its
        for s in body:                  # nested ones'; a simple one's come with its scan
            if _is_compound(s) or isinstance(s, gast.FunctionDef):
                loads, stored, _, _ = nodes.facts(s)
                names[0].update(stored)
                names[1].update(loads)
                for inner in nodes.walk_stmts([s]):
                    self._statement(inner)
            else:
                self._statement(s, names)
        self._exposed |= names[1] - names[0]                  # globals and free variables
        self._updated = {self._find(n) for n in self._updated}
        self._exposed = {self._find(n) for n in self._exposed}

    @classmethod
    def of(cls, func, floats, pure):
        if isinstance(func, gast.Lambda):
            return cls(nodes.names_stored(func.args), [nodes.ret(func.body)], floats, pure)
        return cls(nodes.names_stored(func.args), func.body, floats, pure)

    def updated(self, name) -> bool:
        return self._find(name) in self._updated

    def exposed(self, name) -> bool:
        return self._find(name) in self._exposed

    def may_share(self, names, sink) -> bool:
        """Whether the value ``sink`` receives may be the object of each of ``names``
        rather than a new one."""
        if not names or sink in (CONSUMED, DISCARDED):
            return True
        if sink == IMPURE or any(self.updated(n) for n in names):
            return False
        if sink == RETURN:
            return not any(self.exposed(n) for n in names)
        return not any(self.updated(t) or self.exposed(t) and self.exposed(n)
                       for t in sink for n in names)

    def roots(self, e) -> set:
        """The names whose object (or a part of it) the value of ``e`` may be."""
        if isinstance(e, gast.Name):
            return {e.id}
        if isinstance(e, gast.Constant) or self.makes_new(e):
            return set()
        if isinstance(e, gast.BinOp):           # list + list keeps the items
            return self.roots(e.left) | self.roots(e.right)
        if isinstance(e, gast.Call):
            return self._call_roots(e)
        if isinstance(e, (gast.Subscript, gast.Attribute, gast.Starred)):
            return self.roots(e.value)
        if isinstance(e, (gast.Lambda, gast.FunctionDef)):
            return set()
        out = set()
        for field in ("elts", "values", "keys", "body", "orelse", "elt", "value",
                      "generators", "iter"):
            part = getattr(e, field, None)
            for p in part if isinstance(part, list) else [part]:
                if isinstance(p, gast.AST):
                    out |= self.roots(p)
        return out

    def makes_new(self, e) -> bool:
        """Whether ``e`` makes a new object whatever its operands are."""
        if isinstance(e, (gast.Compare, gast.UnaryOp)):
            return True
        if isinstance(e, gast.BinOp):
            return self._numeric(e.left) or self._numeric(e.right)
        if not isinstance(e, gast.Call) or e.keywords:
            return False
        func, name = e.func, _callee_name(e)
        if isinstance(func, gast.Attribute) and _is_module(func.value):
            return name in _FRESH or isinstance(getattr(np, name, None), np.ufunc)
        return isinstance(func, gast.Attribute) and name == "copy"

    def mutates(self, call) -> bool:
        """Whether ``call`` may update or keep an argument (or its receiver)."""
        if not self.pure(call) or any(k.arg == "out" for k in call.keywords):
            return True
        return _callee_name(call) in _UPDATING

    def _numeric(self, e) -> bool:
        """A number or an array: arithmetic on it makes a new one (on a list it may not)."""
        if isinstance(e, gast.Constant):
            return isinstance(e.value, (int, float)) and not isinstance(e.value, bool)
        return isinstance(e, gast.Name) and e.id in self.floats or self.makes_new(e)

    def _call_roots(self, call) -> set:
        func = call.func
        out = set() if not isinstance(func, gast.Attribute) or _is_module(func.value) \
            else self.roots(func.value)
        for a in list(call.args) + [k.value for k in call.keywords]:
            out |= self.roots(a)
        return out

    def _statement(self, s, names=None):
        if isinstance(s, gast.FunctionDef):
            self._update(nodes.names_loaded(s))               # a closure may do anything
            return
        for e in _expressions(s):
            self._scan(e, names)
        if isinstance(s, gast.Assign):
            for t in s.targets:
                self._bind(t, self.roots(s.value))
        elif isinstance(s, (gast.AugAssign, gast.AnnAssign)) and s.value is not None:
            self._bind(s.target, self.roots(s.value))
            if isinstance(s, gast.AugAssign):
                self._update(self.roots(s.target) | self.roots(s.value))
        elif isinstance(s, gast.For):
            self._bind(s.target, self.roots(s.iter))
        elif isinstance(s, gast.Return) and s.value is not None:
            self._exposed |= self.roots(s.value)
        elif isinstance(s, (gast.Global, gast.Nonlocal)):
            self._update(set(s.names))
            self._exposed |= set(s.names)

    def _scan(self, e, names=None):
        """Calls that may update their arguments, closures, yields, ``:=``; with
        ``names``, the names ``e`` assigns and loads are added to them on the way."""
        for n in nodes.walk(e):
            cls = n.__class__
            if cls in _INERT:                     # most nodes: nothing to note
                continue
            if cls is gast.Name:
                if names is not None and isinstance(n.ctx, gast.Load):
                    names[1].add(n.id)
                elif names is not None and isinstance(n.ctx, (gast.Store, gast.Param)):
                    names[0].add(n.id)
            elif isinstance(n, gast.FunctionDef) and names is not None:
                names[0].add(n.name)
            elif isinstance(n, gast.Call) and self.mutates(n):
                receiver = self.roots(n.func.value) if isinstance(n.func, gast.Attribute) \
                    and not _is_module(n.func.value) else set()
                self._update(receiver.union(*(self.roots(a) for a in n.args),
                                            *(self.roots(k.value) for k in n.keywords)))
            elif isinstance(n, gast.Lambda):
                self._update(nodes.names_loaded(n.body))
            elif isinstance(n, (gast.Yield, gast.YieldFrom)) and n.value is not None:
                self._update(self.roots(n.value))
                self._exposed |= self.roots(n.value)
            elif isinstance(n, gast.NamedExpr):
                self._bind(n.target, self.roots(n.value))

    def _bind(self, target, roots):
        if isinstance(target, gast.Name):
            for r in roots:
                self._union(target.id, r)
        elif isinstance(target, (gast.Tuple, gast.List)):
            for t in target.elts:
                self._bind(t, roots)
        elif isinstance(target, gast.Starred):
            self._bind(target.value, roots)
        else:                                      # y[i] = v, o.a = v: an update, v kept
            self._update(self.roots(target) | roots)

    def _update(self, names):
        self._updated |= set(names)

    def _find(self, name):
        parent = self._parent
        while parent.get(name, name) != name:
            parent[name] = parent.get(parent[name], parent[name])
            name = parent[name]
        return name

    def _union(self, a, b):
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[ra] = rb
            for facts in (self._updated, self._exposed):
                if ra in facts:
                    facts.add(rb)

    def share(self, names, sink):
        """Record that a rewrite made ``sink`` receive the object of ``names``."""
        if sink == RETURN:
            self._exposed |= {self._find(n) for n in names}
        elif isinstance(sink, tuple):
            for t in sink:
                for n in names:
                    self._union(t, n)


# nodes _scan has nothing to note of (their children are walked on their own)
_INERT = frozenset({gast.Constant, gast.BinOp, gast.UnaryOp, gast.BoolOp, gast.Compare,
                    gast.Attribute, gast.Subscript, gast.Tuple, gast.List, gast.Slice,
                    gast.IfExp, gast.keyword, gast.Starred, gast.Assign, gast.AugAssign,
                    gast.Return, gast.Expr, gast.If, gast.For, gast.While, gast.Pass})


def _expressions(s):
    """The expressions of a statement, without the bodies of a compound one."""
    if isinstance(s, (gast.If, gast.While)):
        return [s.test]
    if isinstance(s, gast.For):
        return [s.iter]
    return [s]


def _is_compound(s) -> bool:
    return isinstance(s, (gast.If, gast.For, gast.While))


def _is_module(e) -> bool:
    return isinstance(e, gast.Name) and e.id in _MODULES


def _callee_name(call) -> str:
    func = call.func
    return func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", "")


class SinkTracker(nodes.Transformer):
    """A transformer that knows, while it visits an expression, where the expression's
    value goes (``self.sink``): CONSUMED, DISCARDED, IMPURE, RETURN, or the names it is
    stored to; with ``self.objects`` it can tell whether that value may be an alias."""

    def __init__(self, objects):
        self.objects, self.sink = objects, DISCARDED

    def may_alias(self, e) -> bool:
        """Whether ``e``, which may be an existing object, can stand where the visited
        expression made a new one; if so, the analysis records the sharing."""
        names = self.objects.roots(e)
        if not self.objects.may_share(names, self.sink):
            return False
        self.objects.share(names, self.sink)
        return True

    def generic_visit(self, node):
        cls = node.__class__
        if cls is gast.Constant or cls is gast.Name and node.annotation is None:
            return node                     # nothing below: no sink to set
        saved, self.sink = self.sink, self._sink_below(node)
        try:
            return super().generic_visit(node)
        finally:
            self.sink = saved

    def visit_FunctionDef(self, node):
        saved = self.objects
        self.objects = Objects.of(node, saved.floats, saved.pure)
        try:
            return self.generic_visit(node)
        finally:
            self.objects = saved

    visit_Lambda = visit_FunctionDef

    def _sink_below(self, node):
        """Where the values of ``node``'s child expressions go."""
        roots = self.objects.roots
        if isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.For)):
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            return tuple(sorted(set().union(*(roots(t) for t in targets))))
        if isinstance(node, (gast.Return, gast.Lambda)):
            return RETURN
        if isinstance(node, (gast.If, gast.While)):
            return CONSUMED
        if isinstance(node, gast.stmt):
            return DISCARDED
        if isinstance(node, gast.Call) and self.objects.mutates(node):
            return IMPURE
        if self.objects.makes_new(node):
            return CONSUMED
        return self.sink
