"""``*args`` and ``**kwargs`` parameters, specialised on the shape of a call.

A function ``def net(x, *layers)`` called ``net(x, W1, W2)`` is differentiated as
the function it is for that call, one with explicit parameters::

    def net(x, layers_0, layers_1):
        layers = (layers_0, layers_1)
        ...                                   # the body as written

and ``def model(x, **hyper)`` called ``model(x, lr=0.1)`` as
``def model(x, *, hyper_lr): hyper = {'lr': hyper_lr}; ...``. How many values land
in ``*layers`` and which keywords in ``**hyper`` are the shape; each shape is its own
function, made once (:func:`specialised`): an ordinary def that calls the user's, in
the user's globals, which the rest of the compiler differentiates as any other.
``parse`` gives its tree as the user's body under the prologue (:func:`rewritten`),
so errors stay located in the user's file.

>>> def model(x, *layers, scale=1.0, **hyper):
...     return x
>>> spec = specialised(model, 2, ("lr",))
>>> import inspect; print(inspect.signature(spec))
(x, layers_0, layers_1, *, scale=1.0, hyper_lr)
>>> spec.__s2sad_variadic__.call((1.0, 2.0, 3.0), {"lr": 0.5, "scale": 2.0})
((1.0, 2.0, 3.0), {'hyper_lr': 0.5, 'scale': 2.0})
"""
from __future__ import annotations

import inspect
import keyword
import types
from dataclasses import dataclass

import gast

from ..tree import nodes

_MADE: dict = {}        # (function, count, keywords) -> its specialisation


@dataclass(frozen=True)
class Shape:
    """What a specialisation is for: the user's function, and the parameters it adds."""

    func: types.FunctionType
    star: str | None            # the name of ``*args`` (None: there is none)
    extra: tuple                # the parameters ``*args``'s values get, in order
    stars: str | None           # the name of ``**kwargs``
    keywords: tuple             # ((keyword passed, its parameter), ...) in call order

    def param_of(self, name: str) -> str:
        """The specialisation's parameter a keyword of the call binds (itself, unless it
        lands in ``**kwargs``)."""
        return dict(self.keywords).get(name, name)

    def call(self, args, kwargs):
        """``(args, kwargs)`` of a call of the user's function, as its specialisation
        takes them: the keywords that land in ``**kwargs`` renamed."""
        return tuple(args), {self.param_of(k): v for k, v in kwargs.items()}


def is_variadic(func) -> bool:
    """A def with ``*args`` or ``**kwargs`` (not one s2sad specialised)."""
    code = getattr(func, "__code__", None)
    return isinstance(func, types.FunctionType) and code is not None \
        and bool(code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS))


def shape_of_call(func, args, keywords):
    """``(count, keywords)`` of a call of ``func``: how many values land in its
    ``*args`` and which keywords in its ``**kwargs``, in order; raises TypeError where
    the call does not bind (``args`` may be any objects: a call's nodes)."""
    bound = inspect.signature(func).bind(*args, **dict.fromkeys(keywords, None))
    count, names = 0, ()
    for p in inspect.signature(func).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            count = len(bound.arguments.get(p.name, ()))
        elif p.kind is p.VAR_KEYWORD:
            names = tuple(bound.arguments.get(p.name, {}))
    return count, names


def specialised(func, count: int, keywords: tuple):
    """The def ``func`` is for calls that pass ``count`` values to its ``*args`` and
    ``keywords`` to its ``**kwargs``, made once."""
    key = (func, count, tuple(keywords))
    made = _MADE.get(key)
    if made is None:
        made = _MADE[key] = _written(func, _shape(func, count, tuple(keywords)))
    return made


def checkpointed(spec):
    """``spec`` as ``s2sad.checkpoint`` marks a function (its calls recomputed, not taped),
    made once: a specialisation of a checkpointed def stays checkpointed."""
    made = _MADE.get(("checkpoint", spec))
    if made is None:
        def made(*args, **kwargs):
            return spec(*args, **kwargs)
        made.__name__, made.__qualname__ = spec.__name__, spec.__qualname__
        made.__module__ = spec.__module__
        made.__s2sad_primal__, made.__s2sad_wrt__ = spec, None
        made.__s2sad_checkpoint__ = True
        _MADE[("checkpoint", spec)] = made
    return made


