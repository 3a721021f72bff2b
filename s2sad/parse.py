"""Stage 1, parse: a Python function object -> its gast tree and the names it uses.

``parse(f)`` returns a :class:`ParsedFunction`: the ``def`` as a gast tree
(decorators dropped), the file and line offsets that errors report, the
parameters, and ``resolve_path("math.sin")``, which says what a name in the
body points to now (closure cell, then module globals, then builtins).
"""
from __future__ import annotations

import builtins
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field

import gast

from .errors import CompileError, S2SadError, UsageError, Violation

_MISSING = object()


@dataclass(frozen=True)
class ParsedFunction:
    """A user function's definition and where its free names point."""

    func: types.FunctionType
    tree: gast.FunctionDef
    filename: str
    line_offset: int          # add to a tree lineno to get the file's line
    col_offset: int           # add to a tree col_offset to get the file's column
    file_lines: tuple
    params: tuple             # positional parameter names, in order
    kwonly: tuple             # keyword-only parameter names
    closure: dict = field(default_factory=dict)   # free variable -> cell

    @property
    def name(self) -> str:
        return self.tree.name

    def lookup(self, ident: str):
        """What a free name means now: closure cell, then globals, then builtins."""
        if ident in self.closure:
            try:
                return self.closure[ident].cell_contents
            except ValueError:
                return _MISSING
        if ident in self.func.__globals__:
            return self.func.__globals__[ident]
        return getattr(builtins, ident, _MISSING)

    def resolve_path(self, path: str):
        """``np.linalg.norm`` -> the object, or None when any part is missing."""
        head, *rest = path.split(".")
        obj = self.lookup(head)
        for attr in rest:
            if obj is _MISSING:
                return None
            obj = getattr(obj, attr, _MISSING)
        return None if obj is _MISSING else obj

    def violation(self, node, code: str, message: str, suggestion: str = "") -> Violation:
        """A located problem at ``node`` in the user's file."""
        lineno = getattr(node, "lineno", 1) + self.line_offset
        col = getattr(node, "col_offset", 0) + self.col_offset
        line = self.file_lines[lineno - 1].rstrip() if 0 < lineno <= len(self.file_lines) else ""
        shown = line.lstrip()
        caret = max(0, col - (len(line) - len(shown)))
        return Violation(code, message, self.filename, lineno, col, shown, suggestion, caret)


def refuse_derivative(func):
    """A function s2sad made (grad, jacobian, ...) carries its primal's source through
    functools.wraps; differentiating that source would be a silent wrong derivative."""
    made = getattr(func, "__s2sad_derivative__", None)
    if made:
        raise UsageError(
            f"this function is the {made} of {getattr(func, '__name__', func)!r} that "
            "s2sad made; "
            "s2sad differentiates the source of plain functions, so it cannot "
            "differentiate it again. For second derivatives use s2sad.hessian(f), "
            "s2sad.hvp(f), or s2sad.grad(s2sad.grad(f)) for a function of one float",
            "derivative-of-derivative")


def _unwrap(func):
    if isinstance(func, (staticmethod, classmethod)):
        func = func.__func__
    refuse_derivative(func)
    func = getattr(func, "__s2sad_primal__", func)
    if isinstance(func, types.MethodType):
        func = func.__func__
    if not isinstance(func, types.FunctionType):
        raise S2SadError(
            f"s2sad differentiates Python functions written with def; got {func!r}, "
            "which has no Python source (a builtin or C extension function). "
            "Register a rule for it with s2sad.defvjp, or wrap it in a def.",
            code="no-source")
    return func


def _source_of(func):
    code = func.__code__
    where = code.co_filename
    if func.__name__ == "<lambda>":
        raise S2SadError(
            f"{where}:{code.co_firstlineno}: cannot differentiate a lambda; "
            "define the function with def in a .py file", code="lambda")
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        raise S2SadError(
            f"{where}:{code.co_firstlineno}: no source for function {func.__name__!r} "
            f"({exc}); s2sad reads the function's source, so it must be defined in a "
            "file, not with exec or at an interactive prompt: save it in a .py module "
            "and import it", code="no-source") from None
    return "".join(lines), first


def parse(func) -> ParsedFunction:
    """Read ``func``'s source and parse it with gast."""
    func = _unwrap(func)
    text, first = _source_of(func)
    dedented = textwrap.dedent(text)
    indent = len(text.splitlines()[0]) - len(dedented.splitlines()[0])
    module = gast.parse(dedented)
    tree = module.body[0]
    tree.decorator_list = []
    filename = func.__code__.co_filename
    file_lines = tuple(linecache.getlines(filename)) or \
        ("\n",) * (first - 1) + tuple(text.splitlines(True))
    line_offset = first - 1
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    args = tree.args
    params = tuple(a.id for a in args.posonlyargs + args.args)
    kwonly = tuple(a.id for a in args.kwonlyargs)
    parsed = ParsedFunction(func, tree, filename, line_offset, indent, file_lines,
                            params, kwonly, closure)
    if isinstance(tree, gast.AsyncFunctionDef):
        raise CompileError([parsed.violation(
            tree, "unsupported-syntax", f"async function {func.__name__!r} (a coroutine) "
            "is not supported", "write it as a plain def")])
    return parsed
