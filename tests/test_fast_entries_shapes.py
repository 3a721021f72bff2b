"""The fast entries on Python floats for every shape of result: grad with ``wrt=0``,
``wrt=(0,)`` and ``wrt=(0, 1)``, value_and_grad, jvp and vjp, on functions whose values
are Python floats (``math``) and NumPy floats (``np.sin`` of a float). Each is called
several times (the first call records, the later ones take the fast way) and checked
against central finite differences (tests/fd.py); the fast way must step aside where a
global the function calls is rebound, and for float32 and int arguments."""
import math

import numpy as np
import pytest

import s2sad
from s2sad.driver import fast
from tests.fd import fd_grad

ACT = np.sin
SCALE = 2.0


def with_math(x, y):
    return x * y + 3.0 * math.sin(x) * y


def with_numpy(x, y):
    return x * y + 3.0 * np.sin(x) * y


def with_global(x, y):
    return ACT(x) * y * SCALE


@pytest.fixture(autouse=True)
def _restore():
    global ACT, SCALE
    yield
    ACT, SCALE = np.sin, 2.0


POINTS = [(0.3, 2.0), (-1.2, 0.5), (2.5, -3.0)]
FUNCTIONS = [with_math, with_numpy]


def _fd(f, x, y):
    return fd_grad(f, (x, y), 0), fd_grad(f, (x, y), 1)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_grad_shapes_match_finite_differences(f):
    single, one, both = s2sad.grad(f), s2sad.grad(f, wrt=(0,)), s2sad.grad(f, wrt=(0, 1))
    for _ in range(3):                          # the first call records, later ones hit
        for x, y in POINTS:
            gx, gy = _fd(f, x, y)
            assert single(x, y) == pytest.approx(gx, rel=1e-7)
            assert type(single(x, y)) is float
            got = one(x, y)
            assert type(got) is tuple and len(got) == 1 and type(got[0]) is float
            assert got[0] == pytest.approx(gx, rel=1e-7)
            got = both(x, y)
            assert type(got) is tuple and all(type(g) is float for g in got)
            assert got == pytest.approx((gx, gy), rel=1e-7)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_value_and_grad_shapes_match_finite_differences(f):
    single = s2sad.value_and_grad(f)
    one = s2sad.value_and_grad(f, wrt=(0,))
    both = s2sad.value_and_grad(f, wrt=(0, 1))
    for _ in range(3):
        for x, y in POINTS:
            gx, gy = _fd(f, x, y)
            value, g = single(x, y)
            assert value == pytest.approx(f(x, y), rel=1e-14) and type(value) is type(f(x, y))
            assert g == pytest.approx(gx, rel=1e-7) and type(g) is float
            value, g = one(x, y)
            assert type(g) is tuple and g == pytest.approx((gx,), rel=1e-7)
            value, g = both(x, y)
            assert g == pytest.approx((gx, gy), rel=1e-7) and all(type(e) is float for e in g)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_jvp_and_vjp_match_finite_differences_and_each_other(f):
    for _ in range(3):
        for x, y in POINTS:
            gx, gy = _fd(f, x, y)
            value, tangent = s2sad.jvp(f, (x, y), (0.7, -0.4))
            assert value == pytest.approx(f(x, y), rel=1e-14)
            assert tangent == pytest.approx(0.7 * gx - 0.4 * gy, rel=1e-6)
            assert type(tangent) is type(value)
            value, back = s2sad.vjp(f, x, y)
            for seed in (1.0, -2.0):
                cx, cy = back(seed)
                assert (cx, cy) == pytest.approx((seed * gx, seed * gy), rel=1e-7)
                assert type(cx) is float and type(cy) is float
                # the dot-product test between the modes
                assert seed * tangent == pytest.approx(0.7 * cx - 0.4 * cy, rel=1e-12)
    assert (f, None) in fast._JVPS and (f, None) in fast.VJPS


