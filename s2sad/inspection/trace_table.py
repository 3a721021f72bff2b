"""The evaluation trace as data, and as tables and graphs (Baydin et al. 2018, Tables 2-3).

Inputs are ``v_-1, v_0`` (``v_{i-n}`` for n inputs), the executed assignments
``v_1 ... v_m`` in the order they ran (a loop's body gets fresh numbers on each
iteration; ``name`` says which variable of the code each one is), the output
``y``. A tangent is written ``v̇_i``, an adjoint ``v̄_i``. A tangent or adjoint
of ``None`` was not computed: the value does not depend on the ``wrt`` inputs,
does not reach the output, or carries no derivative (an int, a bool).
"""
from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError

DOT_ABOVE, BAR = "\u0307", "\u0304"       # v̇ (tangent) and v̄ (adjoint)


@dataclass(frozen=True)
class Row:
    """One trace variable."""

    variable: str          # "v_-1", "v_3", "y"
    name: str              # the name in the normalized code ("x1", "v3", "x")
    operation: str         # how it was computed, in trace variables: "np.log(v_-1)"
    value: object
    tangent: object        # forward mode, in the seed's direction; None: not computed
    adjoint: object        # reverse mode: d y / d variable; None: not computed
    tangent_rule: str      # "v̇_1 = v̇_-1 / v_-1" (the tangent code that ran)
    adjoint_rule: str      # the adjoint code that propagated this variable's adjoint
    operands: tuple        # the trace variables the operation reads
    line: int | None       # the line of the user's file it comes from


@dataclass(frozen=True)
class AdjointStep:
    """One statement of the adjoint sweep as it ran (the survey's Table 3, right)."""

    variable: str          # "v̄_0"
    rule: str              # "v̄_0 = v̄_0 + v̄_2 * v_-1"
    value: object


@dataclass(frozen=True)
class Trace:
    """What :func:`s2sad.trace` returns: ``rows``, ``adjoint_steps`` and renderings."""

    function: str
    rows: tuple
    adjoint_steps: tuple
    seed: str              # the tangent direction, e.g. "x1: 1, x2: 0"
    has_adjoints: bool     # False when the output is not a scalar

    def table(self, mode: str = "both", digits: int = 3) -> str:
        """Plain text: ``forward`` (primal and tangent trace), ``reverse`` (primal
        trace with adjoints, then the adjoint sweep) or ``both``."""
        if mode not in ("forward", "reverse", "both"):
            raise UsageError(f"table(mode={mode!r}): use 'forward', 'reverse' or 'both'",
                             "bad-mode")
        fmt = _Formatter(digits)
        forward, reverse = mode in ("forward", "both"), mode in ("reverse", "both")
        head = ["variable", "code", "operation", "value"]
        head += ["tangent rule", "tangent"] if forward else []
        head += ["adjoint"] if reverse else []
        body = []
        for row in self.rows:
            cells = [row.variable, row.name, row.operation, fmt(row.value)]
            cells += [row.tangent_rule, fmt(row.tangent)] if forward else []
            cells += [fmt(row.adjoint)] if reverse else []
            body.append(cells)
        title = f"evaluation trace of {self.function}"
        if forward:
            title += f"; tangents in the direction {self.seed}"
        out = [title, _aligned([head] + body)]
        if reverse and self.has_adjoints:
            sweep = [[s.rule, fmt(s.value)] for s in self.adjoint_steps]
            out += ["", "adjoint sweep, statements in the order they ran",
                    _aligned([["adjoint rule", "value"]] + sweep)]
        elif reverse:
            out += ["", "no adjoints: the output is not a scalar"]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table("both")

    def _repr_html_(self) -> str:
        fmt = _Formatter(3)
        head = ("variable", "code", "operation", "value", "tangent rule", "tangent", "adjoint")
        cells = [(r.variable, r.name, r.operation, fmt(r.value), r.tangent_rule, fmt(r.tangent),
                  fmt(r.adjoint)) for r in self.rows]
        caption = (f"evaluation trace of {self.function}; tangents in the direction "
                   f"{self.seed}")
        out = _html_table(caption, head, cells)
        if self.adjoint_steps:
            out += _html_table("adjoint sweep, statements in the order they ran",
                               ("adjoint rule", "value"),
                               [(s.rule, fmt(s.value)) for s in self.adjoint_steps])
        return out

    def to_dot(self, digits: int = 3) -> str:
        """The computational graph in Graphviz DOT: a node per trace variable (inputs
        as ellipses, operations as boxes, the output doubly circled), an edge per
        operand; values and adjoints on the nodes where the trace has them."""
        fmt = _Formatter(digits)
        lines = [f"digraph {_quote(self.function)} {{", "    rankdir=LR;",
                 '    node [fontname="monospace"];']
        for row in self.rows:
            text = [f"{row.variable} = {row.operation}" if row.variable != row.operation
                    else row.variable]
            if row.value is not None:
                text.append(f"value {fmt(row.value)}")
            if row.adjoint is not None:
                text.append(f"adjoint {fmt(row.adjoint)}")
            shape = ("ellipse" if not row.operands and row.variable != "y" else
                     "doublecircle" if row.variable == "y" else "box")
            label = "\\n".join(_escape(t) for t in text)
            lines.append(f'    {_quote(row.variable)} [label="{label}", shape={shape}];')
        for row in self.rows:
            for operand in row.operands:
                lines.append(f"    {_quote(operand)} -> {_quote(row.variable)};")
        return "\n".join(lines + ["}"]) + "\n"


