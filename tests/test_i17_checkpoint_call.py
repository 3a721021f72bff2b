"""``s2sad.checkpoint(g)``: a helper whose internals reverse mode does not tape; the
adjoint sweep runs the helper's split derivative from the call's inputs.

Oracles: central differences, the same function calling the unwrapped helper, the
dot-product test between jvp and vjp; memory by tracemalloc.
"""
import tracemalloc

import numpy as np
import pytest

import s2sad
from tests.fd import fd_grad


def layer(x, w):
    for k in range(3):
        x = np.tanh(w @ x + 0.1 * k)
    return x


layer_c = s2sad.checkpoint(layer)


@s2sad.checkpoint
def scale(a, b=2.0):
    return a * np.sin(b)


def net(x, w):
    y = layer_c(x, w)
    y = layer_c(y, w)                  # the call's input is the name it overwrites
    return np.sum(y ** 2) + scale(y[0], b=w[0, 0])


def net_plain(x, w):
    y = layer(x, w)
    y = layer(y, w)
    return np.sum(y ** 2) + scale.__wrapped__(y[0], b=w[0, 0])


def stack(x, w, n):
    for i in range(n):
        x = layer_c(x, w)
        if i % 2 == 0:
            x = x * 0.9 + scale(x, 0.3)
    return np.sum(x)


def stack_plain(x, w, n):
    for i in range(n):
        x = layer(x, w)
        if i % 2 == 0:
            x = x * 0.9 + scale.__wrapped__(x, 0.3)
    return np.sum(x)


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    return rng.normal(size=4), rng.normal(size=(4, 4)) * 0.6


def test_the_wrapper_is_the_function():
    x, w = np.ones(4), np.eye(4)
    np.testing.assert_array_equal(layer_c(x, w), layer(x, w))
    assert layer_c.__wrapped__ is layer and layer_c.__name__ == "layer"
    assert s2sad.checkpoint(layer_c) is layer_c


def test_gradient_matches_the_unwrapped_helper_and_differences(data):
    x, w = data
    keep = x.copy(), w.copy()
    gx, gw = s2sad.grad(net, wrt=("x", "w"))(x, w)
    rx, rw = s2sad.grad(net_plain, wrt=("x", "w"))(x, w)
    np.testing.assert_allclose(gx, rx, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(gw, rw, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(gx, fd_grad(net, (x, w), 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gw, fd_grad(net, (x, w), 1), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x, keep[0])
    np.testing.assert_array_equal(w, keep[1])


def test_inside_a_loop_and_a_branch(data):
    x, w = data
    value, g = s2sad.value_and_grad(stack, wrt="w")(x, w, 5)
    assert value == pytest.approx(stack_plain(x, w, 5), rel=1e-14)
    np.testing.assert_allclose(g, s2sad.grad(stack_plain, wrt="w")(x, w, 5), rtol=1e-13)
    np.testing.assert_allclose(g, fd_grad(lambda v: stack(x, v, 5), (w,), 0), rtol=1e-6,
                               atol=1e-8)


def test_vjp_and_jvp_agree(data):
    x, w = data
    rng = np.random.default_rng(2)
    v, u = rng.normal(size=4), rng.normal(size=4)

    def f(x, w):
        return layer_c(layer_c(x, w), w)
    y, back = s2sad.vjp(f, x, w, wrt="x")
    (xbar,) = back(u)
    _, ydot = s2sad.jvp(lambda x: f(x, w), (x,), (v,))
    np.testing.assert_allclose(y, layer(layer(x, w), w), rtol=1e-15)
    assert np.dot(ydot, u) == pytest.approx(np.dot(v, xbar), rel=1e-12)


def test_hvp_through_a_checkpointed_call(data):
    x, w = data
    v = np.arange(4.0)
    np.testing.assert_allclose(s2sad.hvp(net, wrt="x")(x, w, v),
                               s2sad.hvp(net_plain, wrt="x")(x, w, v), rtol=1e-10)


def test_source_keeps_no_pullback_in_the_primal_sweep(data):
    text = s2sad.source(net, args=data)
    primal, adjoint = text.split("# adjoint sweep")
    assert "layer_c(x, w)" in primal and "layer_vjp" not in primal and "back_" not in primal
    assert "layer_vjp(x, w)" in adjoint and "layer_vjp(y, w)" in adjoint


def deep(x, w):
    for k in range(60):
        x = np.tanh(w * x + 0.01 * k)
    return x


deep_c = s2sad.checkpoint(deep)


def chain(x, w):
    for i in range(12):
        x = deep_c(x, w)
    return np.sum(x)


def chain_plain(x, w):
    for i in range(12):
        x = deep(x, w)
    return np.sum(x)


def test_memory_is_the_inputs_not_the_helpers_tape():
    x, w = np.linspace(-1, 1, 2000), 0.7
    peaks, grads = [], []
    for f in (chain_plain, chain):
        g = s2sad.grad(f, wrt="x")
        g(x[:3], w)                                    # compile outside the measurement
        tracemalloc.start()
        grads.append(g(x, w))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-14)
    assert peaks[1] < 0.25 * peaks[0], peaks


def cube_sum(a):
    return np.sum(a ** 3)


cube_sum_c = s2sad.checkpoint(cube_sum)


def updates_the_input_after(x):
    z = x * 1.0
    y = cube_sum_c(z)
    z[0] = y                           # the call's input changes in place after the call
    return cube_sum_c(z)


def test_an_input_updated_in_place_after_the_call_is_seen_as_it_was():
    """The adjoint recomputes from ``z`` once the update's adjoint has restored its slot."""
    x = np.array([0.3, -0.5, 0.8])
    g = s2sad.grad(updates_the_input_after)(x)
    np.testing.assert_allclose(g, fd_grad(updates_the_input_after, (x,), 0), rtol=1e-7)
