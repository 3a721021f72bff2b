"""Issue 12, the driver: generated code never shares a linecache filename (no false
stale-source whatever the order of derivatives asked for), a lambda called from a
differentiated function is a located refusal, second derivatives through nested
grads and helpers, errors located in the user's file, methods of module-level objects.

Oracles: closed forms and central finite differences (tests/fd.py).
"""
from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

import s2sad
from s2sad.driver.compile import CACHE
from tests.fd import fd_grad

# ---------------------------------------------------------------- stale-source


def cubed(v):
    return v * v * v


def poly_plain(x):
    return x * x * x + np.sin(x)


def poly_with_helper(x):
    return cubed(x) + np.sin(x)


def _poly_grad(x):
    return 3.0 * x ** 2 + np.cos(x)


def _poly_second(x):
    return 6.0 * x - np.sin(x)


X0 = 0.7


def _check_op(name, f):
    """Run one way of differentiating ``f`` at X0 and check it against the closed form."""
    d1, d2 = _poly_grad(X0), _poly_second(X0)
    if name == "grad":
        assert s2sad.grad(f)(X0) == pytest.approx(d1)
    elif name == "value_and_grad":
        assert s2sad.value_and_grad(f)(X0)[1] == pytest.approx(d1)
    elif name == "jvp":
        assert s2sad.jvp(f, (X0,), (2.0,))[1] == pytest.approx(2.0 * d1)
    elif name == "vjp":
        assert s2sad.vjp(f, X0)[1](2.0)[0] == pytest.approx(2.0 * d1)
    elif name == "hvp":
        assert s2sad.hvp(f)(X0, 2.0) == pytest.approx(2.0 * d2)
    elif name == "hessian":
        assert s2sad.hessian(f)(X0) == pytest.approx(d2)
    elif name == "grad_of_grad":
        assert s2sad.grad(s2sad.grad(f))(X0) == pytest.approx(d2)
    else:
        mode, _, opt = name.partition(":")
        assert "def " in s2sad.source(f, mode=mode, optimize=opt == "opt")


OPS = ("grad", "value_and_grad", "jvp", "vjp", "hvp", "hessian", "grad_of_grad",
       "reverse:opt", "reverse:plain", "forward:opt", "forward:plain")
FIRST = [op for op in OPS if op not in ("hvp", "hessian", "grad_of_grad")]


def _run_in_order(order, f):
    CACHE.clear()           # each order starts from nothing compiled (linecache keeps all)
    for name in order:
        _check_op(name, f)


@pytest.mark.parametrize("f", [poly_plain, poly_with_helper], ids=["plain", "helper"])
@pytest.mark.parametrize("second", ["hvp", "hessian", "grad_of_grad"])
def test_no_false_stale_source_whatever_came_before_a_second_derivative(f, second):
    # the second derivative reads back the text of the gradient it differentiates:
    # whatever two units were compiled before it, that text must be the one it runs
    for pair in itertools.permutations(FIRST, 2):
        _run_in_order(pair + (second,), f)
        _run_in_order((pair[0], second, pair[1], second), f)


@pytest.mark.parametrize("f", [poly_plain, poly_with_helper], ids=["plain", "helper"])
def test_no_false_stale_source_in_any_order(f):
    for a, b in itertools.permutations(OPS, 2):
        _run_in_order((a, b, a), f)
    shuffler = random.Random(12)
    for _ in range(6):
        order = list(OPS) * 2
        shuffler.shuffle(order)
        _run_in_order(order, f)


def test_issue_orders():
    _run_in_order(("hvp", "grad"), poly_with_helper)
    _run_in_order(("grad", "reverse:plain", "hvp"), poly_plain)
    _run_in_order(("grad", "reverse:plain", "hvp"), poly_with_helper)


# ---------------------------------------------------------------- lambdas

SQUARE = lambda v: v * v          # noqa: E731  (the construct under test)


class _Holder:
    pass


HOLDER = _Holder()
HOLDER.scale = lambda a, b=2.0: a * b      # noqa: E731


def calls_global_lambda(x):
    return SQUARE(x) + 1.0


