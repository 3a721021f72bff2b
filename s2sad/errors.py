"""Exceptions raised by s2sad.

Every error a user can meet is a :class:`S2SadError` with a stable ``code``.
Errors found in the user's source are :class:`CompileError`: they carry one
:class:`Violation` per problem, each naming the file, line and column, the
source line, the construct and a suggested rewrite, so that a function with
several problems reports all of them at once. A message ends by naming the command
that prints the explanation of its code, ``s2sad explain CODE`` (shipped with the
package; the same text as docs/errors.md): what it means, an example, and the fix.
"""
from __future__ import annotations

from dataclasses import dataclass

EXPLAIN = "s2sad explain"     # prints the section of docs/errors.md for a code


@dataclass(frozen=True)
class Violation:
    """One problem at one place in the user's source."""

    code: str
    message: str
    filename: str
    lineno: int
    col: int
    source_line: str          # the line, stripped of its indentation
    suggestion: str = ""
    caret: int = 0            # where ``col`` falls in ``source_line``

    def __str__(self) -> str:
        text = f"{self.filename}:{self.lineno}:{self.col + 1}: [{self.code}] {self.message}"
        if self.source_line:
            text += f"\n    {self.source_line}\n    {' ' * self.caret}^"
        if self.suggestion:
            text += f"\n  suggestion: {self.suggestion}"
        return text


class S2SadError(Exception):
    """Base class of every s2sad error; ``code`` is stable across versions."""

    code = "s2sad-error"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def codes(self) -> tuple:
        """Every code this error reports (one, or one per kind of problem found)."""
        return (self.code,)

    def __str__(self) -> str:
        # the message ends by naming the command that explains each code and its fix
        message = super().__str__()
        where = ", ".join(f"`{EXPLAIN} {code}`" for code in self.codes)
        if "\n" in message:
            return f"{message}\nrun {where}"
        return f"{message} (run {where})"


class CompileError(S2SadError):
    """The function's source uses something s2sad cannot differentiate."""

    code = "compile-error"

    def __init__(self, violations: list[Violation]):
        self.violations = list(violations)
        count = len(self.violations)
        head = f"cannot differentiate: {count} problem{'s' if count > 1 else ''}"
        body = "\n".join(str(v) for v in self.violations)
        super().__init__(f"{head}\n{body}", self.violations[0].code)

    @property
    def codes(self) -> tuple:
        return tuple(dict.fromkeys(v.code for v in self.violations))


class UsageError(S2SadError):
    """A call to the API that cannot be honoured (bad ``wrt``, non-scalar output, ...)."""

    code = "usage-error"


class GradientCheckError(S2SadError):
    """``check_grad`` found forward mode, reverse mode and the numerical reference
    apart; ``report`` holds the comparison (its ``str`` is a table)."""

    code = "gradient-mismatch"

    def __init__(self, report):
        self.report = report
        super().__init__(str(report))
