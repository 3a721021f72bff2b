"""Part of analyze: what one right-hand side computes, as a :class:`Prim`.

``classify`` reads an expression once: which derivative rule applies (from the
mode's table), which operands carry derivatives, or, for what has no rule, why
and what rewrite works. The statement shapes analyze and the transforms ask
about (``y[i] = v``, ``L.append(v)``, ``L.pop()``) are named here too.
"""
from __future__ import annotations

import functools
import inspect
import os
import sysconfig
import types
from dataclasses import dataclass, replace

import gast
import numpy as np

from . import constructors
from .. import runtime
from ..tree import nodes
from ..front import frozen_stats, variadic
from ..front.parse import ParsedFunction
from ..rules import Rule
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
    unless_array: tuple = ()              # for a method call: (receiver, the Prim if it
                                          # is differentiated: a method without a rule)
    makes_derivative: bool = False        # for unknown: a call of s2sad.grad, jvp, ...

    @property
    def source(self) -> str:
        """For copy: the name copied (``t = x``, or ``v = _rt.as_sequence(x)``)."""
        return self.operands[0][1]


# What normalize writes for the sequence ``for t in c`` walks (``v = _rt.as_sequence(c)``,
# then ``t = v[k]``): the same object as c for arrays, lists and tuples, so a copy.
SEQUENCE = "_rt.as_sequence"


def sequence_of(value):
    """``c`` for ``_rt.as_sequence(c)``, else None."""
    if isinstance(value, gast.Call) and len(value.args) == 1 and not value.keywords \
            and isinstance(value.args[0], gast.Name) and dotted(value.func, ()) == SEQUENCE:
        return value.args[0].id
    return None



def pack_items(value) -> list:
    """The items a pack holds: a tuple's or list's elements, a dict display's values."""
    return value.values if isinstance(value, gast.Dict) else value.elts


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
        if dotted(value, local) is not None:
            return Prim("zero")                       # np.pi, math.e: a constant
        return _rule(("attr", value.attr), [value.value], [], table)
    if isinstance(value, gast.Subscript):
        return Prim("index", operands=_names([(0, value.value)]))
    if isinstance(value, (gast.Tuple, gast.List)):
        return Prim("pack", operands=_names(list(enumerate(value.elts))))
    if isinstance(value, gast.Dict) and None not in value.keys \
            and all(nodes.is_atom(k) for k in value.keys):
        return Prim("pack", operands=_names(list(enumerate(value.values))))
    if isinstance(value, gast.Compare):
        return Prim("zero")
    return Prim("unknown", why=f"the expression {type(value).__name__}")


def _call(call: gast.Call, parsed: ParsedFunction, local: set, table) -> Prim:
    if sequence_of(call) is not None:
        return Prim("copy", operands=((0, sequence_of(call)),))
    path = dotted(call.func, local)
    if isinstance(call.func, gast.Attribute) and call.func.attr == "pop" and path is None \
            and isinstance(call.func.value, gast.Name) and not call.args and not call.keywords:
        return Prim("pop", operands=((0, call.func.value.id),))
    if isinstance(call.func, gast.Name) and path is None:
        nested = _nested_defs(parsed).get(call.func.id)
        if nested is not None and (nested.args.vararg or nested.args.kwarg):
            return value_call(call, repr(call.func.id))   # specialised when it runs
        if nested is not None:
            return user_call(_signature_of(nested), call, call.func.id, callee=None)
        return value_call(call, repr(call.func.id))   # an argument, an item, a factory's
    if path is None:                                   # a method on a local value
        return _local_method(call, table)
    func = parsed.resolve_path(path)
    if func is None and path.startswith("_rt."):      # what normalize wrote (tree_calls)
        func = getattr(runtime, path[4:], None)
    if func is None:
        return Prim("unknown", why=f"{path!r}, which is not defined")
    func = frozen_stats.canonical(func)              # D.dist.logpdf of a global frozen D
    if isinstance(getattr(func, "__self__", None), np.ndarray) \
            and isinstance(call.func, gast.Attribute):     # G.copy() of a global array
        prim = _rule(("method", call.func.attr), [call.func.value] + call.args,
                     call.keywords, table)
        if prim.op != "unknown":
            return prim
    if getattr(func, "__s2sad_made__", False) and not isinstance(func, type):
        # what s2sad made for a callee (its pullback, its tangent) in code s2sad made to
        # be differentiated again: its tangent is made for the call the code runs
        return replace(value_call(call, repr(path)), callee=func)
    if table.is_inactive(func):
        return Prim("zero")
    made = getattr(func, "__s2sad_derivative__", None)
    if made:
        return _made_call(func, made, call, path)
    return _function_call(func, call, path, table)


def _local_method(call, table) -> Prim:
    receiver = call.func.value
    prim = _rule(("method", call.func.attr), [receiver] + call.args, call.keywords, table)
    if prim.op == "unknown" and isinstance(receiver, gast.Name):
        # a method of an object (``self.f``, ``layer.forward``): bound when it runs;
        # on a differentiated value (an array), the missing rule is reported
        found = value_call(call, f"{receiver.id}.{call.func.attr}")
        return found if receiver.id in ("self", "cls") else \
            replace(found, unless_array=(receiver.id, prim))
    return prim


