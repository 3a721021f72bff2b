"""Stage 6, emit: gast trees -> Python source text.

``ast.unparse`` writes each simple statement (a long one broken inside its
brackets: :mod:`s2sad.tree.wrap`); blocks are laid out here so that comments
(section headers) can sit between statements, which ``ast.unparse`` would drop.

>>> import gast
>>> from s2sad.tree import nodes
>>> body = [comment("primal sweep"), nodes.assign("y", nodes.template("x * x", x=nodes.name("a")))]
>>> print(source(nodes.function("f", ["a"], body + [nodes.ret(nodes.name("y"))])), end="")
def f(a):
    # primal sweep
    y = a * a
    return y
"""
from __future__ import annotations

import ast
import sys

import gast

from . import nodes
from .wrap import wrap

_COMMENT = "__s2sad_comment__"


def comment(text: str, kind: str = "header") -> gast.Expr:
    """A statement that emits as ``# text`` (one ``#`` line per line of text). A
    ``header`` (a section's title) is dropped when its section is empty: followed by
    nothing or by another header; a ``line`` comment (the user's source line, see
    sourcemap) sits above the statements it names."""
    return nodes.expr_stmt(nodes.call(_COMMENT, nodes.const(text), nodes.const(kind)))


def line_comment(text: str) -> gast.Expr:
    return comment(text, "line")


def is_comment(stmt) -> bool:
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Name) and stmt.value.func.id == _COMMENT)


def _is_header(stmt) -> bool:
    return is_comment(stmt) and stmt.value.args[1].value == "header"


def unparse(node) -> str:
    """One gast node (expression or simple statement) as text."""
    return _unparse(_to_ast(node))


# gast classes whose ast twin has the same fields (the ones listed): converted here,
# several times faster than gast.gast_to_ast; the rest (defs, lambdas, comprehensions,
# f-strings...) by gast, with _NegativeConstants after it
_SAME_FIELDS = {
    "BinOp": ("left", "op", "right"), "UnaryOp": ("op", "operand"),
    "BoolOp": ("op", "values"), "Compare": ("left", "ops", "comparators"),
    "Call": ("func", "args", "keywords"), "keyword": ("arg", "value"),
    "Attribute": ("value", "attr", "ctx"), "Subscript": ("value", "slice", "ctx"),
    "Tuple": ("elts", "ctx"), "List": ("elts", "ctx"), "Slice": ("lower", "upper", "step"),
    "IfExp": ("test", "body", "orelse"), "Starred": ("value", "ctx"),
    "Dict": ("keys", "values"), "Assign": ("targets", "value"),
    "AugAssign": ("target", "op", "value"), "Return": ("value",), "Expr": ("value",),
    "Pass": (), "Break": (), "Continue": (),
}
_TWINS = {getattr(gast, name): (getattr(ast, name), fields)
          for name, fields in _SAME_FIELDS.items()}
_LEAVES = {getattr(gast, name): getattr(ast, name)()     # contexts and operators: shared,
           for name in ("Load", "Store", "Del", "Add", "Sub", "Mult", "MatMult", "Div",
                        "Mod", "Pow", "LShift", "RShift", "BitOr", "BitXor", "BitAnd",
                        "FloorDiv", "Invert", "Not", "UAdd", "USub", "Eq", "NotEq", "Lt",
                        "LtE", "Gt", "GtE", "Is", "IsNot", "In", "NotIn", "And", "Or")}


def _to_ast(node):
    """``node`` as an ast tree for ast.unparse, a negative number as ``-(number)``."""
    cls = node.__class__
    twin = _TWINS.get(cls)
    if twin is not None:
        made, fields = twin
        out = made(*[_field(getattr(node, f)) for f in fields])
        if cls is gast.Assign:
            out.lineno = 1                  # the unparser looks up its type comment
        return out
    if cls is gast.Name:
        return ast.Name(node.id, _LEAVES[node.ctx.__class__])
    if cls is gast.Constant:
        value = node.value
        if value.__class__ in (int, float) and value < 0:
            return ast.UnaryOp(_LEAVES[gast.USub], ast.Constant(-value))
        return ast.Constant(value, node.kind)
    leaf = _LEAVES.get(cls)
    if leaf is not None:
        return leaf
    return ast.fix_missing_locations(_NegativeConstants().visit(gast.gast_to_ast(node)))


