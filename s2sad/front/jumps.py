"""Part of normalize: jumps only at the ends of blocks, one return at the end.

The reverse sweep replays control flow backwards from recorded decisions, so
it needs to know exactly which statements ran. After this pass every
``break``/``continue``/``raise`` ends its block, and the statements that
followed a branch which may jump have moved into the branches that fall
through. A ``return`` inside a loop sets a flag and breaks; the function
ends in a single ``return``.

>>> print(_demo('''
... def f(x):
...     if x > 0:
...         return x
...     y = x * x
...     return y'''))
if x > 0:
    out = x
else:
    y = x * x
    out = y
return out
"""
from __future__ import annotations

import gast

from ..tree import emit, nodes
from . import sourcemap
from ..tree.names import NameGen

_JUMPS = (gast.Break, gast.Continue, gast.Return, gast.Raise)


def lower(body: list, gen: NameGen) -> list:
    body = _loop_returns(body, gen)
    if not always_jumps(body):
        body = body + [nodes.ret(nodes.const(None))]
    body = place(body)
    returns = [n for n in nodes.walk_stmts(body) if isinstance(n, gast.Return)]
    if len(returns) == 1 and body[-1] is returns[0]:
        return body
    out = gen.fresh("out")
    return _returns_to_assignments(body, out) + [nodes.ret(nodes.name(out))]


def always_jumps(block) -> bool:
    """True when control never falls off the end of ``block``."""
    for stmt in block:
        if isinstance(stmt, _JUMPS):
            return True
        if isinstance(stmt, gast.If) and always_jumps(stmt.body) and always_jumps(stmt.orelse):
            return True
    return False


def may_jump(stmt) -> bool:
    """True when ``stmt`` may leave its block early (jumps inside nested loops stay there)."""
    if isinstance(stmt, _JUMPS):
        return True
    if isinstance(stmt, gast.If):
        return any(may_jump(s) for s in stmt.body + stmt.orelse)
    if isinstance(stmt, (gast.For, gast.While)):
        return any(isinstance(n, (gast.Return, gast.Raise)) for n in nodes.walk_stmts(stmt.body))
    return False


def place(block: list) -> list:
    """Drop dead code after jumps; move what follows a jumping branch into the other."""
    out = []
    for i, stmt in enumerate(block):
        if isinstance(stmt, (gast.For, gast.While)):
            stmt.body = place(stmt.body)
        if isinstance(stmt, _JUMPS):
            out.append(stmt)
            return out
        if isinstance(stmt, gast.If):
            rest = block[i + 1:]
            if rest and may_jump(stmt):
                # what follows runs only on the paths that fall through
                if not always_jumps(stmt.body):
                    stmt.body = stmt.body + nodes.clone(rest)
                if not always_jumps(stmt.orelse):
                    stmt.orelse = stmt.orelse + rest
                rest = []
            stmt.body, stmt.orelse = place(stmt.body), place(stmt.orelse)
            out.append(stmt)
            if not rest:
                return out
            continue
        out.append(stmt)
    return out


def _loop_returns(block: list, gen: NameGen) -> list:
    """``return v`` inside a loop -> ``out = v; returned = True; break`` and a test after."""
    out = []
    for stmt in block:
        if isinstance(stmt, gast.If):
            stmt.body = _loop_returns(stmt.body, gen)
            stmt.orelse = _loop_returns(stmt.orelse, gen)
        if isinstance(stmt, (gast.For, gast.While)):
            stmt.body = _loop_returns(stmt.body, gen)
            if any(isinstance(n, gast.Return) for n in nodes.walk_stmts(stmt.body)):
                value, flag = gen.fresh("out"), gen.fresh("returned")
                stmt.body = _return_to_break(stmt.body, value, flag)
                out.append(nodes.assign(flag, nodes.const(False)))
                out.append(stmt)
                out.append(nodes.if_(nodes.name(flag), [nodes.ret(nodes.name(value))]))
                continue
        out.append(stmt)
    return out


def _return_to_break(block, value: str, flag: str) -> list:
    out = []
    for stmt in block:
        if isinstance(stmt, gast.Return):
            out += sourcemap.stamp([nodes.assign(value, stmt.value),
                                    nodes.assign(flag, nodes.const(True)), nodes.break_()],
                                   sourcemap.line_of(stmt))
            return out
        if isinstance(stmt, gast.If):
            stmt.body = _return_to_break(stmt.body, value, flag)
            stmt.orelse = _return_to_break(stmt.orelse, value, flag)
        out.append(stmt)
    return out


def _returns_to_assignments(block, out_name: str) -> list:
    result = []
    for stmt in block:
        if isinstance(stmt, gast.Return):
            result += sourcemap.stamp([gast.copy_location(nodes.assign(out_name, stmt.value),
                                                          stmt)], sourcemap.line_of(stmt))
            continue
        if isinstance(stmt, gast.If):
            stmt.body = _returns_to_assignments(stmt.body, out_name)
            stmt.orelse = _returns_to_assignments(stmt.orelse, out_name)
        result.append(stmt)
    return result


def _demo(text: str) -> str:
    tree = gast.parse(text.strip()).body[0]
    body = lower(tree.body, NameGen.for_tree(tree))
    return "\n".join(emit.unparse(s) for s in body)
