"""Issue 14, items 1-3: lambdas, functools.partial and bound methods, functions as
values, in the styles real code is written in. Every derivative is checked against
central differences (tests/fd.py) or the other mode (<J v, w> == <v, J^T w>)."""
from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

RNG = np.random.default_rng(14)
X = RNG.normal(size=(6, 3))
Y = RNG.normal(size=6)
W0 = np.array([0.3, -0.2, 0.5])


def fd_close(actual, f, args, i, rtol=1e-6):
    np.testing.assert_allclose(actual, fd_grad(f, args, i), rtol=rtol, atol=1e-8)


def loss(params, inputs, targets):
    preds = np.tanh(inputs @ params)
    return np.mean((preds - targets) ** 2)


# --- 1. lambdas ---------------------------------------------------------------------

SQUARE = lambda v: v * v  # noqa: E731
PAIR = (lambda a: a * np.sin(a), lambda a: np.exp(a) / a)  # noqa: E731


def calls_global_lambda(x):
    return SQUARE(x) + np.sin(x)


def make_scaled(k):
    return lambda t: k * t ** 3         # a closure's lambda


SCALED = make_scaled(2.5)


def calls_closure_lambda(x):
    return SCALED(x) * x


def apply_to(fn, x):
    return fn(x) + x


def test_training_loop_with_a_lambda_of_the_loss():
    params, inputs = W0.copy(), X.copy()
    for _ in range(3):           # autograd-style: grad(lambda p: loss(p, X, y))(params)
        g = s2sad.grad(lambda p: loss(p, X, Y))(params)
        fd_close(g, lambda p: loss(p, X, Y), (params,), 0)
        params = params - 0.1 * g
    np.testing.assert_array_equal(X, inputs)        # the caller's arrays as they were


def test_two_lambdas_on_one_line_are_told_apart():
    for fn, at in ((PAIR[0], 0.7), (PAIR[1], 1.3)):
        fd_close(s2sad.grad(fn)(at), fn, (at,), 0)
    assert "lambda_L" in s2sad.source(PAIR[1])


def test_lambda_derivative_is_named_after_its_line():
    text = s2sad.source(SQUARE)
    line = SQUARE.__code__.co_firstlineno
    assert f"def lambda_L{line}_grad(v)" in text, text


@pytest.mark.parametrize("f", [calls_global_lambda, calls_closure_lambda])
def test_lambda_called_inside_in_every_mode(f):
    x = 0.8
    fd_close(s2sad.grad(f)(x), f, (x,), 0)
    value, g = s2sad.value_and_grad(f)(x)
    assert value == pytest.approx(f(x), rel=1e-14)
    y, dy = s2sad.jvp(f, (x,), (1.0,))
    assert dy == pytest.approx(g, rel=1e-12)
    y, back = s2sad.vjp(f, x)
    assert back(1.0)[0] == pytest.approx(g, rel=1e-12)


def test_second_derivative_through_a_global_lambda():
    x = 0.8
    f = calls_global_lambda
    second = s2sad.grad(s2sad.grad(f))(x)
    fd_close(second, s2sad.grad(f), (x,), 0, rtol=1e-5)
    H = s2sad.hessian(f)(x)
    assert H == pytest.approx(second, rel=1e-12)


def test_second_derivative_through_a_closures_lambda():
    x = 0.8                                 # a closure is not inlined: its pullback is called
    second = s2sad.grad(s2sad.grad(calls_closure_lambda))(x)
    fd_close(second, s2sad.grad(calls_closure_lambda), (x,), 0, rtol=1e-5)
    assert s2sad.hessian(calls_closure_lambda)(x) == pytest.approx(second, rel=1e-12)


def test_lambda_passed_as_an_argument():
    fn = lambda t: np.cos(t) * t  # noqa: E731
    g = s2sad.grad(apply_to, wrt=1)(fn, 0.4)
    fd_close(g, apply_to, (fn, 0.4), 1)


def test_lambda_hessian_and_hvp_and_jvp_vjp_with_arrays():
    f = lambda w: loss(w, X, Y)  # noqa: E731
    H = s2sad.hessian(f)(W0)
    for i in range(3):
        e = np.eye(3)[i]
        fd_close(H[i], lambda w: s2sad.grad(f)(w) @ e, (W0,), 0, rtol=1e-5)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(s2sad.hvp(f)(W0, v), H @ v, rtol=1e-12)
    g = lambda w: np.tanh(X @ w)  # noqa: E731
    u = RNG.normal(size=6)
    _, jv = s2sad.jvp(g, (W0,), (v,))
    _, back = s2sad.vjp(g, W0)
    assert np.dot(jv, u) == pytest.approx(np.dot(v, back(u)[0]), rel=1e-12)


