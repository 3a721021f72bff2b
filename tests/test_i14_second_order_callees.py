"""Issue 14, item 7: second derivatives through calls that cannot be inlined (recursion,
mutual recursion, a method, a method of a parameter object, a nested def, a closure
over a differentiated value, a functools.partial, a function passed as a value, a
list of functions iterated). The gradient differentiated again calls each callee's
generated pullback, an ordinary function whose tangent is made when it runs.

Oracles: the gradient against central differences of the function; hvp and the
Hessian against central differences of the gradient; grad(grad(f)) and
jvp(grad(f)) against central differences of grad(f) for a scalar f."""
from __future__ import annotations

import functools

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 0.5, -2.0])


# --- the programs ------------------------------------------------------------------------


def rec(x, n):
    if n == 0:
        return x
    return np.sin(rec(x, n - 1))


def f_rec(x):
    return np.sum(rec(x, 3) ** 2)


class Layer:
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        return np.tanh(self.w * x)


L = Layer(np.array([0.5, -1.0, 2.0]))


def f_method(x):
    return np.sum(L.forward(x) ** 2)


def apply(fn, x):
    return fn(x)


def f_value(x):
    return np.sum(apply(np.sin, x) * x)


def scaled(x, k=1.0):
    return np.sin(x) * k


def f_partial(x):
    g = functools.partial(scaled, k=3.0)
    return np.sum(g(x) ** 2)


def f_closure(x):
    a = 2.0

    def inner(v):
        return np.exp(a * v)
    return np.sum(inner(x))


def f_active_closure(x):
    s = np.sin(x)

    def inner(v):
        return v * s                     # a closure over a value that depends on x
    return np.sum(inner(x) ** 2)


def square(v):
    return v * v


FNS = [np.sin, np.tanh, square]


def f_list(x):
    for fn in FNS:
        x = fn(x) + 0.5 * x
    return np.sum(x)


def is_even(x, n):
    if n == 0:
        return x
    return is_odd(np.cos(x) * x, n - 1)


def is_odd(x, n):
    if n == 0:
        return np.sin(x)
    return is_even(x * x, n - 1)


def f_mutual(x):
    return np.sum(is_even(x, 4))


def helper(y, x):
    return L.forward(y) * x


def f_loop(x):
    y = x
    for _ in range(3):
        y = helper(y, x)                 # the result overwrites an argument of the call
    return np.sum(y ** 2)


def f_update_after(x):
    z = x * 1.0
    y = L.forward(z)
    z[0] = 2.0                           # z changes after the call read it
    return np.sum(y * z)


def pair(x):
    return L.forward(x), x * x


def f_tuple(x):
    c, d = pair(x)
    return np.sum(c * d)


W = np.array([0.5, -1.0, 2.0])


def scaled_w(x, w=W):                    # a default that is no constant: not inlined
    return np.sin(w * x)


def f_array_default(x):
    return np.sum(scaled_w(x) ** 2)


PROGRAMS = [f_rec, f_method, f_value, f_partial, f_closure, f_active_closure, f_list,
            f_mutual, f_loop, f_update_after, f_tuple, f_array_default]


def f_param_method(x, layer):
    return np.sum(layer.forward(x) ** 2)


def f_two(x, y):
    return np.sum(rec(x * y, 2) * y) + y * L.forward(x)[0]


def s_rec(x):
    return rec(x, 3) ** 2


LS = Layer(0.8)


def s_method(x):
    return LS.forward(x) * x


def s_value(x):
    return apply(np.tanh, x) * np.sin(x)


def s_mutual(x):
    return is_even(x, 3) * x


SCALARS = [s_rec, s_method, s_value, s_mutual]


# --- helpers -----------------------------------------------------------------------------


def _fd_hvp(f, x, v, extra=(), h=1e-5):
    gradient = s2sad.grad(f)
    return (gradient(x + h * v, *extra) - gradient(x - h * v, *extra)) / (2 * h)


