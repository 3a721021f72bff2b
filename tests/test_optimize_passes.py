"""The optimization passes on whole functions: what they change in the generated
source, and that the derivative stays right (finite differences, closed forms)."""
import numpy as np
import pytest

import s2sad
from tests.fd import assert_close_to_fd, fd_grad


def sin_times_cos(x):
    return np.sin(x) * np.cos(x)


def twice_then_update(x):
    a = x * 2.0
    b = x * 2.0            # the same expression as a, but a is then updated in place
    a[0] = 5.0
    return np.sum(a * b)


def sum_of_squares(x):
    return np.sum(x * x)


def total(x):
    return np.sum(x)


def code(text):
    """The generated source without its comments (which quote the user's lines)."""
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def test_the_adjoint_reuses_a_value_the_primal_computed():
    text = code(s2sad.source(sin_times_cos))
    assert text.count("np.cos(x)") == 1 and text.count("np.sin(x)") == 1, text
    for x in (0.3, -1.2):
        assert np.isclose(s2sad.grad(sin_times_cos)(x), np.cos(2.0 * x))
    hessian = s2sad.hessian(sin_times_cos)(0.3)
    assert np.isclose(hessian, -2.0 * np.sin(0.6))


def test_no_reuse_in_a_function_that_updates_in_place():
    x = np.array([0.5, -1.0, 2.0])
    got = s2sad.grad(twice_then_update)(x)
    assert_close_to_fd(got, fd_grad(twice_then_update, (x,), 0))
    np.testing.assert_allclose(got, [10.0, 8.0 * x[1], 8.0 * x[2]])
    assert np.isclose(twice_then_update(x), s2sad.value_and_grad(twice_then_update)(x)[0])


def test_a_sum_of_equal_terms_is_computed_once():
    x = np.array([0.5, -1.0, 2.0])
    assert "2.0 * " in s2sad.source(sum_of_squares, args=(x,))
    np.testing.assert_allclose(s2sad.grad(sum_of_squares)(x), 2.0 * x)
    np.testing.assert_allclose(s2sad.hessian(sum_of_squares)(x), 2.0 * np.eye(3))


def test_a_gradient_spread_from_a_sum_is_the_caller_s_own_array():
    x = np.array([0.5, -1.0, 2.0])
    g = s2sad.grad(total)(x)
    np.testing.assert_array_equal(g, np.ones(3))
    g *= 3.0                                       # a read-only broadcast view would raise
    np.testing.assert_array_equal(s2sad.grad(total)(x), np.ones(3))
    (cotangent,) = s2sad.vjp(total, x)[1](2.0)
    cotangent[0] = 0.0
    np.testing.assert_array_equal(s2sad.vjp(total, x)[1](2.0)[0], [2.0, 2.0, 2.0])


def recurrent(W, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h * 0.5)
    return np.sum(h * h)


def test_a_loop_tapes_only_the_shape_of_arrays_read_for_their_shape():
    rng = np.random.default_rng(0)
    W, xs, h = rng.normal(size=(3, 4)), rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4))
    assert "_rt.shape_of(" in s2sad.source(recurrent, args=(W, xs, h))
    for wrt in (0, 2):
        g = s2sad.grad(recurrent, wrt=wrt)(W, xs, h)
        assert_close_to_fd(g, fd_grad(recurrent, (W, xs, h), wrt))
    v = rng.normal(size=W.shape)
    hv = s2sad.hvp(recurrent)(W, xs, h, v)
    step = 1e-6
    along = (s2sad.grad(recurrent)(W + step * v, xs, h)
             - s2sad.grad(recurrent)(W - step * v, xs, h)) / (2 * step)
    np.testing.assert_allclose(hv, along, rtol=1e-5, atol=1e-7)


def two_draws(x):
    a = np.random.normal() * x
    b = np.random.normal() * x
    return a - b


def test_two_random_draws_stay_two():
    assert code(s2sad.source(two_draws)).count("np.random.normal()") == 2


def halves_twice(x):
    return np.sum(np.concatenate(np.split(x, 2) + np.split(x, 2)))


def test_gradient_through_a_concatenation_of_lists():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(s2sad.grad(halves_twice)(x), 2.0 * np.ones(4))
