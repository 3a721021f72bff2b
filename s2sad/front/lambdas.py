"""Lambdas inside a differentiated function become nested defs, which the rest of
the pipeline differentiates (lambda lifting included): ``sq = lambda v: v * x``
becomes ``def sq(v): return v * x``, and a lambda inside an expression is defined
just before its statement under a name of its own. A lambda creates a function and
nothing else, and reads its free variables when it is called, so defining it a
statement earlier changes nothing, except for defaults that are not constants
(evaluated when the lambda is made) and lambdas inside a comprehension or another
lambda (which read that scope's variables): those stay as written, a located error.

>>> import gast
>>> from s2sad.tree import emit
>>> tree = gast.parse('''
... def f(x):
...     sq = lambda v: v * x
...     return np.sum(sq(x)) + np.sum((lambda v, k=2.0: v * k)(x))
... ''').body[0]
>>> hoist(tree)
>>> print(emit.source(tree), end="")
def f(x):
    def sq(v):
        return v * x
    def lambda_L4(v, k=2.0):
        return v * k
    return np.sum(sq(x)) + np.sum(lambda_L4(x))
"""
from __future__ import annotations

import gast

_SCOPES = (gast.Lambda, gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp,
           gast.FunctionDef)


def hoist(tree: gast.FunctionDef, line_offset: int = 0) -> None:
    """Rewrite the lambdas of ``tree``'s own body (not of its nested defs) in place; a
    lambda's def is named by its line in the file (``line_offset``: the tree's first
    line's, less one)."""
    taken = {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)}
    tree.body = _block(tree.body, (taken, line_offset))


def _block(stmts, taken) -> list:
    out = []
    for s in stmts:
        if isinstance(s, gast.FunctionDef):
            out.append(s)
            continue
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                setattr(s, field, _block(inner, taken))
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and _movable(s.value):
            out.append(_definition(s.targets[0].id, s.value))
            continue
        out += [_definition(name, lam) for name, lam in _lift_from(s, taken)]
        out.append(s)
    return out


def _lift_from(stmt, taken) -> list:
    """``(name, lambda)`` for each movable lambda in ``stmt``'s own expressions (not in
    its nested blocks), each replaced there by its name."""
    found = []

    def visit(node):
        for field, value in gast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for k, child in enumerate(items):
                if not isinstance(child, gast.AST) or isinstance(child, gast.stmt):
                    continue
                if isinstance(child, gast.Lambda) and _movable(child):
                    names, offset = taken
                    name = _fresh(f"lambda_L{child.lineno + offset}", names)
                    found.append((name, child))
                    ref = gast.copy_location(gast.Name(id=name, ctx=gast.Load(),
                                                       annotation=None, type_comment=None),
                                             child)
                    if isinstance(value, list):
                        value[k] = ref
                    else:
                        setattr(node, field, ref)
                elif not isinstance(child, _SCOPES):
                    visit(child)
    visit(stmt)
    return found


def _movable(node) -> bool:
    if not isinstance(node, gast.Lambda):
        return False
    defaults = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
    return all(isinstance(d, gast.Constant) for d in defaults) \
        and not any(isinstance(n, _SCOPES) for n in gast.walk(node.body))


def _definition(name, lam) -> gast.FunctionDef:
    body = gast.copy_location(gast.Return(value=lam.body), lam.body)
    func = gast.FunctionDef(name=name, args=lam.args, body=[body], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    return gast.copy_location(func, lam)


def _fresh(base, taken) -> str:
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name
