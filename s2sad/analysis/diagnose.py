"""Part of analyze: what cannot be differentiated, as located errors with a rewrite.

An active value without a rule, an active index, a list popped in reverse mode,
a nested function reading a differentiated value, a call made for its effect on
one: each is a violation at the user's line with the rewrite that works; all of
them are raised together, in source order.
"""
from __future__ import annotations

import gast

from .function_values import maker_of
from .indices import active_index, active_index_names
from .prims import Prim, bound_names, dotted, mutation, shrinks
from ..tree import nodes
from ..errors import CompileError
from ..front.normalize import USER_NAMES
from ..front.parse import ParsedFunction
from ..rules import label
from ..runtime import get as runtime_get
from ..rules.forward import FORWARD
from ..rules.reverse import REVERSE


def check(tree, assigns, prims, active, varied, parsed: ParsedFunction, mode, earlier,
           keys=frozenset()):
    violations = list(earlier)
    made = {s.targets[0].id: prims[s] for s in assigns}
    values = {s.targets[0].id: s.value for s in assigns}
    for s in assigns:
        prim = prims[s]
        if s.targets[0].id in active and prim.op == "unknown":
            why, suggestion = prim.why, prim.suggestion or _rule_suggestion(prim, s.value)
            callee = s.value.func.id if isinstance(s.value, gast.Call) \
                and isinstance(s.value.func, gast.Name) else None
            if prim.makes_derivative or callee in made and made[callee].makes_derivative:
                why = ("a derivative built with s2sad inside the function being "
                       "differentiated (nested differentiation) is not supported yet "
                       "(s2sad.grad(g) of one wrt argument is)")
                suggestion = ("take it with s2sad.grad(g) (`s2sad.grad(g)(x)`, one wrt "
                              "argument), which is differentiated to any order, or "
                              "differentiate the inner function on its own, outside")
            message = f"cannot differentiate this value: {why}"
            violations.append(parsed.violation(s.value, "no-rule", message, suggestion))
        if s.targets[0].id in active and prim.op == "rule" and prim.rule.undefined:
            violations.extend(_undefined(s.value, prim, varied, parsed))
        if s.targets[0].id in active and prim.op == "index" \
                and active_index_names(s.value, varied, keys):
            violations.append(active_index(s.value, assigns, parsed))
        maker = _calls_a_varied_function(s.value, prim, varied, made, values, parsed)
        if maker is not None:
            violations.append(_varied_function_violation(s.value, maker, parsed, tree))
        if s.targets[0].id in active and prim.op == "pop" and mode == "reverse":
            violations.append(parsed.violation(
                s.value, "no-rule", "list.pop of a differentiated value is not supported "
                "in reverse mode", "index the list instead"))
    stored = nodes.names_stored(tree)             # once: per statement is quadratic
    for stmt in nodes.walk_stmts(tree.body):
        if isinstance(stmt, gast.FunctionDef):
            captured = sorted(_free_names(stmt) & varied)
            if captured:
                violations.append(_closure_violation(stmt, captured, parsed))
            continue
        if _calls_inactive(stmt, parsed, stored, mode):
            continue
        problem = _side_effect_problem(stmt, active, varied, mode, parsed, stored,
                                       getattr(tree, USER_NAMES, {}))
        if problem:
            violations.append(parsed.violation(stmt, "unsupported-syntax", *problem))
    if violations:
        raise CompileError(sorted(violations, key=lambda v: (v.lineno, v.col)))



def _closure_violation(stmt, captured, parsed):
    lam = stmt.name.startswith("lambda_L")          # a lambda, hoisted to a def
    what = "the lambda" if lam else f"the nested function {stmt.name!r}"
    names = ", ".join(captured)
    return parsed.violation(
        stmt, "closure-over-active", f"{what} reads {', '.join(map(repr, captured))} from "
        "the enclosing function, which is differentiated, and is used other than by "
        "calling it (stored, returned, or passed to a function of another module): that "
        "dependence would be lost",
        f"call {'it' if lam else stmt.name} by name only; or give it {names} as "
        f"parameters and pass them along with it (`helper(g, {names})`, where the "
        f"helper calls `g(x, {names})`); or define the helper it is passed to in this "
        "module, where s2sad follows the dependence")


def _calls_a_varied_function(value, prim: Prim, varied, made, values, parsed):
    """For ``g(xs)`` where ``g`` may hold differentiated values (function_values), the
    call that made ``g``; else None."""
    if prim.op != "call" or prim.callee is not None or not isinstance(value, gast.Call) \
            or not isinstance(value.func, gast.Name):
        return None
    return maker_of(value.func.id, varied, made, values, parsed)


def _varied_function_violation(value, maker, parsed, tree):
    name = getattr(tree, USER_NAMES, {}).get(value.func.id)     # None: a temporary
    what = f"the function {name!r} made here" if name else "the function made here"
    return parsed.violation(
        maker if getattr(maker, "lineno", None) else value, "closure-over-active",
        f"{what} holds differentiated values (a closure a factory returned, or a "
        "functools.partial binding them) and is called as a value: the dependence "
        "through what it holds would be lost",
        "call the function it wraps with those values as arguments (`model(p, x)` for "
        "`partial(model, p)(x)`; for a factory's closure, a module-level "
        "`def pred(x, p)` called as `pred(x, p)`)")


