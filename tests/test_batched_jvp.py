"""s2sad.batched_jvp pushes k tangents through one forward sweep: each result row
equals jvp with that tangent, and both equal central differences along it."""
import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad

W = np.array([[0.5, -0.3, 0.2], [0.1, 0.8, -0.6]])


def layer(x, scale):
    h = np.tanh(W @ x) * scale
    return np.sum(h ** 2) + np.sin(scale) * x[0]


def vector_out(x):
    return np.exp(x) * np.sum(x ** 2)


def with_a_dict(p):
    return p["a"] * np.sin(p["b"])


def test_rows_match_jvp_and_differences():
    x, scale = np.array([0.3, -0.2, 0.7]), 1.3
    rng = np.random.default_rng(0)
    dx, ds = rng.normal(size=(5, 3)), rng.normal(size=5)
    y, dots = s2sad.batched_jvp(layer, (x, scale), (dx, ds))
    assert y == pytest.approx(layer(x, scale)) and dots.shape == (5,)
    gx, gs = fd_grad(layer, (x.copy(), scale), 0), fd_grad(layer, (x.copy(), scale), 1)
    for i in range(5):
        assert dots[i] == pytest.approx(s2sad.jvp(layer, (x, scale), (dx[i], ds[i]))[1],
                                        rel=1e-12)
        assert dots[i] == pytest.approx(gx @ dx[i] + gs * ds[i], rel=1e-6)


def test_a_vector_output_and_wrt():
    x = np.array([0.3, -0.2, 0.7])
    block = np.eye(3)
    _, dots = s2sad.batched_jvp(vector_out, (x,), (block,))
    jac = np.diag(np.exp(x)) * np.sum(x ** 2) + np.outer(np.exp(x), 2 * x)
    np.testing.assert_allclose(dots, jac.T, rtol=1e-12)
    _, only_scale = s2sad.batched_jvp(layer, (x, 1.3), (np.array([1.0, 2.0]),), wrt=(1,))
    gs = fd_grad(layer, (x.copy(), 1.3), 1)
    np.testing.assert_allclose(only_scale, [gs, 2 * gs], rtol=1e-6)


def test_a_dict_of_tangent_blocks():
    # a parameter tree's block: the same dict, each leaf with the leading axis k
    p = {"a": 1.5, "b": 0.4}
    block = {"a": np.array([1.0, 0.0, 2.0]), "b": np.array([0.0, 1.0, -1.0])}
    _, dots = s2sad.batched_jvp(with_a_dict, (p,), (block,))
    closed = block["a"] * np.sin(0.4) + 1.5 * np.cos(0.4) * block["b"]
    np.testing.assert_allclose(dots, closed, rtol=1e-14)
    for i in range(3):
        row = {"a": block["a"][i], "b": block["b"][i]}
        assert dots[i] == pytest.approx(s2sad.jvp(with_a_dict, (p,), (row,))[1], rel=1e-14)


def test_a_dict_block_unlike_its_primal_is_refused():
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.batched_jvp(with_a_dict, ({"a": 1.5, "b": 0.4},), ({"a": np.array([1.0, 0.0])},))
    assert info.value.code == "bad-tangents"


def test_blocks_of_different_lengths_are_refused():
    with pytest.raises(s2sad.UsageError) as info:
        s2sad.batched_jvp(layer, (np.ones(3), 1.0), (np.ones((2, 3)), np.ones(3)))
    assert info.value.code == "bad-tangents"
