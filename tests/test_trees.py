"""wrt arguments that are dicts or lists of arrays (a model's parameters): derivatives
come back in the same structure; each leaf is checked against finite differences and
forward against reverse mode by the dot-product test."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import s2sad
from tests.catalog import TREE_CATALOG, Case
from tests.fd import fd_grad


def _leaves(tree):
    """(path, value) pairs: a dict by key, a list by position, an array as itself."""
    if isinstance(tree, dict):
        return [((k,) + p, v) for k in tree for p, v in _leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [((i,) + p, v) for i, item in enumerate(tree) for p, v in _leaves(item)]
    return [((), tree)]


def _get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def _with_leaf(tree, path, value):
    tree = copy.deepcopy(tree)
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def _fd_leaf(case: Case, i, path):
    def f_of_leaf(leaf):
        args = list(case.args)
        args[i] = _with_leaf(args[i], path, leaf)
        return case.func(*args)
    return fd_grad(f_of_leaf, (_get(case.args[i], path),), 0)


@pytest.mark.parametrize("case", TREE_CATALOG, ids=lambda c: c.name)
def test_tree_gradient_matches_fd_leaf_by_leaf(case: Case):
    for i in case.wrt_all:
        g = s2sad.grad(case.func, wrt=i)(*copy.deepcopy(case.args))
        assert type(g) is type(case.args[i])
        for path, leaf in _leaves(case.args[i]):
            got = _get(g, path)
            assert np.shape(got) == np.shape(leaf)
            np.testing.assert_allclose(got, _fd_leaf(case, i, path), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", TREE_CATALOG, ids=lambda c: c.name)
def test_tree_dot_product_forward_against_reverse(case: Case):
    rng = np.random.default_rng(4)
    tangents = []
    for i in case.wrt_all:
        t = copy.deepcopy(case.args[i])
        for path, leaf in _leaves(t):
            t = _with_leaf(t, path, rng.standard_normal(np.shape(leaf)))
        tangents.append(t)
    y, jv = s2sad.jvp(case.func, copy.deepcopy(case.args), tuple(tangents), wrt=case.wrt_all)
    _, pullback = s2sad.vjp(case.func, *copy.deepcopy(case.args), wrt=case.wrt_all)
    cot = pullback(1.0)
    rhs = sum(float(np.sum(_get(c, p) * _get(t, p))) for c, t in zip(cot, tangents)
              for p, _ in _leaves(t))
    assert float(jv) == pytest.approx(rhs, rel=1e-11, abs=1e-12)


def test_value_and_grad_with_a_parameter_dict():
    case = TREE_CATALOG[0]
    value, g = s2sad.value_and_grad(case.func)(*case.args)
    assert value == case.func(*case.args) and set(g) == set(case.args[0])
