r"""Source lines: which line of the user's file each generated statement comes from.

Normalize stamps every statement it writes with the user's line (temporaries
inherit the line of the statement they come from); the transforms stamp what
they derive from a statement with its line, and before optimization every
expression is stamped too (:func:`stamp_expressions`), so that one the optimizer
moves into a statement of another line still names its own. After optimization,
:func:`annotate` puts comments above the first statement of each run of
statements from the same lines (a statement made from several lines names each,
its own last), so the comments never meet the analyses or the optimizer and
cannot be orphaned by them.

>>> import gast
>>> from s2sad.tree import emit
>>> func = gast.parse("def f(x):\n    v1 = x * x\n    y = v1 + x\n    return y").body[0]
>>> _ = stamp(func.body[:2], 7)
>>> print(emit.source(annotate(func, [""] * 6 + ["    y = x * x + x  # the sum\n"])), end="")
def f(x):
    # line 7: y = x * x + x
    v1 = x * x
    y = v1 + x
    return y
"""
from __future__ import annotations

import re

import gast

from ..tree import emit, nodes

_ATTR = "s2sad_line"
_WIDTH = 70             # a longer source line is cut with an ellipsis


def stamp(stmts, line):
    """Mark each statement of ``stmts`` (not those nested in them) that has no line yet
    as derived from the user's ``line``; returns ``stmts``."""
    if line is not None:
        for stmt in stmts:
            if getattr(stmt, _ATTR, None) is None:
                setattr(stmt, _ATTR, line)
    return stmts


def stamp_all(stmts, line):
    """Mark ``stmts`` and every statement nested in them with ``line``."""
    if line is not None:
        for stmt in stmts:
            for node in nodes.walk(stmt):
                if isinstance(node, gast.stmt):
                    setattr(node, _ATTR, line)
    return stmts


def line_of(stmt):
    """The user's line ``stmt`` was derived from, or None."""
    return getattr(stmt, _ATTR, None)


def stamp_expressions(func):
    """Mark every expression of each statement in ``func`` (names and constants aside)
    with its statement's line, so that one the optimizer substitutes into a statement of
    another line still names the line it comes from; returns ``func``."""
    for stmt in nodes.walk(func):
        line = line_of(stmt) if isinstance(stmt, gast.stmt) else None
        if line is not None:
            for node in _own_expressions(stmt):
                setattr(node, _ATTR, line)
    return func


def lines_of(stmt) -> tuple:
    """The user's lines ``stmt`` computes: those of the expressions substituted into it,
    in the order the code reads, then its own (last: the comment nearest the code)."""
    own = line_of(stmt)
    lines = []
    for node in _own_expressions(stmt):
        line = getattr(node, _ATTR, None)
        if line is not None and line != own and line not in lines:
            lines.append(line)
    return tuple(lines) + ((own,) if own is not None else ())


def _own_expressions(stmt):
    """The expressions of ``stmt`` (not of the statements nested in it), in reading order;
    names and constants carry no computation of their own and are left out."""
    fields = nodes.child_fields
    stack = [getattr(stmt, f, None) for f in reversed(fields(stmt)) if f not in _BLOCKS]
    expr, leaves = gast.expr, (gast.Name, gast.Constant)
    while stack:
        item = stack.pop()
        if item.__class__ is list:
            stack.extend(reversed(item))
        elif isinstance(item, expr):
            if not isinstance(item, leaves):
                yield item
            stack.extend([getattr(item, f, None) for f in reversed(fields(item))])


_BLOCKS = ("body", "orelse", "handlers", "finalbody")


def describe(line: int, file_lines) -> str:
    """``line 7: y = np.sin(x) * w``, cut at about 70 characters."""
    text = file_lines[line - 1].strip() if 0 < line <= len(file_lines) else ""
    text = " ".join(text.split("#")[0].split()) if "#" in text and "'" not in text \
        and '"' not in text else text
    if len(text) > _WIDTH:
        text = text[:_WIDTH - 3].rstrip() + "..."
    elif _continues(text):
        text += " ..."                  # a statement over several lines: its first
    return f"line {line}: {text}" if text else f"line {line}"


def _continues(text: str) -> bool:
    """Whether a line opens more brackets than it closes, or ends with a backslash."""
    depth = sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
    return depth > 0 or text.endswith("\\")


def annotate(func: gast.FunctionDef, file_lines) -> gast.FunctionDef:
    """``func`` with a line comment above the first statement of each run of statements
    derived from one user line (in the order the code reads)."""
    state = {"last": None}
    func.body = _annotate_block(func.body, file_lines, state)
    return func


def _annotate_block(block, file_lines, state) -> list:
    out = []
    for stmt in block:
        lines = lines_of(stmt)
        if emit.is_comment(stmt):
            state["last"] = None        # a new section names its lines again
        elif lines and not _named_above(lines, line_of(stmt), state["last"]):
            out.append(emit.line_comment("\n".join(describe(line, file_lines)
                                                     for line in lines)))
            state["last"] = lines
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner and not isinstance(stmt, gast.FunctionDef):
                setattr(stmt, field, _annotate_block(inner, file_lines, state))
        out.append(stmt)
    return out


def _named_above(lines, own, above) -> bool:
    """Whether the comments above (naming ``above``) already name ``lines``, the nearest
    naming the statement's own line (the one an error in it is reported at)."""
    return above is not None and set(lines) <= set(above) and own in (None, above[-1])


ORIGINS: dict = {}
"""Generated filename -> (the user's filename, its lines, the def's line): where a
second derivative's error in generated code is reported."""

_COMMENT = re.compile(r"\s*# line (\d+)")


def register_origin(generated: str, filename: str, file_lines, def_line: int):
    """Generated code compiled under ``generated`` comes from ``filename`` (itself
    generated code, for a derivative of a derivative: its origin is followed)."""
    ORIGINS[generated] = ORIGINS.get(filename, (filename, tuple(file_lines), def_line))


def origin(generated: str, lineno: int, generated_lines):
    """``(filename, line, file_lines)`` in the user's file of line ``lineno`` of the
    generated code: the line its ``# line N`` comment names (the def where none does);
    None for code of unknown origin."""
    found = ORIGINS.get(generated)
    if found is None:
        return None
    filename, file_lines, line = found
    for text in reversed(generated_lines[:lineno]):
        match = _COMMENT.match(text)
        if match:
            line = int(match.group(1))
            break
    return filename, line, file_lines
