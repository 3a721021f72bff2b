"""Every gast node the compiler creates is built here.

Rule templates are written as Python text (``"g * np.cos(x)"``) and turned
into trees by :func:`template`, which substitutes placeholder names with
other trees; the transforms use the small constructors below for the rest.
"""
from __future__ import annotations

import functools

import gast

_NAME, _CONSTANT = gast.Name, gast.Constant     # the leaves most nodes are


def name(ident: str, store: bool = False) -> gast.Name:
    ctx = gast.Store() if store else gast.Load()
    return gast.Name(id=ident, ctx=ctx, annotation=None, type_comment=None)


def const(value) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target, value) -> gast.Assign:
    """``target = value``; a str target becomes a stored Name."""
    if isinstance(target, str):
        target = name(target, store=True)
    return gast.Assign(targets=[target], value=value, type_comment=None)


def call(func, *args, **keywords) -> gast.Call:
    """``func(*args, **keywords)``; a str func may be dotted (``np.sum``)."""
    if isinstance(func, str):
        func = dotted(func)
    kws = [gast.keyword(arg=k, value=v) for k, v in keywords.items()]
    return gast.Call(func=func, args=list(args), keywords=kws)


def dotted(path: str):
    """``a.b.c`` as a Name with Attributes on it; :func:`dotted_path` reads it back."""
    head, *rest = path.split(".")
    node = name(head)
    for attr in rest:
        node = gast.Attribute(value=node, attr=attr, ctx=gast.Load())
    return node


def dotted_path(e, local=()):
    """``np.linalg.norm`` as text when ``e`` is Attributes on a Name, else None (also
    when the Name is in ``local``: a path from a global is wanted).

    >>> dotted_path(template("np.linalg.norm")), dotted_path(template("x[0].sum"))
    ('np.linalg.norm', None)
    """
    attrs = []
    while isinstance(e, gast.Attribute):
        attrs.append(e.attr)
        e = e.value
    if not isinstance(e, gast.Name) or e.id in local:
        return None
    return ".".join([e.id] + attrs[::-1])


def expr_stmt(value) -> gast.Expr:
    return gast.Expr(value=value)


def if_(test, body, orelse=()) -> gast.If:
    return gast.If(test=test, body=list(body), orelse=list(orelse))


def for_(target, iterable, body) -> gast.For:
    if isinstance(target, str):
        target = name(target, store=True)
    return gast.For(target=target, iter=iterable, body=list(body), orelse=[],
                    type_comment=None)


def while_(test, body) -> gast.While:
    return gast.While(test=test, body=list(body), orelse=[])


def ret(value) -> gast.Return:
    return gast.Return(value=value)


def tuple_(elts, store: bool = False) -> gast.Tuple:
    return gast.Tuple(elts=list(elts), ctx=gast.Store() if store else gast.Load())


def subscript(value, index) -> gast.Subscript:
    return gast.Subscript(value=value, slice=index, ctx=gast.Load())


def binop(left, op: gast.operator, right) -> gast.BinOp:
    return gast.BinOp(left=left, op=op, right=right)


def not_(operand) -> gast.UnaryOp:
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def neg(operand) -> gast.UnaryOp:
    """``-operand``."""
    return gast.UnaryOp(op=gast.USub(), operand=operand)


def aug_add(target: str, value) -> gast.AugAssign:
    return gast.AugAssign(target=name(target, store=True), op=gast.Add(), value=value)


def pass_() -> gast.Pass:
    return gast.Pass()


def break_() -> gast.Break:
    return gast.Break()


def function(fname: str, params, body, defaults=()) -> gast.FunctionDef:
    """``def fname(params...): body`` with trailing ``defaults``."""
    args = gast.arguments(
        args=[gast.Name(id=p, ctx=gast.Param(), annotation=None, type_comment=None)
              for p in params],
        posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
        defaults=list(defaults))
    node = gast.FunctionDef(name=fname, args=args, body=list(body), decorator_list=[],
                            returns=None, type_comment=None)
    if "type_params" in gast.FunctionDef._fields:
        node.type_params = []
    return node


def signature(func: gast.FunctionDef) -> gast.FunctionDef:
    """``func``'s ``def`` line over a ``pass`` body (what a header is printed from)."""
    node = gast.FunctionDef(name=func.name, args=func.args, body=[pass_()], decorator_list=[],
                            returns=None, type_comment=None)
    if "type_params" in gast.FunctionDef._fields:
        node.type_params = []
    return node


@functools.lru_cache(maxsize=None)
def _parsed(text: str):
    return gast.parse(text, mode="eval").body


