"""Optimize, algebra: identities that hold for floats and float arrays, applied to
every expression of a generated function (see :class:`Simplify`)."""
from __future__ import annotations

import gast

from ..tree import emit, nodes
from .expressions import key, pure
from ..analysis.objects import Objects, SinkTracker

_REDUCTIONS = {"np.sum", "np.mean"}
_DEFAULTS = {("axis", None), ("keepdims", False)}


class Simplify(SinkTracker):
    """Algebraic identities that hold for floats and float arrays; a sum of two equal
    pure terms is computed once, and a negation moves out of a broadcast's reduction.
    An identity that drops an operation (``x * 1.0`` -> ``x``) fires only where the
    object it leaves may be shared (s2sad/analysis/objects.py: ``objects``):

    >>> print(_demo('''
    ... def f(x1, b_y):
    ...     b_v = _rt.unbroadcast(b_y * x1, x1) + _rt.unbroadcast(b_y * x1, x1)
    ...     return _rt.unbroadcast(-b_v, x2)'''), end="")
    def f(x1, b_y):
        b_v = 2.0 * _rt.unbroadcast(b_y * x1, x1)
        return -_rt.unbroadcast(b_v, x2)

    An elementwise product and its mirror are one product doubled (``@`` does not commute):

    >>> print(_demo('''
    ... def f_jvp(x, A, d_x, d_A):
    ...     return d_x * x + x * d_x, d_A @ A + A @ d_A'''), end="")
    def f_jvp(x, A, d_x, d_A):
        return (2.0 * (x * d_x), d_A @ A + A @ d_A)
    """

    def __init__(self, floats, objects):
        super().__init__(objects)
        self.floats, self.rewrites = floats, 0

    def visit_block(self, block) -> tuple[list, int]:
        """``block`` simplified, and how many rewrites fired."""
        self.rewrites = 0
        return [self.visit(s) for s in block], self.rewrites

    def is_float(self, e) -> bool:
        if isinstance(e, gast.Constant):
            return isinstance(e.value, float)
        if isinstance(e, gast.Name):
            return e.id in self.floats
        if isinstance(e, gast.UnaryOp):
            return isinstance(e.op, gast.USub) and self.is_float(e.operand)
        if isinstance(e, gast.BinOp):
            return self.is_float(e.left) or self.is_float(e.right)
        if isinstance(e, gast.Call):
            return any(self.is_float(a) for a in e.args)
        return False

    def visit_Call(self, node):
        """``np.sum(d, axis=None, keepdims=False)`` -> ``np.sum(d)``: defaults unsaid;
        ``_rt.unbroadcast(-g, x)`` -> ``-_rt.unbroadcast(g, x)``: negate the smaller;
        ``_rt.pow_dx(x, 3)`` -> ``3 * x ** 2``: only a zero exponent needs pow_dx."""
        self.generic_visit(node)
        func = nodes.dotted_path(node.func)
        if func in _REDUCTIONS:
            said = [k for k in node.keywords if not (isinstance(k.value, gast.Constant)
                                                     and (k.arg, k.value.value) in _DEFAULTS)]
            self.rewrites += len(node.keywords) - len(said)
            node.keywords = said
        if func == "_rt.pow_dx" and len(node.args) == 2 and not node.keywords \
                and _is_const(node.args[1]) and node.args[1].value != 0:
            return self._rewrote(_power_derivative(node.args[0], node.args[1].value))
        if func == "_rt.unbroadcast" and _is_negation(node.args[0]):
            node.args[0] = node.args[0].operand
            return self._rewrote(nodes.neg(node))
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        inner = node.operand
        if isinstance(node.op, gast.USub):
            if isinstance(inner, gast.Constant) and isinstance(inner.value, (int, float)):
                return self._rewrote(nodes.const(-inner.value))
            if _is_negation(inner) and self.may_alias(inner.operand):
                return self._rewrote(inner.operand)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        new = self._binop(node.left, node.op, node.right)
        return node if new is None else self._rewrote(new)

    def _rewrote(self, new):
        self.rewrites += 1
        return new

    def _binop(self, left, op, right):
        """The simpler form of ``left op right``, or None."""
        if _is_const(left) and _is_const(right) and isinstance(op, (gast.Add, gast.Sub, gast.Mult)):
            return nodes.const(eval(compile(emit.unparse(nodes.binop(left, op, right)),
                                            "<fold>", "eval")))
        if isinstance(op, gast.Mult):
            for one, other in ((left, right), (right, left)):
                if _is_const(one, 1.0) and self.is_float(other) and self.may_alias(other):
                    return other
                if _is_const(one, -1.0) and self.is_float(other):
                    return nodes.neg(other)
        if isinstance(op, (gast.Mult, gast.Div)) and _is_negation(left):   # (-a) * b
            return nodes.neg(nodes.binop(left.operand, op, right))
        if isinstance(op, gast.Div) and _is_const(right, 1.0) and self.is_float(left) \
                and self.may_alias(left):
            return left
        if isinstance(op, gast.Add):
            return self._sum(left, right)
        if isinstance(op, gast.Pow) and _is_const(right, 1) and self.may_alias(left):
            return left
        return None

    def _sum(self, left, right):
        """``e + e`` and ``a * b + b * a`` -> twice one term (exactly: IEEE ``*`` commutes,
        and doubling is exact), ``0.0 + e`` -> ``e``, ``a + -b`` -> ``a - b``."""
        if _doubles(left) and key(left) is not None and self.is_float(left) and pure(left) \
                and key(right) is not None and key(right) in (key(left), _swapped_key(left)):
            return nodes.binop(nodes.const(2.0), gast.Mult(), right)   # computed once
        if _is_const(left, 0.0) and self.is_float(right) and self.may_alias(right):
            return right
        if _is_const(right, 0.0) and self.is_float(left) and self.may_alias(left):
            return left
        if _is_negation(right):
            return nodes.binop(left, gast.Sub(), right.operand)
        if _is_negation(left):
            return nodes.binop(right, gast.Sub(), left.operand)
        return None


