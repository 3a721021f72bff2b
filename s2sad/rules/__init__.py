"""Derivative rule tables: one line of mathematics per primitive.

A primitive is keyed by the object it calls (``np.sin``, ``math.sin``,
``abs``), by an operator (``("op", "Mult")``), a method name
(``("method", "sum")``) or an attribute (``("attr", "T")``). Its rule gives
the parameters, as in a ``def`` line, and one template per differentiable
parameter, written in terms of the parameters, ``g`` (the adjoint of the
result) and ``ans`` (the result).
"""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import gast

from ..tree import nodes


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

    def bind(self, args, keywords) -> dict | None:
        """Map a call's atoms to parameters, defaults filled in; None when they don't fit."""
        bound = {}
        positional = [p for p in self.params]
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
    """One mode's rules, looked up by key."""

    mode: str
    rules: dict = field(default_factory=dict)
    inactive: set = field(default_factory=set)
    user: dict = field(default_factory=dict)      # rules registered with defvjp/defjvp
    sections: dict = field(default_factory=dict)     # key -> the section it was added in
    current: str = ""

    def section(self, title: str):
        """Rules added from now on belong to ``title`` (for listings: docs, CLI)."""
        self.current = title

    def add(self, key, signature: str, *adjoints, broadcast=False, result="elementwise"):
        params, defaults, star = _signature(signature)
        own = {"ans", "g" if self.mode == "reverse" else "d"}
        if own & set(params):
            raise ValueError(f"rule for {key!r}: {sorted(own)} name the templates' own values")
        if len(adjoints) > len(params):
            raise ValueError(f"rule for {key!r}: more templates than parameters")
        for template in adjoints:
            if template is not None:
                gast.parse(template, mode="eval")          # a typo fails at import
        self.rules[key] = Rule(key, params, defaults, star, tuple(adjoints), broadcast, result)
        self.sections.setdefault(key, self.current)

    def op(self, opname: str, signature: str, *adjoints, **options):
        self.add(("op", opname), signature, *adjoints, **options)

    def method(self, mname: str, signature: str, *adjoints, **options):
        self.add(("method", mname), signature, *adjoints, **options)

    def attr(self, aname: str, adjoint: str, result="array"):
        self.add(("attr", aname), "x", adjoint, result=result)

    def zero(self, *keys):
        """Keys whose result carries no derivative (piecewise constant, integer, shape)."""
        self.inactive.update(keys)

    def get(self, key):
        try:
            return self.user.get(key) or self.rules.get(key)
        except TypeError:                    # unhashable callable
            return None

    def register(self, key, params: tuple, templates: tuple, defaults=None):
        """A user's rule: it takes precedence over the built-in one. ``defaults``:
        parameter -> default as source text, bound where a call leaves it out."""
        for template in list(templates) + list((defaults or {}).values()):
            if template is not None:
                gast.parse(template, mode="eval")
        self.user[key] = Rule(key, params, dict(defaults or {}), None, tuple(templates),
                              False, "array")

    def is_inactive(self, key) -> bool:
        try:
            return key in self.inactive
        except TypeError:
            return False


def _signature(text: str):
    """``"x, axis=None, *shape"`` -> (('x', 'axis'), {'axis': 'None'}, 'shape')."""
    params, defaults, star = [], {}, None
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if part.startswith("*"):
            star = part[1:]
            continue
        name, _, default = part.partition("=")
        params.append(name.strip())
        if default:
            defaults[name.strip()] = default.strip()
    return tuple(params), defaults, star


# Callables named by user-registered rules, bound where generated code runs.
USER_CELLS: dict = {}
def label(key) -> str:
    """How users write a primitive: ``np.linalg.inv``, ``math.sin``, ``abs``,
    ``x.sum()``, ``x.T``, ``operator Add``."""
    if isinstance(key, tuple):
        kind, name = key
        return {"op": f"operator {name}", "method": f"x.{name}()", "attr": f"x.{name}"}[kind]
    module = getattr(key, "__module__", None) or "numpy"
    name = getattr(key, "__name__", repr(key))
    if module == "builtins":
        return name
    if module == "math":
        return f"math.{name}"
    if module.startswith("numpy.linalg"):
        return f"np.linalg.{name}"
    if module.startswith("s2sad.runtime"):
        return f"_rt.{name}"
    return f"np.{name}"


def aliases(key) -> list:
    """Other names NumPy gives the same function (``np.abs`` for ``np.absolute``)."""
    if isinstance(key, tuple):
        return []
    own = label(key)
    return [n for n in _numpy_names().get(id(key), []) if n != own]


@functools.lru_cache(maxsize=None)
def _numpy_names() -> dict:
    import numpy

    names: dict = {}
    for namespace, prefix in ((numpy, "np."), (numpy.linalg, "np.linalg.")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in sorted(dir(namespace)):
                obj = getattr(namespace, name, None) if not name.startswith("_") else None
                if callable(obj):
                    names.setdefault(id(obj), []).append(prefix + name)
    return names


def covered() -> dict:
    """The primitives with a derivative rule in both modes, by section of the tables
    (``{"math": ["math.acos", ...], ...}``), aliases in parentheses; the last section
    lists those with no derivative (piecewise constant, integer valued, shapes)."""
    from .forward import FORWARD
    from .reverse import REVERSE

    out: dict = {}
    for key in REVERSE.rules:
        if key in FORWARD.rules:
            other = aliases(key)
            text = label(key) + (f" ({', '.join(other)})" if other else "")
            out.setdefault(REVERSE.sections.get(key) or "other", []).append(text)
    out["no derivative (zero)"] = sorted(label(k) for k in REVERSE.inactive)
    return out
