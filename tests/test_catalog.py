"""Every catalog function through grad, value_and_grad and vjp, checked against
finite differences (the oracle: no derivative values are written down here,
apart from the closed forms in ``test_closed_forms``)."""
from __future__ import annotations

import inspect
import math
from collections import Counter

import numpy as np
import pytest

import s2sad
from tests.catalog import CATALOG, VECTOR_CATALOG, Case, baydin, floordiv, modulo
from tests.fd import assert_close_to_fd, fd_grad, fd_vjp, random_cotangent


def _ids(cases):
    """Function names, with a suffix for a function listed at several inputs."""
    totals = Counter(c.name for c in cases)
    seen = Counter()
    ids = []
    for c in cases:
        seen[c.name] += 1
        ids.append(c.name if totals[c.name] == 1 else f"{c.name}-{seen[c.name]}")
    return ids


def _copy(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def _assert_same_args(args, originals):
    for a, o in zip(args, originals):
        np.testing.assert_array_equal(a, o)


def _assert_is_float(g, what):
    assert np.asarray(g).dtype.kind == "f", f"{what}: dtype {np.asarray(g).dtype}"


scalar_cases = pytest.mark.parametrize("case", CATALOG, ids=_ids(CATALOG))
vector_cases = pytest.mark.parametrize("case", VECTOR_CATALOG, ids=_ids(VECTOR_CATALOG))


@scalar_cases
def test_grad_matches_fd(case: Case):
    for i in case.wrt_all:
        args = _copy(case.args)
        g = s2sad.grad(case.func, wrt=i)(*args)
        what = f"{case.name}, wrt={i}"
        assert np.shape(g) == np.shape(case.args[i]), what
        _assert_is_float(g, what)
        assert_close_to_fd(g, fd_grad(case.func, case.args, i), what)
        _assert_same_args(args, case.args)  # the derivative leaves its inputs alone


@scalar_cases
def test_grad_tuple_wrt_matches_single(case: Case):
    singles = [s2sad.grad(case.func, wrt=i)(*_copy(case.args)) for i in case.wrt_all]
    together = s2sad.grad(case.func, wrt=case.wrt_all)(*_copy(case.args))
    assert isinstance(together, tuple) and len(together) == len(case.wrt_all)
    for i, single, g in zip(case.wrt_all, singles, together):
        assert np.shape(g) == np.shape(case.args[i])
        np.testing.assert_allclose(g, single, rtol=1e-12, atol=1e-14, err_msg=f"wrt={i}")


@scalar_cases
def test_one_element_tuple_wrt_gives_a_tuple(case: Case):
    i = case.wrt_all[0]
    g = s2sad.grad(case.func, wrt=(i,))(*_copy(case.args))
    assert isinstance(g, tuple) and len(g) == 1
    assert_close_to_fd(g[0], fd_grad(case.func, case.args, i), case.name)


@scalar_cases
def test_default_wrt_is_argument_zero(case: Case):
    if case.wrt_all[0] != 0:
        pytest.skip("argument 0 is not differentiable")
    default = s2sad.grad(case.func)(*_copy(case.args))
    first = s2sad.grad(case.func, wrt=0)(*_copy(case.args))
    assert not isinstance(default, tuple)
    np.testing.assert_allclose(default, first, rtol=1e-12, atol=1e-14)


@scalar_cases
def test_value_and_grad(case: Case):
    expected_value = case.func(*_copy(case.args))
    grads = s2sad.grad(case.func, wrt=case.wrt_all)(*_copy(case.args))

    value, g = s2sad.value_and_grad(case.func, wrt=case.wrt_all)(*_copy(case.args))
    np.testing.assert_array_equal(value, expected_value)
    assert isinstance(g, tuple) and len(g) == len(case.wrt_all)
    for a, b in zip(g, grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)

    i = case.wrt_all[0]
    value, g = s2sad.value_and_grad(case.func, wrt=i)(*_copy(case.args))
    np.testing.assert_array_equal(value, expected_value)
    np.testing.assert_allclose(g, grads[0], rtol=1e-12, atol=1e-14)


@scalar_cases
def test_vjp_pullback(case: Case):
    expected = fd_vjp(case.func, case.args, case.wrt_all, 1.0)
    y, pullback = s2sad.vjp(case.func, *_copy(case.args), wrt=case.wrt_all)
    np.testing.assert_array_equal(y, case.func(*_copy(case.args)))

    first = pullback(1.0)
    assert isinstance(first, tuple) and len(first) == len(case.wrt_all)
    for i, g, e in zip(case.wrt_all, first, expected):
        assert_close_to_fd(g, e, f"{case.name}, seed 1.0, wrt={i}")

    scaled = pullback(2.5)  # linear in the seed
    for i, g, e in zip(case.wrt_all, scaled, expected):
        assert_close_to_fd(g, 2.5 * np.asarray(e), f"{case.name}, seed 2.5, wrt={i}")
    for g, g1 in zip(scaled, first):
        np.testing.assert_allclose(g, 2.5 * np.asarray(g1), rtol=1e-12, atol=1e-14)

    again = pullback(1.0)  # the tape is read, not consumed
    for g, g1 in zip(again, first):
        np.testing.assert_array_equal(g, g1)


@scalar_cases
def test_primal_unchanged_by_differentiation(case: Case):
    args = _copy(case.args)
    before = case.func(*args)
    s2sad.grad(case.func, wrt=case.wrt_all)(*args)
    s2sad.value_and_grad(case.func, wrt=case.wrt_all)(*args)
    s2sad.vjp(case.func, *args, wrt=case.wrt_all)[1](1.0)
    after = case.func(*args)
    np.testing.assert_array_equal(after, before)
    assert type(after) is type(before)
    _assert_same_args(args, case.args)


BY_NAME = [c for c in CATALOG if c.name in {
    "baydin", "power_variable", "math_atan2", "nested_if", "fibonacci_like",
    "scalar_times_vector", "mlp_loss", "least_squares", "softmax_cross_entropy",
}]


@pytest.mark.parametrize("case", BY_NAME, ids=_ids(BY_NAME))
def test_wrt_by_name(case: Case):
    names = list(inspect.signature(case.func).parameters)
    for i in case.wrt_all:
        by_position = s2sad.grad(case.func, wrt=i)(*_copy(case.args))
        by_name = s2sad.grad(case.func, wrt=names[i])(*_copy(case.args))
        np.testing.assert_allclose(by_name, by_position, rtol=1e-12, atol=1e-14)
    by_names = s2sad.grad(case.func, wrt=tuple(names[i] for i in case.wrt_all))(*_copy(case.args))
    by_positions = s2sad.grad(case.func, wrt=case.wrt_all)(*_copy(case.args))
    assert len(by_names) == len(by_positions)
    for a, b in zip(by_names, by_positions):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def _flat(tree):
    if isinstance(tree, tuple):
        return [leaf for t in tree for leaf in _flat(t)]
    return [tree]


@vector_cases
def test_vector_vjp_matches_fd(case: Case):
    expected_y = case.func(*_copy(case.args))
    y, pullback = s2sad.vjp(case.func, *_copy(case.args), wrt=case.wrt_all)
    assert type(y) is type(expected_y)
    for a, b in zip(_flat(y), _flat(expected_y)):
        np.testing.assert_array_equal(a, b)

    rng = np.random.default_rng(12345)
    seeds = [random_cotangent(expected_y, rng) for _ in range(2)]
    results = []
    for seed in seeds:
        cotangents = pullback(seed)
        assert isinstance(cotangents, tuple) and len(cotangents) == len(case.wrt_all)
        expected = fd_vjp(case.func, case.args, case.wrt_all, seed)
        for i, g, e in zip(case.wrt_all, cotangents, expected):
            assert_close_to_fd(g, e, f"{case.name}, wrt={i}")
        results.append(cotangents)

    again = pullback(seeds[0])  # many calls, same tape
    for g, g0 in zip(again, results[0]):
        np.testing.assert_array_equal(g, g0)


# --- closed forms -------------------------------------------------------------

def test_closed_forms():
    assert baydin(2.0, 5.0) == pytest.approx(math.log(2.0) + 10.0 - math.sin(5.0))
    assert baydin(2.0, 5.0) == pytest.approx(11.652071, abs=1e-6)
    g1, g2 = s2sad.grad(baydin, wrt=(0, 1))(2.0, 5.0)
    assert g1 == pytest.approx(5.5, rel=1e-12)
    assert g2 == pytest.approx(2.0 - math.cos(5.0), rel=1e-12)
    assert g2 == pytest.approx(1.716337, abs=1e-6)

    x, y = 7.3, 2.1
    assert s2sad.grad(floordiv, wrt=(0, 1))(x, y) == (0.0, 0.0)
    for a in (x, -x):
        dx, dy = s2sad.grad(modulo, wrt=(0, 1))(a, y)
        assert dx == pytest.approx(1.0, rel=1e-12)
        assert dy == pytest.approx(-math.floor(a / y), rel=1e-12)
