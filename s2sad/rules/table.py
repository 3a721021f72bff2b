"""The tables' machinery: a rule (parameters and one template per parameter) and a
table of them, looked up by key.

A primitive is keyed by the object it calls (``np.sin``, ``math.sin``,
``abs``), by an operator (``("op", "Mult")``), a method name
(``("method", "sum")``) or an attribute (``("attr", "T")``). Its rule gives
the parameters, as in a ``def`` line, and one template per differentiable
parameter, written in terms of the parameters, ``g`` (the adjoint of the
result) or ``d`` (the tangent of the parameter) and ``ans`` (the result).
A forward template may be :data:`LINEAR`: the primitive is linear in that
parameter, so its tangent is the primitive itself applied to ``d`` in the
parameter's place, the other arguments the same.
"""
from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass, field

import gast
import numpy

from .. import runtime
from ..tree import nodes
from .names import label

# Callables named by user-registered rules, bound where generated code runs.
USER_CELLS: dict = {}


class _Linear:
    def __repr__(self):
        return "LINEAR"


LINEAR = _Linear()            # a forward template: f applied to the tangent (see above)
_NAMESPACES = {"np": numpy, "math": math, "_rt": runtime}


@dataclass(frozen=True)
class Rule:
    key: object
    params: tuple                 # names, in call order
    defaults: dict                # name -> default as source text
    star: str | None              # a ``*name`` parameter, if any
    adjoints: tuple               # template per leading parameter; None: no derivative
    broadcast: bool = False       # elementwise over broadcast operands
    result: str = "elementwise"   # elementwise | reduction | scalar | same | array | other
    #                               (other: a tuple or list of arrays, e.g. eigh, split)
    undefined: tuple = ()         # parameters with no rule: differentiating one is an error
    refused: tuple = ()           # options the rule does not cover: passing one (other than
    #                               as its default, written out) is an error
    positional: int = -1          # how many params a call may give by position (-1: all);
    #                               those after ``*name`` are keyword-only

    def refusals(self, args, keywords) -> list:
        """The ``refused`` parameters a call passes other than as their default constant."""
        passed = dict(zip(self.params, args))
        passed.update({kw.arg: kw.value for kw in keywords})
        return [p for p in self.refused if p in passed and not (
            isinstance(passed[p], gast.Constant) and repr(passed[p].value) == self.defaults.get(p))]

    def bind(self, args, keywords) -> dict | None:
        """Map a call's atoms to parameters, defaults filled in; None when they don't fit."""
        bound = {}
        positional = list(self.params if self.positional < 0 else
                          self.params[:self.positional])
        if len(args) > len(positional) and self.star is None:
            return None
        for param, arg in zip(positional, args):
            bound[param] = arg
        if self.star is not None:
            bound[self.star] = nodes.tuple_(args[len(positional):])
        for kw in keywords:
            if kw.arg not in self.params or kw.arg in bound:
                return None
            bound[kw.arg] = kw.value
        for param in self.params:
            if param not in bound:
                if param not in self.defaults:
                    return None
                bound[param] = nodes.template(self.defaults[param])
        return bound

    def differentiable(self) -> tuple:
        """The parameters that have a derivative rule."""
        return tuple(p for p, t in zip(self.params, self.adjoints) if t is not None)