def _make_closure_lambda():
    wave = lambda v: np.sin(v)      # noqa: E731

    def calls_closure_lambda(x):
        return wave(x) * 2.0
    return calls_closure_lambda


calls_closure_lambda = _make_closure_lambda()


def calls_lambda_attribute(x):
    y = HOLDER.scale(x, b=3.0)
    return np.sum(y)


def calls_lambda_in_loop(x):
    s = 0.0
    for _ in range(2):
        s = s + SQUARE(x)
    return s


LAMBDA_CALLERS = [(calls_global_lambda, "SQUARE(x)", "SQUARE"),
                  (calls_closure_lambda, "wave(x)", "wave"),
                  (calls_lambda_attribute, "HOLDER.scale(x, b=3.0)", "scale"),
                  (calls_lambda_in_loop, "SQUARE(x)", "SQUARE")]

_WAYS = {
    "grad": lambda f, x: s2sad.grad(f)(x),
    "value_and_grad": lambda f, x: s2sad.value_and_grad(f)(x),
    "jvp": lambda f, x: s2sad.jvp(f, (x,), (1.0,)),
    "vjp": lambda f, x: s2sad.vjp(f, x),
    "hvp": lambda f, x: s2sad.hvp(f)(x, 1.0),
    "source": lambda f, x: s2sad.source(f),
}


@pytest.mark.parametrize("way", sorted(_WAYS))
@pytest.mark.parametrize("func, call, name", LAMBDA_CALLERS,
                         ids=[c[0].__name__ for c in LAMBDA_CALLERS])
def test_a_called_lambda_is_differentiated(func, call, name, way):
    # issue 14: a lambda in a file is read from its line (tests/test_i14_functions.py)
    expected = fd_grad(func, (0.5,), 0)
    out = _WAYS[way](func, 0.5)
    if way == "grad":
        assert out == pytest.approx(expected, rel=1e-6)
    elif way == "value_and_grad":
        assert out[1] == pytest.approx(expected, rel=1e-6)
    elif way == "jvp":
        assert out[1] == pytest.approx(expected, rel=1e-6)
    elif way == "vjp":
        assert out[1](1.0)[0] == pytest.approx(expected, rel=1e-6)
    elif way == "hvp":
        assert out == pytest.approx(fd_grad(s2sad.grad(func), (0.5,), 0), rel=1e-5)
    else:
        assert "lambda_L" in out


def lambda_called_on_a_constant(x):
    return SQUARE(3.0) * x          # nothing to differentiate through the lambda


def test_a_lambda_off_the_derivative_path_runs():
    assert s2sad.grad(lambda_called_on_a_constant)(0.5) == pytest.approx(9.0)
    assert s2sad.jvp(lambda_called_on_a_constant, (0.5,), (2.0,))[1] == pytest.approx(18.0)
    assert s2sad.vjp(lambda_called_on_a_constant, 0.5)[1](1.0)[0] == pytest.approx(9.0)


# ---------------------------------------------------------------- methods of module objects


class Layer:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def apply(self, x):
        t = self.b
        return np.tanh(x * self.w) + t

    def energy(self, x):
        y = self.apply(x)
        return np.sum(y * y)

    def scaled(self, x, scale=2.0):
        return np.sum(np.sin(x) * self.w) * scale

    @classmethod
    def offset(cls, x):
        return x + cls.SHIFT

    SHIFT = 0.25


class Net:
    def __init__(self, layer):
        self.layer = layer

    def forward(self, x):
        h = np.tanh(x * self.layer.w) + self.layer.b
        return np.sum(h * x)


LAYER = Layer(np.array([0.5, -1.2, 2.0]), 0.3)
NET = Net(Layer(np.array([1.5, 0.2, -0.7]), -0.1))


def uses_global_method(x):
    return np.sum(LAYER.apply(x) ** 2)


def uses_method_calling_method(x):
    return LAYER.energy(x) + np.sum(x)


def uses_object_of_object(x):
    a = NET.layer.apply(x)
    return np.sum(a * x) + NET.forward(x)


