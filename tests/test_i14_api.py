"""Issue 14 items 7-8: derivatives of derivatives to any order, primitives as functions,
has_aux, linearize, elementwise_grad, grad of a size-1 output. Oracles: closed forms,
central differences of the lower-order derivative, the other AD mode."""
import numpy as np
import pytest

import s2sad
from s2sad.errors import UsageError


def fd_jac(f, x, h=1e-5):
    """Central differences of any array-valued ``f`` of one float (array) argument."""
    x = np.asarray(x, dtype=float)
    cols = []
    for idx in np.ndindex(x.shape or ()):
        e = np.zeros_like(x)
        e[idx] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    out = np.stack(cols, axis=-1)
    return out.reshape(np.shape(f(x)) + x.shape)


def cubic(x):
    return np.sin(x) * x ** 2


def energy(x):
    return np.sum(np.sin(x) * x ** 2) + x[0] * x[1] ** 3


def field(x):
    return np.tanh(x) * x[0] + x ** 2


class Spring:
    def __init__(self, k):
        self.k = k

    def potential(self, x):
        return 0.5 * self.k * np.sum(x ** 2) + np.sum(np.cos(x))


def test_third_derivative_of_sin_is_minus_cos():
    d3 = s2sad.grad(s2sad.grad(s2sad.grad(np.sin)))
    for x in (0.3, 1.1, -2.0):
        assert d3(x) == pytest.approx(-np.cos(x), rel=1e-12)
    d4 = s2sad.grad(d3)
    assert d4(0.4) == pytest.approx(np.sin(0.4), rel=1e-12)


def test_grad_grad_grad_closed_form():
    x = 0.7
    closed = (6 - x * x) * np.cos(x) - 6 * x * np.sin(x)
    assert s2sad.grad(s2sad.grad(s2sad.grad(cubic)))(x) == pytest.approx(closed, rel=1e-12)
    d2 = s2sad.grad(s2sad.grad(cubic))
    assert s2sad.grad(d2)(x) == pytest.approx(fd_jac(d2, x), rel=1e-7)


def test_jvp_and_vjp_of_grad_are_the_hessian():
    x = np.array([0.3, -0.5, 0.8])
    v = np.array([1.0, 2.0, -1.0])
    w = np.array([0.5, -1.0, 0.25])
    g = s2sad.grad(energy)
    h = fd_jac(g, x)
    y, hv = s2sad.jvp(g, (x,), (v,))
    np.testing.assert_allclose(y, g(x))
    np.testing.assert_allclose(hv, h @ v, rtol=1e-7)
    y, pullback = s2sad.vjp(g, x)
    (hw,) = pullback(w)
    np.testing.assert_allclose(hw, h.T @ w, rtol=1e-7)
    assert float(w @ hv) == pytest.approx(float(v @ hw), rel=1e-12)   # <H v, w> = <v, H^T w>
    np.testing.assert_allclose(s2sad.hvp(energy)(x, v), hv, rtol=1e-12)


