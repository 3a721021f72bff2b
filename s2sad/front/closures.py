"""Lambda lifting: a nested def that reads the enclosing function's variables gets
them as keyword parameters, and each of its calls passes them.

``def predict(x): return np.tanh(x @ params["W"])`` inside ``loss(params)`` becomes
``def predict(x, *, params)``, called as ``predict(x, params=params)``: the same
value as the closure reads (the variable's value when the call runs), now an
argument, which the nested-def call machinery differentiates (a name the nested def
only calls, a function value, stays a closure's). A nested def used
other than by calling it (returned, stored, passed on) escapes: it is left as
written, and reading a differentiated value there stays a located error.

>>> import gast
>>> from s2sad.tree import emit
>>> tree = gast.parse('''
... def loss(params, x):
...     def predict(x):
...         return np.tanh(x @ params)
...     return np.sum(predict(x))
... ''').body[0]
>>> lift(tree)
>>> print(emit.source(tree), end="")
def loss(params, x):
    def predict(x, *, params):
        return np.tanh(x @ params)
    return np.sum(predict(x, params=params))
"""
from __future__ import annotations

import gast

from ..tree import nodes


def lift(tree: gast.FunctionDef) -> None:
    """Rewrite ``tree``'s nested defs (those directly in its body) in place."""
    defs = [s for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.FunctionDef)]
    names = [d.name for d in defs]
    if not defs or len(set(names)) < len(names):
        return                    # none, or a name defined twice: left as written
    own = outer_names(tree) - set(names)
    liftable = {d.name: d for d in defs if not _escapes(tree, d.name)}
    captured = {n: (_free(d) & own) - _functions(d) for n, d in liftable.items()}
    changed = True
    while changed:                # a lifted def called by another: its callers need
        changed = False           # what it captures too
        for n, d in liftable.items():
            for callee in _called(d) & set(captured):
                extra = captured[callee] - captured[n]
                if extra & _bound(d):
                    return        # the callee's capture shadowed in the caller: as written
                if extra:
                    captured[n] |= extra
                    changed = True
    for n, d in liftable.items():
        extra = sorted(captured[n])
        d.args.kwonlyargs += [nodes.name(c, store=False) for c in extra]
        for a in d.args.kwonlyargs[len(d.args.kwonlyargs) - len(extra):]:
            a.ctx = gast.Param()
        d.args.kw_defaults += [None] * len(extra)
    for call in nodes.walk(tree):
        if isinstance(call, gast.Call) and isinstance(call.func, gast.Name) \
                and captured.get(call.func.id):
            call.keywords += [gast.copy_location(gast.keyword(c, nodes.name(c)), call)
                              for c in sorted(captured[call.func.id])]


def outer_names(tree) -> set:
    """Names the enclosing function binds itself (parameters, assignments, loop
    targets), not those bound only inside its nested defs or lambdas."""
    out, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if node is not tree and isinstance(node, (gast.FunctionDef, gast.Lambda)):
            continue
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Param)):
            out.add(node.id)
        stack.extend(gast.iter_child_nodes(node))
    return out


def _bound(d) -> set:
    """Names ``d`` binds: its parameters and assignments, and the defs nested in it
    (``def predict`` inside ``make`` binds ``predict`` there, whatever the enclosing
    function calls its own ``predict``)."""
    return {n.id for n in nodes.walk(d)
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param))} | \
        {n.name for n in nodes.walk(d) if isinstance(n, gast.FunctionDef) and n is not d}


def _free(d) -> set:
    """Names a nested def reads that it does not bind itself."""
    return nodes.names_loaded(d) - _bound(d)


def _functions(d) -> set:
    """Names a nested def only calls (``act(z)``): function values, read as closures
    (passed as arguments, they would be calls of a parameter s2sad cannot see)."""
    funcs = {id(c.func) for c in nodes.walk(d) if isinstance(c, gast.Call)}
    names = [n for n in nodes.walk(d) if isinstance(n, gast.Name)]
    return {n.id for n in names if id(n) in funcs} - \
        {n.id for n in names if id(n) not in funcs}


def _called(d) -> set:
    return {c.func.id for c in nodes.walk(d)
            if isinstance(c, gast.Call) and isinstance(c.func, gast.Name)}


def _escapes(tree, name: str) -> bool:
    """Whether ``name`` is read other than as the function of a call (or rebound)."""
    calls = {id(c.func) for c in nodes.walk(tree) if isinstance(c, gast.Call)}
    for n in nodes.walk(tree):
        if isinstance(n, gast.Name) and n.id == name:
            if isinstance(n.ctx, (gast.Store, gast.Param, gast.Del)) or id(n) not in calls:
                return True
    return False