def uses_method_keyword(x, s):
    return LAYER.scaled(x, scale=s) * s


def uses_classmethod(x):
    return np.sum(Layer.offset(x) ** 3)


def uses_method_in_loop(x):
    acc = 0.0
    for k in range(3):
        acc = acc + LAYER.scaled(x * k, 1.5)
    return acc


METHOD_CALLERS = [uses_global_method, uses_method_calling_method, uses_object_of_object,
                  uses_method_keyword, uses_classmethod, uses_method_in_loop]


def _method_args(func):
    x = np.array([0.3, -0.4, 0.9])
    return (x, 1.3) if func is uses_method_keyword else (x,)


def _copies(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize("func", METHOD_CALLERS, ids=[f.__name__ for f in METHOD_CALLERS])
def test_methods_of_module_objects_match_finite_differences(func):
    args = _method_args(func)
    wrt = tuple(range(len(args)))
    expected = tuple(fd_grad(func, args, i) for i in wrt)
    primal_args = _copies(args)
    func(*primal_args)
    for way in ("grad", "jvp", "vjp"):
        mine = _copies(args)
        if way == "grad":
            got = s2sad.grad(func, wrt=wrt)(*mine)
        elif way == "vjp":
            got = s2sad.vjp(func, *mine, wrt=wrt)[1](1.0)
        else:
            got = []
            for i in wrt:
                units = [np.eye(np.size(a))[j].reshape(np.shape(a)) for a in args[i:i + 1]
                         for j in range(np.size(a))] if np.ndim(args[i]) else [1.0]
                tangents = [tuple(u if k == i else np.zeros_like(args[k]) * 1.0
                                  for k in wrt) for u in units]
                cols = [s2sad.jvp(func, mine, t, wrt=wrt)[1] for t in tangents]
                got.append(np.reshape(cols, np.shape(args[i])))
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8, err_msg=way)
        for a, b in zip(mine, primal_args):
            np.testing.assert_array_equal(a, b)


def test_a_rebound_module_object_is_differentiated_anew():
    x = np.array([0.3, -0.4, 0.9])
    first = s2sad.grad(uses_global_method)(x)
    np.testing.assert_allclose(first, fd_grad(uses_global_method, (x,), 0), rtol=1e-6)
    global LAYER
    kept = LAYER
    try:
        LAYER = Layer(np.array([2.0, 0.1, -0.3]), -0.6)
        again = s2sad.grad(uses_global_method)(x)
        np.testing.assert_allclose(again, fd_grad(uses_global_method, (x,), 0), rtol=1e-6)
        LAYER.b = 0.9                  # an attribute changed in place: read when it runs
        np.testing.assert_allclose(s2sad.grad(uses_global_method)(x),
                                   fd_grad(uses_global_method, (x,), 0), rtol=1e-6)
    finally:
        LAYER = kept


def test_second_order_through_a_module_object_method_follows_a_rebinding():
    x, v = np.array([0.3, -0.4, 0.9]), np.array([1.0, -0.5, 2.0])
    global LAYER
    kept = LAYER
    try:
        for layer in (kept, Layer(np.array([2.0, 0.1, -0.3]), -0.6)):
            LAYER = layer
            gradient = s2sad.grad(uses_global_method)
            expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
            np.testing.assert_allclose(s2sad.hvp(uses_global_method)(x, v), expected,
                                       rtol=1e-6, atol=1e-8)
    finally:
        LAYER = kept


def test_standalone_through_a_module_object_method_refuses_cleanly():
    x = np.array([0.3, -0.4, 0.9])
    with pytest.raises(s2sad.UsageError, match="Layer.apply") as info:
        s2sad.source(uses_global_method, standalone=True, args=(x,))
    assert info.value.code == "cannot-carry"


# ---------------------------------------------------------------- second order, located


def cube_plus_sin(x):
    return cubed(x) + np.sin(x)          # calls a helper: its gradient calls cubed's vjp


def grad_inside(x):
    g = s2sad.grad(cube_plus_sin)
    return g(x) * x


D_CUBE_PLUS_SIN = s2sad.grad(cube_plus_sin)