def _field(value):
    if isinstance(value, gast.AST):
        return _to_ast(value)
    if value.__class__ is list:
        return [None if v is None else _field(v) for v in value]
    return value


if sys.version_info >= (3, 11):
    _unparse = ast.unparse
else:
    class _Unparser(ast._Unparser):
        """Python 3.10's unparser writes ``(x, y) = v`` and ``for (i, e) in``; 3.11's
        writes the targets bare, and generated code reads the same on every version."""

        def __init__(self, **options):     # f-string parts make one with options
            super().__init__(**options)
            self._bare = set()

        def _target(self, target):
            if isinstance(target, ast.Tuple) and target.elts:
                self._bare.add(id(target))

        def visit_Assign(self, node):
            for target in node.targets:
                self._target(target)
            super().visit_Assign(node)

        def visit_For(self, node):
            self._target(node.target)
            super().visit_For(node)

        def visit_comprehension(self, node):
            self._target(node.target)
            super().visit_comprehension(node)

        def visit_Tuple(self, node):
            if id(node) in self._bare:
                self.items_view(self.traverse, node.elts)
            else:
                super().visit_Tuple(node)

    def _unparse(tree) -> str:
        return _Unparser().visit(tree)


class _NegativeConstants(ast.NodeTransformer):
    """``Constant(-2.0)`` as ``-(2.0)``: ast.unparse would write ``-2.0 ** 2`` for
    ``(-2.0) ** 2``; a unary minus node gets its parentheses."""

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
        return node


def source(func: gast.FunctionDef) -> str:
    """A whole function definition as text, ending with a newline."""
    header = nodes_header(func)
    return "\n".join([header] + _block(func.body, "    ")) + "\n"


def nodes_header(func: gast.FunctionDef) -> str:
    return unparse(nodes.signature(func)).splitlines()[0]


def _block(stmts, indent: str) -> list:
    lines = []
    for index, stmt in enumerate(stmts):
        following = stmts[index + 1] if index + 1 < len(stmts) else None
        if _is_header(stmt):
            if _section_is_empty(stmts[index + 1:]):
                continue        # a section header over nothing
        elif is_comment(stmt) and (following is None or is_comment(following)):
            continue            # a line comment over nothing
        lines.extend(_stmt(stmt, indent))
    return lines or [indent + "pass"]


def _section_is_empty(rest) -> bool:
    """Nothing but comments up to the next header, or only the final return (a gradient
    optimized down to ``return (...)`` reads best without a section)."""
    for k, stmt in enumerate(rest):
        if _is_header(stmt):
            return True
        if isinstance(stmt, gast.Return) and k == len(rest) - 1:   # under line comments
            return True
        if not is_comment(stmt):
            return False
    return True


def _stmt(stmt, indent: str) -> list:
    inner = indent + "    "
    if is_comment(stmt):
        return [f"{indent}# {text}".rstrip() for text in stmt.value.args[0].value.split("\n")]
    if isinstance(stmt, gast.If):
        lines = [f"{indent}if {unparse(stmt.test)}:"] + _block(stmt.body, inner)
        orelse = [s for s in stmt.orelse]
        while len(orelse) == 1 and isinstance(orelse[0], gast.If):
            nested = orelse[0]
            lines += [f"{indent}elif {unparse(nested.test)}:"] + _block(nested.body, inner)
            orelse = nested.orelse
        if orelse:
            lines += [f"{indent}else:"] + _block(orelse, inner)
        return lines
    if isinstance(stmt, gast.For):
        head = f"{indent}for {unparse(stmt.target)} in {unparse(stmt.iter)}:"
        return [head] + _block(stmt.body, inner)
    if isinstance(stmt, gast.While):
        return [f"{indent}while {unparse(stmt.test)}:"] + _block(stmt.body, inner)
    if isinstance(stmt, gast.FunctionDef):
        return [indent + nodes_header(stmt)] + _block(stmt.body, inner)
    return [part for line in unparse(stmt).splitlines() for part in wrap(indent + line)]
