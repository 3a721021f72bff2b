"""Shapes of code from autograd's example programs that s2sad got wrong: a tuple
grown with ``+=`` taken for an in-place update of the argument whose shape it is (a
false refusal), and a bound method called where a module global is an array (a raw
ValueError from comparing the method with the array), second derivatives through a
helper that calls SciPy's logsumexp (SciPy's source read). Central differences and
closed forms."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

scipy_special = pytest.importorskip("scipy.special")


def grown_shape(x):
    s = x.shape[:1]
    s += (1,)
    return np.sum(np.reshape(x, s) ** 2 * np.arange(1.0, 4.0)[:, None])


class Scale:
    def get(self, v):
        return v * 2.0


SCALE = Scale()
ONES = np.ones(3)


def method_beside_a_global_array(w):
    return np.sum(np.sin(SCALE.get(w)) * ONES)


def test_a_tuple_grown_with_plus_equals_is_not_an_update():
    x = np.array([0.5, -1.0, 2.0])
    kept = x.copy()
    expected = fd_grad(grown_shape, (x,), 0)
    np.testing.assert_allclose(s2sad.grad(grown_shape)(x), expected, rtol=1e-7)
    v = np.array([1.0, 0.5, -0.25])
    np.testing.assert_allclose(s2sad.jvp(grown_shape, (x,), (v,))[1], expected @ v, rtol=1e-7)
    np.testing.assert_array_equal(x, kept)


def test_an_array_plus_equals_a_tuple_is_still_an_update():
    def f(x):
        y = x
        y += (1.0, 2.0, 3.0)              # NumPy adds in place: the caller's x changes
        return np.sum(y ** 2)
    try:
        s2sad.grad(f)(np.ones(3))
    except s2sad.CompileError as error:
        assert "[in-place-input]" in str(error)
    else:
        raise AssertionError("an update of the argument was differentiated")


def test_a_bound_method_beside_a_module_global_array():
    w = np.array([0.1, 0.2, 0.3])
    expected = fd_grad(method_beside_a_global_array, (w,), 0)
    for _ in range(2):
        np.testing.assert_allclose(s2sad.grad(method_beside_a_global_array)(w), expected,
                                   rtol=1e-7)


def lse_helper(x):
    return scipy_special.logsumexp(x)


def calls_the_helper(x):
    return lse_helper(x) + np.sum(x ** 3)


def test_second_derivatives_through_a_helper_calling_a_library_function_with_a_rule():
    # inlining the helper for the Hessian had inlined scipy's logsumexp too (read its
    # source: an unsupported `with` statement in SciPy's file)
    x = np.array([0.1, 0.5, -0.3])
    s = np.exp(x) / np.sum(np.exp(x))
    closed = np.diag(s) - np.outer(s, s) + np.diag(6.0 * x)
    np.testing.assert_allclose(s2sad.hessian(calls_the_helper)(x), closed, rtol=1e-10,
                               atol=1e-14)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(s2sad.hvp(calls_the_helper)(x, v), closed @ v, rtol=1e-10)
