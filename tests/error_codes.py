"""The error codes s2sad can raise, read from its source text, and the sections of
docs/errors.md that document them.

Codes are found with ``ast`` rather than a regex: a raise spans lines, passes its code
by position or as ``code=``, and sits among message strings, and the tree sees past all
of that formatting. Three places give a code:

- ``code = "..."`` in the body of a class of the S2SadError family (its default);
- a call of such a class: ``Error(message, code)`` or ``code=``, else the class's
  default (``CompileError`` takes its first violation's code, never its own);
- a call of ``violation(node, code, message, suggestion)``.

A call whose code is not a literal is reported by name, since no one could document it.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "s2sad"
DOCS = ROOT / "docs" / "errors.md"

CODE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
VIOLATION_MAKERS = {"violation", "Violation"}
CODE_FROM_VIOLATIONS = {"CompileError"}


@dataclass
class SourceCodes:
    raised: dict = field(default_factory=dict)      # code -> ["file:line", ...]
    defaults: dict = field(default_factory=dict)    # class name -> its default code
    not_literal: list = field(default_factory=list)  # "file:line: call" with no code


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _called_name(call: ast.Call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _error_family(trees) -> dict:
    """Class name -> its own default code (or None), for S2SadError and its subclasses."""
    classes = {}
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")
                         for b in node.bases]
                classes[node.name] = (bases, _class_code(node))
    family = {"S2SadError"}
    while True:
        more = {n for n, (bases, _) in classes.items() if family & set(bases)} - family
        if not more:
            return {name: classes.get(name, ((), None))[1] for name in family}
        family |= more


def _class_code(node: ast.ClassDef):
    for stmt in node.body:
        if (isinstance(stmt, ast.Assign) and [getattr(t, "id", "") for t in stmt.targets]
                == ["code"] and isinstance(stmt.value, ast.Constant)):
            return stmt.value.value
    return None


def collect() -> SourceCodes:
    """Every code the package can raise, with where, from the source of s2sad/."""
    return collect_from(list(_modules()))


def collect_from(trees) -> SourceCodes:
    """Codes raised in ``trees``: ``[(where, module tree), ...]``."""
    family = _error_family(trees)
    found = SourceCodes(defaults={n: c for n, c in family.items() if c})
    for where, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            if name not in family and name not in VIOLATION_MAKERS:
                continue
            if name in CODE_FROM_VIOLATIONS | {"Violation"}:
                continue                  # the code is a violation's, counted there
            code = _code_argument(node, name, family)
            if isinstance(code, str) and CODE.match(code):
                found.raised.setdefault(code, []).append(f"{where}:{node.lineno}")
            else:
                found.not_literal.append(f"{where}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def _code_argument(call: ast.Call, name: str, family: dict):
    """The code a call raises: ``violation(node, code, ...)``; ``Error(message, code)``
    or ``code=...``; an error class called without one raises its default. None when
    the code is not a literal."""
    given = {k.arg: k.value for k in call.keywords}
    if "code" in given:
        node = given["code"]
    elif len(call.args) >= 2:
        node = call.args[1]
    elif name in family:
        return family[name]
    else:
        return None
    return node.value if isinstance(node, ast.Constant) else None


@dataclass
class Section:
    code: str
    text: str
    raises: str | None = None        # the example that raises, as a module's source
    raises_code: str | None = None   # the code its marker names
    message: str | None = None       # the abridged message shown after it
    fixed: str | None = None         # the same example, fixed
    not_run: str | None = None       # why the examples are not run


SECTION = re.compile(r"^### (\S+)\n(.*?)(?=^##|\Z)", re.M | re.S)
RAISES = re.compile(r"<!-- raises: (\S+) -->\n```python\n(.*?)```\n\s*```text\n(.*?)```", re.S)
FIXED = re.compile(r"<!-- fixed -->\n```python\n(.*?)```", re.S)
NOT_RUN = re.compile(r"<!-- not run: (.+?) -->")


def sections(text: str | None = None) -> list:
    """``### code`` sections of docs/errors.md, with their examples, in order."""
    text = DOCS.read_text(encoding="utf-8") if text is None else text
    found = []
    for match in SECTION.finditer(text):
        code, body = match.group(1), match.group(2)
        section = Section(code, body)
        raises, fixed, not_run = RAISES.search(body), FIXED.search(body), NOT_RUN.search(body)
        if raises:
            section.raises_code, section.raises = raises.group(1), raises.group(2)
            section.message = raises.group(3).strip()
        section.fixed = fixed.group(1) if fixed else None
        section.not_run = not_run.group(1) if not_run else None
        found.append(section)
    return found


def message_pattern(abridged: str) -> re.Pattern:
    """The message as shown in the docs, ``...`` standing for any text."""
    return re.compile(".*?".join(re.escape(part) for part in abridged.split("...")), re.S)
