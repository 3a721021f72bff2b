"""``jit="numba"``: the generated derivative compiled with ``numba.njit``.

The generated code is plain Python over floats, ints and NumPy arrays; two things in
it numba cannot type are rewritten first (:func:`numba_text`, which
``s2sad.source(f, jit="numba")`` shows):

- the one tape of mixed values becomes one list per saved variable
  (``_tape.append(x)`` / ``x = _tape.pop()`` -> ``_tape_x``): each pop takes the
  latest unmatched push of its own variable, as before, and each list holds one type;
  the ``None`` a variable starts from (saved before its first assignment, never read)
  becomes ``0.0``;
- ``reversed(xs)`` becomes ``xs[::-1]``.

numba freezes the globals and closure cells the code reads at its first call. What
numba cannot compile runs as plain Python with a :class:`NumbaFallback` warning naming
the construct, or (``jit="numba!"``) raises a ``numba-unsupported`` UsageError.
"""
from __future__ import annotations

import ast
import linecache
import math
import re
import warnings
import weakref

import numpy as np

from .. import runtime
from ..errors import UsageError

MODES = (None, "numba", "numba!")
_JITTED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class NumbaFallback(UserWarning):
    """numba could not compile a generated derivative: it runs as plain Python."""


def check_mode(jit):
    if jit not in MODES:
        raise UsageError(f"jit={jit!r}: use None, 'numba' or 'numba!' (raise where numba "
                         f"cannot compile)", "bad-jit")


def refuse(jit, name: str, construct: str):
    """numba will not run ``name``'s derivative: warn (or raise for ``numba!``)."""
    message = f"numba cannot compile the derivative of {name!r}: {construct}"
    if jit == "numba!":
        raise UsageError(message, "numba-unsupported")
    warnings.warn(NumbaFallback(f"s2sad: {message}; it runs as plain Python"), stacklevel=4)


class _Tape(ast.NodeTransformer):
    """The mixed tape split into one list per saved variable (see the module doc)."""

    def __init__(self):
        self.pushed, self.popped = set(), set()

    @staticmethod
    def _key(node) -> str:
        return "_tape_" + re.sub(r"\W", "_", ast.unparse(node))

    def visit_Expr(self, node):
        call = node.value
        if (isinstance(call, ast.Call) and ast.unparse(call.func) == "_tape.append"
                and len(call.args) == 1):
            key = self._key(call.args[0])
            self.pushed.add(key)
            call.func = ast.Attribute(ast.Name(key, ast.Load()), "append", ast.Load())
        return node

    def visit_Assign(self, node):
        if len(node.targets) == 1 and ast.unparse(node.value) == "_tape.pop()":
            key = self._key(node.targets[0])
            self.popped.add(key)
            node.value = ast.parse(f"{key}.pop()", mode="eval").body
        elif isinstance(node.value, ast.Constant) and node.value.value is None:
            node.value = ast.Constant(0.0)
        else:
            self.generic_visit(node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "reversed" and len(node.args) == 1:
            return ast.Subscript(node.args[0], ast.Slice(None, None, ast.Constant(-1)), ast.Load())
        return node


def numba_text(text: str) -> str:
    """The generated text rewritten for numba; the tape left whole where a push and its
    pop do not name the same place (numba then refuses the mixed list, located)."""
    tape = _Tape()
    tree = tape.visit(ast.parse(text))
    if tape.pushed != tape.popped:
        return text
    out = []
    for line in ast.unparse(tree).splitlines():
        if line.strip() == "_tape = []" and tape.pushed:
            indent = line[:len(line) - len(line.lstrip())]
            out.extend(f"{indent}{key} = []" for key in sorted(tape.pushed))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def jitted(fn, text: str, jit, name: str):
    """``fn``'s numba twin (compiled at its first call), cached per generated function;
    ``fn`` itself with a warning where numba is absent."""
    known = _JITTED.setdefault(fn, {})
    if jit in known:
        return known[jit]
    try:
        import numba  # noqa: F401  (optional: s2sad runs without it)
    except ImportError:
        refuse(jit, name, "numba is not installed (pip install numba)")
        return fn
    source = numba_text(text)
    filename = f"<s2sad numba {name} {abs(hash(source)):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    scope = dict(fn.__globals__, np=np, math=math, _rt=runtime)
    scope.update((n, c.cell_contents) for n, c in cells.items() if _filled(c))
    exec(compile(source, filename, "exec"), scope)
    compiled = numba.njit(cache=False)(scope[fn.__name__])
    from numba.core.errors import NumbaError
    twin = _Twin(fn, compiled, jit, name, source, NumbaError)
    known[jit] = twin
    return twin


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


class _Twin:
    """Calls the numba function; where numba fails to compile, ``fn`` from then on."""

    def __init__(self, fn, compiled, jit, name, source, error):
        self.__s2sad_plain__ = fn
        self.compiled, self.jit, self.name, self.source = compiled, jit, name, source
        self.error = error        # numba's NumbaError, looked up once (not per call)
        self.failed = ""          # why numba refused, once it has

    def __call__(self, *args, **kwargs):
        if not self.failed:       # the common case: one test and the compiled call
            try:
                return self.compiled(*args, **kwargs)
            except self.error as exc:
                self.failed = construct_of(exc)
                refuse(self.jit, self.name, self.failed)
                return self.__s2sad_plain__(*args, **kwargs)
        if self.jit == "numba!":
            refuse(self.jit, self.name, self.failed)
        return self.__s2sad_plain__(*args, **kwargs)


def construct_of(exc) -> str:
    """The first line of numba's reason and the generated line it points at."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    reason = next((ln for ln in lines if not ln.startswith(("Failed in", "During", "File",
                                                            "<source", "^", "-"))), "?")
    where = ""
    for i, ln in enumerate(lines):
        if ln.startswith("File") and i + 1 < len(lines):
            rest = [x for x in lines[i + 1:] if not x.startswith(("def ", "<source", "^"))]
            where = rest[0] if rest else ""
    reason = re.sub(r"\x1b\[[0-9;]*m", "", reason)
    return f"{reason} (at `{where}`)" if where else reason