def _undefined(value, prim: Prim, varied, parsed):
    """A differentiated argument in which the rule has no derivative (``gammainc``'s a)."""
    from_rule = [p for p in prim.rule.undefined
                 if any(a.id in varied for a in bound_names(prim.bound.get(p)))]
    if not from_rule:
        return []
    name = label(prim.rule.key)
    if prim.rule.key is runtime_get:
        # a differentiated dict's keys look differentiated (``for k in sorted(params)``);
        # a key that depends on differentiated values, of what is not one, is not a key
        receiver = prim.bound.get("x")
        if getattr(receiver, "id", None) in varied:
            return []
        return [parsed.violation(
            value, "no-rule", "cannot differentiate this value: `x.get(...)` is read as a "
            "dict's get, whose key carries no derivative, and its first argument is "
            "differentiated here: a method named get of another object",
            "rename the method (`fetch`), or call it through its class "
            "(`ClassName.get(obj, v, ...)`), which s2sad differentiates from its source")]
    given = ", ".join(prim.rule.differentiable()) or "none"
    return [parsed.violation(
        value, "no-rule", f"cannot differentiate this value: {name} has no derivative rule in "
        f"its argument {from_rule[0]!r} (its rule covers: {given})",
        f"pass {from_rule[0]} as a value that is not differentiated, or register a rule for "
        f"{name} with s2sad.defvjp and s2sad.defjvp")]


def _side_effect_problem(stmt, active, varied, mode, parsed, stored, users):
    """A call made for its effect that takes a differentiated value. It runs in the
    primal sweep and is not differentiated (``print(loss)``, ``logging.info(...)``,
    ``ax.plot(y)``, ``callback(x)``) unless it could change a value the function goes
    on to use: a method of a differentiated value or of a local (``x.sort()``,
    ``out.extend(ys)``), a NumPy function (``np.copyto(x, y)``), an ``out=``."""
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
    if not touched or not _may_change(call, varied, parsed, stored):
        return None
    shown = sorted({users[n] for n in touched if n in users})   # not the temporaries
    return (f"a call made for its side effect on differentiated values"
            f"{' (' + ', '.join(shown) + ')' if shown else ''} could change them in place, "
            "which s2sad cannot follow",
            "assign its result to a new name, or move the call out of the function")


def _may_change(call, varied, parsed, stored) -> bool:
    """Whether an effect call could write into a value the function reads again."""
    if any(k.arg == "out" for k in call.keywords):
        return True
    head = call.func
    while isinstance(head, gast.Attribute):
        head = head.value
    if not isinstance(head, gast.Name) or head.id in varied:
        return True
    if isinstance(call.func, gast.Attribute) and head.id in stored \
            and head.id not in parsed.params + parsed.kwonly:
        return True                       # a method of a local: out.extend(ys)
    if isinstance(call.func, gast.Attribute) and head.id in _read_as_values(parsed.tree):
        return True                       # out.extend(ys), then out read: a value
    if isinstance(call.func, gast.Name) and call.func.id in _nested_defs(parsed.tree):
        return True                       # a nested def called for its effect: it
                                          # writes into something (lst.append(v))
    path = dotted(call.func, stored)
    found = parsed.resolve_path(path) if path else None
    return getattr(found, "__module__", None) is not None \
        and str(found.__module__).split(".")[0] == "numpy"


def _nested_defs(tree) -> set:
    return {n.name for n in nodes.walk(tree) if isinstance(n, gast.FunctionDef)
            and n is not tree}


def _read_as_values(tree) -> set:
    """Names read other than as the receiver of a call statement or an if/while test."""
    allowed = set()
    for stmt in nodes.walk_stmts(tree.body):
        if isinstance(stmt, (gast.If, gast.While)) and isinstance(stmt.test, gast.Name):
            allowed.add(id(stmt.test))
        if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
            head = stmt.value.func
            while isinstance(head, gast.Attribute):
                head = head.value
            allowed.add(id(head))
    return {n.id for n in nodes.walk(tree) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load) and id(n) not in allowed}


def _calls_inactive(stmt, parsed, local, mode) -> bool:
    """A call statement to a function without derivative (e.g. ``_rt.check_scalar``)."""
    if not (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)):
        return False
    path = dotted(stmt.value.func, local)
    table = FORWARD if mode == "forward" else REVERSE
    return path is not None and table.is_inactive(parsed.resolve_path(path))


def _member_suggestion(prim: Prim, value) -> str:
    """For ``p.w`` or ``x.item()``: what the value should be, and a rewrite that works."""
    name = prim.why.split("'.")[1].split("'")[0].rstrip("()")
    if prim.why.startswith("it reads the attribute"):
        return ("s2sad differentiates floats, float arrays and dicts, lists or tuples of "
                f"them: pass the field as an argument of its own (`f(p.{name}, x)`), or "
                f"the fields as a dict (`p = {{'{name}': w}}`, read as `p['{name}']`), or "
                "leave the object out of wrt")
    if name in ("values", "items", "keys", "get"):
        return ("loop over the dict itself and index it: `for k in d: v = d[k]` "
                "(d['w'] for d.get('w'))")
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
    if prim.why == "the expression Dict":
        return ("return or build a tuple or list of the values instead; a dict of "
                "arrays may come in as an argument (wrt a dict of parameters)")
    if "whose keys are not known before the call" in prim.why:
        return (f"pass the keywords one by one (`{name}(x, k=opts['k'])`), or build the "
                "dict in the function as a display of constant keys assigned once "
                "(`opts = {'k': v}`, then `**opts`)")
    if "with *args or **kwargs" in prim.why:
        return (f"define {name} with named parameters (`def {name}(a, b)`, not "
                f"`*args`/`**kwargs`) and pass its arguments one by one; a list or dict "
                "of arrays may be one parameter (`def model(layers)`)")
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
           if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param))} | \
        {n.name for n in gast.walk(definition)              # a def nested in it
         if isinstance(n, gast.FunctionDef) and n is not definition}
    return nodes.names_loaded(definition) - own