def test_jvp_and_vjp_wrt_variants():
    f = with_numpy
    for _ in range(3):
        for x, y in POINTS:
            gx, gy = _fd(f, x, y)
            assert s2sad.jvp(f, (x, y), (1.0,), wrt=(1,))[1] == pytest.approx(gy, rel=1e-7)
            assert s2sad.jvp(f, (x, y), (1.0,), wrt=0)[1] == pytest.approx(gx, rel=1e-7)
            back = s2sad.vjp(f, x, y, wrt=(1,))[1]
            assert back(1.0) == pytest.approx((gy,), rel=1e-7)
            back = s2sad.vjp(f, x, y, wrt=0)[1]
            assert back(1.0) == pytest.approx((gx,), rel=1e-7)


def test_a_rebound_global_is_seen_by_every_fast_entry():
    global ACT, SCALE
    x, y = 0.4, 1.5
    grads = [s2sad.grad(with_global), s2sad.grad(with_global, wrt=(0, 1)),
             s2sad.value_and_grad(with_global, wrt=(0,))]

    def check(d_act, act):
        expected = (d_act(x) * y * SCALE, act(x) * SCALE)
        for _ in range(2):
            assert grads[0](x, y) == pytest.approx(expected[0], rel=1e-12)
            assert grads[1](x, y) == pytest.approx(expected, rel=1e-12)
            assert grads[2](x, y)[1] == pytest.approx(expected[:1], rel=1e-12)
            assert s2sad.jvp(with_global, (x, y), (1.0, 0.0))[1] == \
                pytest.approx(expected[0], rel=1e-12)
            assert s2sad.vjp(with_global, x, y)[1](1.0) == pytest.approx(expected, rel=1e-12)
    check(np.cos, np.sin)
    ACT = np.cos
    check(lambda t: -np.sin(t), np.cos)
    SCALE = 5.0                      # a value: read live
    check(lambda t: -np.sin(t), np.cos)


def test_float32_and_int_arguments_go_the_general_way():
    f = with_numpy
    for _ in range(2):
        x32 = np.float32(0.3)
        value, tangent = s2sad.jvp(f, (x32, 2.0), (np.float32(1.0), 0.0))
        assert tangent == pytest.approx(fd_grad(f, (0.3, 2.0), 0), rel=1e-5)
        g = s2sad.grad(f, wrt=(0, 1))(x32, 2.0)
        assert type(g[0]) is np.float32 and type(g[1]) is float
        assert g[0] == pytest.approx(fd_grad(f, (0.3, 2.0), 0), rel=1e-5)
        # an int that is not differentiated; one that is would be an int-wrt error
        assert s2sad.grad(f)(0.3, 2) == pytest.approx(fd_grad(f, (0.3, 2.0), 0), rel=1e-7)
        assert s2sad.jvp(f, (0.3, 2), (1.0,), wrt=0)[1] == \
            pytest.approx(fd_grad(f, (0.3, 2.0), 0), rel=1e-7)
        assert s2sad.vjp(f, 0.3, 2, wrt=0)[1](1.0)[0] == \
            pytest.approx(fd_grad(f, (0.3, 2.0), 0), rel=1e-7)
        with pytest.raises(s2sad.UsageError):
            s2sad.grad(f, wrt=(0, 1))(0.3, 2)


def test_a_float64_seed_and_other_counts_go_the_general_way():
    f = with_numpy
    s2sad.vjp(f, 0.3, 2.0)
    value, back = s2sad.vjp(f, 0.3, 2.0)
    gx, gy = _fd(f, 0.3, 2.0)
    assert back(np.float64(2.0)) == pytest.approx((2 * gx, 2 * gy), rel=1e-7)
    with pytest.raises(s2sad.UsageError):
        s2sad.jvp(f, (0.3, 2.0), (1.0,))                    # one tangent for two
    assert s2sad.jvp(f, (0.3, 2.0), [1.0, 0.0])[1] == pytest.approx(gx, rel=1e-7)
