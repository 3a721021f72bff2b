"""``enumerate`` and ``zip`` over iterables that are not sequences (a dict's keys,
``reversed(...)``, a generator): the index loop normalize writes walks
``_rt.as_sequence`` of them, as Python walks them once. They raised KeyError or
TypeError inside generated code before; checked here against central differences in
grad, jvp and vjp."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def over_dict_keys(x):
    d = {"a": 1.0, "b": 2.0}
    s = 0.0
    for i, k in enumerate(d):
        s = s + x * d[k] * (i + 1.0)
    return s


def over_reversed(x):
    s = 0.0
    for i, e in enumerate(reversed([1.0, 2.0, 3.0])):
        s = s + np.sin(x * e) * i
    return s


def zip_with_generator(x):
    s = 0.0
    for a, b in zip(x, (t * 2.0 for t in [1.0, 2.0, 3.0])):
        s = s + a * a * b
    return s


def zip_over_keys_and_rebound(x):
    d = {"p": 0.5, "q": -1.5}
    s = 0.0
    for k, e in zip(d, x):
        s = s + d[k] * e * e
        x = x * 2.0                         # the loop walks the original x
    return s


CASES = [(over_dict_keys, 0.7), (over_reversed, 0.3),
         (zip_with_generator, np.array([1.0, -2.0, 0.5])),
         (zip_over_keys_and_rebound, np.array([0.4, 1.1, -0.3]))]


@pytest.mark.parametrize("f, x", CASES, ids=[f.__name__ for f, _ in CASES])
def test_every_mode_matches_finite_differences(f, x):
    expected = fd_grad(f, (np.copy(x),), 0)
    caller = np.copy(x)
    value, g = s2sad.value_and_grad(f)(caller)
    np.testing.assert_allclose(value, f(np.copy(x)), rtol=1e-12)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(caller, x)            # the primal leaves x alone
    v = np.ones_like(x) * 0.7
    np.testing.assert_allclose(s2sad.jvp(f, (np.copy(x),), (v,))[1], np.sum(expected * v),
                               rtol=1e-6, atol=1e-9)
    _, back = s2sad.vjp(f, np.copy(x))
    for seed in (1.0, -2.0):
        np.testing.assert_allclose(back(seed)[0], seed * expected, rtol=1e-6, atol=1e-9)
