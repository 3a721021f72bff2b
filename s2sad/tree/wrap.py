"""Long generated lines broken inside brackets, as a person would (no formatter needed).

A line over :data:`WIDTH` characters is broken after the opening bracket whose
contents are the longest, at its top-level commas: continuation lines align with
the bracket when they fit there, else hang four spaces in. A piece still too long
is broken the same way. The result parses to the same tree, or the line stays as
it was.

>>> line = "    g = _rt.unbroadcast(b_s, s) + _rt.unreduce(-_rt.unbroadcast(b_s, v4), s, v4, 1)"
>>> print("\\n".join(wrap(line, width=60)))
    g = _rt.unbroadcast(b_s, s) + _rt.unreduce(
        -_rt.unbroadcast(b_s, v4), s, v4, 1)
>>> print("\\n".join(wrap("    return (f(a, b), g(c, d), h(e, f))", width=30)))
    return (f(a, b), g(c, d),
            h(e, f))
"""
from __future__ import annotations

import ast

WIDTH = 100
_OPEN, _CLOSE = "([{", ")]}"
_HANG = 4


def wrap(line: str, width: int = WIDTH) -> list:
    """``line`` (one statement as ``ast.unparse`` writes it) as lines of at most
    ``width`` characters where its brackets allow."""
    if len(line) <= width:
        return [line]
    broken = _broken(line, width)
    if broken is None or not _same_code(line, broken):
        return [line]
    return broken


def _broken(line: str, width: int):
    group = _widest_group(line)
    if group is None:
        return None
    start, end = group
    inner = line[start + 1:end]
    pieces = _split_commas(inner)
    if inner.rstrip().endswith(","):
        pieces[-1] += ","                   # a one-element tuple keeps its comma
    head, tail = line[:start + 1], line[end:]
    if start + 1 + max(len(p) for p in pieces) + len(tail) + 1 <= width:
        lines = _fill(head, pieces, tail, " " * (start + 1), width)
    else:
        hang = " " * (len(line) - len(line.lstrip()) + _HANG)
        lines = [head.rstrip()] + _fill(hang, pieces, tail, hang, width)
    out = []
    for text in lines:
        deeper = _broken(text, width) if len(text) > width else None
        out += deeper or [text]
    return out


def _fill(first: str, pieces: list, tail: str, indent: str, width: int) -> list:
    """``pieces`` joined by ``, `` on lines starting with ``first``, then ``indent``."""
    lines, current, fresh = [], first, True
    for k, piece in enumerate(pieces):
        text = piece + ("," if k < len(pieces) - 1 else tail)
        if fresh:
            current += text
        elif len(current) + 1 + len(text) <= width:
            current += " " + text
        else:
            lines.append(current)
            current = indent + text
        fresh = False
    return lines + [current]


def _widest_group(line: str):
    """(open, close) indices of the bracket pair with the most text inside that holds a
    top-level comma (else the widest), or None."""
    best = None
    for start, end in _groups(line):
        inner = line[start + 1:end]
        score = (len(_split_commas(inner)) > 1, end - start)
        if best is None or score > best[0]:
            best = (score, (start, end))
    return None if best is None or best[0][1] < 2 else best[1]


def _groups(line: str):
    """Matched bracket pairs, outside string literals."""
    stack, quote = [], None
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in _OPEN:
            stack.append(i)
        elif c in _CLOSE and stack:
            yield stack.pop(), i
        i += 1


def _split_commas(text: str) -> list:
    """``text`` cut at commas outside brackets and strings (each piece stripped)."""
    pieces, depth, quote, current = [], 0, None, ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                current += c
                i += 1
                c = text[i] if i < len(text) else ""
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif c == "," and depth == 0:
            pieces.append(current.strip())
            current = ""
            i += 1
            continue
        current += c
        i += 1
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _same_code(line: str, lines: list) -> bool:
    """Whether the broken lines are the same statement as ``line``."""
    try:
        before = ast.dump(ast.parse(line.strip()))
        after = ast.dump(ast.parse("\n".join(lines).strip()))
    except SyntaxError:
        return False
    return before == after