def test_lambda_without_source_keeps_the_clear_error():
    square = eval("lambda x: x * x")
    with pytest.raises(s2sad.S2SadError) as info:
        s2sad.grad(square)(3.0)
    assert info.value.code == "lambda" and "without source" in str(info.value)


# --- 2. functools.partial and bound methods -------------------------------------------


def model(hyper, w, inputs):
    return hyper * np.sum(np.sin(inputs @ w)) + np.sum(w ** 2)


def kw_loss(w, inputs=None, targets=None, scale=1.0):
    return scale * np.sum((inputs @ w - targets) ** 2)


def test_partial_counts_the_remaining_parameters():
    f = functools.partial(model, 0.7)
    g = s2sad.grad(f, wrt=0)(W0, X)                   # wrt model's w
    fd_close(g, f, (W0, X), 0)
    value, g2 = s2sad.value_and_grad(f)(W0, X)
    assert value == pytest.approx(f(W0, X), rel=1e-14)
    np.testing.assert_allclose(g2, g, rtol=1e-14)
    v = np.array([0.2, 0.1, -1.0])
    _, jv = s2sad.jvp(f, (W0, X), (v,), wrt=0)
    assert jv == pytest.approx(np.dot(g, v), rel=1e-12)
    _, back = s2sad.vjp(f, W0, X, wrt=0)
    np.testing.assert_allclose(back(1.0)[0], g, rtol=1e-12)


def test_partial_of_positional_arguments_has_a_hessian():
    f = functools.partial(model, 0.7)
    H = s2sad.hessian(f)(W0, X)
    for i in range(3):
        fd_close(H[i], lambda w: s2sad.grad(f)(w, X)[i], (W0,), 0, rtol=1e-5)


def test_partial_with_keywords():
    targets = Y.copy()
    f = functools.partial(kw_loss, inputs=X, targets=targets, scale=0.5)
    g = s2sad.grad(f)(W0)
    fd_close(g, f, (W0,), 0)
    _, jv = s2sad.jvp(f, (W0,), (np.ones(3),))
    assert jv == pytest.approx(g.sum(), rel=1e-12)
    np.testing.assert_array_equal(targets, Y)          # the caller's array untouched
    H = s2sad.hessian(f)(W0)                           # not inlined: through its pullback
    for i in range(3):
        fd_close(H[i], lambda w: s2sad.grad(f)(w)[i], (W0,), 0, rtol=1e-5)
    np.testing.assert_array_equal(targets, Y)


class Layer:
    def __init__(self, scale):
        self.scale = scale

    def forward_pass(self, params, x):
        return np.tanh(x @ params) * self.scale


def network(params, layers, x):
    out = 0.0
    for layer in layers:
        out = out + np.sum(layer.forward_pass(params, x))
    return out


def one_layer(params, layer, x):
    h = layer.forward_pass(params, x)
    return np.sum(h ** 2)


def test_bound_method_of_any_object_top_level_and_inside():
    layer = Layer(1.5)
    g = s2sad.grad(layer.forward_pass)(W0, X[0])
    fd_close(g, layer.forward_pass, (W0, X[0]), 0)
    layers = [Layer(2.0), Layer(-0.5)]
    fd_close(s2sad.grad(network)(W0, layers, X), network, (W0, layers, X), 0)
    fd_close(s2sad.grad(one_layer)(W0, layer, X), one_layer, (W0, layer, X), 0)
    v = np.array([1.0, 0.0, -1.0])
    _, jv = s2sad.jvp(network, (W0, layers, X), (v,), wrt=0)
    _, back = s2sad.vjp(network, W0, layers, X, wrt=0)
    assert jv == pytest.approx(np.dot(back(1.0)[0], v), rel=1e-12)


def test_a_method_without_a_rule_on_an_array_is_still_located():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(method_on_array)(W0)
    (violation,) = info.value.violations
    assert violation.code == "no-rule" and violation.lineno == \
        method_on_array.__code__.co_firstlineno + 1


def method_on_array(w):
    y = (w * 2.0).nonexistent_method(3)
    return np.sum(y)


# --- 3. functions as values ----------------------------------------------------------


def dense(w, x, nonlinearity=np.tanh):
    return np.sum(nonlinearity(x @ w))