def _swapped_key(e):
    """The key of ``b * a`` for an elementwise product ``a * b`` (``@`` does not commute)."""
    if not (isinstance(e, gast.BinOp) and isinstance(e.op, gast.Mult)):
        return None
    return key(nodes.binop(e.right, e.op, e.left))


def _power_derivative(x, c):
    """``c * x ** (c - 1)`` for a nonzero number c, folded: ``2 * x``, ``3 * x ** 2``,
    ``1`` for c == 1 (x ** 0 is 1 even at x == 0, as pow_dx takes it)."""
    if c == 1:
        return nodes.const(c)
    power = x if c - 1 == 1 else nodes.binop(x, gast.Pow(), nodes.const(c - 1))
    return nodes.binop(nodes.const(c), gast.Mult(), power)


def _is_negation(e) -> bool:
    return isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub)


def _is_const(e, value=None) -> bool:
    if not isinstance(e, gast.Constant) or isinstance(e.value, bool) \
            or not isinstance(e.value, (int, float)):
        return False
    return value is None or e.value == value


def _doubles(e) -> bool:
    """An expression whose ``e + e`` is ``2.0 * e``: arithmetic, or an adjoint reduced by
    unbroadcast (a NumPy call could return a list, whose + concatenates)."""
    return isinstance(e, gast.BinOp) or (
        isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute)
        and e.func.attr == "unbroadcast" and getattr(e.func.value, "id", None) == "_rt")


def _demo(text: str) -> str:
    func = gast.parse(text.strip()).body[0]
    floats = {n.id for n in gast.walk(func) if isinstance(n, gast.Name)}
    func.body, _ = Simplify(floats, Objects.of(func, floats, pure)).visit_block(func.body)
    return emit.source(func)
