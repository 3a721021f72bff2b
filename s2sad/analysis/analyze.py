"""Stage 3, analyze: what each statement computes, which values are active, their kinds.

Each assignment's right-hand side is classified once as a :class:`Prim`
(which rule applies, which operands carry derivatives). A value is *active*
when it depends on a ``wrt`` input through differentiable operations
(varied) and the output depends on it (useful); only active values get
adjoint code. *Kinds* (scalar, array, int, other) decide whether an adjoint
must undo broadcasting and how a zero adjoint is written.
"""
from __future__ import annotations

import functools
import inspect
import types
from dataclasses import dataclass, replace

import gast

from . import aliasing, mutating
from .indices import active_index, active_index_names, index_names
from . import kinds as kind_rules
from ..tree import nodes
from ..errors import CompileError
from ..front.normalize import USER_NAMES
from ..front.parse import ParsedFunction
from ..rules import USER_CELLS, Rule
from ..rules.forward import FORWARD
from ..rules.reverse import REVERSE



@dataclass(frozen=True)
class Prim:
    """One right-hand side: what it is and which operands carry derivatives."""

    op: str                   # copy | const | rule | index | pack | pop | call | zero | unknown
    rule: Rule | None = None
    bound: dict | None = None             # rule (or callee) parameter -> atom
    operands: tuple = ()                  # (slot, Name id) of differentiable operands
    why: str = ""                         # for unknown: what is missing
    callee: object = None                 # for call: the user function called
    suggestion: str = ""                  # for unknown: the rewrite, if not a rule
    is_lambda: bool = False               # for unknown: a call of a lambda


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


def analyze(tree: gast.FunctionDef, parsed: ParsedFunction, wrt: tuple, arg_kinds: dict,
            mode: str = "reverse"):
    assigns = [s for s in nodes.walk_stmts(tree.body)
               if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)]
    updates = [s for s in nodes.walk_stmts(tree.body) if is_update(s)]
    appends = [s for s in nodes.walk_stmts(tree.body) if mutation(s)]
    loops = [s for s in nodes.walk_stmts(tree.body) if isinstance(s, gast.For)]
    local = nodes.names_stored(tree)
    table = FORWARD if mode == "forward" else REVERSE
    prims = {id(s): classify(s.value, parsed, local, table) for s in assigns}
    output = tree.body[-1].value
    _gradients_called(assigns, prims, parsed, local)
    flows = _flows(tree, assigns, loops, prims)
    flows += [(s.targets[0].value.id, [s.value.id]) for s in updates
              if isinstance(s.value, gast.Name)]
    varied = _fixpoint(set(wrt), flows, forward=True)
    useful = _fixpoint({output.id} if isinstance(output, gast.Name) else set(),
                       flows, forward=False)
    active = frozenset(varied & useful)
    kinds = kind_rules.infer(assigns, loops, prims, arg_kinds)
    aliased = aliasing.problems(tree, assigns, updates + appends, loops, prims, parsed, kinds,
                                arg_kinds)
    calls = mutating.user_calls(nodes.walk_stmts(tree.body), prims,
                                lambda call: classify(call, parsed, local, table))
    aliased += mutating.problems(calls, varied, kinds, parsed, getattr(tree, USER_NAMES, {}))
    keys = {(loop.target.id, loop.iter.id) for loop in loops     # for k in d: d[k]
            if isinstance(loop.iter, gast.Name)}
    _check(tree, assigns, prims, active, varied, parsed, mode, aliased, keys)
    return Analysis(prims, active, kinds, output)


def is_update(stmt) -> bool:
    """``y[index] = v``: an in-place update of a named array."""
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript)


def shrinks(stmt):
    """The list name for a statement ``L.pop()`` (its result unused), else None."""
    call = getattr(stmt, "value", None) if isinstance(stmt, gast.Expr) else None
    if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
            and call.func.attr == "pop" and isinstance(call.func.value, gast.Name) \
            and not call.args and not call.keywords:
        return call.func.value.id
    return None


def mutation(stmt):
    """``(list name, appended atom)`` for a statement ``L.append(v)``, else None."""
    call = getattr(stmt, "value", None) if isinstance(stmt, gast.Expr) else None
    if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
            and call.func.attr == "append" and isinstance(call.func.value, gast.Name) \
            and len(call.args) == 1 and not call.keywords:
        return call.func.value.id, call.args[0]
    return None