def template(text: str, **subs):
    """Parse an expression and replace the Names in ``subs`` by copies of trees.

    >>> import ast
    >>> ast.unparse(gast.gast_to_ast(template("g * np.cos(x)", g=name("b_y"), x=name("u"))))
    'b_y * np.cos(u)'
    """
    tree = substitute(clone(_parsed(text)), subs)
    # only a call of a variadic helper is trimmed: its name is in the text, or in a
    # tree put in (a Name or a constant put in holds none)
    if any(h in text for h in VARIADIC_HELPERS) or any(
            isinstance(v, gast.AST) and not isinstance(v, (gast.Name, gast.Constant))
            for v in subs.values()):
        return _trim_operands(tree)
    return tree


# runtime helpers taking ``*operands`` that skip None: rules pass every optional
# operand, and the ones a call leaves out are dropped from the generated call
VARIADIC_HELPERS = frozenset({"einsum", "einsum_vjp", "einsum_vjp_swap"})


def _trim_operands(tree):
    for node in gast.walk(tree):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and isinstance(node.func.value, gast.Name) and node.func.value.id == "_rt" \
                and node.func.attr in VARIADIC_HELPERS:
            while node.args and isinstance(node.args[-1], gast.Constant) \
                    and node.args[-1].value is None:
                node.args.pop()
    return tree


def substitute(tree, subs: dict):
    """Replace loaded Names whose id is in ``subs`` (values: trees or str names)."""
    return _Substitute(subs).visit(tree)


class Transformer(gast.NodeTransformer):
    """``gast.NodeTransformer``, faster: a class's ``visit_`` method is looked up once,
    and the contexts and operators (leaves no transformer here rewrites) are not
    visited."""

    _methods: dict = {}

    def visit(self, node):
        key = (self.__class__, node.__class__)
        method = Transformer._methods.get(key)
        if method is None:
            method = Transformer._methods[key] = getattr(
                self.__class__, "visit_" + node.__class__.__name__, None) \
                or self.__class__.generic_visit
        return method(self, node)

    def generic_visit(self, node):
        cls = node.__class__
        if cls is _CONSTANT or cls is _NAME and node.annotation is None:
            return node                     # nothing below
        for field in _CHILD_FIELDS.get(cls) or _child_fields(node):
            old = getattr(node, field, None)
            if isinstance(old, list):
                new_values = []
                for value in old:
                    if isinstance(value, gast.AST):
                        value = self.visit(value)
                        if value is None:
                            continue
                        if not isinstance(value, gast.AST):
                            new_values.extend(value)
                            continue
                    new_values.append(value)
                old[:] = new_values
            elif isinstance(old, gast.AST):
                new = self.visit(old)
                if new is None:
                    delattr(node, field)
                else:
                    setattr(node, field, new)
        return node


class _Substitute(Transformer):
    def __init__(self, subs):
        self.subs = subs

    def visit_FunctionDef(self, node):
        return node                       # a nested def is its own scope

    def visit_Name(self, node):
        if node.id in self.subs and isinstance(node.ctx, gast.Load):
            value = self.subs[node.id]
            return name(value) if isinstance(value, str) else clone(value)
        return node


def clone(tree):
    """A deep copy of a tree, a list of trees or a leaf value; several times faster than
    ``copy.deepcopy`` (no memo: the compiler's trees never share a node). Contexts and
    operators (``Load``, ``Add``: no fields, never edited) are shared, as ``ast.parse``
    shares them."""
    cls = tree.__class__
    if cls is list:
        return [clone(t) for t in tree]
    if cls in _KEPT:
        return tree
    if isinstance(tree, gast.AST):
        new = cls.__new__(cls)
        fields = tree.__dict__.copy()
        for k, v in fields.items():
            if v.__class__ not in _KEPT:
                fields[k] = clone(v)
        new.__dict__ = fields
        return new
    if cls is tuple:
        return tuple(clone(t) for t in tree)
    return tree                       # other leaves: immutable


# what clone keeps as it is: immutable values, and the field-less contexts and operators
_KEPT = frozenset({str, int, float, bool, complex, bytes, type(None)} | {
    c for c in vars(gast).values() if isinstance(c, type) and issubclass(
        c, (gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop))})


def walk(tree):
    """Every node in ``tree`` (itself included) but the contexts and operators (``Load``,
    ``Add``: leaves no caller looks for), in no particular order: what ``gast.walk``
    yields less those, as a list, several times faster (a class's fields that may hold
    nodes are listed once)."""
    out, stack = [], [tree]
    pop, push, keep = stack.pop, stack.append, out.append
    ast, fields_of = gast.AST, _CHILD_FIELDS.get
    while stack:                        # the order the generator it replaces had
        node = pop()
        keep(node)
        cls = node.__class__
        if cls is _CONSTANT or cls is _NAME and node.annotation is None:
            continue                    # most nodes: nothing below them
        for field in fields_of(cls) or _child_fields(node):
            value = getattr(node, field, None)
            if value.__class__ is list:
                for v in value:
                    if isinstance(v, ast):
                        push(v)
            elif isinstance(value, ast):
                push(value)
    return out