def original(func):
    """The user's function a specialisation was made from; else ``func`` itself."""
    shape = getattr(func, "__s2sad_variadic__", None)
    return shape.func if shape is not None else func


def _shape(func, count, keywords) -> Shape:
    code = func.__code__
    taken = set(code.co_varnames) | set(code.co_names) | set(code.co_freevars)
    params = list(inspect.signature(func).parameters.values())
    star = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), None)
    stars = next((p.name for p in params if p.kind is p.VAR_KEYWORD), None)
    extra = tuple(_fresh(f"{star}_{i}", taken) for i in range(count))
    named = tuple((k, _fresh(f"{stars}_{k}" if k.isidentifier() and not keyword.iskeyword(k)
                             else f"{stars}_{i}", taken)) for i, k in enumerate(keywords))
    return Shape(func, star, extra, stars, named)


def _fresh(name: str, taken: set) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _written(func, shape: Shape):
    """``def f(x, args_0, *, kw_a): return user(x, args_0, **{'a': kw_a})``, in the
    user's globals (the user's function held in a cell of its own)."""
    params = list(inspect.signature(func).parameters.values())
    posonly = [p.name for p in params if p.kind is p.POSITIONAL_ONLY]
    plain = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    kwonly = [p.name for p in params if p.kind is p.KEYWORD_ONLY] + \
        [param for _, param in shape.keywords]
    head = posonly + (["/"] if posonly else []) + plain + list(shape.extra) + \
        (["*"] + kwonly if kwonly else [])
    passed = posonly + plain + list(shape.extra) + \
        [f"{p.name}={p.name}" for p in params if p.kind is p.KEYWORD_ONLY]
    if shape.keywords:
        passed.append("**{" + ", ".join(f"{k!r}: {param}" for k, param in shape.keywords)
                      + "}")
    user = "__s2sad_user__"
    name = func.__name__ if func.__name__.isidentifier() else "specialised"  # a lambda
    text = (f"def __s2sad_scope__({user}):\n"
            f"    def {name}({', '.join(head)}):\n"
            f"        return {user}({', '.join(passed)})\n"
            f"    return {name}\n")
    scope = compile(text, f"<s2sad specialisation of {func.__qualname__}>", "exec")
    outer = next(c for c in scope.co_consts if isinstance(c, types.CodeType))
    code = next(c for c in outer.co_consts if isinstance(c, types.CodeType))
    made = types.FunctionType(code, func.__globals__, func.__name__,
                              func.__defaults__ if not shape.extra else None,
                              (types.CellType(func),))
    made.__kwdefaults__ = func.__kwdefaults__
    made.__qualname__, made.__module__ = func.__qualname__, func.__module__
    made.__doc__ = func.__doc__
    made.__s2sad_variadic__ = shape
    return made


def rewritten(tree: gast.FunctionDef, shape: Shape) -> gast.FunctionDef:
    """The user's def (its tree) as its specialisation: the added parameters, and a
    prologue packing them under the names the body reads, at the def's own place."""
    tree = nodes.clone(tree)
    args = tree.args
    where = args.vararg or args.kwarg
    prologue = []
    if args.vararg is not None:
        args.args = args.args + [_param(p, where) for p in shape.extra]
        if shape.extra:
            args.defaults = []
        packed = nodes.tuple_([nodes.name(p) for p in shape.extra])
        prologue.append(nodes.assign(shape.star, packed))
    args.kwonlyargs = args.kwonlyargs + [_param(p, where) for _, p in shape.keywords]
    args.kw_defaults = args.kw_defaults + [None] * len(shape.keywords)
    if args.kwarg is not None:
        prologue.append(nodes.assign(shape.stars, gast.Dict(
            keys=[nodes.const(k) for k, _ in shape.keywords],
            values=[nodes.name(p) for _, p in shape.keywords])))
    args.vararg = args.kwarg = None
    for stmt in prologue:
        for node in gast.walk(stmt):
            gast.copy_location(node, where)
    tree.body = prologue + tree.body
    return tree


def _param(ident: str, where) -> gast.Name:
    param = gast.Name(id=ident, ctx=gast.Param(), annotation=None, type_comment=None)
    return gast.copy_location(param, where)