def global_grad_inside(x):
    return D_CUBE_PLUS_SIN(x) * np.sin(x)


def two_variable(x, y):
    return cubed(x) * y + np.sin(x * y)


def grad_inside_two(x, y):
    g = s2sad.grad(two_variable, wrt=1)
    return g(x, y) * x + y


def _inner_closed(x):          # d/dx cube_plus_sin
    return 3.0 * x ** 2 + math.cos(x)


@pytest.mark.parametrize("func, closed", [
    (grad_inside, lambda x: _inner_closed(x) + x * (6.0 * x - math.sin(x))),
    (global_grad_inside, lambda x: (6.0 * x - math.sin(x)) * math.sin(x)
     + _inner_closed(x) * math.cos(x)),
])
def test_reverse_over_reverse_through_a_nested_grad_with_a_helper(func, closed):
    x = 0.6
    expected = fd_grad(func, (x,), 0)         # of the first derivative, s2sad's own first order
    assert expected == pytest.approx(closed(x), rel=1e-6)
    assert s2sad.grad(func)(x) == pytest.approx(expected, rel=1e-6)
    assert s2sad.vjp(func, x)[1](1.5)[0] == pytest.approx(1.5 * expected, rel=1e-6)
    assert s2sad.jvp(func, (x,), (1.5,))[1] == pytest.approx(1.5 * expected, rel=1e-6)


def test_nested_grad_with_a_helper_and_two_arguments():
    args = (0.6, -0.8)
    for i in (0, 1):
        expected = fd_grad(grad_inside_two, args, i)
        assert s2sad.grad(grad_inside_two, wrt=i)(*args) == pytest.approx(expected, rel=1e-6)
        tangent = (1.0, 0.0) if i == 0 else (0.0, 1.0)
        assert s2sad.jvp(grad_inside_two, args, tangent)[1] == pytest.approx(expected, rel=1e-6)
    cotangents = s2sad.vjp(grad_inside_two, *args)[1](1.0)
    assert cotangents == pytest.approx(tuple(fd_grad(grad_inside_two, args, i)
                                             for i in (0, 1)), rel=1e-6)


def test_third_order_through_a_nested_grad_is_its_closed_form():
    # grad_inside(x) = 3 x^3 + x cos x: its second derivative 18 x - 2 sin x - x cos x
    x = 0.6
    expected = 18 * x - 2 * np.sin(x) - x * np.cos(x)
    assert s2sad.hvp(grad_inside)(x, 1.5) == pytest.approx(1.5 * expected, rel=1e-12)
    assert s2sad.hessian(grad_inside)(x) == pytest.approx(expected, rel=1e-12)


def softplus_ish(x):
    return math.log1p(math.exp(x))


s2sad.defvjp(softplus_ish, lambda g, ans, x: g / (1.0 + math.exp(-x)))


def uses_lambda_rule(x):
    y = softplus_ish(x * 2.0)
    return y * x


def uses_lambda_rule_in_loop(x):
    s = 0.0
    for k in range(2):
        s = s + softplus_ish(x * k)
    return s


@pytest.mark.parametrize("func, line", [(uses_lambda_rule, "y = softplus_ish(x * 2.0)"),
                                        (uses_lambda_rule_in_loop,
                                         "s = s + softplus_ish(x * k)")])
@pytest.mark.parametrize("second", ["hvp", "hessian", "grad_of_grad"])
def test_a_second_order_through_a_lambda_rule_is_differentiated(func, line, second):
    # issue 14: the rule's lambda is read from its file and differentiated
    assert s2sad.grad(func)(0.4) == pytest.approx(fd_grad(func, (0.4,), 0), rel=1e-6)
    expected = fd_grad(s2sad.grad(func), (0.4,), 0)
    if second == "hvp":
        got = s2sad.hvp(func)(0.4, 1.0)
    elif second == "hessian":
        got = s2sad.hessian(func)(0.4)
    else:
        got = s2sad.grad(s2sad.grad(func))(0.4)
    assert got == pytest.approx(expected, rel=1e-6)