# fields that hold a context, an operator or a plain value, never a node to walk into
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "type_comment", "kind"})
_CHILD_FIELDS: dict = {}


def _child_fields(node) -> tuple:
    """The fields of ``node``'s class that may hold nodes to walk into, in their order."""
    fields = _CHILD_FIELDS.get(node.__class__)
    if fields is None:
        fields = _CHILD_FIELDS[node.__class__] = tuple(
            f for f in node._fields if f not in _LEAF_FIELDS)
    return fields


child_fields = _child_fields   # public: the order of fields is reading order


def names_loaded(tree) -> set[str]:
    """The ids of every Name read anywhere in ``tree``."""
    return {n.id for n in walk(tree) if n.__class__ is _NAME and n.ctx.__class__ is gast.Load}


def names_stored(tree) -> set[str]:
    """The ids of every Name written anywhere in ``tree``, and of nested defs."""
    stored = set()
    store = (gast.Store, gast.Param)
    for n in walk(tree):
        cls = n.__class__
        if cls is _NAME:
            if n.ctx.__class__ in store:
                stored.add(n.id)
        elif cls is gast.FunctionDef and n is not tree:
            stored.add(n.name)
    return stored


def is_atom(node) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def walk_stmts(block):
    """Every statement in ``block``, those nested in if/for/while bodies included (not
    the bodies of nested defs: they run when called, differentiated on their own), in
    order: each statement, then its body, then its orelse. No recursion: a chain of
    ``elif``s nests as deep as it is long."""
    stack = [iter(block)]
    while stack:
        for stmt in stack[-1]:
            yield stmt
            if not isinstance(stmt, gast.FunctionDef):
                inner = [getattr(stmt, f, None) or () for f in ("orelse", "body")]
                if inner[0] or inner[1]:
                    stack += [iter(inner[0]), iter(inner[1])]
                    break
        else:
            stack.pop()


def definitely_assigned(block) -> set:
    """Names that every path through ``block`` assigns (loops may run zero times)."""
    out = set()
    for s in block:
        if isinstance(s, gast.Assign):
            out |= names_stored(s)
        elif isinstance(s, gast.If):
            out |= definitely_assigned(s.body) & definitely_assigned(s.orelse)
    return out


def assigned_name(stmt):
    """The name an assignment writes: ``x`` for ``x = ...`` and for ``x[i] = ...``."""
    if not isinstance(stmt, gast.Assign):
        return None
    target = stmt.targets[0]
    if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
        return target.value.id
    return target.id if isinstance(target, gast.Name) else None


def names_written(tree) -> set:
    """Names whose value ``tree`` may change: assigned, or updated in place (``y[i] = v``)."""
    return facts(tree)[2]


def facts(tree) -> tuple:
    """``(loads, stored, written, in_place)`` in one walk: how many times each name is
    read, :func:`names_stored`, :func:`names_written`, and whether a subscript is
    assigned (``y[i] = v``). The walk is :func:`walk`'s, written out (the passes ask
    this of every statement in every round)."""
    loads: dict[str, int] = {}
    stored, extra, in_place = set(), set(), False
    stack = [tree]
    pop, push = stack.pop, stack.append
    name_, subscript, load, ast = gast.Name, gast.Subscript, gast.Load, gast.AST
    store, constant, fields_of = (gast.Store, gast.Param), gast.Constant, _CHILD_FIELDS.get
    while stack:
        n = pop()
        cls = n.__class__
        if cls is name_:
            ctx = n.ctx.__class__
            if ctx is load:
                loads[n.id] = loads.get(n.id, 0) + 1
            elif ctx in store:
                stored.add(n.id)
            if n.annotation is None:
                continue
        elif cls is constant:
            continue
        elif cls is gast.FunctionDef and n is not tree:
            stored.add(n.name)
        elif cls is subscript and n.ctx.__class__ is gast.Store:
            in_place = True
            if n.value.__class__ is name_:
                extra.add(n.value.id)
        for field in fields_of(cls) or _child_fields(n):
            value = getattr(n, field, None)
            if value.__class__ is list:
                for v in value:
                    if isinstance(v, ast):
                        push(v)
            elif isinstance(value, ast):
                push(value)
    return loads, stored, stored | extra, in_place
