"""Issue 13, items 3 and 5: facts are values; loops walk their iterable by index from normalize.

``for t in c`` is written by normalize as an index loop over ``_rt.as_sequence(c)``,
before analysis, so kinds see the item (a scalar of a 1-d array): the Horner loop's
adjoint needs no ``unbroadcast``, ``shape_of`` or ``check_scalar``. The walk is exact
for every iterable (arrays, lists, tuples of pairs, a dict's keys, an iterator, a
list the body grows). A loop whose target the adjoint never reads records its trip
count. Derivatives are checked against central finite differences and forward
against reverse (<J v, w> == <v, J^T w>); the caller's arrays stay as the primal
leaves them.
"""
import copy
import types

import numpy as np
import pytest

import s2sad
from s2sad.analysis.analyze import analyze
from s2sad.analysis.kinds import of_value
from s2sad.driver import pipeline
from s2sad.transform.forward import forward
from s2sad.transform.reverse import reverse
from s2sad.tree.nodes import clone
from tests.fd import assert_close_to_fd, fd_grad


def horner(coeffs, x):
    acc = 0.0
    for c in coeffs:
        acc = acc * x + c
    return acc


def rows_weighted(m, x):
    total = 0.0
    for row in m:                         # rows of a 2-d array: each a vector
        total = total + np.sum(row * x) ** 2
    return total


def tuple_items(c, x):
    acc = 0.0
    for a, b in ((c[0], c[1]), (c[1], x)):     # a tuple target over a tuple of pairs
        acc = acc + a * b * x
    return acc


def keys_of_a_dict(c, x):
    d = {"a": 2.0, "b": 3.0}
    acc = 0.0
    for k in d:                            # a dict yields its keys
        acc = acc + d[k] * np.sum(c) * x
    return acc


def an_iterator(c, x):
    acc = np.sum(c)
    for v in map(float, range(3)):         # consumed once; no len()
        acc = acc * x + v
    return acc


def reversed_walk(c, x):
    acc = 0.0
    for v in c[::-1]:                     # a view, walked backwards
        acc = acc * x + v
    return acc


def grown_worklist(c, x):
    todo = [1.0, 2.0]
    acc = np.sum(c)
    for t in todo:                         # the body grows the list it walks
        if t < 4.0:
            todo.append(t + 2.0)
        acc = acc * x + t
    return acc


CASES = [horner, rows_weighted, tuple_items, keys_of_a_dict, an_iterator, reversed_walk,
         grown_worklist]


def _args(func, rng):
    if func is rows_weighted:
        return rng.standard_normal((3, 2)), rng.standard_normal(2)
    return rng.standard_normal(3), 0.7


@pytest.mark.parametrize("func", CASES, ids=[f.__name__ for f in CASES])
def test_grad_jvp_vjp_against_finite_differences(func):
    rng = np.random.default_rng(3)
    args = _args(func, rng)
    copies = [np.copy(a) for a in args]
    expected_value = func(*copies)
    grads = s2sad.grad(func, wrt=(0, 1))(*args)
    for i, g in enumerate(grads):
        assert_close_to_fd(g, fd_grad(func, [np.copy(a) for a in args], i))
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)
    tangents = tuple(rng.standard_normal(np.shape(a)) if np.ndim(a) else 0.4 for a in args)
    value, tangent = s2sad.jvp(func, args, tangents)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    _, pullback = s2sad.vjp(func, *args)
    cotangents = pullback(1.0)
    inner = sum(np.sum(t * c) for t, c in zip(tangents, cotangents))
    np.testing.assert_allclose(tangent, inner, rtol=1e-9, atol=1e-12)


def test_horner_adjoint_knows_its_item_is_a_scalar():
    text = s2sad.source(horner, args=(np.array([1.0, -2.0, 3.0]), 0.5))
    for helper in ("_rt.unbroadcast", "_rt.shape_of", "_rt.check_scalar"):
        assert helper not in text, text
    forward_text = s2sad.source(horner, mode="forward", args=(np.array([1.0, 2.0]), 0.5))
    assert "broadcast_like" not in forward_text, forward_text


def counted(x, n):
    for i in range(n):
        x = x * x
    return x


def read_target(x, n):
    for i in range(n):
        x = x * i
    return x


def test_a_loop_whose_target_the_adjoint_never_reads_records_its_trip_count():
    text = s2sad.source(counted, args=(1.1, 3))
    assert ".append(i)" not in text and "range(_n" in text, text
    assert s2sad.grad(counted)(1.01, 3) == pytest.approx(8 * 1.01 ** 7, rel=1e-12)
    text = s2sad.source(read_target, args=(1.1, 3))
    assert ".append(i)" in text, text                 # b_x * i reads the targets
    assert s2sad.grad(read_target)(1.5, 4) == pytest.approx(0.0)
    assert s2sad.grad(read_target)(1.5, np.int64(3)) == pytest.approx(0.0 * 1 * 2)


def test_the_transforms_read_the_analysis_and_never_change_it():
    front = pipeline.front(horner)
    kinds_ = {"coeffs": of_value(np.ones(3)), "x": of_value(0.5)}
    for mode, transform in (("reverse", reverse), ("forward", forward)):
        tree = clone(front.tree)
        facts = analyze(tree, front.parsed, ("coeffs", "x"), kinds_, mode=mode)
        assert isinstance(facts.prims, types.MappingProxyType)
        with pytest.raises(TypeError):
            facts.prims[tree.body[0]] = None
        before = dict(facts.prims)
        transform(tree, facts, ("coeffs", "x"), copy.deepcopy(front.names))
        assert dict(facts.prims) == before
        assert all(facts.of(s) is p for s, p in before.items())
