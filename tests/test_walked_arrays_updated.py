"""A loop that walks an array its body updates in place (``for e in y: y += 1.0``):
Python's iterator reads the array as the body leaves it, so later steps see the new
values; the derivative's walk did not, and value and gradient were silently those of
another function (the mutation fuzzer, seed 47). Each spelling is a located
``in-place-alias`` refusal whose rewrite (walk a copy) differentiates, checked against
central differences; an update after the loop stays allowed."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def augmented_in_the_body(x):
    y = x * 2.0
    t = 0.0
    for e in y:
        y += 1.0
        t = t + e ** 2
    return t


def item_write_in_the_body(x):
    y = np.sin(x)
    t = 0.0
    for e in y:
        y[2] = e * 3.0
        t = t + e * x[0]
    return t


def enumerate_and_slice(x):
    y = x + 0.5
    t = 0.0
    for i, e in enumerate(y):
        y[::2] = np.sum(y[::-1])
        t = t + e * i
    return t


def zip_walk(x):
    y = x * 1.5
    t = 0.0
    for e, w in zip(y, x):
        y *= 1.1
        t = t + e * w
    return t


@pytest.mark.parametrize("f", [augmented_in_the_body, item_write_in_the_body,
                               enumerate_and_slice, zip_walk])
def test_updating_the_walked_array_is_refused_located(f):
    for route in (lambda: s2sad.grad(f)(np.array([0.3, -0.2, 0.5])),
                  lambda: s2sad.jvp(f, (np.array([0.3, -0.2, 0.5]),), (np.ones(3),))):
        with pytest.raises(s2sad.CompileError) as info:
            route()
        first = info.value.violations[0]
        assert first.code == "in-place-alias" and first.filename == __file__
        assert "copy()" in first.suggestion


def walks_a_copy(x):
    y = x * 2.0
    t = 0.0
    for e in y.copy():
        y += 1.0
        t = t + e ** 2 * y[0]
    return t


def updates_after_the_loop(x):
    y = x * 2.0
    t = 0.0
    for e in y:
        t = t + e ** 2
    y += t
    return np.sum(y * x)


@pytest.mark.parametrize("f", [walks_a_copy, updates_after_the_loop])
def test_the_rewrite_and_an_update_after_the_loop_differentiate(f):
    x = np.array([0.3, -0.2, 0.5])
    expected = fd_grad(f, (x.copy(),), 0)
    np.testing.assert_allclose(s2sad.grad(f)(x.copy()), expected, rtol=1e-6, atol=1e-9)
    _, back = s2sad.vjp(f, x.copy())
    np.testing.assert_allclose(back(1.0)[0], expected, rtol=1e-6, atol=1e-9)
    assert s2sad.value_and_grad(f)(x.copy())[0] == pytest.approx(f(x.copy()), rel=1e-12)
