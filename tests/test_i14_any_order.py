"""Any order, any composition: derivatives of derivatives through callees s2sad cannot
inline (a recursive helper, a nested def, a function passed as a value, a method) and
through a gradient taken inside the function (``s2sad.grad(g)(x)``), checked against
closed forms, central differences of the order below, and the dot-product test
between modes."""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad
from tests.test_i14_second_order_callees import PROGRAMS, SCALARS


def rec(x, n):
    if n == 0:
        return x
    return np.sin(rec(x, n - 1))


def sin3_times_x(x):
    return rec(x, 3) * x                  # sin(sin(sin(x))) * x


def _sin_chain(x, depth):
    """u, u', u'', u''', u'''' of sin applied ``depth`` times, by the chain rule
    written out (Faa di Bruno to fourth order)."""
    u = [x, 1.0, 0.0, 0.0, 0.0]
    for _ in range(depth):
        v, d1, d2, d3, d4 = u
        s, c = np.sin(v), np.cos(v)
        u = [s, c * d1, -s * d1 ** 2 + c * d2,
             -c * d1 ** 3 - 3 * s * d1 * d2 + c * d3,
             s * d1 ** 4 - 6 * c * d1 ** 2 * d2 - 3 * s * d2 ** 2 - 4 * s * d1 * d3
             + c * d4]
    return u


def _closed(x, order):
    """d^order/dx^order of sin(sin(sin(x))) * x: (u x)^(k) = u^(k) x + k u^(k-1)."""
    u = _sin_chain(x, 3)
    return u[order] * x + order * u[order - 1]


AT = [0.3, -0.7, 1.2]


@pytest.mark.parametrize("x", AT)
def test_third_derivative_through_a_recursive_helper_is_the_closed_form(x):
    third = s2sad.grad(s2sad.grad(s2sad.grad(sin3_times_x)))(x)
    assert third == pytest.approx(_closed(x, 3), rel=1e-10, abs=1e-12)
    hessian = s2sad.hessian(sin3_times_x)
    assert third == pytest.approx(fd_grad(hessian, (x,), 0, rel_step=1e-5), rel=1e-6)


@pytest.mark.parametrize("x", AT)
def test_fourth_derivative_through_a_recursive_helper_is_the_closed_form(x):
    fourth = s2sad.grad(s2sad.grad(s2sad.grad(s2sad.grad(sin3_times_x))))(x)
    assert fourth == pytest.approx(_closed(x, 4), rel=1e-10, abs=1e-12)


def test_compositions_of_third_order_agree_with_the_closed_form():
    x, t, w = 0.4, 1.7, -0.6
    hessian = s2sad.hessian(sin3_times_x)
    h, dh = s2sad.jvp(hessian, (x,), (t,))
    assert h == pytest.approx(_closed(x, 2), rel=1e-12)
    assert dh == pytest.approx(t * _closed(x, 3), rel=1e-10)
    second = s2sad.grad(s2sad.grad(sin3_times_x))
    y, pullback = s2sad.vjp(second, x)
    assert y == pytest.approx(_closed(x, 2), rel=1e-12)
    assert pullback(w)[0] == pytest.approx(w * _closed(x, 3), rel=1e-10)
    g, dg = s2sad.jvp(s2sad.grad(sin3_times_x), (x,), (t,))
    assert dg == pytest.approx(t * _closed(x, 2), rel=1e-12)
    assert s2sad.hessian(s2sad.grad(sin3_times_x))(x) == pytest.approx(_closed(x, 3),
                                                                      rel=1e-10)
    assert s2sad.jacobian(s2sad.jacobian(s2sad.grad(sin3_times_x)))(x) == \
        pytest.approx(_closed(x, 3), rel=1e-10)
    assert s2sad.jvp(s2sad.hessian(s2sad.grad(sin3_times_x)), (x,), (t,))[1] == \
        pytest.approx(t * _closed(x, 4), rel=1e-10)


