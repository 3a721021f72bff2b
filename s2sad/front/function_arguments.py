"""A nested def (or lambda) that reads the enclosing function's variables, passed to a
helper of the same module, becomes a call of a copy of the helper nested beside it,
in which the parameter is the nested def itself: lambda lifting (front/closures.py)
then passes the captured values to both, and the derivative follows them.

``integrate(lambda x: np.sqrt(x ** 2 + k ** 2), -1.0, 1.0)`` inside ``f(k)`` reads
``k`` through the lambda; as an argument of ``integrate``, which s2sad differentiates
on its own, that dependence would be lost (a located ``closure-over-active``). The
copy ``integrate_with_lambda_L5(a, b, n=50)`` calls ``lambda_L5`` by name instead.

>>> import gast
>>> from s2sad.tree import emit
>>> module = gast.parse('''
... def integrate(g, a, b):
...     return g(a) + g(b)
... def f(k):
...     def sq(x):
...         return x * k
...     return integrate(sq, 1.0, 2.0)
... ''')
>>> tree = module.body[1]
>>> specialize(tree, {"integrate": module.body[0]})
('integrate',)
>>> print(emit.source(tree), end="")
def f(k):
    def sq(x):
        return x * k
    def integrate_with_sq(a, b):
        return sq(a) + sq(b)
    return integrate_with_sq(1.0, 2.0)

Only helpers of the module being read (their globals are the function's, their
lines are in its file) are copied, and only where the copy means what the call did:
the helper is a plain def (no ``*args``, no nested defs or lambdas, not recursive)
that does not rebind the parameter, and no name it reads from the module is one
the enclosing function binds. Anything else is left as written.
"""
from __future__ import annotations

import copy
import textwrap

import gast

from ..errors import S2SadError
from ..tree import nodes
from .closures import outer_names


def specialize(tree: gast.FunctionDef, helpers: dict) -> tuple:
    """Rewrite, in place, calls in ``tree``'s body that pass one of its nested defs to a
    helper in ``helpers`` (name -> the helper's def, its lines placed in the file).
    Returns the names of the helpers copied: what the derivative depends on, though the
    body no longer calls them by those names."""
    defs = _nested_defs(tree)
    if not defs:
        return ()
    bound = outer_names(tree)
    made = {}
    for i, stmt in reversed(list(enumerate(tree.body))):
        if isinstance(stmt, gast.FunctionDef):
            continue
        for call in [n for n in nodes.walk(stmt) if isinstance(n, gast.Call)]:
            copied = _specialized(call, helpers, defs, bound, made)
            if copied is not None:
                tree.body.insert(i, copied)
    return tuple(sorted(made.values()))


def _nested_defs(tree) -> set:
    """The defs in ``tree``'s body, those in its loops and branches too."""
    return {s.name for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.FunctionDef)}


def _specialized(call, helpers, defs, bound, made):
    """The copy to insert (None if made before or not possible); rewrites ``call``."""
    if not isinstance(call.func, gast.Name) or call.func.id not in helpers:
        return None
    helper = helpers[call.func.id]
    passed = _passed_defs(call, helper, defs)
    if not passed or not _copyable(helper, set(passed.values()), bound):
        return None
    name = f"{helper.name}_with_{'_'.join(passed[p] for p in sorted(passed))}"
    call.func = gast.copy_location(nodes.name(name), call.func)
    params = _params(helper)
    call.args = [a for i, a in enumerate(call.args) if params[i] not in passed]
    call.keywords = [k for k in call.keywords if k.arg not in passed]
    if name in made or name in bound:
        return None
    made[name] = helper.name
    return _copy(helper, name, passed)


def _params(helper) -> list:
    return [a.id for a in helper.args.posonlyargs + helper.args.args]


def _passed_defs(call, helper, defs) -> dict:
    """helper parameter -> nested def passed to it by name (positionally or by keyword)."""
    if any(isinstance(a, gast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return {}
    params = _params(helper)
    if len(call.args) > len(params):
        return {}
    passed = {params[i]: a.id for i, a in enumerate(call.args)
              if isinstance(a, gast.Name) and a.id in defs}
    passed.update({k.arg: k.value.id for k in call.keywords
                   if k.arg in params and isinstance(k.value, gast.Name)
                   and k.value.id in defs})
    return passed


def _copyable(helper, passed_defs, bound) -> bool:
    args = helper.args
    if args.vararg or args.kwarg or helper.decorator_list:
        return False
    inner = [n for n in nodes.walk(helper) if n is not helper and isinstance(
        n, (gast.FunctionDef, gast.Lambda, gast.ClassDef, gast.Global, gast.Nonlocal))]
    if inner:
        return False
    own = {n.id for n in nodes.walk(helper) if isinstance(n, gast.Name)
           and isinstance(n.ctx, (gast.Store, gast.Del))}
    params = set(_params(helper)) | {a.id for a in args.kwonlyargs}
    read = nodes.names_loaded(helper) - own - params
    return helper.name not in read and not (read & (bound - passed_defs))


def _copy(helper, name: str, passed: dict) -> gast.FunctionDef:
    """The helper as a nested def named ``name`` whose passed parameters are the defs."""
    made = copy.deepcopy(helper)
    made.name = name
    args = made.args
    first = args.posonlyargs + args.args
    defaulted = first[len(first) - len(args.defaults):]
    args.defaults = [d for a, d in zip(defaulted, args.defaults) if a.id not in passed]
    args.posonlyargs = [a for a in args.posonlyargs if a.id not in passed]
    args.args = [a for a in args.args if a.id not in passed]
    for n in nodes.walk(made):
        if isinstance(n, gast.Name) and n.id in passed:
            n.id = passed[n.id]
    return made


def helpers_of(func, tree, first: int, indent: int, source_of) -> dict:
    """The defs of ``func``'s module that ``tree`` calls with one of its nested defs as
    an argument, parsed from the file with their nodes at the lines ``tree``'s
    numbering gives them (``first``: the line ``tree`` starts on; ``source_of``: the
    parser's freshness-checked source reader)."""
    defs = _nested_defs(tree)
    names = {c.func.id for c in nodes.walk(tree) if isinstance(c, gast.Call)
             and isinstance(c.func, gast.Name) and c.func.id not in outer_names(tree)
             and any(isinstance(a, gast.Name) and a.id in defs
                     for a in list(c.args) + [k.value for k in c.keywords])}
    found = {}
    for name in sorted(names):
        helper = func.__globals__.get(name)
        if not (isinstance(helper, type(func)) and helper.__globals__ is func.__globals__
                and helper.__code__.co_filename == func.__code__.co_filename
                and not helper.__code__.co_freevars):
            continue
        try:
            text, start = source_of(helper)
        except S2SadError:         # no source, or stale: the call stays as written
            continue
        if len(text) - len(text.lstrip(" ")) != indent:
            continue
        parsed = gast.parse(textwrap.dedent(text))
        if not parsed.body or not isinstance(parsed.body[0], gast.FunctionDef):
            continue
        for n in gast.walk(parsed.body[0]):
            if hasattr(n, "lineno"):
                n.lineno += start - first
                if getattr(n, "end_lineno", None) is not None:
                    n.end_lineno += start - first
        found[name] = parsed.body[0]
    return found
