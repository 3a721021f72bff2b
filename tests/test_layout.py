"""The package's shape: its folders are the pipeline's stages, imports run one way
(down the pipeline), no module imports s2sad inside a function to dodge a circle,
and modules and functions stay small enough to read."""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "s2sad"

# Floors, top to bottom: a module may import its own folder or any floor below.
FLOORS = [
    {"__init__", "__main__", "cli", "cliargs", "api", "check", "custom"},   # the public face
    {"inspection"},                                          # trace, graph, standalone
    {"driver"},                                              # user call -> compiled code
    {"transform", "optimize"},                               # the derivative passes
    {"analysis"},
    {"front"},
    {"rules", "oracles"},
    {"tree", "errors", "explain"},
    {"runtime"},                                             # what generated code imports
]
MAX_MODULE_LINES = 420
MAX_FUNCTION_LINES = 60


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts


def _part(parts) -> str:
    """The folder (or top-level module) a module belongs to."""
    return parts[0]


def _floor(part) -> int:
    return next(i for i, floor in enumerate(FLOORS) if part in floor)


def _imports(path, parts):
    """(imported module's parts, line, inside a function) for each s2sad import."""
    tree = ast.parse(path.read_text())
    package = list(parts[:-1]) if parts[-1] != "__init__" else list(parts[:-1])
    if parts[-1] == "__init__":
        package = list(parts[:-1])
    local = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local |= {id(n) for n in ast.walk(node) if n is not node}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = base + (node.module.split(".") if node.module else [])
            names = [target + [a.name] for a in node.names] if not node.module else [target]
            for name in names:
                yield name, node.lineno, id(node) in local
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("s2sad"):
            yield node.module.split(".")[1:] or ["__init__"], node.lineno, id(node) in local
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("s2sad"):
                    yield a.name.split(".")[1:] or ["__init__"], node.lineno, id(node) in local


def _resolve(target):
    """Parts of an imported name that is a module or package (drop attribute names)."""
    while target:
        path = PACKAGE.joinpath(*target)
        if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
            return tuple(target)
        target = target[:-1]
    return ("__init__",)


def _graph():
    edges = {}
    for path, parts in _modules():
        for target, line, inside in _imports(path, parts):
            edges.setdefault(parts, []).append((_resolve(list(target)), line, inside))
    return edges


def test_imports_run_down_the_pipeline():
    wrong = []
    for parts, targets in _graph().items():
        here = _part(parts)
        for target, line, _ in targets:
            there = _part(target)
            if there != here and _floor(there) < _floor(here):
                wrong.append(f"s2sad/{'/'.join(parts)}.py:{line} imports {'.'.join(target)}")
            if there == here and _floor(here) == 0 and target == ("__init__",):
                continue
    assert not wrong, "imports that run back up the pipeline:\n" + "\n".join(wrong)


def test_no_import_inside_a_function():
    inside = [f"s2sad/{'/'.join(parts)}.py:{line}" for parts, targets in _graph().items()
              for _, line, local in targets if local]
    assert not inside, "function-local imports of s2sad modules:\n" + "\n".join(inside)


def test_no_import_circles():
    graph = {p: {t for t, _, _ in ts if t != p} for p, ts in _graph().items()}
    state, stack, circles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    # a package's __init__ importing its own modules is not a circle through them
    real = [c for c in circles if not any(p[-1] == "__init__" for p in c)]
    assert not real, "import circles:\n" + "\n".join(" -> ".join(".".join(p) for p in c)
                                                     for c in real)


def test_every_folder_is_a_stage():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(folders) == set().union(*FLOORS) - {"__init__", "__main__", "cli", "api",
                                                   "check", "custom", "errors", "explain", "cliargs"}


@pytest.mark.parametrize("path", [p for p, _ in _modules()], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_function_sizes(path):
    text = path.read_text()
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {text.count(chr(10))} lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{path.name}: " + ", ".join(long)