def _flows(tree, assigns, loops, prims) -> list:
    """(target, sources): each way a value moves into a name, appends to lists included."""
    flows = [(s.targets[0].id, [n for _, n in prims[id(s)].operands]) for s in assigns]
    # a value read as an index moves into the result too (``np.r_[x, y]``, ``d[x]``): it
    # has no derivative rule, so activity must reach it and the check refuse it
    flows += [(s.targets[0].id, sorted(index_names(s.value))) for s in assigns
              if prims[id(s)].op == "index" and index_names(s.value)]
    flows += [(loop.target.id, [loop.iter.id]) for loop in loops
              if isinstance(loop.iter, gast.Name)]
    for stmt in nodes.walk_stmts(tree.body):
        found = mutation(stmt)
        if found and isinstance(found[1], gast.Name):
            flows.append((found[0], [found[1].id]))
    return flows


def classify(value, parsed: ParsedFunction, local: set, table=REVERSE) -> Prim:
    """What ``value`` computes; an unknown one keeps all its local operands, so that
    activity reaches it and the missing rule is reported, never taken as zero."""
    prim = _classify(value, parsed, local, table)
    if prim.op == "unknown":
        names = sorted(nodes.names_loaded(value) & local)
        prim = replace(prim, operands=tuple(enumerate(names)))
    return prim


def _classify(value, parsed: ParsedFunction, local: set, table) -> Prim:
    if isinstance(value, gast.Name):
        return Prim("copy", operands=((0, value.id),))
    if isinstance(value, gast.Constant):
        return Prim("const")
    if isinstance(value, gast.BinOp):
        return _rule(("op", type(value.op).__name__), [value.left, value.right], [], table)
    if isinstance(value, gast.UnaryOp):
        if isinstance(value.op, gast.Not):
            return Prim("zero")
        return _rule(("op", type(value.op).__name__), [value.operand], [], table)
    if isinstance(value, gast.Call):
        return _call(value, parsed, local, table)
    if isinstance(value, gast.Attribute):
        if _dotted(value, local) is not None:
            return Prim("zero")                       # np.pi, math.e: a constant
        return _rule(("attr", value.attr), [value.value], [], table)
    if isinstance(value, gast.Subscript):
        return Prim("index", operands=_names([(0, value.value)]))
    if isinstance(value, (gast.Tuple, gast.List)):
        return Prim("pack", operands=_names(list(enumerate(value.elts))))
    if isinstance(value, gast.Compare):
        return Prim("zero")
    return Prim("unknown", why=f"the expression {type(value).__name__}")


def _call(call: gast.Call, parsed: ParsedFunction, local: set, table) -> Prim:
    path = _dotted(call.func, local)
    if isinstance(call.func, gast.Attribute) and call.func.attr == "pop" and path is None \
            and isinstance(call.func.value, gast.Name) and not call.args and not call.keywords:
        return Prim("pop", operands=((0, call.func.value.id),))
    if isinstance(call.func, gast.Name) and path is None:
        nested = _nested_defs(parsed).get(call.func.id)
        if nested is not None:
            return _user_call(_signature_of(nested), call, call.func.id, callee=None)
        return Prim("unknown", why=f"the call to {call.func.id!r}, a function passed in or "
                                   "assigned in the body (s2sad needs to see what it calls)")
    if path is None:                                   # a method on a local value
        receiver = call.func.value
        prim = _rule(("method", call.func.attr), [receiver] + call.args, call.keywords, table)
        if prim.op == "unknown" and isinstance(receiver, gast.Name) \
                and receiver.id in ("self", "cls"):
            return _method_call(call)                  # a user class's own method
        return prim
    func = parsed.resolve_path(path)
    if func is None:
        return Prim("unknown", why=f"{path!r}, which is not defined")
    if table.is_inactive(func):
        return Prim("zero")
    made = getattr(func, "__s2sad_derivative__", None)
    if made:
        return _made_call(func, made, call, path)
    prim = _rule(func, call.args, call.keywords, table, label=path)
    if prim.op == "unknown" and _is_user_function(func):
        return _lambda_call(func, path) or _user_call(func, call, path)
    return prim


