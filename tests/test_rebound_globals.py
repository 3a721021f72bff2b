"""A global name the function calls that holds a library function (``ACT = np.tanh``)
may be rebound between calls (``ACT = np.sin``): the derivative built for tanh's rule
must not be reused for sin. Checked against closed forms, for a gradient function kept
across the rebinding, one made anew, jvp and vjp (their fast entries included), a
helper that reads the name, and a Hessian."""
import math

import numpy as np
import pytest

import s2sad

ACT = np.tanh
SCALAR = math.tanh


def loss(x):
    return np.sum(ACT(x))


def scalar_loss(x):
    return SCALAR(x) * 2.0


def helper(v):
    return ACT(v) * v


def calls_helper(x):
    return np.sum(helper(x))


X = np.array([0.3, -0.2, 0.7])


@pytest.fixture(autouse=True)
def _restore():
    global ACT, SCALAR
    yield
    ACT, SCALAR = np.tanh, math.tanh


def test_a_gradient_kept_across_the_rebinding():
    global ACT
    g = s2sad.grad(loss)
    np.testing.assert_allclose(g(X), 1.0 - np.tanh(X) ** 2, rtol=1e-13)
    ACT = np.sin
    np.testing.assert_allclose(g(X), np.cos(X), rtol=1e-13)
    np.testing.assert_allclose(s2sad.grad(loss)(X), np.cos(X), rtol=1e-13)
    value, grad = s2sad.value_and_grad(loss)(X)
    assert value == pytest.approx(np.sum(np.sin(X)))
    np.testing.assert_allclose(grad, np.cos(X), rtol=1e-13)


def test_jvp_and_vjp_on_floats():
    global SCALAR
    for _ in range(2):                          # the second call takes the fast entries
        assert s2sad.jvp(scalar_loss, (0.3,), (1.0,))[1] == pytest.approx(
            2.0 * (1.0 - math.tanh(0.3) ** 2))
        assert s2sad.vjp(scalar_loss, 0.3)[1](1.0)[0] == pytest.approx(
            2.0 * (1.0 - math.tanh(0.3) ** 2))
    g = s2sad.grad(scalar_loss)
    g(0.3)
    SCALAR = math.sin
    assert s2sad.jvp(scalar_loss, (0.3,), (1.0,))[1] == pytest.approx(2.0 * math.cos(0.3))
    assert s2sad.vjp(scalar_loss, 0.3)[1](1.0)[0] == pytest.approx(2.0 * math.cos(0.3))
    assert g(0.3) == pytest.approx(2.0 * math.cos(0.3))


def test_a_helper_reading_the_name_and_a_hessian():
    global ACT
    g = s2sad.grad(calls_helper)
    np.testing.assert_allclose(g(X), np.tanh(X) + X * (1.0 - np.tanh(X) ** 2), rtol=1e-12)
    ACT = np.sin
    np.testing.assert_allclose(g(X), np.sin(X) + X * np.cos(X), rtol=1e-12)
    np.testing.assert_allclose(s2sad.hessian(loss)(X), np.diag(-np.sin(X)), atol=1e-12)


def scalar_abs(x):
    return SCALAR(x) * abs(x)


def _closed_form(x, act, d_act, absolute=abs, d_absolute=lambda v: math.copysign(1.0, v)):
    return d_act(x) * absolute(x) + act(x) * d_absolute(x)


def _tanh_prime(v):
    return 1.0 - math.tanh(v) ** 2


def test_the_float_fast_entry_follows_a_rebinding_there_and_back():
    """grad's fast entry on floats (a watched global, here SCALAR and the builtin abs):
    rebinding SCALAR, rebinding it back, shadowing abs in the module and deleting the
    shadow each give the closed form of what the names mean at the call."""
    global SCALAR
    g = s2sad.grad(scalar_abs)
    for _ in range(2):                          # the second call takes the fast entry
        assert g(0.5) == pytest.approx(_closed_form(0.5, math.tanh, _tanh_prime), rel=1e-14)
    SCALAR = math.sin
    for _ in range(2):
        assert g(0.5) == pytest.approx(_closed_form(0.5, math.sin, math.cos), rel=1e-14)
    SCALAR = math.tanh
    for _ in range(2):
        assert g(-0.5) == pytest.approx(_closed_form(-0.5, math.tanh, _tanh_prime), rel=1e-14)
    globals()["abs"] = lambda v: v * v
    try:
        for _ in range(2):
            assert g(0.5) == pytest.approx(_closed_form(
                0.5, math.tanh, _tanh_prime, lambda v: v * v, lambda v: 2 * v), rel=1e-14)
    finally:
        del globals()["abs"]
    for _ in range(2):
        assert g(0.5) == pytest.approx(_closed_form(0.5, math.tanh, _tanh_prime), rel=1e-14)
