"""Stage 1, parse: a Python function object -> its gast tree and the names it uses.

``parse(f)`` returns a :class:`ParsedFunction`: the ``def`` as a gast tree
(decorators dropped), the file and line offsets that errors report, the
parameters, and ``resolve_path("math.sin")``, which says what a name in the
body points to now (closure cell, then module globals, then builtins).

The text read from the file must be the text the function was compiled from:
it is compiled again and compared with ``f.__code__`` (line numbers aside), and
a file edited after import is refused (``stale-source``) rather than read.
"""
from __future__ import annotations

import __future__
import builtins
import copy
import functools
import inspect
import linecache
import symtable
import textwrap
import types
from dataclasses import dataclass, field, replace

import gast
import numpy as np

from . import closures, function_arguments, lambdas, sourcemap, splats, variadic
from ..errors import CompileError, S2SadError, UsageError, Violation

_MISSING = object()
GENERATED = "<s2sad "       # how the filename of code s2sad generated starts


def is_generated(filename: str) -> bool:
    """Whether ``filename`` names code s2sad generated (a second derivative reads it)."""
    return filename.startswith(GENERATED)


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
    source: str = ""          # the definition's text, as read from the file
    copied: tuple = ()        # (name, function) of helpers copied into the body

    @property
    def name(self) -> str:
        return self.tree.name

    def copies_current(self) -> bool:
        """Whether each helper copied into the body is still what its name means."""
        return all(self.lookup(name) is helper for name, helper in self.copied)

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
        """A located problem at ``node`` in the user's file; in generated code (a second
        derivative), at the user's line it was generated from."""
        lineno = getattr(node, "lineno", 1) + self.line_offset
        col = getattr(node, "col_offset", 0) + self.col_offset
        line = _line(self.file_lines, lineno)
        mapped = sourcemap.origin(self.filename, lineno, self.file_lines) \
            if is_generated(self.filename) else None
        if mapped is None:
            shown = line.lstrip()
            caret = max(0, col - (len(line) - len(shown)))
            return Violation(code, message, self.filename, lineno, col, shown, suggestion,
                             caret)
        filename, lineno, file_lines = mapped
        user_line = _line(file_lines, lineno)
        shown = user_line.lstrip()
        message += f" (in the code s2sad generated from this line: {line.strip()})"
        return Violation(code, message, filename, lineno, len(user_line) - len(shown), shown,
                         suggestion, 0)


def _line(file_lines, lineno: int) -> str:
    return file_lines[lineno - 1].rstrip() if 0 < lineno <= len(file_lines) else ""


def refuse_derivative(func):
    """A function s2sad made (grad, jacobian, ...) carries its primal's source through
    functools.wraps; differentiating that source would be a silent wrong derivative."""
    made = getattr(func, "__s2sad_derivative__", None)
    if made:
        raise UsageError(
            f"this function is the {made} of {getattr(func, '__name__', func)!r} that "
            "s2sad made; "
            "its source is not the derivative's, so it cannot be read or traced; "
            "differentiate it again with s2sad.grad, jvp, vjp, jacobian or hessian "
            "(a value_and_grad, hvp or has_aux function cannot be: differentiate "
            "s2sad.grad(f) instead)",
            "derivative-of-derivative")


def _unwrap(func):
    if isinstance(func, (staticmethod, classmethod)):
        func = func.__func__
    refuse_derivative(func)
    func = getattr(func, "__s2sad_primal__", func)
    if isinstance(func, types.MethodType):
        func = func.__func__
    if not isinstance(func, types.FunctionType):
        raise S2SadError(f"s2sad differentiates Python functions written with def; got "
                         f"{func!r}, {_not_a_def(func)}", code="no-source")
    return func


def _not_a_def(func) -> str:
    """What the callable is instead of a def, and what to differentiate in its place."""
    if isinstance(func, functools.partial):
        inner = getattr(func.func, "__name__", "the function")
        return (f"a functools.partial of {inner!r}: differentiate {inner} itself and pass "
                f"the bound arguments at the call, e.g. s2sad.grad({inner}, wrt=...)(...)")
    if isinstance(func, (types.BuiltinFunctionType, np.ufunc)) or not callable(func):
        return ("which has no Python source (a builtin or C extension function). "
                "Register a rule for it with s2sad.defvjp, or wrap it in a def.")
    return (f"a callable {type(func).__name__} object: differentiate its method, "
            "s2sad.grad(obj.__call__), or wrap the call in a def")


def _source_of(func):
    code = func.__code__
    where = code.co_filename
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        raise S2SadError(
            f"{where}:{code.co_firstlineno}: no source for function {func.__name__!r} "
            f"({exc}); s2sad reads the function's source, so it must be defined in a "
            "file, not with exec or at an interactive prompt: save it in a .py module "
            "and import it", code="no-source") from None
    text = "".join(lines)
    if not is_generated(where):      # its own filename per text: no file to go stale
        _check_fresh(func, text)
    return text, first