def _lambda_call(func, path) -> Prim | None:
    """A call of a lambda (a global or a closure's): its source is a line, not a def, and
    the derivative code would be named after ``<lambda>``."""
    func = getattr(func, "__s2sad_primal__", func)
    func = getattr(func, "__func__", func)
    if func.__name__ != "<lambda>":
        return None
    if USER_CELLS.get(path) is func:            # in a gradient a second derivative reads
        return Prim("unknown", why="a derivative rule given to s2sad.defvjp or defjvp is a "
                    "lambda, and a second derivative differentiates the rule's code",
                    is_lambda=True, suggestion=f"write the rule with def (def rule"
                    f"{inspect.signature(func)}: return ...) and register that")
    return Prim("unknown", why=f"{path!r} is a lambda, and s2sad differentiates the "
                               "functions a function calls from their def",
                is_lambda=True, suggestion=f"define it with def instead: def "
                f"{path.rpartition('.')[2]}{inspect.signature(func)}: return ...")


def _made_call(func, made, call, path) -> Prim:
    """A call of a derivative s2sad made: ``s2sad.grad(f)`` of one argument is
    differentiated through f's second derivatives; the others are not."""
    target, names, single = getattr(func, "__s2sad_gradient__", (None, (), False))
    if single:
        return _user_call(target.primal, call, path,
                          callee=GradientOf(target.primal, names[0]))
    return Prim("unknown", why=f"{path!r}, a {made} function s2sad made (only a "
                               "gradient with one wrt argument is differentiated again)")


def _is_user_function(func) -> bool:
    """A def of the user's; or its method bound to an object (``MODEL.apply``: the
    object is passed first, as ``self`` is to a method called on ``self``)."""
    func = getattr(func, "__s2sad_primal__", func)
    if isinstance(func, types.MethodType):
        func = func.__func__
    return isinstance(func, types.FunctionType) and \
        (func.__module__ or "").partition(".")[0] != "s2sad"    # s2sad's own need rules


def _method_call(call) -> Prim:
    """``self.f(a, b)``: the bound method is known when the call runs; arguments are
    matched by position (after self) or keyword."""
    if any(isinstance(a, gast.Starred) for a in call.args):
        return Prim("unknown", why=f"a call of self.{call.func.attr} with *args")
    bound = dict(enumerate(call.args))
    bound.update({k.arg: k.value for k in call.keywords})
    operands = tuple((slot, v.id) for slot, v in bound.items() if isinstance(v, gast.Name))
    return Prim("call", bound=bound, operands=operands, why=f"self.{call.func.attr}",
                callee=None)


@dataclass(frozen=True)
class GradientOf:
    """The function ``s2sad.grad(func, wrt=wrt)`` builds, called inside the function being
    differentiated (nested differentiation): its derivative is a Hessian block."""

    func: object
    wrt: object

    @property
    def __name__(self) -> str:
        return "grad_" + self.func.__name__


def _gradients_called(assigns, prims, parsed, local):
    """``g = s2sad.grad(f, wrt=...)`` then ``g(a, b)``: the call is a call of a known
    function, differentiated through f's second derivatives."""
    made = {}
    for s in assigns:
        value = s.value
        path = _dotted(value.func, local) if isinstance(value, gast.Call) else None
        maker = parsed.resolve_path(path) if path else None
        if getattr(maker, "__module__", "") == "s2sad.api" and maker.__name__ == "grad" \
                and len(value.args) == 1 and isinstance(value.args[0], gast.Name):
            func = parsed.resolve_path(value.args[0].id)
            wrt = [k.value for k in value.keywords if k.arg == "wrt"]
            if _is_user_function(func) and all(isinstance(w, gast.Constant) for w in wrt):
                made[s.targets[0].id] = GradientOf(func, wrt[0].value if wrt else None)
    for s in assigns:
        value = s.value
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
                and value.func.id in made:
            gradient = made[value.func.id]
            prim = _user_call(gradient.func, value, value.func.id, callee=gradient)
            prims[id(s)] = prim


def _nested_defs(parsed) -> dict:
    return {n.name: n for n in gast.walk(parsed.tree)
            if isinstance(n, gast.FunctionDef) and n is not parsed.tree}


def _signature_of(definition: gast.FunctionDef) -> inspect.Signature:
    """The signature of a nested def, read from its tree (it exists only at run time)."""
    args = definition.args
    kind = inspect.Parameter
    params = [kind(a.id, kind.POSITIONAL_ONLY) for a in args.posonlyargs]
    params += [kind(a.id, kind.POSITIONAL_OR_KEYWORD) for a in args.args]
    if args.vararg is not None:
        params.append(kind(args.vararg.id, kind.VAR_POSITIONAL))
    params += [kind(a.id, kind.KEYWORD_ONLY) for a in args.kwonlyargs]
    defaults = len(args.defaults)
    if defaults:                 # the values don't matter here, only that there are some
        params = [p.replace(default=None) if i >= len(params) - defaults - len(args.kwonlyargs)
                  and p.kind == kind.POSITIONAL_OR_KEYWORD else p for i, p in enumerate(params)]
    return inspect.Signature(params)


