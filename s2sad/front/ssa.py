"""Part of normalize: SSA names for straight-line code.

A name assigned only by statements at the function's top level gets a new
version at each reassignment (``x``, ``x_1``, ``x_2``, ...), so the adjoint
sweep can read every value without a tape. A name assigned inside a branch
or loop keeps one name; the tape handles what it overwrites.

>>> print(_demo('''
... def f(x):
...     y = x * x
...     y = y + x
...     x = y * 2.0
...     return x'''))
y = x * x
y_1 = y + x
x_1 = y_1 * 2.0
return x_1
"""
from __future__ import annotations

import gast

from ..tree import emit, nodes
from ..tree.names import NameGen


def rename(tree: gast.FunctionDef, gen: NameGen, versions=None) -> list:
    """The body of ``tree`` with top-level-only names versioned; ``versions`` (a dict,
    if given) gets each version's user name, for messages."""
    nested = set()
    for stmt in tree.body:
        if not isinstance(stmt, gast.Assign):
            nested |= nodes.names_stored(stmt)
    for inner in nodes.walk(tree):                # read by a nested def when it runs
        if isinstance(inner, gast.FunctionDef) and inner is not tree:
            nested |= nodes.names_loaded(inner)
    params = nodes.names_stored(tree.args)
    current: dict[str, str] = {}
    seen: set[str] = set(params)
    body = []
    for stmt in tree.body:
        stmt = nodes.substitute(stmt, dict(current))
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            target = stmt.targets[0].id
            if target not in nested:
                if target in seen:
                    version = gen.numbered(target, sep="_")
                    current[target] = version
                    if versions is not None:
                        versions[version] = target
                    stmt.targets[0] = nodes.name(version, store=True)
                seen.add(target)
        body.append(stmt)
    return body


def _demo(text: str) -> str:
    tree = gast.parse(text.strip()).body[0]
    body = rename(tree, NameGen.for_tree(tree))
    return "\n".join(emit.unparse(s) for s in body)