def _function_call(func, call, path, table) -> Prim:
    """A call of a function found at ``path``: its rule, or what else it is."""
    prim = _rule(func, call.args, call.keywords, table, label=path)
    if prim.op == "unknown" and constructors.fields_of_class(func):
        return replace(prim, why=f"building the {constructors.kind_of_class(func)} {path!r} "
                       "of differentiated values",
                       suggestion=constructors.tree_rewrite(func, path))
    if prim.op == "unknown" and table.get(func) is not None and is_library_function(func):
        return prim                      # a rule that does not cover this call's form
    if prim.op == "unknown" and isinstance(func, types.FunctionType) \
            and func in DERIVATIVE_MAKERS:
        return replace(prim, makes_derivative=True)
    if prim.op == "unknown" and isinstance(func, functools.partial):
        return value_call(call, repr(path))     # made for its function when it runs
    if prim.op == "unknown" and is_library_function(func):
        return replace(prim, why=f"no derivative rule for {path!r} ({_qualified(func)}, "
                                 "from an installed library, whose source s2sad does not read)")
    if prim.op == "unknown" and is_user_function(func):
        return user_call(func, call, path)
    if prim.op == "unknown" and type(func).__module__.startswith("scipy.stats"):
        return replace(prim, why=f"{path!r}, a scipy.stats distribution called to freeze its "
                       "parameters, the frozen distribution then used otherwise than by its "
                       f"methods with rules ({', '.join(sorted(frozen_stats.METHODS))} of "
                       "one argument, on a name read by nothing else)",
                       suggestion="call the distribution's method with the parameters: "
                       "`norm.logpdf(x, loc, scale)` for `norm(loc, scale).logpdf(x)`")
    return prim


# s2sad's own functions that make derivatives (s2sad.api adds them): a derivative
# they make inside the function is refused, but s2sad.grad's is differentiated
DERIVATIVE_MAKERS: set = set()
GRADIENT_MAKERS: set = set()


def _made_call(func, made, call, path) -> Prim:
    """A call of a derivative s2sad made: ``s2sad.grad(f)`` of one argument is
    differentiated through f's second derivatives; the others are not. One of a def with
    ``*args`` is its specialisation's for the call's shape."""
    for_shape = getattr(func, "__s2sad_for_shape__", None)
    if for_shape is not None and _splats_nothing(call) and not call.keywords:
        try:
            func = for_shape(tuple(call.args), {})
        except Exception:            # a call that does not bind: reported as unknown
            func = None
    target, names, single = getattr(func, "__s2sad_gradient__", (None, (), False))
    if single:
        return user_call(target.primal, call, path,
                          callee=GradientOf(target.primal, names[0]))
    return Prim("unknown", why=f"{path!r}, a {made} function s2sad made (only a "
                               "gradient with one wrt argument is differentiated again)")


# where installed libraries live: the standard library and site-packages
_LIBRARY_DIRS = tuple(sorted({os.path.join(os.path.realpath(p), "") for k, p in
                              sysconfig.get_paths().items()
                              if k in ("stdlib", "platstdlib", "purelib", "platlib")}))


def is_library_function(func) -> bool:
    """A Python function of an installed library (the standard library, site-packages,
    NumPy, SciPy): with no rule it is reported at the call, never parsed."""
    func = getattr(func, "__func__", func)
    code = getattr(func, "__code__", None)
    if not isinstance(func, types.FunctionType) or code is None:
        return False
    if (func.__module__ or "").partition(".")[0] in ("numpy", "scipy"):
        return True
    filename = os.path.realpath(code.co_filename)
    return filename.startswith(_LIBRARY_DIRS) and (func.__module__ or "").partition(".")[0] \
        != "s2sad"


def _qualified(func) -> str:
    func = getattr(func, "__func__", func)
    return f"{func.__module__}.{func.__qualname__}"


def is_user_function(func) -> bool:
    """A def of the user's; or its method bound to an object (``MODEL.apply``: the
    object is passed first, as ``self`` is to a method called on ``self``)."""
    func = getattr(func, "__s2sad_primal__", func)
    if isinstance(func, types.MethodType):
        func = func.__func__
    return isinstance(func, types.FunctionType) and \
        (func.__module__ or "").partition(".")[0] != "s2sad"    # s2sad's own need rules


def value_call(call, what: str) -> Prim:
    """A call of a function known only when it runs (an argument, a list's item, a
    factory's result, ``self.f``): arguments are matched by position (after a bound
    method's object) or keyword, and its derivative is made for the function the call
    finds (``vjp_of(f, wrt)``), specialised on that function object."""
    if any(isinstance(a, gast.Starred) for a in call.args) \
            or any(k.arg is None for k in call.keywords):
        return Prim("unknown", why=f"a call of {what} with *args or **kwargs")
    bound = dict(enumerate(call.args))
    bound.update({k.arg: k.value for k in call.keywords})
    operands = tuple((slot, v.id) for slot, v in bound.items() if isinstance(v, gast.Name))
    return Prim("call", bound=bound, operands=operands, why=what, callee=None)


