"""Nesting too deep to differentiate, as a located error instead of a crash.

Each stage walks the function's tree by recursion, one level (a few frames) per
nested branch or loop, and an ``elif`` is an ``if`` nested in the ``else`` of the one
before it: a long ``if``/``elif`` chain nests as deep as it is long. The generated code
nests each level too (its primal sweep evaluates each ``elif``'s test inside the
``else`` before it), and Python compiles at most 100 levels of indentation. Past
either limit the stage raises ``RecursionError`` or ``compile`` an ``IndentationError``;
:func:`guarded` turns both into a ``too-deep`` CompileError at the function's ``def``.
"""
from __future__ import annotations

import functools
import linecache

from ..errors import CompileError, Violation

SUGGESTION = ("move part of the chain into a helper function that s2sad differentiates "
              "as well (the last `else:` returning `helper(x)`), each function under 90 "
              "levels of branches and loops")


def too_deep(func, why: str) -> CompileError:
    """The located error for ``func`` (a user function: its ``def`` line)."""
    name = getattr(func, "__name__", "f")
    message = (f"{name!r} nests its branches and loops too deeply to differentiate ({why}; "
               "each `elif` is one level deeper)")
    return CompileError([violation(func, "too-deep", message, SUGGESTION)])


def violation(func, code: str, message: str, suggestion: str) -> Violation:
    """A problem at ``func``'s ``def`` line (found without its tree, which may be what
    could not be read)."""
    where = getattr(func, "__code__", None)
    filename = getattr(where, "co_filename", "<unknown>")
    lineno = getattr(where, "co_firstlineno", 1)
    line = linecache.getline(filename, lineno).strip()
    return Violation(code, message, filename, lineno, 0, line, suggestion)


def guarded(func_of):
    """A stage that raises the ``too-deep`` error where it meets the limits;
    ``func_of(*args)`` names the user function from the stage's arguments."""
    def decorate(stage):
        @functools.wraps(stage)
        def wrapper(*args, **kwargs):
            try:
                return stage(*args, **kwargs)
            except RecursionError:
                raise too_deep(func_of(*args), "Python's recursion limit") from None
            except SyntaxError as exc:
                if "too many" not in str(exc.msg):     # levels of indentation, blocks
                    raise
                raise too_deep(func_of(*args), f"the generated code: {exc.msg}") from None
        return wrapper
    return decorate