def mlp(w, x, activations):
    h = x @ w
    for act in activations:
        h = act(h)
    return np.sum(h)


ACTS = {"tanh": np.tanh, "square": SQUARE}


def by_name(w, x, name):
    act = ACTS[name]
    return np.sum(act(x @ w))


def make_power(p):
    def power(t):
        return t ** p
    return power


def uses_factory(w, x):
    cube = make_power(3)
    return np.sum(cube(x @ w))


def integrate(f, a, b, n=8):
    h = (b - a) / n
    total = 0.0
    for i in range(n):
        total = total + h * f(a + (i + 0.5) * h)
    return total


def euler(func, y0, t1, steps=5):
    y = y0
    dt = t1 / steps
    for _ in range(steps):
        y = y + dt * func(y)
    return y


def decay(y):
    return -0.7 * y + np.sin(y)


class Scale:
    def __init__(self, k):
        self.k = k

    def __call__(self, t):
        return self.k * np.sin(t)


def _ufunc_signature_readable() -> bool:
    try:
        inspect.signature(np.multiply)
    except (TypeError, ValueError):
        return False
    return True


# NumPy before 2.0 gives ufuncs no signature, so a partial of one cannot be bound yet
_UFUNC_SIGNATURES = pytest.mark.skipif(not _ufunc_signature_readable(),
                                       reason="this NumPy's ufuncs have no signature")


@pytest.mark.parametrize("act", [np.tanh, np.sin, np.exp, SQUARE, make_power(2),
                                 pytest.param(functools.partial(np.multiply, 2.0),
                                              marks=_UFUNC_SIGNATURES), Scale(2.0)],
                         ids=["tanh", "sin", "exp", "lambda", "factory", "partial", "object"])
def test_function_argument_every_mode(act):
    fd_close(s2sad.grad(dense)(W0, X, act), dense, (W0, X, act), 0)
    v = np.array([0.5, -1.0, 2.0])
    _, jv = s2sad.jvp(dense, (W0, X, act), (v,), wrt=0)
    _, back = s2sad.vjp(dense, W0, X, act, wrt=0)
    assert jv == pytest.approx(np.dot(back(1.0)[0], v), rel=1e-12)


def test_default_nonlinearity_uses_its_rule():
    fd_close(s2sad.grad(dense)(W0, X), dense, (W0, X), 0)
    assert "tanh" in s2sad.source(dense)     # the call goes through vjp_of


def test_list_dict_factory_of_functions():
    acts = [np.tanh, SQUARE, np.sin]
    fd_close(s2sad.grad(mlp)(W0, X, acts), mlp, (W0, X, acts), 0)
    for name in ACTS:
        fd_close(s2sad.grad(by_name)(W0, X, name), by_name, (W0, X, name), 0)
    fd_close(s2sad.grad(uses_factory)(W0, X), uses_factory, (W0, X), 0)


def test_integrate_and_ode_style_callers():
    fd_close(s2sad.grad(integrate, wrt=(1, 2))(np.cos, 0.2, 1.1)[1],
             integrate, (np.cos, 0.2, 1.1), 2)
    fd_close(s2sad.grad(euler, wrt=1)(decay, 0.9, 2.0), euler, (decay, 0.9, 2.0), 1)
    y, dy = s2sad.jvp(euler, (decay, 0.9, 2.0), (1.0,), wrt=1)
    assert dy == pytest.approx(s2sad.grad(euler, wrt=1)(decay, 0.9, 2.0), rel=1e-12)


def test_the_derivative_follows_the_function_passed():
    g_tanh = s2sad.grad(dense)(W0, X, np.tanh)
    g_sin = s2sad.grad(dense)(W0, X, np.sin)
    fd_close(g_sin, dense, (W0, X, np.sin), 0)
    assert not np.allclose(g_tanh, g_sin)


def test_second_derivative_of_a_function_value():
    for acts in ([np.tanh], [np.tanh, SQUARE, np.sin]):
        H = s2sad.hessian(mlp)(W0, X, acts)
        for i in range(3):
            fd_close(H[i], lambda w: s2sad.grad(mlp)(w, X, acts)[i], (W0,), 0, rtol=1e-5)


def test_a_value_that_is_not_differentiable_is_named():
    with pytest.raises(s2sad.S2SadError) as info:
        s2sad.grad(dense)(W0, X, np.vectorize(np.tanh))
    assert info.value.code == "no-source" and "vectorize" in str(info.value)