def _check_fresh(func, text: str):
    """Refuse source text that is not what ``func`` was compiled from: its file was
    edited after the module was imported, and the new text would give the derivative
    of a function that is not the one that runs."""
    if _same_code(_compiled_from(func, text), inspect.unwrap(func).__code__):
        return
    if _rewritten_by_pytest(func, text):
        return
    code = func.__code__
    raise S2SadError(
        f"{code.co_filename}:{code.co_firstlineno}: the source of {func.__qualname__!r} "
        "changed on disk after its module was imported, so the text s2sad would read is "
        "not the function that runs; re-import the module (importlib.reload, or restart "
        "the interpreter or kernel) and differentiate the reloaded function",
        code="stale-source")


def _compiled_from(func, text: str):
    """The code object that ``text`` (the def, decorators included) compiles to, inside
    scopes that give it the same free variables and private-name mangling; None when it
    no longer compiles."""
    func = inspect.unwrap(func)
    code = func.__code__
    body = textwrap.dedent(text)
    cls = _enclosing_class(func.__qualname__)
    if cls is not None:             # methods: ``self.__x`` mangles, ``super()`` cells
        body = f"class {cls}:\n" + textwrap.indent(body, "    ")
    free = [n for n in code.co_freevars if n != "__class__"]
    if free or "<locals>" in func.__qualname__:     # a nested def: its name is local too
        body = "def __s2sad_outer__():\n" + "".join(f"    {n} = None\n" for n in free) + \
            textwrap.indent(body, "    ") + "    return None\n"
    body = "".join(f"import _ as {n}\n" for n in _module_imports(code.co_filename)) + body
    flags = code.co_flags & _FUTURE_FLAGS
    try:
        module = compile(body, code.co_filename, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return _find_code(module, code.co_name)


def _module_imports(filename: str) -> tuple:
    """Names the module binds with ``import``: Python 3.11+ compiles ``np.f(x)`` on such
    a name differently (no method call), so the text must be compiled beside them."""
    text = "".join(linecache.getlines(filename))
    return _imported_names(text, filename) if text else ()


@functools.lru_cache(maxsize=64)
def _imported_names(text: str, filename: str) -> tuple:
    try:
        table = symtable.symtable(text, filename, "exec")
    except (SyntaxError, ValueError):
        return ()
    return tuple(sorted(s.get_name() for s in table.get_symbols() if s.is_imported()))


def _enclosing_class(qualname: str):
    """The innermost class of ``A.B.<locals>.f``-style qualified names, or None."""
    parts = qualname.split(".")
    for i in range(len(parts) - 2, -1, -1):       # a part not followed by <locals>
        if "<locals>" not in (parts[i], parts[i + 1]):
            return parts[i]
    return None


def _find_code(code, name: str):
    """The first code object called ``name`` nested in ``code``, breadth first."""
    level = [code]
    while level:
        nested = [c for parent in level for c in parent.co_consts
                  if isinstance(c, types.CodeType)]
        for c in nested:
            if c.co_name == name:
                return c
        level = nested
    return None


_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
_CODE_FIELDS = ("co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars",
                "co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_name")


def _same_code(a, b) -> bool:
    """Equal code objects, line numbers and positions aside."""
    if a is None or b is None:
        return False
    if any(getattr(a, f) != getattr(b, f) for f in _CODE_FIELDS):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) or isinstance(y, types.CodeType):
            if not _same_code(x if isinstance(x, types.CodeType) else None,
                              y if isinstance(y, types.CodeType) else None):
                return False
        elif type(x) is not type(y) or (repr(x) != repr(y) and not _same_qualname(x, y)):
            return False
    return True


_OUTER = "__s2sad_outer__.<locals>."


def _same_qualname(compiled, actual) -> bool:
    """Python 3.10 keeps a nested def's qualified name among its parent's constants:
    the text compiled inside ``__s2sad_outer__`` names it with that prefix."""
    return (isinstance(compiled, str) and compiled.startswith(_OUTER)
            and actual.endswith("." + compiled[len(_OUTER):]))


def _rewritten_by_pytest(func, text: str) -> bool:
    """pytest rewrites ``assert`` in test modules: their bytecode is not the text's."""
    module = inspect.getmodule(func)
    loader = type(getattr(module, "__loader__", None))
    return loader.__module__.startswith("_pytest") and "assert" in text


