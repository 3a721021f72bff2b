"""Forward mode on the whole catalog: against finite differences, and against
reverse mode by the dot-product test <J v, w> == <v, J^T w>."""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from s2sad.rules.forward import FORWARD
from s2sad.rules.reverse import REVERSE
from tests.catalog import CATALOG, VECTOR_CATALOG, Case
from tests.fd import fd_grad, inner, random_cotangent
from tests.test_catalog import _copy, _ids

ALL = CATALOG + VECTOR_CATALOG
all_cases = pytest.mark.parametrize("case", ALL, ids=_ids(ALL))


def _random_tangent(x, rng):
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def _directional_fd(case: Case, tangents):
    """d/dt f(x + t v) at t = 0, by central differences in t."""
    def along(t):
        args = list(case.args)
        for i, v in zip(case.wrt_all, tangents):
            args[i] = args[i] + t * v
        return case.func(*args)

    out = case.func(*case.args)
    seed = random_cotangent(out, np.random.default_rng(7))
    return seed, fd_grad(lambda t: inner(seed, along(t)), (0.0,), 0)


@all_cases
def test_jvp_matches_fd_along_a_random_direction(case: Case):
    rng = np.random.default_rng(3)
    tangents = tuple(_random_tangent(case.args[i], rng) for i in case.wrt_all)
    y, ydot = s2sad.jvp(case.func, _copy(case.args), tangents, wrt=case.wrt_all)
    seed, expected = _directional_fd(case, tangents)
    assert inner(seed, ydot) == pytest.approx(expected, rel=1e-5, abs=1e-7)
    np.testing.assert_allclose(inner(seed, y), inner(seed, case.func(*case.args)))


@all_cases
def test_dot_product_forward_against_reverse(case: Case):
    rng = np.random.default_rng(11)
    v = tuple(_random_tangent(case.args[i], rng) for i in case.wrt_all)
    y, jv = s2sad.jvp(case.func, _copy(case.args), v, wrt=case.wrt_all)
    w = random_cotangent(y, rng)
    _, pullback = s2sad.vjp(case.func, *_copy(case.args), wrt=case.wrt_all)
    jtw = pullback(w)
    lhs, rhs = inner(w, jv), sum(inner(vi, ji) for vi, ji in zip(v, jtw))
    assert lhs == pytest.approx(rhs, rel=1e-11, abs=1e-12)


@all_cases
def test_jvp_tangent_has_the_output_structure(case: Case):
    v = tuple(_random_tangent(case.args[i], np.random.default_rng(5)) for i in case.wrt_all)
    y, ydot = s2sad.jvp(case.func, _copy(case.args), v, wrt=case.wrt_all)
    if isinstance(y, tuple):
        assert [np.shape(a) for a in ydot] == [np.shape(a) for a in y]
    else:
        assert np.shape(ydot) == np.shape(y)


def test_forward_and_reverse_tables_cover_the_same_primitives_in_the_same_order():
    assert list(FORWARD.rules) == list(REVERSE.rules)      # helpers' tangents: their own table
    for key, rule in REVERSE.rules.items():
        other = FORWARD.rules[key]
        assert (other.params, other.defaults, other.star) == \
            (rule.params, rule.defaults, rule.star), key
        assert [t is None for t in other.adjoints] == [t is None for t in rule.adjoints], key
    assert REVERSE.inactive <= FORWARD.inactive


def test_exponent_derivative_of_power_in_both_modes():
    def power(a, b):
        return a ** b

    import math
    expected = 2.0 ** 1.5 * math.log(2.0)
    assert s2sad.grad(power, wrt=1)(2.0, 1.5) == pytest.approx(expected, rel=1e-14)
    assert s2sad.jvp(power, (2.0, 1.5), (0.0, 1.0))[1] == pytest.approx(expected, rel=1e-14)


def test_tangent_source_keeps_control_flow_and_names():
    from tests.catalog import baydin
    text = s2sad.source(baydin, mode="forward")
    assert "def baydin_jvp(x1, x2, *, d_x1, d_x2):" in text
    assert "d_v2 = d_x1 * x2 + x1 * d_x2" in text


def pops_an_unused_value(x):
    stack = []
    stack.append(x)
    stack.append(x * x)
    unused = stack.pop()       # not differentiated: its tangent must leave the list too
    y = stack.pop()
    return y * 3.0


def test_a_pop_into_an_unused_name_pops_the_tangent_too():
    assert s2sad.jvp(pops_an_unused_value, (2.0,), (1.0,)) == (6.0, 3.0)