@dataclass(frozen=True)
class GradientOf:
    """The function ``s2sad.grad(func, wrt=wrt)`` builds, called inside the function being
    differentiated (nested differentiation): its derivative is a Hessian block."""

    func: object
    wrt: object

    @property
    def __name__(self) -> str:
        return "grad_" + self.func.__name__



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


def user_call(func, call, path, callee="same") -> Prim:
    """A call to a user function: differentiated through its own generated derivative.
    ``func`` is the function, or the signature of a nested def (callee None: the
    function object exists only when the outer function runs)."""
    callee = func if callee == "same" else callee
    keywords = {k.arg: k.value for k in call.keywords}
    if None in keywords:
        return Prim("unknown", why=f"a call of {path!r} that splats **"
                    f"{dotted(keywords[None]) or 'a value'}, whose keys are not known "
                    "before the call")
    try:
        if callee is func and _splats_nothing(call):
            func, keywords = _specialised(func, call, keywords)
            callee = func
        signature = func if isinstance(func, inspect.Signature) else \
            inspect.signature(getattr(func, "__s2sad_primal__", func))
        bound = signature.bind(*call.args, **keywords).arguments
    except (TypeError, ValueError):
        return Prim("unknown", why=f"an unsupported call form of {path!r}")
    if any(not isinstance(v, (gast.Name, gast.Constant)) for v in bound.values()):
        return Prim("unknown", why=f"a call of {path!r} with *args or **kwargs")
    operands = tuple((p, v.id) for p, v in bound.items() if isinstance(v, gast.Name))
    return Prim("call", bound=dict(bound), operands=operands, why=path, callee=callee)


def _splats_nothing(call) -> bool:
    return not any(isinstance(a, gast.Starred) for a in call.args) \
        and all(k.arg is not None for k in call.keywords)


def _specialised(func, call, keywords):
    """A call of a def with ``*args``/``**kwargs``: the def it is for this call's shape
    (:mod:`s2sad.front.variadic`), and the call's keywords as its parameters; else as
    they are. Raises TypeError where the call does not bind."""
    user = getattr(func, "__s2sad_primal__", func)
    owner = (user.__self__,) if isinstance(user, types.MethodType) else ()
    user = user.__func__ if owner else user
    if getattr(user, "__wrapped__", None) is not None or not variadic.is_variadic(user):
        return func, keywords
    spec = variadic.specialised(user, *variadic.shape_of_call(user, owner + tuple(call.args),
                                                              keywords))
    shape = spec.__s2sad_variadic__
    spec = variadic.checkpointed(spec) if getattr(func, "__s2sad_checkpoint__", False) \
        else spec
    return (types.MethodType(spec, owner[0]) if owner else spec), \
        {shape.param_of(k): v for k, v in keywords.items()}



def _rule(key, args, keywords, table, label=None) -> Prim:
    if table.is_inactive(key):
        return Prim("zero")
    rule = table.get(key)
    label = label or (key[1] if isinstance(key, tuple) else repr(key))
    if rule is None and isinstance(key, tuple) and key[0] in ("attr", "method"):
        return Prim("unknown", why=_member_why(*key))
    if rule is None:
        return Prim("unknown", why=f"no derivative rule for {label!r}")
    bound = rule.bind(args, keywords)
    if bound is None:
        taken = [k.arg for k in keywords if k.arg is not None and k.arg not in rule.params]
        return Prim("unknown", why=f"an unsupported call form of {label!r}" + (
            f" (its rule takes no argument {', '.join(map(repr, taken))})" if taken else ""),
            suggestion=_leave_out(taken, label) if taken else "")
    refused = rule.refusals(args, keywords)
    if refused:
        return Prim("unknown", why=f"{label!r} with {', '.join(map(repr, refused))}, which its "
                    "derivative rule does not cover", suggestion=_leave_out(refused, label))
    slots = [(p, bound[p]) for p in rule.differentiable()]
    return Prim("rule", rule, bound, _names(slots))


def _leave_out(names, label) -> str:
    return (f"leave {', '.join(names)} out of the call of {label} (as its default), or "
            "register a rule of your own with s2sad.defvjp and s2sad.defjvp")


def _names(slots) -> tuple:
    return tuple((slot, atom.id) for slot, atom in slots if isinstance(atom, gast.Name))


dotted = nodes.dotted_path       # the one reader of dotted paths, in tree/nodes


def _member_why(kind, name) -> str:
    if kind == "attr":
        return (f"it reads the attribute '.{name}' of a differentiated value, which is not "
                "an array attribute with a rule (x.T, x.real, ...)")
    return f"no derivative rule for the method '.{name}()'"


def bound_names(atom) -> list:
    """The names in a bound argument: itself, or the items of a ``*args`` tuple."""
    items = atom.elts if isinstance(atom, gast.Tuple) else [atom]
    return [a for a in items if isinstance(a, gast.Name)]