def looped_loss(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(rec(x * (i + 1.0), 2) ** 2)
    return s * np.sum(x)


X = np.array([0.3, -0.5, 0.8])


def _fd_tensor(f, x, step=1e-5):
    """d f(x) / d x_k, stacked on a last axis (central differences)."""
    columns = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = step
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * step))
    return np.stack(columns, axis=-1)


def test_third_derivatives_of_a_loop_calling_a_recursive_helper_match_fd_of_the_hessian():
    x = X.copy()
    hessian = s2sad.hessian(looped_loss)
    third = s2sad.jacobian(hessian)(x)
    assert third.shape == (3, 3, 3)
    np.testing.assert_allclose(third, _fd_tensor(hessian, X), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(third, np.swapaxes(third, 0, 2), rtol=1e-10, atol=1e-12)
    v = np.array([1.0, 2.0, -1.0])
    _, dh = s2sad.jvp(hessian, (x,), (v,))
    np.testing.assert_allclose(dh, third @ v, rtol=1e-10, atol=1e-12)
    _, pullback = s2sad.vjp(s2sad.grad(looped_loss), x)
    np.testing.assert_allclose(pullback(v)[0], hessian(X) @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(x, X)                 # the caller's array is unchanged


def test_third_derivatives_keep_float32():
    x = X.astype(np.float32)
    third = s2sad.jacobian(s2sad.hessian(looped_loss))(x)
    assert third.dtype == np.float32
    np.testing.assert_allclose(third, _fd_tensor(s2sad.hessian(looped_loss), X),
                               rtol=1e-4, atol=1e-4)


def rec_vector(x):
    return rec(x, 2) * x[::-1]


def test_jacobian_of_jacobian_of_a_vector_function_matches_fd_and_the_dot_product():
    x = X.copy()
    jac = s2sad.jacobian(rec_vector)
    second = s2sad.jacobian(jac)(x)
    assert second.shape == (3, 3, 3)
    np.testing.assert_allclose(second, _fd_tensor(jac, X), rtol=1e-6, atol=1e-8)
    rng = np.random.default_rng(3)
    v, w = rng.standard_normal(3), rng.standard_normal((3, 3))
    jv = s2sad.jvp(jac, (x,), (v,))[1]
    jtw = s2sad.vjp(jac, x)[1](w)[0]
    assert np.sum(jv * w) == pytest.approx(float(v @ jtw), rel=1e-10)
    third = s2sad.jacobian(s2sad.jacobian(jac))(x)
    assert third.shape == (3, 3, 3, 3)
    np.testing.assert_allclose(third, _fd_tensor(s2sad.jacobian(jac), X), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_array_equal(x, X)


def nested_def(x):
    def h(v):
        return np.sin(v) * v
    return h(x) * x


def apply(h, x):
    return h(x) * x


def sin_times(v):
    return np.sin(v) * v


def passes_a_function(x):
    return apply(sin_times, x)


class Layer:
    def __init__(self, w):
        self.w = w

    def apply(self, x):
        return np.tanh(self.w * x)


LAYER = Layer(0.7)


def calls_a_method(x):
    return LAYER.apply(x) * x


@pytest.mark.parametrize("func", [nested_def, passes_a_function, calls_a_method])
def test_third_order_through_callees_that_are_not_inlined_matches_fd(func):
    x = 0.4
    second = s2sad.grad(s2sad.grad(func))
    third = s2sad.grad(second)(x)
    assert third == pytest.approx(fd_grad(second, (x,), 0, rel_step=1e-5), rel=1e-6)
    if func is not calls_a_method:            # x^2 sin x: 6 cos x - 6 x sin x - x^2 cos x
        closed = 6 * np.cos(x) - 6 * x * np.sin(x) - x * x * np.cos(x)
        assert third == pytest.approx(closed, rel=1e-10)
    fourth = s2sad.grad(s2sad.grad(second))(x)
    assert fourth == pytest.approx(fd_grad(s2sad.grad(second), (x,), 0, rel_step=1e-5),
                                   rel=1e-6)


@pytest.mark.parametrize("func", PROGRAMS, ids=lambda f: f.__name__)
def test_third_derivative_tensors_of_the_second_order_programs_match_fd(func):
    """Recursion, methods, functions as values, partials, closures, a list of functions,
    mutual recursion, loops, tuples, array defaults: jacobian(hessian(f)) vs central
    differences of the Hessian, and symmetric in its three axes."""
    x = X.copy()
    hessian = s2sad.hessian(func)
    third = s2sad.jacobian(hessian)(x)
    scale = max(1.0, float(np.max(np.abs(third))))
    np.testing.assert_allclose(third, _fd_tensor(hessian, X), rtol=1e-6, atol=1e-7 * scale)
    np.testing.assert_allclose(third, np.transpose(third, (2, 1, 0)), atol=1e-9 * scale)
    np.testing.assert_allclose(third, np.transpose(third, (1, 0, 2)), atol=1e-9 * scale)
    np.testing.assert_array_equal(x, X)


@pytest.mark.parametrize("func", SCALARS, ids=lambda f: f.__name__)
def test_third_derivatives_of_the_scalar_programs_match_fd_of_the_second(func):
    second = s2sad.grad(s2sad.grad(func))
    assert s2sad.grad(second)(0.4) == pytest.approx(fd_grad(second, (0.4,), 0, 1e-5),
                                                    rel=1e-6, abs=1e-8)


# ------------------------------------------------- a gradient taken inside the function


def cube(x):
    return x ** 3


def through_a_local_gradient(x):
    g = s2sad.grad(cube)
    return g(x) * x                       # 3 x^3


def through_an_inline_gradient(x):
    return s2sad.grad(cube)(x) * x


cube_slope = s2sad.grad(cube)


def through_a_module_gradient(x):
    return cube_slope(x) * x


@pytest.mark.parametrize("func", [through_a_local_gradient, through_an_inline_gradient,
                                  through_a_module_gradient])
def test_derivatives_of_a_gradient_taken_inside_are_the_closed_forms(func):
    x, t = 0.5, 1.5
    assert s2sad.grad(func)(x) == pytest.approx(9 * x * x, rel=1e-12)
    assert s2sad.grad(s2sad.grad(func))(x) == pytest.approx(18 * x, rel=1e-12)
    assert s2sad.hessian(func)(x) == pytest.approx(18 * x, rel=1e-12)
    assert s2sad.hvp(func)(x, t) == pytest.approx(18 * x * t, rel=1e-12)
    y, dy = s2sad.jvp(s2sad.grad(func), (x,), (t,))
    assert (y, dy) == pytest.approx((9 * x * x, 18 * x * t), rel=1e-12)
    assert s2sad.vjp(s2sad.grad(func), x)[1](t)[0] == pytest.approx(18 * x * t, rel=1e-12)
    assert s2sad.grad(s2sad.grad(s2sad.grad(func)))(x) == pytest.approx(18.0, rel=1e-12)
    assert s2sad.jvp(s2sad.hessian(func), (x,), (t,))[1] == pytest.approx(18 * t, rel=1e-12)


def curved(y, x):
    return x * y * y + np.sin(x * y)


def inner_gradient_twice(x, z):
    g = s2sad.grad(curved, wrt=0)
    return g(x, z) * x + g(z, x)


def test_hessian_of_two_inner_gradient_calls_matches_fd_of_the_gradient():
    at = (0.7, 1.3)
    hessian = np.array(s2sad.hessian(inner_gradient_twice, wrt=(0, 1))(*at),
                       dtype=float).reshape(2, 2)
    gradient = s2sad.grad(inner_gradient_twice, wrt=(0, 1))
    for i in range(2):
        for j in range(2):
            expected = fd_grad(lambda *a: gradient(*a)[j], at, i, rel_step=1e-5)
            assert hessian[i, j] == pytest.approx(expected, rel=1e-6, abs=1e-8)
    second = s2sad.grad(s2sad.grad(inner_gradient_twice))
    third = s2sad.grad(second)(*at)
    assert third == pytest.approx(fd_grad(second, at, 0, rel_step=1e-5), rel=1e-6)


def product(y, x):
    return x * y


def inner_derivative_of_a_product(x):
    return s2sad.grad(product, wrt=0)(x, x)     # d/dy (x y) at y = x: x


def test_inner_and_outer_derivatives_never_mix_at_any_order():
    x = 1.5
    assert s2sad.grad(inner_derivative_of_a_product)(x) == pytest.approx(1.0)
    assert s2sad.hessian(inner_derivative_of_a_product)(x) == pytest.approx(0.0, abs=1e-12)
    assert s2sad.grad(s2sad.grad(s2sad.grad(inner_derivative_of_a_product)))(x) == \
        pytest.approx(0.0, abs=1e-12)


def inner_with_recursion(x):
    return rec(x, 2) * x


def gradient_of_a_recursive_inner(x):
    return s2sad.grad(inner_with_recursion)(x) * x


def test_a_gradient_inside_of_a_function_calling_a_recursive_helper():
    x = 0.5
    gradient = s2sad.grad(gradient_of_a_recursive_inner)
    hessian = s2sad.hessian(gradient_of_a_recursive_inner)(x)
    assert hessian == pytest.approx(fd_grad(gradient, (x,), 0, rel_step=1e-5), rel=1e-6)
    # g(x) x with g = (u x)' = u' x + u: (g x)'' = g'' x + 2 g' = u''' x^2 + 5 u'' x + 4 u'
    u = _sin_chain(x, 2)
    assert hessian == pytest.approx(u[3] * x * x + 5 * u[2] * x + 4 * u[1], rel=1e-10)
    second = s2sad.grad(s2sad.grad(gradient_of_a_recursive_inner))
    assert s2sad.grad(second)(x) == pytest.approx(fd_grad(second, (x,), 0, rel_step=1e-5),
                                                  rel=1e-6)


def vector_inner(w):
    return np.sum(np.sin(w) * w)


def gradient_of_a_vector_inner(w):
    return np.sum(s2sad.grad(vector_inner)(w) ** 2)


def test_hessian_of_an_array_gradient_taken_inside_matches_fd_and_keeps_the_input():
    w = X.copy()
    hessian = s2sad.hessian(gradient_of_a_vector_inner)(w)
    np.testing.assert_allclose(hessian, _fd_tensor(s2sad.grad(gradient_of_a_vector_inner),
                                                   X), rtol=1e-6, atol=1e-8)
    # sum(g_i^2), g_i = sin w_i + w_i cos w_i: H = diag(2 g_i'^2 + 2 g_i g_i'')
    g = np.sin(X) + X * np.cos(X)
    g1 = 2 * np.cos(X) - X * np.sin(X)
    g2 = -3 * np.sin(X) - X * np.cos(X)
    np.testing.assert_allclose(hessian, np.diag(2 * g1 ** 2 + 2 * g * g2), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_array_equal(w, X)


def hessian_inside(x):
    return s2sad.hessian(cube)(x) * x


def jvp_inside(x):
    return s2sad.jvp(cube, (x,), (1.0,))[1] * x


@pytest.mark.parametrize("func, line", [(hessian_inside, "s2sad.hessian(cube)(x)"),
                                        (jvp_inside, "s2sad.jvp(cube, (x,), (1.0,))")])
def test_a_derivative_other_than_grad_inside_stays_a_located_refusal(func, line):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(s2sad.grad(func))(0.5)
    violation = info.value.violations[0]
    assert violation.filename == __file__ and violation.code == "no-rule"
    assert line in violation.source_line
    assert "s2sad.grad(g)(x)" in violation.suggestion
    # the suggestion works: through_an_inline_gradient is jvp_inside with s2sad.grad
    assert s2sad.grad(s2sad.grad(through_an_inline_gradient))(0.5) == pytest.approx(9.0)
