"""The supported language: every construct outside it is reported, all at once.

Part of normalize: it runs first, so later passes only meet what they handle.
"""
from __future__ import annotations

import gast

from ..errors import CompileError
from ..tree import nodes
from .parse import ParsedFunction

# node type -> (what it is, suggested rewrite)
_REJECTED = {
    gast.Yield: ("a generator (yield)", "return a list or an array instead of yielding"),
    gast.YieldFrom: ("a generator (yield from)", "return a list or an array instead"),
    gast.Await: ("await", "differentiate a plain synchronous def"),
    gast.AsyncFor: ("async for", "use a plain for loop"),
    gast.AsyncWith: ("async with", "move the context manager out of the function"),
    gast.Try: ("try/except", "move error handling out of the differentiated function, "
                             "or test the condition with if"),
    gast.With: ("a with statement", "move the context manager out of the function "
                                    "and pass in what it yields"),
    gast.Global: ("a global declaration", "pass the value in as an argument and return "
                                          "the new value"),
    gast.Nonlocal: ("a nonlocal declaration", "pass the value in as an argument and "
                                              "return the new value"),
    gast.Lambda: ("a lambda inside a comprehension or another lambda, or with a default "
                  "that is not a constant", "define it with def before the statement "
                  "(a nested def), passing the value as an argument"),
    gast.ClassDef: ("a class definition", "define the class at module level"),
    gast.SetComp: ("a set comprehension", "write a for loop"),
    gast.DictComp: ("a dict comprehension", "write a for loop"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign on its own line first"),
    gast.Delete: ("del", "leave the name bound; it is freed when the function returns"),
    gast.Import: ("an import inside the function", "import at module level"),
    gast.ImportFrom: ("an import inside the function", "import at module level"),
    gast.Starred: ("star-unpacking (*xs) outside a call", "index the sequence "
                   "(`first, rest = xs[0], xs[1:]`; `[p[0] for p in pairs]`)"),
    gast.Match: ("a match statement", "write it with if/elif/else"),
}


def _is_bad_target(target) -> bool:
    """Only plain names and tuples of names may be assigned (no x[i] =, no x.a =)."""
    if isinstance(target, gast.Name):
        return False
    if isinstance(target, (gast.Tuple, gast.List)):
        return any(_is_bad_target(t) for t in target.elts)
    return True


def _is_update(node) -> bool:
    """``y[i] = v`` or ``y[i] += v`` on a named array: an in-place update s2sad handles."""
    targets = node.targets if isinstance(node, gast.Assign) else \
        [node.target] if isinstance(node, gast.AugAssign) else []
    return len(targets) == 1 and isinstance(targets[0], gast.Subscript) \
        and isinstance(targets[0].value, gast.Name)


def _assignment_problem(node):
    targets = []
    if isinstance(node, gast.Assign):
        targets = node.targets
    elif isinstance(node, (gast.AugAssign, gast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, gast.For):
        targets = [node.target]
    if _is_update(node):
        return None
    for target in targets:
        if _is_bad_target(target):
            kind = "an attribute" if isinstance(target, gast.Attribute) else \
                "a nested subscript or a subscript inside unpacking" \
                if isinstance(target, gast.Subscript) else "this target"
            return (f"assignment to {kind}",
                    "assign to a local variable, or update a named array on its own line "
                    "(y[i] = v)")
    return None


def _lowered_stars(parsed) -> set:
    """The ids of the ``*pairs`` in ``zip(*pairs)`` (builtin zip): normalize writes
    ``_rt.unzip(pairs)`` for it (``tree_calls``)."""
    return {id(node.args[0]) for node in gast.walk(parsed.tree)
            if isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
            and node.func.id == "zip" and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], gast.Starred) and parsed.lookup("zip") is zip
            and "zip" not in nodes.names_stored(parsed.tree)}


def _splat_problem(node):
    """A splat in a call that parse could not write out (:mod:`.splats`)."""
    what = nodes.dotted_path(node.value) or "the value"
    return (f"a splat *{what} whose length is not known before the call",
            f"pass the items one by one (`f({what}[0], {what}[1])`), or build it in the "
            f"function as a tuple display assigned once, whose length is known "
            f"(`{what} = (a, b)`, then `f(*{what})`)")


def check(parsed: ParsedFunction) -> None:
    """Raise one CompileError listing every unsupported construct in the body."""
    violations = []
    lowered = _lowered_stars(parsed)
    splats = {id(a) for n in gast.walk(parsed.tree) if isinstance(n, gast.Call) for a in n.args}
    for stmt in parsed.tree.body:
        for node in gast.walk(stmt):
            problem = None if id(node) in lowered else _splat_problem(node) \
                if id(node) in splats and isinstance(node, gast.Starred) else \
                _REJECTED.get(type(node)) or _assignment_problem(node)
            if isinstance(node, (gast.For, gast.While)) and node.orelse:
                problem = ("a loop with an else clause",
                           "set a flag before break and test it after the loop")
            if isinstance(node, gast.FunctionDef) and node.decorator_list:
                problem = ("a decorated nested function", "define it without decorators")
            if isinstance(node, gast.AnnAssign) and node.value is None:
                problem = ("an annotation without a value", "remove the annotation")
            if problem:
                what, rewrite = problem
                violations.append(parsed.violation(
                    node, "unsupported-syntax", f"{what} is not supported", rewrite))
    args = parsed.tree.args
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            violations.append(parsed.violation(
                extra, "unsupported-syntax",
                f"variadic parameter {extra.id!r} is not supported here (s2sad.grad, "
                "vjp, jvp, hessian, source, check_grad, trace and the other operators "
                "specialise a def with *args/**kwargs on each call's shape, and so does a "
                "call of it inside a differentiated function)",
                "call it through one of those, or name each parameter explicitly, or take "
                "the values as one list or tuple parameter (`def model(x, layers)`, "
                "called `model(x, [W1, W2])`)"))
    if violations:
        raise CompileError(violations)
