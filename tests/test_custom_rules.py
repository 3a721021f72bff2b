"""defvjp / defjvp register rules for callables the compiler should treat as primitives."""
import math

import numpy as np
import pytest

import s2sad
from s2sad.custom import forget
from tests import custom_programs as P
from tests.fd import fd_grad


@pytest.fixture
def lgamma_rules():
    def lgamma_vjp(g, ans, x):
        return g * P.digamma(x)

    def lgamma_jvp(d, ans, x):
        return d * P.digamma(x)
    s2sad.defvjp(math.lgamma, lgamma_vjp)
    s2sad.defjvp(math.lgamma, lgamma_jvp)
    yield
    forget(math.lgamma)


def test_a_c_function_without_a_rule_names_itself_and_how_to_register_one():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(P.uses_lgamma)(2.5, 1.5)
    assert "math.lgamma" in str(info.value) and "s2sad.defvjp" in str(info.value)


def test_registered_rules_in_both_modes_match_fd(lgamma_rules):
    args = (2.5, 1.5)
    for i in (0, 1):
        got = s2sad.grad(P.uses_lgamma, wrt=i)(*args)
        assert got == pytest.approx(fd_grad(P.uses_lgamma, args, i), rel=1e-6)
    _, tangent = s2sad.jvp(P.uses_lgamma, args, (1.0, 0.0))
    assert tangent == pytest.approx(fd_grad(P.uses_lgamma, args, 0), rel=1e-6)


def test_a_registered_rule_reads_as_a_call_to_the_users_function(lgamma_rules):
    text = s2sad.source(P.uses_lgamma)
    assert "lgamma_vjp(" in text


def test_a_user_function_registered_as_a_primitive_uses_its_rule():
    def soft_clip_vjp(g, ans, x):
        return g * (np.abs(x) < 1.0)
    s2sad.defvjp(P.soft_clip, soft_clip_vjp)
    try:
        x = np.array([0.3, -2.0, 0.8, 1.5])
        np.testing.assert_allclose(s2sad.grad(P.uses_soft_clip)(x), 2 * x * (np.abs(x) < 1))
        assert "soft_clip_vjp(" in s2sad.source(P.uses_soft_clip, args=(x,))
    finally:
        forget(P.soft_clip)


def test_stop_gradient_blocks_derivatives_in_both_modes():
    x, y = 1.5, 2.0
    assert s2sad.grad(P.uses_stop_gradient, wrt=0)(x, y) == pytest.approx(y)
    assert s2sad.jvp(P.uses_stop_gradient, (x, y), (1.0, 0.0))[1] == pytest.approx(y)
    assert s2sad.grad(P.uses_stop_gradient, wrt=1)(x, y) == pytest.approx(x + x * x)


def test_a_rule_for_a_callable_without_a_readable_signature_takes_the_rules_names():
    def erfc_vjp(g, ans, x):
        return -g * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)
    # math.erfc has a built-in rule; register anyway to check precedence and naming
    s2sad.defvjp(math.erfc, erfc_vjp)
    try:
        got = s2sad.grad(P.uses_erfcx)(0.4)
        assert got == pytest.approx(fd_grad(P.uses_erfcx, (0.4,), 0), rel=1e-6)
        assert "erfc_vjp(" in s2sad.source(P.uses_erfcx)
    finally:
        forget(math.erfc)


def test_bad_registrations_are_usage_errors():
    with pytest.raises(s2sad.UsageError):
        s2sad.defvjp(3.0, lambda g, ans, x: g)
    with pytest.raises(s2sad.UsageError):
        s2sad.defvjp(math.lgamma)


def test_a_numpy_ufunc_takes_a_user_rule_over_the_built_in_one():
    """A ufunc's signature also lists ``out``: its parameters are its nin inputs."""
    x, y = np.array([0.1, 0.7]), np.array([1.3, -0.4])
    s2sad.defvjp(np.sin, lambda g, ans, x: g * 3.0)        # deliberately not cos
    s2sad.defjvp(np.sin, lambda d, ans, x: d * 3.0)
    s2sad.defvjp(np.arctan2, None, lambda g, ans, x0, x1: g * 0.0)
    try:
        np.testing.assert_allclose(s2sad.grad(P.sin_sum)(x), [6.0, 6.0])
        assert s2sad.jvp(P.sin_sum, (x,), (np.ones(2),))[1] == pytest.approx(12.0)
        assert s2sad.grad(P.arctan2_sum, wrt=1)(x, y) == pytest.approx(np.zeros(2))
    finally:
        forget(np.sin)
        forget(np.arctan2)
    np.testing.assert_allclose(s2sad.grad(P.sin_sum)(x), 2.0 * np.cos(x))
