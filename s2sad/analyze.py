"""Stage 3, analyze: what each statement computes, which values are active, their kinds.

Each assignment's right-hand side is classified once as a :class:`Prim`
(which rule applies, which operands carry derivatives). A value is *active*
when it depends on a ``wrt`` input through differentiable operations
(varied) and the output depends on it (useful); only active values get
adjoint code. *Kinds* (scalar, array, int, other) decide whether an adjoint
must undo broadcasting and how a zero adjoint is written.
"""
from __future__ import annotations

import types
from dataclasses import dataclass

import gast

from . import kinds as kind_rules
from . import nodes
from .errors import CompileError
from .parse import ParsedFunction
from .rules import Rule
from .rules.reverse import REVERSE



@dataclass(frozen=True)
class Prim:
    """One right-hand side: what it is and which operands carry derivatives."""

    op: str                   # copy | const | rule | index | pack | zero | unknown
    rule: Rule | None = None
    bound: dict | None = None             # rule parameter -> atom
    operands: tuple = ()                  # (slot, Name id) of differentiable operands
    why: str = ""                         # for unknown: what is missing


@dataclass(frozen=True)
class Analysis:
    prims: dict               # id(assign node) -> Prim
    active: frozenset
    kinds: dict               # name -> scalar | array | int | other
    output: gast.AST          # the returned atom

    def is_active(self, ident: str) -> bool:
        return ident in self.active

    def kind(self, atom) -> str:
        if isinstance(atom, gast.Constant):
            return kind_rules.of_const(atom.value)
        return self.kinds.get(getattr(atom, "id", None)) or "array"


def analyze(tree: gast.FunctionDef, parsed: ParsedFunction, wrt: tuple, arg_kinds: dict):
    assigns = [s for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.Assign)]
    loops = [s for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.For)]
    local = nodes.names_stored(tree)
    prims = {id(s): classify(s.value, parsed, local) for s in assigns}
    output = tree.body[-1].value
    varied = _fixpoint(set(wrt), assigns, loops, prims, forward=True)
    useful = _fixpoint({output.id} if isinstance(output, gast.Name) else set(),
                       assigns, loops, prims, forward=False)
    active = frozenset(varied & useful)
    kinds = kind_rules.infer(assigns, loops, prims, arg_kinds)
    _check(assigns, prims, active, parsed)
    return Analysis(prims, active, kinds, output)


def classify(value, parsed: ParsedFunction, local: set) -> Prim:
    """What ``value`` computes; an unknown one keeps all its local operands, so that
    activity reaches it and the missing rule is reported, never taken as zero."""
    prim = _classify(value, parsed, local)
    if prim.op == "unknown":
        names = sorted(nodes.names_loaded(value) & local)
        prim = Prim("unknown", operands=tuple(enumerate(names)), why=prim.why)
    return prim


def _classify(value, parsed: ParsedFunction, local: set) -> Prim:
    if isinstance(value, gast.Name):
        return Prim("copy", operands=((0, value.id),))
    if isinstance(value, gast.Constant):
        return Prim("const")
    if isinstance(value, gast.BinOp):
        return _rule(("op", type(value.op).__name__), [value.left, value.right], [])
    if isinstance(value, gast.UnaryOp):
        if isinstance(value.op, gast.Not):
            return Prim("zero")
        return _rule(("op", type(value.op).__name__), [value.operand], [])
    if isinstance(value, gast.Call):
        return _call(value, parsed, local)
    if isinstance(value, gast.Attribute):
        if _dotted(value, local) is not None:
            return Prim("zero")                       # np.pi, math.e: a constant
        return _rule(("attr", value.attr), [value.value], [])
    if isinstance(value, gast.Subscript):
        return Prim("index", operands=_names([(0, value.value)]))
    if isinstance(value, (gast.Tuple, gast.List)):
        return Prim("pack", operands=_names(list(enumerate(value.elts))))
    if isinstance(value, gast.Compare):
        return Prim("zero")
    return Prim("unknown", why=f"the expression {type(value).__name__}")


def _call(call: gast.Call, parsed: ParsedFunction, local: set) -> Prim:
    path = _dotted(call.func, local)
    if isinstance(call.func, gast.Name) and path is None:
        return Prim("unknown", why=f"the call to {call.func.id!r}, a function passed in or "
                                   "assigned in the body (s2sad needs to see what it calls)")
    if path is None:                                   # a method on a local value
        receiver = call.func.value
        return _rule(("method", call.func.attr), [receiver] + call.args, call.keywords)
    func = parsed.resolve_path(path)
    if func is None:
        return Prim("unknown", why=f"{path!r}, which is not defined")
    if REVERSE.is_inactive(func):
        return Prim("zero")
    prim = _rule(func, call.args, call.keywords, label=path)
    if prim.op == "unknown" and isinstance(func, types.FunctionType):
        return Prim("unknown", why=f"the call to the user function {path!r} (calls to user "
                                   "functions with active arguments come in a later version)")
    return prim


def _rule(key, args, keywords, label=None) -> Prim:
    if REVERSE.is_inactive(key):
        return Prim("zero")
    rule = REVERSE.get(key)
    label = label or (key[1] if isinstance(key, tuple) else repr(key))
    if rule is None:
        return Prim("unknown", why=f"no derivative rule for {label!r}")
    bound = rule.bind(args, keywords)
    if bound is None:
        return Prim("unknown", why=f"an unsupported call form of {label!r}")
    slots = [(p, bound[p]) for p in rule.differentiable()]
    return Prim("rule", rule, bound, _names(slots))


def _names(slots) -> tuple:
    return tuple((slot, atom.id) for slot, atom in slots if isinstance(atom, gast.Name))


def _dotted(e, local: set):
    """``np.linalg.norm`` as text when ``e`` is a dotted path from a global, else None."""
    parts = []
    while isinstance(e, gast.Attribute):
        parts.append(e.attr)
        e = e.value
    if isinstance(e, gast.Name) and e.id not in local:
        return ".".join([e.id] + parts[::-1])
    return None


def _fixpoint(seed: set, assigns, loops, prims, forward: bool) -> set:
    marked = set(seed)
    changed = True
    while changed:
        changed = False
        for s in assigns:
            target, deps = s.targets[0].id, [n for _, n in prims[id(s)].operands]
            if forward and target not in marked and any(d in marked for d in deps):
                marked.add(target)
                changed = True
            if not forward and target in marked and not all(d in marked for d in deps):
                marked.update(deps)
                changed = True
        for loop in loops:
            src, dst = (loop.iter, loop.target) if forward else (loop.target, loop.iter)
            if isinstance(src, gast.Name) and src.id in marked and \
                    isinstance(dst, gast.Name) and dst.id not in marked:
                marked.add(dst.id)
                changed = True
    return marked


def _check(assigns, prims, active, parsed: ParsedFunction):
    violations = []
    for s in assigns:
        prim = prims[id(s)]
        if s.targets[0].id in active and prim.op == "unknown":
            violations.append(parsed.violation(
                s.value, "no-rule", f"cannot differentiate this value: {prim.why}",
                "rewrite it with operations that have rules (docs/rules.md lists them), "
                "or compute it only from arguments that are not differentiated"))
    if violations:
        raise CompileError(violations)