def test_jacobian_of_jacobian_and_hessian_of_grad():
    x = np.array([0.3, 0.5, -0.2])
    jj = s2sad.jacobian(s2sad.jacobian(field))(x)
    np.testing.assert_allclose(jj, fd_jac(s2sad.jacobian(field), x), rtol=1e-6, atol=1e-9)
    assert jj.shape == (3, 3, 3)
    third = s2sad.hessian(s2sad.grad(energy))(x)          # d3 energy, 3x3x3
    np.testing.assert_allclose(third, fd_jac(s2sad.hessian(energy), x), rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(third, np.transpose(third, (1, 0, 2)), atol=1e-12)
    np.testing.assert_allclose(s2sad.jacobian(s2sad.grad(energy))(x),
                               s2sad.hessian(energy)(x), rtol=1e-12)


def test_hessian_of_a_method_and_vjp_of_jvp_chain():
    spring = Spring(2.0)
    x = np.array([0.1, -0.4])
    h = s2sad.hessian(spring.potential)(x)
    np.testing.assert_allclose(h, 2.0 * np.eye(2) - np.diag(np.cos(x)), rtol=1e-12)
    d3 = s2sad.jacobian(s2sad.hessian(spring.potential))(x)
    expected = np.zeros((2, 2, 2))
    for i in range(2):
        expected[i, i, i] = np.sin(x[i])
    np.testing.assert_allclose(d3, expected, atol=1e-12)


def test_primitives_as_functions():
    assert s2sad.grad(np.tanh)(0.3) == pytest.approx(1 - np.tanh(0.3) ** 2, rel=1e-12)
    y, yd = s2sad.jvp(np.exp, (0.7,), (2.0,))
    assert yd == pytest.approx(2 * np.exp(0.7), rel=1e-12)
    x = np.array([0.1, 0.2])
    _, pullback = s2sad.vjp(np.sin, x)
    np.testing.assert_allclose(pullback(np.ones(2))[0], np.cos(x))
    np.testing.assert_allclose(s2sad.elementwise_grad(np.tanh)(x), 1 - np.tanh(x) ** 2)


def loss_with_aux(w, x, y):
    pred = np.tanh(x @ w)
    err = pred - y
    return np.mean(err ** 2), (pred, 3)   # a dict aux waits for dict literals (item 5)


def test_has_aux_grad_value_and_grad_vjp_jacobian():
    rng = np.random.default_rng(0)
    w, x, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    w0 = w.copy()
    expected = fd_jac(lambda v: loss_with_aux(v, x, y)[0], w)
    g, aux = s2sad.grad(loss_with_aux, has_aux=True)(w, x, y)
    np.testing.assert_allclose(g, expected, rtol=1e-7)
    assert aux[1] == 3
    np.testing.assert_allclose(aux[0], np.tanh(x @ w))
    (value, aux2), g2 = s2sad.value_and_grad(loss_with_aux, has_aux=True)(w, x, y)
    assert value == pytest.approx(loss_with_aux(w, x, y)[0])
    np.testing.assert_allclose(g2, g, rtol=1e-13)
    value, pullback, aux3 = s2sad.vjp(loss_with_aux, w, x, y, wrt=0, has_aux=True)
    np.testing.assert_allclose(pullback(2.0)[0], 2 * g, rtol=1e-13)
    jac, aux4 = s2sad.jacobian(lambda_free_pair, has_aux=True)(w)
    np.testing.assert_allclose(jac, fd_jac(lambda v: lambda_free_pair(v)[0], w), rtol=1e-7)
    assert aux4 == "note"
    np.testing.assert_array_equal(w, w0)


def lambda_free_pair(w):
    return np.sin(w) * w[0], "note"


def test_has_aux_refuses_a_single_output():
    with pytest.raises(UsageError) as info:
        s2sad.grad(cubic, has_aux=True)(0.3)
    assert info.value.code == "bad-aux"


def test_linearize():
    x = np.array([0.3, 0.5, -0.2])
    y, f_jvp = s2sad.linearize(field, x)
    x[0] = 100.0                        # the caller's array changes: the saved one does not
    x = np.array([0.3, 0.5, -0.2])
    np.testing.assert_allclose(y, field(x))
    j = fd_jac(field, x)
    for v in (np.array([1.0, 0, 0]), np.array([0.5, -1.0, 2.0])):
        np.testing.assert_allclose(f_jvp(v), j @ v, rtol=1e-7)
    y, g_jvp = s2sad.linearize(s2sad.grad(energy), x)        # of a derivative too
    np.testing.assert_allclose(g_jvp(np.ones(3)), fd_jac(s2sad.grad(energy), x) @ np.ones(3),
                               rtol=1e-6)


def test_elementwise_grad_and_its_derivative():
    x = np.linspace(-1, 1, 5)
    eg = s2sad.elementwise_grad(cubic)
    np.testing.assert_allclose(eg(x), np.cos(x) * x ** 2 + 2 * x * np.sin(x), rtol=1e-12)
    second = s2sad.elementwise_grad(eg)
    np.testing.assert_allclose(second(x), np.diag(fd_jac(eg, x)), rtol=1e-6, atol=1e-9)


def size_one(x):
    return np.sin(x) * x[0] * 2.0


def test_grad_of_a_size_one_output():
    x = np.array([0.5])
    g = s2sad.grad(size_one)(x)
    np.testing.assert_allclose(g, fd_jac(lambda v: size_one(v)[0], x), rtol=1e-7)
    assert g.shape == (1,)
    value, g2 = s2sad.value_and_grad(size_one)(x)
    np.testing.assert_allclose(g2, g)
    (g3,) = s2sad.grad(size_one, wrt=(0,))(x)
    np.testing.assert_allclose(g3, g)
    with pytest.raises(UsageError):
        s2sad.grad(field)(np.array([0.5, 0.2]))


def test_decorated_attributes():
    f = s2sad.differentiate(cubic)
    x = np.array([0.2, 0.4])
    np.testing.assert_allclose(f.elementwise_grad(x), s2sad.elementwise_grad(cubic)(x))
    y, f_jvp = f.linearize(0.7)
    assert f_jvp(1.0) == pytest.approx(s2sad.grad(cubic)(0.7))
    assert {"linearize", "elementwise_grad"} <= set(s2sad.__all__)
