"""The fast entries of s2sad.jvp and s2sad.vjp on Python floats give what the general
way gives, and step aside where they must: other argument types, another wrt, a callee
rebound, a float exception. Values are checked against closed forms."""
import math

import numpy as np
import pytest

import s2sad
from s2sad.driver import fast


def poly(x, y):
    return x * x * y + 3.0 * x


def test_repeated_float_calls_match_the_closed_form():
    for k in range(5):
        x, y = 0.5 + k, 2.0 - k
        value, tangent = s2sad.jvp(poly, (x, y), (1.0, 0.5))
        assert value == pytest.approx(x * x * y + 3.0 * x, rel=1e-15)
        assert tangent == pytest.approx((2 * x * y + 3.0) + 0.5 * x * x, rel=1e-15)
        assert type(value) is float and type(tangent) is float


def test_other_types_and_wrt_go_the_general_way():
    s2sad.jvp(poly, (1.0, 2.0), (1.0, 0.0))
    value, tangent = s2sad.jvp(poly, (np.array([1.0, 2.0]), 2.0), (np.ones(2), 0.0))
    np.testing.assert_allclose(tangent, 2 * np.array([1.0, 2.0]) * 2.0 + 3.0)
    value, tangent = s2sad.jvp(poly, (1.0, 2.0), (1.0,), wrt=(1,))
    assert tangent == pytest.approx(1.0)


def helper(x):
    return math.sin(x)


def uses_helper(x):
    return helper(x) * 2.0


def test_a_rebound_callee_is_seen():
    global helper
    assert s2sad.jvp(uses_helper, (0.3,), (1.0,))[1] == pytest.approx(2 * math.cos(0.3))
    assert s2sad.jvp(uses_helper, (0.3,), (1.0,))[1] == pytest.approx(2 * math.cos(0.3))
    original = helper
    try:
        def helper(x):                    # noqa: F811
            return x ** 3
        assert s2sad.jvp(uses_helper, (0.3,), (1.0,))[1] == pytest.approx(2 * 3 * 0.09)
    finally:
        helper = original


def root(x):
    return math.sqrt(x)


def test_a_float_exception_goes_the_general_way():
    assert s2sad.jvp(root, (4.0,), (1.0,))[1] == pytest.approx(0.25)
    value, tangent = s2sad.jvp(root, (0.0,), (1.0,))
    assert value == 0.0 and math.isinf(tangent)


def test_the_table_stays_bounded():
    for k in range(fast._LIMIT + 10):
        s2sad.jvp(lambda x: x * 2.0, (1.0,), (1.0,))  # a new function object each time
    assert len(fast._JVPS) <= fast._LIMIT


def test_vjp_repeated_float_calls_match_the_closed_form():
    for k in range(5):
        x, y = 0.5 + k, 2.0 - k
        value, back = s2sad.vjp(poly, x, y)
        assert value == pytest.approx(x * x * y + 3.0 * x, rel=1e-15)
        for seed in (1.0, -2.5, 1.0):                   # a pullback may run many times
            gx, gy = back(seed)
            assert gx == pytest.approx(seed * (2 * x * y + 3.0), rel=1e-15)
            assert gy == pytest.approx(seed * x * x, rel=1e-15)
            assert type(gx) is float and type(gy) is float


def test_vjp_steps_aside_for_other_seeds_types_and_callees():
    global helper
    s2sad.vjp(poly, 1.0, 2.0)
    _, back = s2sad.vjp(poly, 1.0, 2.0)
    assert back(np.float64(2.0))[0] == pytest.approx(2 * 7.0)
    with pytest.raises(s2sad.UsageError):
        back(np.ones(2))
    _, back = s2sad.vjp(poly, np.array([1.0, 2.0]), 2.0)
    np.testing.assert_allclose(back(np.ones(2))[0], 2 * np.array([1.0, 2.0]) * 2.0 + 3.0)
    assert s2sad.vjp(uses_helper, 0.3)[1](1.0)[0] == pytest.approx(2 * math.cos(0.3))
    assert s2sad.vjp(uses_helper, 0.3)[1](1.0)[0] == pytest.approx(2 * math.cos(0.3))
    original = helper
    try:
        def helper(x):                    # noqa: F811
            return x ** 3
        assert s2sad.vjp(uses_helper, 0.3)[1](1.0)[0] == pytest.approx(2 * 3 * 0.09)
    finally:
        helper = original


def test_vjp_of_a_float_exception_goes_the_general_way():
    assert s2sad.vjp(root, 4.0)[1](1.0)[0] == pytest.approx(0.25)
    assert s2sad.vjp(root, 4.0)[1](1.0)[0] == pytest.approx(0.25)
    value, back = s2sad.vjp(root, 0.0)
    assert value == 0.0 and math.isinf(back(1.0)[0])
