"""Issue 16, item 4: ``jit="numba"`` compiles the generated derivative with numba.

Checked against finite differences (tests/fd.py) and the plain generated code's
independent oracle: the hand-written gradients of bench/workloads.py, themselves
checked against finite differences in test_bench_workloads.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import s2sad
from s2sad.driver.numba_jit import NumbaFallback
from s2sad.errors import UsageError
from bench import workloads as w
from tests.fd import fd_grad


def central(f, x):
    return fd_grad(f, (x,), 0)

pytest.importorskip("numba")


def pendulum(k, c, x0, v0, dt, n):
    return w.scalar_loop(k, c, x0, v0, dt, n)


def test_scalar_loop_grad_matches_hand_and_fd():
    args = (2.0, 0.8, 1.0, 0.3, 0.01, 300)
    gk, gc = s2sad.grad(w.scalar_loop, wrt=(0, 1), jit="numba!")(*args)
    hk, hc = w.scalar_loop_hand(*args)
    assert gk == pytest.approx(hk, rel=1e-12) and gc == pytest.approx(hc, rel=1e-12)
    fk = central(lambda k: w.scalar_loop(k, *args[1:]), args[0])
    assert gk == pytest.approx(fk, rel=1e-6)


def test_while_loop_grad_value_and_grad_jvp():
    for a in (2.0, 12345.678):
        g = s2sad.grad(w.while_loop, jit="numba!")(a)
        assert g == pytest.approx(0.5 / math.sqrt(a), rel=1e-9)
        value, g2 = s2sad.value_and_grad(w.while_loop, jit="numba!")(a)
        assert value == pytest.approx(math.sqrt(a)) and g2 == g
        y, ydot = s2sad.jvp(w.while_loop, (a,), (2.0,), jit="numba!")
        assert ydot == pytest.approx(2 * 0.5 / math.sqrt(a), rel=1e-9)


def test_training_loop_with_arrays():
    # a user's fitting loop: parameters updated in place, loss accumulated over steps
    def loss(w0, b, xs, ys, steps):
        total = 0.0
        for i in range(steps):
            pred = np.tanh(w0 * xs[i] + b)
            total = total + (pred - ys[i]) ** 2
        return total
    xs = np.linspace(-1, 1, 20)
    ys = np.sin(xs)
    xs0, ys0 = xs.copy(), ys.copy()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        g = s2sad.grad(loss, wrt=(0, 1), jit="numba")(0.7, 0.1, xs, ys, 20)
    plain = s2sad.grad(loss, wrt=(0, 1))(0.7, 0.1, xs, ys, 20)
    assert g == pytest.approx(plain, rel=1e-12)
    assert g[0] == pytest.approx(central(lambda a: loss(a, 0.1, xs, ys, 20), 0.7), rel=1e-6)
    assert np.array_equal(xs, xs0) and np.array_equal(ys, ys0)


def uses_a_dict(x, table):
    return x * table["a"] + math.sin(x)


def test_fallback_warns_names_the_construct_and_is_right():
    table = {"a": 3.0}
    with pytest.warns(NumbaFallback, match="numba cannot compile the derivative of 'uses_a_dict'"):
        g = s2sad.grad(uses_a_dict, wrt=0, jit="numba")(0.4, table)
    assert g == pytest.approx(central(lambda x: uses_a_dict(x, table), 0.4), rel=1e-7)


def test_strict_raises_usage_error_naming_the_construct():
    with pytest.raises(UsageError) as info:
        s2sad.grad(uses_a_dict, wrt=0, jit="numba!")(0.4, {"a": 3.0})
    assert info.value.code == "numba-unsupported"
    assert "table" in str(info.value) or "dict" in str(info.value)


def test_bad_jit_value():
    with pytest.raises(UsageError) as info:
        s2sad.grad(w.while_loop, jit="numbaa")
    assert info.value.code == "bad-jit"


def test_source_shows_the_numba_text():
    text = s2sad.source(w.scalar_loop, wrt=(0, 1), args=(2.0, 0.8, 1.0, 0.0, 0.01, 3), jit="numba")
    assert "_tape.append" not in text and "_tape_x.append(x)" in text and "reversed(" not in text
    assert "= None" not in text


def test_vjp_compiled_by_numba_pulls_back_like_the_hand_written_gradient():
    args = (2.0, 0.8, 1.0, 0.3, 0.01, 300)
    y, pullback = s2sad.vjp(w.scalar_loop, *args, wrt=(0, 1), jit="numba!")
    assert y == w.scalar_loop(*args)
    hk, hc = w.scalar_loop_hand(*args)
    for seed in (1.0, -2.5):               # twice, another seed: the pullback is linear
        gk, gc = pullback(seed)
        assert type(gk) is float and type(gc) is float
        assert gk == pytest.approx(seed * hk, rel=1e-12)
        assert gc == pytest.approx(seed * hc, rel=1e-12)
    fk = central(lambda k: w.scalar_loop(k, *args[1:]), args[0])
    assert pullback(1.0)[0] == pytest.approx(fk, rel=1e-6)


def test_vjp_compiled_by_numba_of_a_while_loop_and_of_arrays():
    y, pullback = s2sad.vjp(w.while_loop, 2.0, jit="numba!")
    assert pullback(3.0) == (pytest.approx(3.0 * 0.5 / math.sqrt(2.0), rel=1e-9),)

    def energy(x, k):
        e = 0.0
        for i in range(x.shape[0] - 1):
            e = e + k * (x[i + 1] - x[i]) ** 2
        return e
    x = np.linspace(0.0, 1.0, 6) ** 2
    kept = x.copy()
    with warnings.catch_warnings():        # numba or its fallback: the same numbers
        warnings.simplefilter("ignore", NumbaFallback)
        y, pullback = s2sad.vjp(energy, x, 0.7, wrt=0, jit="numba")
        (gx,) = pullback(1.0)
    np.testing.assert_allclose(gx, fd_grad(energy, (x, 0.7), 0), rtol=1e-6)
    np.testing.assert_array_equal(x, kept)


def test_vjp_jit_falls_back_with_a_warning_or_raises():
    def h(x, d):
        return x * d["a"]
    with pytest.warns(NumbaFallback):
        y, pullback = s2sad.vjp(h, 2.0, {"a": 3.0}, wrt=0, jit="numba")
        assert pullback(1.0) == (3.0,)
    y, pullback = s2sad.vjp(h, 2.0, {"a": 3.0}, wrt=0, jit="numba!")
    with pytest.raises(UsageError) as info:       # numba compiles at the first call
        pullback(1.0)
    assert info.value.code == "numba-unsupported"
    with pytest.raises(UsageError) as info:
        s2sad.vjp(h, 2.0, {"a": 3.0}, wrt=0, jit="fast")
    assert info.value.code == "bad-jit"
