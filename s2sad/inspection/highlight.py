r"""Syntax highlighting of generated source, on the standard library's ``tokenize``.

:class:`Source` is what :func:`s2sad.source` returns: a ``str`` (so it prints,
compares and concatenates as the text it is) that Jupyter shows highlighted
(``_repr_html_``, inline styles only) and that ``.ansi()`` colours for a
terminal.

>>> [(kind, text) for kind, text in tokens("def f(x):  # hi\n    return np.sin(x)\n")
...  if kind]
[('keyword', 'def'), ('function', 'f'), ('comment', '# hi'), ('keyword', 'return'),
 ('runtime', 'np')]
"""
from __future__ import annotations

import html
import io
import keyword
import tokenize

# s2sad's runtime names, which generated code imports (compile.RUNTIME_NAMES)
RUNTIME = frozenset({"np", "math", "_rt"})

_HTML = {"keyword": "color:#0000cc;font-weight:bold", "string": "color:#a31515",
         "number": "color:#098658", "comment": "color:#6a737d;font-style:italic",
         "runtime": "color:#795e26", "function": "color:#001080;font-weight:bold"}
_ANSI = {"keyword": "1;34", "string": "31", "number": "32", "comment": "2;3",
         "runtime": "33", "function": "1;36"}
_PRE = ("margin:0;padding:0.5em;background:#f8f8f8;color:#1f2328;line-height:1.35;"
        "font-family:Menlo,Consolas,'DejaVu Sans Mono',monospace;font-size:90%")


def tokens(text: str) -> list:
    """``(kind, text)`` pieces that concatenate back to ``text``; kind is one of
    keyword, string, number, comment, runtime, function, or None (the rest)."""
    lines = text.splitlines(True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    pieces, done, after_def = [], 0, False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            start = starts[tok.start[0] - 1] + tok.start[1] if tok.start[0] <= len(lines) \
                else len(text)
            end = starts[tok.end[0] - 1] + tok.end[1] if tok.end[0] <= len(lines) else len(text)
            if start < done or end <= start:
                continue
            kind = _kind(tok, after_def)
            after_def = tok.type == tokenize.NAME and tok.string in ("def", "class")
            if start > done:
                pieces.append((None, text[done:start]))
            pieces.append((kind, text[start:end]))
            done = end
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass                                    # not Python: the rest stays plain
    if done < len(text):
        pieces.append((None, text[done:]))
    return pieces


def _kind(tok, after_def: bool):
    if tok.type == tokenize.COMMENT:
        return "comment"
    if tok.type == tokenize.STRING:
        return "string"
    if tok.type == tokenize.NUMBER:
        return "number"
    if tok.type == tokenize.NAME:
        if after_def:
            return "function"
        if keyword.iskeyword(tok.string):
            return "keyword"
        if tok.string in RUNTIME:
            return "runtime"
    return None


def to_html(text: str) -> str:
    """A ``<pre>`` block with inline styles (no stylesheet: notebooks strip them)."""
    spans = [html.escape(piece) if kind is None else
             f'<span style="{_HTML[kind]}">{html.escape(piece)}</span>'
             for kind, piece in tokens(text)]
    return f'<pre style="{_PRE}">{"".join(spans)}</pre>'


def to_ansi(text: str) -> str:
    """The text with ANSI colour codes (each coloured piece reset after itself)."""
    out = []
    for kind, piece in tokens(text):
        if kind is None:
            out.append(piece)
        else:     # colour each line on its own, so a pager or a cut line stays clean
            out.append("\n".join(f"\x1b[{_ANSI[kind]}m{part}\x1b[0m" if part else part
                                 for part in piece.split("\n")))
    return "".join(out)


class Source(str):
    """Generated source text: a ``str`` that renders highlighted in Jupyter."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return to_html(str(self))

    def ansi(self) -> str:
        """The text coloured with ANSI escape codes, for a terminal."""
        return to_ansi(str(self))
