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
            return _const_kind(atom.value)
        return self.kinds.get(getattr(atom, "id", None), "array")


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
    kinds = _kinds(assigns, loops, prims, arg_kinds)
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


def _const_kind(value) -> str:
    if isinstance(value, bool) or isinstance(value, int):
        return "int"
    return "scalar" if isinstance(value, float) else "other"


def _join(a, b):
    if a is None or a == b:
        return b
    if {a, b} == {"scalar", "int"}:
        return "scalar"
    return "array"


def _kinds(assigns, loops, prims, arg_kinds) -> dict:
    kinds = dict(arg_kinds)
    changed = True
    while changed:
        changed = False
        updates = [(s.targets[0].id, _kind_of(s.value, prims[id(s)], kinds)) for s in assigns]
        updates += [(loop.target.id, _loop_kind(loop, kinds)) for loop in loops]
        for target, kind in updates:
            if kind is None:
                continue
            new = _join(kinds.get(target), kind)
            if new != kinds.get(target):
                kinds[target] = new
                changed = True
    return kinds


def _loop_kind(loop, kinds):
    it = loop.iter
    if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range":
        return "int"
    return "array"


def _kind_of(value, prim: Prim, kinds):
    def k(atom):
        if isinstance(atom, gast.Constant):
            return _const_kind(atom.value)
        return kinds.get(atom.id) if isinstance(atom, gast.Name) else "array"

    if prim.op == "copy":
        return kinds.get(value.id)
    if prim.op == "const":
        return _const_kind(value.value)
    if prim.op == "rule":
        return _rule_kind(prim, value, k)
    if prim.op == "zero":
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
                and value.func.id in ("len", "int", "round", "bool"):
            return "int"
        return "other" if isinstance(value, (gast.Compare, gast.UnaryOp)) else "array"
    if prim.op == "pack":
        return "other"
    return "array"


def _rule_kind(prim: Prim, value, k):
    rule, bound = prim.rule, prim.bound
    operand_kinds = [k(a) for a in bound.values() if isinstance(a, (gast.Name, gast.Constant))]
    if None in operand_kinds:
        return None                        # not known yet: the fixed point comes back
    if rule.result == "scalar":
        return "scalar"
    if rule.result == "same":
        return k(bound[rule.params[0]])
    if rule.result == "reduction":
        axis, keep = bound.get("axis"), bound.get("keepdims")
        flat = isinstance(axis, gast.Constant) and axis.value is None
        return "scalar" if flat and not (isinstance(keep, gast.Constant) and keep.value) \
            else "array"
    if rule.result == "elementwise":
        if "array" in operand_kinds or "other" in operand_kinds:
            return "array"
        if "scalar" in operand_kinds or rule.key == ("op", "Div"):
            return "scalar"
        return "int"
    return "array"


def _check(assigns, prims, active, parsed: ParsedFunction):
    violations = []
    for s in assigns:
        prim = prims[id(s)]
        if s.targets[0].id in active and prim.op == "unknown":
            violations.append(parsed.violation(
                s.value, "no-rule", f"cannot differentiate {prim.why}",
                "register a rule with s2sad.defvjp, or compute this value from "
                "inputs that are not differentiated"))
    if violations:
        raise CompileError(violations)

