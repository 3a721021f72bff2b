"""Lambdas written inside the differentiated function (or a helper it calls) are
differentiated as the nested defs they stand for: assigned to a name, called where
they are written, passed to map or to a helper, reading the function's differentiated
values. Each is checked in grad, vjp, jvp and hvp against central differences. A lambda
in a comprehension or with a default that is not a constant stays a located error
whose suggestion works."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def assigned(x):
    sq = lambda v: v * v * x                      # noqa: E731
    return np.sum(sq(x))


def called_where_written(x):
    return np.sum((lambda v, k=2.0: np.sin(v) * k)(x))


def through_map(x):
    return sum(map(lambda v: v * v, [x[0], x[1] * x[2]]))


def apply(fn, v):
    return fn(v)


def passed_to_a_helper(x):
    return np.sum(apply(lambda v: np.exp(v) * x[0], x))


def in_a_loop(x):
    total = 0.0
    for i in range(3):
        scale = lambda v: v * (i + 1.0)           # noqa: E731
        total = total + np.sum(np.tanh(scale(x)))
    return total


def over_a_parameter_dict(params, x):
    predict = lambda v: np.tanh(v @ params["W"] + params["b"])   # noqa: E731
    return np.sum(predict(x) ** 2)


def helper_with_a_lambda(v):
    cube = lambda t: t * t * t                    # noqa: E731
    return cube(v) + v


def calls_a_helper_with_a_lambda(x):
    return np.sum(helper_with_a_lambda(x) * x)


def in_a_branch_test(x):
    positive = lambda v: np.sum(v) > 0.0          # noqa: E731
    if positive(x):
        return np.sum(x ** 3)
    return np.sum(np.cos(x))


X = np.array([0.3, -0.2, 0.5])
PROGRAMS = [assigned, called_where_written, through_map, in_a_loop,
            calls_a_helper_with_a_lambda, in_a_branch_test]


@pytest.mark.parametrize("f", PROGRAMS)
def test_every_route_matches_finite_differences(f):
    expected = fd_grad(f, (X.copy(),), 0)
    given = X.copy()
    np.testing.assert_allclose(s2sad.grad(f)(given), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(given, X)
    _, back = s2sad.vjp(f, X.copy())
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-9)
    v = np.array([1.0, -0.5, 0.25])
    np.testing.assert_allclose(s2sad.jvp(f, (X.copy(),), (v,))[1], expected @ v, rtol=1e-6)


@pytest.mark.parametrize("f", [assigned, called_where_written, through_map, in_a_loop,
                               calls_a_helper_with_a_lambda, in_a_branch_test])
def test_hvp_matches_differences_of_the_gradient(f):
    v = np.array([1.0, -0.5, 0.25])
    grad = s2sad.grad(f)
    expected = (grad(X + 1e-5 * v) - grad(X - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(f)(X.copy(), v), expected, rtol=1e-5, atol=1e-7)


def test_a_lambda_over_a_parameter_dict():
    params = {"W": np.array([[0.5, -0.3], [0.2, 0.8], [-0.1, 0.4]]), "b": np.array([0.1, -0.2])}
    got = s2sad.grad(over_a_parameter_dict)(params, X)
    for key in params:
        def loss(p, key=key):
            return over_a_parameter_dict({**params, key: p}, X)
        np.testing.assert_allclose(got[key], fd_grad(loss, (params[key].copy(),), 0),
                                   rtol=1e-6, atol=1e-9)


def in_a_comprehension(x):
    return sum([(lambda v: v * k)(x[0]) for k in range(3)])


def default_not_a_constant(x):
    k = np.sum(x)
    scale = lambda v, c=k: v * c                  # noqa: E731
    return np.sum(scale(x))


@pytest.mark.parametrize("f", [in_a_comprehension, default_not_a_constant])
def test_what_stays_refused_is_located(f):
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f)(X.copy())
    first = info.value.violations[0]
    assert first.code == "unsupported-syntax" and first.filename == __file__
    assert "nested def" in first.suggestion


def test_a_lambda_over_a_differentiated_value_passed_to_a_helper_of_this_module():
    """The helper is copied beside the lambda (front/function_arguments.py)."""
    expected = fd_grad(passed_to_a_helper, (X.copy(),), 0)
    np.testing.assert_allclose(s2sad.grad(passed_to_a_helper)(X.copy()), expected,
                               rtol=1e-6, atol=1e-9)