def _fd_hessian(f, x, extra=()):
    rows = [_fd_hvp(f, x, unit, extra) for unit in np.eye(x.size)]
    return np.stack(rows, axis=-1)


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_gradient_matches_finite_differences(f):
    np.testing.assert_allclose(s2sad.grad(f)(X.copy()), fd_grad(f, (X.copy(),), 0),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_hvp_and_hessian_match_differences_of_the_gradient(f):
    x = X.copy()
    hv = s2sad.hvp(f)(x, V)
    np.testing.assert_array_equal(x, X)                       # the caller's array as it was
    np.testing.assert_allclose(hv, _fd_hvp(f, X, V), rtol=1e-6, atol=1e-7)
    H = s2sad.hessian(f)(x)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_allclose(H, _fd_hessian(f, X), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H @ V, hv, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_jvp_of_the_gradient_is_the_hvp(f):
    _, hv = s2sad.jvp(s2sad.grad(f), (X.copy(),), (V,))
    np.testing.assert_allclose(hv, _fd_hvp(f, X, V), rtol=1e-6, atol=1e-7)


def test_a_method_of_a_parameter_object():
    layer = Layer(np.array([1.5, 0.2, -0.7]))
    extra = (layer,)
    np.testing.assert_allclose(s2sad.grad(f_param_method)(X, layer),
                               fd_grad(f_param_method, (X, layer), 0), rtol=1e-6)
    np.testing.assert_allclose(s2sad.hvp(f_param_method, wrt=0)(X, layer, V),
                               _fd_hvp(f_param_method, X, V, extra), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(s2sad.hessian(f_param_method, wrt=0)(X, layer),
                               _fd_hessian(f_param_method, X, extra), rtol=1e-6, atol=1e-7)
    other = Layer(np.array([-0.4, 0.9, 0.3]))                # another object, another Hessian
    np.testing.assert_allclose(s2sad.hvp(f_param_method, wrt=0)(X, other, V),
                               _fd_hvp(f_param_method, X, V, (other,)), rtol=1e-6, atol=1e-7)


def test_hessian_blocks_of_two_arguments():
    y = 0.8
    H = s2sad.hessian(f_two, wrt=(0, 1))(X, y)
    gradient = s2sad.grad(f_two, wrt=(0, 1))
    h = 1e-5
    for j, (dx, dy) in enumerate([(V, 0.0), (np.zeros(3), 1.0)]):
        plus, minus = gradient(X + h * dx, y + h * dy), gradient(X - h * dx, y - h * dy)
        column = [(p - m) / (2 * h) for p, m in zip(plus, minus)]
        if j == 0:
            np.testing.assert_allclose(H[0][0] @ V, column[0], rtol=1e-6, atol=1e-7)
            assert H[1][0] @ V == pytest.approx(column[1], rel=1e-6, abs=1e-7)
        else:
            np.testing.assert_allclose(H[0][1], column[0], rtol=1e-6, atol=1e-7)
            assert H[1][1] == pytest.approx(column[1], rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(H[0][1], H[1][0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", SCALARS, ids=lambda f: f.__name__)
def test_grad_of_grad_jvp_of_grad_and_hessian_of_a_scalar_function(f):
    x = 0.7
    gradient = s2sad.grad(f)
    assert gradient(x) == pytest.approx(fd_grad(f, (x,), 0), rel=1e-6)
    expected = fd_grad(gradient, (x,), 0, rel_step=1e-5)
    second = s2sad.grad(s2sad.grad(f))(x)
    assert second == pytest.approx(expected, rel=1e-6, abs=1e-8)
    assert s2sad.jvp(gradient, (x,), (1.0,))[1] == pytest.approx(second, rel=1e-12)
    assert s2sad.hessian(f)(x) == pytest.approx(second, rel=1e-12)
    assert s2sad.hvp(f)(x, 2.0) == pytest.approx(2.0 * second, rel=1e-12)


def test_float32_arguments_keep_their_dtype():
    x = X.astype(np.float32)
    hv = s2sad.hvp(f_rec)(x, V.astype(np.float32))
    assert hv.dtype == np.float32
    np.testing.assert_allclose(hv, _fd_hvp(f_rec, X, V), rtol=1e-4, atol=1e-4)


def test_a_rebound_callee_is_followed():
    global L
    kept = L
    try:
        for w in ([0.5, -1.0, 2.0], [2.0, 0.1, -0.3]):
            L = Layer(np.array(w))
            np.testing.assert_allclose(s2sad.hvp(f_method)(X, V), _fd_hvp(f_method, X, V),
                                       rtol=1e-6, atol=1e-7)
    finally:
        L = kept


def inner_gradient(x):
    return s2sad.grad(square)(x) * x


def test_a_gradient_inside_the_function_has_a_hessian():
    # 2 x * x = 2 x^2: its second derivative is 4
    assert s2sad.hvp(inner_gradient)(0.6, 1.5) == pytest.approx(6.0, rel=1e-12)
    assert s2sad.hessian(inner_gradient)(0.6) == pytest.approx(4.0, rel=1e-12)


def test_the_gradient_code_calls_the_pullback_as_a_plain_function():
    # the code differentiated again: the call as it is, then the callee's pullback
    from s2sad.driver.target import Target
    made = Target(f_rec).generated(("x",), {"x": X}, "grad2")
    assert "rec(x, 3)" in made.source and "rec_pullback(" in made.source
    assert "back_" not in made.source


def leaf(x, n):
    if n == 0:
        return x
    return np.sin(leaf(x, n - 1))


def f_leaf(x):
    return np.sum(leaf(x, 2) ** 2)


def test_a_callee_rebound_to_another_signature_is_built_again():
    global leaf
    kept = leaf
    hvp, hessian = s2sad.hvp(f_leaf), s2sad.hessian(f_leaf)
    np.testing.assert_allclose(hvp(X, V), _fd_hvp(f_leaf, X, V), rtol=1e-6, atol=1e-7)

    def other(x, n, scale=2.0):
        return np.cos(x * scale) * n
    try:
        leaf = other
        np.testing.assert_allclose(hvp(X, V), _fd_hvp(f_leaf, X, V), rtol=1e-6, atol=1e-7)
        leaf = kept
        np.testing.assert_allclose(hessian(X), _fd_hessian(f_leaf, X), rtol=1e-6, atol=1e-7)
        leaf = other
        np.testing.assert_allclose(hessian(X), _fd_hessian(f_leaf, X), rtol=1e-6, atol=1e-7)
    finally:
        leaf = kept


def plain(x):
    return np.sin(x)


def f_plain(x):
    return np.sum(plain(x) ** 2)


def test_an_inlined_callee_rebound_is_inlined_again():
    global plain
    kept = plain
    hessian = s2sad.hessian(f_plain)
    np.testing.assert_allclose(hessian(X), _fd_hessian(f_plain, X), rtol=1e-6, atol=1e-7)
    try:
        plain = lambda x: np.cos(2.0 * x) * 2.0      # noqa: E731 -- inlined: a body anew
        np.testing.assert_allclose(hessian(X), _fd_hessian(f_plain, X), rtol=1e-6, atol=1e-7)
        plain = functools.partial(rec, n=2)          # recursive: through its pullback
        np.testing.assert_allclose(s2sad.hvp(f_plain)(X, V), _fd_hvp(f_plain, X, V),
                                   rtol=1e-6, atol=1e-7)
    finally:
        plain = kept