@dataclass
class Table:
    """One mode's rules, looked up by key; ``helpers``: a table that ``get`` and
    ``is_inactive`` consult after this one (the runtime helpers' tangents)."""

    mode: str
    helpers: Table | None = None
    rules: dict = field(default_factory=dict)
    inactive: set = field(default_factory=set)
    user: dict = field(default_factory=dict)      # rules registered with defvjp/defjvp
    sections: dict = field(default_factory=dict)     # key -> the section it was added in
    current: str = ""
    pending: list = field(default_factory=list)     # (module, loader): see ``later``

    def section(self, title: str):
        """Rules added from now on belong to ``title`` (for listings: docs, CLI)."""
        self.current = title

    def later(self, module: str, loader):
        """Rules for an optional library: ``loader(self)`` adds them once ``module`` has
        been imported (by the user's program, or by :meth:`load`), never before."""
        self.pending.append((module, loader))

    def load(self, everything=False):
        """Add the pending rules whose library is imported (``everything``: importable)."""
        for module, loader in list(self.pending):
            if module not in sys.modules and everything:
                try:
                    __import__(module)
                except ImportError:
                    continue
            if module in sys.modules:
                self.pending.remove((module, loader))
                loader(self)

    def add(self, key, signature: str, *adjoints, broadcast=False, result="elementwise",
            undefined=(), refused=()):
        params, defaults, star, positional = _signature(signature)
        own = {"ans", "g" if self.mode == "reverse" else "d"}
        if own & set(params):
            raise ValueError(f"rule for {key!r}: {sorted(own)} name the templates' own values")
        if len(adjoints) > len(params):
            raise ValueError(f"rule for {key!r}: more templates than parameters")
        if LINEAR in adjoints and self.mode != "forward":
            raise ValueError(f"rule for {key!r}: LINEAR is a tangent, not an adjoint")
        adjoints = [_linear(key, params, star, p) if t is LINEAR else t
                    for p, t in zip(params, adjoints)]
        for template in adjoints:
            if template is not None:
                gast.parse(template, mode="eval")          # a typo fails at import
        self.rules[key] = Rule(key, params, defaults, star, tuple(adjoints), broadcast, result,
                               tuple(undefined), tuple(refused), positional)
        self.sections.setdefault(key, self.current)

    def op(self, opname: str, signature: str, *adjoints, **options):
        self.add(("op", opname), signature, *adjoints, **options)

    def method(self, mname: str, signature: str, *adjoints, **options):
        self.add(("method", mname), signature, *adjoints, **options)

    def methods(self, functions: dict):
        """Methods that are functions (``x.sum(axis)`` is ``np.sum(x, axis)``): each
        method gets its function's rule, added before."""
        for mname, func in functions.items():
            key = ("method", mname)
            self.rules[key] = dataclasses.replace(self.rules[func], key=key)
            self.sections.setdefault(key, self.current)

    def attr(self, aname: str, adjoint: str, result="array"):
        self.add(("attr", aname), "x", adjoint, result=result)

    def zero(self, *keys):
        """Keys whose result carries no derivative (piecewise constant, integer, shape)."""
        self.inactive.update(keys)

    def get(self, key):
        try:
            rule = self.user.get(key) or self.rules.get(key)
        except TypeError:                    # unhashable callable
            return None
        if rule is None and self.pending:
            self.load()
            rule = self.rules.get(key)
        return rule if rule or self.helpers is None else self.helpers.get(key)

    def register(self, key, params: tuple, templates: tuple, defaults=None):
        """A user's rule: it takes precedence over the built-in one. ``defaults``:
        parameter -> default as source text, bound where a call leaves it out."""
        for template in list(templates) + list((defaults or {}).values()):
            if template is not None:
                gast.parse(template, mode="eval")
        self.user[key] = Rule(key, params, dict(defaults or {}), None, tuple(templates),
                              False, "array")

    def is_inactive(self, key) -> bool:
        if self.pending:
            self.load()
        try:
            here = key in self.inactive
        except TypeError:
            return False
        return here or (self.helpers is not None and self.helpers.is_inactive(key))


def _signature(text: str):
    """``"x, axis=None, *shape"`` -> (('x', 'axis'), {'axis': 'None'}, 'shape', -1); a
    default may be a tuple (``axes=(-2, -1)``); the parameters after ``*shape`` (or a bare
    ``*``) are keyword-only: the last item is how many may be given by position."""
    params, defaults, star, positional = [], {}, None, -1
    for part in (p.strip() for p in _top_level(text) if p.strip()):
        if part.startswith("*"):
            star, positional = part[1:] or None, len(params)
            continue
        name, _, default = part.partition("=")
        params.append(name.strip())
        if default:
            defaults[name.strip()] = default.strip()
    return tuple(params), defaults, star, positional


def _top_level(text: str) -> list:
    """``text`` split at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _linear(key, params, star, param) -> str:
    """The tangent of a primitive linear in ``param``: itself, called with ``d`` in
    ``param``'s place (``np.dot(x, d)``); ``key`` must be a function its label names."""
    callee = label(key)
    head, *path = callee.split(".")
    found = _NAMESPACES.get(head)
    for attr in path:
        found = getattr(found, attr, None)
    if found is not key or star is not None:
        raise ValueError(f"rule for {key!r}: LINEAR needs a function named {callee!r} "
                         "with no *parameter")
    return f"{callee}({', '.join('d' if p == param else p for p in params)})"