def _lambda_tree(func):
    """A lambda as ``def lambda_L<line>(params): return <expr>``, its nodes at their
    places in the file: ``(tree, text, file lines)``. The lambda is found among those
    starting on its first line by compiling each and comparing with its code (two
    lambdas on one line); none matching is a file edited since, or no file at all."""
    code = func.__code__
    lines = tuple(linecache.getlines(code.co_filename, func.__globals__))
    where = f"{code.co_filename}:{code.co_firstlineno}"
    if not lines:
        raise S2SadError(
            f"{where}: cannot differentiate a lambda without source (typed at a prompt, "
            "or made by exec); s2sad reads a function's source: define it in a .py "
            "file (a lambda there is fine) and import it", code="lambda")
    found = None
    for node in _lambdas_on(lines, code.co_firstlineno):
        text = _segment(lines, node)
        if _same_code(_compiled_from(func, f"({text})\n"), code):
            found = node, text
            break
    if found is None:
        raise S2SadError(
            f"{where}: the source of this lambda changed on disk after its module was "
            "imported (no lambda on that line compiles to it); re-import the module",
            code="stale-source")
    node, text = found
    node = copy.deepcopy(node)
    body = gast.copy_location(gast.Return(value=node.body), node.body)
    tree = gast.FunctionDef(name=f"lambda_L{node.lineno}", args=node.args, body=[body],
                            decorator_list=[], returns=None, type_comment=None,
                            type_params=[])
    return gast.copy_location(tree, node), text, lines


def _lambdas_on(lines, lineno: int) -> list:
    return [n for n in gast.walk(_module_tree("".join(lines)))
            if isinstance(n, gast.Lambda) and n.lineno == lineno]


@functools.lru_cache(maxsize=16)
def _module_tree(text: str):
    try:
        return gast.parse(text)
    except SyntaxError:
        return gast.Module(body=[], type_ignores=[])


def _segment(lines, node) -> str:
    """The text of ``node`` (0-based columns of 1-based lines, the end exclusive)."""
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first][node.col_offset:node.end_col_offset]
    return lines[first][node.col_offset:] + "".join(lines[first + 1:last]) + \
        lines[last][:node.end_col_offset]


def parse(func) -> ParsedFunction:
    """Read ``func``'s source and parse it with gast (a lambda's too, from its file); a
    specialisation of a def with ``*args``/``**kwargs``, the def's own source rewritten
    (:mod:`.variadic`)."""
    func = _unwrap(func)
    shape = getattr(func, "__s2sad_variadic__", None)
    if shape is not None:
        user = parse(shape.func)
        tree = splats.expand(variadic.rewritten(user.tree, shape))
        args = tree.args
        return replace(user, func=func, tree=tree,
                       params=tuple(a.id for a in args.posonlyargs + args.args),
                       kwonly=tuple(a.id for a in args.kwonlyargs))
    if func.__name__ == "<lambda>":
        tree, text, file_lines = _lambda_tree(func)
        return _parsed(func, tree, 0, 0, file_lines, text)
    text, first = _source_of(func)
    dedented = textwrap.dedent(text)
    indent = len(text.splitlines()[0]) - len(dedented.splitlines()[0])
    module = gast.parse(dedented)
    tree = module.body[0]
    tree.decorator_list = []
    _mangle_private_attributes(tree, func.__qualname__)
    lambdas.hoist(tree, first - 1)
    copied = function_arguments.specialize(
        tree, function_arguments.helpers_of(func, tree, first, indent, _source_of))
    closures.lift(tree)
    tree = splats.expand(tree)
    filename = func.__code__.co_filename
    file_lines = tuple(linecache.getlines(filename)) or \
        ("\n",) * (first - 1) + tuple(text.splitlines(True))
    return replace(_parsed(func, tree, first - 1, indent, file_lines, text),
                   copied=tuple((name, func.__globals__[name]) for name in copied))


def _parsed(func, tree, line_offset, indent, file_lines, text) -> ParsedFunction:
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    args = tree.args
    params = tuple(a.id for a in args.posonlyargs + args.args)
    kwonly = tuple(a.id for a in args.kwonlyargs)
    parsed = ParsedFunction(func, tree, func.__code__.co_filename, line_offset, indent,
                            file_lines, params, kwonly, closure, text)
    if isinstance(tree, gast.AsyncFunctionDef):
        raise CompileError([parsed.violation(
            tree, "unsupported-syntax", f"async function {func.__name__!r} (a coroutine) "
            "is not supported", "write it as a plain def")])
    return parsed


def _mangle_private_attributes(tree, qualname: str) -> None:
    """``self.__w`` in a method of class C means ``self._C__w`` (Python mangles the name
    when it compiles the class); generated code is compiled outside the class."""
    parts = qualname.split(".")
    owner = parts[-2].lstrip("_") if len(parts) > 1 and parts[-2] != "<locals>" else ""
    if not owner:
        return
    for node in gast.walk(tree):
        if isinstance(node, gast.Attribute) and node.attr.startswith("__") \
                and not node.attr.endswith("__"):
            node.attr = f"_{owner}{node.attr}"