def _user_call(func, call, path, callee="same") -> Prim:
    """A call to a user function: differentiated through its own generated derivative.
    ``func`` is the function, or the signature of a nested def (callee None: the
    function object exists only when the outer function runs)."""
    callee = func if callee == "same" else callee
    try:
        signature = func if isinstance(func, inspect.Signature) else \
            inspect.signature(getattr(func, "__s2sad_primal__", func))
        bound = signature.bind(*call.args, **{k.arg: k.value for k in call.keywords}).arguments
    except (TypeError, ValueError):
        return Prim("unknown", why=f"an unsupported call form of {path!r}")
    if any(not isinstance(v, (gast.Name, gast.Constant)) for v in bound.values()):
        return Prim("unknown", why=f"a call of {path!r} with *args or **kwargs")
    operands = tuple((p, v.id) for p, v in bound.items() if isinstance(v, gast.Name))
    return Prim("call", bound=dict(bound), operands=operands, why=path, callee=callee)


def _rule(key, args, keywords, table, label=None) -> Prim:
    if table.is_inactive(key):
        return Prim("zero")
    rule = table.get(key)
    label = label or (key[1] if isinstance(key, tuple) else repr(key))
    if rule is None and isinstance(key, tuple) and key[0] in ("attr", "method"):
        return Prim("unknown", why=_member_why(*key))
    if rule is None:
        if isinstance(key, functools.partial):
            return Prim("unknown", why=f"no derivative rule for {label!r}, a "
                                       "functools.partial, whose source s2sad cannot read")
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


def _fixpoint(seed: set, flows, forward: bool) -> set:
    marked = set(seed)
    changed = True
    while changed:
        changed = False
        for target, sources in flows:
            if forward and target not in marked and any(d in marked for d in sources):
                marked.add(target)
                changed = True
            if not forward and target in marked and not all(d in marked for d in sources):
                marked.update(sources)
                changed = True
    return marked


def _check(tree, assigns, prims, active, varied, parsed: ParsedFunction, mode, earlier,
           keys=frozenset()):
    violations = list(earlier)
    made = {s.targets[0].id: prims[id(s)] for s in assigns}
    for s in assigns:
        prim = prims[id(s)]
        if s.targets[0].id in active and prim.op == "unknown":
            why, suggestion = prim.why, prim.suggestion or _rule_suggestion(prim, s.value)
            callee = s.value.func.id if isinstance(s.value, gast.Call) \
                and isinstance(s.value.func, gast.Name) else None
            if callee in made and "'s2sad." in made[callee].why:
                why = ("a derivative built with s2sad inside the function being "
                       "differentiated (nested differentiation) is not supported yet")
                suggestion = "differentiate the inner function on its own, outside"
            message = f"cannot differentiate this value: {why}"
            violations.append(parsed.violation(s.value, "lambda", message, suggestion)
                              if prim.is_lambda else
                              parsed.violation(s.value, "no-rule", message, suggestion))
        if s.targets[0].id in active and prim.op == "index" \
                and active_index_names(s.value, varied, keys):
            violations.append(active_index(s.value, assigns, parsed))
        if s.targets[0].id in active and prim.op == "pop" and mode == "reverse":
            violations.append(parsed.violation(
                s.value, "no-rule", "list.pop of a differentiated value is not supported "
                "in reverse mode", "index the list instead"))
    stored = nodes.names_stored(tree)             # once: per statement is quadratic
    for stmt in nodes.walk_stmts(tree.body):
        if isinstance(stmt, gast.FunctionDef):
            captured = sorted(_free_names(stmt) & varied)
            if captured:
                violations.append(parsed.violation(
                    stmt, "closure-over-active", f"the nested function {stmt.name!r} reads "
                    f"{', '.join(map(repr, captured))} from the enclosing function, which is "
                    "differentiated: that dependence would be lost",
                    f"pass {', '.join(captured)} to {stmt.name} as arguments"))
            continue
        if _calls_inactive(stmt, parsed, stored, mode):
            continue
        problem = _side_effect_problem(stmt, active, varied, mode,
                                       getattr(tree, USER_NAMES, {}))
        if problem:
            violations.append(parsed.violation(stmt, "unsupported-syntax", *problem))
    if violations:
        raise CompileError(sorted(violations, key=lambda v: (v.lineno, v.col)))



