"""Part of normalize: a frozen ``scipy.stats`` distribution's method written as the
distribution's method called with the parameters (which has rules), as SciPy computes it:
``norm(mu, s).logpdf(x)`` is ``norm.logpdf(x, mu, s)``.

Three spellings are lowered: a freeze called at once (``norm(mu, s).pdf(x)``); a name a
freeze is assigned to once in the function and read only by such method calls
(``d = norm(mu, s)`` ... ``d.logpdf(x)``: the name then holds the parameters, a tuple,
so a later rebinding of ``mu`` does not reach ``d``); a frozen distribution that is a
module global (``D.logpdf(x)``, with ``D.args`` and ``D.kwds`` read when it runs). Any
other use of a frozen distribution is left as it is, a located error if differentiated.

>>> import gast, scipy.stats
>>> from s2sad.tree import emit
>>> tree = gast.parse("def f(x, m):\\n    d = st.norm(m, 2.0)\\n    return d.pdf(x)").body[0]
>>> rewrite(tree, {"st": scipy.stats}.get)
>>> print(emit.source(tree), end="")
def f(x, m):
    d = (m, 2.0)
    return st.norm.pdf(x, d[0], d[1])
"""
from __future__ import annotations

import sys

import gast

from ..tree import nodes

# the methods of a frozen distribution that take one argument, then the parameters
METHODS = frozenset({"logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "logpmf", "pmf"})


def _kind(obj) -> str:
    names = {c.__name__ for c in type(obj).__mro__}
    if names & {"rv_generic", "multi_rv_generic"} and \
            type(obj).__module__.startswith("scipy.stats"):
        return "distribution"
    return "frozen" if "rv_frozen" in names else ""


def structure(obj):
    """For a frozen distribution, what its lowering is specialised on: the distribution's
    name, how many positional parameters it has and the names of its keywords (a module
    global rebound to another is compiled again); None for anything else."""
    if _kind(obj) != "frozen" or not isinstance(getattr(obj, "kwds", None), dict):
        return None
    return [getattr(obj.dist, "name", ""), len(obj.args), sorted(obj.kwds)]


def canonical(func):
    """A method of a distribution SciPy made to freeze parameters (``D.dist.logpdf``) as
    the same method of the public distribution of its name (``scipy.stats.norm.logpdf``,
    whose rule it is); anything else as it is."""
    owner = getattr(func, "__self__", None)
    if owner is None or _kind(owner) != "distribution":
        return func
    public = getattr(sys.modules.get("scipy.stats"), getattr(owner, "name", ""), None)
    if public is not owner and type(public) is type(owner):
        return getattr(public, getattr(func, "__name__", ""), func)
    return func


def rewrite(tree: gast.FunctionDef, lookup) -> None:
    """``lookup(name)``: what a free name means (a global, a closure's cell)."""
    local = nodes.names_stored(tree)

    def resolve(e):
        path = nodes.dotted_path(e, local)
        if path is None:
            return None
        head, *rest = path.split(".")
        obj = lookup(head)
        for attr in rest:
            obj = getattr(obj, attr, None)
        return obj

    _lower_names(tree, resolve)
    _Inline(resolve).visit(tree)


def _plain(call) -> bool:
    return isinstance(call, gast.Call) and not any(isinstance(a, gast.Starred)
                                                   for a in call.args) \
        and all(k.arg is not None for k in call.keywords)


def _method_call(node):
    """``(receiver, method, argument)`` for ``r.m(x)`` with m a frozen method, else None."""
    if _plain(node) and isinstance(node.func, gast.Attribute) and node.func.attr in METHODS \
            and len(node.args) == 1 and not node.keywords:
        return node.func.value, node.func.attr, node.args[0]
    return None


def _call_with(dist, method, x, args, keywords):
    func = gast.Attribute(value=nodes.clone(dist), attr=method, ctx=gast.Load())
    return gast.Call(func=func, args=[x] + list(args), keywords=list(keywords))


def _lower_names(tree, resolve) -> None:
    """``d = norm(mu, s)`` assigned once, read only as ``d.logpdf(x)``: d holds (mu, s)."""
    stores, loads = {}, {}
    for n in nodes.walk(tree):
        if isinstance(n, gast.Name):
            table = stores if isinstance(n.ctx, (gast.Store, gast.Del)) else loads
            table[n.id] = table.get(n.id, 0) + 1
    params = nodes.names_stored(tree.args)
    uses = {}
    for n in nodes.walk(tree):
        found = _method_call(n)
        if found and isinstance(found[0], gast.Name):
            uses.setdefault(found[0].id, []).append(n)
    if not uses:
        return
    for stmt in nodes.walk(tree):
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name) and _plain(stmt.value)):
            continue
        name = stmt.targets[0].id
        if name in params or stores.get(name) != 1 or not uses.get(name) \
                or len(uses[name]) != loads.get(name, 0) \
                or _kind(resolve(stmt.value.func)) != "distribution":
            continue
        freeze = stmt.value
        values = list(freeze.args) + [k.value for k in freeze.keywords]
        stmt.value = gast.copy_location(nodes.tuple_(values), freeze)

        def part(i):
            return nodes.subscript(nodes.name(name), gast.Constant(value=i, kind=None))
        for call in uses[name]:
            _, method, x = _method_call(call)
            positional = [part(i) for i in range(len(freeze.args))]
            keywords = [gast.keyword(arg=k.arg, value=part(len(freeze.args) + i))
                        for i, k in enumerate(freeze.keywords)]
            new = _call_with(freeze.func, method, x, positional, keywords)
            call.func, call.args, call.keywords = new.func, new.args, new.keywords


class _Inline(gast.NodeTransformer):
    """``norm(mu, s).logpdf(x)`` and a global frozen ``D.logpdf(x)``."""

    def __init__(self, resolve):
        self.resolve = resolve

    def visit_Call(self, node):
        self.generic_visit(node)
        found = _method_call(node)
        if found is None:
            return node
        receiver, method, x = found
        if _plain(receiver) and _kind(self.resolve(receiver.func)) == "distribution":
            new = _call_with(receiver.func, method, x, receiver.args, receiver.keywords)
            return gast.copy_location(new, node)
        frozen = self.resolve(receiver)
        if _kind(frozen) == "frozen" and isinstance(getattr(frozen, "kwds", None), dict):
            def read(attr, key):
                return nodes.subscript(gast.Attribute(value=nodes.clone(receiver), attr=attr,
                                                      ctx=gast.Load()),
                                       gast.Constant(value=key, kind=None))
            dist = gast.Attribute(value=nodes.clone(receiver), attr="dist", ctx=gast.Load())
            new = _call_with(dist, method, x, [read("args", i) for i in range(len(frozen.args))],
                             [gast.keyword(arg=k, value=read("kwds", k)) for k in frozen.kwds])
            return gast.copy_location(new, node)
        return node
