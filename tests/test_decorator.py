"""The ``@s2sad.differentiate`` decorator, on Baydin et al.'s example.

(Kept apart from test_catalog.py: the decorators run when this module is
imported, so a problem there must not hide the catalog tests.)
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import s2sad
from tests.fd import assert_close_to_fd, fd_grad, fd_vjp


@s2sad.differentiate
def baydin_default(x1, x2):
    """Baydin et al.'s example."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


@s2sad.differentiate(wrt=(0, 1))
def baydin_both(x1, x2):
    """Baydin et al.'s example, differentiated w.r.t. both arguments."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


@s2sad.differentiate(wrt="x2")
def baydin_second(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def _plain(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


ARGS = (2.0, 5.0)


@pytest.mark.parametrize("f", [baydin_default, baydin_both, baydin_second])
def test_decorated_function_still_works(f):
    assert f(*ARGS) == _plain(*ARGS)
    assert f(*ARGS) == pytest.approx(11.652071, abs=1e-6)
    assert f(0.5, 1.5) == _plain(0.5, 1.5)


def test_decorated_function_keeps_name_doc_signature():
    assert baydin_default.__name__ == "baydin_default"
    assert baydin_default.__doc__ == "Baydin et al.'s example."
    assert list(inspect.signature(baydin_default).parameters) == ["x1", "x2"]
    assert baydin_both.__name__ == "baydin_both"
    assert list(inspect.signature(baydin_both).parameters) == ["x1", "x2"]


def test_default_wrt_is_argument_zero():
    g = baydin_default.grad(*ARGS)
    assert not isinstance(g, tuple)
    assert g == pytest.approx(5.5, rel=1e-12)
    assert_close_to_fd(g, fd_grad(_plain, ARGS, 0))


def test_decorator_wrt_tuple():
    g1, g2 = baydin_both.grad(*ARGS)
    assert g1 == pytest.approx(5.5, rel=1e-12)
    assert g2 == pytest.approx(2.0 - math.cos(5.0), rel=1e-12)
    # the module-level call with wrt=None uses the decorator's wrt
    h1, h2 = s2sad.grad(baydin_both)(*ARGS)
    assert (h1, h2) == pytest.approx((g1, g2), rel=1e-12)


def test_decorator_wrt_by_name():
    g = baydin_second.grad(*ARGS)
    assert not isinstance(g, tuple)
    assert g == pytest.approx(2.0 - math.cos(5.0), rel=1e-12)


def test_decorated_value_and_grad():
    value, g = baydin_default.value_and_grad(*ARGS)
    assert value == _plain(*ARGS)
    assert g == pytest.approx(5.5, rel=1e-12)
    value, (g1, g2) = baydin_both.value_and_grad(*ARGS)
    assert value == _plain(*ARGS)
    assert (g1, g2) == pytest.approx((5.5, 2.0 - math.cos(5.0)), rel=1e-12)


def test_decorated_vjp():
    # .vjp takes the primals; the decorator's wrt picks the cotangents returned
    y, pullback = baydin_both.vjp(*ARGS)
    assert y == _plain(*ARGS)
    for seed in (1.0, -0.5):
        cotangents = pullback(seed)
        assert isinstance(cotangents, tuple) and len(cotangents) == 2
        for g, e in zip(cotangents, fd_vjp(_plain, ARGS, (0, 1), seed)):
            assert_close_to_fd(g, e)


def test_decorator_exposes_forward_and_second_order_operators():
    import numpy as np

    @s2sad.differentiate
    def cubic(x):
        return np.sum(x ** 3)

    x = np.array([0.5, -1.0, 2.0])
    y, ydot = cubic.jvp((x,), (np.ones(3),))
    assert y == cubic(x) and ydot == np.sum(3 * x ** 2)
    np.testing.assert_allclose(cubic.hessian(x), np.diag(6 * x))
    np.testing.assert_allclose(cubic.hvp(x, np.ones(3)), 6 * x)
    np.testing.assert_allclose(cubic.jacobian(x), 3 * x ** 2)
    assert "d_x" in cubic.source("forward")