def _side_effect_problem(stmt, active, varied, mode, users):
    """A call made for its effect that takes a differentiated value: only ``print``
    and ``list.append`` are understood; anything else could hide a dependence, so it
    is an error rather than a silent zero."""
    if not (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)):
        return None
    call = stmt.value
    if mutation(stmt) or shrinks(stmt):
        return None
    args = list(call.args) + [k.value for k in call.keywords]
    touched = {a.id for a in args if isinstance(a, gast.Name)} & varied
    receiver = call.func.value if isinstance(call.func, gast.Attribute) else None
    if isinstance(receiver, gast.Name) and receiver.id in varied:
        touched.add(receiver.id)
    if not touched or (isinstance(call.func, gast.Name) and call.func.id == "print"):
        return None
    shown = sorted({users[n] for n in touched if n in users})   # not the temporaries
    return (f"a call made for its side effect on differentiated values"
            f"{' (' + ', '.join(shown) + ')' if shown else ''} is not supported",
            "assign its result, or move the call out of the function")


def _calls_inactive(stmt, parsed, local, mode) -> bool:
    """A call statement to a function without derivative (e.g. ``_rt.check_scalar``)."""
    if not (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)):
        return False
    path = _dotted(stmt.value.func, local)
    table = FORWARD if mode == "forward" else REVERSE
    return path is not None and table.is_inactive(parsed.resolve_path(path))


def _member_why(kind, name) -> str:
    if kind == "attr":
        return (f"it reads the attribute '.{name}' of a differentiated value, which is not "
                "an array attribute with a rule (x.T, x.real, ...)")
    return f"no derivative rule for the method '.{name}()'"


def _member_suggestion(prim: Prim, value) -> str:
    """For ``p.w`` or ``x.item()``: what the value should be, and a rewrite that works."""
    name = prim.why.split("'.")[1].split("'")[0].rstrip("()")
    if prim.why.startswith("it reads the attribute"):
        return ("s2sad differentiates floats, float arrays and dicts, lists or tuples of "
                f"them: pass the field as an argument of its own (`f(p.{name}, x)`), or "
                f"the fields as a dict (`p = {{'{name}': w}}`, read as `p['{name}']`), or "
                "leave the object out of wrt")
    if name == "item":
        return "for an array of one element write `np.sum(x)`; for element i, `x[i]`"
    count = len(value.args) + len(value.keywords) if isinstance(value, gast.Call) else 0
    xs = ", ".join(["x"] + [f"a{i}" for i in range(count)])
    return (f"call it through a function with rules: `def {name}_of({xs}): return "
            f"x.{name}({xs[3:]})`, then `s2sad.defvjp({name}_of, lambda g, ans, {xs}: ...)`")


def _rule_suggestion(prim: Prim, value) -> str:
    if "'." in prim.why:
        return _member_suggestion(prim, value)
    name = prim.why.split("'")[1] if prim.why.count("'") >= 2 else "f"
    count = len(value.args) + len(value.keywords) if isinstance(value, gast.Call) else 1
    xs = "x" if count <= 1 else ", ".join(f"x{i}" for i in range(count))
    if "functools.partial" in prim.why:
        return (f"call the function {name} wraps with its bound arguments written out, "
                "so that s2sad reads its source (e.g. `loss(x, k=2.0)` for "
                "`functools.partial(loss, k=2.0)`)")
    if prim.why.startswith("no derivative rule"):
        return (f"register rules for it: s2sad.defvjp({name}, lambda g, ans, {xs}: ...) and "
                f"s2sad.defjvp({name}, lambda d, ans, {xs}: ...); or rewrite it with "
                "operations that have rules (`s2sad rules` and docs/rules.md list them)")
    return ("rewrite it with operations that have rules (`s2sad rules` and docs/rules.md "
            "list them), or compute it only from arguments that are not differentiated")


def _free_names(definition: gast.FunctionDef) -> set:
    """Names a nested def reads that it does not define itself."""
    own = {n.id for n in gast.walk(definition)
           if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param))}
    return nodes.names_loaded(definition) - own