def survey_name(ident: str, labels: dict) -> str:
    """``x1`` -> ``v_-1``, ``d_x1`` -> ``v̇_-1``, ``b_x1`` -> ``v̄_-1``; others as they are."""
    if ident in labels:
        return labels[ident]
    for prefix, mark in (("d_", DOT_ABOVE), ("b_", BAR)):
        if ident.startswith(prefix) and ident[2:] in labels:
            label = labels[ident[2:]]
            return label[0] + mark + label[1:]
    return ident


class _Formatter:
    """Numbers to the survey's precision (``0.693``, ``10``, ``5.5``); arrays by dtype,
    shape and their first few values."""

    def __init__(self, digits):
        self.digits = digits

    def __call__(self, value) -> str:
        if value is None:
            return "—"
        if isinstance(value, np.ndarray) and value.ndim:
            items = ", ".join(self.number(v) for v in value.ravel()[:4])
            more = ", …" if value.size > 4 else ""
            return f"{value.dtype}{list(value.shape)} [{items}{more}]"
        if isinstance(value, (tuple, list)) and len(value) <= 4:
            items = ", ".join(self(v) for v in value)
            return f"({items},)" if isinstance(value, tuple) and len(value) == 1 else \
                f"({items})" if isinstance(value, tuple) else f"[{items}]"
        if isinstance(value, (bool, np.bool_, int, np.integer)):
            return str(value)
        if isinstance(value, (float, np.floating, np.ndarray)):
            return self.number(value)
        text = repr(value)
        return text if len(text) <= 40 else text[:39] + "…"

    def number(self, value) -> str:
        value = float(value)
        if value == 0 or not np.isfinite(value):
            return "0" if value == 0 else str(value)
        if 10.0 ** -self.digits <= abs(value) < 1e6:
            text = f"{value:.{self.digits}f}".rstrip("0").rstrip(".")
            return "0" if text in ("-0", "") else text
        return f"{value:.{self.digits}e}"


def _width(text: str) -> int:
    return sum(1 for c in text if not unicodedata.combining(c))


def _aligned(rows) -> str:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths)).rstrip()
             for r in rows]
    return "\n".join(lines)


def _html_table(caption, head, rows) -> str:
    body = "".join("<tr>" + "".join(f"<td><code>{html.escape(c)}</code></td>" for c in row)
                   + "</tr>" for row in rows)
    return (f"<table><caption>{html.escape(caption)}</caption><tr>"
            + "".join(f"<th>{h}</th>" for h in head) + f"</tr>{body}</table>")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'
