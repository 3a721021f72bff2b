"""Functions passed to helpers, closing over the differentiated values: a lambda or
nested def handed to a helper of the same module is followed through a copy of the
helper (front/function_arguments.py), in grad, vjp, jvp and hvp, against central
differences; what cannot be copied without changing its meaning stays a located
``closure-over-active`` whose suggested rewrite differentiates."""
import numpy as np
import pytest

import s2sad
from tests import function_argument_helpers as elsewhere
from tests.fd import fd_grad

SCALE = 2.0


def integrate(f, a, b, n=40):
    xs = np.linspace(a, b, n)
    ys = f(xs)
    return np.sum((ys[1:] + ys[:-1]) * np.diff(xs)) / 2.0


def fixed_point(g, x0, steps=5):
    x = x0
    for _ in range(steps):
        x = g(x)
    return x


def mse(model, inputs, targets):
    return np.mean((model(inputs) - targets) ** 2)


def both(f, g, x):
    return f(x) * g(x)


def scaled(f, x):
    return SCALE * f(x)


def rebinds(f, x):
    f = np.tanh
    return f(x)


INPUTS = np.array([[0.3, -0.1, 0.4], [0.2, 0.5, -0.3]])
TARGETS = np.array([[0.1, 0.2], [-0.3, 0.4]])


def smooth_abs_integral(k):
    return integrate(lambda x: np.sqrt(x ** 2 + k[0] ** 2) * k[1], -1.0, 1.0)


def contraction(k):
    def g(x):
        return 0.5 * np.cos(x) * k
    return np.sum(fixed_point(g, k * 0.1, steps=4))


def regression(w):
    W = w.reshape(3, 2)
    predict = lambda x: np.tanh(x @ W)              # noqa: E731
    return mse(predict, INPUTS, TARGETS)


def two_functions(k):
    def f(x):
        return np.sin(x * k[0])

    def g(x):
        return np.exp(x * k[1])
    return np.sum(both(f, g, k))


def by_keyword(k):
    return integrate(f=lambda x: x * np.sum(k ** 2), a=0.0, b=1.0, n=20)


def in_a_loop(k):
    total = 0.0
    for i in range(3):
        total = total + integrate(lambda x: np.cos(x * k[0]) + k[1], 0.0, 1.0 + i)
    return total


K = np.array([0.7, 1.3])
PROGRAMS = {
    smooth_abs_integral: K, contraction: K, two_functions: K, by_keyword: K,
    in_a_loop: K, regression: np.array([0.2, -0.4, 0.5, 0.1, -0.3, 0.6]),
}


@pytest.mark.parametrize("f", list(PROGRAMS), ids=lambda f: f.__name__)
def test_every_route_matches_finite_differences(f):
    x = PROGRAMS[f]
    expected = fd_grad(f, (x.copy(),), 0)
    given = x.copy()
    np.testing.assert_allclose(s2sad.grad(f)(given), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(given, x)
    value, back = s2sad.vjp(f, x.copy())
    assert value == pytest.approx(f(x.copy()), rel=1e-12)
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(back(2.0)[0], 2.0 * expected, rtol=1e-6, atol=1e-9)
    v = np.linspace(1.0, -0.5, x.size)
    np.testing.assert_allclose(s2sad.jvp(f, (x.copy(),), (v,))[1], expected @ v, rtol=1e-6)


@pytest.mark.parametrize("f", list(PROGRAMS), ids=lambda f: f.__name__)
def test_hvp_matches_differences_of_the_gradient(f):
    x = PROGRAMS[f]
    v = np.linspace(1.0, -0.5, x.size)
    grad = s2sad.grad(f)
    expected = (grad(x + 1e-5 * v) - grad(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(f)(x.copy(), v), expected, rtol=1e-5, atol=1e-7)


def test_the_source_shows_the_copied_helper():
    text = s2sad.source(contraction)
    assert "fixed_point_with_g" in text


def local_shadows_a_global_the_helper_reads(k):
    SCALE = 3.0                                     # noqa: N806
    return scaled(lambda x: x * k[0], k[1]) + SCALE


def helper_rebinds_the_parameter(k):
    return np.sum(rebinds(lambda x: x * k, k))


def helper_of_another_module(k):
    return elsewhere.integrate_elsewhere(lambda x: np.sqrt(x ** 2 + k ** 2), -1.0, 1.0)


@pytest.mark.parametrize("f", [local_shadows_a_global_the_helper_reads,
                               helper_rebinds_the_parameter],
                         ids=lambda f: f.__name__)
def test_a_copy_that_would_change_the_meaning_is_not_made(f):
    """Copied inside f, the helper would read f's SCALE, or an f it rebinds: refused."""
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(f)(K.copy())
    first = info.value.violations[0]
    assert first.code == "closure-over-active" and first.filename == __file__


def rewritten_as_suggested(k):
    g = lambda x, k: np.sqrt(x ** 2 + k ** 2)       # noqa: E731
    return elsewhere.integrate_passing(g, -1.0, 1.0, k)


def test_a_helper_of_another_module_is_refused_with_a_rewrite_that_works():
    with pytest.raises(s2sad.CompileError) as info:
        s2sad.grad(helper_of_another_module)(0.5)
    first = info.value.violations[0]
    assert first.code == "closure-over-active" and first.filename == __file__
    assert first.lineno == helper_of_another_module.__code__.co_firstlineno + 1
    assert "the lambda" in first.message and "helper(g, k)" in first.suggestion
    expected = fd_grad(helper_of_another_module, (0.5,), 0)
    assert s2sad.grad(rewritten_as_suggested)(0.5) == pytest.approx(expected, rel=1e-6)
    assert rewritten_as_suggested(0.5) == pytest.approx(helper_of_another_module(0.5))


def apply_rule(f, x):
    return f(x) + x


def apply_other_rule(f, x):
    return f(x) * x


def through_a_rebound_helper(k):
    return apply_rule(lambda x: x * k * k, k)


def test_rebinding_the_copied_helper_builds_the_derivative_anew(monkeypatch):
    """The body no longer names apply_rule, but its derivative depends on it."""
    grad = s2sad.grad(through_a_rebound_helper)
    assert grad(0.5) == pytest.approx(3 * 0.25 + 1.0)
    assert s2sad.jvp(through_a_rebound_helper, (0.5,), (1.0,))[1] == pytest.approx(1.75)
    assert s2sad.vjp(through_a_rebound_helper, 0.5)[1](1.0)[0] == pytest.approx(1.75)
    monkeypatch.setitem(globals(), "apply_rule", apply_other_rule)
    assert grad(0.5) == pytest.approx(4 * 0.5 ** 3)
    assert s2sad.grad(through_a_rebound_helper)(0.5) == pytest.approx(4 * 0.5 ** 3)
    assert s2sad.jvp(through_a_rebound_helper, (0.5,), (1.0,))[1] == pytest.approx(0.5)
    assert s2sad.vjp(through_a_rebound_helper, 0.5)[1](1.0)[0] == pytest.approx(0.5)
